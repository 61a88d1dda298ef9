"""`plugboard process run --log-level/--log-format`: lifecycle records on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import CHAIN, model, plugboard


def json_lines(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_info_off_a_terminal_writes_json_lines_of_the_lifecycle(tmp_path: Path) -> None:
    path = model(tmp_path, CHAIN)
    result = plugboard("process", "run", str(path), "--job-id", "Job_logs1", "--log-level", "INFO")
    assert result.returncode == 0, result.stderr
    entries = json_lines(result.stderr)
    assert len(entries) == len(result.stderr.strip().splitlines())  # nothing but JSON lines
    events = [(e.get("component"), e["event"]) for e in entries]
    assert (None, "process.running") in events
    assert ("mid", "component.completed") in events
    assert events[-1] == (None, "process.destroyed")
    assert {e["job_id"] for e in entries} == {"Job_logs1"}
    assert {e["process"] for e in entries} == {"chain"}


def test_a_failed_run_logs_the_failure_as_json_and_still_ends_with_one_error_line(
    tmp_path: Path,
) -> None:
    path = model(tmp_path, CHAIN)
    result = plugboard(
        "process", "run", str(path), "-p", "component.mid.arg.bad=2", "--log-format", "json",
        "--log-level", "INFO",
    )  # fmt: skip
    assert result.returncode == 1
    failed = [e for e in json_lines(result.stderr) if e["event"] == "component.failed"]
    assert failed == [
        {
            **{k: failed[0][k] for k in ("time", "job_id")},
            "level": "ERROR",
            "logger": "plugboard.lifecycle",
            "message": "component 'mid' failed: ValueError: bad value 2",
            "event": "component.failed",
            "process": "chain",
            "component": "mid",
            "steps": 2,
            "error": "ValueError: bad value 2",
        }
    ]
    other = [line for line in result.stderr.splitlines() if not line.startswith("{")]
    assert other[0] == "Error: component 'mid' failed: ValueError: bad value 2"


def test_human_format_on_request(tmp_path: Path) -> None:
    path = model(tmp_path, CHAIN)
    result = plugboard(
        "process", "run", str(path), "--job-id", "Job_logs2", "--log-level", "INFO",
        "--log-format", "human",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "INFO    plugboard.lifecycle: component 'sink' completed [job Job_logs2]" in (
        result.stderr
    )
    assert not json_lines(result.stderr)


def test_by_default_a_run_logs_nothing(tmp_path: Path) -> None:
    result = plugboard("process", "run", str(model(tmp_path, CHAIN)))
    assert result.returncode == 0
    assert result.stderr == ""


def test_unknown_format_or_level_is_a_one_line_usage_error(tmp_path: Path) -> None:
    path = model(tmp_path, CHAIN)
    for option, value, message in [
        ("--log-format", "xml", "unknown log format 'xml'"),
        ("--log-level", "LOUD", "unknown log level 'LOUD'"),
    ]:
        result = plugboard("process", "run", str(path), option, value)
        assert result.returncode == 2
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
