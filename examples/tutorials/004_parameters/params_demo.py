"""Components of the parameters tutorial: settings shared through process parameters."""

import csv
import typing as _t

from plugboard.component import Component
from plugboard.component import IOController as IO
from plugboard.schemas import ComponentArgsDict


class Ramp(Component):
    """Emits 0, 1, ..., n - 1 on `x`, then ends the stream."""

    io = IO(outputs=["x"])

    def __init__(self, n: int, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._n = n

    async def init(self) -> None:
        self._seq = iter(range(self._n))

    async def step(self) -> None:
        try:
            self.x = next(self._seq)
        except StopIteration:
            await self.io.close()


class Affine(Component):
    """Computes `y = gain * x + offset`, reading `gain` and `offset` from its parameters."""

    io = IO(inputs=["x"], outputs=["y"])

    async def init(self) -> None:
        # The process merges its parameters under the component's own before init() runs,
        # so read them here (in __init__ only the component's own parameters are known).
        self._gain = self.parameters["gain"]
        self._offset = self.parameters["offset"]

    async def step(self) -> None:
        self.y = self._gain * self.x + self._offset


class Report(Component):
    """Writes `x` and both results to a CSV file, one row per step."""

    io = IO(inputs=["x", "shared", "own"])

    def __init__(self, path: str, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._path = path
        self._file: _t.TextIO | None = None

    async def init(self) -> None:
        self._file = open(self._path, "w", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(["x", "shared", "own"])

    async def step(self) -> None:
        self._writer.writerow([self.x, self.shared, self.own])

    async def destroy(self) -> None:
        # destroy() runs even if init() failed part-way, so only close what was opened.
        if self._file is not None:
            self._file.close()
