"""Runs the typed-messages model from Python: the same model as model.yaml.

It first shows that a process linking fields of incompatible types is refused when it is
built, as `plugboard process validate bad_model.yaml` does for the YAML version.
"""

import asyncio
from pathlib import Path

from thermo import Logger, SensorLog, ToFahrenheit

from plugboard.connector import AsyncioConnector
from plugboard.exceptions import ValidationError
from plugboard.process import LocalProcess
from plugboard.schemas import ConnectorSpec


HERE = Path(__file__).resolve().parent


def connect(source: str, target: str) -> AsyncioConnector:
    """Links an output field (`component.field`) to an input field."""
    return AsyncioConnector(spec=ConnectorSpec(source=source, target=target))


def components() -> list[SensorLog | ToFahrenheit | Logger]:
    """The model's components, writing to output.csv beside this file."""
    return [
        SensorLog(name="sensor", path=str(HERE / "readings.csv")),
        ToFahrenheit(name="converter"),
        Logger(name="logger", path=str(HERE / "output.csv")),
    ]


async def main() -> None:
    """Shows the wiring check, then runs the model and reports where the output went."""
    try:
        LocalProcess(
            components=components(),
            connectors=[
                connect("sensor.reading", "converter.reading"),
                connect("sensor.reading", "logger.temp"),  # the wrong way round
                connect("converter.temp", "logger.reading"),
            ],
        )
    except ValidationError as exc:
        print(f"refused: {exc}")

    process = LocalProcess(
        name="thermometers",
        components=components(),
        connectors=[
            connect("sensor.reading", "converter.reading"),
            connect("sensor.reading", "logger.reading"),
            connect("converter.temp", "logger.temp"),
        ],
    )
    async with process:
        await process.run()
    print(f"{process.name}: {process.status}; wrote {HERE / 'output.csv'}")


if __name__ == "__main__":
    asyncio.run(main())
