"""Runs the shop simulation from Python: the same model as model.yaml."""

import asyncio
from pathlib import Path

from shop import Announcer, Arrivals, Clock, Manager, Recorder

from plugboard.connector import AsyncioConnector
from plugboard.process import LocalProcess


HERE = Path(__file__).resolve().parent


async def main() -> None:
    """Builds the process, runs it until the manager stops it and reports the output."""
    output = HERE / "output.csv"
    components = [
        Clock(name="clock"),
        Arrivals(name="arrivals", seed=1, most=3),
        Manager(name="manager", open_above=4, close_at=1, closing_time=30),
        Recorder(name="recorder", path=str(output)),
        Announcer(name="announcer"),
    ]
    # One pub-sub connector per event type that is both emitted and handled. LocalProcess
    # adds these by itself when they are left out; building them shows the topics.
    topics = AsyncioConnector.builder().build_event_connectors(components)
    print("topics:", ", ".join(connector.spec.source.entity for connector in topics))
    process = LocalProcess(name="shop", components=components, connectors=topics)
    async with process:
        await process.run()
    print(f"{process.name}: {process.status}; wrote {output}")


if __name__ == "__main__":
    asyncio.run(main())
