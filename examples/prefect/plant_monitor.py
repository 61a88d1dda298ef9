"""Components of the plant-monitor example: a sensor, a filter, a flaky uplink and a recorder."""

import asyncio
import csv
import typing as _t

from plugboard.component import Component
from plugboard.component import IOController as IO
from plugboard.schemas import ComponentArgsDict


# A repeating pattern of measurement noise, in degrees: no randomness, so every run is the same.
NOISE = (0.5, -1.0, 1.5, -0.5, 0.0, -1.5, 1.0)


class Sensor(Component):
    """A temperature sensor on a slowly heating vessel: one reading per time step.

    Reading `t` is `start + drift * t` plus a little measurement noise. `interval` is the
    time between readings in seconds (0, the default, reads as fast as the model can go).
    """

    io = IO(outputs=["reading"])

    def __init__(
        self,
        readings: int,
        start: float = 70.0,
        drift: float = 0.25,
        interval: float = 0.0,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        super().__init__(**kwargs)
        self._readings = readings
        self._start = start
        self._drift = drift
        self._interval = interval

    async def init(self) -> None:
        self._time = 0

    async def step(self) -> None:
        if self._time == self._readings:
            await self.io.close()  # no more readings: the model ends downstream in turn
            return
        if self._interval:
            await asyncio.sleep(self._interval)
        noise = NOISE[self._time % len(NOISE)]
        self.reading = self._start + self._drift * self._time + noise
        self._time += 1


class Smoother(Component):
    """A first-order low-pass filter: `smoothed += alpha * (reading - smoothed)`."""

    io = IO(inputs=["reading"], outputs=["smoothed"])

    def __init__(self, alpha: float, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._alpha = alpha

    async def init(self) -> None:
        self._value: float | None = None

    async def step(self) -> None:
        if self._value is None:
            self._value = self.reading  # the first reading starts the filter
        else:
            self._value += self._alpha * (self.reading - self._value)
        self.smoothed = self._value


class Uplink(Component):
    """Sends each smoothed value to the control room, numbering the messages it sends.

    The link drops once, while sending message number `drop_at`: the step raises
    `ConnectionError`. Under a process that retries (such as `PrefectProcess` with `retries`),
    `on_retry` reconnects and the same step runs again on the same value, so no message is
    lost and none is sent twice.
    """

    io = IO(inputs=["smoothed"], outputs=["seq", "temperature"])

    def __init__(self, drop_at: int = 0, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._drop_at = drop_at

    async def init(self) -> None:
        self._connected = True  # a real uplink would open its connection here
        self._dropped = False
        self._sent = 0

    async def step(self) -> None:
        seq = self._sent + 1
        if seq == self._drop_at and not self._dropped:
            self._dropped = True
            self._connected = False
            raise ConnectionError(f"uplink dropped while sending message {seq}")
        if not self._connected:
            raise ConnectionError("uplink is not connected")
        self.seq = seq
        self.temperature = self.smoothed
        self._sent = seq  # counted only once the message is sent
        self.logger.info("sent message %d: %.4f", seq, self.smoothed)

    async def on_retry(self, error: Exception) -> None:
        self._connected = True  # a real uplink would reconnect here
        self.logger.info("reconnected after: %s", error)


class Recorder(Component):
    """Writes one CSV row per message received: its number, the raw reading and the value."""

    io = IO(inputs=["seq", "raw", "temperature"])

    def __init__(self, path: str, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._path = path
        self._file: _t.TextIO | None = None

    async def init(self) -> None:
        self._file = open(self._path, "w", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(["seq", "raw", "temperature"])

    async def step(self) -> None:
        self._writer.writerow([self.seq, self.raw, self.temperature])

    async def destroy(self) -> None:
        # destroy() runs even if init() failed part-way, so only close what was opened.
        if self._file is not None:
            self._file.close()
