import asyncio
import time
import typing as _t

import pytest

from plugboard.component import Component, IOController
from plugboard.connector import AsyncioConnector
from plugboard.events import Event, StopEvent
from plugboard.exceptions import IOSetupError, ProcessError
from plugboard.process import LocalProcess
from plugboard.schemas import Status
from tests.components import Collect, Endless, Source
from tests.conftest import links
from tests.event_components import (
    Alarm,
    Clock,
    Command,
    Controller,
    Recorder,
    Stopper,
    Tick,
    TickData,
    TickWriter,
)


@pytest.fixture(autouse=True)
def _reset() -> None:
    Recorder.seen.clear()
    Recorder.destroyed.clear()
    TickWriter.rows.clear()


async def test_event_model_ends_as_soon_as_its_work_ends() -> None:
    process = LocalProcess(
        components=[Clock(name="clock", count=50), Controller(name="ctrl"), Recorder(name="act")]
    )
    async with process:
        started = time.perf_counter()
        await asyncio.wait_for(process.run(), 5)
        elapsed = time.perf_counter() - started
    assert elapsed < 0.5
    commands = [n for kind, n in Recorder.seen["act"] if kind == "command"]
    ticks = [n for kind, n in Recorder.seen["act"] if kind == "tick"]
    assert commands == [10 * i for i in range(50)]
    assert ticks == list(range(50))
    assert process.status == Status.COMPLETED


async def test_topics_can_be_wired_with_one_explicit_call() -> None:
    components = [Clock(name="clock", count=3), Controller(name="ctrl"), Recorder(name="rec")]
    connectors = AsyncioConnector.builder().build_event_connectors(components)
    assert sorted(c.spec.source.entity for c in connectors) == ["command", "tick"]
    assert all(c.spec.mode == "pubsub" for c in connectors)
    process = LocalProcess(components=components, connectors=connectors)
    assert len(process.connectors) == 2
    async with process:
        await process.run()
    assert len(Recorder.seen["rec"]) == 6


async def test_every_subscriber_gets_every_event_exactly_once() -> None:
    publishers = [Clock(name=f"clock{i}", count=1000) for i in range(10)]
    subscribers = [Recorder(name=f"rec{i}") for i in range(3)]
    process = LocalProcess(components=[*publishers, *subscribers])
    async with process:
        await asyncio.wait_for(process.run(), 30)
    for sub in subscribers:
        ticks = [n for kind, n in Recorder.seen[sub.name] if kind == "tick"]
        assert len(ticks) == 10_000
        assert sorted(ticks) == sorted(list(range(1000)) * 10)


async def test_same_inputs_give_the_same_outputs_every_run() -> None:
    async def once() -> dict[str, list[tuple[str, _t.Any]]]:
        Recorder.seen.clear()
        process = LocalProcess(
            components=[
                Clock(name="c1", count=200),
                Clock(name="c2", count=150),
                Controller(name="k1"),
                Controller(name="k2"),
                Recorder(name="r1"),
                Recorder(name="r2"),
            ]
        )
        async with process:
            await process.run()
        return {k: list(v) for k, v in Recorder.seen.items()}

    first = await once()
    assert len(first["r1"]) == 350 + 700
    for _ in range(19):
        assert await once() == first


async def test_components_mix_fields_and_events() -> None:
    class Mixed(Component):
        io = IOController(inputs=["x"], outputs=["y"], input_events=[Tick])

        def __init__(self, **kwargs: _t.Any) -> None:
            super().__init__(**kwargs)
            self.last_tick = -1

        @Tick.handler
        async def on_tick(self, event: Tick) -> None:
            self.last_tick = event.data.n

        async def step(self) -> None:
            self.y = (self.x, self.last_tick >= 0)

    process = LocalProcess(
        components=[
            Source(name="s", count=5),
            Clock(name="clock", count=3),
            Mixed(name="m"),
            Collect(name="c"),
        ],
        connectors=links("s.out->m.x", "m.y->c.inp"),
    )
    async with process:
        await asyncio.wait_for(process.run(), 5)
    assert [x for x, _ in Collect.seen["c"]] == [0, 1, 2, 3, 4]
    assert process.components["m"].last_tick == 2  # type: ignore[attr-defined]


async def test_handlers_can_populate_input_fields() -> None:
    process = LocalProcess(components=[Clock(name="clock", count=4), TickWriter(name="w")])
    async with process:
        await asyncio.wait_for(process.run(), 5)
    assert TickWriter.rows == [0, 1, 2, 3]


async def test_handlers_are_inherited_and_can_be_overridden() -> None:
    class Loud(Recorder):
        @Command.handler
        async def on_command(self, event: Command) -> None:
            Recorder.seen[self.name].append(("loud", event.data["n"]))

    process = LocalProcess(
        components=[Clock(name="clock", count=2), Controller(name="ctrl"), Loud(name="loud")]
    )
    async with process:
        await process.run()
    assert sorted(Recorder.seen["loud"]) == [("loud", 0), ("loud", 10), ("tick", 0), ("tick", 1)]


