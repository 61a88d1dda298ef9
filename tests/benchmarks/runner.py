"""Runs a case: warm-up, then ours, published and floor in turn, round by round; statistics."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import gc
import statistics
import typing as _t

from tests.benchmarks.core import PUBLISHED_SPEEDUP, Case, Metric, Options, Runner, Sample
from tests.benchmarks.published_env import CannotRun


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
    """One metric of one case: ours against the floor and the published release."""

    scenario: str
    size: str
    metric: Metric
    ours: Stats
    floor: Stats
    params: Mapping[str, _t.Any]
    paired: bool = False
    """A row of per-round ratios: `ours` holds ours/floor of each round, `floor` is unused."""
    published: Stats | None = None
    speedup: Stats | None = None
    """How many times faster ours is than the published release, round by round."""
    published_note: str | None = None
    """Why there is no published figure (it cannot run the case, or does not report it)."""

    @property
    def published_status(self) -> str:
        """`PASS`/`MISS` against `PUBLISHED_SPEEDUP` for a speed metric; else `-`."""
        if self.paired or not self.metric.speed:
            return "-"
        if self.speedup is None:
            return "n/a" if self.published_note else "-"
        return "PASS" if self.speedup.median >= PUBLISHED_SPEEDUP else "MISS"

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
            "published": None if self.published is None else self.published.to_json(),
            "speedup_vs_published": None if self.speedup is None else self.speedup.to_json(),
            "published_status": self.published_status,
            "published_note": self.published_note,
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


def _speedups(metric: Metric, ours: Sequence[float], published: Sequence[float]) -> list[float]:
    """Times faster, per round: published/ours for a time, ours/published for a rate."""
    pairs = zip(ours, published, strict=True)
    if metric.higher_is_better:
        return [mine / theirs for mine, theirs in pairs if theirs > 0]
    return [theirs / mine for mine, theirs in pairs if mine > 0]


class _Sides:
    """The runners of a case; the published one drops out (with a note) if it cannot run."""

    def __init__(self, case: Case, log: Log) -> None:
        self.case = case
        self.log = log
        self.published: Runner | None = case.published
        self.note = case.published_note
        self.samples: dict[str, list[Sample]] = {"ours": [], "floor": [], "published": []}

    def order(self, index: int) -> list[str]:
        """The sides of round `index`, rotated each round so drift falls on all alike."""
        names = ["ours", "floor"] if self.published is None else ["ours", "published", "floor"]
        shift = index % len(names)
        return names[shift:] + names[:shift]

    def measure(self, name: str, record: bool = True) -> None:
        """Measures one side once (and keeps the sample unless warming up)."""
        if name == "published":
            if self.published is None:
                return
            try:
                sample = _measure(self.published)
            except CannotRun as exc:
                self.published = None
                self.note = f"cannot run: {exc}"
                self.samples["published"].clear()
                self.log(f"  published side {self.note}")
                return
        else:
            sample = _measure(self.case.ours if name == "ours" else self.case.floor)
        if record:
            self.samples[name].append(sample)


def _published_stats(
    metric: Metric, ours: Sequence[float], published: Sequence[Sample], note: str | None
) -> tuple[Stats | None, Stats | None, str | None]:
    if not published:
        return None, None, note
    if any(metric.key not in sample for sample in published):
        return None, None, "not measured on the published side"
    values = [sample[metric.key] for sample in published]
    # "Times faster" only means something for a speed metric (not for memory, say).
    speedups = _speedups(metric, ours, values) if metric.speed else []
    return Stats.of(values), (Stats.of(speedups) if speedups else None), note


def run_case(scenario: str, case: Case, options: Options, log: Log) -> list[Result]:
    """Measures a case and returns one result per metric (plus paired-ratio rows).

    Ours, the published release and the floor take turns within each round, and the order
    rotates from one round to the next, so that drift (thermal, other load) falls on every
    side alike.
    """
    sides = _Sides(case, log)
    for _ in range(options.warmup):
        sides.measure("ours", record=False)
        sides.measure("floor", record=False)
        if case.published_warmup:
            sides.measure("published", record=False)
    for index in range(options.rounds):
        for name in sides.order(index):
            sides.measure(name)
        first = case.metrics[0]
        mine, floor = sides.samples["ours"][-1], sides.samples["floor"][-1]
        theirs = sides.samples["published"]
        published_text = (
            f" published {theirs[-1][first.key]:.3g}"
            if sides.published is not None and theirs and first.key in theirs[-1]
            else ""
        )
        log(
            f"  {scenario} {case.size} round {index + 1}/{options.rounds}:"
            f" {first.label} ours {mine[first.key]:.3g}{published_text}"
            f" floor {floor[first.key]:.3g} {first.unit}"
        )
    ours, floor = sides.samples["ours"], sides.samples["floor"]
    results: list[Result] = []
    for metric in case.metrics:
        ours_values = [sample[metric.key] for sample in ours]
        floor_values = [sample[metric.key] for sample in floor]
        published, speedup, note = _published_stats(
            metric, ours_values, sides.samples["published"], sides.note
        )
        results.append(
            Result(
                scenario=scenario,
                size=case.size,
                metric=metric,
                ours=Stats.of(ours_values),
                floor=Stats.of(floor_values),
                params=case.params,
                published=published,
                speedup=speedup,
                published_note=note,
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
