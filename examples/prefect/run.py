"""Runs the plant monitor as a Prefect flow from Python: the same model as model.yaml."""

import asyncio
from pathlib import Path

from plant_monitor import Recorder, Sensor, Smoother, Uplink

from plugboard.connector import AsyncioConnector
from plugboard.schemas import ConnectorSpec
from plugboard_prefect import PrefectProcess, ProcessOptions, TaskOptions


HERE = Path(__file__).resolve().parent


def connect(source: str, target: str) -> AsyncioConnector:
    """Links an output field (`component.field`) to an input field."""
    return AsyncioConnector(spec=ConnectorSpec(source=source, target=target))


async def main() -> None:
    """Builds the process, runs it as a flow run and reports where the output went."""
    output = HERE / "output.csv"
    process = PrefectProcess(
        name="plant-monitor",  # the name of the flow and of its flow run
        components=[
            Sensor(name="sensor", readings=12),
            Smoother(name="filter", alpha=0.5),
            Uplink(name="uplink", drop_at=5),  # drops once, while sending message 5
            Recorder(name="recorder", path=str(output)),
        ],
        connectors=[
            connect("sensor.reading", "filter.reading"),
            connect("sensor.reading", "recorder.raw"),
            connect("filter.smoothed", "uplink.smoothed"),
            connect("uplink.seq", "recorder.seq"),
            connect("uplink.temperature", "recorder.temperature"),
        ],
        # The process-level `prefect:` of model.yaml: defaults of every component.
        options=ProcessOptions(defaults=TaskOptions(retries=0, timeout_seconds=600)),
        # The component-level `prefect:` mappings, by component name, over the defaults.
        task_options={
            "uplink": TaskOptions(retries=2, retry_delay_seconds=0, timeout_seconds=60),
        },
    )
    async with process:
        await process.run()  # outside a flow, this starts a flow run named after the process
    print(f"{process.name} [{process.job_id}]: {process.status}; wrote {output}")


if __name__ == "__main__":
    asyncio.run(main())
