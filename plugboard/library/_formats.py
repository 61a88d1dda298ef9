"""File formats for the file components: reading rows in chunks, writing chunks of rows.

Each reader takes an open binary file and returns up to `chunk_size` rows (tuples in
`field_names` order) per `read()`, an empty list at the end. Each writer takes an open binary
file, writes chunks of rows with `write()` and finishes the file in `close()`. Nothing here
holds more than about one chunk of rows (plus one parsed block) in memory.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import typing as _t


Row = tuple[_t.Any, ...]
Opener = _t.Callable[[], _t.BinaryIO]

FORMATS = ("csv", "csv.gz", "parquet", "jsonl")
_SUFFIXES = (
    (".csv.gz", "csv.gz"),
    (".csv", "csv"),
    (".parquet", "parquet"),
    (".pq", "parquet"),
    (".jsonl", "jsonl"),
    (".ndjson", "jsonl"),
)
_ALIASES = {"ndjson": "jsonl", "csv.gzip": "csv.gz", "pq": "parquet"}
# Parsed CSV blocks: small, as pyarrow reads a few dozen blocks ahead; a block grows (up to
# the maximum) only if a row does not fit in one.
_MIN_BLOCK = 1 << 20
_MAX_BLOCK = 64 << 20
# A Parquet writer waits for a type for every column (not just None) for up to this many rows.
_HOLD_ROWS = 100_000


def detect_format(shown: str, format: str | None) -> str:
    """The format named by `format`, or else by the suffix of the path.

    Raises:
        ValueError: An unknown format, or a path whose suffix names none.
    """
    names = ", ".join(f"'{name}'" for name in FORMATS)
    if format is not None:
        key = str(format).lower().lstrip(".")
        key = _ALIASES.get(key, key)
        if key not in FORMATS:
            raise ValueError(f"unknown format {format!r}: use one of {names}")
        return key
    name = shown.lower().rstrip("/")
    for suffix, found in _SUFFIXES:
        if name.endswith(suffix):
            return found
    raise ValueError(
        f"cannot tell the format of {shown} from its name: use a name ending in .csv, .csv.gz,"
        f" .parquet, .pq, .jsonl or .ndjson, or pass format= one of {names}"
    )


class MissingColumnsError(ValueError):
    """The file lacks some of the columns asked for."""

    def __init__(self, missing: _t.Sequence[str], available: _t.Sequence[str]) -> None:
        listed = ", ".join(available[:50]) + (", ..." if len(available) > 50 else "")
        plural = "s" if len(missing) > 1 else ""
        names = ", ".join(f"'{name}'" for name in missing)
        super().__init__(f"no column{plural} {names} (columns: {listed or 'none'})")


def _arrow() -> _t.Any:
    """The `pyarrow` module with its CSV and Parquet modules, imported on first use."""
    import pyarrow  # type: ignore[import-untyped]
    import pyarrow.csv  # type: ignore[import-untyped]
    import pyarrow.parquet  # type: ignore[import-untyped]

    return pyarrow


def _check_columns(fields: _t.Sequence[str], available: _t.Sequence[str]) -> None:
    missing = [name for name in fields if name not in available]
    if missing:
        raise MissingColumnsError(missing, list(available))


def _batch_rows(batch: _t.Any) -> list[Row]:
    """A record batch as row tuples, converted column by column."""
    return list(zip(*(column.to_pylist() for column in batch.columns), strict=True))


class Reader(_t.Protocol):
    """Reads a file in chunks of rows."""

    def read(self) -> list[Row]:
        """Up to `chunk_size` rows; an empty list at the end."""

    def close(self) -> None:
        """Closes the file."""


class Writer(_t.Protocol):
    """Writes a file chunk by chunk."""

    def write(self, rows: list[Row]) -> None:
        """Writes one chunk."""

    def close(self) -> None:
        """Finishes and closes the file."""


def open_reader(
    format: str, opener: Opener, fields: list[str], chunk_size: int, skip: int
) -> Reader:
    """A reader positioned after the first `skip` rows."""
    if format == "parquet":
        return ParquetReader(opener, fields, chunk_size, skip)
    if format == "jsonl":
        return JsonLinesReader(opener, fields, chunk_size, skip)
    return CsvReader(opener, fields, chunk_size, skip, compressed=format == "csv.gz")


def open_writer(format: str, file: _t.BinaryIO, fields: list[str]) -> Writer:
    """A writer on an open binary file; `close()` closes the file."""
    if format == "parquet":
        return ParquetWriter(file, fields)
    if format == "jsonl":
        return JsonLinesWriter(file, fields)
    return CsvWriter(file, fields, compressed=format == "csv.gz")


# -- CSV ------------------------------------------------------------------------------------


class CsvReader:
    """Streams a CSV file with pyarrow, one parsed block at a time.

    Column types are inferred from the first block. If a later block holds a value that does
    not fit (a column empty at first, or integers followed by decimals), the file is read
    again with that column widened (to the type of that value, then float, then text) and
    reading goes on after the rows already read. Quoted values may span lines.

    Blocks are 1 MiB, so that pyarrow's read-ahead (a few dozen blocks) stays small; a file
    with a longer row is read again with blocks twice as large, up to 64 MiB.
    """

    def __init__(
        self, opener: Opener, fields: list[str], chunk_size: int, skip: int, compressed: bool
    ) -> None:
        self._pa = _arrow()
        self._opener = opener
        self._fields = fields
        self._chunk_size = chunk_size
        self._compressed = compressed
        self._block_size = _MIN_BLOCK
        self._types: dict[str, _t.Any] = {}
        self._position = 0  # rows of the file parsed so far
        self._drop = skip  # rows still to pass over before the first row read
        self._file: _t.BinaryIO | None = None
        self._reader: _t.Any = None
        self._batch: _t.Any = None
        self._offset = 0
        self._open()

    def _source(self) -> _t.Any:
        self.close()
        self._file = self._opener()
        if self._compressed:
            return self._pa.input_stream(self._file, compression="gzip")
        return self._file

    def _open(self) -> None:
        """Opens the file from the start (the first block is parsed at once)."""
        pc = self._pa.csv
        parse_options = pc.ParseOptions(newlines_in_values=True)
        while True:
            # Parsed on the reader's own worker thread: more threads only add memory.
            read_options = pc.ReadOptions(block_size=self._block_size, use_threads=False)
            convert_options = pc.ConvertOptions(
                include_columns=self._fields, column_types=self._types
            )
            try:
                self._reader = pc.open_csv(
                    self._source(),
                    read_options=read_options,
                    parse_options=parse_options,
                    convert_options=convert_options,
                )
            except KeyError:
                # A column asked for is not in the header: say which ones are.
                _check_columns(self._fields, self._header())
                raise
            except self._pa.ArrowInvalid as exc:
                if not (self._grown(exc) or self._widened(exc)):
                    raise
                continue
            schema = self._reader.schema
            self._types = {name: schema.field(name).type for name in schema.names}
            # Rows parsed before (by an earlier reader) are passed over again.
            self._drop += self._position
            self._position = 0
            return

    def _header(self) -> list[str]:
        """The names of every column of the file (read again from the start)."""
        pc = self._pa.csv
        options = pc.ReadOptions(block_size=_MIN_BLOCK)
        names: list[str] = pc.open_csv(self._source(), read_options=options).schema.names
        self.close()
        return names

    def _next_batch(self) -> _t.Any:
        while True:
            if self._reader is None:
                self._open()
            try:
                batch = self._reader.read_next_batch()
            except StopIteration:
                return None
            except self._pa.ArrowInvalid as exc:
                if not (self._grown(exc) or self._widened(exc)):
                    raise
                self.close()
                continue
            self._position += batch.num_rows
            if self._drop:
                if batch.num_rows <= self._drop:
                    self._drop -= batch.num_rows
                    continue
                batch = batch.slice(self._drop)
                self._drop = 0
            return batch

    def _grown(self, error: Exception) -> bool:
        """Doubles the block size if a row did not fit in a block; False if it cannot grow."""
        if "straddling object" not in str(error) or self._block_size >= _MAX_BLOCK:
            return False
        self._block_size = min(self._block_size * 2, _MAX_BLOCK)
        return True

    def _widened(self, error: Exception) -> bool:
        """Widens the type of the column a conversion error is about; False if it cannot."""
        # "In CSV column #2: CSV conversion error to int64: invalid value 'x'", where #2
        # counts every column of the file.
        message = str(error)
        _, sep, rest = message.partition("In CSV column #")
        index = rest.partition(":")[0]
        if not sep or "conversion error" not in rest or not index.isdigit():
            return False
        names = self._header()
        column = names[int(index)] if int(index) < len(names) else None
        if column not in self._types:
            return False
        pa = self._pa
        current = self._types[column]
        if pa.types.is_null(current):
            value = rest.rpartition("invalid value '")[2].removesuffix("'")
            self._types[column] = _type_of_text(pa, value)
        elif pa.types.is_integer(current):
            self._types[column] = pa.float64()
        elif pa.types.is_string(current) or pa.types.is_large_string(current):
            return False
        else:
            self._types[column] = pa.string()
        return True

    def read(self) -> list[Row]:
        """Up to `chunk_size` rows; an empty list at the end."""
        while self._batch is None or self._offset >= self._batch.num_rows:
            self._batch = self._next_batch()
            self._offset = 0
            if self._batch is None:
                return []
        piece = self._batch.slice(self._offset, self._chunk_size)
        self._offset += piece.num_rows
        return _batch_rows(piece)

    def close(self) -> None:
        """Closes the file."""
        self._reader = None
        self._batch = None
        if self._file is not None:
            file, self._file = self._file, None
            file.close()


def _type_of_text(pa: _t.Any, text: str) -> _t.Any:
    """The narrowest of int64, float64, bool and string that a CSV value fits."""
    for kind, parse in ((pa.int64(), int), (pa.float64(), float)):
        try:
            parse(text)
        except ValueError:
            continue
        return kind
    return pa.bool_() if text.lower() in ("true", "false") else pa.string()


class CsvWriter:
    """Writes CSV (optionally gzipped) with pyarrow, a header first."""

    def __init__(self, file: _t.BinaryIO, fields: list[str], compressed: bool) -> None:
        self._pa = pa = _arrow()
        self._fields = fields
        self._file: _t.BinaryIO | None = file
        self._stream: _t.Any = pa.output_stream(file, compression="gzip" if compressed else None)
        self._writer: _t.Any = None
        self._schema: _t.Any = None
        self._header = True

    def write(self, rows: list[Row]) -> None:
        """Writes one chunk."""
        pc = self._pa.csv
        batch = _infer_batch(self._pa, rows, self._fields)
        if self._writer is not None and batch.schema != self._schema:
            try:
                batch = batch.cast(self._schema)
            except (self._pa.ArrowInvalid, self._pa.ArrowNotImplementedError):
                # New types (text where numbers were): go on below, without a new header.
                self._writer.close()
                self._writer = None
        if self._writer is None:
            options = pc.WriteOptions(include_header=self._header)
            self._writer = pc.CSVWriter(self._stream, batch.schema, write_options=options)
            self._schema = batch.schema
            self._header = False
        try:
            self._writer.write_batch(batch)
        except self._pa.ArrowNotImplementedError as exc:
            raise TypeError(f"CSV cannot hold these values: {exc}") from None

    def close(self) -> None:
        """Writes the header if no rows came, and closes the file."""
        pc = self._pa.csv
        if self._stream is None:
            return
        stream, self._stream = self._stream, None
        file, self._file = self._file, None
        try:
            if self._header:
                schema = self._pa.schema([(name, self._pa.null()) for name in self._fields])
                pc.CSVWriter(stream, schema).close()
            elif self._writer is not None:
                self._writer.close()
            stream.close()
        finally:
            self._writer = None
            if file is not None and not file.closed:
                file.close()


# -- Parquet --------------------------------------------------------------------------------


class ParquetReader:
    """Reads the asked-for columns of a Parquet file in batches of `chunk_size` rows."""

    def __init__(self, opener: Opener, fields: list[str], chunk_size: int, skip: int) -> None:
        pq = _arrow().parquet
        self._file: _t.BinaryIO | None = opener()
        self._parquet = pq.ParquetFile(self._file)
        _check_columns(fields, self._parquet.schema_arrow.names)
        metadata = self._parquet.metadata
        first = 0
        while first < metadata.num_row_groups and skip >= metadata.row_group(first).num_rows:
            skip -= metadata.row_group(first).num_rows
            first += 1
        self._skip = skip
        self._fields = fields
        self._batches: _t.Iterator[_t.Any] = (
            self._parquet.iter_batches(
                batch_size=chunk_size,
                columns=fields,
                row_groups=range(first, metadata.num_row_groups),
            )
            if first < metadata.num_row_groups
            else iter(())
        )

    def read(self) -> list[Row]:
        """Up to `chunk_size` rows; an empty list at the end."""
        for batch in self._batches:
            if self._skip:
                if batch.num_rows <= self._skip:
                    self._skip -= batch.num_rows
                    continue
                batch = batch.slice(self._skip)
                self._skip = 0
            return _batch_rows(batch.select(self._fields))
        return []

    def close(self) -> None:
        """Closes the file."""
        self._batches = iter(())
        if self._file is not None:
            file, self._file = self._file, None
            self._parquet.close()
            file.close()


class ParquetWriter:
    """Writes Parquet with pyarrow, each chunk a row group.

    The schema comes from the first rows: a column that holds only None so far waits (up to
    100,000 rows) for a value that gives it a type. Later values must fit the schema
    (integers may go into a float column, not the reverse).
    """

    def __init__(self, file: _t.BinaryIO, fields: list[str]) -> None:
        self._pa = pa = _arrow()
        self._fields = fields
        self._file: _t.BinaryIO | None = file
        self._writer: _t.Any = None
        self._held: list[_t.Any] = []
        self._held_rows = 0
        self._types: list[_t.Any] = [pa.null()] * len(fields)

    def write(self, rows: list[Row]) -> None:
        """Writes one chunk (or holds it until every column has a type)."""
        batch = _infer_batch(self._pa, rows, self._fields)
        if self._writer is not None:
            self._writer.write_batch(self._fit(batch, self._writer.schema))
            return
        self._types = [
            _merge_types(self._pa, name, known, field.type)
            for name, known, field in zip(self._fields, self._types, batch.schema, strict=True)
        ]
        self._held.append(batch)
        self._held_rows += batch.num_rows
        if self._held_rows >= _HOLD_ROWS or not any(map(self._pa.types.is_null, self._types)):
            self._start()

    def _start(self) -> None:
        pq = self._pa.parquet
        schema = self._pa.schema(list(zip(self._fields, self._types, strict=True)))
        held, self._held = self._held, []
        batches = [self._fit(batch, schema) for batch in held]
        self._writer = pq.ParquetWriter(self._file, schema)
        for batch in batches:
            self._writer.write_batch(batch)

    def _fit(self, batch: _t.Any, schema: _t.Any) -> _t.Any:
        if batch.schema == schema:
            return batch
        for name, field, target in zip(self._fields, batch.schema, schema, strict=True):
            if field.type != target.type:
                try:
                    batch.column(name).cast(target.type, safe=True)
                except (self._pa.ArrowInvalid, self._pa.ArrowNotImplementedError) as exc:
                    raise TypeError(
                        f"column '{name}' was written as {target.type} (the type of its first"
                        f" values) and cannot take {field.type} values: {exc}"
                    ) from None
        return batch.cast(schema, safe=True)

    def close(self) -> None:
        """Writes what is held, the footer, and closes the file."""
        if self._file is None:
            return
        file = self._file
        try:
            if self._writer is None:
                self._start()
            self._writer.close()
        finally:
            self._file = None
            self._writer = None
            self._held = []
            file.close()


def _merge_types(pa: _t.Any, name: str, known: _t.Any, new: _t.Any) -> _t.Any:
    """The type of a column seen as `known` so far and `new` in the next rows."""
    if pa.types.is_null(new) or known == new:
        return known
    if pa.types.is_null(known):
        return new
    numbers = (pa.types.is_integer, pa.types.is_floating)
    if any(check(known) for check in numbers) and any(check(new) for check in numbers):
        return pa.float64()
    raise TypeError(f"column '{name}' holds both {known} and {new} values")


def _infer_batch(pa: _t.Any, rows: list[Row], fields: list[str]) -> _t.Any:
    """A record batch of rows, each column's type inferred from its values."""
    columns = list(zip(*rows, strict=True))
    arrays = []
    for name, column in zip(fields, columns, strict=True):
        try:
            arrays.append(pa.array(column))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise TypeError(f"column '{name}': {exc}") from None
    return pa.record_batch(arrays, names=fields)


