from pathlib import Path
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from plugboard.state import SqliteStateBackend


PLUGBOARD = str(Path(sys.executable).with_name("plugboard"))


def plugboard(
    *args: str, cwd: Path | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PLUGBOARD, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,  # type: ignore[call-overload]
    )


def model(tmp_path: Path, body: str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip())
    return path


CHAIN = """
plugboard:
  process:
    args:
      name: chain
      components:
      - type: tests.components.Source
        args: {name: src, count: 5}
      - type: tests.components.FailOn
        args: {name: mid, bad: 99}
      - type: tests.components.Collect
        args: {name: sink}
      connectors:
      - source: src.out
        target: mid.inp
      - source: mid.out
        target: sink.inp
      state:
        type: plugboard.state.SqliteStateBackend
        args: {db_path: state.db}
"""


def test_version() -> None:
    result = plugboard("version")
    assert result.returncode == 0
    assert result.stdout.startswith("plugboard ")


def test_run_prints_a_summary_when_not_a_terminal(tmp_path: Path) -> None:
    result = plugboard("process", "run", str(model(tmp_path, CHAIN)), "--job-id", "Job_cli1")
    assert result.returncode == 0, result.stderr
    assert "completed" in result.stdout
    assert "Job_cli1" in result.stdout
    for name in ("src", "mid", "sink"):
        assert name in result.stdout


async def test_job_id_and_statuses_are_persisted(tmp_path: Path) -> None:
    path = model(tmp_path, CHAIN)
    assert plugboard("process", "run", str(path), "--job-id", "Job_persisted").returncode == 0
    async with SqliteStateBackend(db_path=str(tmp_path / "state.db")) as state:
        process = await state.get_process("Job_persisted:chain")
        assert process["status"] == "completed"


async def test_job_id_from_the_environment(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "PLUGBOARD_JOB_ID": "Job_fromenv"}
    assert plugboard("process", "run", str(model(tmp_path, CHAIN)), env=env).returncode == 0
    async with SqliteStateBackend(db_path=str(tmp_path / "state.db")) as state:
        assert (await state.get_process("Job_fromenv:chain"))["status"] == "completed"


def test_failed_run_exits_1_with_one_line_naming_the_component(tmp_path: Path) -> None:
    path = model(tmp_path, CHAIN)
    result = plugboard("process", "run", str(path), "-p", "component.mid.arg.bad=2")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: component 'mid' failed: ValueError: bad value 2"
    assert len(lines) <= 2
    assert "Traceback" not in result.stderr
    assert "failed" in result.stdout  # the summary still shows


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    path = model(tmp_path, CHAIN)
    result = plugboard("process", "run", str(path), "-p", "component.mid.arg.bad=2", "--debug")
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "ValueError: bad value 2" in result.stderr


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("plugboard: [oops\n", "model.yaml:2:1: YAML syntax error"),
        ("plugboard:\n  process:\n    args:\n      components: []\n", "model.yaml:4:"),
        (
            CHAIN.replace("FailOn", "Missing"),
            "model.yaml:8: unknown type 'tests.components.Missing'",
        ),
        (CHAIN.replace("bad: 99", "bad: 99, colour: red"), "unknown argument 'colour'"),
        (
            CHAIN.replace("target: sink.inp", "target: sink.nope"),
            "Collect 'sink' has no input 'nope'",
        ),
    ],
)
def test_user_errors_exit_2_with_a_short_located_message(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = model(tmp_path, body)
    for command in ("run", "validate"):
        result = plugboard("process", command, str(path))
        assert result.returncode == 2, result
        assert expected in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) <= 3


def test_missing_file_and_bad_parameter_exit_2(tmp_path: Path) -> None:
    result = plugboard("process", "run", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2
    assert "file not found" in result.stderr
    result = plugboard(
        "process", "run", str(model(tmp_path, CHAIN)), "-p", "component.ghost.arg.x=1"
    )
    assert result.returncode == 2
    assert "no component named 'ghost'" in result.stderr
    result = plugboard("process", "run", str(model(tmp_path, CHAIN)), "--log-level", "LOUD")
    assert result.returncode == 2


def test_validate_and_diagram_touch_nothing(tmp_path: Path) -> None:
    path = model(tmp_path, CHAIN)
    result = plugboard("process", "validate", str(path))
    assert result.returncode == 0
    assert "valid (3 components)" in result.stdout
    result = plugboard("process", "diagram", str(path))
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "flowchart LR"
    assert "src@{ shape: rounded, label: Source<br>**src** } --> mid@{" in lines[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.yaml"]


def test_sigint_stops_an_endless_run_cleanly(tmp_path: Path) -> None:
    path = model(
        tmp_path,
        """
        plugboard:
          process:
            args:
              name: endless
              components:
              - type: tests.components.Endless
                args: {name: src}
              - type: tests.components.Collect
                args: {name: sink}
              connectors:
              - source: src.out
                target: sink.inp
              state:
                type: plugboard.state.SqliteStateBackend
                args: {db_path: state.db, job_id: Job_sigint}
        """,
    )
    proc = subprocess.Popen(
        [PLUGBOARD, "process", "run", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "state.db").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Interrupted" in stderr
    assert "Traceback" not in stderr
    assert "stopped" in stdout
    import json
    import sqlite3

    with sqlite3.connect(tmp_path / "state.db") as db:
        (data,) = db.execute("SELECT data FROM process WHERE key = 'Job_sigint:endless'").fetchone()
    assert json.loads(data)["status"] == "stopped"


ENDLESS = """
plugboard:
  process:
    args:
      components:
      - type: tests.components.Endless
        args: {name: src}
      - type: tests.components.Scale
        args: {name: x2}
      connectors:
      - source: src.out
        target: x2.inp
"""


def test_max_steps_and_timeout_end_an_unbounded_model(tmp_path: Path) -> None:
    path = model(tmp_path, ENDLESS)
    result = plugboard("process", "run", str(path), "--max-steps", "250")
    assert result.returncode == 0, result.stderr
    assert "250" in result.stdout
    started = time.monotonic()
    result = plugboard("process", "run", str(path), "--timeout", "0.5")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 10
    assert "stopped" in result.stdout


def test_event_model_from_yaml_is_wired_automatically(tmp_path: Path) -> None:
    path = model(
        tmp_path,
        """
        plugboard:
          process:
            args:
              components:
              - type: tests.event_components.Clock
                args: {name: clock, count: 50}
              - type: tests.event_components.Controller
                args: {name: ctrl}
              - type: tests.event_components.Recorder
                args: {name: act}
        """,
    )
    started = time.monotonic()
    result = plugboard("process", "run", str(path))
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 10
    assert "completed" in result.stdout
    diagram = plugboard("process", "diagram", str(path)).stdout
    assert '-. "tick" .->' in diagram and '-. "command" .->' in diagram


def test_validate_reports_a_subscriber_without_handler(tmp_path: Path) -> None:
    (tmp_path / "deaf_module.py").write_text(
        "from plugboard.component import Component, IOController\n"
        "from tests.event_components import Alarm\n"
        "class Deaf(Component):\n"
        "    io = IOController(input_events=[Alarm])\n"
    )
    path = model(
        tmp_path,
        """
        plugboard:
          process:
            args:
              components:
              - type: deaf_module.Deaf
                args: {name: deaf}
        """,
    )
    result = plugboard("process", "validate", str(path))
    assert result.returncode == 2
    assert "model.yaml:5: Deaf 'deaf' subscribes to event 'plant.alarm'" in result.stderr
