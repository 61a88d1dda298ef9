"""Inputs and targets of the file and SQL scenarios: a generated CSV and scratch tables."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
import itertools
import os
from pathlib import Path
import typing as _t

from tests.benchmarks.published_env import CACHE


DATA = CACHE / "data"
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
COLUMNS = "c0 bigint, c1 double precision, c2 double precision, c3 bigint, c4 text"


def csv_file(rows: int) -> Path:
    """A CSV of `rows` rows and five columns (int, float, float, int, text), made once."""
    path = DATA / f"rows-{rows}.csv"
    if path.exists():
        return path
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.csv as pc  # type: ignore[import-untyped]

    DATA.mkdir(parents=True, exist_ok=True)
    numbers = range(rows)
    table = pa.table(
        {
            "c0": pa.array(numbers, pa.int64()),
            "c1": pa.array([n * 0.5 for n in numbers], pa.float64()),
            "c2": pa.array([(n * 7919 % 10_007) / 10_007 for n in numbers], pa.float64()),
            "c3": pa.array([n % 97 for n in numbers], pa.int64()),
            "c4": pa.array([f"name-{n % 1_000}" for n in numbers], pa.string()),
        }
    )
    partial = path.with_suffix(".partial")
    pc.write_csv(table, partial)
    partial.replace(path)
    return path


class Tables:
    """Fresh, uniquely named PostgreSQL tables for the runs; all dropped at the end."""

    def __init__(self, url: str = POSTGRES_URL) -> None:
        self.url = url
        self._counter = itertools.count()
        self._made: list[str] = []

    def _run(self, sql: str) -> _t.Any:
        import asyncpg  # type: ignore[import-untyped]

        async def main() -> _t.Any:
            connection = await asyncpg.connect(self.url.replace("+asyncpg", ""), timeout=5)
            try:
                return await connection.fetchval(sql)
            finally:
                await connection.close()

        return asyncio.run(main())

    def check(self) -> str | None:
        """None if the database answers, else why not."""
        try:
            self._run("select 1")
        except Exception as exc:
            return f"PostgreSQL at 127.0.0.1:5432 (database test) is not reachable: {exc}"
        return None

    def new(self, side: str) -> str:
        """Creates an empty table for one run; returns its name."""
        name = f"bench_{side}_{os.getpid()}_{next(self._counter)}"
        self._run(f"create table {name} ({COLUMNS})")
        self._made.append(name)
        return name

    def count(self, name: str) -> int:
        """Rows in a table."""
        return int(self._run(f"select count(*) from {name}"))

    def drop(self, name: str) -> None:
        """Drops a table made by `new`."""
        self._run(f"drop table if exists {name}")
        if name in self._made:
            self._made.remove(name)

    @contextlib.contextmanager
    def session(self) -> Iterator[Tables]:
        """Drops whatever tables are left when the scenario ends."""
        try:
            yield self
        finally:
            for name in list(self._made):
                with contextlib.suppress(Exception):
                    self.drop(name)
