"""`python -m tests.benchmarks`: runs the suite, prints a Markdown table, writes JSON."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import contextlib
from datetime import UTC, datetime
from pathlib import Path
import sys
import time
import traceback

from tests.benchmarks import published_env
from tests.benchmarks.core import PUBLISHED_SPEEDUP, Options, Scenario, Skip
from tests.benchmarks.machine import describe, load_average, machine_info
from tests.benchmarks.registry import load_scenarios
from tests.benchmarks.report import Item, markdown_table, write_json
from tests.benchmarks.runner import Failure, Skipped, run_case


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _parse(argv: Sequence[str] | None, names: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description=(
            "Benchmarks plugboard against the published release and a plain-asyncio floor"
            " of the same topology."
        ),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer messages and 3 rounds (about 2 minutes, most of it Prefect)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("benchmark-results.json"),
        metavar="PATH",
        help="where to write the results (default: benchmark-results.json)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run only these scenarios (repeat or comma-separate): {', '.join(names)}",
    )
    parser.add_argument(
        "--rounds", type=int, default=None, help="measured rounds per case (default 5; 3 quick)"
    )
    parser.add_argument(
        "--no-published",
        action="store_true",
        help=f"do not measure the published plugboard {published_env.VERSION} (no venv needed)",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)
    selected = [name.strip() for value in args.only for name in value.split(",") if name.strip()]
    unknown = sorted(set(selected) - set(names))
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    args.only = selected
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def _run_scenario(scenario: Scenario, options: Options) -> list[Item]:
    results: list[Item] = []
    _log(f"{scenario.name}: {scenario.description}")
    with contextlib.ExitStack() as stack:
        try:
            cases = scenario.cases(options, stack)
        except Skip as skip:
            _log(f"  skipped: {skip}")
            return [Skipped(scenario.name, str(skip))]
        except Exception:
            _log(traceback.format_exc())
            return [Failure(scenario.name, "-", traceback.format_exc(limit=0).strip())]
        for case in cases:
            try:
                results.extend(run_case(scenario.name, case, options, _log))
            except Exception:
                _log(traceback.format_exc())
                results.append(
                    Failure(scenario.name, case.size, traceback.format_exc(limit=0).strip())
                )
    return results


def _published_line(info: dict[str, object]) -> str:
    version = info.get("version")
    if "error" in info:
        return f"Published plugboard {version}: {info['error']}"
    if not info.get("measured", True):
        return f"Published plugboard {version}: not measured"
    install = info.get("install_s")
    when = "this run" if info.get("installed_this_run") else "an earlier run (venv reused)"
    took = f"{install:.1f} s" if isinstance(install, float) else "unknown time"
    return (
        f"Published plugboard {version}: own venv {info.get('venv')}, installed in {took}"
        f" ({when}); target: ours >= {PUBLISHED_SPEEDUP:g}x faster on every speed metric"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the selected scenarios; returns 1 if any of them failed to run, else 0."""
    scenarios = load_scenarios()
    args = _parse(argv, list(scenarios))
    if args.list:
        for scenario in scenarios.values():
            print(f"{scenario.name}: {scenario.description}")
        return 0
    rounds = args.rounds if args.rounds is not None else (3 if args.quick else 5)
    options = Options(quick=args.quick, rounds=rounds, published=not args.no_published)
    selected = [scenarios[name] for name in args.only] if args.only else list(scenarios.values())
    machine = machine_info()
    started = datetime.now(UTC)
    clock = time.perf_counter()
    results: list[Item] = []
    for scenario in selected:
        results.extend(_run_scenario(scenario, options))
    duration = time.perf_counter() - clock
    table = markdown_table(results)
    mode = "quick" if options.quick else "full"
    published = published_env.shared_info()
    print(f"Machine: {describe(machine)}")
    print(f"Run: {mode}, {options.rounds} rounds per case, {duration:.0f} s in all")
    print(_published_line(published) + "\n")
    print(table)
    write_json(
        args.json,
        results,
        machine,
        {
            "started_at": started.isoformat(),
            "duration_s": duration,
            "load_average_at_end": load_average(),
            "quick": options.quick,
            "rounds": options.rounds,
            "warmup": options.warmup,
            "scenarios": [scenario.name for scenario in selected],
            "published": published,
            "published_speedup_target": PUBLISHED_SPEEDUP,
            "table": table,
        },
    )
    _log(f"results written to {args.json}")
    return 1 if any(isinstance(item, Failure) for item in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
