"""Events: one publisher, S subscribers each handling every event (pub-sub fan-out)."""

from __future__ import annotations

import asyncio
import contextlib
import time

from tests.benchmarks import published_env
from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, expect
from tests.benchmarks.scenarios import _floor
from tests.benchmarks.scenarios._components import Ping, Publisher, Subscriber, run_span


SUBSCRIBERS = 10
US_PER_DELIVERY = "us_per_delivery"
DELIVERIES_PER_S = "deliveries_per_s"
EVENT_BUILD_US = "event_build_us"
US_PER_DELIVERY_HANDLED = "us_per_delivery_handled"
PUBLISHED_EVENTS = 1_000
"""Events per published round: ~220 us a delivery there, and ~20 s of polling at the end."""


def _sample(seconds: float, events: int, subscribers: int, handled_s: float) -> Sample:
    deliveries = events * subscribers
    return {
        US_PER_DELIVERY: seconds * 1e6 / deliveries,
        DELIVERIES_PER_S: deliveries / seconds,
        US_PER_DELIVERY_HANDLED: handled_s * 1e6 / deliveries,
    }


def event_build_us(count: int = 10_000) -> float:
    """Microseconds to build one `Ping(data={"n": n})` (pydantic validation, uuid4, now())."""
    start = time.perf_counter()
    for n in range(count):
        Ping(data={"n": n})
    return (time.perf_counter() - start) * 1e6 / count


def ours(events: int, subscribers: int, prebuilt: bool) -> Sample:
    """One round on plugboard: a `Publisher` and `Subscriber`s joined by the event's topic."""

    async def main() -> Sample:
        publisher = Publisher(name="publisher", count=events, prebuilt=prebuilt)
        handlers = [Subscriber(name=f"subscriber-{index}") for index in range(subscribers)]
        # No connectors: the process links every emitted and handled event type by a topic.
        start, end = await run_span([publisher, *handlers], [])
        for handler in handlers:
            expect(f"{handler.name} events handled", handler.handled, events)
        handled = max(handler.last_at for handler in handlers) - start
        return _sample(end - start, events, subscribers, handled)

    sample = asyncio.run(main())
    sample[EVENT_BUILD_US] = event_build_us()
    return sample


def floor(events: int, subscribers: int) -> Sample:
    """One round on plain asyncio: one task puts every value into S one-slot queues."""

    async def main() -> Sample:
        queues = [_floor.queue() for _ in range(subscribers)]
        received: list[int] = []
        seconds = await _floor.run_tasks(
            [_floor.source(queues, events), *(_floor.sink(queue, received) for queue in queues)]
        )
        expect("events floor deliveries", sum(received), events * subscribers)
        return _sample(seconds, events, subscribers, seconds)

    sample = asyncio.run(main())
    sample[EVENT_BUILD_US] = 0.0
    return sample


def published(
    env: published_env.PublishedEnv, events: int, subscribers: int, prebuilt: bool
) -> Sample:
    """One round on the published release (a child in its own venv)."""
    flag = "1" if prebuilt else "0"
    sample = published_env.run(env, "events", [str(events), str(subscribers), flag])
    return _sample(sample["run_s"], events, subscribers, sample["delivered_s"])


def _case(
    events: int,
    subscribers: int,
    prebuilt: bool,
    env: published_env.PublishedEnv | None,
    note: str | None,
    published_events: int,
) -> Case:
    built = "built in init()" if prebuilt else "built per step"
    metrics = [
        Metric(US_PER_DELIVERY, "us", "per delivery (event handled by one subscriber)"),
        Metric(
            DELIVERIES_PER_S,
            "/s",
            "deliveries per second (higher is better)",
            higher_is_better=True,
        ),
        Metric(
            US_PER_DELIVERY_HANDLED,
            "us",
            "per delivery, `run()` start -> last event handled (floor: whole run)",
        ),
    ]
    if not prebuilt:
        metrics.append(
            Metric(EVENT_BUILD_US, "us", "building one event, outside the run", speed=False)
        )
    if prebuilt and env is not None:
        # Every published run ends by polling (about 20 s); one row of it is enough.
        env, note = None, "not measured: see the events-built-per-step row"
    return Case(
        size=f"N={events:,}, S={subscribers}, events {built}",
        ours=lambda: ours(events, subscribers, prebuilt),
        floor=lambda: floor(events, subscribers),
        published=(
            None
            if env is None
            else (lambda: published(env, published_events, subscribers, prebuilt))
        ),
        published_note=note,
        metrics=tuple(metrics),
        params={
            "events": events,
            "subscribers": subscribers,
            "deliveries": events * subscribers,
            "prebuilt": prebuilt,
            "published_events": published_events if env is not None else None,
        },
    )


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    events = 2_000 if options.quick else 10_000
    published_events = PUBLISHED_EVENTS // 4 if options.quick else PUBLISHED_EVENTS
    env, note = published_env.shared(options)
    return [
        _case(events, SUBSCRIBERS, prebuilt, env, note, published_events)
        for prebuilt in (False, True)
    ]


SCENARIO = Scenario(
    name="events",
    description=f"1 publisher -> {SUBSCRIBERS} subscribers of one event type; us per delivery",
    cases=_cases,
)
