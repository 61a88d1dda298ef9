"""The trace tutorial (007): run from `run.py` and from the CLI, its trace checked value by value.

Expected values come from the model's equations, computed here in the same order as the
components compute them.
"""

from __future__ import annotations

import os
from pathlib import Path
import shutil
import subprocess
import sys

import pytest


pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("matplotlib")

from plugboard.trace import load  # noqa: E402


ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "tutorials" / "007_trace"
PAGE = ROOT / "docs" / "tutorials" / "tracing.md"
PLUGBOARD = str(Path(sys.executable).with_name("plugboard"))
ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
ENV.pop("PLUGBOARD_JOB_ID", None)
STEPS = 60


def expected() -> dict[str, list[float]]:
    """The tank, controller and valve equations, step by step."""
    area, coeff, setpoint, gain, bias, rate = 4.0, 1.5, 5.0, 0.3, 0.5, 0.1
    volume, opening_in, valve_opening = 0.0, 0.5, 0.5
    out: dict[str, list[float]] = {
        k: []
        for k in (
            "inflow",
            "opening_in",
            "outflow",
            "level",
            "volume",
            "error",
            "command",
            "opening",
        )
    }
    for time in range(STEPS):
        inflow = 2.0 if time < 30 else 3.0
        outflow = coeff * opening_in * (volume / area)
        volume += inflow - outflow
        level = volume / area
        error = setpoint - level
        command = min(1.0, max(0.0, bias - gain * error))
        valve_opening += min(rate, max(-rate, command - valve_opening))
        for key, value in (
            ("inflow", inflow),
            ("opening_in", opening_in),
            ("outflow", outflow),
            ("level", level),
            ("volume", volume),
            ("error", error),
            ("command", command),
            ("opening", valve_opening),
        ):
            out[key].append(value)
        opening_in = valve_opening
    return out


def copy_example(tmp_path: Path) -> Path:
    return Path(
        shutil.copytree(
            EXAMPLE,
            tmp_path / "007_trace",
            ignore=shutil.ignore_patterns("__pycache__", "trace.parquet", "level.png"),
        )
    )


def check_trace(path: Path) -> None:
    frame = load(path)
    want = expected()
    tank = frame[frame.component == "tank"].sort_values("step")
    assert tank.step.tolist() == list(range(STEPS))
    assert tank["inputs.inflow"].tolist() == want["inflow"]
    assert tank["inputs.opening"].tolist() == want["opening_in"]
    assert tank["outputs.outflow"].tolist() == pytest.approx(want["outflow"], rel=1e-15)
    assert tank["outputs.level"].tolist() == pytest.approx(want["level"], rel=1e-15)
    assert tank["state.volume"].tolist() == pytest.approx(want["volume"], rel=1e-15)
    controller = frame[frame.component == "controller"].sort_values("step")
    assert controller["inputs.level"].tolist() == pytest.approx(want["level"], rel=1e-15)
    assert controller["outputs.command"].tolist() == pytest.approx(want["command"], rel=1e-15)
    assert controller["state.error"].tolist() == pytest.approx(want["error"], rel=1e-15)
    valve = frame[frame.component == "valve"].sort_values("step")
    # The valve's last opening has no tank step left to feed: that step ends the model.
    assert valve["outputs.opening"].tolist() == pytest.approx(want["opening"][: len(valve)])
    assert len(valve) >= STEPS - 1
    assert (frame.process == "tank-level-control").all()
    assert frame.error.isna().all()


def test_run_py_traces_the_model_and_plots_the_level(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    done = subprocess.run(
        [sys.executable, "run.py"], cwd=folder, env=ENV, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("tank-level-control: completed; traced ")
    assert "plot in level.png" in done.stdout
    check_trace(folder / "trace.parquet")
    assert (folder / "level.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_writes_the_trace_beside_the_yaml(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    done = subprocess.run(
        [PLUGBOARD, "process", "run", str(folder / "model.yaml")],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    check_trace(folder / "trace.parquet")


def test_tutorial_page_shows_the_files_and_the_plot() -> None:
    text = PAGE.read_text()
    for name in ("tank_control.py", "model.yaml", "run.py"):
        assert f'--8<-- "examples/tutorials/007_trace/{name}"' in text
    assert "../assets/trace-tank-level.png" in text
    assert (ROOT / "docs" / "assets" / "trace-tank-level.png").exists()


def test_tutorial_page_shows_the_diagram_the_cli_prints() -> None:
    done = subprocess.run(
        [PLUGBOARD, "process", "diagram", str(EXAMPLE / "model.yaml")],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in PAGE.read_text()
