"""Where trace rows go: JSON Lines or Parquet files through fsspec, or a SQL table.

A sink is opened once, written a batch of records at a time by the trace's writer task, and
closed once. File sinks do their encoding and I/O on a thread of their own; the SQL sink
encodes on a worker thread and writes through SQLAlchemy's asyncio engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import typing as _t

from plugboard.library._sql_engine import Database, SQLError
from plugboard.library._sql_identifiers import table_name
from plugboard.library._storage import Location, Worker
from plugboard.trace import _arrow
from plugboard.trace._encode import COLUMNS, Batch, RunInfo, encode, json_lines, python_rows


if _t.TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from plugboard.schemas import TraceSpec


class Sink(_t.Protocol):
    """Receives the trace's records in batches."""

    shown: str
    """The destination as messages show it (no credentials)."""

    async def open(self) -> None:
        """Creates the file or table; raises if it cannot be written."""

    async def write(self, batch: Batch, run: RunInfo) -> None:
        """Writes one batch."""

    async def close(self) -> None:
        """Finishes the file (or releases the connection)."""


def make_sink(spec: TraceSpec) -> Sink:
    """The sink a trace spec names."""
    if spec.url is not None:
        return SQLSink(spec.url, spec.table_name)
    assert spec.path is not None
    if spec.file_format == "parquet":
        return ParquetSink(spec.path, spec.storage_options)
    return JsonLinesSink(spec.path, spec.storage_options)


class _FileSink:
    """A file written through fsspec, on a thread of its own."""

    def __init__(self, path: str, storage_options: _t.Mapping[str, _t.Any]) -> None:
        self._location = Location(path, storage_options)
        self.shown = self._location.shown
        self._worker = Worker("trace")
        self._file: _t.Any = None

    async def open(self) -> None:
        await self._worker.run(self._open)

    def _open(self) -> None:
        location = self._location
        fs, path, local = location.open_for_writing()
        try:
            if local:
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self._file = fs.open(path, "wb")
            self._start()
        except Exception as exc:
            error = location.error("write", exc)
        else:
            return
        self._abandon()
        raise error

    def _start(self) -> None:
        """Starts the format once the file is open."""

    async def write(self, batch: Batch, run: RunInfo) -> None:
        await self._worker.run(self._write_checked, batch, run)

    def _write_checked(self, batch: Batch, run: RunInfo) -> None:
        try:
            self._write(batch, run)
        except Exception as exc:
            error = self._location.error("write", exc)
        else:
            return
        raise error

    def _write(self, batch: Batch, run: RunInfo) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        try:
            await self._worker.run(self._close_checked)
        finally:
            self._worker.shutdown()

    def _close_checked(self) -> None:
        try:
            self._finish()
        except Exception as exc:
            error = self._location.error("write", exc)
        else:
            return
        finally:
            self._abandon()
        raise error

    def _finish(self) -> None:
        if self._file is not None:
            self._file.close()

    def _abandon(self) -> None:
        file, self._file = self._file, None
        if file is not None and not getattr(file, "closed", True):
            with contextlib.suppress(Exception):  # the original error says more
                file.close()


class JsonLinesSink(_FileSink):
    """One JSON object per line; the JSON columns nested. Lines appear batch by batch."""

    def _write(self, batch: Batch, run: RunInfo) -> None:
        self._file.write(json_lines(batch, run).encode("utf-8"))
        self._file.flush()


class ParquetSink(_FileSink):
    """A Parquet file with a fixed schema; each batch is a row group.

    The file is complete (readable) once closed, which a failed run does too.
    """

    def _start(self) -> None:
        import pyarrow  # type: ignore[import-untyped]
        import pyarrow.parquet  # type: ignore[import-untyped]

        # pyarrow's first conversion of Python values imports pandas, when installed: here,
        # at open, rather than in the middle of the run.
        pyarrow.array([0])
        self._schema = _arrow.schema()
        self._writer = pyarrow.parquet.ParquetWriter(
            self._file, self._schema, use_dictionary=["job_id", "process", "component"]
        )

    def _write(self, batch: Batch, run: RunInfo) -> None:
        import pyarrow

        table = pyarrow.Table.from_arrays(_arrow.arrays(batch, run), schema=self._schema)
        self._writer.write_table(table)

    def _finish(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is not None:
            self._writer = None
            writer.close()
        super()._finish()


class SQLSink:
    """A table, created if missing, one `INSERT` of many rows per batch.

    Args:
        url: A SQLAlchemy URL with an async driver.
        table: `table` or `schema.table`.
    """

    def __init__(self, url: str, table: str) -> None:
        self._db = Database(url, "trace")
        self._schema, self._name = table_name(table)
        self.shown = f"table {table}"
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._table: Table | None = None

    def _new_table(self) -> Table:
        from sqlalchemy import BigInteger, Column, DateTime, Double, MetaData, Table, Text

        types: dict[str, _t.Any] = {
            "step": BigInteger(),
            "time": DateTime(timezone=True),
            "elapsed": Double(),
        }
        return Table(
            self._name,
            MetaData(),
            *(Column(name, types.get(name, Text())) for name in COLUMNS),
            schema=self._schema,
        )

    async def open(self) -> None:
        db = self._db
        engine = db.engine("plugboard-trace")
        self.shown = f"table {self._label} in {db.masked}"
        self._engine = engine
        try:
            self._conn = await engine.connect()
        except Exception as exc:
            await self._dispose()
            db.fail(f"trace: cannot connect to {db.masked}", exc)
        table = self._new_table()
        try:
            async with self._conn.begin():
                await self._conn.run_sync(table.metadata.create_all, checkfirst=True)
        except Exception as exc:
            await self._dispose()
            db.fail(f"trace: cannot create {self.shown}", exc)
        self._table = table

    @property
    def _label(self) -> str:
        return f"{self._schema}.{self._name}" if self._schema else self._name

    async def write(self, batch: Batch, run: RunInfo) -> None:
        from sqlalchemy import insert

        conn, table = self._conn, self._table
        if conn is None or table is None:
            raise SQLError(f"trace: {self.shown} is not open")
        rows = await asyncio.to_thread(_sql_rows, batch, run)
        try:
            async with conn.begin():
                await conn.execute(insert(table), rows)
        except Exception as exc:
            self._db.fail(f"trace: cannot write {self.shown}", exc)

    async def close(self) -> None:
        await self._dispose()

    async def _dispose(self) -> None:
        conn, self._conn = self._conn, None
        engine, self._engine = self._engine, None
        try:
            if conn is not None:
                await conn.close()
        finally:
            if engine is not None:
                await engine.dispose()


def _sql_rows(batch: Batch, run: RunInfo) -> list[dict[str, _t.Any]]:
    rows = python_rows(encode(batch, run), run)
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]
