import asyncio
import json
from pathlib import Path
import textwrap

import pytest

from plugboard.exceptions import ProcessError, ValidationError
from plugboard.process import LocalProcess
from tests.components import Collect, FailOn, Source
from tests.conftest import links
from tests.prefect.components import FlakyDouble, Sleepy
from tests.prefect.helpers import artifacts_of, flow_run_named, logs_of, task_runs_of, unique
from tests.services import PrefectServer


pytestmark = pytest.mark.usefixtures("prefect_api")


def model(count: int = 8, fail_at: int = 3) -> dict[str, object]:
    return {
        "components": [
            Source(name="source", count=count),
            FlakyDouble(name="double", fail_at=fail_at),
            Collect(name="sink"),
        ],
        "connectors": links("source.out->double.inp", "double.out->sink.inp"),
    }


async def test_runs_as_a_flow_with_one_task_run_per_component() -> None:
    from plugboard_prefect import PrefectProcess

    name = unique("chain")
    process = PrefectProcess(name=name, **model(fail_at=0))  # type: ignore[arg-type]
    async with process:
        await process.run()
    assert Collect.seen["sink"] == [2 * i for i in range(8)]
    flow_run = await flow_run_named(name)
    assert flow_run.state is not None and flow_run.state.is_completed()
    tasks = await task_runs_of(flow_run)
    assert set(tasks) == {"source", "double", "sink"}
    assert tasks["double"].task_key.startswith("FlakyDouble")
    for run in tasks.values():
        assert run.state is not None and run.state.is_completed()
        assert run.tags == ["plugboard"]
    assert any("doubled 5" in message for message in await logs_of(tasks["double"]))
    artifacts = await artifacts_of(flow_run)
    assert "```mermaid" in artifacts["markdown"].data
    assert "source@{ shape: rounded" in artifacts["markdown"].data
    assert artifacts["progress"].data == 100.0
    table = artifacts["table"].data
    rows = {
        row["component"]: row for row in (json.loads(table) if isinstance(table, str) else table)
    }
    assert rows["double"]["status"] == "completed"
    assert rows["double"]["steps"] == 8
    assert rows["double"]["messages_in"] == 8 and rows["double"]["messages_out"] == 8


async def test_a_failed_step_is_retried_with_the_same_inputs() -> None:
    from plugboard_prefect import PrefectProcess

    clean = LocalProcess(**model(fail_at=0))  # type: ignore[arg-type]
    async with clean:
        await clean.run()
    expected = list(Collect.seen["sink"])
    FlakyDouble.retried.clear()

    name = unique("retry")
    process = PrefectProcess(
        name=name,
        task_options={"double": {"retries": 1, "retry_delay_seconds": 0}},
        **model(fail_at=3),  # type: ignore[arg-type]
    )
    async with process:
        await process.run()
    assert Collect.seen["sink"] == expected
    assert process.components["double"].total == sum(range(8))  # type: ignore[attr-defined]
    assert FlakyDouble.retried == ["double: ConnectionError"]
    tasks = await task_runs_of(await flow_run_named(name))
    assert tasks["double"].run_count == 2
    assert tasks["double"].state is not None and tasks["double"].state.is_completed()


async def test_failure_without_retries_fails_the_flow_and_cancels_the_rest() -> None:
    from plugboard_prefect import PrefectProcess

    name = unique("failure")
    process = PrefectProcess(
        name=name,
        components=[
            Source(name="source", count=1000),
            FailOn(name="fragile", bad=3),
            Sleepy(name="slow", seconds=30),
            Collect(name="sink"),
        ],
        connectors=links("source.out->fragile.inp", "fragile.out->slow.inp", "slow.out->sink.inp"),
    )
    with pytest.raises(ProcessError, match="component 'fragile' failed: ValueError: bad value 3"):
        async with process:
            await asyncio.wait_for(process.run(), 60)
    assert Sleepy.destroyed >= {"slow"}
    flow_run = await flow_run_named(name)
    assert flow_run.state is not None and flow_run.state.is_failed()
    tasks = await task_runs_of(flow_run)
    fragile = tasks["fragile"].state
    assert fragile is not None and fragile.is_failed()
    assert "bad value 3" in (fragile.message or "")
    for other in ("slow", "sink"):
        state = tasks[other].state
        assert state is not None and state.is_cancelled(), (other, state)
    assert all(run.state is not None and not run.state.is_running() for run in tasks.values())


