"""Child process of the `pairs` scenario: builds, initialises and runs N source->sink pairs.

Run as `python -m tests.benchmarks.scenarios._pairs_child {ours|floor} PAIRS VALUES`; prints one
JSON object of timings and memory. A fresh process per measurement keeps peaks from
accumulating, and the floor side never imports plugboard.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import resource
import time

from tests.benchmarks.core import Sample, expect
from tests.benchmarks.scenarios import _floor


def _status_mb(field: str) -> float | None:
    """A `/proc/self/status` memory figure in MB (Linux), else None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB.

    `VmHWM` where Linux has it: `ru_maxrss` of a child that was spawned by a big parent
    starts at the parent's peak (the kernel carries it across exec), so it would report the
    harness's memory rather than the child's.
    """
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(pairs: int, values: int) -> Sample:
    """Plugboard: build the components, connectors and `LocalProcess`; init; run."""
    from plugboard.process import LocalProcess
    from tests.benchmarks.scenarios._components import Sink, Source, link

    rss_imports = peak_rss_mb()

    async def main() -> Sample:
        start = time.perf_counter()
        sinks = [Sink(name=f"sink-{index}") for index in range(pairs)]
        sources = [Source(name=f"source-{index}", count=values) for index in range(pairs)]
        components = [*sources, *sinks]
        connectors = [link(f"source-{index}.out", f"sink-{index}.x") for index in range(pairs)]
        process = LocalProcess(components=components, connectors=connectors)
        built = time.perf_counter()
        await process.init()
        initialised = time.perf_counter()
        await process.run()
        ran = time.perf_counter()
        await process.destroy()
        expect("pairs values received", sum(sink.received for sink in sinks), pairs * values)
        return {
            "build_s": built - start,
            "init_s": initialised - built,
            "build_init_s": initialised - start,
            "run_s": ran - initialised,
        }

    sample = asyncio.run(main())
    return {**sample, "rss_imports_mb": rss_imports}


def floor(pairs: int, values: int) -> Sample:
    """Plain asyncio: build the queues and coroutines; run them as tasks of one TaskGroup."""
    rss_imports = peak_rss_mb()

    async def main() -> Sample:
        start = time.perf_counter()
        received: list[int] = []
        coroutines = []
        for _ in range(pairs):
            channel = _floor.queue()
            coroutines.append(_floor.source([channel], values))
            coroutines.append(_floor.sink(channel, received))
        built = time.perf_counter()
        seconds = await _floor.run_tasks(coroutines)
        expect("pairs floor values received", sum(received), pairs * values)
        return {
            "build_s": built - start,
            "init_s": 0.0,
            "build_init_s": built - start,
            "run_s": seconds,
        }

    sample = asyncio.run(main())
    return {**sample, "rss_imports_mb": rss_imports}


def main() -> None:
    """Parses the command line, measures one side, prints the JSON sample."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("side", choices=["ours", "floor"])
    parser.add_argument("pairs", type=int)
    parser.add_argument("values", type=int)
    args = parser.parse_args()
    measure = ours if args.side == "ours" else floor
    sample = measure(args.pairs, args.values)
    sample["peak_rss_mb"] = peak_rss_mb()
    sample["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(sample))


if __name__ == "__main__":
    main()
