"""Driving the Prefect server, CLI and worker like a user would."""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil
import subprocess
import sys
import time
import typing as _t
import uuid

from prefect import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    TaskRunFilter,
    TaskRunFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun, TaskRun

from tests.services import PrefectServer


ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(
    server: PrefectServer, *args: str, cwd: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Runs a console script of this environment (`plugboard`, `prefect`) against the server."""
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        env=server.env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def create_pool(server: PrefectServer) -> str:
    pool = unique("pool")
    result = run(server, "prefect", "work-pool", "create", pool, "--type", "process")
    assert result.returncode == 0, result.stderr
    return pool


def copy_example(tmp_path: Path, name: str) -> Path:
    return shutil.copytree(ROOT / "examples" / "tutorials" / name, tmp_path / name)


async def deployment_runs(name: str) -> list[FlowRun]:
    async with get_client() as client:
        return await client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name]))
        )


async def task_runs(flow_run_id: uuid.UUID) -> dict[str, TaskRun]:
    async with get_client() as client:
        runs = await client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[flow_run_id]))
        )
    return {r.name: r for r in runs}


async def wait_for(
    check: _t.Callable[[], _t.Awaitable[_t.Any]], timeout: float, what: str
) -> _t.Any:
    """Polls the API until `check()` returns something truthy (bounded in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
