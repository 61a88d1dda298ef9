"""Many independent source->sink pairs: build, init and run time, and peak memory.

Each measurement is a fresh child process (`_pairs_child`), so memory peaks never accumulate
and the floor's memory is not inflated by plugboard's imports.
"""

from __future__ import annotations

import contextlib

from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, Target
from tests.benchmarks.scenarios._subprocess import run_module


CHILD = "tests.benchmarks.scenarios._pairs_child"
PAIRS = 5_000

METRICS = (
    Metric("build_s", "s", "build (components, connectors, process)"),
    Metric("init_s", "s", "init (`await process.init()`)"),
    Metric("build_init_s", "s", "build + init", Target(max_value=2.0)),
    Metric("run_s", "s", "run"),
    Metric("rss_imports_mb", "MB", "RSS after imports"),
    Metric("peak_rss_mb", "MB", "peak RSS", Target(max_value=500.0)),
)


def measure(side: str, pairs: int, values: int) -> Sample:
    """Runs one side in a fresh interpreter and returns what it measured."""
    return run_module(CHILD, [side, str(pairs), str(values)])


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    values = 10
    return [
        Case(
            size=f"{PAIRS:,} pairs",
            ours=lambda: measure("ours", PAIRS, values),
            floor=lambda: measure("floor", PAIRS, values),
            metrics=METRICS,
            params={"pairs": PAIRS, "components": 2 * PAIRS, "values_per_source": values},
        )
    ]


SCENARIO = Scenario(
    name="pairs",
    description=f"{PAIRS:,} independent source->sink pairs: build, init, run, peak RSS",
    cases=_cases,
)
