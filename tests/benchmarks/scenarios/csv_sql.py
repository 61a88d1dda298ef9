"""SQL: CSV -> five-field pass-through -> a PostgreSQL table, with FileReader and SQLWriter.

PostgreSQL at 127.0.0.1:5432 (trust authentication, user `postgres`, database `test`); every
run writes a fresh table with a unique name, whose row count is checked and which is dropped
afterwards. Ours and the floor run in fresh child processes (`_io_child`); the published release
runs its own FileReader/SQLWriter on a shorter CSV, with chunks of 5,000 rows (its SQLWriter
sends one multi-row INSERT a chunk, and PostgreSQL takes at most 32,767 parameters).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from tests.benchmarks import published_env
from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, Skip, expect
from tests.benchmarks.scenarios._io_data import POSTGRES_URL, Tables, csv_file
from tests.benchmarks.scenarios._subprocess import run_module


CHILD = "tests.benchmarks.scenarios._io_child"
ROWS = 200_000
ROWS_QUICK = 50_000
PUBLISHED_ROWS = 20_000
PUBLISHED_ROWS_QUICK = 5_000
PUBLISHED_CHUNK = 5_000

METRICS = (
    Metric("rows_per_s", "rows/s", "rows per second (higher is better)", higher_is_better=True),
    Metric("us_per_row", "us", "per row (read, pass through, insert)"),
    Metric("peak_rss_mb", "MB", "peak RSS of the process", speed=False),
)


def measure(side: str, tables: Tables, source: Path, rows: int) -> Sample:
    """Runs ours or the floor in a fresh interpreter, into a fresh table."""
    table = tables.new(side)
    try:
        sample = run_module(CHILD, [side, "sql", str(source), str(rows), tables.url, table])
        expect(f"{side} rows in {table}", tables.count(table), rows)
    finally:
        tables.drop(table)
    return sample


def published(env: published_env.PublishedEnv, tables: Tables, source: Path, rows: int) -> Sample:
    """The published release's FileReader -> pass-through -> SQLWriter, in its own venv."""
    table = tables.new("published")
    try:
        sample = published_env.run(
            env,
            "csv_sql",
            [str(source), tables.url, table, str(rows), str(PUBLISHED_CHUNK)],
            timeout_s=600.0,
        )
        expect(f"published rows in {table}", tables.count(table), rows)
    finally:
        tables.drop(table)
    seconds = sample["run_s"]
    return {
        "run_s": seconds,
        "rows_per_s": rows / seconds,
        "us_per_row": seconds * 1e6 / rows,
        "peak_rss_mb": sample["peak_rss_mb"],
    }


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    tables = stack.enter_context(Tables(POSTGRES_URL).session())
    problem = tables.check()
    if problem is not None:
        raise Skip(problem)
    rows = ROWS_QUICK if options.quick else ROWS
    published_rows = PUBLISHED_ROWS_QUICK if options.quick else PUBLISHED_ROWS
    source = csv_file(rows)
    published_source = csv_file(published_rows)
    env, note = published_env.shared(options)
    return [
        Case(
            size=f"{rows:,} rows x 5 columns",
            ours=lambda: measure("ours", tables, source, rows),
            floor=lambda: measure("floor", tables, source, rows),
            published=(
                None
                if env is None
                else (lambda: published(env, tables, published_source, published_rows))
            ),
            published_note=note,
            metrics=METRICS,
            params={
                "rows": rows,
                "database": "PostgreSQL at 127.0.0.1:5432, database test",
                "published_rows": published_rows if env is not None else None,
                "published_chunk_size": PUBLISHED_CHUNK,
            },
        )
    ]


SCENARIO = Scenario(
    name="csv_sql",
    description="CSV -> pass-through -> PostgreSQL (FileReader/SQLWriter); rows/s, peak RSS",
    cases=_cases,
)
