"""Trace: the chain (source -> K relays -> sink) with every step traced, against it untraced.

Ours records every step of every component into a Parquet file (through the background
writer; the file is complete when `run()` returns). The floor is the same chain untraced, so
the ratio is what tracing costs per component-step.
"""

from __future__ import annotations

import asyncio
import contextlib
from itertools import pairwise
from pathlib import Path
import tempfile

from plugboard.component import Component
from plugboard.trace import Trace
from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, Skip, Target, expect
from tests.benchmarks.scenarios._components import Relay, Sink, Source, link
from tests.benchmarks.scenarios.chain import METRIC_KEY


RELAYS = 10
TARGET = Target(max_ratio=3.0)


def _chain(messages: int, relays: int) -> tuple[list[Component], Sink]:
    sink = Sink(name="sink")
    components = [
        Source(name="source", count=messages),
        *(Relay(name=f"relay-{index}") for index in range(relays)),
        sink,
    ]
    return components, sink


async def _run(messages: int, relays: int, trace: Trace | None) -> Sample:
    import time

    from plugboard.process import LocalProcess

    components, sink = _chain(messages, relays)
    connectors = [link(f"{a.name}.out", f"{b.name}.x") for a, b in pairwise(components)]
    process = LocalProcess(components=components, connectors=connectors, trace=trace)
    async with process:
        start = time.perf_counter()
        await process.run()  # returns once the trace is written and closed
        seconds = time.perf_counter() - start
    expect("trace chain sink values", sink.received, messages)
    if trace is not None:
        expect("trace rows", trace.rows_written, messages * (relays + 2))
    return {METRIC_KEY: seconds * 1e6 / (messages * (relays + 2))}


def ours(messages: int, relays: int, path: Path) -> Sample:
    """One round of the chain with a Parquet trace of every step."""
    return asyncio.run(_run(messages, relays, Trace(str(path))))


def floor(messages: int, relays: int) -> Sample:
    """One round of the same chain, untraced."""
    return asyncio.run(_run(messages, relays, None))


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    try:
        import pyarrow  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        raise Skip("pyarrow is not installed (plugboard[files])") from None
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plugboard-trace-")))
    messages = 2_000 if options.quick else 10_000
    path = folder / "trace.parquet"
    return [
        Case(
            size=f"K={RELAYS}, Parquet",
            ours=lambda: ours(messages, RELAYS, path),
            floor=lambda: floor(messages, RELAYS),
            metrics=(Metric(METRIC_KEY, "us", "per component-step", TARGET),),
            params={"relays": RELAYS, "messages": messages, "sink": "parquet", "every": 1},
        )
    ]


SCENARIO = Scenario(
    name="trace",
    description="the chain with a Parquet trace of every step, against it untraced",
    cases=_cases,
)
