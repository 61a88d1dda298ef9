"""SQLReader and SQLWriter against real PostgreSQL and MariaDB servers and SQLite files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
import subprocess
import sys
import textwrap
import traceback
import typing as _t

import pytest

from plugboard.exceptions import IOSetupError, ProcessError
from plugboard.library import SQLReader, SQLWriter
from plugboard.library.sql import SQLError
from plugboard.process import LocalProcess
from tests.integration.sql_fixtures import (
    Database,
    Emit,
    Gather,
    database_fixture,  # noqa: F401 - the `database` fixture
    open_database,
    postgres_fixture,  # noqa: F401 - the `postgres` fixture
    wire,
)


FIELDS = ["n", "label", "score", "ok", "at"]
SQL_TEXT = "x'); DROP TABLE {table}; --"
SECRET = "Sup3r-S3cret-pw"
PLUGBOARD = str(Path(sys.executable).with_name("plugboard"))


def sample(n: int, table: str = "t") -> list[tuple[_t.Any, ...]]:
    start = dt.datetime(2024, 1, 1, 12, 0, 0)
    return [
        (
            i,
            SQL_TEXT.format(table=table) if i % 5 == 0 else f"row {i}",
            i / 4,
            i % 2 == 0,
            start + dt.timedelta(minutes=i),
        )
        for i in range(n)
    ]


async def write(
    url: str,
    table: str,
    rows: list[tuple[_t.Any, ...]],
    fields: list[str] = FIELDS,
    **kwargs: _t.Any,
) -> SQLWriter:
    writer = SQLWriter(
        name="writer", connection_string=url, table=table, field_names=fields, **kwargs
    )
    process = LocalProcess(
        components=[Emit(name="emit", rows=rows, field_names=fields), writer],
        connectors=wire("emit", "writer", fields),
    )
    async with process:
        await process.run()
    return writer


async def read(
    url: str, query: str, fields: list[str], **kwargs: _t.Any
) -> list[tuple[_t.Any, ...]]:
    reader = SQLReader(
        name="reader", connection_string=url, query=query, field_names=fields, **kwargs
    )
    process = LocalProcess(
        components=[reader, Gather(name="sink", field_names=fields)],
        connectors=wire("reader", "sink", fields),
    )
    async with process:
        await process.run()
    return Gather.rows["sink"]


def normalised(kind: str, row: tuple[_t.Any, ...]) -> tuple[_t.Any, ...]:
    """What a row of `sample()` looks like read back with a plain query on that database."""
    n, label, score, ok, at = row
    if kind == "sqlite":  # no boolean or timestamp types: 0/1 and ISO text
        return (n, label, score, int(ok), at.isoformat(sep=" ") + ".000000")
    if kind == "mysql":  # BOOLEAN is TINYINT(1)
        return (n, label, score, int(ok), at)
    return row


def chain_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))


# -- round trips -------------------------------------------------------------------------------


async def test_write_then_read_round_trip_in_chunks(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = database.table("rt")
    rows = sample(25, table)
    written: list[int] = []
    original_write = SQLWriter._write_chunk

    async def spy_write(self: SQLWriter, chunk: list[tuple[_t.Any, ...]]) -> None:
        written.append(len(chunk))
        await original_write(self, chunk)

    monkeypatch.setattr(SQLWriter, "_write_chunk", spy_write)
    writer = await write(database.url, table, rows, chunk_size=7, create_table=True)
    assert written == [7, 7, 7, 4]
    assert writer.rows_written == 25

    fetched: list[int] = []
    original_read = SQLReader._read_chunk

    async def spy_read(self: SQLReader) -> list[tuple[_t.Any, ...]]:
        chunk = await original_read(self)
        fetched.append(len(chunk))
        return chunk

    monkeypatch.setattr(SQLReader, "_read_chunk", spy_read)
    got = await read(database.url, f"SELECT * FROM {table} ORDER BY n", FIELDS, chunk_size=4)
    assert fetched == [4, 4, 4, 4, 4, 4, 1, 0]
    assert got == [normalised(database.kind, row) for row in rows]
    # The SQL text in the values was stored as text, and the table is still there.
    assert await database.exists(table)
    assert (await database.fetch(f"SELECT label FROM {table} WHERE n = 5"))[0][
        0
    ] == SQL_TEXT.format(table=table)


async def test_writes_to_an_existing_table_and_reads_columns_by_name_or_position(
    database: Database,
) -> None:
    table = database.table("ex")
    await database.execute(
        f"CREATE TABLE {table} (n INTEGER PRIMARY KEY, label VARCHAR(100), note VARCHAR(20) DEFAULT 'n/a')"
    )
    await write(
        database.url, table, [("a", 1), ("b", 2), ("c", 3)], fields=["label", "n"], chunk_size=2
    )
    assert await database.fetch(f"SELECT n, label, note FROM {table} ORDER BY n") == [
        (1, "a", "n/a"),
        (2, "b", "n/a"),
        (3, "c", "n/a"),
    ]
    # By name: extra columns and another order are fine.
    by_name = await read(
        database.url, f"SELECT note, label, n FROM {table} ORDER BY n", ["n", "label"]
    )
    assert by_name == [(1, "a"), (2, "b"), (3, "c")]
    # By position: other names, as many columns as fields.
    by_position = await read(
        database.url, f"SELECT n + 10 AS k, label AS l FROM {table} ORDER BY n", ["n", "label"]
    )
    assert by_position == [(11, "a"), (12, "b"), (13, "c")]


async def test_a_query_whose_columns_fit_no_field_is_a_clear_error(database: Database) -> None:
    table = database.table("cols")
    await write(database.url, table, sample(3), create_table=True)
    with pytest.raises(ProcessError) as caught:
        await read(database.url, f"SELECT n, label, score FROM {table}", ["n", "other"])
    assert "returns 3 columns ['n', 'label', 'score'], but the fields ['n', 'other']" in str(
        caught.value
    )


async def test_query_parameters_are_bound_never_formatted(database: Database) -> None:
    table = database.table("params")
    rows = sample(10, table)
    await write(database.url, table, rows, create_table=True)
    evil = SQL_TEXT.format(table=table)
    got = await read(
        database.url,
        f"SELECT n, label FROM {table} WHERE label = :label AND n >= :low ORDER BY n",
        ["n", "label"],
        params={"label": evil, "low": 1},
    )
    assert got == [(5, evil)]
    # A value that would break out of a formatted query matches nothing and harms nothing.
    nothing = await read(
        database.url,
        f"SELECT n, label FROM {table} WHERE label = :label",
        ["n", "label"],
        params={"label": "' OR '1'='1"},
    )
    assert nothing == []
    assert await database.exists(table)
    assert len(await database.fetch(f"SELECT n FROM {table}")) == 10


@pytest.mark.parametrize(
    "bad",
    [
        "{t}; DROP TABLE {t}",
        "{t} --",
        "{t}(n)",
        '"{t}"',
        "1{t}",
        "a.b.{t}",
        "{t} WHERE 1=1",
        "",
    ],
)
async def test_table_names_that_are_not_identifiers_are_rejected(
    database: Database, bad: str
) -> None:
    table = database.table("victim")
    await database.execute(f"CREATE TABLE {table} (n INTEGER)", f"INSERT INTO {table} VALUES (1)")
    name = bad.format(t=table)
    with pytest.raises(ValueError, match=r"invalid table name .*: use letters, digits and '_'"):
        SQLWriter(name="writer", connection_string=database.url, table=name, field_names=["n"])
    assert await database.fetch(f"SELECT n FROM {table}") == [(1,)]


async def test_column_names_that_are_not_identifiers_are_rejected(database: Database) -> None:
    table = database.table("victim")
    await database.execute(f"CREATE TABLE {table} (n INTEGER)")
    with pytest.raises((ValueError, IOSetupError)):
        SQLWriter(
            name="writer",
            connection_string=database.url,
            table=table,
            field_names=["n", f"n) VALUES (1); DROP TABLE {table}; --"],
        )
    with pytest.raises(ValueError, match="invalid column names"):
        SQLWriter(name="writer", connection_string=database.url, table=table, field_names=["clé"])
    assert await database.exists(table)


async def test_reserved_words_are_quoted_by_the_dialect(database: Database) -> None:
    table = database.table("quoted")
    # `key`, `order` and `select` are reserved words in at least one of the databases.
    rows = [(1, 2, "a"), (3, 4, "b")]
    writer = await write(
        database.url, table, rows, fields=["key", "order", "select"], create_table=True
    )
    assert writer.rows_written == 2
    quote = "`" if database.kind == "mysql" else '"'
    got = await database.fetch(
        f"SELECT {quote}key{quote}, {quote}order{quote}, {quote}select{quote} FROM {table}"
    )
    assert sorted(got) == rows


async def test_schema_qualified_table_names(postgres: Database) -> None:
    table = postgres.table("schema")
    writer = await write(postgres.url, f"public.{table}", sample(5), create_table=True)
    assert writer.rows_written == 5
    assert len(await postgres.fetch(f"SELECT * FROM public.{table}")) == 5


# -- how chunks are written --------------------------------------------------------------------


async def test_postgres_with_asyncpg_writes_chunks_with_copy_others_with_executemany(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, int]] = []
    copy, insert = SQLWriter._copy_rows, SQLWriter._insert_rows

    async def spy_copy(self: SQLWriter, conn: _t.Any, rows: list[tuple[_t.Any, ...]]) -> None:
        calls.append(("copy", len(rows)))
        await copy(self, conn, rows)

    async def spy_insert(
        self: SQLWriter, conn: _t.Any, target: _t.Any, rows: list[tuple[_t.Any, ...]]
    ) -> None:
        calls.append(("insert", len(rows)))
        await insert(self, conn, target, rows)

    monkeypatch.setattr(SQLWriter, "_copy_rows", spy_copy)
    monkeypatch.setattr(SQLWriter, "_insert_rows", spy_insert)
    table = database.table("method")
    await write(database.url, table, sample(250), chunk_size=100, create_table=True)
    method = "copy" if database.kind == "postgresql" else "insert"
    assert calls == [(method, 100), (method, 100), (method, 50)]
    assert (await database.fetch(f"SELECT COUNT(*), COUNT(DISTINCT n), SUM(n) FROM {table}"))[
        0
    ] == (
        250,
        250,
        sum(range(250)),
    )


async def test_a_failed_chunk_leaves_nothing_behind(database: Database) -> None:
    table = database.table("atomic")
    await database.execute(f"CREATE TABLE {table} (n INTEGER PRIMARY KEY, label VARCHAR(20))")
    await database.execute(f"INSERT INTO {table} VALUES (7, 'taken')")
    rows = [(i, f"r{i}") for i in range(10)]  # the second chunk holds n 7: a conflict
    with pytest.raises(ProcessError) as caught:
        await write(database.url, table, rows, fields=["n", "label"], chunk_size=5)
    message = str(caught.value)
    assert f"could not write 5 rows to table '{table}'" in message
    assert "(5 rows written before)" in message
    # The first chunk committed; the failing one (tried again at destroy) left no rows.
    assert sorted(await database.fetch(f"SELECT n FROM {table}")) == [
        (0,),
        (1,),
        (2,),
        (3,),
        (4,),
        (7,),
    ]


async def test_create_table_types_follow_the_first_chunk(postgres: Database) -> None:
    table = postgres.table("types")
    rows = [(1, 2.5, "x", True, dt.datetime(2024, 1, 1), None)]
    fields = ["i", "f", "s", "b", "ts", "nothing"]
    await write(postgres.url, table, rows, fields=fields, create_table=True)
    types = dict(
        await postgres.fetch(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = :t",
            {"t": table},
        )
    )
    assert types == {
        "i": "bigint",
        "f": "double precision",
        "s": "text",
        "b": "boolean",
        "ts": "timestamp without time zone",
        "nothing": "text",
    }


async def test_create_table_refuses_values_without_a_column_type(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(
        ProcessError, match=r"cannot choose a column type for 'v' from a dict value"
    ):
        await write(url, "t", [({"a": 1},)], fields=["v"], create_table=True)


# -- errors ------------------------------------------------------------------------------------


async def test_a_missing_table_is_a_clear_error(database: Database) -> None:
    table = database.table("missing")
    with pytest.raises(ProcessError) as caught:
        await write(database.url, table, sample(3))
    message = str(caught.value)
    assert message.startswith("component 'writer' failed: SQLError: SQLWriter 'writer': table")
    assert f"table '{table}' does not exist in" in message
    assert "create_table=True" in message

    with pytest.raises(ProcessError) as caught:
        await read(database.url, f"SELECT n FROM {table}", ["n"])
    message = str(caught.value)
    assert message.startswith("component 'reader' failed: SQLError: SQLReader 'reader': query")
    assert table in message and "\n" not in message


async def test_a_missing_column_is_a_clear_error(database: Database) -> None:
    table = database.table("nocol")
    await database.execute(f"CREATE TABLE {table} (n INTEGER)")
    with pytest.raises(ProcessError, match=r"has no columns \['label'\] \(its columns: \['n'\]\)"):
        await write(database.url, table, [(1, "a")], fields=["n", "label"])


def _password_url(kind: str, base: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(base)
    if kind == "postgresql":  # trust auth: an unknown role fails whatever the password
        return url.set(username="pb_nobody", password=SECRET).render_as_string(hide_password=False)
    # root has no password: giving one is refused
    return url.set(password=SECRET).render_as_string(hide_password=False)


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
async def test_credentials_never_appear_in_errors(kind: str, tmp_path: Path) -> None:
    db = await open_database(kind, tmp_path)
    url = _password_url(kind, db.url)
    for attempt in (
        lambda: write(url, "anything", sample(2)),
        lambda: read(url, "SELECT 1 AS n", ["n"]),
    ):
        with pytest.raises(ProcessError) as caught:
            await attempt()
        text = chain_text(caught.value)
        assert SECRET not in text
        assert "***" in str(caught.value)
        assert "cannot connect to" in str(caught.value)
        assert isinstance(caught.value.original, SQLError)


def test_a_password_is_scrubbed_from_driver_messages() -> None:
    from plugboard.library._sql_engine import Database as Db

    db = Db(f"postgresql+asyncpg://u:{SECRET}@127.0.0.1:1/d", "SQLWriter 'w'")
    error = ValueError(
        f"the driver echoed {SECRET} and postgresql+asyncpg://u:{SECRET}@127.0.0.1:1/d"
    )
    with pytest.raises(SQLError) as caught:
        db.fail("it failed", error)
    assert SECRET not in chain_text(caught.value)
    assert caught.value.__cause__ is None  # the echoing cause is not chained
    assert str(caught.value) == (
        "it failed: ValueError: the driver echoed *** and postgresql+asyncpg://u:***@127.0.0.1:1/d"
    )


def _model(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(
        textwrap.dedent(
            f"""
            plugboard:
              process:
                args:
                  name: to-db
                  components:
                  - type: tests.components.Source
                    args: {{name: src, count: 5}}
                  - type: plugboard.library.SQLWriter
                    args:
                      name: db
                      connection_string: "{url}"
                      table: numbers
                      field_names: [out]
                  connectors:
                  - source: src.out
                    target: db.out
            """
        ).lstrip()
    )
    return path


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PLUGBOARD, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_an_unreachable_server_fails_the_cli_run_with_exit_code_1(tmp_path: Path) -> None:
    path = _model(tmp_path, f"postgresql+asyncpg://postgres:{SECRET}@127.0.0.1:1/test")
    # Building, validating and drawing the model connect to nothing.
    assert _cli("process", "validate", str(path), cwd=tmp_path).returncode == 0
    assert _cli("process", "diagram", str(path), cwd=tmp_path).returncode == 0

    result = _cli("process", "run", str(path), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(
        "Error: component 'db' failed: SQLError: SQLWriter 'db' cannot connect to"
        " postgresql+asyncpg://postgres:***@127.0.0.1:1/test: "
    )
    assert len(lines) <= 2 and "Traceback" not in result.stderr
    assert SECRET not in result.stderr + result.stdout

    debug = _cli("process", "run", str(path), "--debug", cwd=tmp_path)
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr
    assert SECRET not in debug.stderr + debug.stdout


def test_a_bad_table_name_in_yaml_is_a_usage_error(tmp_path: Path) -> None:
    path = _model(tmp_path, "sqlite+aiosqlite:///out.db")
    path.write_text(path.read_text().replace("table: numbers", 'table: "numbers; DROP TABLE x"'))
    result = _cli("process", "run", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid table name 'numbers; DROP TABLE x'" in result.stderr
    assert not (tmp_path / "out.db").exists()


async def test_missing_or_unsuitable_drivers_name_what_to_install(tmp_path: Path) -> None:
    import importlib.util

    cases = {
        "postgresql+psycopg://u:pw@127.0.0.1:1/d": ("psycopg", "pip install 'psycopg[binary]'"),
        "mysql+aiomysql://u:pw@127.0.0.1:1/d": ("aiomysql", "pip install aiomysql"),
    }
    for url, (module, hint) in cases.items():
        if importlib.util.find_spec(module) is not None:
            continue
        with pytest.raises(ProcessError) as caught:
            await write(url, "t", [(1,)], fields=["n"])
        assert f"the database driver '{module}' is not installed: {hint}" in str(caught.value)

    with pytest.raises(
        ProcessError, match=r"unknown database or driver 'nosuchdb' in nosuchdb://h/d"
    ):
        await write("nosuchdb://h/d", "t", [(1,)], fields=["n"])

    for url, message in (
        (
            "mysql+pymysql://u:pw@h/d",
            "'mysql+pymysql' is not an async driver (use mysql+asyncmy://)",
        ),
        (
            "postgresql+psycopg2://u:pw@h/d",
            "'postgresql+psycopg2' is not an async driver (use postgresql+asyncpg://)",
        ),
    ):
        with pytest.raises(ProcessError) as caught:
            await write(url, "t", [(1,)], fields=["n"])
        assert (
            str(caught.value)
            == f"component 'writer' failed: SQLError: SQLWriter 'writer': {message}"
        )

    with pytest.raises(ValueError, match="connection_string must be a database URL like"):
        SQLWriter(name="w", connection_string="hunter2", table="t", field_names=["n"])

    # Without a driver, the default async one is used.
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    writer = await write(url, "plain", [(1,), (2,)], fields=["n"], create_table=True)
    assert writer.rows_written == 2
    assert await read(url, "SELECT n FROM plain ORDER BY n", ["n"]) == [(1,), (2,)]


async def test_construction_opens_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'lazy.db'}"
    SQLWriter(name="w", connection_string=url, table="t", field_names=["n"], create_table=True)
    SQLReader(name="r", connection_string=url, query="SELECT 1", field_names=["n"])
    assert not (tmp_path / "lazy.db").exists()


async def test_the_reader_releases_its_connection_when_abandoned_mid_stream(
    database: Database,
) -> None:
    from tests.components import Take

    table = database.table("abandon")
    await write(database.url, table, sample(500), create_table=True)
    reader = SQLReader(
        name="reader",
        connection_string=database.url,
        query=f"SELECT n FROM {table} ORDER BY n",
        field_names=["n"],
        chunk_size=50,
    )
    process = LocalProcess(
        components=[reader, Take(name="take", limit=3)],
        connectors=wire("reader", "take", ["n"], ["inp"]),
    )
    async with process:
        await process.run()
    assert Take.seen["take"] == [0, 1, 2]
    assert reader._conn is None and reader._engine is None
    # Nothing holds a lock on the table any more (bounded, should that be wrong).
    timeout = {
        "postgresql": ["SET lock_timeout = 5000"],
        "mysql": ["SET SESSION lock_wait_timeout = 5"],
    }.get(database.kind, [])
    await database.execute(*timeout, f"DROP TABLE {table}")
