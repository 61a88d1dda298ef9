"""Runs the hello-world model from Python: the same model as model.yaml."""

import asyncio
from pathlib import Path

from hello_world import A, B

from plugboard.connector import AsyncioConnector
from plugboard.process import LocalProcess
from plugboard.schemas import ConnectorSpec


HERE = Path(__file__).resolve().parent


async def main() -> None:
    """Builds the two-component process, runs it and reports where the output went."""
    output = HERE / "b.txt"
    process = LocalProcess(
        components=[A(name="component-a", iters=10), B(name="component-b", path=str(output))],
        connectors=[
            AsyncioConnector(
                spec=ConnectorSpec(source="component-a.out_1", target="component-b.in_1"),
            )
        ],
    )
    async with process:
        await process.run()
    print(f"{process.name}: {process.status}; wrote {output}")


if __name__ == "__main__":
    asyncio.run(main())
