"""Presents results: a Markdown table for people, a JSON file for tools."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import json
from pathlib import Path
import typing as _t

from tests.benchmarks.runner import Failure, Result, Skipped


_HEADER = (
    "| Scenario | Size | Metric | Ours median (min-max) | Floor median | Ratio | Target | Result |",
    "|---|---|---|---|---|---|---|---|",
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
        f"{ratios.median:.2f}x",
        "-",
        "-",
    ]
    return "| " + " | ".join(cells) + " |"


def _row(result: Result) -> str:
    if result.paired:
        return _paired_row(result)
    unit = result.metric.unit
    ours = result.ours
    ratio = result.ratio
    target = result.metric.target
    cells = [
        result.scenario,
        result.size,
        result.metric.label,
        f"{_number(ours.median)} {unit} ({_number(ours.min)}-{_number(ours.max)})",
        f"{_number(result.floor.median)} {unit}",
        "-" if ratio is None else f"{ratio:.2f}x",
        "-" if target is None else target.describe(unit),
        f"**{result.status}**" if result.status == "MISS" else result.status,
    ]
    return "| " + " | ".join(cells) + " |"


def _failure_row(failure: Failure) -> str:
    error = failure.error.replace("|", "\\|").splitlines()[0] if failure.error else "?"
    return f"| {failure.scenario} | {failure.size} | error | {error} | - | - | - | **ERROR** |"


def _skipped_row(skipped: Skipped) -> str:
    reason = skipped.reason.replace("|", "\\|")
    return f"| {skipped.scenario} | - | skipped | {reason} | - | - | - | SKIP |"


Item = Result | Failure | Skipped


def markdown_table(results: Sequence[Item]) -> str:
    """The results as a Markdown table, one row per metric."""
    lines = list(_HEADER)
    for item in results:
        if isinstance(item, Result):
            lines.append(_row(item))
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
