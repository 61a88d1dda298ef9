"""The published plugboard release, in a throwaway virtualenv of its own, and runs on it.

The suite compares our code with the release users install today. That release must never
land in the repository's environment (it is the same import name), so it lives in
`.bench/plugboard-<version>/` at the repository root (gitignored), created with `uv venv` and
filled with `uv pip install` on first use, then reused. Each measurement runs
`published/bench_published.py` under that interpreter, in isolated mode (`-I`) and from a
temporary folder, so that `import plugboard` can only find the release.

A published run that cannot finish is reported, not fatal: each child has an address-space
cap (`RLIMIT_AS`) and a timeout, and a failure raises `CannotRun` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
import time

from tests.benchmarks.core import Options, Sample


VERSION = "0.9.0"
REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE = REPO_ROOT / ".bench"
SCRIPT = Path(__file__).resolve().parent / "published" / "bench_published.py"
RESULT_MARK = "BENCH-RESULT "
DEFAULT_MEMORY_MB = 6_000
DEFAULT_TIMEOUT_S = 300.0


class CannotRun(Exception):
    """The published package could not run a case (a limit hit, an error, a missing feature)."""


@dataclass(frozen=True)
class PublishedEnv:
    """A virtualenv holding the published release."""

    version: str
    root: Path
    install_s: float | None
    """Seconds the install took in this invocation; None when an existing venv was reused."""

    @property
    def python(self) -> Path:
        """The venv's interpreter."""
        return self.root / "bin" / "python"

    @property
    def plugboard_script(self) -> Path:
        """The release's own `plugboard` console script."""
        return self.root / "bin" / "plugboard"

    def env(self) -> dict[str, str]:
        """The environment of a published child: nothing of ours on its paths."""
        drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"}
        env = {key: value for key, value in os.environ.items() if key not in drop}
        env["VIRTUAL_ENV"] = str(self.root)
        env["PATH"] = f"{self.root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env


def _uv() -> list[str]:
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def _installed_version(python: Path) -> str | None:
    if not python.exists():
        return None
    done = subprocess.run(
        [
            str(python),
            "-I",
            "-c",
            "from importlib import metadata; print(metadata.version('plugboard'))",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def ensure(version: str = VERSION) -> PublishedEnv:
    """Returns the release's venv, creating it (and timing the install) if it is missing."""
    root = CACHE / f"plugboard-{version}"
    python = root / "bin" / "python"
    if _installed_version(python) == version:
        return PublishedEnv(version, root, None)
    if root.exists():
        shutil.rmtree(root)
    CACHE.mkdir(exist_ok=True)
    start = time.perf_counter()
    for command in (
        [*_uv(), "venv", str(root), "--python", "3.12", "--quiet"],
        [
            *_uv(),
            "pip",
            "install",
            "--quiet",
            "--compile-bytecode",
            "--python",
            str(python),
            f"plugboard=={version}",
        ],
    ):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            lines = done.stderr.strip().splitlines()
            raise CannotRun(
                f"installing plugboard=={version} failed: {lines[-1] if lines else done.returncode}"
            )
    seconds = time.perf_counter() - start
    (root / "install-seconds.json").write_text(json.dumps({"install_s": seconds}) + "\n")
    return PublishedEnv(version, root, seconds)


def last_install_s(env: PublishedEnv) -> float | None:
    """The install time recorded when the venv was created (this run's or an earlier one's)."""
    if env.install_s is not None:
        return env.install_s
    try:
        data = json.loads((env.root / "install-seconds.json").read_text())
    except (OSError, ValueError):
        return None
    value = data.get("install_s")
    return float(value) if isinstance(value, int | float) else None


def _reason(stderr: str, returncode: int) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    if any("MemoryError" in line for line in lines[-5:]):
        return "ran out of memory (MemoryError under the address-space cap)"
    if returncode < 0:
        return f"killed by signal {-returncode}"
    return f"exited {returncode}: {lines[-1][:200] if lines else '(no output)'}"


def run(
    env: PublishedEnv,
    scenario: str,
    args: list[str],
    *,
    memory_mb: int = DEFAULT_MEMORY_MB,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Sample:
    """Runs one published measurement; returns its sample or raises `CannotRun`."""
    command = [
        str(env.python),
        "-I",
        str(SCRIPT),
        scenario,
        *args,
        "--max-memory-mb",
        str(memory_mb),
    ]
    with tempfile.TemporaryDirectory(prefix="plugboard-published-") as folder:
        try:
            done = subprocess.run(
                command,
                cwd=folder,
                env=env.env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            # subprocess.run has killed the child (and only it) by then.
            raise CannotRun(
                f"did not finish within the {timeout_s:.0f} s limit"
                f" (address space capped at {memory_mb:,} MB)"
            ) from None
    if done.returncode != 0:
        raise CannotRun(_reason(done.stderr, done.returncode))
    marked = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if not marked:
        raise CannotRun("printed no result")
    data = json.loads(marked[-1][len(RESULT_MARK) :])
    where = str(data.pop("plugboard_file", ""))
    if not where.startswith(str(env.root)):
        raise RuntimeError(f"the published run imported plugboard from {where}, not {env.root}")
    return {key: float(value) for key, value in data.items()}


_shared: PublishedEnv | CannotRun | None = None


def shared(options: Options) -> tuple[PublishedEnv | None, str | None]:
    """The release's venv for this invocation (installed at most once), or why there is none.

    Returns `(None, note)` when `--no-published` was given or the install failed.
    """
    global _shared
    if not options.published:
        return None, "not measured (--no-published)"
    if _shared is None:
        print(f"  published: preparing plugboard=={VERSION} in {CACHE}", file=sys.stderr)
        try:
            _shared = ensure()
        except CannotRun as exc:
            _shared = exc
        else:
            install_s = _shared.install_s
            done = "reused" if install_s is None else f"installed in {install_s:.1f} s"
            print(f"  published: {done}", file=sys.stderr)
    if isinstance(_shared, CannotRun):
        return None, f"cannot run: {_shared}"
    return _shared, None


def shared_info() -> dict[str, object]:
    """What the report says about the published side: version, venv, install time."""
    if isinstance(_shared, PublishedEnv):
        return {
            "version": _shared.version,
            "venv": str(_shared.root),
            "installed_this_run": _shared.install_s is not None,
            "install_s": last_install_s(_shared),
        }
    if isinstance(_shared, CannotRun):
        return {"version": VERSION, "error": str(_shared)}
    return {"version": VERSION, "measured": False}


def has_attribute(env: PublishedEnv, module: str, name: str) -> bool:
    """Whether the release's `module` defines `name` (asked of the release's interpreter)."""
    code = (
        "import importlib, sys\n"
        "try:\n"
        f"    found = hasattr(importlib.import_module({module!r}), {name!r})\n"
        "except ImportError:\n"
        "    found = False\n"
        "sys.exit(0 if found else 3)\n"
    )
    done = subprocess.run(
        [str(env.python), "-I", "-c", code], env=env.env(), capture_output=True, check=False
    )
    return done.returncode == 0
