"""The trace on real stores: S3 (the moto emulator), PostgreSQL and SQLite tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugboard.exceptions import ProcessError
from plugboard.trace import Trace, TraceError, load
from tests.integration.conftest import Store
from tests.integration.sql_fixtures import (
    Database,
    database_fixture,  # noqa: F401 - the `database` fixture
    postgres_fixture,  # noqa: F401 - the `postgres` fixture
)
from tests.unit.test_trace import VALUES, Integrator, model, rows_of, run


pytest.importorskip("pandas")


def expected_totals() -> list[float]:
    totals, total = [], 0.0
    for value in VALUES:
        total += value * 2.0
        totals.append(total)
    return totals


def check_integrator(frame: object, integrator: Integrator) -> None:
    rows = rows_of(frame, "integrator")
    assert rows.step.tolist() == list(range(len(VALUES)))
    assert list(zip(rows["inputs.n"], rows["inputs.gain"], strict=True)) == integrator.seen
    assert rows["outputs.total"].tolist() == expected_totals()
    assert rows["state.calls"].tolist() == list(range(1, len(VALUES) + 1))


@pytest.mark.parametrize("name", ["run.parquet", "run.jsonl"])
async def test_trace_to_s3(name: str, s3: Store) -> None:
    url = s3.url(f"traces/{name}")
    trace = Trace(url, storage_options=s3.storage_options, batch_size=5)
    process = model(trace)
    await run(process)
    integrator = process.components["integrator"]
    assert isinstance(integrator, Integrator)
    frame = load(url, storage_options=s3.storage_options)
    assert len(frame) == 4 * len(VALUES)
    check_integrator(frame, integrator)
    assert s3.filesystem().exists(url)


async def test_failed_run_trace_reaches_s3(s3: Store) -> None:
    url = s3.url("failed.jsonl")
    process = model(Trace(url, storage_options=s3.storage_options), fail_at=2)
    with pytest.raises(ProcessError):
        await run(process)
    with s3.filesystem().open(url, "rb") as file:
        lines = [json.loads(line) for line in file.read().decode().splitlines()]
    rows = [line for line in lines if line["component"] == "integrator"]
    assert [row["step"] for row in rows] == [0, 1, 2]
    assert rows[2]["error"] == "RuntimeError: boom at 0.25"
    assert rows[2]["outputs"] is None
    assert rows[2]["inputs"] == {"n": 0.25, "gain": 2.0}


async def test_trace_to_a_missing_bucket_fails_at_init(s3: Store) -> None:
    url = "s3://no-such-bucket-here/run.parquet"
    process = model(Trace(url, storage_options=s3.storage_options))
    with pytest.raises(TraceError, match="no bucket or container 'no-such-bucket-here'"):
        await run(process)
    assert s3.storage_options["secret"] not in repr(process.trace)


async def test_trace_to_a_sqlite_table(tmp_path: Path) -> None:
    await check_table(Database("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'trace.db'}"))


async def test_trace_to_a_postgres_table(postgres: Database) -> None:
    await check_table(postgres)


async def check_table(db: Database) -> None:
    table = db.table("trace")
    trace = Trace(url=db.url, table=table, batch_size=4)
    process = model(trace)
    await run(process)
    integrator = process.components["integrator"]
    assert isinstance(integrator, Integrator)
    count = await db.fetch(f"SELECT count(*) FROM {table}")
    assert count[0][0] == 4 * len(VALUES)
    stored = await db.fetch(
        f"SELECT step, inputs, outputs, state, error FROM {table}"
        " WHERE component = 'integrator' ORDER BY step"
    )
    assert [row[0] for row in stored] == list(range(len(VALUES)))
    assert [json.loads(row[1]) for row in stored] == [
        {"n": n, "gain": g} for n, g in integrator.seen
    ]
    assert [json.loads(row[2])["total"] for row in stored] == expected_totals()
    assert all(row[4] is None for row in stored)
    frame = load(db.url, table=table)
    check_integrator(frame, integrator)
    assert str(frame.time.dt.tz) == "UTC"

    # A second run appends to the same table under its own job id.
    await run(model(Trace(url=db.url, table=table)))
    jobs = await db.fetch(f"SELECT DISTINCT job_id FROM {table}")
    assert len(jobs) == 2


async def test_failed_run_trace_in_postgres(postgres: Database) -> None:
    table = postgres.table("failed")
    process = model(Trace(url=postgres.url, table=table), fail_at=4)
    with pytest.raises(ProcessError):
        await run(process)
    stored = await postgres.fetch(
        f"SELECT step, error, outputs FROM {table} WHERE component = 'integrator' ORDER BY step"
    )
    assert [row[0] for row in stored] == [0, 1, 2, 3, 4]
    assert stored[4][1] == "RuntimeError: boom at 3.0"
    assert stored[4][2] is None


async def test_unreachable_database_fails_at_init_without_the_password() -> None:
    secret = "Sup3r-S3cret-pw"
    process = model(Trace(url=f"postgresql+asyncpg://postgres:{secret}@127.0.0.1:1/test"))
    with pytest.raises(TraceError, match="trace: cannot connect to") as info:
        await run(process)
    assert secret not in str(info.value)
