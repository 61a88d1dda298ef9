"""A plugin whose own dependencies are missing still explains itself, whatever follows it."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.test_cli import plugboard


def test_a_plugin_that_cannot_load_says_why_for_any_arguments(tmp_path: Path) -> None:
    shadow = tmp_path / "prefect"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('prefect is not installed here')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    for args in (["prefect"], ["prefect", "deploy", "model.yaml", "--cron", "0 * * * *"]):
        result = plugboard(*args, env=env)
        assert result.returncode == 2, result
        assert result.stderr.strip() == (
            "Error: plugboard_prefect needs Prefect, which is not installed:"
            " pip install 'plugboard[prefect]'"
        )
    listing = plugboard("--help", env=env)
    assert "unavailable: plugboard_prefect needs Prefect" in listing.stdout
