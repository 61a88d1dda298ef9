"""Servers the test suite starts itself, on loopback, and stops by PID."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import typing as _t
import urllib.request

import pytest

from tests.conftest import require_services


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def missing(reason: str) -> _t.NoReturn:
    """Skips, or fails when CI requires every service."""
    if require_services():
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


class PrefectServer(_t.NamedTuple):
    api_url: str
    ui_url: str
    home: Path

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that talks to this server."""
        return {**os.environ, **prefect_env(self.api_url, self.home)}


def prefect_env(api_url: str, home: Path) -> dict[str, str]:
    return {
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def prefect_server() -> _t.Iterator[PrefectServer]:
    """Starts `prefect server start` on a free loopback port with its own PREFECT_HOME."""
    executable = Path(sys.executable).with_name("prefect")
    if not executable.exists():
        missing("Prefect is not installed (pip install 'plugboard[prefect]')")
    home = Path(tempfile.mkdtemp(prefix="plugboard-prefect-"))
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(executable), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **prefect_env(api_url, home)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        try:
            wait_http(f"{api_url}/health", 90, proc)
        except (RuntimeError, TimeoutError) as exc:
            missing(f"Prefect server did not start: {exc}")
        yield PrefectServer(api_url, f"http://127.0.0.1:{port}", home)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.close()
        shutil.rmtree(home, ignore_errors=True)
