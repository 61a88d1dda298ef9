"""Components shared by the tests (importable as `tests.components` from YAML too)."""

from __future__ import annotations

import asyncio
import typing as _t

from plugboard.component import Component, IOController, component
from plugboard.schemas import ComponentArgsDict


class Source(Component):
    """Emits 0..count-1 on `out`, then closes."""

    io = IOController(outputs=["out"])

    def __init__(self, count: int = 5, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.count = count

    async def init(self) -> None:
        self._values = iter(range(self.count))

    async def step(self) -> None:
        try:
            self.out = next(self._values)
        except StopIteration:
            await self.io.close()


class Endless(Component):
    """Emits increasing integers forever."""

    io = IOController(outputs=["out"])

    async def init(self) -> None:
        self._n = 0

    async def step(self) -> None:
        self.out = self._n
        self._n += 1
        if self._n % 64 == 0:
            await asyncio.sleep(0)


class Scale(Component):
    """`out = factor * inp`."""

    io = IOController(inputs=["inp"], outputs=["out"])

    def __init__(self, factor: float = 2, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    async def step(self) -> None:
        self.out = self.factor * self.inp


class Add(Component):
    """`out = a + b`."""

    io = IOController(inputs=["a", "b"], outputs=["out"])

    async def step(self) -> None:
        self.out = self.a + self.b


class Collect(Component):
    """Keeps every value it receives (class-level registry keyed by name, for tests)."""

    io = IOController(inputs=["inp"])
    seen: _t.ClassVar[dict[str, list[_t.Any]]] = {}
    destroyed: _t.ClassVar[set[str]] = set()

    async def init(self) -> None:
        Collect.seen[self.name] = []

    async def step(self) -> None:
        Collect.seen[self.name].append(self.inp)

    async def destroy(self) -> None:
        Collect.destroyed.add(self.name)


class Take(Component):
    """Keeps the first `limit` values, then closes itself."""

    io = IOController(inputs=["inp"])
    seen: _t.ClassVar[dict[str, list[_t.Any]]] = {}

    def __init__(self, limit: int = 3, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.limit = limit

    async def init(self) -> None:
        Take.seen[self.name] = []

    async def step(self) -> None:
        Take.seen[self.name].append(self.inp)
        if len(Take.seen[self.name]) >= self.limit:
            await self.io.close()


class FailOn(Component):
    """Passes values through and raises ValueError on the value `bad`."""

    io = IOController(inputs=["inp"], outputs=["out"])
    destroyed: _t.ClassVar[set[str]] = set()

    def __init__(self, bad: int = 3, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.bad = bad

    async def step(self) -> None:
        if self.inp == self.bad:
            raise ValueError(f"bad value {self.inp}")
        self.out = self.inp

    async def destroy(self) -> None:
        FailOn.destroyed.add(self.name)


class Counter(Component):
    """Feedback-loop body: `out = inp + 1` until `limit` steps, then closes."""

    io = IOController(inputs=["inp"], outputs=["out"])

    def __init__(self, limit: int = 5, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.limit = limit
        self.history: list[int] = []

    async def step(self) -> None:
        self.history.append(self.inp)
        if len(self.history) > self.limit:
            await self.io.close()
            return
        self.out = self.inp + 1


class Echo(Component):
    """Sends its parameters and its input back out."""

    io = IOController(inputs=["inp"], outputs=["out"])

    async def step(self) -> None:
        self.out = (self.inp, dict(self.parameters))


@component(inputs=["a"], outputs=["b"])
async def double(a: int) -> dict[str, int]:
    """Doubles `a`."""
    return {"b": 2 * a}


@component(inputs=["a"], outputs=["b"])
def negate(a: int) -> dict[str, int]:
    """Negates `a` (a sync function)."""
    return {"b": -a}
