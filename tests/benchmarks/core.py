"""The vocabulary of the suite: options, targets, metrics, cases and scenarios."""

from __future__ import annotations

from collections.abc import Callable, Mapping
import contextlib
from dataclasses import dataclass, field
import typing as _t


Sample = dict[str, float]
"""One round's measurements: metric key -> value."""

Runner = Callable[[], Sample]
"""Runs one round of one side (ours, published or floor) and returns its measurements."""

PUBLISHED_SPEEDUP = 10.0
"""How many times faster than the published release every speed metric must be."""


@dataclass(frozen=True)
class Options:
    """How a run of the suite is configured."""

    quick: bool = False
    rounds: int = 5
    warmup: int = 1
    published: bool = True
    """Also measure the published release (`--no-published` turns it off)."""


@dataclass(frozen=True)
class Target:
    """What a metric must achieve: an absolute ceiling, a ceiling on ours/floor, or both."""

    max_value: float | None = None
    max_ratio: float | None = None

    def met(self, value: float, ratio: float | None) -> bool:
        """Whether a median `value` (and its ratio to the floor) meets the target."""
        if self.max_value is not None and value > self.max_value:
            return False
        return not (self.max_ratio is not None and (ratio is None or ratio > self.max_ratio))

    def describe(self, unit: str) -> str:
        """The target as table text, e.g. `<= 5 us, <= 2.5x`."""
        parts = []
        if self.max_value is not None:
            parts.append(f"<= {self.max_value:g} {unit}")
        if self.max_ratio is not None:
            parts.append(f"<= {self.max_ratio:g}x")
        return ", ".join(parts)


@dataclass(frozen=True)
class Metric:
    """One reported quantity of a case; each metric becomes one table row."""

    key: str
    unit: str
    label: str
    target: Target | None = None
    paired_ratio: bool = False
    """Also report ours/floor round by round, as a row of its own (see `runner.run_case`)."""
    higher_is_better: bool = False
    """A rate (rows per second, say) rather than a time: "times faster" inverts the ratio."""
    speed: bool = True
    """A speed metric, held to `PUBLISHED_SPEEDUP` against the published release (memory is not)."""


@dataclass(frozen=True)
class Case:
    """One size of one scenario: its runners measured round by round, interleaved.

    `published` measures the same topology on the published release; it may measure fewer
    messages than ours (the figures are per step, per message or per second). When the release
    cannot run the case, `published` is None and `published_note` says why.
    """

    size: str
    ours: Runner
    floor: Runner
    metrics: tuple[Metric, ...]
    params: Mapping[str, _t.Any] = field(default_factory=dict)
    published: Runner | None = None
    published_note: str | None = None
    published_warmup: bool = False
    """Warm the published side up too (off by default: each of its rounds is a fresh process)."""


CaseFactory = Callable[[Options, contextlib.ExitStack], list[Case]]
"""Builds a scenario's cases; set-up that needs undoing registers its clean-up on the stack."""


@dataclass(frozen=True)
class Scenario:
    """A named family of cases."""

    name: str
    description: str
    cases: CaseFactory


class Skip(Exception):
    """Raised by a scenario's `cases()` when it cannot run here (a missing optional extra)."""


def expect(what: str, got: int, want: int) -> None:
    """Fails the round if a model did not do all its work (a benchmark of a broken run lies)."""
    if got != want:
        raise RuntimeError(f"{what}: expected {want}, got {got}")