async def test_stop_event_stops_everything_gracefully() -> None:
    process = LocalProcess(
        components=[
            Endless(name="numbers"),
            Collect(name="sink"),
            Clock(name="clock", count=1_000_000),
            Stopper(name="stopper", at=5),
            Recorder(name="rec"),
        ],
        connectors=links("numbers.out->sink.inp"),
    )
    async with process:
        await asyncio.wait_for(process.run(), 5)
    assert process.status == Status.STOPPED
    ticks = [n for kind, n in Recorder.seen["rec"] if kind == "tick"]
    assert ticks == list(range(len(ticks)))  # nothing queued was skipped
    assert 5 < len(ticks) < 1_000_000
    assert Collect.seen["sink"] == list(range(len(Collect.seen["sink"])))
    assert Recorder.destroyed == {"rec"} and Collect.destroyed == {"sink"}


async def test_a_failing_handler_fails_the_run_naming_the_component() -> None:
    class Fragile(Component):
        io = IOController(input_events=[Tick])

        @Tick.handler
        async def on_tick(self, event: Tick) -> None:
            if event.data.n == 2:
                raise RuntimeError("sensor offline")

    process = LocalProcess(components=[Clock(name="clock", count=10), Fragile(name="fragile")])
    with pytest.raises(
        ProcessError, match="component 'fragile' failed: RuntimeError: sensor offline"
    ):
        async with process:
            await asyncio.wait_for(process.run(), 5)


def test_a_subscriber_without_a_handler_is_rejected_naming_both() -> None:
    class Deaf(Component):
        io = IOController(input_events=[Alarm])

    with pytest.raises(
        IOSetupError, match=r"Deaf 'deaf' subscribes to event 'plant.alarm'.*@Alarm.handler"
    ):
        Deaf(name="deaf")


async def test_emitting_an_undeclared_event_is_an_error() -> None:
    class Sneaky(Component):
        io = IOController(outputs=["x"])

        async def step(self) -> None:
            self.io.queue_event(Alarm())

    process = LocalProcess(components=[Sneaky(name="sneaky")])
    with pytest.raises(ProcessError, match="cannot emit event 'plant.alarm'.*output_events"):
        async with process:
            await process.run()


async def test_a_subscriber_whose_topic_has_no_publisher_ends_at_once() -> None:
    process = LocalProcess(components=[Recorder(name="lonely")])
    async with process:
        await asyncio.wait_for(process.run(), 2)
    assert Recorder.seen["lonely"] == []


def test_event_types_are_validated() -> None:
    with pytest.raises(ValueError, match="not a valid event type"):

        class Bad(Event):
            type: _t.ClassVar[str] = "9lives"

    assert StopEvent.type == "system.stop"
    tick = Tick(data=TickData(n=1))
    assert tick.source is None and tick.version and tick.id and tick.timestamp
    assert Command(data={"a": 1}).data == {"a": 1}


async def test_timeout_and_max_steps_end_unbounded_models() -> None:
    process = LocalProcess(
        components=[Endless(name="e"), Collect(name="c")], connectors=links("e.out->c.inp")
    )
    async with process:
        await asyncio.wait_for(process.run(max_steps=100), 5)
    assert Collect.seen["c"] == list(range(100))
    assert process.status == Status.COMPLETED

    process = LocalProcess(
        components=[Endless(name="e"), Collect(name="c")], connectors=links("e.out->c.inp")
    )
    async with process:
        started = time.perf_counter()
        await asyncio.wait_for(process.run(timeout=0.2), 5)
    assert 0.2 <= time.perf_counter() - started < 1.5
    assert process.status == Status.STOPPED
    assert Collect.seen["c"] == list(range(len(Collect.seen["c"])))


async def test_fields_keep_flowing_after_the_event_topics_close() -> None:
    class Slow(Component):
        io = IOController(outputs=["out"])

        async def init(self) -> None:
            self.n = 0

        async def step(self) -> None:
            await asyncio.sleep(0.01)
            if self.n == 5:
                await self.io.close()
                return
            self.out = self.n
            self.n += 1

    class Mixed(Component):
        io = IOController(inputs=["x"], outputs=["y"], input_events=[Tick])

        @Tick.handler
        async def on_tick(self, event: Tick) -> None:
            pass

        async def step(self) -> None:
            self.y = self.x

    process = LocalProcess(
        components=[
            Slow(name="slow"),
            Clock(name="clock", count=1),
            Mixed(name="m"),
            Collect(name="c"),
        ],
        connectors=links("slow.out->m.x", "m.y->c.inp"),
    )
    async with process:
        await asyncio.wait_for(process.run(), 5)
    assert Collect.seen["c"] == [0, 1, 2, 3, 4]


async def test_fields_set_by_handlers_wait_for_events_in_any_order() -> None:
    for components in (
        [TickWriter(name="w"), Clock(name="clock", count=4)],
        [Clock(name="clock", count=100), TickWriter(name="w")],
    ):
        TickWriter.rows.clear()
        process = LocalProcess(components=components)
        async with process:
            await asyncio.wait_for(process.run(), 5)
        count = process.components["clock"].count  # type: ignore[attr-defined]
        assert TickWriter.rows == list(range(count))
