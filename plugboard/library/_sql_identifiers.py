"""Table and column names for the SQL components, and column types for new tables."""

from __future__ import annotations

import datetime as _dt
import decimal
import re
import typing as _t


if _t.TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.types import TypeEngine


IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""What a table, schema or column name may look like (they are also quoted when needed)."""


def table_name(value: object) -> tuple[str | None, str]:
    """Splits `table` or `schema.table` into `(schema, table)`.

    Raises:
        ValueError: The name is not one or two identifiers joined by a dot.
    """
    parts = value.split(".") if isinstance(value, str) else []
    if not 1 <= len(parts) <= 2 or not all(IDENTIFIER.match(part) for part in parts):
        raise ValueError(
            f"invalid table name {value!r}: use letters, digits and '_' (not starting with a"
            " digit), optionally as schema.table"
        )
    if len(parts) == 2:
        return parts[0], parts[1]
    return None, parts[0]


def column_names(names: _t.Sequence[str]) -> list[str]:
    """Checks that every field name can be a column name.

    Raises:
        ValueError: Some name is not an identifier.
    """
    bad = [name for name in names if not IDENTIFIER.match(name)]
    if bad:
        raise ValueError(
            f"invalid column names {bad}: use letters, digits and '_' (not starting with a digit)"
        )
    return list(names)


def column_type(field: str, values: _t.Iterable[object]) -> TypeEngine[_t.Any]:
    """The column type for a field, from the Python type of its first non-null value.

    `bool` -> BOOLEAN, `int` -> BIGINT, `float` -> DOUBLE, `str` -> TEXT, `datetime` ->
    TIMESTAMP (WITH TIME ZONE when the value has a timezone), `date` -> DATE, `time` -> TIME,
    `Decimal` -> NUMERIC, `bytes` -> binary; a column with only nulls is TEXT.

    Raises:
        ValueError: A value of another type (the table must then be created beforehand).
    """
    from sqlalchemy import types

    value = next((v for v in values if v is not None), None)
    if value is None or isinstance(value, str):
        return types.Text()
    if isinstance(value, bool):
        return types.Boolean()
    if isinstance(value, int):
        return types.BigInteger()
    if isinstance(value, float):
        return types.Double()
    if isinstance(value, _dt.datetime):
        return types.DateTime(timezone=value.tzinfo is not None)
    if isinstance(value, _dt.date):
        return types.Date()
    if isinstance(value, _dt.time):
        return types.Time()
    if isinstance(value, decimal.Decimal):
        return types.Numeric()
    if isinstance(value, bytes | bytearray | memoryview):
        return types.LargeBinary()
    raise ValueError(
        f"cannot choose a column type for '{field}' from a {type(value).__name__} value:"
        " create the table beforehand"
    )


def new_table(
    table: str, schema: str | None, fields: _t.Sequence[str], rows: _t.Sequence[tuple[_t.Any, ...]]
) -> Table:
    """A table with one column per field, typed from the values in `rows`."""
    from sqlalchemy import Column, MetaData, Table

    columns = [
        Column(field, column_type(field, (row[i] for row in rows)))
        for i, field in enumerate(fields)
    ]
    return Table(table, MetaData(), *columns, schema=schema)
