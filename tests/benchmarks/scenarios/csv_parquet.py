"""Files: CSV -> five-field pass-through -> Parquet, with the library's FileReader/FileWriter.

Ours and the floor run in fresh child processes (`_io_child`) so that each reports its own
peak memory; the published release runs its own FileReader/FileWriter on a shorter CSV (it
manages about 2,000 rows a second), and rows per second compare across the sizes.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
import tempfile

from tests.benchmarks import published_env
from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario
from tests.benchmarks.scenarios._io_data import csv_file
from tests.benchmarks.scenarios._subprocess import run_module


CHILD = "tests.benchmarks.scenarios._io_child"
ROWS = 1_000_000
ROWS_QUICK = 100_000
PUBLISHED_ROWS = 20_000
PUBLISHED_ROWS_QUICK = 5_000
CHUNK = 10_000

METRICS = (
    Metric("rows_per_s", "rows/s", "rows per second (higher is better)", higher_is_better=True),
    Metric("us_per_row", "us", "per row (read, pass through, write)"),
    Metric("peak_rss_mb", "MB", "peak RSS of the process", speed=False),
)


def measure(side: str, source: Path, rows: int, folder: Path) -> Sample:
    """Runs ours or the floor in a fresh interpreter."""
    target = folder / f"{side}.parquet"
    target.unlink(missing_ok=True)
    return run_module(CHILD, [side, "parquet", str(source), str(rows), str(target)])


def published(env: published_env.PublishedEnv, source: Path, rows: int, folder: Path) -> Sample:
    """The published release's FileReader -> pass-through -> FileWriter, in its own venv."""
    target = folder / "published.parquet"
    target.unlink(missing_ok=True)
    sample = published_env.run(
        env, "csv_parquet", [str(source), str(target), str(rows), str(CHUNK)], timeout_s=600.0
    )
    seconds = sample["run_s"]
    return {
        "run_s": seconds,
        "rows_per_s": rows / seconds,
        "us_per_row": seconds * 1e6 / rows,
        "peak_rss_mb": sample["peak_rss_mb"],
    }


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    rows = ROWS_QUICK if options.quick else ROWS
    published_rows = PUBLISHED_ROWS_QUICK if options.quick else PUBLISHED_ROWS
    source = csv_file(rows)
    published_source = csv_file(published_rows)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plugboard-bench-")))
    env, note = published_env.shared(options)
    return [
        Case(
            size=f"{rows:,} rows x 5 columns",
            ours=lambda: measure("ours", source, rows, folder),
            floor=lambda: measure("floor", source, rows, folder),
            published=(
                None
                if env is None
                else (lambda: published(env, published_source, published_rows, folder))
            ),
            published_note=note,
            metrics=METRICS,
            params={
                "rows": rows,
                "csv_mb": round(source.stat().st_size / 1e6, 1),
                "published_rows": published_rows if env is not None else None,
                "published_note": "the published FileWriter writes Parquet in one piece at the end",
            },
        )
    ]


SCENARIO = Scenario(
    name="csv_parquet",
    description="CSV -> pass-through -> Parquet (FileReader/FileWriter); rows/s, peak RSS",
    cases=_cases,
)
