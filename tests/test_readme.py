"""The README's snippets and commands, run as written."""

import ast
from pathlib import Path
import re
import shutil
import subprocess
import sys

import pytest
import yaml


ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
HELLO = ROOT / "examples" / "tutorials" / "001_hello_world"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


async def test_python_snippets_run_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme"}
    for source in blocks("python"):
        code = compile(source, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(code, namespace)
        if result is not None:
            await result
    assert (tmp_path / "b.txt").read_text() == "".join(f"{2 * i}\n" for i in range(5))


def test_quick_start_commands_are_the_ones_we_test() -> None:
    commands = [line for line in blocks("shell")[0].splitlines() if line.strip()]
    assert commands == [
        "uv run plugboard process run examples/tutorials/001_hello_world/model.yaml",
        "uv run pytest",
    ]


def test_hello_world_cli_run(tmp_path: Path) -> None:
    folder = shutil.copytree(HELLO, tmp_path / "hello", ignore=shutil.ignore_patterns("b.txt"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plugboard = Path(sys.executable).with_name("plugboard")
    result = subprocess.run(
        [str(plugboard), "process", "run", str(folder / "model.yaml")],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (folder / "b.txt").read_text() == "".join(f"{2 * i}\n" for i in range(10))
    assert not list(elsewhere.iterdir())


def test_readme_yaml_is_the_hello_world_model() -> None:
    (readme_yaml,) = blocks("yaml")
    example = yaml.safe_load((HELLO / "model.yaml").read_text())
    assert yaml.safe_load(readme_yaml) == example


def test_readme_diagram_is_what_the_cli_prints() -> None:
    (diagram,) = blocks("mermaid")
    plugboard = Path(sys.executable).with_name("plugboard")
    result = subprocess.run(
        [str(plugboard), "process", "diagram", str(HELLO / "model.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == diagram.strip()
