"""Chain: source -> K pass-through components -> sink; microseconds per component-step."""

from __future__ import annotations

import asyncio
import contextlib
from itertools import pairwise

from tests.benchmarks import published_env
from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, Target, expect
from tests.benchmarks.scenarios import _floor
from tests.benchmarks.scenarios._components import Relay, Sink, Source, link, timed_run


METRIC_KEY = "us_per_step"
TARGET = Target(max_value=5.0, max_ratio=2.5)
SIZES: tuple[tuple[int, int | None], ...] = ((1, None), (10, None), (50, None), (10, 1))
"""(K, connector buffer size) per case; None is the connector's default buffer."""
PUBLISHED_STEPS = 40_000
PUBLISHED_STEPS_QUICK = 8_000
"""Component-steps per published round (about 130 us each there): messages = steps / (K + 2)."""


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


def published(env: published_env.PublishedEnv, messages: int, relays: int) -> Sample:
    """One round of the chain on the published release (a child in its own venv)."""
    sample = published_env.run(env, "chain", [str(messages), str(relays)])
    return _per_step(sample["run_s"], messages, relays)


def published_messages(steps: int, relays: int) -> int:
    """Messages for the published side: about `steps` component-steps (it is slow)."""
    return max(50, steps // (relays + 2))


def _case(
    messages: int,
    relays: int,
    buffer_size: int | None,
    env: published_env.PublishedEnv | None,
    note: str | None,
    published_steps: int,
) -> Case:
    size = f"K={relays}" if buffer_size is None else f"K={relays}, buffer={buffer_size}"
    # The target is set for the default connector; other buffers are shown for comparison.
    target = TARGET if relays == 10 and buffer_size is None else None
    theirs = published_messages(published_steps, relays)
    if buffer_size is not None:
        env, note = None, "not measured: the connector buffer size is an option of ours only"
    return Case(
        published=None if env is None else (lambda: published(env, theirs, relays)),
        published_note=note,
        size=size,
        ours=lambda: ours(messages, relays, buffer_size),
        floor=lambda: floor(messages, relays),
        metrics=(Metric(METRIC_KEY, "us", "per component-step", target),),
        params={
            "relays": relays,
            "messages": messages,
            "components": relays + 2,
            "buffer_size": buffer_size or "default",
            "published_messages": theirs if env is not None else None,
        },
    )


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    messages = 2_000 if options.quick else 10_000
    env, note = published_env.shared(options)
    steps = PUBLISHED_STEPS_QUICK if options.quick else PUBLISHED_STEPS
    return [_case(messages, relays, buffer_size, env, note, steps) for relays, buffer_size in SIZES]


SCENARIO = Scenario(
    name="chain",
    description="source -> K pass-through components -> sink; us per component-step",
    cases=_cases,
)
