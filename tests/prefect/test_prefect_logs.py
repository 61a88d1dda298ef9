"""Under PrefectProcess, lifecycle records go to the flow run's and task runs' loggers."""

from __future__ import annotations

from prefect import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
import pytest

from plugboard.exceptions import ProcessError
from tests.components import Collect, FailOn, Source
from tests.conftest import links
from tests.prefect.helpers import flow_run_named, unique


pytestmark = pytest.mark.usefixtures("prefect_api")


async def flow_logs(name: str) -> list[str]:
    from prefect.logging.handlers import APILogHandler

    await APILogHandler.aflush()
    flow_run = await flow_run_named(name)
    async with get_client() as client:
        logs = await client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id]))
        )
    return [log.message for log in logs]


async def test_lifecycle_records_reach_the_prefect_run_logs() -> None:
    from plugboard_prefect import PrefectProcess

    name = unique("lifecycle")
    process = PrefectProcess(
        name=name,
        components=[Source(name="src", count=4), FailOn(name="mid", bad=2), Collect(name="sink")],
        connectors=links("src.out->mid.inp", "mid.out->sink.inp"),
    )
    with pytest.raises(ProcessError):
        async with process:
            await process.run()
    messages = await flow_logs(name)
    assert f"process '{name}' running" in messages
    assert "component 'mid' running" in messages
    assert "component 'mid' failed: ValueError: bad value 2" in messages
    assert f"process '{name}' failed: ValueError: bad value 2" in messages
