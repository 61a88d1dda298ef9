"""CLI cold start: `plugboard process run` on the hello-world tutorial, as a whole subprocess."""

from __future__ import annotations

import contextlib
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
import time

from tests.benchmarks import published_env
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
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / EXAMPLE.name
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "b.txt"))
    return target / "model.yaml"


def wall_time(
    command: list[str],
    cwd: Path,
    env: dict[str, str],
    timeout: float | None = None,
    output: Path | None = None,
) -> Sample:
    """Runs a command to completion and returns its wall time.

    With `output`, the file is removed first and must exist afterwards (the model did its work).
    """
    if output is not None:
        output.unlink(missing_ok=True)
    start = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
        timeout=timeout,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(
            f"{' '.join(command)} exited {done.returncode}: {error[-1] if error else ''}"
        )
    if output is not None and not output.exists():
        raise RuntimeError(f"{' '.join(command)} wrote no {output.name}")
    return {METRIC_KEY: seconds}


def published(env: published_env.PublishedEnv, model: Path) -> Sample:
    """The published release's own `plugboard process run` on the same tutorial."""
    command = [str(env.plugboard_script), "process", "run", str(model)]
    try:
        return wall_time(
            command, model.parent, env.env(), timeout=120.0, output=model.parent / "b.txt"
        )
    except subprocess.TimeoutExpired:
        raise published_env.CannotRun("did not finish within 120 s") from None
    except RuntimeError as exc:
        raise published_env.CannotRun(str(exc)) from None


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plugboard-bench-")))
    model = copy_example(folder / "ours")
    env = child_env(folder / "pycache")
    ours = [str(plugboard_script()), "process", "run", str(model)]
    floor = [sys.executable, "-c", "import asyncio"]
    published_venv, note = published_env.shared(options)
    # The tutorial uses only names the release has too, so it runs it unchanged.
    published_model = copy_example(folder / "published")
    return [
        Case(
            size="hello world",
            ours=lambda: wall_time(ours, model.parent, env, output=model.parent / "b.txt"),
            floor=lambda: wall_time(floor, model.parent, env),
            published=(
                None
                if published_venv is None
                else (lambda: published(published_venv, published_model))
            ),
            published_note=note,
            published_warmup=True,
            metrics=(Metric(METRIC_KEY, "s", "wall time", Target(max_value=0.5)),),
            params={
                "command": "plugboard process run model.yaml",
                "example": EXAMPLE.name,
                "published_command": "the release's own `plugboard process run model.yaml`",
            },
        )
    ]


SCENARIO = Scenario(
    name="cli_start",
    description="`plugboard process run` of the hello-world tutorial as a subprocess; wall time",
    cases=_cases,
)
