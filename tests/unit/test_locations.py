"""Telling URLs from paths: what resolves beside a YAML file or the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugboard._imports import is_url
from plugboard.process.builder import resolve_paths
from plugboard.schemas import TraceSpec


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("s3://bucket/key.csv", True),
        ("sqlite+aiosqlite:///x.db", True),
        ("simplecache::s3://bucket/key.csv", True),
        ("data/in.csv", False),
        ("/abs/in.csv", False),
        ("C:/no/scheme", False),
    ],
)
def test_is_url(value: str, expected: bool) -> None:
    assert is_url(value) is expected


def test_chained_urls_are_not_made_relative_to_the_yaml(tmp_path: Path) -> None:
    args = {"path": "simplecache::s3://bucket/run.parquet", "other_path": "local.csv"}
    assert resolve_paths(args, tmp_path) == {
        "path": "simplecache::s3://bucket/run.parquet",
        "other_path": str(tmp_path / "local.csv"),
    }


def test_a_trace_target_on_the_command_line_resolves_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert TraceSpec.from_target("run.parquet").path == str(tmp_path / "run.parquet")
    assert TraceSpec.from_target("sqlite+aiosqlite:///t.db").url == (
        f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    )
    chained = "simplecache::s3://bucket/run.parquet"
    assert TraceSpec.from_target(chained).path == chained
