"""Locations for the file components: fsspec URLs, extras, credentials kept out of messages."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import importlib
import re
import typing as _t


# Protocols whose fsspec implementation comes with one of our extras.
_EXTRAS = {
    "s3": "aws",
    "s3a": "aws",
    "gs": "gcp",
    "gcs": "gcp",
    "az": "azure",
    "abfs": "azure",
    "abfss": "azure",
    "adl": "azure",
}
# In these URLs `container@account` is a name, not a user and password.
_NAMED_USERINFO = frozenset({"az", "abfs", "abfss"})
# Option names whose values are credentials; values that are modes, not secrets, are spared.
_SECRET_NAME = re.compile(r"key|secret|token|passw|credential|connection|sas|signature", re.I)
_NOT_SECRET = frozenset({"anon", "google_default", "cache", "cloud", "browser", "true", "false"})
_CONNECTION_PART = re.compile(r"(?:AccountKey|SharedAccessSignature|SharedAccessKey)=([^;]+)")
_T = _t.TypeVar("_T")


def missing_extra(action: str, shown: str, extra: str) -> ImportError:
    """The one-line error for a missing extra."""
    return ImportError(
        f"{action} {shown} needs plugboard[{extra}]: pip install 'plugboard[{extra}]'"
    )


class Location:
    """A file location (path or fsspec URL) with its storage options.

    `shown` is the location as messages may show it: without user, password or query string.
    `scrub()` removes every credential from a text.
    """

    def __init__(self, url: str, storage_options: _t.Mapping[str, _t.Any]) -> None:
        self.url = url
        self.storage_options = dict(storage_options)
        self.shown, url_secrets = _strip_url(url)
        found = {*url_secrets, *_option_secrets(self.storage_options)}
        # Longest first, so that a secret containing another is removed whole.
        self._secrets = sorted((s for s in found if len(s) >= 4), key=len, reverse=True)
        self.shown = self.scrub(self.shown)

    @property
    def protocols(self) -> list[str]:
        """The protocols of the URL (several for chained URLs like `simplecache::s3://...`)."""
        found = []
        for part in self.url.split("::"):
            head, sep, _ = part.partition("://")
            found.append(head.lower() if sep else "file")
        return found

    def scrub(self, text: str) -> str:
        """`text` with every credential of this location replaced by `***`."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def leaks(self, error: BaseException) -> bool:
        """Whether an error, or one it was raised from, mentions a credential."""
        seen: set[int] = set()
        pending: list[BaseException | None] = [error]
        while pending:
            current = pending.pop()
            if current is None or id(current) in seen:
                continue
            seen.add(id(current))
            text = f"{current} {current.args!r}"
            if any(secret in text for secret in self._secrets):
                return True
            pending += [current.__cause__, current.__context__]
        return False

    def open_filesystem(self, writing: bool) -> tuple[_t.Any, str]:
        """The fsspec filesystem and the path inside it.

        Raises:
            ImportError: An extra is missing (one line naming it).
        """
        action = "writing" if writing else "reading"
        for module in ("fsspec", "pyarrow"):
            try:
                importlib.import_module(module)
            except ImportError:
                raise missing_extra(action, self.shown, "files") from None
        import fsspec.core

        error: Exception
        try:
            found = fsspec.core.url_to_fs(self.url, **self.storage_options)
        except ImportError as exc:
            extras = [_EXTRAS[p] for p in self.protocols if p in _EXTRAS]
            if extras:
                raise missing_extra(action, self.shown, extras[0]) from None
            error = ImportError(f"{action} {self.shown}: {self.scrub(str(exc))}")
        except Exception as exc:
            error = self.error("write" if writing else "read", exc)
        else:
            return found[0], str(found[1])
        raise error

    def open_for_writing(self) -> tuple[_t.Any, str, bool]:
        """The filesystem and path to write to, and whether it is the local disk.

        A cloud target's bucket must exist (see `check_bucket`).

        Raises:
            ImportError: An extra is missing (one line naming it).
            FileNotFoundError: No such bucket or container.
        """
        fs, path = self.open_filesystem(writing=True)
        from fsspec.implementations.local import LocalFileSystem

        local = isinstance(fs, LocalFileSystem)
        if not local:
            self.check_bucket(fs, path)
        return fs, path, local

    def check_bucket(self, fs: _t.Any, path: str) -> None:
        """Fails at once if the cloud bucket (or container) to write to does not exist.

        Otherwise that would only show when the upload completes, at the end of the run. An
        answer other than "not found" (no permission to look, say) lets writing go ahead.
        """
        if not any(protocol in _EXTRAS for protocol in self.protocols):
            return
        bucket = path.lstrip("/").split("/", 1)[0]
        try:
            fs.info(bucket)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"cannot write {self.shown}: there is no bucket or container '{bucket}'"
            ) from None
        except Exception:
            pass  # only "not found" is worth failing for

    def error(self, action: str, exc: BaseException, progress: str = "") -> Exception:
        """A one-line error about `exc` that names this location and no credential.

        The error keeps `exc` as its cause unless that would show a credential.

        Args:
            action: What failed: `"read"`, `"write"` or `"close"`.
            exc: The error.
            progress: How far the work got, shown in brackets after the location.
        """
        lines = [line.strip() for line in self.scrub(str(exc)).splitlines() if line.strip()]
        # One line: the first, and the next if the first only introduces it.
        text = " ".join(lines[:2] if lines and lines[0].endswith(":") else lines[:1])
        kind = _plain(exc)
        if kind is FileNotFoundError:
            # Messages vary by store, from the bare path to "b/name/o": keep the telling ones.
            found = re.search(r"\b(bucket|container)\b", text, re.I)
            text = f"not found ({text})" if found else "not found"
        where = f"{self.shown} ({progress})" if progress else self.shown
        new = kind(f"cannot {action} {where}: {text or type(exc).__name__}")
        if not self.leaks(exc):
            new.__cause__ = exc
        new.__suppress_context__ = True
        return new


