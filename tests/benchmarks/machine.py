"""What the numbers were measured on."""

from __future__ import annotations

from importlib import metadata
import importlib.util
import os
from pathlib import Path
import platform
import subprocess
import sys
import typing as _t


_REPO_ROOT = Path(__file__).resolve().parents[2]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _usable_cpus() -> int | None:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count()


def _memory_total_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=_REPO_ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def _git_commit() -> str | None:
    """The commit measured, marked `+dirty` when plugboard/ has uncommitted changes."""
    commit = _git("rev-parse", "--short", "HEAD")
    if not commit:
        return None
    changes = _git("status", "--porcelain", "--", "plugboard")
    return f"{commit}+dirty" if changes else commit


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _package_path(name: str) -> str | None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    return str(Path(spec.origin).parent)


def load_average() -> tuple[float, float, float] | None:
    """The 1, 5 and 15 minute load averages, where the platform has them."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return None


def machine_info() -> dict[str, _t.Any]:
    """Platform, Python, CPUs, memory, current load and the code version measured."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": _usable_cpus(),
        "memory_total_mb": _memory_total_mb(),
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "python_executable": sys.executable,
        "plugboard_version": _package_version("plugboard"),
        "plugboard_path": _package_path("plugboard"),
        "git_commit": _git_commit(),
        "load_average_at_start": load_average(),
    }


def describe(info: _t.Mapping[str, _t.Any]) -> str:
    """One line about the machine, for the top of the report."""
    memory = info.get("memory_total_mb")
    memory_text = f", {memory / 1024:.1f} GB RAM" if memory else ""
    load = info.get("load_average_at_start")
    load_text = f"; load average {load[0]:.2f} at start" if load else ""
    return (
        f"{info['cpu_model']}, {info['usable_cpus']} usable of {info['cpu_count']} CPUs"
        f"{memory_text}; {info['python_implementation']} {info['python_version']} on"
        f" {info['platform']}; plugboard {info['plugboard_version']} ({info['git_commit']})"
        f"{load_text}"
    )
