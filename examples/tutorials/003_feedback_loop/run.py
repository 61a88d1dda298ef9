"""Runs the tank recirculation model from Python: the same model as model.yaml."""

import asyncio
from pathlib import Path

from tank import Controller, Feed, Logger, Tank

from plugboard.connector import AsyncioConnector
from plugboard.process import LocalProcess
from plugboard.schemas import ConnectorSpec


HERE = Path(__file__).resolve().parent


def connect(source: str, target: str) -> AsyncioConnector:
    """Links an output field (`component.field`) to an input field."""
    return AsyncioConnector(spec=ConnectorSpec(source=source, target=target))


async def main() -> None:
    """Builds the process, runs it to the end and reports where the output went."""
    output = HERE / "output.csv"
    process = LocalProcess(
        name="tank-recirculation",
        components=[
            Feed(name="feed", rate=4, steps=20),
            # The loop tank -> controller -> tank starts from an initial recycle flow of 0.
            Tank(
                name="tank",
                area=2,
                valve_coeff=0.5,
                initial_level=0.0,
                initial_values={"recycle": [0]},
            ),
            Controller(name="controller", setpoint=12, high=0.75, low=0.25),
            Logger(name="logger", path=str(output)),
        ],
        connectors=[
            connect("feed.flow", "tank.inflow"),
            connect("tank.level", "controller.level"),
            connect("tank.outflow", "controller.outflow"),
            connect("controller.recycle", "tank.recycle"),
            connect("tank.level", "logger.level"),
            connect("tank.outflow", "logger.outflow"),
            connect("controller.recycle", "logger.recycle"),
            connect("controller.product", "logger.product"),
        ],
    )
    async with process:
        await process.run()
    print(f"{process.name}: {process.status}; wrote {output}")


if __name__ == "__main__":
    asyncio.run(main())
