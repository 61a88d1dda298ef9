"""Feedback loop: A sends `y` to B, B answers on A's `x` (primed with `initial_values`)."""

from __future__ import annotations

import asyncio
import contextlib

from tests.benchmarks import published_env
from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, Target, expect
from tests.benchmarks.scenarios import _floor
from tests.benchmarks.scenarios._components import Bumper, Looper, link, timed_run


METRIC_KEY = "us_per_iteration"


def ours(iterations: int) -> Sample:
    """One round of the loop on plugboard."""

    async def main() -> Sample:
        a = Looper(name="a", iterations=iterations, initial_values={"x": [0]})
        b = Bumper(name="b")
        seconds = await timed_run([a, b], [link("a.y", "b.inp"), link("b.out", "a.x")])
        expect("feedback iterations", a.done, iterations)
        expect("feedback answers", b.step_count, iterations)
        return {METRIC_KEY: seconds * 1e6 / iterations}

    return asyncio.run(main())


def floor(iterations: int) -> Sample:
    """One round of the loop on plain asyncio."""

    async def main() -> Sample:
        a_to_b, b_to_a = _floor.queue(), _floor.queue()
        answered: list[int] = []
        seconds = await _floor.run_tasks(
            [
                _floor.looper(b_to_a, a_to_b, iterations, initial=0),
                _floor.bumper(a_to_b, b_to_a, answered),
            ]
        )
        expect("feedback floor answers", answered[0], iterations)
        return {METRIC_KEY: seconds * 1e6 / iterations}

    return asyncio.run(main())


def published(env: published_env.PublishedEnv, iterations: int) -> Sample:
    """One round of the loop on the published release (a child in its own venv)."""
    sample = published_env.run(env, "feedback", [str(iterations)])
    return {METRIC_KEY: sample["run_s"] * 1e6 / iterations}


def _case(
    iterations: int, env: published_env.PublishedEnv | None, note: str | None, target: bool
) -> Case:
    # The published release takes ~250 us an iteration, so it runs the same N.
    return Case(
        size=f"N={iterations:,}",
        ours=lambda: ours(iterations),
        floor=lambda: floor(iterations),
        published=None if env is None else (lambda: published(env, iterations)),
        published_note=note,
        # 12 us is this machine's budget; the ratio to the floor, per round, travels.
        metrics=(
            Metric(
                METRIC_KEY,
                "us",
                "per iteration",
                Target(max_value=12.0) if target else None,
                paired_ratio=True,
            ),
        ),
        params={"iterations": iterations, "published_iterations": iterations},
    )


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    sizes = (500, 2_000) if options.quick else (1_000, 10_000)
    env, note = published_env.shared(options)
    return [_case(n, env, note, target=n == sizes[-1]) for n in sizes]


SCENARIO = Scenario(
    name="feedback",
    description="two-component feedback loop started by initial_values; us per iteration",
    cases=_cases,
)
