"""Components of the branching tutorial: one source, two transforms, one join."""

import csv
import typing as _t

from plugboard.component import Component, component
from plugboard.component import IOController as IO
from plugboard.schemas import ComponentArgsDict


class Counter(Component):
    """Emits 0, 1, ..., iters - 1 on `x`, then ends the stream."""

    io = IO(outputs=["x"])

    def __init__(self, iters: int, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._iters = iters

    async def init(self) -> None:
        self._seq = iter(range(self._iters))

    async def step(self) -> None:
        try:
            self.x = next(self._seq)
        except StopIteration:
            await self.io.close()


class Scale(Component):
    """Multiplies its input by a constant factor."""

    io = IO(inputs=["x"], outputs=["y"])

    def __init__(self, factor: float, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._factor = factor

    async def step(self) -> None:
        self.y = self._factor * self.x


@component(inputs=["x"], outputs=["y"])
def square(x: int) -> dict[str, int]:
    """Squares its input: a plain function turned into a component."""
    return {"y": x * x}


class Join(Component):
    """Joins the two branches: one CSV row per pair of values."""

    io = IO(inputs=["scaled", "squared"])

    def __init__(self, path: str, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._path = path
        self._file: _t.TextIO | None = None

    async def init(self) -> None:
        # Files open in init() and close in destroy(): constructing, validating or drawing
        # the model touches nothing.
        self._file = open(self._path, "w", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(["scaled", "squared", "total"])

    async def step(self) -> None:
        self._writer.writerow([self.scaled, self.squared, self.scaled + self.squared])

    async def destroy(self) -> None:
        # destroy() runs even if init() failed part-way, so only close what was opened.
        if self._file is not None:
            self._file.close()