# -- JSON Lines -----------------------------------------------------------------------------


class JsonLinesReader:
    """Reads one JSON object per line; blank lines are skipped.

    The first object must have every field (checked on opening); keys missing from later
    objects read as None.
    """

    def __init__(self, opener: Opener, fields: list[str], chunk_size: int, skip: int) -> None:
        self._file: _t.BinaryIO | None = opener()
        self._lines = io.TextIOWrapper(_t.cast(_t.IO[bytes], self._file), encoding="utf-8")
        self._fields = fields
        self._chunk_size = chunk_size
        self._line = 0
        self._held: Row | None = None
        first = self._next_record()
        if first is not None:
            _check_columns(fields, list(first))
            if skip:
                skip -= 1
            else:
                self._held = tuple(map(first.get, fields))
        while skip:
            line = self._lines.readline()
            if not line:
                break
            self._line += 1
            if line.strip():
                skip -= 1

    def _next_record(self) -> dict[str, _t.Any] | None:
        for line in self._lines:
            self._line += 1
            if line.strip():
                return self._parse(line)
        return None

    def _parse(self, line: str) -> dict[str, _t.Any]:
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"line {self._line} is not JSON: {exc}") from None
        if not isinstance(record, dict):
            raise ValueError(f"line {self._line} is not a JSON object")
        return record

    def read(self) -> list[Row]:
        """Up to `chunk_size` rows; an empty list at the end."""
        rows: list[Row] = []
        if self._held is not None:
            rows.append(self._held)
            self._held = None
        fields = self._fields
        loads = json.loads
        size = self._chunk_size
        while len(rows) < size:
            line = self._lines.readline()
            if not line:
                break
            self._line += 1
            if not line.strip():
                continue
            try:
                record = loads(line)
                rows.append(tuple(map(record.get, fields)))
            except (ValueError, AttributeError):
                self._parse(line)  # raises the error that says what is wrong
                raise
        return rows

    def close(self) -> None:
        """Closes the file."""
        if self._file is not None:
            file, self._file = self._file, None
            self._lines.detach()
            file.close()


class JsonLinesWriter:
    """Writes one JSON object per line (dates and times as ISO 8601 text)."""

    def __init__(self, file: _t.BinaryIO, fields: list[str]) -> None:
        self._file: _t.BinaryIO | None = file
        self._fields = fields
        self._encode = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode

    def write(self, rows: list[Row]) -> None:
        """Writes one chunk."""
        assert self._file is not None
        encode = self._encode
        fields = self._fields
        text = "".join([encode(dict(zip(fields, row, strict=True))) + "\n" for row in rows])
        self._file.write(text.encode("utf-8"))

    def close(self) -> None:
        """Closes the file."""
        if self._file is not None:
            file, self._file = self._file, None
            file.close()


def _json_default(value: _t.Any) -> _t.Any:
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return item()
    raise TypeError(f"{type(value).__name__} values cannot be written as JSON: {value!r}")
