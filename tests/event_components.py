"""Event-driven components shared by the tests."""

from __future__ import annotations

import typing as _t

from pydantic import BaseModel

from plugboard.component import Component, IOController
from plugboard.events import Event, StopEvent
from plugboard.schemas import ComponentArgsDict


class TickData(BaseModel):
    n: int


class Tick(Event):
    type: _t.ClassVar[str] = "tick"
    data: TickData


class Command(Event):
    type: _t.ClassVar[str] = "command"


class Alarm(Event):
    type: _t.ClassVar[str] = "plant.alarm"


class Clock(Component):
    """Publishes `count` ticks, one per step, then closes."""

    io = IOController(output_events=[Tick])

    def __init__(self, count: int = 10, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.count = count
        self.sent = 0

    async def step(self) -> None:
        if self.sent >= self.count:
            await self.io.close()
            return
        self.io.queue_event(Tick(data=TickData(n=self.sent)))
        self.sent += 1


class Controller(Component):
    """Answers every tick with a command carrying 10x the tick number."""

    io = IOController(input_events=[Tick], output_events=[Command])

    @Tick.handler
    async def on_tick(self, event: Tick) -> Command:
        return Command(data={"n": event.data.n * 10, "by": self.name})


class Recorder(Component):
    """Records every command and tick it receives (class registry keyed by name)."""

    io = IOController(input_events=[Command, Tick])
    seen: _t.ClassVar[dict[str, list[tuple[str, _t.Any]]]] = {}
    destroyed: _t.ClassVar[set[str]] = set()

    async def init(self) -> None:
        Recorder.seen[self.name] = []

    @Command.handler
    async def on_command(self, event: Command) -> None:
        Recorder.seen[self.name].append(("command", event.data["n"]))

    @Tick.handler
    async def on_tick(self, event: Tick) -> None:
        Recorder.seen[self.name].append(("tick", event.data.n))

    async def destroy(self) -> None:
        Recorder.destroyed.add(self.name)


class Stopper(Component):
    """Publishes a StopEvent when it sees tick number `at`."""

    io = IOController(input_events=[Tick])

    def __init__(self, at: int = 3, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.at = at

    @Tick.handler
    async def on_tick(self, event: Tick) -> None:
        if event.data.n == self.at:
            self.io.queue_event(StopEvent())


class TickWriter(Component):
    """A field-input component fed by an event handler that populates its field."""

    io = IOController(inputs=["value"], input_events=[Tick])
    rows: _t.ClassVar[list[int]] = []

    @Tick.handler(populates_fields=["value"])
    async def on_tick(self, event: Tick) -> None:
        self.value = event.data.n

    async def step(self) -> None:
        TickWriter.rows.append(self.value)
