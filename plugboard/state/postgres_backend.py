"""A state backend in PostgreSQL: one shared record for the processes of a job on many hosts."""

from __future__ import annotations

from collections.abc import Callable
import contextlib
from datetime import datetime
import json
import os
import re
import typing as _t

from plugboard.exceptions import NotFoundError, PlugboardError
from plugboard.state.backend import StateBackend


if _t.TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from plugboard.library._sql_engine import Database


STATE_URL_ENV = "PLUGBOARD_STATE_URL"
"""The environment variable read when `PostgresStateBackend` is given no `db_url`."""

_WHO = "PostgresStateBackend"
_INSTALL = "pip install 'plugboard[postgres]'"
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_CONNECT_TIMEOUT = 10.0
_TABLES = {
    "job": "plugboard_job",
    "process": "plugboard_process",
    "component": "plugboard_component",
}

Migration = Callable[[str], list[str]]
"""Returns the statements that bring a schema (a quoted name) to the next version."""


def _v1_tables(schema: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {schema}.plugboard_job ("
        " job_id TEXT PRIMARY KEY, data JSONB NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {schema}.plugboard_process ("
        " process_id TEXT PRIMARY KEY, job_id TEXT NOT NULL, data JSONB NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {schema}.plugboard_component ("
        " process_id TEXT NOT NULL, component_id TEXT NOT NULL, data JSONB NOT NULL,"
        " PRIMARY KEY (process_id, component_id))",
    ]


def _v2_listing_columns(schema: str) -> list[str]:
    return [
        f"ALTER TABLE {schema}.plugboard_job ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ",
        f"UPDATE {schema}.plugboard_job SET created_at = (data->>'created_at')::timestamptz"
        " WHERE created_at IS NULL AND data ? 'created_at'",
        f"CREATE INDEX IF NOT EXISTS plugboard_job_created_at ON {schema}.plugboard_job"
        " (created_at)",
        f"ALTER TABLE {schema}.plugboard_process"
        " ADD COLUMN IF NOT EXISTS status TEXT,"
        " ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ",
        f"UPDATE {schema}.plugboard_process SET status = data->>'status' WHERE status IS NULL",
        f"CREATE INDEX IF NOT EXISTS plugboard_process_job_id ON {schema}.plugboard_process"
        " (job_id)",
    ]


MIGRATIONS: dict[int, Migration] = {1: _v1_tables, 2: _v2_listing_columns}
"""Schema migrations by the version they lead to; each runs once, in order."""

SCHEMA_VERSION = max(MIGRATIONS)
"""The schema version this release writes."""


def _timestamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class PostgresStateBackend(StateBackend):
    """Keeps the run's state in PostgreSQL, shared by every process of a job.

    Processes of one job on different workers or hosts record into the same tables, so each
    can read the others' statuses and errors (see `get_job_processes` and
    `raise_if_job_failed`). Needs `plugboard[postgres]` (SQLAlchemy with asyncpg).

    The tables (`plugboard_job`, `plugboard_process`, `plugboard_component` and
    `plugboard_schema_version`) are created in `schema` on first use, and an older schema
    is migrated to this release's version. Both happen in one transaction under an
    advisory lock, so several processes may start at once against a new database.

    The password is never shown: messages show the URL with `***` for it, and `export()`
    (hence `process.dump()`) leaves it out. Give it through `PGPASSWORD`, or pass no `db_url`
    and set `PLUGBOARD_STATE_URL`.

    Args:
        db_url: A SQLAlchemy URL: `postgresql://user:password@host:5432/db` (asyncpg is
            then used) or `postgresql+asyncpg://...`; by default `PLUGBOARD_STATE_URL`.
        schema: The PostgreSQL schema holding the tables; created if missing.
        job_id: The job to record runs under.
        metadata: Free key-value pairs stored with the job.

    Raises:
        ValueError: `db_url` is not a PostgreSQL URL, or `schema` is not a plain name.
    """

    def __init__(
        self,
        db_url: str | None = None,
        schema: str = "public",
        job_id: str | None = None,
        metadata: dict[str, _t.Any] | None = None,
        **kwargs: _t.Any,
    ) -> None:
        if db_url is not None:
            _check_url(db_url)
            kwargs["db_url"] = _without_password(db_url)
        if not isinstance(schema, str) or not _SCHEMA_NAME.match(schema):
            raise ValueError(f"schema must be a plain PostgreSQL name, not {schema!r}")
        if schema != "public":
            kwargs["schema"] = schema
        super().__init__(job_id=job_id, metadata=metadata, **kwargs)
        self._db_url = db_url
        self.schema = schema
        self._quoted = f'"{schema}"'
        self._database: Database | None = None
        self._engine: AsyncEngine | None = None
        self._absent = False  # opened for reading, and no state tables exist yet
        self._migrated = False

    @property
    def url(self) -> str:
        """The database URL with the password shown as `***` (empty until known)."""
        if self._database is not None:
            return self._database.masked
        return _mask(self._db_url or os.environ.get(STATE_URL_ENV, ""))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(db_url={self.url!r}, schema={self.schema!r})"

    def _make_database(self) -> Database:
        url = self._db_url or os.environ.get(STATE_URL_ENV)
        if not url:
            raise ValueError(
                f"{_WHO} needs a db_url (or the {STATE_URL_ENV} environment variable), "
                "e.g. 'postgresql://user@host:5432/database'"
            )
        _check_url(url)
        try:
            import sqlalchemy.ext.asyncio  # noqa: F401
        except ModuleNotFoundError as exc:
            missing = (exc.name or "sqlalchemy").split(".")[0]
            raise ImportError(f"{_WHO} needs the package '{missing}': {_INSTALL}") from None
        from plugboard.library._sql_engine import Database

        return Database(_normalise(url), _WHO)

    async def _open(self) -> None:
        await self._connect(migrate=True)

    async def _open_for_reading(self) -> None:
        await self._connect(migrate=False)

    async def _connect(self, migrate: bool) -> None:
        """Creates the engine if needed; then migrates the schema, or checks it exists."""
        if self._engine is None:
            self._engine = self._create_engine()
            self._migrated = False
        if self._migrated:
            return
        database = self._database
        assert database is not None
        try:
            async with self._engine.begin() as conn:
                if migrate:
                    await self._migrate(conn)
                    self._migrated, self._absent = True, False
                else:
                    self._absent = await _version(conn, self._quoted) is None
        except BaseException as exc:
            await self._close()
            if isinstance(exc, Exception) and not isinstance(exc, PlugboardError):
                database.fail(f"{_WHO}: cannot open the state in {database.masked}", exc)
            raise

    def _create_engine(self) -> AsyncEngine:
        database = self._database = self._make_database()
        return database.engine(
            "plugboard-state", pool_size=2, max_overflow=4, connect_timeout=_CONNECT_TIMEOUT
        )

    async def _migrate(self, conn: AsyncConnection, target: int = SCHEMA_VERSION) -> None:
        """Creates the schema and applies missing migrations up to `target`, under a lock."""
        from sqlalchemy import text

        schema = self._quoted
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"plugboard.state:{self.schema}"},
        )
        await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        await conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {schema}.plugboard_schema_version ("
                " version INTEGER PRIMARY KEY,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
        )
        current = (
            await conn.execute(
                text(f"SELECT coalesce(max(version), 0) FROM {schema}.plugboard_schema_version")
            )
        ).scalar_one()
        if current > SCHEMA_VERSION:
            assert self._database is not None
            raise self._database.error(
                f"{_WHO}: the state schema '{self.schema}' is at version {current}, newer "
                f"than this release of plugboard knows ({SCHEMA_VERSION}): upgrade plugboard"
            )
        for version in range(current + 1, target + 1):
            for statement in MIGRATIONS[version](schema):
                await conn.execute(text(statement))
            await conn.execute(
                text(f"INSERT INTO {schema}.plugboard_schema_version (version) VALUES (:v)"),
                {"v": version},
            )

    async def _has_tables(self) -> bool:
        """Whether the state tables exist (checked again while they did not)."""
        if self._absent:
            async with self._guard("read the schema version") as engine, engine.connect() as conn:
                self._absent = await _version(conn, self._quoted) is None
        return not self._absent

    async def schema_version(self) -> int:
        """Returns the version of the schema in the database (0 if it has none)."""
        async with self._guard("read the schema version") as engine, engine.connect() as conn:
            return await _version(conn, self._quoted) or 0

    async def _close(self) -> None:
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.dispose()

    @contextlib.asynccontextmanager
    async def _guard(self, action: str) -> _t.AsyncIterator[AsyncEngine]:
        """Yields the engine; a database error becomes one line without the password."""
        if self._engine is None or self._database is None:
            raise RuntimeError(f"{_WHO} is not open: use it between init() and destroy()")
        try:
            yield self._engine
        except PlugboardError:
            raise
        except Exception as exc:
            self._database.fail(f"{_WHO}: cannot {action} in {self._database.masked}", exc)

    async def _put_job(self, record: dict[str, _t.Any]) -> None:
        from sqlalchemy import text

        async with self._guard("record the job") as engine, engine.begin() as conn:
            await conn.execute(
                text(
                    f"INSERT INTO {self._quoted}.plugboard_job (job_id, created_at, data)"
                    " VALUES (:job_id, :created_at, CAST(:data AS JSONB))"
                    " ON CONFLICT (job_id) DO NOTHING"
                ),
                {
                    "job_id": record["job_id"],
                    "created_at": _timestamp(record.get("created_at")),
                    "data": json.dumps(record),
                },
            )

    async def _put_process(self, record: dict[str, _t.Any]) -> None:
        from sqlalchemy import text

        async with self._guard("record the process") as engine, engine.begin() as conn:
            await conn.execute(
                text(
                    f"INSERT INTO {self._quoted}.plugboard_process"
                    " (process_id, job_id, status, updated_at, data)"
                    " VALUES (:process_id, :job_id, :status, :updated_at, CAST(:data AS JSONB))"
                    " ON CONFLICT (process_id) DO UPDATE SET job_id = excluded.job_id,"
                    " status = excluded.status, updated_at = excluded.updated_at,"
                    " data = excluded.data"
                ),
                {
                    "process_id": record["process_id"],
                    "job_id": record["job_id"],
                    "status": record["status"],
                    "updated_at": _timestamp(record.get("updated_at")),
                    "data": json.dumps(record),
                },
            )

    async def _put_components(self, records: list[dict[str, _t.Any]]) -> None:
        if not records:
            return
        from sqlalchemy import text

        async with self._guard("record the components") as engine, engine.begin() as conn:
            await conn.execute(
                text(
                    f"INSERT INTO {self._quoted}.plugboard_component"
                    " (process_id, component_id, data)"
                    " VALUES (:process_id, :component_id, CAST(:data AS JSONB))"
                    " ON CONFLICT (process_id, component_id) DO UPDATE SET data = excluded.data"
                ),
                [
                    {
                        "process_id": r["process_id"] or "",
                        "component_id": r["component_id"],
                        "data": json.dumps(r),
                    }
                    for r in records
                ],
            )

    async def _get(self, kind: str, key: str) -> dict[str, _t.Any]:
        from sqlalchemy import text

        if kind not in _TABLES:
            raise ValueError(f"unknown record kind {kind!r}")
        table = f"{self._quoted}.{_TABLES[kind]}"
        if kind == "component":
            process_id, _, component_id = key.rpartition("/")
            query = (
                f"SELECT data::text FROM {table}"
                " WHERE process_id = :process_id AND component_id = :component_id"
            )
            params = {"process_id": process_id, "component_id": component_id}
        else:
            query = f"SELECT data::text FROM {table} WHERE {kind}_id = :key"
            params = {"key": key}
        row = None
        if await self._has_tables():
            async with self._guard(f"read the {kind}") as engine, engine.connect() as conn:
                row = (await conn.execute(text(query), params)).first()
        if row is None:
            raise NotFoundError(f"no {kind} '{key}' in the state at {self.url}")
        data: dict[str, _t.Any] = json.loads(row[0])
        return data

    async def _list_jobs(self) -> list[dict[str, _t.Any]]:
        from sqlalchemy import text

        if not await self._has_tables():
            return []
        query = f"SELECT data::text FROM {self._quoted}.plugboard_job"
        async with self._guard("list the jobs") as engine, engine.connect() as conn:
            rows = (await conn.execute(text(query))).all()
        return [json.loads(row[0]) for row in rows]

    async def _list_processes(self, job_id: str | None) -> list[dict[str, _t.Any]]:
        from sqlalchemy import text

        if not await self._has_tables():
            return []
        query = f"SELECT data::text FROM {self._quoted}.plugboard_process"
        params: dict[str, _t.Any] = {}
        if job_id is not None:
            query += " WHERE job_id = :job_id"
            params["job_id"] = job_id
        async with self._guard("list the processes") as engine, engine.connect() as conn:
            rows = (await conn.execute(text(query), params)).all()
        return [json.loads(row[0]) for row in rows]