# The built-in kinds an error keeps when it is reworded; anything else becomes an OSError.
_KINDS: tuple[type[Exception], ...] = (
    FileNotFoundError,
    PermissionError,
    ImportError,
    ValueError,
    TypeError,
)


def _plain(exc: BaseException) -> type[Exception]:
    for kind in _KINDS:
        if isinstance(exc, kind):
            return kind
    return OSError


def _strip_url(url: str) -> tuple[str, list[str]]:
    """The URL without credentials (user:password@, query, fragment), and what was removed."""
    parts = []
    secrets: list[str] = []
    for part in url.split("::"):
        scheme, sep, rest = part.partition("://")
        if not sep:
            parts.append(part)
            continue
        rest, _, query = rest.partition("?")
        rest = rest.partition("#")[0]
        for param in query.split("&"):
            name, equals, value = param.partition("=")
            secrets.append(value if equals else name)
        authority, slash, tail = rest.partition("/")
        if "@" in authority:
            userinfo, _, host = authority.rpartition("@")
            if ":" in userinfo or scheme.lower() not in _NAMED_USERINFO:
                secrets.extend(userinfo.split(":"))
                authority = host
        parts.append(f"{scheme}://{authority}{slash}{tail}")
    return "::".join(parts), [s for s in secrets if s]


def _option_secrets(options: _t.Any, secret: bool = False) -> list[str]:
    """Every credential among storage options (values of keys named like a secret)."""
    found: list[str] = []
    if isinstance(options, _t.Mapping):
        for key, value in options.items():
            found.extend(_option_secrets(value, secret or bool(_SECRET_NAME.search(str(key)))))
    elif isinstance(options, list | tuple | set):
        for value in options:
            found.extend(_option_secrets(value, secret))
    elif secret and isinstance(options, str) and options.lower() not in _NOT_SECRET:
        found.append(options)
        found.extend(_CONNECTION_PART.findall(options))
    return found


class Worker:
    """Runs a component's blocking file work on its own thread, one call after another.

    Work keeps the event loop free for the other components. A call whose caller was
    cancelled still finishes before the next call starts, so the file is never used by two
    threads at once.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._executor: ThreadPoolExecutor | None = None

    def submit(self, fn: _t.Callable[..., _T], *args: _t.Any) -> asyncio.Future[_T]:
        """Queues `fn(*args)`; the future is its result."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"plugboard-{self._name}")
        return asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def run(self, fn: _t.Callable[..., _T], *args: _t.Any) -> _T:
        """Runs `fn(*args)` after the work already queued."""
        return await self.submit(fn, *args)

    def shutdown(self) -> None:
        """Lets the thread end once its queued work is done."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
