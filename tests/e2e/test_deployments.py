"""Deployments end to end: a real server, the CLI, a worker, schedules and cancellation."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import shutil
import textwrap
import time

from prefect import get_client
from prefect.states import Cancelling

from tests.e2e.helpers import (
    ROOT,
    copy_example,
    create_pool,
    deployment_runs,
    run,
    task_runs,
    unique,
    wait_for,
)
from tests.prefect.helpers import artifacts_of
from tests.services import PrefectServer, prefect_worker


async def test_deploy_schedule_and_run_with_an_override(
    tmp_path: Path, prefect_api: PrefectServer
) -> None:
    pool = create_pool(prefect_api)
    folder = copy_example(tmp_path, "001_hello_world")
    model = str(folder / "model.yaml")
    name = unique("hello")
    result = run(
        prefect_api, "plugboard", "prefect", "deploy", model,
        "--name", name, "--cron", "*/5 * * * *", "--pool", pool, "--tag", "e2e",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"prefect worker start --pool {pool}" in result.stdout
    assert f"plugboard prefect run {model} --name {name} --watch" in result.stdout
    scheduled = await wait_for(
        lambda: _scheduled(name), timeout=30, what="scheduled runs of the deployment"
    )
    assert len(scheduled) >= 1
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(f"plugboard-process/{name}")
    assert deployment.parameters == {"config": model, "params": None}
    assert set(deployment.tags) == {"plugboard", "e2e"}

    with prefect_worker(prefect_api, pool):
        result = run(
            prefect_api, "plugboard", "prefect", "run", model,
            "--name", name, "-p", "component.component-a.arg.iters=3", "--watch",
        )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    assert "completed" in result.stdout
    assert (folder / "b.txt").read_text() == "0\n2\n4\n"
    runs = [r for r in await deployment_runs(name) if r.state and r.state.is_completed()]
    assert len(runs) == 1
    assert runs[0].name == "model"
    assert runs[0].parameters["params"] == {"component.component-a.arg.iters": 3}
    tasks = await task_runs(runs[0].id)
    assert set(tasks) == {"component-a", "component-b"}
    assert all(t.state is not None and t.state.is_completed() for t in tasks.values())
    artifacts = await artifacts_of(runs[0])
    assert {"markdown", "table", "progress"} <= set(artifacts)
    table = artifacts["table"].data
    rows = json.loads(table) if isinstance(table, str) else table
    assert {row["component"]: row["steps"] for row in rows} == {"component-a": 3, "component-b": 3}


async def _scheduled(name: str) -> list[object]:
    return [r for r in await deployment_runs(name) if r.state and r.state.is_scheduled()]


async def test_bad_input_is_one_line_and_registers_nothing(
    tmp_path: Path, prefect_api: PrefectServer
) -> None:
    pool = create_pool(prefect_api)
    folder = copy_example(tmp_path, "001_hello_world")
    model = str(folder / "model.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("plugboard:\n  process:\n    args:\n      components: [oops\n")
    name = unique("bad")
    cases = [
        (["--pool", "no-such-pool"], "work pool 'no-such-pool' not found"),
        (["--pool", pool, "--cron", "every tuesday"], "invalid cron expression 'every tuesday'"),
        (["--pool", pool, "--cron", "0 * * * *", "--interval", "60"], "not both"),
    ]
    for extra, expected in cases:
        result = run(prefect_api, "plugboard", "prefect", "deploy", model, "--name", name, *extra)
        assert result.returncode == 2, result
        assert expected in result.stderr
        assert len(result.stderr.strip().splitlines()) <= 2
    for path, expected in [
        (str(tmp_path / "missing.yaml"), "file not found"),
        (str(broken), "YAML syntax error"),
    ]:
        result = run(prefect_api, "plugboard", "prefect", "deploy", path, "--name", name)
        assert result.returncode == 2 and expected in result.stderr, result
    async with get_client() as client:
        deployments = await client.read_deployments()
    assert name not in {d.name for d in deployments}
    result = run(prefect_api, "plugboard", "prefect", "run", model, "--name", name)
    assert result.returncode == 2
    assert f"no deployment 'plugboard-process/{name}'" in result.stderr


async def test_prefect_yaml_deploys_with_prefect_deploy_all(
    tmp_path: Path, prefect_api: PrefectServer
) -> None:
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    pool = "plugboard"
    async with get_client() as client:
        pools = {p.name for p in await client.read_work_pools()}
    if pool not in pools:
        assert run(prefect_api, "prefect", "work-pool", "create", pool, "--type", "process")
    result = run(prefect_api, "prefect", "--no-prompt", "deploy", "--all", cwd=tmp_path / "flows")
    assert result.returncode == 0, result.stderr + result.stdout
    async with get_client() as client:
        deployment = await client.read_deployment_by_name("plugboard-process/hello-world")
        assert deployment.schedules and deployment.schedules[0].schedule.cron == "0 * * * *"
        await client.read_deployment_by_name("plugboard-process/feedback-loop")
    with prefect_worker(prefect_api, pool):
        result = run(
            prefect_api, "prefect", "deployment", "run", "plugboard-process/hello-world",
            "--param", 'params={"component.component-a.arg.iters": 4}', "--watch",
            cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    b_txt = tmp_path / "examples" / "tutorials" / "001_hello_world" / "b.txt"
    assert b_txt.read_text() == "0\n2\n4\n6\n"


async def test_cancelling_a_deployment_run_stops_every_component(
    tmp_path: Path, prefect_api: PrefectServer
) -> None:
    pool = create_pool(prefect_api)
    model = tmp_path / "endless.yaml"
    model.write_text(
        textwrap.dedent(
            f"""
            plugboard:
              process:
                args:
                  name: endless
                  components:
                  - type: tests.components.Endless
                    args: {{name: source}}
                  - type: tests.prefect.components.MarkOnDestroy
                    args: {{name: sink, path: {tmp_path / "destroyed.txt"}}}
                  connectors:
                  - source: source.out
                    target: sink.inp
            """
        )
    )
    name = unique("endless")
    result = run(prefect_api, "plugboard", "prefect", "deploy", str(model), "--name", name,
                 "--pool", pool)  # fmt: skip
    assert result.returncode == 0, result.stderr
    with prefect_worker(prefect_api, pool, cwd=ROOT) as worker_log:
        result = run(prefect_api, "plugboard", "prefect", "run", str(model), "--name", name)
        assert result.returncode == 0, result.stderr
        flow_run = await wait_for(
            lambda: _running(name), timeout=90, what="the deployment run to start running"
        )
        await wait_for(
            lambda: _tasks_running(flow_run.id), timeout=30, what="both component task runs"
        )
        async with get_client() as client:
            await client.set_flow_run_state(flow_run.id, Cancelling())
        cancelled_at = time.monotonic()
        cancelled_wall = time.time()
        final = await wait_for(
            lambda: _final(flow_run.id), timeout=30, what="the run to end after cancelling"
        )
        elapsed = time.monotonic() - cancelled_at
        log = worker_log.read_text(errors="replace")
    assert final.state.is_cancelled(), final.state
    tasks = await task_runs(flow_run.id)
    assert tasks and all(t.state is not None and not t.state.is_running() for t in tasks.values())
    marker = tmp_path / "destroyed.txt"
    assert marker.read_text().startswith("destroyed after")
    # Every component stopped and was destroyed within 5 s of the cancel request...
    assert marker.stat().st_mtime - cancelled_wall < 5, log[-3000:]
    # ...and the worker reported the run Cancelled soon after (it waits for the process to
    # exit; measured 1-8 s here, more when the machine is loaded).
    assert elapsed < 20, log[-3000:]


async def _running(name: str) -> object:
    runs = [r for r in await deployment_runs(name) if r.state and r.state.is_running()]
    return runs[0] if runs else None


async def _tasks_running(flow_run_id: object) -> bool:
    tasks = await task_runs(flow_run_id)  # type: ignore[arg-type]
    return len(tasks) == 2 and all(t.state and t.state.is_running() for t in tasks.values())


async def _final(flow_run_id: object) -> object:
    async with get_client() as client:
        flow_run = await client.read_flow_run(flow_run_id)  # type: ignore[arg-type]
    return flow_run if flow_run.state and flow_run.state.is_final() else None


_ = asyncio


async def test_serve_runs_the_model_on_request_without_a_pool(
    tmp_path: Path, prefect_api: PrefectServer
) -> None:
    import os
    import signal
    import subprocess

    from tests.e2e.helpers import BIN

    folder = copy_example(tmp_path, "001_hello_world")
    model = str(folder / "model.yaml")
    name = unique("served")
    server = subprocess.Popen(
        [str(BIN / "plugboard"), "prefect", "serve", model, "--name", name,
         "--interval", "3600", "-p", "component.component-a.arg.iters=2"],
        env=prefect_api.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    try:

        async def deployment() -> object:
            async with get_client() as client:
                found = await client.read_deployments()
            return next((d for d in found if d.name == name), None)

        await wait_for(deployment, timeout=90, what="the served deployment")
        result = run(prefect_api, "plugboard", "prefect", "run", model, "--name", name, "--watch")
        assert result.returncode == 0, result.stderr + result.stdout
        assert (folder / "b.txt").read_text() == "0\n2\n"
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
