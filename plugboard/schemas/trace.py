"""Spec of a run's trace: where the record of every component step goes, and what it holds."""

from __future__ import annotations

import os
from pathlib import Path
import re
import typing as _t

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plugboard._imports import is_url, resolve_sqlite_url


_SUFFIXES = (
    (".parquet", "parquet"),
    (".pq", "parquet"),
    (".jsonl", "jsonl"),
    (".ndjson", "jsonl"),
)
_SQL_BACKENDS = frozenset(
    {"postgresql", "postgres", "sqlite", "mysql", "mariadb", "mssql", "oracle"}
)
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def is_database_url(target: str) -> bool:
    """Whether a trace target names a database (`postgresql+asyncpg://...`), not a file."""
    scheme, sep, _ = target.partition("://")
    return bool(sep) and scheme.partition("+")[0].lower() in _SQL_BACKENDS


def trace_format(path: str) -> str | None:
    """The trace format named by a path's suffix, or None."""
    name = path.lower().split("?", 1)[0].rstrip("/")
    for suffix, found in _SUFFIXES:
        if name.endswith(suffix):
            return found
    return None


class TraceSpec(BaseModel):
    """Where a run's trace is written, and which steps it records.

    Give either `path` (a Parquet or JSON Lines file: a local path or any fsspec URL) or
    `url` (a SQLAlchemy database URL, with `table`). In YAML a bare string is also accepted:
    `trace: run.parquet` or `trace: postgresql+asyncpg://host/db`.
    """

    model_config = ConfigDict(extra="forbid")

    path: str | None = None
    """A `.parquet`/`.pq` or `.jsonl`/`.ndjson` file: a local path or an fsspec URL."""
    url: str | None = None
    """A SQLAlchemy database URL with an async driver (`sqlite+aiosqlite:///trace.db`)."""
    table: str | None = None
    """The table written with `url` (`trace` by default), optionally `schema.table`."""
    format: _t.Literal["jsonl", "parquet"] | None = None
    """The file format, when the path's suffix does not say it."""
    storage_options: dict[str, _t.Any] = Field(default_factory=dict)
    """Passed to fsspec with `path` (credentials, `endpoint_url`, ...)."""
    components: list[str] | None = None
    """The components traced (all by default)."""
    every: int = Field(default=1, ge=1)
    """Record one step in `every` of each component (steps 0, every, 2*every, ...); a step
    that raises is always recorded."""
    batch_size: int = Field(default=10_000, ge=1)
    """Records handed to the background writer at a time."""
    flush_interval: float = Field(default=5.0, gt=0)
    """Seconds after which records waiting in the buffer are written anyway."""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: _t.Any) -> _t.Any:
        if isinstance(data, str):
            return {"url": data} if is_database_url(data) else {"path": data}
        return data

    @model_validator(mode="after")
    def _check_target(self) -> _t.Self:
        if (self.path is None) == (self.url is None):
            raise ValueError("give either 'path' (a .parquet or .jsonl file) or 'url' (a database)")
        if self.url is not None:
            if not is_database_url(self.url):
                raise ValueError(
                    f"url {self.url!r} is not a database URL like"
                    " 'postgresql+asyncpg://user@host/db' or 'sqlite+aiosqlite:///trace.db'"
                )
            if self.format is not None or self.storage_options:
                raise ValueError("'format' and 'storage_options' go with 'path', not 'url'")
            if self.table is not None and not _TABLE.match(self.table):
                raise ValueError(
                    f"invalid table name {self.table!r}: use letters, digits and '_',"
                    " optionally as schema.table"
                )
            return self
        assert self.path is not None
        if self.table is not None:
            raise ValueError("'table' goes with 'url', not 'path'")
        if not self.path:
            raise ValueError("'path' is empty")
        if self.format is None and trace_format(self.path) is None:
            raise ValueError(
                f"cannot tell the trace format of {self.path!r}: name it .parquet or .jsonl,"
                " or give format: parquet or jsonl"
            )
        return self

    @classmethod
    def from_target(cls, target: str) -> TraceSpec:
        """The spec of a bare target (`--trace run.parquet`): a relative path is made absolute.

        Raises:
            pydantic.ValidationError: The target names no file format or database.
        """
        spec = cls.model_validate(target)
        if spec.path is not None and not is_url(spec.path):
            spec.path = os.path.abspath(os.path.expanduser(spec.path))
        if spec.url is not None:
            spec.url = resolve_sqlite_url(spec.url, Path.cwd())
        return spec

    @property
    def file_format(self) -> str:
        """The format of a file trace (`parquet` or `jsonl`)."""
        if self.format is not None:
            return self.format
        found = trace_format(self.path or "")
        assert found is not None
        return found

    @property
    def table_name(self) -> str:
        """The table of a database trace."""
        return self.table or "trace"
