"""`SQLReader` and `SQLWriter`: stream rows from a query, and write rows to a table.

Both use SQLAlchemy's asyncio engines (`plugboard[sql]`, plus `plugboard[postgres]` or
`plugboard[mysql]` for those databases). Nothing is imported or opened before `init()`.
"""

from __future__ import annotations

import contextlib
import typing as _t

from plugboard.library._blocks import block_names, resolve_blocks
from plugboard.library._formats import Row
from plugboard.library._sql_engine import Database, SQLError
from plugboard.library._sql_identifiers import column_names, new_table, table_name
from plugboard.library.data import DataReader, DataWriter, FieldNames
from plugboard.schemas import ComponentArgsDict


if _t.TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncResult


__all__ = ["SQLError", "SQLReader", "SQLWriter"]

_QUERY_IN_ERRORS = 80  # characters of the query quoted in an error


class _Connection:
    """A component's connection string, read from a Prefect block at `init()` if it names one.

    The argument as given (a URL, or `{prefect_block: "secret/name"}`) is all that dumps and
    messages ever show; the block's value lives only in the `Database` made from it.
    """

    def __init__(self, connection_string: _t.Any, who: str) -> None:
        self.who = who
        self._given = connection_string
        self.db = None if block_names(connection_string) else Database(connection_string, who)

    async def resolve(self) -> Database:
        """The database, reading the block on first use."""
        if self.db is None:
            url = await resolve_blocks(self._given, self.who, "connection_string")
            self.db = Database(url, self.who)
        return self.db


class _Connected:
    """The `_db` of a component with a `_Connection`."""

    _connection: _Connection

    @property
    def _db(self) -> Database:
        db = self._connection.db
        if db is None:
            raise RuntimeError(f"{self._connection.who} has not started")
        return db