async def _version(conn: AsyncConnection, schema: str) -> int | None:
    """The schema's version, or None if it has no version table."""
    from sqlalchemy import text

    table = (
        await conn.execute(
            text("SELECT to_regclass(:name)::text"), {"name": f"{schema}.plugboard_schema_version"}
        )
    ).scalar_one()
    if table is None:
        return None
    result = await conn.execute(
        text(f"SELECT coalesce(max(version), 0) FROM {schema}.plugboard_schema_version")
    )
    return int(result.scalar_one())


_POSTGRES_URL = re.compile(r"^(postgres|postgresql)(\+[A-Za-z0-9_]+)?://", re.IGNORECASE)
# As SQLAlchemy reads a URL: the password runs from the first `:` after the user to the `@`.
_PASSWORD = re.compile(r"^([^:/]+://[^:@/]*):[^@]*@")


def is_postgres_url(url: str) -> bool:
    """Whether `url` names a PostgreSQL database (`postgresql://`, `postgres+asyncpg://`...)."""
    return bool(_POSTGRES_URL.match(url))


def _check_url(url: object) -> None:
    if not isinstance(url, str) or not is_postgres_url(url):
        shown = _mask(url) if isinstance(url, str) else repr(url)
        raise ValueError(
            f"db_url must be a PostgreSQL URL like 'postgresql://user@host:5432/database', "
            f"not {shown!r}"
        )


def _normalise(url: str) -> str:
    """`postgres://` (as many services print it) becomes `postgresql://`."""
    scheme, sep, rest = url.partition("://")
    if scheme.lower().split("+")[0] == "postgres":
        scheme = "postgresql" + scheme[len("postgres") :]
    return f"{scheme}{sep}{rest}"


def _mask(url: str) -> str:
    """The URL with any password replaced by `***`."""
    return _PASSWORD.sub(r"\1:***@", url)


def _without_password(url: str) -> str:
    """The URL with any password left out (for specs that may be written to files)."""
    return _PASSWORD.sub(r"\1@", url)
