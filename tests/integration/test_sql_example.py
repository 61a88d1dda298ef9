"""examples/io_pipeline against the real PostgreSQL: from run.py, from the CLI, and via S3.

Expected rows are computed here from readings.csv and the conversion's equations.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import os
from pathlib import Path
import shutil
import subprocess
import sys
import typing as _t

import pytest

from tests.integration.sql_fixtures import (
    Database,
    postgres_fixture,  # noqa: F401 - the `postgres` fixture
)


ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "io_pipeline"
PLUGBOARD = str(Path(sys.executable).with_name("plugboard"))
COLUMNS = "measured_at, equipment, temp_k, pressure_bar, flow_m3h, alarm"


def expected() -> list[tuple[_t.Any, ...]]:
    rows = []
    with (EXAMPLE / "readings.csv").open(newline="") as file:
        for record in csv.DictReader(file):
            temp_c = float(record["temp_c"])
            pressure = record["pressure_kpa"]
            rows.append(
                (
                    dt.datetime.fromisoformat(record["ts"]),
                    record["sensor"],
                    round(temp_c + 273.15, 2),
                    round(float(pressure) / 100, 4) if pressure else None,
                    round(float(record["flow_lpm"]) * 0.06, 4),
                    temp_c > 90,
                )
            )
    return rows


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the example, so that its outputs land in the test's folder."""
    folder = tmp_path / "io_pipeline"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__", "*.parquet"))
    return folder


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


async def table_rows(postgres: Database, table: str) -> list[tuple[_t.Any, ...]]:
    return await postgres.fetch(f"SELECT {COLUMNS} FROM {table} ORDER BY measured_at")


def parquet_rows(path: Path) -> list[tuple[_t.Any, ...]]:
    import pyarrow.parquet as pq

    return [tuple(row.values()) for row in pq.read_table(path).to_pylist()]


async def test_run_py_writes_the_converted_rows_to_postgres_and_parquet(
    postgres: Database, example: Path
) -> None:
    table = postgres.table("example")
    result = run(sys.executable, "run.py", "--db", postgres.url, "--table", table, cwd=example)
    assert f"io-pipeline: completed; 240 rows from {example / 'readings.csv'}" in result.stdout
    rows = expected()
    assert len(rows) == 240 and any(row[5] for row in rows) and any(row[3] is None for row in rows)
    assert await table_rows(postgres, table) == rows
    assert parquet_rows(example / "readings.parquet") == rows
    types = dict(
        await postgres.fetch(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = :t",
            {"t": table},
        )
    )
    assert types == {
        "measured_at": "timestamp without time zone",
        "equipment": "text",
        "temp_k": "double precision",
        "pressure_bar": "double precision",
        "flow_m3h": "double precision",
        "alarm": "boolean",
    }


async def test_the_yaml_model_runs_from_the_cli_with_the_table_and_url_as_parameters(
    postgres: Database, example: Path
) -> None:
    table = postgres.table("example")
    run(
        PLUGBOARD,
        "process",
        "run",
        str(example / "model.yaml"),
        "-p",
        f"component.database.arg.connection_string={postgres.url}",
        "-p",
        f"component.database.arg.table={table}",
        cwd=example.parent,  # relative paths in the YAML resolve beside it, not here
    )
    rows = expected()
    assert await table_rows(postgres, table) == rows
    assert parquet_rows(example / "readings.parquet") == rows


async def test_run_py_reads_the_csv_from_s3(postgres: Database, example: Path) -> None:
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("s3fs") is None:
        from tests.services import missing

        missing("moto[server] and s3fs are needed for the S3 variant")
    table = postgres.table("example")
    result = run(
        sys.executable, "run.py", "--db", postgres.url, "--table", table, "--s3", cwd=example
    )
    assert "240 rows from s3://plugboard-example/readings.csv" in result.stdout
    rows = expected()
    assert await table_rows(postgres, table) == rows
    assert parquet_rows(example / "readings.parquet") == rows
