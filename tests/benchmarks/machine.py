"""What the numbers were measured on."""

from __future__ import annotations

from importlib import metadata
import os
from pathlib import Path
import platform
import subprocess
import sys
import typing as _t


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


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip() or None


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, _t.Any]:
    """Platform, Python, CPUs, memory and the code version measured."""
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
        "git_commit": _git_commit(),
    }


def describe(info: _t.Mapping[str, _t.Any]) -> str:
    """One line about the machine, for the top of the report."""
    memory = info.get("memory_total_mb")
    memory_text = f", {memory / 1024:.1f} GB RAM" if memory else ""
    return (
        f"{info['cpu_model']}, {info['usable_cpus']} usable of {info['cpu_count']} CPUs"
        f"{memory_text}; {info['python_implementation']} {info['python_version']} on"
        f" {info['platform']}; plugboard {info['plugboard_version']} ({info['git_commit']})"
    )
