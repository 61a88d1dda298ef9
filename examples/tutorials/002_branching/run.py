"""Runs the branching model from Python: the same model as model.yaml."""

import asyncio
from pathlib import Path

from branching import Counter, Join, Scale, square

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
        name="branching",
        components=[
            Counter(name="counter", iters=10),
            Scale(name="scale", factor=3),
            square.component(name="square"),
            Join(name="join", path=str(output)),
        ],
        connectors=[
            connect("counter.x", "scale.x"),
            connect("counter.x", "square.x"),
            connect("scale.y", "join.scaled"),
            connect("square.y", "join.squared"),
        ],
    )
    async with process:
        await process.run()
    print(f"{process.name}: {process.status}; wrote {output}")


if __name__ == "__main__":
    asyncio.run(main())
