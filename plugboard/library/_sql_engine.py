"""Database URLs for the SQL components: drivers, engines, and errors that hide the password."""

from __future__ import annotations

import importlib
import re
import typing as _t
from urllib.parse import quote, quote_plus

from plugboard.exceptions import PlugboardError


if _t.TYPE_CHECKING:
    from sqlalchemy.engine import URL
    from sqlalchemy.ext.asyncio import AsyncEngine


_URL_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\+[A-Za-z0-9_]+)?://")
_EXAMPLE = "'postgresql+asyncpg://user:password@host:5432/database'"

ASYNC_DRIVERS: dict[str, str] = {
    "postgresql": "asyncpg",
    "mysql": "asyncmy",
    "mariadb": "asyncmy",
    "sqlite": "aiosqlite",
}
"""The driver used when a URL names only the database (`postgresql://...`)."""

_INSTALL: dict[str, str] = {
    "sqlalchemy": "pip install 'plugboard[sql]'",
    "greenlet": "pip install 'plugboard[sql]'",
    "aiosqlite": "pip install 'plugboard[sql]'",
    "asyncpg": "pip install 'plugboard[postgres]'",
    "asyncmy": "pip install 'plugboard[mysql]'",
    "psycopg": "pip install 'psycopg[binary]' (or postgresql+asyncpg://, 'plugboard[postgres]')",
    "aiomysql": "pip install aiomysql (or use mysql+asyncmy://, 'plugboard[mysql]')",
}

_SYNC_DRIVERS = frozenset(
    {"psycopg2", "psycopg2cffi", "pg8000", "pymysql", "mysqldb", "mysqlconnector", "pysqlite"}
)

_MIN_SCRUBBED = 4  # shorter passwords are only hidden inside the whole URL


class SQLError(PlugboardError):
    """A database could not be reached, read or written.

    The message names the component, the database URL with its password hidden, and what
    the driver said; it never contains the password.
    """


