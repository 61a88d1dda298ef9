"""`DataReader` and `DataWriter`: components that move rows between a model and a store."""

from __future__ import annotations

from abc import abstractmethod
import operator
import typing as _t

from plugboard.component import Component, IOController
from plugboard.exceptions import IOSetupError
from plugboard.library._formats import Row
from plugboard.schemas import ComponentArgsDict


DEFAULT_CHUNK_SIZE = 10_000


_OWN_ATTRIBUTES = frozenset({"field_names", "columns", "chunk_size", "rows_read", "rows_written"})


FieldNames = _t.Sequence[str] | _t.Mapping[str, str]
"""Column names, each also its field's name; or a mapping of column name to field name."""


def _columns_and_fields(args: _t.Mapping[str, _t.Any]) -> tuple[list[str], list[str]]:
    """Returns the store's column names and the model's field names, in the same order."""
    names = args.get("field_names")
    if isinstance(names, _t.Mapping) and names:
        columns = [str(column) for column in names]
        fields = [str(field) for field in names.values()]
    elif isinstance(names, _t.Sequence) and not isinstance(names, str) and names:
        columns = fields = [str(name) for name in names]
    else:
        raise IOSetupError(
            "field_names must be a non-empty list of column names, or a mapping of column"
            " names to field names"
        )
    if len(set(fields)) != len(fields):
        raise IOSetupError(f"field_names names a field twice: {fields}")
    clashing = sorted(_OWN_ATTRIBUTES.intersection(fields))
    if clashing:
        raise IOSetupError(
            f"field_names may not use the reader/writer's own names: {clashing}"
            " (map the column to another field name: {column: field})"
        )
    return columns, list(fields)


def _field_list(args: _t.Mapping[str, _t.Any]) -> list[str]:
    return _columns_and_fields(args)[1]


def _row_getter(fields: list[str]) -> _t.Callable[[dict[str, _t.Any]], Row]:
    """Takes a row (a tuple in `fields` order) out of a component's values."""
    if len(fields) == 1:
        (only,) = fields
        return lambda values: (values[only],)
    return operator.itemgetter(*fields)


def _chunk(size: int | None) -> int:
    if size is None:
        return DEFAULT_CHUNK_SIZE
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"chunk_size must be a whole number of at least 1, not {size!r}")
    return size


class DataReader(Component):
    """Emits one row per step on outputs named by `field_names`, reading a store in chunks.

    Subclasses open the store in `_open(skip)`, return the next chunk of rows (tuples in
    `field_names` order, an empty list at the end) from `_read_chunk()`, and release it in
    `_close()`. After a failure, `on_retry` reopens the store and skips the rows already
    emitted, so a retried reader resumes where it was.

    Args:
        field_names: The columns to read, each emitted on the output of the same name; or a
            mapping of column names to output names (`{"id": "row_id"}`), for columns named
            like a component attribute (`id`, `name`, ...) or not valid as Python names.
        chunk_size: Rows fetched at a time (default 10,000): memory stays flat.
    """

    io = IOController()
    _field_name_hint = " (rename it with a mapping: field_names: {column: field})"

    def __init__(
        self,
        field_names: FieldNames,
        chunk_size: int | None = None,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        self.columns, self.field_names = _columns_and_fields({"field_names": field_names})
        self.chunk_size = _chunk(chunk_size)
        super().__init__(**kwargs)
        self.rows_read = 0
        self._rows: _t.Iterator[Row] = iter(())

    @classmethod
    def io_for(cls, args: _t.Mapping[str, _t.Any]) -> IOController:
        """Outputs named after `field_names`."""
        return IOController(outputs=_field_list(args))

    def _io_declaration(self) -> IOController:
        return IOController(outputs=self.field_names)

    async def init(self) -> None:
        """Opens the store."""
        await self._open(skip=0)

    async def step(self) -> None:
        """Sets the outputs from the next row; closes the IO after the last one."""
        row = next(self._rows, None)
        if row is None:
            chunk = await self._read_chunk()
            if not chunk:
                await self.io.close()
                return
            self._rows = iter(chunk)
            row = next(self._rows)
        values = self.__dict__
        for name, value in zip(self.field_names, row, strict=True):
            values[name] = value
        self.rows_read += 1

    async def on_retry(self, error: Exception) -> None:
        """Reopens the store after a failure and resumes after the rows already emitted."""
        await self._close()
        await self._open(skip=self.rows_read)
        self._rows = iter(())

    async def destroy(self) -> None:
        """Closes the store."""
        await self._close()

    @abstractmethod
    async def _open(self, skip: int) -> None:
        """Opens the store, positioned after the first `skip` rows."""

    @abstractmethod
    async def _read_chunk(self) -> list[Row]:
        """Returns up to `chunk_size` rows; an empty list at the end."""

    @abstractmethod
    async def _close(self) -> None:
        """Releases the store; safe to call more than once, and before `_open`."""


class DataWriter(Component):
    """Collects one row per step from inputs named by `field_names`, writing in chunks.

    A chunk is written when it is full (at the start of the next step, so a step that fails
    while writing can be retried without adding its row twice) and at `destroy()`, which
    always writes what was accepted, even after a failed run. Subclasses write a chunk in
    `_write_chunk()` and publish/close the target in `_close()`.

    Args:
        field_names: The columns to write, each read from the input of the same name; or a
            mapping of column names to input names (`{"id": "row_id"}`).
        chunk_size: Rows written at a time (default 10,000).
    """

    io = IOController()
    _field_name_hint = " (rename it with a mapping: field_names: {column: field})"

    def __init__(
        self,
        field_names: FieldNames,
        chunk_size: int | None = None,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        self.columns, self.field_names = _columns_and_fields({"field_names": field_names})
        self.chunk_size = _chunk(chunk_size)
        super().__init__(**kwargs)
        self.rows_written = 0
        self._row = _row_getter(self.field_names)
        self._buffer: list[Row] = []

    @classmethod
    def io_for(cls, args: _t.Mapping[str, _t.Any]) -> IOController:
        """Inputs named after `field_names`."""
        return IOController(inputs=_field_list(args))

    def _io_declaration(self) -> IOController:
        return IOController(inputs=self.field_names)

    async def init(self) -> None:
        """Opens the target."""
        await self._open()

    async def step(self) -> None:
        """Adds this step's row, writing the previous chunk first if it is full."""
        if len(self._buffer) >= self.chunk_size:
            await self.flush()
        self._buffer.append(self._row(self.__dict__))

    async def flush(self) -> None:
        """Writes the rows accepted so far."""
        if self._buffer:
            await self._write_chunk(self._buffer)
            self.rows_written += len(self._buffer)
            self._buffer = []

    async def destroy(self) -> None:
        """Writes what was accepted, then closes the target (also after a failed run)."""
        try:
            await self.flush()
        finally:
            await self._close()

    @abstractmethod
    async def _open(self) -> None:
        """Opens the target (nothing is created or truncated before `init()`)."""

    @abstractmethod
    async def _write_chunk(self, rows: list[Row]) -> None:
        """Writes one chunk of rows, all or nothing where the store allows it."""

    @abstractmethod
    async def _close(self) -> None:
        """Finishes the target; safe to call more than once, and before `_open`."""
