"""CLI cold start: `plugboard process run` on the hello-world tutorial, as a whole subprocess."""

from __future__ import annotations

import contextlib
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
import time

from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, Target
from tests.benchmarks.scenarios._subprocess import child_env


REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = REPO_ROOT / "examples" / "tutorials" / "001_hello_world"
METRIC_KEY = "wall_s"


def plugboard_script() -> Path:
    """The `plugboard` console script of the interpreter running the suite (the venv's)."""
    folder = Path(sys.executable).parent
    for name in ("plugboard", "plugboard.exe"):
        script = folder / name
        if script.exists():
            return script
    raise FileNotFoundError(f"no plugboard script beside {sys.executable}: run `uv sync` first")


def copy_example(folder: Path) -> Path:
    """Copies the tutorial (without generated files) into `folder`; returns its YAML."""
    target = folder / EXAMPLE.name
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "b.txt"))
    return target / "model.yaml"


def wall_time(command: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Runs a command to completion and returns its wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(
            f"{' '.join(command)} exited {done.returncode}: {error[-1] if error else ''}"
        )
    return {METRIC_KEY: seconds}


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plugboard-bench-")))
    model = copy_example(folder)
    env = child_env(folder / "pycache")
    ours = [str(plugboard_script()), "process", "run", str(model)]
    floor = [sys.executable, "-c", "import asyncio"]
    return [
        Case(
            size="hello world",
            ours=lambda: wall_time(ours, model.parent, env),
            floor=lambda: wall_time(floor, model.parent, env),
            metrics=(Metric(METRIC_KEY, "s", "wall time", Target(max_value=0.5)),),
            params={"command": "plugboard process run model.yaml", "example": EXAMPLE.name},
        )
    ]


SCENARIO = Scenario(
    name="cli_start",
    description="`plugboard process run` of the hello-world tutorial as a subprocess; wall time",
    cases=_cases,
)
