"""The plugboard side: minimal components built on the public API, and a timed run."""

from __future__ import annotations

from collections.abc import Sequence
import time
import typing as _t

from plugboard.component import Component, IOController
from plugboard.connector import AsyncioConnector
from plugboard.events import Event
from plugboard.process import LocalProcess
from plugboard.schemas import ComponentArgsDict, ConnectorSpec
from tests.benchmarks.scenarios._floor import bump


class Source(Component):
    """Emits 0..count-1 on `out`, then closes its IO."""

    io = IOController(outputs=["out"])

    def __init__(self, count: int, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.count = count

    async def init(self) -> None:
        self._values = iter(range(self.count))

    async def step(self) -> None:
        try:
            self.out = next(self._values)
        except StopIteration:
            await self.io.close()


class Relay(Component):
    """Passes `x` through to `out`."""

    io = IOController(inputs=["x"], outputs=["out"])

    async def step(self) -> None:
        self.out = self.x


class Sink(Component):
    """Counts the values arriving on `x`."""

    io = IOController(inputs=["x"])

    async def init(self) -> None:
        self.received = 0

    async def step(self) -> None:
        self.received += 1


class Looper(Component):
    """Feedback side A: passes `x` to `y` `iterations` times, then closes its IO."""

    io = IOController(inputs=["x"], outputs=["y"])

    def __init__(self, iterations: int, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.iterations = iterations
        self.done = 0

    async def step(self) -> None:
        if self.done >= self.iterations:
            await self.io.close()
            return
        self.y = self.x
        self.done += 1


class Bumper(Component):
    """Feedback side B: answers `inp` with `bump(inp)` on `out`."""

    io = IOController(inputs=["inp"], outputs=["out"])

    async def step(self) -> None:
        self.out = bump(self.inp)


class Ping(Event):
    """The one event type of the `events` scenario."""

    type: _t.ClassVar[str] = "bench.ping"


class Publisher(Component):
    """Publishes `count` `Ping` events, one per step, then closes its IO.

    With `prebuilt`, the events are built in `init()`, so that a run times delivery only;
    otherwise each step builds its event, as a user's component would.
    """

    io = IOController(output_events=[Ping])

    def __init__(
        self, count: int, prebuilt: bool = False, **kwargs: _t.Unpack[ComponentArgsDict]
    ) -> None:
        super().__init__(**kwargs)
        self.count = count
        self.prebuilt = prebuilt
        self.sent = 0

    async def init(self) -> None:
        self._events = [Ping(data={"n": n}) for n in range(self.count)] if self.prebuilt else []

    async def step(self) -> None:
        if self.sent >= self.count:
            await self.io.close()
            return
        event = self._events[self.sent] if self.prebuilt else Ping(data={"n": self.sent})
        self.io.queue_event(event)
        self.sent += 1


class Subscriber(Component):
    """Counts the `Ping` events it handles and notes when it handled the last one."""

    io = IOController(input_events=[Ping])

    def __init__(self, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.handled = 0
        self.last_at = 0.0

    @Ping.handler
    async def on_ping(self, event: Ping) -> None:
        self.handled += 1
        self.last_at = time.perf_counter()


IO_FIELDS = ("c0", "c1", "c2", "c3", "c4")
"""The five columns of the CSV used by the file and SQL scenarios."""


class Passthrough(Component):
    """Copies the five input fields `c0..c4` to the output fields `o0..o4`."""

    io = IOController(inputs=list(IO_FIELDS), outputs=["o0", "o1", "o2", "o3", "o4"])

    async def step(self) -> None:
        self.o0 = self.c0
        self.o1 = self.c1
        self.o2 = self.c2
        self.o3 = self.c3
        self.o4 = self.c4


def link(source: str, target: str, buffer_size: int | None = None) -> AsyncioConnector:
    """An asyncio connector from `component.field` to `component.field`.

    `buffer_size=None` keeps the connector's default buffer.
    """
    spec = ConnectorSpec(source=source, target=target)
    if buffer_size is None:
        return AsyncioConnector(spec=spec)
    return AsyncioConnector(spec=spec, buffer_size=buffer_size)


async def timed_run(
    components: Sequence[Component], connectors: Sequence[AsyncioConnector]
) -> float:
    """Builds a `LocalProcess`, initialises it, and returns the seconds `run()` took."""
    start, end = await run_span(components, connectors)
    return end - start


async def run_span(
    components: Sequence[Component], connectors: Sequence[AsyncioConnector]
) -> tuple[float, float]:
    """Like `timed_run`, but returns the `perf_counter()` at the start and end of `run()`."""
    process = LocalProcess(components=components, connectors=connectors)
    async with process:
        start = time.perf_counter()
        await process.run()
        return start, time.perf_counter()
