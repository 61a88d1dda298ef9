"""Reusable components: reading and writing files (fsspec) and databases (SQLAlchemy).

The file and database components need extras (`plugboard[files]`, `plugboard[aws]`,
`plugboard[sql]`, ...); they are imported on first use, so a missing extra is one clear
error naming what to install.
"""

import importlib
import typing as _t

from plugboard.library.data import DataReader, DataWriter


__all__ = ["DataReader", "DataWriter", "FileReader", "FileWriter", "SQLReader", "SQLWriter"]

_LAZY = {
    "FileReader": "plugboard.library.files",
    "FileWriter": "plugboard.library.files",
    "SQLReader": "plugboard.library.sql",
    "SQLWriter": "plugboard.library.sql",
}


def __getattr__(name: str) -> _t.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'plugboard.library' has no attribute '{name}'")
    return getattr(importlib.import_module(module), name)
