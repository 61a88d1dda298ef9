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
        "PREFECT_LOGGING_LEVEL": os.environ.get("PLUGBOARD_TEST_PREFECT_LOG_LEVEL", "WARNING"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_CANCELLATION_POLL_SECONDS": "1",
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
        env={**os.environ, **prefect_env(api_url, home), "PREFECT_UI_API_URL": api_url},
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


@contextlib.contextmanager
def prefect_worker(server: PrefectServer, pool: str, cwd: Path | None = None) -> _t.Iterator[Path]:
    """Runs `prefect worker start --pool POOL` until the block ends; yields its log file."""
    executable = Path(sys.executable).with_name("prefect")
    log_path = Path(tempfile.mkdtemp(prefix="plugboard-worker-")) / "worker.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [str(executable), "worker", "start", "--pool", pool, "--type", "process"],
        env=server.env(),
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield log_path
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.close()


# -- cloud storage emulators ---------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
AZURITE_INSTALL = "npm install --no-save --prefix .ci/.node azurite@3.35.0"
# The well-known key of Azurite's development account (public, not a secret).
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    """Waits until something accepts connections on a loopback port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def stop_by_pid(proc: subprocess.Popen[bytes]) -> None:
    """Stops a server started in its own session: SIGTERM to its group, then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait()


@contextlib.contextmanager
def _server(command: list[str], port: int, name: str, cwd: Path) -> _t.Iterator[None]:
    log = (cwd / "server.log").open("wb")
    proc = subprocess.Popen(
        command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        try:
            wait_port(port, 60, proc)
        except (RuntimeError, TimeoutError) as exc:
            output = (cwd / "server.log").read_text(errors="replace").strip()[-500:]
            missing(f"{name} did not start: {exc}: {output}")
        yield
    finally:
        stop_by_pid(proc)
        log.close()


@contextlib.contextmanager
def moto_s3() -> _t.Iterator[dict[str, str]]:
    """An S3 emulator (moto, in this process on a loopback port); yields s3fs options."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        missing("moto is not installed (uv sync, or pip install 'moto[server]')")
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        _, port = server.get_host_and_port()
        yield {
            "endpoint_url": f"http://127.0.0.1:{port}",
            "key": "test-access-key",
            "secret": "test-secret-key",
        }
    finally:
        server.stop()


@contextlib.contextmanager
def gcs_emulator() -> _t.Iterator[dict[str, str]]:
    """A GCS emulator (gcp-storage-emulator, in memory); yields gcsfs options.

    `GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false` must be set before gcsfs is imported.
    """
    executable = Path(sys.executable).with_name("gcp-storage-emulator")
    if not executable.exists():
        missing(
            "gcp-storage-emulator is not installed (uv sync, or pip install gcp-storage-emulator)"
        )
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="plugboard-gcs-"))
    command = [str(executable), "start", "--host=127.0.0.1", f"--port={port}", "--in-memory"]
    try:
        with _server(command, port, "gcp-storage-emulator", folder):
            yield {"endpoint_url": f"http://127.0.0.1:{port}", "token": "anon", "project": "test"}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def azurite_executable() -> str | None:
    local = ROOT / ".ci" / ".node" / "node_modules" / ".bin" / "azurite-blob"
    return str(local) if local.exists() else shutil.which("azurite-blob")


@contextlib.contextmanager
def azurite() -> _t.Iterator[dict[str, str]]:
    """An Azure Blob emulator (Azurite, in memory); yields adlfs options."""
    executable = azurite_executable()
    if executable is None:
        missing(f"Azurite is not installed: {AZURITE_INSTALL}")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="plugboard-azurite-"))
    command = [
        executable,
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--disableTelemetry",
        "--skipApiVersionCheck",
        "--loose",
    ]
    try:
        with _server(command, port, "Azurite", folder):
            yield {
                "connection_string": (
                    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                    f"AccountKey={AZURITE_KEY};"
                    f"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
                )
            }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
