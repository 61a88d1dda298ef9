"""Components of the feedback-loop tutorial: a tank whose outflow is partly recirculated."""

import csv
import typing as _t

from plugboard.component import Component
from plugboard.component import IOController as IO
from plugboard.schemas import ComponentArgsDict


class Feed(Component):
    """A constant fresh inflow, `rate` per time step, for `steps` time steps."""

    io = IO(outputs=["flow"])

    def __init__(self, rate: float, steps: int, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._rate = rate
        self._steps = steps

    async def init(self) -> None:
        self._remaining = self._steps

    async def step(self) -> None:
        if self._remaining == 0:
            # Ending the feed ends the model: every component downstream closes in turn.
            await self.io.close()
            return
        self._remaining -= 1
        self.flow = self._rate


class Tank(Component):
    """A tank drained through a valve: the outflow is proportional to the level.

    At each time step the tank drains `valve_coeff * level`, then its level changes by the
    net volume (fresh inflow + recycled flow - outflow) divided by its cross-section `area`.
    """

    io = IO(inputs=["inflow", "recycle"], outputs=["level", "outflow"])

    def __init__(
        self,
        area: float,
        valve_coeff: float,
        initial_level: float = 0.0,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        super().__init__(**kwargs)
        self._area = area
        self._valve_coeff = valve_coeff
        self._initial_level = initial_level

    async def init(self) -> None:
        self._level = self._initial_level

    async def step(self) -> None:
        outflow = self._valve_coeff * self._level
        self._level += (self.inflow + self.recycle - outflow) / self._area
        self.level = self._level
        self.outflow = outflow


class Controller(Component):
    """Splits the tank's outflow into a recycle stream and a product stream.

    Below the `setpoint` level it sends the fraction `high` of the outflow back into the tank,
    at or above it only the fraction `low`.
    """

    io = IO(inputs=["level", "outflow"], outputs=["recycle", "product"])

    def __init__(
        self,
        setpoint: float,
        high: float,
        low: float,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        super().__init__(**kwargs)
        self._setpoint = setpoint
        self._high = high
        self._low = low

    async def step(self) -> None:
        fraction = self._high if self.level < self._setpoint else self._low
        self.recycle = fraction * self.outflow
        self.product = self.outflow - self.recycle


class Logger(Component):
    """Writes one CSV row per time step."""

    io = IO(inputs=["level", "outflow", "recycle", "product"])

    def __init__(self, path: str, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._path = path
        self._file: _t.TextIO | None = None

    async def init(self) -> None:
        self._file = open(self._path, "w", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(["time", "level", "outflow", "recycle", "product"])
        self._time = 0

    async def step(self) -> None:
        self._writer.writerow([self._time, self.level, self.outflow, self.recycle, self.product])
        self._time += 1

    async def destroy(self) -> None:
        # destroy() runs even if init() failed part-way, so only close what was opened.
        if self._file is not None:
            self._file.close()