def _import(module: str, who: str) -> _t.Any:
    """Imports `module`, turning a missing package into one line naming what to install."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = (exc.name or module).split(".")[0]
        hint = _INSTALL.get(missing, "pip install 'plugboard[sql]'")
        raise SQLError(f"{who} needs the package '{missing}': {hint}") from None


class Database:
    """A connection string, parsed lazily, with everything needed to talk about it safely.

    Construction only checks the string's shape (nothing is imported or opened). `masked`
    renders the URL with `***` for the password, and `error()` builds `SQLError`s whose text
    (and chained causes) never contain the password.

    Args:
        connection_string: A SQLAlchemy URL such as `postgresql+asyncpg://user@host/db`.
        who: How errors name the owner, e.g. `SQLWriter 'out'`.
    """

    def __init__(self, connection_string: str, who: str) -> None:
        if not isinstance(connection_string, str) or not _URL_SHAPE.match(connection_string):
            raise ValueError(f"connection_string must be a database URL like {_EXAMPLE}")
        self._raw = connection_string
        self.who = who
        self._url: URL | None = None
        self._masked: str | None = None
        self._secrets: list[str] = []

    @property
    def url(self) -> URL:
        """The parsed URL, with the default async driver filled in."""
        if self._url is None:
            self._url = self._parse()
        return self._url

    @property
    def masked(self) -> str:
        """The URL as it may be shown: the password replaced by `***`."""
        if self._masked is None:
            self._masked = self.url.render_as_string(hide_password=True)
        return self._masked

    def _parse(self) -> URL:
        engine_url = _import("sqlalchemy.engine.url", self.who)
        try:
            url: URL = engine_url.make_url(self._raw)
        except Exception:
            raise SQLError(
                f"{self.who}: connection_string is not a database URL like {_EXAMPLE}"
            ) from None
        password = url.password
        if password:
            text = str(password)
            self._secrets = sorted({text, quote_plus(text), quote(text, safe="")}, key=len)[::-1]
        if "+" not in url.drivername:
            driver = ASYNC_DRIVERS.get(url.get_backend_name())
            if driver is not None:
                url = url.set(drivername=f"{url.get_backend_name()}+{driver}")
        return url

    @property
    def driver(self) -> str:
        """The DBAPI driver's name as the URL gives it (`asyncpg`), or "" if it names none."""
        return self.url.drivername.partition("+")[2]

    def scrub(self, text: str) -> str:
        """Returns `text` with the URL's password (and the raw URL) replaced by `***`."""
        if self._raw in text:
            text = text.replace(self._raw, self.masked)
        for secret in self._secrets:
            if len(secret) >= _MIN_SCRUBBED:
                text = text.replace(secret, "***")
        return text

    def error(self, message: str) -> SQLError:
        """An `SQLError` saying `message`, with the password hidden."""
        return SQLError(self.scrub(message))

    def fail(self, message: str, cause: BaseException) -> _t.NoReturn:
        """Raises an `SQLError` saying `message` and what `cause` was, with no password.

        The cause stays chained (for `--debug` tracebacks) unless its text would reveal the
        password.
        """
        error = SQLError(self.scrub(f"{message}: {describe(cause)}"))
        if self._clean(cause):
            raise error from cause
        raise error from None

    def _clean(self, error: BaseException) -> bool:
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            text = f"{current!s} {current!r}"
            if self.scrub(text) != text:
                return False
            current = current.__cause__ or current.__context__
        return True

    def engine(
        self,
        application_name: str,
        pool_size: int | None = None,
        max_overflow: int = 0,
        connect_timeout: float | None = None,
    ) -> AsyncEngine:
        """Creates an engine, without a pool unless `pool_size` is given.

        A component holds its one connection itself, so needs no pool. PostgreSQL
        connections are named `application_name` (unless the URL names them), so they can be
        found in `pg_stat_activity`.

        Args:
            application_name: The name PostgreSQL shows for the connections.
            pool_size: Connections kept open in a pool.
            max_overflow: Connections the pool may open beyond `pool_size` at busy times.
            connect_timeout: Seconds a connection attempt may take (asyncpg).

        Raises:
            SQLError: The driver is missing or not an async one, or the URL is unusable.
        """
        url = self.url
        if self.driver in _SYNC_DRIVERS:
            raise SQLError(self._not_async(url))
        _import("sqlalchemy.ext.asyncio", self.who)
        from sqlalchemy import exc as sa_exc
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        connect_args: dict[str, _t.Any] = {}
        if url.get_backend_name() == "postgresql":
            name = str(url.query.get("application_name") or application_name)[:63]
            if self.driver == "asyncpg":
                # asyncpg takes it as a server setting, not as a connect() argument.
                url = url.difference_update_query(["application_name"])
                connect_args["server_settings"] = {"application_name": name}
                if connect_timeout is not None:
                    connect_args["timeout"] = connect_timeout
            elif "application_name" not in url.query:
                connect_args["application_name"] = name
        try:
            if pool_size is None:
                return create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
            return create_async_engine(
                url, pool_size=pool_size, max_overflow=max_overflow, connect_args=connect_args
            )
        except ModuleNotFoundError as exc:
            missing = (exc.name or self.driver).split(".")[0]
            hint = _INSTALL.get(missing, f"pip install {missing}")
            raise SQLError(
                f"{self.who}: the database driver '{missing}' is not installed: {hint}"
            ) from None
        except sa_exc.NoSuchModuleError:
            raise SQLError(
                f"{self.who}: unknown database or driver '{url.drivername}' in {self.masked}"
            ) from None
        except sa_exc.InvalidRequestError as exc:
            if "async" not in str(exc):
                self.fail(f"{self.who}: cannot use {self.masked}", exc)
            raise SQLError(self._not_async(url)) from None
        except Exception as exc:
            self.fail(f"{self.who}: cannot use {self.masked}", exc)

    def _not_async(self, url: URL) -> str:
        backend = url.get_backend_name()
        suggestion = ASYNC_DRIVERS.get(backend)
        hint = f" (use {backend}+{suggestion}://)" if suggestion else ""
        return f"{self.who}: '{url.drivername}' is not an async driver{hint}"


def describe(error: BaseException) -> str:
    """One line saying what a driver error was: the driver's own exception and message.

    SQLAlchemy wraps driver errors (and some drivers wrap their own); the innermost one is
    the informative one. SQLAlchemy's `[SQL: ...]` and background-link lines are dropped.
    """
    inner: BaseException = error
    orig = getattr(error, "orig", None)
    if isinstance(orig, BaseException):
        inner = orig
        # SQLAlchemy's asyncpg adapter re-raises asyncpg's exception as its own class.
        cause = inner.__cause__
        if cause is not None and type(inner).__module__.startswith("sqlalchemy"):
            inner = cause
    text = str(inner).strip()
    first = text.splitlines()[0] if text else ""
    name = type(inner).__name__
    return f"{name}: {first}" if first else name
