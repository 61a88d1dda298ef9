"""Child process of the `prefect_chain` scenario: one chain run under one process type.

Run as `python -m tests.benchmarks.scenarios._prefect_child {prefect|local} MESSAGES RELAYS`
with the environment of a Prefect server (`PREFECT_API_URL`, `PREFECT_HOME`). Prints one JSON
object. `--profile PATH` writes a cProfile of the run phase (the gate's opening to the last component's
end) to PATH; `--local-first` first times a LocalProcess run of the same size in the same
process and adds `overhead_s` (this side's wall time minus Local's).

Every component waits in `run()` until all of them have entered it (a start gate), so that the
run phase starts once every component task is running, under either process type, and ends
when the last component's `run()` returns. Flow and task-run creation, artifacts and the
state backend fall outside the run phase; they are in the wall times.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import sys
import time
import typing as _t

from plugboard.process import LocalProcess, Process
from tests.benchmarks.core import Sample, expect
from tests.benchmarks.scenarios._components import Relay, Sink, Source, link


class Gate:
    """Opens when `total` components have entered `run()`; records the run phase.

    Every component runs on the event loop's thread, so `time.thread_time()` over the phase
    is the CPU the model and the process type spent on it, whatever else the machine (a
    Prefect server on the same CPUs, say) was doing meanwhile.
    """

    profiler: _t.ClassVar[cProfile.Profile | None] = None

    def __init__(self, total: int) -> None:
        self.total = total
        self.arrived = 0
        self.event: asyncio.Event | None = None
        self.opened_at = self.ended_at = 0.0
        self.opened_cpu = self.ended_cpu = 0.0
        self.left = 0

    async def enter(self) -> None:
        """Waits until every component has arrived."""
        if self.event is None:
            self.event = asyncio.Event()
        self.arrived += 1
        if self.arrived == self.total:
            self.opened_at = time.perf_counter()
            self.opened_cpu = time.thread_time()
            if self.profiler is not None:
                self.profiler.enable()
            self.event.set()
        else:
            await self.event.wait()

    def leave(self) -> None:
        """Marks the end of one component's run (the last one ends the phase)."""
        self.ended_at = time.perf_counter()
        self.ended_cpu = time.thread_time()
        self.left += 1
        if self.left == self.total and self.profiler is not None:
            self.profiler.disable()


class GatedSource(Source):
    """`Source` behind the start gate."""

    gate: Gate

    async def run(self) -> None:
        await self.gate.enter()
        try:
            await super().run()
        finally:
            self.gate.leave()


class GatedRelay(Relay):
    """`Relay` behind the start gate."""

    gate: Gate

    async def run(self) -> None:
        await self.gate.enter()
        try:
            await super().run()
        finally:
            self.gate.leave()


class GatedSink(Sink):
    """`Sink` behind the start gate."""

    gate: Gate

    async def run(self) -> None:
        await self.gate.enter()
        try:
            await super().run()
        finally:
            self.gate.leave()


def _build(side: str, messages: int, relays: int, name: str) -> tuple[Process, GatedSink, Gate]:
    sink = GatedSink(name="sink")
    components: list[GatedSource | GatedRelay | GatedSink] = [
        GatedSource(name="source", count=messages),
        *(GatedRelay(name=f"relay-{index}") for index in range(relays)),
        sink,
    ]
    gate = Gate(len(components))
    for component in components:
        component.gate = gate
    connectors = [
        link(f"{upstream.name}.out", f"{downstream.name}.x")
        for upstream, downstream in itertools.pairwise(components)
    ]
    if side == "prefect":
        from plugboard_prefect import PrefectProcess

        return PrefectProcess(components, connectors, name=name), sink, gate
    return LocalProcess(components, connectors, name=name), sink, gate


async def one_run(side: str, messages: int, relays: int) -> Sample:
    """Builds, initialises, runs and destroys one chain; returns its timings."""
    start = time.perf_counter()
    process, sink, gate = _build(side, messages, relays, f"bench-chain-{side}")
    async with process:
        run_start = time.perf_counter()
        await process.run()
        run_end = time.perf_counter()
    end = time.perf_counter()
    expect(f"{side} chain sink values", sink.received, messages)
    steps = messages * (relays + 2)
    phase = gate.ended_at - gate.opened_at
    return {
        "phase_s": phase,
        "us_per_step": phase * 1e6 / steps,
        "cpu_us_per_step": (gate.ended_cpu - gate.opened_cpu) * 1e6 / steps,
        "run_s": run_end - run_start,
        "startup_s": gate.opened_at - run_start,
        "wind_down_s": run_end - gate.ended_at,
        "wall_s": end - start,
    }


def main() -> None:
    """Parses the command line, measures, prints the JSON sample."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("side", choices=["prefect", "local"])
    parser.add_argument("messages", type=int)
    parser.add_argument("relays", type=int)
    parser.add_argument(
        "--local-first",
        action="store_true",
        help="first time a LocalProcess run of the same size in this process (overhead)",
    )
    parser.add_argument("--profile", metavar="PATH", help="write a cProfile of the run here")
    args = parser.parse_args()
    if args.side == "prefect":
        import plugboard_prefect  # noqa: F401 - imports count before the clock starts
    sample: Sample = {}
    if args.local_first:
        local = asyncio.run(one_run("local", args.messages, args.relays))
        sample.update({f"local_{key}": value for key, value in local.items()})
    if args.profile:
        Gate.profiler = cProfile.Profile()
    measured = asyncio.run(one_run(args.side, args.messages, args.relays))
    if Gate.profiler is not None:
        Gate.profiler.dump_stats(args.profile)
    sample.update(measured)
    if args.local_first:
        sample["overhead_s"] = sample["wall_s"] - sample["local_wall_s"]
    sample["block_end_epoch"] = time.time()
    print(json.dumps(sample))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
