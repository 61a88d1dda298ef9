"""Runs the parameters model from Python: the same model as model.yaml."""

import asyncio
from pathlib import Path

from params_demo import Affine, Ramp, Report

from plugboard.connector import AsyncioConnector
from plugboard.process import LocalProcess
from plugboard.schemas import ConnectorSpec


HERE = Path(__file__).resolve().parent


def connect(source: str, target: str) -> AsyncioConnector:
    """Links an output field (`component.field`) to an input field."""
    return AsyncioConnector(spec=ConnectorSpec(source=source, target=target))


async def main() -> None:
    """Builds the process, runs it to the end and shows each component's parameters."""
    output = HERE / "output.csv"
    process = LocalProcess(
        name="parameters-demo",
        parameters={"gain": 2, "offset": 1},  # shared by every component
        components=[
            Ramp(name="ramp", n=5),
            Affine(name="shared"),
            Affine(name="own", parameters={"gain": 10}),  # its own gain wins
            Report(name="report", path=str(output)),
        ],
        connectors=[
            connect("ramp.x", "shared.x"),
            connect("ramp.x", "own.x"),
            connect("ramp.x", "report.x"),
            connect("shared.y", "report.shared"),
            connect("own.y", "report.own"),
        ],
    )
    async with process:
        await process.run()
    for name in ("shared", "own"):
        print(f"{name}: {process.components[name].parameters}")
    print(f"{process.name}: {process.status}; wrote {output}")


if __name__ == "__main__":
    asyncio.run(main())
