"""`FileReader` and `FileWriter`: rows from and to CSV, Parquet and JSON Lines files.

Files are opened through fsspec, so a location is a local path or any fsspec URL (`s3://`,
`gs://`, `az://`, `abfs://`, ...). Needs `plugboard[files]`, plus `plugboard[aws]`,
`plugboard[gcp]` or `plugboard[azure]` for the cloud stores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import typing as _t
import uuid

from plugboard.component import IOController
from plugboard.library._blocks import block_names, resolve_blocks
from plugboard.library._formats import (
    Reader,
    Row,
    Writer,
    detect_format,
    open_reader,
    open_writer,
)
from plugboard.library._storage import Location, Worker
from plugboard.library._upload import PartUpload
from plugboard.library.data import DataReader, DataWriter, FieldNames
from plugboard.schemas import ComponentArgsDict


__all__ = ["FileReader", "FileWriter"]

PathLike = str | os.PathLike[str]


def _check_format(args: _t.Mapping[str, _t.Any]) -> None:
    path = args.get("path")
    if isinstance(path, str | os.PathLike):
        location = Location(os.fspath(path), {})
        detect_format(location.shown, args.get("format"))


def _location(path: PathLike, options: _t.Mapping[str, _t.Any] | None) -> Location:
    if options is not None and not isinstance(options, _t.Mapping):
        raise ValueError(f"storage_options must be a mapping, not {type(options).__name__}")
    # Block references stay unread until init(): they are dicts, never secrets.
    return Location(os.fspath(path), {} if block_names(options) else options or {})


async def _resolved(
    component: DataReader | DataWriter,
    location: Location,
    options: _t.Mapping[str, _t.Any] | None,
) -> Location:
    """The location with the Prefect blocks named in `options` read (once)."""
    if not block_names(options) or location.storage_options:
        return location
    who = f"{type(component).__name__} '{component.name}'"
    found = await resolve_blocks(options, who, "storage_options")
    if not isinstance(found, _t.Mapping):
        raise ValueError(f"{who}: storage_options must be a mapping (from its Prefect block)")
    return Location(location.url, found)


class FileReader(DataReader):
    """Reads rows from a CSV, gzipped CSV, Parquet or JSON Lines file, one row per step.

    Each column named in `field_names` is emitted on the output of the same name. The file
    is read in chunks of `chunk_size` rows, so memory stays flat whatever its size; the next
    chunk is read on a worker thread while the current one is emitted.

    Args:
        path: A local path or fsspec URL (`s3://bucket/data.csv`, `gs://...`, `az://...`).
        field_names: The columns to read; each becomes an output of the same name. A mapping
            `{column: field}` names the outputs itself (for a column called `id`, say).
        storage_options: Passed to fsspec (credentials, `endpoint_url`, ...). Under
            plugboard_prefect, the mapping or any value in it may be
            `{prefect_block: "secret/name"}`, read from that Prefect block at `init()`.
        chunk_size: Rows read at a time (default 10,000).
        format: `"csv"`, `"csv.gz"`, `"parquet"` or `"jsonl"`; by default from the path's
            suffix (`.csv`, `.csv.gz`, `.parquet`/`.pq`, `.jsonl`/`.ndjson`).
    """

    io = IOController()

    def __init__(
        self,
        path: PathLike,
        field_names: FieldNames,
        storage_options: _t.Mapping[str, _t.Any] | None = None,
        chunk_size: int | None = None,
        format: str | None = None,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        super().__init__(field_names=field_names, chunk_size=chunk_size, **kwargs)
        # Private names: a column may well be called "path" or "format".
        self._location = _location(path, storage_options)
        self._options = storage_options
        self._format = detect_format(self._location.shown, format)
        self._worker = Worker(self.name)
        self._reader: Reader | None = None
        self._next: asyncio.Future[list[Row]] | None = None

    @classmethod
    def io_for(cls, args: _t.Mapping[str, _t.Any]) -> IOController:
        """Outputs named after `field_names`; also checks the format (for `validate`)."""
        _check_format(args)
        return super().io_for(args)

    async def _open(self, skip: int) -> None:
        await self._close()
        self._location = await _resolved(self, self._location, self._options)
        self._reader = await self._worker.run(self._open_reader, skip)

    def _open_reader(self, skip: int) -> Reader:
        location = self._location
        fs, path = location.open_filesystem(writing=False)

        def opener() -> _t.BinaryIO:
            return _t.cast(_t.BinaryIO, fs.open(path, "rb"))

        try:
            return open_reader(self._format, opener, self.columns, self.chunk_size, skip)
        except Exception as exc:
            error = location.error("read", exc)
        raise error

    def _read(self) -> list[Row]:
        reader = self._reader
        if reader is None:
            return []
        try:
            return reader.read()
        except Exception as exc:
            error = self._location.error("read", exc, f"{self.rows_read} rows read before")
        raise error

    async def _read_chunk(self) -> list[Row]:
        pending, self._next = self._next, None
        if pending is None:
            pending = self._worker.submit(self._read)
        rows: list[Row] = await pending
        if rows:
            # Read ahead while these rows are emitted.
            self._next = self._worker.submit(self._read)
        return rows

    async def _close(self) -> None:
        pending, self._next = self._next, None
        if pending is not None and not pending.cancel():
            pending.exception()  # a read ahead that already failed: nobody needs its error now
        reader, self._reader = self._reader, None
        try:
            if reader is not None:
                await self._worker.run(self._close_reader, reader)
        finally:
            self._worker.shutdown()

    def _close_reader(self, reader: Reader) -> None:
        try:
            reader.close()
        except Exception as exc:
            error = self._location.error("close", exc)
        else:
            return
        raise error


class FileWriter(DataWriter):
    """Writes rows to a CSV, gzipped CSV, Parquet or JSON Lines file, one row per step.

    Each step's inputs named in `field_names` make one row, written in chunks of
    `chunk_size` rows. Nothing is created before `init()`. A local file is written under a
    temporary name beside the target and moved onto it when the writer closes, so the
    target is never seen half written; object stores publish an upload only when it
    completes. The writer closes at `destroy()`, also after a failed run, with every row it
    accepted.

    An object-store target is uploaded in parts of at least 8 MiB while the rows come, so
    memory stays flat. If a part cannot be uploaded (the store is unreachable, say), the step
    fails with an error naming the location and how many rows were written; retried (under
    a process with retries), the writer uploads that same part again and goes on, so no row
    is lost or written twice.

    Args:
        path: A local path or fsspec URL (`s3://bucket/out.parquet`, `gs://...`, `az://...`).
        field_names: The columns to write; each is an input of the same name. A mapping
            `{column: field}` names the inputs itself.
        storage_options: Passed to fsspec (credentials, `endpoint_url`, ...); Prefect blocks
            as for `FileReader`.
        chunk_size: Rows written at a time (default 10,000); a Parquet row group each.
        format: `"csv"`, `"csv.gz"`, `"parquet"` or `"jsonl"`; by default from the path's
            suffix (`.csv`, `.csv.gz`, `.parquet`/`.pq`, `.jsonl`/`.ndjson`).
    """

    io = IOController()

    def __init__(
        self,
        path: PathLike,
        field_names: FieldNames,
        storage_options: _t.Mapping[str, _t.Any] | None = None,
        chunk_size: int | None = None,
        format: str | None = None,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        super().__init__(field_names=field_names, chunk_size=chunk_size, **kwargs)
        self._location = _location(path, storage_options)
        self._options = storage_options
        self._format = detect_format(self._location.shown, format)
        self._worker = Worker(self.name)
        self._writer: Writer | None = None
        self._target: str | None = None  # local files: the name the temporary file becomes
        self._temporary: str | None = None
        self._upload: PartUpload | None = None  # object stores: the upload in parts
        self._encoded: list[Row] | None = None  # the last chunk given to the format writer

    @classmethod
    def io_for(cls, args: _t.Mapping[str, _t.Any]) -> IOController:
        """Inputs named after `field_names`; also checks the format (for `validate`)."""
        _check_format(args)
        return super().io_for(args)

    async def _open(self) -> None:
        self._location = await _resolved(self, self._location, self._options)
        if self._writer is None:
            self._writer = await self._worker.run(self._open_writer)

    def _open_writer(self) -> Writer:
        location = self._location
        fs, path, local = location.open_for_writing()
        try:
            if local:
                folder, name = os.path.split(os.path.abspath(path))
                os.makedirs(folder, exist_ok=True)
                self._target = os.path.join(folder, name)
                self._temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
                file: _t.BinaryIO = open(self._temporary, "wb")  # noqa: SIM115 - closed by the writer
            else:
                upload = self._upload = PartUpload(
                    lambda size: _t.cast(_t.BinaryIO, fs.open(path, "wb", block_size=size))
                )
                file = _t.cast(_t.BinaryIO, upload)
            try:
                return open_writer(self._format, file, self.columns)
            except BaseException:
                file.close()
                raise
        except Exception as exc:
            self._discard()
            error = location.error("write", exc)
        raise error

    async def _write_chunk(self, rows: list[Row]) -> None:
        await self._worker.run(self._write, rows)

    def _write(self, rows: list[Row]) -> None:
        writer = self._writer
        if writer is None:
            raise RuntimeError(f"cannot write {self._location.shown}: the writer is not open")
        try:
            if rows is not self._encoded:
                # Not when the same chunk comes again: after an upload failed (the rows are
                # in the upload, which sends the failed part first), or after a call whose
                # caller was cancelled while it ran.
                writer.write(rows)
                self._encoded = rows
            if self._upload is not None:
                self._upload.send()
        except Exception as exc:
            error = self._location.error("write", exc, f"{self.rows_written} rows written before")
        else:
            return
        raise error

    async def _close(self) -> None:
        writer, self._writer = self._writer, None
        try:
            if writer is not None:
                await self._worker.run(self._finish, writer)
        finally:
            self._encoded = None
            self._upload = None
            self._worker.shutdown()

    def _finish(self, writer: Writer) -> None:
        error: Exception | None = None
        try:
            writer.close()
            if self._upload is not None:
                self._upload.finish()
        except Exception as exc:
            self._discard()
            error = self._location.error("write", exc, f"{self.rows_written} rows accepted")
        if error is not None:
            raise error
        if self._temporary is not None and self._target is not None:
            try:
                os.replace(self._temporary, self._target)
            except OSError as exc:
                raise OSError(
                    f"cannot write {self._location.shown}: {exc} (the rows written are in"
                    f" {self._temporary})"
                ) from exc
            self._temporary = None

    def _discard(self) -> None:
        """Drops what a target that could not be written left behind."""
        upload, self._upload = self._upload, None
        if upload is not None:
            with contextlib.suppress(Exception):
                upload.abort()
        if self._temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self._temporary)
            self._temporary = None
