"""Fan-out then fan-in: source -> W workers -> one sink field fed by W connectors."""

from __future__ import annotations

import asyncio
import contextlib

from tests.benchmarks import published_env
from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, expect
from tests.benchmarks.scenarios import _floor
from tests.benchmarks.scenarios._components import Relay, Sink, Source, link, timed_run


METRIC_KEY = "us_per_step"
STEPS_FULL = 40_000
"""Component-steps per round, whatever the width: messages = STEPS / (1 + 2W)."""
PUBLISHED_STEPS = 40_000
"""Component-steps per published round (about 120 us each there)."""


def _steps(messages: int, workers: int) -> int:
    # The source steps once per message, each worker once per message, the sink once per
    # message per worker (every value arriving on the fan-in field is its own step).
    return messages * (1 + 2 * workers)


def ours(messages: int, workers: int) -> Sample:
    """One round of the fan on plugboard."""

    async def main() -> Sample:
        source = Source(name="source", count=messages)
        relays = [Relay(name=f"worker-{index}") for index in range(workers)]
        sink = Sink(name="sink")
        connectors = [link("source.out", f"{relay.name}.x") for relay in relays]
        connectors += [link(f"{relay.name}.out", "sink.x") for relay in relays]
        seconds = await timed_run([source, *relays, sink], connectors)
        expect("fan sink steps", sink.received, messages * workers)
        return {METRIC_KEY: seconds * 1e6 / _steps(messages, workers)}

    return asyncio.run(main())


def floor(messages: int, workers: int) -> Sample:
    """One round of the fan on plain asyncio; the fan-in is one queue shared by the workers."""

    async def main() -> Sample:
        worker_queues = [_floor.queue() for _ in range(workers)]
        sink_queue = _floor.queue()
        received: list[int] = []
        seconds = await _floor.run_tasks(
            [
                _floor.source(worker_queues, messages),
                *(_floor.relay(inp, sink_queue) for inp in worker_queues),
                _floor.sink(sink_queue, received, sources=workers),
            ]
        )
        expect("fan floor sink values", received[0], messages * workers)
        return {METRIC_KEY: seconds * 1e6 / _steps(messages, workers)}

    return asyncio.run(main())


def published(env: published_env.PublishedEnv, messages: int, workers: int) -> Sample:
    """One round of the fan on the published release (a child in its own venv)."""
    sample = published_env.run(env, "fan", [str(messages), str(workers)])
    return {METRIC_KEY: sample["run_s"] * 1e6 / _steps(messages, workers)}


def _case(
    steps: int,
    workers: int,
    env: published_env.PublishedEnv | None,
    note: str | None,
    published_steps: int,
) -> Case:
    messages = steps // (1 + 2 * workers)
    theirs = max(10, published_steps // (1 + 2 * workers))
    return Case(
        size=f"W={workers}",
        ours=lambda: ours(messages, workers),
        floor=lambda: floor(messages, workers),
        published=None if env is None else (lambda: published(env, theirs, workers)),
        published_note=note,
        metrics=(Metric(METRIC_KEY, "us", "per component-step"),),
        params={
            "workers": workers,
            "messages": messages,
            "component_steps": _steps(messages, workers),
            "published_messages": theirs,
        },
    )


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    steps = STEPS_FULL // 4 if options.quick else STEPS_FULL
    published_steps = PUBLISHED_STEPS // 5 if options.quick else PUBLISHED_STEPS
    env, note = published_env.shared(options)
    return [_case(steps, workers, env, note, published_steps) for workers in (10, 100)]


SCENARIO = Scenario(
    name="fan",
    description="source -> W workers -> one fan-in sink field; us per component-step",
    cases=_cases,
)