async def test_timeout_ends_the_task_run_timed_out() -> None:
    from plugboard_prefect import PrefectProcess

    name = unique("timeout")
    process = PrefectProcess(
        name=name,
        components=[Source(name="source", count=3), Sleepy(name="slow", seconds=30)],
        connectors=links("source.out->slow.inp"),
        task_options={"slow": {"timeout_seconds": 0.5}},
    )
    with pytest.raises(ProcessError, match="component 'slow' failed") as info:
        async with process:
            await asyncio.wait_for(process.run(), 30)
    assert not isinstance(info.value, TimeoutError)
    tasks = await task_runs_of(await flow_run_named(name))
    assert tasks["slow"].state is not None and tasks["slow"].state.name == "TimedOut"


async def test_yaml_options_are_validated_with_their_lines(tmp_path: Path) -> None:
    from plugboard.process.loader import check_config, read_config

    path = tmp_path / "model.yaml"
    path.write_text(
        textwrap.dedent(
            """
            plugboard:
              process:
                type: plugboard_prefect.PrefectProcess
                prefect:
                  defaults: {retries: -1}
                args:
                  components:
                  - type: tests.components.Source
                    args: {name: source}
                    prefect: {timeout_seconds: 5, colour: red}
            """
        ).lstrip()
    )
    problems = check_config(read_config(path))
    text = "\n".join(problems)
    assert f"{path}:5: prefect options: defaults.retries:" in text
    assert f"{path}:10: prefect options: unknown field 'colour'" in text


async def test_prefect_options_need_the_prefect_process_type(tmp_path: Path) -> None:
    from plugboard.process.loader import check_config, read_config

    path = tmp_path / "model.yaml"
    path.write_text(
        "plugboard:\n  process:\n    args:\n      components:\n"
        "      - type: tests.components.Source\n        args: {name: s}\n"
        "        prefect: {retries: 2}\n"
    )
    (problem,) = check_config(read_config(path))
    assert "'prefect:' options need the process type plugboard_prefect.PrefectProcess" in problem


def test_task_options_for_unknown_components_are_rejected() -> None:
    from plugboard_prefect import PrefectProcess

    with pytest.raises(ValidationError, match="unknown components"):
        PrefectProcess(task_options={"ghost": {"retries": 1}}, **model())  # type: ignore[arg-type]


async def test_flow_entrypoint_runs_a_model_file_with_overrides(tmp_path: Path) -> None:
    from flows.plugboard_process import run_process

    path = tmp_path / "model.yaml"
    name = unique("entry")
    path.write_text(
        textwrap.dedent(
            f"""
            plugboard:
              process:
                args:
                  name: {name}
                  components:
                  - type: tests.components.Source
                    args: {{name: source, count: 2}}
                  - type: tests.components.Collect
                    args: {{name: sink}}
                  connectors:
                  - source: source.out
                    target: sink.inp
            """
        )
    )
    summary = await run_process(
        str(path), params={"component.source.arg.count": 5}, job_id="Job_entrypoint"
    )
    assert Collect.seen["sink"] == [0, 1, 2, 3, 4]
    assert {row["component"]: row["steps"] for row in summary} == {"source": 5, "sink": 5}
    flow_run = await flow_run_named(name)
    assert flow_run.state is not None and flow_run.state.is_completed()


async def test_process_flow_gives_a_callable_flow(tmp_path: Path) -> None:
    from plugboard_prefect import process_flow

    path = tmp_path / "model.yaml"
    name = unique("callable")
    path.write_text(
        f"plugboard:\n  process:\n    args:\n      name: {name}\n      components:\n"
        "      - type: tests.components.Source\n        args: {name: source, count: 3}\n"
        "      - type: tests.components.Collect\n        args: {name: sink}\n"
        "      connectors:\n      - {source: source.out, target: sink.inp}\n"
    )
    flow = process_flow(path)
    assert flow.name == name
    await flow()
    assert Collect.seen["sink"] == [0, 1, 2]
    with pytest.raises(ValidationError, match="file not found"):
        process_flow(tmp_path / "missing.yaml")


