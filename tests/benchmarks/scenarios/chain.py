"""Chain: source -> K pass-through components -> sink; microseconds per component-step."""

from __future__ import annotations

import asyncio
import contextlib
from itertools import pairwise

from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, Target, expect
from tests.benchmarks.scenarios import _floor
from tests.benchmarks.scenarios._components import Relay, Sink, Source, link, timed_run


METRIC_KEY = "us_per_step"
TARGET = Target(max_value=5.0, max_ratio=2.5)
SIZES: tuple[tuple[int, int | None], ...] = ((1, None), (10, None), (50, None), (10, 1))
"""(K, connector buffer size) per case; None is the connector's default buffer."""


def _per_step(seconds: float, messages: int, relays: int) -> Sample:
    return {METRIC_KEY: seconds * 1e6 / (messages * (relays + 2))}


def ours(messages: int, relays: int, buffer_size: int | None = None) -> Sample:
    """One round of the chain on plugboard."""

    async def main() -> Sample:
        sink = Sink(name="sink")
        components = [
            Source(name="source", count=messages),
            *(Relay(name=f"relay-{index}") for index in range(relays)),
            sink,
        ]
        connectors = [
            link(f"{upstream.name}.out", f"{downstream.name}.x", buffer_size)
            for upstream, downstream in pairwise(components)
        ]
        seconds = await timed_run(components, connectors)
        expect("chain sink values", sink.received, messages)
        return _per_step(seconds, messages, relays)

    return asyncio.run(main())


def floor(messages: int, relays: int) -> Sample:
    """One round of the chain on plain asyncio."""

    async def main() -> Sample:
        queues = [_floor.queue() for _ in range(relays + 1)]
        received: list[int] = []
        seconds = await _floor.run_tasks(
            [
                _floor.source([queues[0]], messages),
                *(_floor.relay(inp, out) for inp, out in pairwise(queues)),
                _floor.sink(queues[-1], received),
            ]
        )
        expect("chain floor sink values", received[0], messages)
        return _per_step(seconds, messages, relays)

    return asyncio.run(main())


def _case(messages: int, relays: int, buffer_size: int | None) -> Case:
    size = f"K={relays}" if buffer_size is None else f"K={relays}, buffer={buffer_size}"
    # The target is set for the default connector; other buffers are shown for comparison.
    target = TARGET if relays == 10 and buffer_size is None else None
    return Case(
        size=size,
        ours=lambda: ours(messages, relays, buffer_size),
        floor=lambda: floor(messages, relays),
        metrics=(Metric(METRIC_KEY, "us", "per component-step", target),),
        params={
            "relays": relays,
            "messages": messages,
            "components": relays + 2,
            "buffer_size": buffer_size or "default",
        },
    )


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    messages = 2_000 if options.quick else 10_000
    return [_case(messages, relays, buffer_size) for relays, buffer_size in SIZES]


SCENARIO = Scenario(
    name="chain",
    description="source -> K pass-through components -> sink; us per component-step",
    cases=_cases,
)
