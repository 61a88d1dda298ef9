"""Components for the Prefect tests."""

from __future__ import annotations

import asyncio
import typing as _t

from plugboard.component import Component, IOController
from plugboard.schemas import ComponentArgsDict


class FlakyDouble(Component):
    """Doubles its input; raises once on its `fail_at`-th step (counted across attempts)."""

    io = IOController(inputs=["inp"], outputs=["out"])
    attempts: _t.ClassVar[dict[str, int]] = {}
    retried: _t.ClassVar[list[str]] = []

    def __init__(self, fail_at: int = 3, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.fail_at = fail_at
        self.calls = 0
        self.total = 0

    async def step(self) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            raise ConnectionError("link dropped")
        self.total += self.inp
        self.out = 2 * self.inp
        self.logger.info("doubled %s", self.inp)

    async def on_retry(self, error: Exception) -> None:
        FlakyDouble.retried.append(f"{self.name}: {type(error).__name__}")


class Sleepy(Component):
    """Sleeps `seconds` in every step."""

    io = IOController(inputs=["inp"], outputs=["out"])
    destroyed: _t.ClassVar[set[str]] = set()

    def __init__(self, seconds: float = 5, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.seconds = seconds

    async def step(self) -> None:
        await asyncio.sleep(self.seconds)
        self.out = self.inp

    async def destroy(self) -> None:
        Sleepy.destroyed.add(self.name)


class MarkOnDestroy(Component):
    """Consumes values; writes `path` when destroyed."""

    io = IOController(inputs=["inp"])

    def __init__(self, path: str, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.path = path

    async def destroy(self) -> None:
        with open(self.path, "w") as file:
            file.write(f"destroyed after {self.step_count} steps\n")
