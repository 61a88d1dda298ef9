"""SQL components under PrefectProcess when their PostgreSQL connection is killed mid-run.

A `KillAt` component in the chain terminates the reader's or writer's backend (found by its
`application_name`, `plugboard-<component name>`) when row 1,000 of 2,000 passes, before
passing that row on. Links hold at most 16 messages, so the component under test is then
close enough behind (or ahead) that its next chunk certainly meets the dead connection.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import typing as _t

import pytest

from plugboard.exceptions import ProcessError
from plugboard.library import SQLReader, SQLWriter
from tests.integration.sql_fixtures import (
    Database,
    Emit,
    Gather,
    KillAt,
    database_fixture,  # noqa: F401 - the `database` fixture
    postgres_fixture,  # noqa: F401 - the `postgres` fixture
    wire,
)
from tests.prefect.helpers import flow_run_named, logs_of, task_runs_of, unique


if _t.TYPE_CHECKING:
    from plugboard_prefect import PrefectProcess

pytestmark = pytest.mark.usefixtures("prefect_api")

ROWS = 2000
KILL_AT = 1000
SECRET = "Fault-S3cret-pw"  # trust auth ignores it; it must still never be shown
BUFFER = 16


def with_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=SECRET).render_as_string(hide_password=False)


def masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def writer_process(
    postgres: Database, table: str, writer_name: str, flow_name: str, retries: int
) -> tuple[PrefectProcess, SQLWriter]:
    from plugboard_prefect import PrefectProcess

    url = with_password(postgres.url)
    writer = SQLWriter(
        name=writer_name,
        connection_string=url,
        table=table,
        field_names=["n", "label"],
        chunk_size=100,
    )
    process = PrefectProcess(
        name=flow_name,
        components=[
            Emit(
                name="emit", rows=[(i, f"row {i}") for i in range(ROWS)], field_names=["n", "label"]
            ),
            KillAt(
                name="killer",
                url=postgres.url,
                application_name=f"plugboard-{writer_name}",
                at=KILL_AT,
            ),
            writer,
        ],
        connectors=[
            *wire("emit", "killer", ["n", "label"], buffer_size=BUFFER),
            *wire("killer", writer_name, ["k", "l"], ["n", "label"], buffer_size=BUFFER),
        ],
        task_options={writer_name: {"retries": retries, "retry_delay_seconds": 0}}
        if retries
        else None,
    )
    return process, writer


async def test_writer_retries_after_its_connection_is_killed_without_duplicates(
    postgres: Database,
) -> None:
    KillAt.killed.clear()
    table = postgres.table("fault_w")
    # No primary key: a chunk written twice would show as extra rows.
    await postgres.execute(f"CREATE TABLE {table} (n BIGINT NOT NULL, label TEXT)")
    writer_name = unique("writer")
    flow_name = unique("sql-writer-fault")
    process, writer = writer_process(postgres, table, writer_name, flow_name, retries=2)
    async with process:
        await asyncio.wait_for(process.run(), 120)

    assert KillAt.killed == [[True]]  # exactly the writer's one connection was terminated
    assert (await postgres.fetch(f"SELECT COUNT(*), COUNT(DISTINCT n), SUM(n) FROM {table}"))[
        0
    ] == (
        ROWS,
        ROWS,
        sum(range(ROWS)),
    )
    assert writer.rows_written == ROWS
    tasks = await task_runs_of(await flow_run_named(flow_name))
    run = tasks[writer_name]
    assert run.run_count == 2
    assert run.state is not None and run.state.is_completed()
    logs = await logs_of(run)
    assert any(f"retrying {writer_name} after SQLError" in line for line in logs)
    assert not any(SECRET in line for line in logs)


async def test_reader_resumes_after_its_connection_is_killed_with_each_row_once(
    postgres: Database,
) -> None:
    from plugboard_prefect import PrefectProcess

    KillAt.killed.clear()
    table = postgres.table("fault_r")
    await postgres.execute(
        f"CREATE TABLE {table} (n BIGINT PRIMARY KEY, label TEXT)",
        f"INSERT INTO {table} SELECT i, 'row ' || i FROM generate_series(0, {ROWS - 1}) AS i",
    )
    reader_name = unique("reader")
    flow_name = unique("sql-reader-fault")
    reader = SQLReader(
        name=reader_name,
        connection_string=with_password(postgres.url),
        query=f"SELECT n, label FROM {table} ORDER BY n",
        field_names=["n", "label"],
        chunk_size=100,
    )
    process = PrefectProcess(
        name=flow_name,
        components=[
            reader,
            KillAt(
                name="killer",
                url=postgres.url,
                application_name=f"plugboard-{reader_name}",
                at=KILL_AT,
            ),
            Gather(name="sink", field_names=["n", "label"]),
        ],
        connectors=[
            *wire(reader_name, "killer", ["n", "label"], buffer_size=BUFFER),
            *wire("killer", "sink", ["k", "l"], ["n", "label"], buffer_size=BUFFER),
        ],
        task_options={reader_name: {"retries": 2, "retry_delay_seconds": 0}},
    )
    async with process:
        await asyncio.wait_for(process.run(), 120)

    assert KillAt.killed == [[True]]
    assert Gather.rows["sink"] == [(i, f"row {i}") for i in range(ROWS)]
    assert reader.rows_read == ROWS
    tasks = await task_runs_of(await flow_run_named(flow_name))
    run = tasks[reader_name]
    assert run.run_count == 2
    assert run.state is not None and run.state.is_completed()
    assert not any(SECRET in line for line in await logs_of(run))


async def test_without_retries_the_run_fails_naming_the_writer_the_url_and_the_rows_written(
    postgres: Database,
) -> None:
    KillAt.killed.clear()
    table = postgres.table("fault_c")
    await postgres.execute(f"CREATE TABLE {table} (n BIGINT NOT NULL, label TEXT)")
    writer_name = unique("writer")
    flow_name = unique("sql-writer-fails")
    process, writer = writer_process(postgres, table, writer_name, flow_name, retries=0)
    with pytest.raises(ProcessError) as caught:
        async with process:
            await asyncio.wait_for(process.run(), 120)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        f"component '{writer_name}' failed: SQLError: SQLWriter '{writer_name}' could not write"
        f" 100 rows to table '{table}' in {masked(with_password(postgres.url))}"
        f" ({KILL_AT - 100} rows written before): "
    ), message
    assert "***" in message and SECRET not in message
    # destroy() still wrote the chunk that failed, on a new connection: nothing accepted is lost.
    assert writer.rows_written == KILL_AT
    assert (await postgres.fetch(f"SELECT COUNT(*), COUNT(DISTINCT n) FROM {table}"))[0] == (
        KILL_AT,
        KILL_AT,
    )
    flow_run = await flow_run_named(flow_name)
    assert flow_run.state is not None and flow_run.state.is_failed()
    run = (await task_runs_of(flow_run))[writer_name]
    assert run.run_count == 1
    assert run.state is not None and run.state.is_failed()
    assert SECRET not in (run.state.message or "")
    assert not any(SECRET in line for line in await logs_of(run))


# -- the same recovery on every database, with the connection dropped from the client side ------


class DroppingReader(SQLReader):
    """Loses its cursor once, just before fetching the chunk after `drop_after` rows."""

    def __init__(self, drop_after: int, **kwargs: _t.Any) -> None:
        super().__init__(**kwargs)
        self._drop_after = drop_after
        self.dropped = 0

    async def _fetch(self, size: int) -> _t.Sequence[_t.Any]:
        if self.rows_read == self._drop_after and not self.dropped and self._result is not None:
            self.dropped += 1
            await self._result.close()  # the next fetch fails
        return await super()._fetch(size)


class DroppingWriter(SQLWriter):
    """Loses its connection once, inside the transaction of the chunk after `drop_after` rows."""

    def __init__(self, drop_after: int, **kwargs: _t.Any) -> None:
        super().__init__(**kwargs)
        self._drop_after = drop_after
        self.dropped = 0

    async def _drop(self, conn: _t.Any) -> None:
        if self.rows_written == self._drop_after and not self.dropped:
            self.dropped += 1
            await conn.invalidate()  # the write fails

    async def _copy_rows(self, conn: _t.Any, rows: list[tuple[_t.Any, ...]]) -> None:
        await self._drop(conn)
        await super()._copy_rows(conn, rows)

    async def _insert_rows(
        self, conn: _t.Any, target: _t.Any, rows: list[tuple[_t.Any, ...]]
    ) -> None:
        await self._drop(conn)
        await super()._insert_rows(conn, target, rows)


async def test_reader_and_writer_recover_on_every_database(
    database: Database, tmp_path: Path
) -> None:
    from plugboard_prefect import PrefectProcess

    # SQLite locks the whole file: a streaming reader would block a writer to the same file.
    out = database if database.kind != "sqlite" else Database("sqlite", f"{database.url}.out")
    source, target = database.table("src"), out.table("dst")
    rows = [(i, f"row {i}") for i in range(ROWS)]
    await database.execute(f"CREATE TABLE {source} (n BIGINT PRIMARY KEY, label VARCHAR(20))")
    await out.execute(f"CREATE TABLE {target} (n BIGINT NOT NULL, label VARCHAR(20))")
    await database.execute(
        f"INSERT INTO {source} (n, label) VALUES (:n, :label)",
        params_list=[{"n": n, "label": label} for n, label in rows],
    )
    reader = DroppingReader(
        name="reader",
        drop_after=KILL_AT,
        connection_string=database.url,
        query=f"SELECT n, label FROM {source} ORDER BY n",
        field_names=["n", "label"],
        chunk_size=100,
    )
    writer = DroppingWriter(
        name="writer",
        drop_after=KILL_AT,
        connection_string=out.url,
        table=target,
        field_names=["n", "label"],
        chunk_size=100,
    )
    flow_name = unique(f"sql-recover-{database.kind}")
    process = PrefectProcess(
        name=flow_name,
        components=[reader, writer],
        connectors=wire("reader", "writer", ["n", "label"], buffer_size=BUFFER),
        task_options={
            "reader": {"retries": 1, "retry_delay_seconds": 0},
            "writer": {"retries": 1, "retry_delay_seconds": 0},
        },
    )
    async with process:
        await asyncio.wait_for(process.run(), 120)

    assert (reader.dropped, writer.dropped) == (1, 1)
    assert sorted(await out.fetch(f"SELECT n, label FROM {target}")) == rows
    tasks = await task_runs_of(await flow_run_named(flow_name))
    assert tasks["reader"].run_count == 2 and tasks["writer"].run_count == 2
