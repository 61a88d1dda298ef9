"""Components of the trace tutorial: a tank whose level a controller holds through a valve."""

import typing as _t

from plugboard.component import Component
from plugboard.component import IOController as IO
from plugboard.schemas import ComponentArgsDict


class Inflow(Component):
    """Fresh inflow per time step: `base`, then `step_to` from time step `change_at` on."""

    io = IO(outputs=["flow"])

    def __init__(
        self,
        base: float,
        step_to: float,
        change_at: int,
        steps: int,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        super().__init__(**kwargs)
        self._base = base
        self._step_to = step_to
        self._change_at = change_at
        self._steps = steps

    async def init(self) -> None:
        self._time = 0

    async def step(self) -> None:
        if self._time == self._steps:
            await self.io.close()
            return
        self.flow = self._base if self._time < self._change_at else self._step_to
        self._time += 1


class Tank(Component):
    """A tank draining through a valve: outflow = coeff * opening * level."""

    io = IO(inputs=["inflow", "opening"], outputs=["level", "outflow"])
    exports = ["volume"]  # recorded in the trace (and the state backend) after every step

    def __init__(self, area: float, coeff: float, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._area = area
        self._coeff = coeff
        self.volume = 0.0

    async def step(self) -> None:
        outflow = self._coeff * self.opening * (self.volume / self._area)
        self.volume += self.inflow - outflow
        self.level = self.volume / self._area
        self.outflow = outflow


class LevelController(Component):
    """Proportional control: opens the valve further the more the level exceeds the setpoint."""

    io = IO(inputs=["level"], outputs=["command"])
    exports = ["error"]

    def __init__(
        self,
        setpoint: float,
        gain: float,
        bias: float,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        super().__init__(**kwargs)
        self._setpoint = setpoint
        self._gain = gain
        self._bias = bias
        self.error = 0.0

    async def step(self) -> None:
        self.error = self._setpoint - self.level
        self.command = min(1.0, max(0.0, self._bias - self._gain * self.error))


class Valve(Component):
    """An actuator: its opening follows the command by at most `rate` per time step."""

    io = IO(inputs=["command"], outputs=["opening"])

    def __init__(self, rate: float, opening: float, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._rate = rate
        self._opening = opening

    async def step(self) -> None:
        change = min(self._rate, max(-self._rate, self.command - self._opening))
        self._opening += change
        self.opening = self._opening
