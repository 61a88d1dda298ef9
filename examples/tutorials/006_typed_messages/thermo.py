"""Components of the typed-messages tutorial: temperature readings checked on every link.

The fields are declared with types. Linking fields of incompatible types is refused when the
model is built, and every value sent on a typed link is validated, and coerced, by pydantic.
"""

import csv
import typing as _t

from pydantic import BaseModel

from plugboard.component import Component
from plugboard.component import IOController as IO
from plugboard.schemas import ComponentArgsDict


class Reading(BaseModel):
    """One temperature reading."""

    sensor: str
    celsius: float


class SensorLog(Component):
    """Replays a sensor's log file: one reading per step from each `sensor,celsius` row."""

    io = IO(outputs={"reading": Reading})

    def __init__(self, path: str, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._path = path
        self._file: _t.TextIO | None = None

    async def init(self) -> None:
        self._file = open(self._path, newline="")
        self._rows = csv.DictReader(self._file)

    async def step(self) -> None:
        row = next(self._rows, None)
        if row is None:
            await self.io.close()
            return
        # A dict of strings, such as {"sensor": "kitchen", "celsius": "21.5"}: the typed
        # output turns it into Reading(sensor="kitchen", celsius=21.5) as it is sent.
        self.reading = row

    async def destroy(self) -> None:
        if self._file is not None:
            self._file.close()


class ToFahrenheit(Component):
    """Converts a reading to degrees Fahrenheit."""

    io = IO(inputs={"reading": Reading}, outputs={"temp": float})

    async def step(self) -> None:
        # self.reading is a Reading, whatever the sender set: attribute access is safe.
        self.temp = self.reading.celsius * 9 / 5 + 32


class Logger(Component):
    """Writes one CSV row per reading, with its temperature in both units."""

    io = IO(inputs={"reading": Reading, "temp": float})

    def __init__(self, path: str, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._path = path
        self._file: _t.TextIO | None = None

    async def init(self) -> None:
        self._file = open(self._path, "w", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(["sensor", "celsius", "fahrenheit"])

    async def step(self) -> None:
        self._writer.writerow([self.reading.sensor, self.reading.celsius, self.temp])

    async def destroy(self) -> None:
        if self._file is not None:
            self._file.close()
