"""Presents results: a Markdown table for people, a JSON file for tools."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import json
from pathlib import Path
import typing as _t

from tests.benchmarks.runner import Failure, Result, Skipped


_HEADER = (
    "| Scenario | Size | Metric | Ours median (min-max) | Published 0.9.0 median (min-max)"
    " | Floor median | Ours / floor | Times faster than published, per round (min-max)"
    " | Target | Result | >= 10x published |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
)


def _number(value: float) -> str:
    magnitude = abs(value)
    if 0 < magnitude < 0.1:
        return f"{value:.2g}"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _paired_row(result: Result) -> str:
    ratios = result.ours
    cells = [
        result.scenario,
        result.size,
        result.metric.label,
        f"**{ratios.median:.2f}x** ({ratios.min:.2f}-{ratios.max:.2f})",
        "-",
        "-",
        f"{ratios.median:.2f}x",
        "-",
        "-",
        "-",
        "-",
    ]
    return "| " + " | ".join(cells) + " |"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _published_cells(result: Result, repeat: bool = False) -> tuple[str, str]:
    unit = result.metric.unit
    theirs = result.published
    if theirs is None:
        if not result.published_note:
            return "-", "-"
        # The reason once per case; the case's other rows point up to it.
        return ("(as above)" if repeat else _escape(result.published_note)), "-"
    published = f"{_number(theirs.median)} {unit} ({_number(theirs.min)}-{_number(theirs.max)})"
    speedup = result.speedup
    if speedup is None:
        return published, "-"
    return published, f"{_number(speedup.median)}x ({_number(speedup.min)}-{_number(speedup.max)})"


def _row(result: Result, repeat: bool = False) -> str:
    if result.paired:
        return _paired_row(result)
    unit = result.metric.unit
    ours = result.ours
    ratio = result.ratio
    target = result.metric.target
    published, speedup = _published_cells(result, repeat)
    versus = result.published_status
    cells = [
        result.scenario,
        result.size,
        result.metric.label,
        f"{_number(ours.median)} {unit} ({_number(ours.min)}-{_number(ours.max)})",
        published,
        f"{_number(result.floor.median)} {unit}",
        "-" if ratio is None else f"{ratio:.2f}x",
        speedup,
        "-" if target is None else target.describe(unit),
        f"**{result.status}**" if result.status == "MISS" else result.status,
        f"**{versus}**" if versus == "MISS" else versus,
    ]
    return "| " + " | ".join(cells) + " |"


def _failure_row(failure: Failure) -> str:
    error = failure.error.replace("|", "\\|").splitlines()[0] if failure.error else "?"
    return f"| {failure.scenario} | {failure.size} | error | {error} | - | - | - | - | - | **ERROR** | - |"


def _skipped_row(skipped: Skipped) -> str:
    reason = skipped.reason.replace("|", "\\|")
    return f"| {skipped.scenario} | - | skipped | {reason} | - | - | - | - | - | SKIP | - |"


Item = Result | Failure | Skipped


def markdown_table(results: Sequence[Item]) -> str:
    """The results as a Markdown table, one row per metric."""
    lines = list(_HEADER)
    noted: set[tuple[str, str, str | None]] = set()
    for item in results:
        if isinstance(item, Result):
            key = (item.scenario, item.size, item.published_note)
            lines.append(_row(item, repeat=key in noted))
            noted.add(key)
        elif isinstance(item, Skipped):
            lines.append(_skipped_row(item))
        else:
            lines.append(_failure_row(item))
    return "\n".join(lines)


def write_json(
    path: Path,
    results: Sequence[Item],
    machine: Mapping[str, _t.Any],
    run: Mapping[str, _t.Any],
) -> None:
    """Writes the machine, the run's settings and every result (with raw samples) as JSON."""
    data = {
        "machine": dict(machine),
        "run": dict(run),
        "results": [item.to_json() for item in results if isinstance(item, Result)],
        "failures": [item.to_json() for item in results if isinstance(item, Failure)],
        "skipped": [item.to_json() for item in results if isinstance(item, Skipped)],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
