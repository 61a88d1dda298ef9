"""Resolving import paths, and telling URLs from paths, in specs."""

from __future__ import annotations

import importlib
from pathlib import Path
import sys
import typing as _t


class ImportPathError(Exception):
    """An import path does not lead to an object."""


def add_search_path(folder: Path | None) -> None:
    """Lets modules beside a configuration file be imported by their plain names."""
    if folder is None:
        return
    entry = str(folder)
    if entry not in sys.path:
        sys.path.insert(0, entry)


def import_object(path: str) -> _t.Any:
    """Imports `package.module.Name` (or a nested `module.Outer.Inner`).

    Raises:
        ImportPathError: Nothing importable at that path; the message says what failed.
    """
    parts = path.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        raise ImportPathError(f"'{path}' is not an import path like 'module.ClassName'")
    error: BaseException | None = None
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        try:
            obj: _t.Any = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and not module_name.startswith(exc.name):
                # The module exists but one of *its* imports is missing.
                raise ImportPathError(f"importing '{module_name}' failed: {exc}") from exc
            error = exc
            continue
        except Exception as exc:
            raise ImportPathError(
                f"importing '{module_name}' failed: {type(exc).__name__}: {exc}"
            ) from exc
        for attr in parts[split:]:
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                raise ImportPathError(f"module '{module_name}' has no attribute '{attr}'") from None
        return obj
    raise ImportPathError(f"no module named '{parts[0]}' ({error})")


def is_url(value: str) -> bool:
    """Whether a string names a location with a scheme, like `s3://bucket/key`.

    fsspec's chained URLs (`simplecache::s3://bucket/key`) count too.
    """
    chain, sep, _ = value.partition("::")
    if sep:
        return chain.isalnum()
    head, sep, _ = value.partition("://")
    return bool(sep) and head.replace("+", "").isalnum()


def resolve_sqlite_url(url: str, base_dir: Path) -> str:
    """`sqlite+aiosqlite:///data.db` names a file in `base_dir`; absolute paths stay."""
    scheme, sep, path = url.partition(":///")
    if not sep or not scheme.startswith("sqlite") or not path or path.startswith("/"):
        return url
    if path.startswith(":memory:"):
        return url
    return f"{scheme}:///{base_dir / path}"
