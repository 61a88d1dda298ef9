"""Running a measurement in a fresh interpreter and reading back its JSON sample."""

from __future__ import annotations

import json
import os
from pathlib import Path
import subprocess
import sys
import time

from tests.benchmarks.core import Sample


REPO_ROOT = Path(__file__).resolve().parents[3]


def child_env(pycache: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured child: bytecode cached in a temporary folder, not the repo.

    A user's install has its bytecode compiled, so the warm-up round fills `pycache` and the
    measured rounds load from it. `PYTHONDONTWRITEBYTECODE` (set in some environments) would
    otherwise recompile every edited module, and Prefect's lazily imported modules, at every
    start.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.update(extra or {})
    return env


def run_module(module: str, args: list[str], env: dict[str, str] | None = None) -> Sample:
    """Runs `python -m module args...`; returns the JSON object on its last stdout line.

    Adds `exit_s`: seconds from the child's `block_end_epoch` (if it reports one) to its exit.
    """
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    exited = time.time()
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise RuntimeError(
            f"{module} {' '.join(args)} exited {done.returncode}:"
            f" {lines[-1] if lines else '(no output)'}"
        )
    sample: Sample = json.loads(done.stdout.strip().splitlines()[-1])
    block_end = sample.pop("block_end_epoch", None)
    if block_end is not None:
        sample["exit_s"] = exited - block_end
    return sample
