"""Databases and components for the SQL component tests.

Real PostgreSQL and MariaDB on loopback, SQLite files in the test's temporary folder.

The server URLs come from `PLUGBOARD_TEST_POSTGRES_URL` and `PLUGBOARD_TEST_MYSQL_URL`
(defaults: the services described in the test-services notes). A test whose server is down
skips, or fails under `PLUGBOARD_TEST_REQUIRE_SERVICES=1`.
"""

from __future__ import annotations

import os
from pathlib import Path
import typing as _t
import uuid

import pytest

from plugboard.component import Component, IOController
from plugboard.connector import AsyncioConnector
from plugboard.schemas import ComponentArgsDict, ConnectorSpec
from tests.services import missing


POSTGRES_URL = os.environ.get(
    "PLUGBOARD_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
MYSQL_URL = os.environ.get("PLUGBOARD_TEST_MYSQL_URL", "mysql+asyncmy://root@127.0.0.1:3306/test")
KINDS = ("sqlite", "postgresql", "mysql")


class Database:
    """One database for one test: its URL, unique table names, and direct SQL for checks.

    Every table made with `table()` is dropped when the test ends.
    """

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        self.url = url
        self.tables: list[str] = []

    def table(self, prefix: str = "t") -> str:
        name = f"pb_{prefix}_{uuid.uuid4().hex[:10]}"
        self.tables.append(name)
        return name

    async def execute(
        self,
        *statements: str,
        params: dict[str, _t.Any] | None = None,
        params_list: list[dict[str, _t.Any]] | None = None,
    ) -> None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        engine = create_async_engine(self.url, poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                for statement in statements:
                    await conn.execute(text(statement), params_list or params or {})
        finally:
            await engine.dispose()

    async def fetch(
        self, query: str, params: dict[str, _t.Any] | None = None
    ) -> list[tuple[_t.Any, ...]]:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        engine = create_async_engine(self.url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                result = await conn.execute(text(query), params or {})
                return [tuple(row) for row in result]
        finally:
            await engine.dispose()

    async def exists(self, table: str) -> bool:
        from sqlalchemy import inspect
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        engine = create_async_engine(self.url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return bool(await conn.run_sync(lambda c: inspect(c).has_table(table)))
        finally:
            await engine.dispose()

    async def drop_tables(self) -> None:
        if self.tables:
            await self.execute(*(f"DROP TABLE IF EXISTS {name}" for name in self.tables))


async def reachable(url: str) -> str | None:
    """None if the database answers, else why not."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(url, poolclass=NullPool, connect_args=_quick(url))
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        return f"{shown} is not reachable ({type(exc).__name__})"
    finally:
        await engine.dispose()
    return None


def _quick(url: str) -> dict[str, _t.Any]:
    if url.startswith("postgresql+asyncpg"):
        return {"timeout": 5}
    if url.startswith("mysql+asyncmy"):
        return {"connect_timeout": 5}
    return {}


async def open_database(kind: str, tmp_path: Path) -> Database:
    """The database of a kind, or a skip (a failure when services are required)."""
    if kind == "sqlite":
        return Database(kind, f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    url = POSTGRES_URL if kind == "postgresql" else MYSQL_URL
    problem = await reachable(url)
    if problem is not None:
        missing(problem)
    return Database(kind, url)


@pytest.fixture(name="database", params=KINDS)
async def database_fixture(
    request: pytest.FixtureRequest, tmp_path: Path
) -> _t.AsyncIterator[Database]:
    """SQLite, PostgreSQL and MariaDB in turn."""
    db = await open_database(request.param, tmp_path)
    try:
        yield db
    finally:
        await db.drop_tables()


@pytest.fixture(name="postgres")
async def postgres_fixture(tmp_path: Path) -> _t.AsyncIterator[Database]:
    """PostgreSQL only."""
    db = await open_database("postgresql", tmp_path)
    try:
        yield db
    finally:
        await db.drop_tables()


@pytest.fixture(name="mysql")
async def mysql_fixture(tmp_path: Path) -> _t.AsyncIterator[Database]:
    """MariaDB (MySQL) only."""
    db = await open_database("mysql", tmp_path)
    try:
        yield db
    finally:
        await db.drop_tables()


class Emit(Component):
    """Emits the given rows, one per step, on outputs named by `field_names`."""

    io = IOController()

    def __init__(
        self,
        rows: _t.Sequence[_t.Sequence[_t.Any]],
        field_names: _t.Sequence[str],
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        self.field_names = list(field_names)
        super().__init__(**kwargs)
        self._source = [tuple(row) for row in rows]

    @classmethod
    def io_for(cls, args: _t.Mapping[str, _t.Any]) -> IOController:
        return IOController(outputs=list(args["field_names"]))

    def _io_declaration(self) -> IOController:
        return IOController(outputs=self.field_names)

    async def init(self) -> None:
        self._rows = iter(self._source)

    async def step(self) -> None:
        row = next(self._rows, None)
        if row is None:
            await self.io.close()
            return
        for name, value in zip(self.field_names, row, strict=True):
            setattr(self, name, value)


class Gather(Component):
    """Keeps every row it receives on inputs named by `field_names` (by component name)."""

    io = IOController()
    rows: _t.ClassVar[dict[str, list[tuple[_t.Any, ...]]]] = {}

    def __init__(
        self, field_names: _t.Sequence[str], **kwargs: _t.Unpack[ComponentArgsDict]
    ) -> None:
        self.field_names = list(field_names)
        super().__init__(**kwargs)

    @classmethod
    def io_for(cls, args: _t.Mapping[str, _t.Any]) -> IOController:
        return IOController(inputs=list(args["field_names"]))

    def _io_declaration(self) -> IOController:
        return IOController(inputs=self.field_names)

    async def init(self) -> None:
        Gather.rows[self.name] = []

    async def step(self) -> None:
        Gather.rows[self.name].append(tuple(getattr(self, name) for name in self.field_names))


class KillAt(Component):
    """Passes `n`/`label` on as `k`/`l`; at n == `at`, first terminates the PostgreSQL backend
    named `application_name` (from a connection of its own), once.

    The kill happens before the row is passed on, so everything downstream of this component
    sees the row only after the backend is gone.
    """

    io = IOController(inputs=["n", "label"], outputs=["k", "l"])
    killed: _t.ClassVar[list[list[bool]]] = []

    def __init__(
        self, url: str, application_name: str, at: int, **kwargs: _t.Unpack[ComponentArgsDict]
    ) -> None:
        super().__init__(**kwargs)
        self._url = url
        self._application_name = application_name
        self._at = at
        self._done = False

    async def step(self) -> None:
        if self.n == self._at and not self._done:
            self._done = True
            KillAt.killed.append(await terminate(self._url, self._application_name))
        self.k = self.n
        self.l = self.label


async def terminate(url: str, application_name: str) -> list[bool]:
    """Terminates the backends named `application_name`, waiting (up to 5 s) until they exit."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": application_name},
            )
            return [bool(row[0]) for row in result]
    finally:
        await engine.dispose()


def wire(
    source: str,
    target: str,
    fields: _t.Sequence[str],
    targets: _t.Sequence[str] | None = None,
    buffer_size: int = 64,
) -> list[AsyncioConnector]:
    """Connects `source.f` to `target.t` for each field pair."""
    return [
        AsyncioConnector(
            spec=ConnectorSpec(source=f"{source}.{field}", target=f"{target}.{other}"),
            buffer_size=buffer_size,
        )
        for field, other in zip(fields, targets or fields, strict=True)
    ]