def test_cli_runs_a_model_as_a_flow_and_stops_on_sigterm(
    tmp_path: Path, prefect_api: PrefectServer
) -> None:
    import signal
    import subprocess
    import sys
    import time

    plugboard = str(Path(sys.executable).with_name("plugboard"))
    path = tmp_path / "model.yaml"
    name = unique("cli")
    path.write_text(
        f"plugboard:\n  process:\n    args:\n      name: {name}\n      components:\n"
        "      - type: tests.components.Endless\n        args: {name: source}\n"
        "      - type: tests.prefect.components.MarkOnDestroy\n"
        "        args: {name: sink, path: destroyed.txt}\n"
        "      connectors:\n      - {source: source.out, target: sink.inp}\n"
        "      state:\n        type: plugboard.state.SqliteStateBackend\n"
        "        args: {db_path: state.db}\n"
    )
    result = subprocess.run(
        [plugboard, "process", "run", str(path), "--prefect", "--max-steps", "50"],
        env=prefect_api.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "completed" in result.stdout
    assert (tmp_path / "destroyed.txt").read_text() == "destroyed after 50 steps\n"
    (tmp_path / "destroyed.txt").unlink()

    proc = subprocess.Popen(
        [plugboard, "process", "run", str(path), "--prefect"],
        env=prefect_api.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_running(name, deadline=time.monotonic() + 60)
        time.sleep(0.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        assert time.monotonic() - sent < 5
        assert "Stopping gracefully" in stderr  # the command's own handler, in the flow too
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert (tmp_path / "destroyed.txt").read_text().startswith("destroyed after")


def wait_until_running(name: str, deadline: float) -> None:
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterName,
        TaskRunFilter,
        TaskRunFilterFlowRunId,
    )

    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name]))
            )
            running = [r for r in runs if r.state is not None and r.state.is_running()]
            if running:
                tasks = client.read_task_runs(
                    task_run_filter=TaskRunFilter(
                        flow_run_id=TaskRunFilterFlowRunId(any_=[running[0].id])
                    )
                )
                if len(tasks) >= 2:
                    return
            time.sleep(0.2)
    raise AssertionError(f"flow run {name} never started running")


def test_importing_the_plugin_without_prefect_is_one_clear_line() -> None:
    import subprocess
    import sys

    blocker = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'prefect' or name.startswith('prefect.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocker + "import plugboard_prefect"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ImportError: plugboard_prefect needs Prefect, which is not installed:"
        " pip install 'plugboard[prefect]'"
    )
    core = subprocess.run(
        [
            sys.executable,
            "-c",
            blocker
            + "import asyncio\nfrom plugboard.process import LocalProcess\n"
            + "from tests.components import Source, Collect\nfrom tests.conftest import links\n"
            + "p = LocalProcess(components=[Source(name='s'), Collect(name='c')],"
            + " connectors=links('s.out->c.inp'))\n"
            + "async def main():\n    async with p:\n        await p.run()\n"
            + "asyncio.run(main())\nprint('core ok')\n",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert core.returncode == 0, core.stderr
    assert "core ok" in core.stdout


async def test_a_timed_out_step_is_retried_without_losing_its_value() -> None:
    from plugboard_prefect import PrefectProcess

    class SlowOnce(Sleepy):
        slept = False

        async def step(self) -> None:
            if self.inp == 1 and not SlowOnce.slept:
                SlowOnce.slept = True
                await asyncio.sleep(30)
            self.out = self.inp

    name = unique("timeout-retry")
    process = PrefectProcess(
        name=name,
        components=[Source(name="source", count=4), SlowOnce(name="slow"), Collect(name="sink")],
        connectors=links("source.out->slow.inp", "slow.out->sink.inp"),
        task_options={"slow": {"retries": 2, "timeout_seconds": 1}},
    )
    async with process:
        await asyncio.wait_for(process.run(), 60)
    assert Collect.seen["sink"] == [0, 1, 2, 3]
    tasks = await task_runs_of(await flow_run_named(name))
    assert tasks["slow"].run_count == 2
