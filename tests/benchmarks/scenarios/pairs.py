"""Many independent source->sink pairs: build, init and run time, and peak memory.

Each measurement is a fresh child process (`_pairs_child`), so memory peaks never accumulate
and the floor's memory is not inflated by plugboard's imports.
"""

from __future__ import annotations

import contextlib

from tests.benchmarks import published_env
from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, Target
from tests.benchmarks.scenarios._subprocess import run_module


CHILD = "tests.benchmarks.scenarios._pairs_child"
SIZES = (1_000, 5_000)
PUBLISHED_MEMORY_MB = 6_000
PUBLISHED_TIMEOUT_S = 120.0
"""Limits of a published child: its init grows faster than linearly with the pairs."""

METRICS = (
    Metric("build_s", "s", "build (components, connectors, process)"),
    Metric("init_s", "s", "init (`await process.init()`)"),
    Metric("build_init_s", "s", "build + init", Target(max_value=2.0)),
    Metric("run_s", "s", "run"),
    Metric("rss_imports_mb", "MB", "RSS after imports", speed=False),
    Metric("peak_rss_mb", "MB", "peak RSS", Target(max_value=500.0), speed=False),
)


def measure(side: str, pairs: int, values: int) -> Sample:
    """Runs one side in a fresh interpreter and returns what it measured."""
    return run_module(CHILD, [side, str(pairs), str(values)])


def published(env: published_env.PublishedEnv, pairs: int, values: int) -> Sample:
    """Runs the published release in a fresh child of its venv, under a memory cap and timeout."""
    return published_env.run(
        env,
        "pairs",
        [str(pairs), str(values)],
        memory_mb=PUBLISHED_MEMORY_MB,
        timeout_s=PUBLISHED_TIMEOUT_S,
    )


def _case(
    pairs: int, values: int, env: published_env.PublishedEnv | None, note: str | None
) -> Case:
    return Case(
        size=f"{pairs:,} pairs",
        ours=lambda: measure("ours", pairs, values),
        floor=lambda: measure("floor", pairs, values),
        published=None if env is None else (lambda: published(env, pairs, values)),
        published_note=note,
        metrics=METRICS,
        params={
            "pairs": pairs,
            "components": 2 * pairs,
            "values_per_source": values,
            "published_limits": f"{PUBLISHED_MEMORY_MB} MB address space,"
            f" {PUBLISHED_TIMEOUT_S:.0f} s",
        },
    )


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    env, note = published_env.shared(options)
    return [_case(pairs, 10, env, note) for pairs in SIZES]


SCENARIO = Scenario(
    name="pairs",
    description=(
        f"{' and '.join(f'{n:,}' for n in SIZES)} independent source->sink pairs:"
        " build, init, run, peak RSS"
    ),
    cases=_cases,
)