class SQLReader(_Connected, DataReader):
    """Emits the rows of a query, one row per step, streamed with a server-side cursor.

    Rows are fetched `chunk_size` at a time, so memory stays flat however large the result.
    Query values are always bound: write `:name` in the query and give `params={"name": ...}`.

    A query column is emitted on the output of the same name; if the columns are not named
    like the fields, the query must return exactly as many columns, taken in order.

    After a failure (under a process that retries), the reader reconnects, runs the query
    again and skips the rows it already emitted: give the query a deterministic order
    (`ORDER BY` a unique key) so that resuming neither skips nor repeats rows.

    Args:
        connection_string: A SQLAlchemy URL with an async driver, e.g.
            `postgresql+asyncpg://user:password@host:5432/db`, `mysql+asyncmy://...` or
            `sqlite+aiosqlite:///path.db`. Without a driver (`postgresql://`) the default
            async one is used. The password never appears in errors or logs. Under
            plugboard_prefect, `{prefect_block: "secret/name"}` reads the URL from that
            Prefect block when the component starts.
        query: The SQL query.
        field_names: The outputs, one per column of the query; or a mapping of the query's
            column names to output names.
        params: Values bound to the query's `:name` placeholders.
        chunk_size: Rows fetched at a time (default 10,000).

    Raises:
        SQLError: (at `init()` or while running) the database cannot be reached or the query
            fails; the message names the component, the URL without its password and how
            many rows were read.
    """

    def __init__(
        self,
        connection_string: str | _t.Mapping[str, str],
        query: str,
        field_names: FieldNames,
        params: _t.Mapping[str, _t.Any] | None = None,
        chunk_size: int | None = None,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        super().__init__(field_names=field_names, chunk_size=chunk_size, **kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        if not isinstance(query, str) or not query.strip():
            raise ValueError(f"{who}: query must be a non-empty SQL string")
        if params is not None and not isinstance(params, _t.Mapping):
            raise ValueError(f"{who}: params must be a mapping of placeholder names to values")
        self._connection = _Connection(connection_string, who)
        self._query = query
        self._params = dict(params or {})
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._result: AsyncResult[_t.Any] | None = None
        self._columns: list[int] | None = None
        self._exhausted = False

    def _query_text(self) -> str:
        text = " ".join(self._query.split())
        if len(text) > _QUERY_IN_ERRORS:
            text = text[: _QUERY_IN_ERRORS - 3] + "..."
        return text

    async def _open(self, skip: int) -> None:
        from sqlalchemy import text

        db = await self._connection.resolve()
        self._exhausted = False
        self._engine = db.engine(application_name=f"plugboard-{self.name}")
        try:
            self._conn = await self._engine.connect()
        except Exception as exc:
            db.fail(f"{db.who} cannot connect to {db.masked}", exc)
        try:
            self._result = await self._conn.stream(
                text(self._query),
                self._params,
                execution_options={"yield_per": self.chunk_size},
            )
            keys = list(self._result.keys())
        except Exception as exc:
            db.fail(f"{db.who}: query {self._query_text()!r} failed on {db.masked}", exc)
        self._columns = self._match(keys)
        if skip:
            self.logger.info("%s resumes after %d rows", db.who, skip)
        while skip > 0:
            rows = await self._fetch(min(skip, self.chunk_size))
            if not rows:
                break
            skip -= len(rows)

    def _match(self, keys: list[str]) -> list[int] | None:
        """Positions of the fields among the query's columns (None: the same order)."""
        fields = self.columns
        if keys == fields:
            return None
        if all(field in keys for field in fields):
            return [keys.index(field) for field in fields]
        if len(keys) == len(fields):
            return None
        raise self._db.error(
            f"{self._db.who}: the query returns {len(keys)} columns {keys}, but the fields"
            f" {fields} are neither among them nor as many"
        )

    async def _fetch(self, size: int) -> _t.Sequence[_t.Any]:
        assert self._result is not None
        try:
            return await self._result.fetchmany(size)
        except Exception as exc:
            # The stream is unusable now: the next attempt reconnects and resumes.
            await self._close()
            db = self._db
            db.fail(
                f"{db.who}: reading query {self._query_text()!r} from {db.masked} failed after"
                f" {self.rows_read} rows",
                exc,
            )

    async def _read_chunk(self) -> list[Row]:
        if self._exhausted:
            return []
        if self._result is None:
            # Lost after a failure (e.g. reconnecting in `on_retry` failed too): reopen and
            # resume after the rows already emitted.
            await self._close()
            await self._open(skip=self.rows_read)
        assert self._result is not None
        rows = await self._fetch(self.chunk_size)
        if not rows:
            # Exhausted: give the connection back now rather than at the end of the run.
            with contextlib.suppress(Exception):
                await self._result.close()
            await self._close()
            self._exhausted = True
            return []
        columns = self._columns
        if columns is None:
            return [tuple(row) for row in rows]
        return [tuple(row[i] for i in columns) for row in rows]

    async def _close(self) -> None:
        result, conn, engine = self._result, self._conn, self._engine
        self._result = self._conn = self._engine = None
        if conn is not None:
            with contextlib.suppress(Exception):
                if result is not None and not result.closed:
                    if conn.dialect.name == "sqlite":
                        # Closing the cursor finalizes its statement, which releases the file.
                        await result.close()
                    else:
                        # Abandoned mid-stream: drop the connection rather than drain the rest
                        # of the result (which MySQL drivers do to close it cleanly).
                        await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()
        if engine is not None:
            with contextlib.suppress(Exception):
                await engine.dispose()


class SQLWriter(_Connected, DataWriter):
    """Writes one row per step to a table, `chunk_size` rows per transaction.

    Each chunk is written in one transaction, so a chunk is in the table entirely or not at
    all. On PostgreSQL with asyncpg a chunk is loaded with `COPY` (many times faster than
    `INSERT`); other databases get one multi-row `executemany` INSERT per chunk.

    The table and column names (`field_names`) must be plain identifiers (letters, digits
    and `_`, not starting with a digit; the table optionally as `schema.table`); anything
    else is rejected when the writer is built. Names are quoted by SQLAlchemy where the
    database needs it; as in SQLAlchemy, a name with capitals is case-sensitive.

    After a failure (under a process that retries), the writer reconnects and the failed
    step sends again only the chunk that did not commit. `destroy()` writes the rows
    accepted so far, also after a failed run.

    Args:
        connection_string: A SQLAlchemy URL with an async driver (see `SQLReader`).
        table: The table, `name` or `schema.name`.
        field_names: The inputs, written to the columns of the same names; or a mapping of
            column names to input names.
        chunk_size: Rows written per transaction (default 10,000).
        create_table: Create the table if it does not exist, when the first chunk is written,
            with a column per field typed after the first chunk's values: `int` BIGINT,
            `float` DOUBLE, `str` TEXT, `bool` BOOLEAN, `datetime` TIMESTAMP, `date` DATE,
            `Decimal` NUMERIC, `bytes` binary; a column of only nulls is TEXT.

    Raises:
        ValueError: (when built) an invalid table or column name.
        SQLError: (at `init()` or while running) the database cannot be reached, the table or
            a column does not exist, or a chunk cannot be written; the message names the
            component, the table, the URL without its password and how many rows were
            written before.
    """

    def __init__(
        self,
        connection_string: str | _t.Mapping[str, str],
        table: str,
        field_names: FieldNames,
        chunk_size: int | None = None,
        create_table: bool = False,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        super().__init__(field_names=field_names, chunk_size=chunk_size, **kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        try:
            self._schema, self._table = table_name(table)
            column_names(self.columns)
        except ValueError as exc:
            raise ValueError(f"{who}: {exc}") from None
        self._connection = _Connection(connection_string, who)
        self._create = bool(create_table)
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._target: Table | None = None
        self._write_method = ""

    @property
    def _table_label(self) -> str:
        return f"{self._schema}.{self._table}" if self._schema else self._table

    async def _open(self) -> None:
        db = await self._connection.resolve()
        self._engine = db.engine(application_name=f"plugboard-{self.name}")
        try:
            conn = self._conn = await self._engine.connect()
        except Exception as exc:
            db.fail(f"{db.who} cannot connect to {db.masked}", exc)
        self._write_method = "copy" if conn.dialect.driver == "asyncpg" else "insert"
        try:
            self._target = await conn.run_sync(self._reflect)
            await conn.commit()
        except Exception as exc:
            db.fail(f"{db.who} cannot look up table '{self._table_label}' in {db.masked}", exc)
        if self._target is None:
            if not self._create:
                raise db.error(
                    f"{db.who}: table '{self._table_label}' does not exist in {db.masked}"
                    " (create it beforehand, or pass create_table=True)"
                )
            return
        missing = [name for name in self.columns if name not in self._target.columns]
        if missing:
            raise db.error(
                f"{db.who}: table '{self._table_label}' in {db.masked} has no columns"
                f" {missing} (its columns: {list(self._target.columns.keys())})"
            )

    def _reflect(self, conn: Connection) -> Table | None:
        from sqlalchemy import MetaData, Table, inspect

        if not inspect(conn).has_table(self._table, schema=self._schema):
            return None
        return Table(self._table, MetaData(), schema=self._schema, autoload_with=conn)

    async def on_retry(self, error: Exception) -> None:
        """Drops the connection and opens a new one, before the failed chunk is sent again."""
        self.logger.info("%s reconnects after %s", self._connection.who, type(error).__name__)
        await self._close()
        await self._open()

    async def _write_chunk(self, rows: list[Row]) -> None:
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            # A write failed (or the connection was otherwise lost): start on a new one.
            await self._close()
            await self._open()
            conn = self._conn
            assert conn is not None
        db = self._db
        target = self._target
        create = target is None
        if target is None:
            try:
                target = new_table(self._table, self._schema, self.columns, rows)
            except ValueError as exc:
                raise SQLError(f"{db.who}: {exc}") from None
        try:
            async with conn.begin():
                if create:
                    # In the chunk's transaction, where the database allows DDL in one.
                    await conn.run_sync(target.create, checkfirst=True)
                if self._write_method == "copy":
                    await self._copy_rows(conn, rows)
                else:
                    await self._insert_rows(conn, target, rows)
        except Exception as exc:
            # The connection's state is unknown now: the next attempt (a retry, or the final
            # flush at destroy) starts on a new one.
            await self._close()
            db.fail(
                f"{db.who} could not write {len(rows)} rows to table '{self._table_label}' in"
                f" {db.masked} ({self.rows_written} rows written before)",
                exc,
            )
        self._target = target

    async def _copy_rows(self, conn: AsyncConnection, rows: list[Row]) -> None:
        """Loads rows with PostgreSQL's COPY on the asyncpg connection under `conn`."""
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        # SQLAlchemy's asyncpg adapter begins its transaction lazily, at the first statement.
        # This is then a transaction of its own, which commits as this block ends; after a
        # CREATE TABLE in the same `conn.begin()`, a savepoint that commits with it.
        async with driver.transaction():
            await driver.copy_records_to_table(
                self._table, records=rows, columns=self.columns, schema_name=self._schema
            )

    async def _insert_rows(self, conn: AsyncConnection, target: Table, rows: list[Row]) -> None:
        """Inserts rows with one executemany of an INSERT."""
        from sqlalchemy import insert

        names = self.columns
        await conn.execute(insert(target), [dict(zip(names, row, strict=True)) for row in rows])

    async def _close(self) -> None:
        conn, engine = self._conn, self._engine
        self._conn = self._engine = None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
        if engine is not None:
            with contextlib.suppress(Exception):
                await engine.dispose()
