"""Runs a case: warm-up, then ours and floor alternately, round by round; then statistics."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import gc
import statistics
import typing as _t

from tests.benchmarks.core import Case, Metric, Options, Runner, Sample


Log = Callable[[str], None]


@dataclass(frozen=True)
class Stats:
    """Median, minimum and maximum of one metric over the measured rounds."""

    median: float
    min: float
    max: float
    samples: tuple[float, ...]

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        """Summarises the samples of one metric."""
        return cls(statistics.median(samples), min(samples), max(samples), tuple(samples))

    def to_json(self) -> dict[str, _t.Any]:
        """The statistics as plain JSON data."""
        return {"median": self.median, "min": self.min, "max": self.max, "samples": self.samples}


@dataclass(frozen=True)
class Result:
    """One metric of one case: ours against the floor."""

    scenario: str
    size: str
    metric: Metric
    ours: Stats
    floor: Stats
    params: Mapping[str, _t.Any]
    paired: bool = False
    """A row of per-round ratios: `ours` holds ours/floor of each round, `floor` is unused."""

    @property
    def ratio(self) -> float | None:
        """Median of ours over median of the floor (for a paired row, the median ratio)."""
        if self.paired:
            return self.ours.median
        return self.ours.median / self.floor.median if self.floor.median > 0 else None

    @property
    def status(self) -> str:
        """`PASS` or `MISS` against the metric's target; `-` when it has none."""
        target = self.metric.target
        if target is None:
            return "-"
        return "PASS" if target.met(self.ours.median, self.ratio) else "MISS"

    def to_json(self) -> dict[str, _t.Any]:
        """The result as plain JSON data."""
        target = self.metric.target
        return {
            "scenario": self.scenario,
            "size": self.size,
            "metric": self.metric.key,
            "label": self.metric.label,
            "unit": self.metric.unit,
            "ours": self.ours.to_json(),
            "floor": self.floor.to_json(),
            "ratio": self.ratio,
            "target": None
            if target is None
            else {"max_value": target.max_value, "max_ratio": target.max_ratio},
            "status": self.status,
            "paired": self.paired,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class Failure:
    """A case (or a whole scenario) that raised instead of producing results."""

    scenario: str
    size: str
    error: str

    def to_json(self) -> dict[str, _t.Any]:
        """The failure as plain JSON data."""
        return {"scenario": self.scenario, "size": self.size, "error": self.error}


@dataclass(frozen=True)
class Skipped:
    """A scenario that could not run here, and why."""

    scenario: str
    reason: str

    def to_json(self) -> dict[str, _t.Any]:
        """The skip as plain JSON data."""
        return {"scenario": self.scenario, "reason": self.reason}


def _measure(runner: Runner) -> Sample:
    gc.collect()
    return runner()


def run_case(scenario: str, case: Case, options: Options, log: Log) -> list[Result]:
    """Measures a case and returns one result per metric.

    Ours and the floor alternate within each round, and which goes first alternates from one
    round to the next, so that drift (thermal, other load) falls on both sides alike.
    """
    for _ in range(options.warmup):
        _measure(case.ours)
        _measure(case.floor)
    ours: list[Sample] = []
    floor: list[Sample] = []
    for index in range(options.rounds):
        if index % 2 == 0:
            ours.append(_measure(case.ours))
            floor.append(_measure(case.floor))
        else:
            floor.append(_measure(case.floor))
            ours.append(_measure(case.ours))
        first = case.metrics[0]
        log(
            f"  {scenario} {case.size} round {index + 1}/{options.rounds}:"
            f" {first.label} ours {ours[-1][first.key]:.3g} floor {floor[-1][first.key]:.3g}"
            f" {first.unit}"
        )
    results: list[Result] = []
    for metric in case.metrics:
        ours_values = [sample[metric.key] for sample in ours]
        floor_values = [sample[metric.key] for sample in floor]
        results.append(
            Result(
                scenario=scenario,
                size=case.size,
                metric=metric,
                ours=Stats.of(ours_values),
                floor=Stats.of(floor_values),
                params=case.params,
            )
        )
        if metric.paired_ratio:
            # Both sides of a round ran back to back, so their ratio cancels most of the
            # machine's speed and load; its median is steadier than the ratio of medians.
            ratios = [a / b for a, b in zip(ours_values, floor_values, strict=True) if b > 0]
            results.append(
                Result(
                    scenario=scenario,
                    size=case.size,
                    metric=Metric(
                        f"{metric.key}_ratio", "x", f"{metric.label}: ours / floor, per round"
                    ),
                    ours=Stats.of(ratios),
                    floor=Stats.of(ratios),
                    params=case.params,
                    paired=True,
                )
            )
    return results
