"""Times one benchmark topology on the published plugboard package; prints a JSON sample.

This file runs under the interpreter of the throwaway virtualenv that holds the published
release (`tests/benchmarks/published_env.py` creates it), never under the repository's own
environment. It is started as `python -I bench_published.py SCENARIO ARGS...` from a
temporary working folder, so `import plugboard` finds the installed release and nothing of
this repository. It imports nothing but the standard library and that release.

The topologies match the ones in `tests/benchmarks/scenarios/`, written against the published
API: `io = IO(inputs=[...], outputs=[...])`, `async def step(self)`, `LocalProcess`,
`AsyncioConnector(spec=ConnectorSpec(...))`. The last line printed starts with `RESULT_MARK`
and holds the sample (the release logs to stdout too).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine, Sequence
from itertools import pairwise
import json
from pathlib import Path
import resource
import sys
import time
import typing as _t

from plugboard.component import Component, IOController
from plugboard.connector import AsyncioConnector, ConnectorBuilder
from plugboard.events import Event
from plugboard.process import LocalProcess
from plugboard.schemas import ComponentArgsDict, ConnectorSpec


RESULT_MARK = "BENCH-RESULT "

Sample = dict[str, _t.Any]


class CountMismatch(RuntimeError):
    """A model did not do all its work: a benchmark of a broken run would lie."""


def expect(what: str, got: int, want: int) -> None:
    """Raises `CountMismatch` unless `got == want`."""
    if got != want:
        raise CountMismatch(f"{what}: expected {want}, got {got}")


def bump(value: int) -> int:
    """The feedback loop's work: double small values, else add one (as in the suite)."""
    return value * 2 if 0 < value < 1_000 else value + 1


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

    def __init__(self, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.answered = 0

    async def step(self) -> None:
        self.out = bump(self.inp)
        self.answered += 1


class Ping(Event):
    """The one event type of the `events` scenario."""

    type: _t.ClassVar[str] = "bench.ping"


class Publisher(Component):
    """Publishes `count` `Ping` events, one per step, then closes its IO."""

    io = IOController(output_events=[Ping])

    def __init__(
        self, count: int, prebuilt: bool = False, **kwargs: _t.Unpack[ComponentArgsDict]
    ) -> None:
        super().__init__(**kwargs)
        self.count = count
        self.prebuilt = prebuilt
        self.sent = 0

    async def init(self) -> None:
        self._events = [self._ping(n) for n in range(self.count)] if self.prebuilt else []

    def _ping(self, n: int) -> Ping:
        # The release's events require a `source`.
        return Ping(source=self.name, data={"n": n})

    async def step(self) -> None:
        if self.sent >= self.count:
            await self.io.close()
            return
        event = self._events[self.sent] if self.prebuilt else self._ping(self.sent)
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


class Passthrough(Component):
    """Copies five input fields `c0..c4` to five output fields `o0..o4`."""

    io = IOController(inputs=["c0", "c1", "c2", "c3", "c4"], outputs=["o0", "o1", "o2", "o3", "o4"])

    async def step(self) -> None:
        self.o0 = self.c0
        self.o1 = self.c1
        self.o2 = self.c2
        self.o3 = self.c3
        self.o4 = self.c4


def link(source: str, target: str) -> AsyncioConnector:
    """An asyncio connector from `component.field` to `component.field`."""
    return AsyncioConnector(spec=ConnectorSpec(source=source, target=target))


async def timed(
    components: Sequence[Component], connectors: Sequence[AsyncioConnector]
) -> tuple[float, float]:
    """Builds and initialises a `LocalProcess`; returns the seconds of init and of `run()`."""
    process = LocalProcess(components=components, connectors=connectors)
    start = time.perf_counter()
    async with process:
        started = time.perf_counter()
        await process.run()
        ran = time.perf_counter()
    return started - start, ran - started


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (`VmHWM`, else `ru_maxrss`)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def chain(messages: int, relays: int) -> Sample:
    """Source -> `relays` pass-through components -> sink."""
    sink = Sink(name="sink")
    components: list[Component] = [
        Source(name="source", count=messages),
        *(Relay(name=f"relay-{index}") for index in range(relays)),
        sink,
    ]
    connectors = [
        link(f"{upstream.name}.out", f"{downstream.name}.x")
        for upstream, downstream in pairwise(components)
    ]
    init_s, run_s = await timed(components, connectors)
    expect("chain sink values", sink.received, messages)
    return {"init_s": init_s, "run_s": run_s, "steps": messages * (relays + 2)}


async def fan(messages: int, workers: int) -> Sample:
    """Source -> `workers` pass-through components -> one sink field fed by all of them."""
    relays = [Relay(name=f"worker-{index}") for index in range(workers)]
    sink = Sink(name="sink")
    connectors = [link("source.out", f"{relay.name}.x") for relay in relays]
    connectors += [link(f"{relay.name}.out", "sink.x") for relay in relays]
    components = [Source(name="source", count=messages), *relays, sink]
    init_s, run_s = await timed(components, connectors)
    expect("fan sink steps", sink.received, messages * workers)
    return {"init_s": init_s, "run_s": run_s, "steps": messages * (1 + 2 * workers)}


async def feedback(iterations: int) -> Sample:
    """A two-component loop started by `initial_values`."""
    a = Looper(name="a", iterations=iterations, initial_values={"x": [0]})
    b = Bumper(name="b")
    init_s, run_s = await timed([a, b], [link("a.y", "b.inp"), link("b.out", "a.x")])
    expect("feedback iterations", a.done, iterations)
    expect("feedback answers", b.answered, iterations)
    return {"init_s": init_s, "run_s": run_s, "iterations": iterations}


async def events(count: int, subscribers: int, prebuilt: bool) -> Sample:
    """One publisher and `subscribers` handlers of one event type.

    The release links event topics only through connectors that the model builds itself,
    with `ConnectorBuilder.build_event_connectors`.
    """
    publisher = Publisher(name="publisher", count=count, prebuilt=prebuilt)
    handlers = [Subscriber(name=f"subscriber-{index}") for index in range(subscribers)]
    components = [publisher, *handlers]
    connectors = ConnectorBuilder(AsyncioConnector).build_event_connectors(components)
    process = LocalProcess(components=components, connectors=connectors)
    start = time.perf_counter()
    async with process:
        started = time.perf_counter()
        await process.run()
        ran = time.perf_counter()
    for handler in handlers:
        expect(f"{handler.name} events handled", handler.handled, count)
    return {
        "init_s": started - start,
        "run_s": ran - started,
        "delivered_s": max(handler.last_at for handler in handlers) - started,
        "deliveries": count * subscribers,
    }


async def pairs(count: int, values: int) -> Sample:
    """`count` independent source -> sink pairs: build, init and run times."""
    rss_imports = peak_rss_mb()
    start = time.perf_counter()
    sinks = [Sink(name=f"sink-{index}") for index in range(count)]
    sources = [Source(name=f"source-{index}", count=values) for index in range(count)]
    connectors = [link(f"source-{index}.out", f"sink-{index}.x") for index in range(count)]
    process = LocalProcess(components=[*sources, *sinks], connectors=connectors)
    built = time.perf_counter()
    await process.init()
    initialised = time.perf_counter()
    await process.run()
    ran = time.perf_counter()
    await process.destroy()
    expect("pairs values received", sum(sink.received for sink in sinks), count * values)
    return {
        "build_s": built - start,
        "init_s": initialised - built,
        "build_init_s": initialised - start,
        "run_s": ran - initialised,
        "rss_imports_mb": rss_imports,
    }


FIELDS = ["c0", "c1", "c2", "c3", "c4"]


def _io_links(writer: str) -> list[AsyncioConnector]:
    connectors = [link(f"reader.{field}", f"relay.{field}") for field in FIELDS]
    connectors += [
        link(f"relay.o{index}", f"{writer}.{field}") for index, field in enumerate(FIELDS)
    ]
    return connectors


async def csv_parquet(source: str, target: str, rows: int, chunk_size: int) -> Sample:
    """CSV -> pass-through -> Parquet with the release's `FileReader` and `FileWriter`."""
    from plugboard.library import FileReader, FileWriter

    reader = FileReader(name="reader", path=source, field_names=FIELDS, chunk_size=chunk_size)
    # The release writes Parquet in one piece: it rejects a chunk size for it.
    writer = FileWriter(name="writer", path=target, field_names=FIELDS)
    init_s, run_s = await timed([reader, Passthrough(name="relay"), writer], _io_links("writer"))
    import pyarrow.parquet  # type: ignore[import-untyped]

    written = pyarrow.parquet.ParquetFile(target).metadata.num_rows
    expect("parquet rows written", written, rows)
    return {"init_s": init_s, "run_s": run_s, "rows": rows}


async def csv_sql(source: str, url: str, table: str, rows: int, chunk_size: int) -> Sample:
    """CSV -> pass-through -> PostgreSQL with the release's `FileReader` and `SQLWriter`."""
    from plugboard.library import FileReader, SQLWriter

    reader = FileReader(name="reader", path=source, field_names=FIELDS, chunk_size=chunk_size)
    writer = SQLWriter(
        name="writer", connection_string=url, table=table, field_names=FIELDS, chunk_size=chunk_size
    )
    init_s, run_s = await timed([reader, Passthrough(name="relay"), writer], _io_links("writer"))
    return {"init_s": init_s, "run_s": run_s, "rows": rows}


Command = Callable[[argparse.Namespace], Coroutine[_t.Any, _t.Any, Sample]]

COMMANDS: dict[str, tuple[tuple[str, ...], Command]] = {
    "chain": (("messages", "relays"), lambda a: chain(int(a.args[0]), int(a.args[1]))),
    "fan": (("messages", "workers"), lambda a: fan(int(a.args[0]), int(a.args[1]))),
    "feedback": (("iterations",), lambda a: feedback(int(a.args[0]))),
    "events": (
        ("events", "subscribers", "prebuilt"),
        lambda a: events(int(a.args[0]), int(a.args[1]), a.args[2] == "1"),
    ),
    "pairs": (("pairs", "values"), lambda a: pairs(int(a.args[0]), int(a.args[1]))),
    "csv_parquet": (
        ("csv", "parquet", "rows", "chunk_size"),
        lambda a: csv_parquet(a.args[0], a.args[1], int(a.args[2]), int(a.args[3])),
    ),
    "csv_sql": (
        ("csv", "url", "table", "rows", "chunk_size"),
        lambda a: csv_sql(a.args[0], a.args[1], a.args[2], int(a.args[3]), int(a.args[4])),
    ),
}


def limit_memory(megabytes: int) -> None:
    """Caps this process's address space, so that a runaway run fails with `MemoryError`."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main() -> None:
    """Parses the command line, runs one measurement, prints the marked JSON sample."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=sorted(COMMANDS))
    parser.add_argument("args", nargs="*")
    parser.add_argument("--max-memory-mb", type=int, default=0)
    args = parser.parse_args()
    names, command = COMMANDS[args.scenario]
    if len(args.args) != len(names):
        parser.error(f"{args.scenario} takes {' '.join(names).upper()}")
    limit_memory(args.max_memory_mb)
    import plugboard

    sample = asyncio.run(command(args))
    sample["peak_rss_mb"] = peak_rss_mb()
    sample["plugboard_file"] = plugboard.__file__
    print(RESULT_MARK + json.dumps(sample))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
