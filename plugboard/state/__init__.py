"""State backends: where runs record their jobs, statuses and latest values."""

from plugboard.state.backend import StateBackend, new_job_id
from plugboard.state.dict_backend import DictStateBackend
from plugboard.state.postgres_backend import PostgresStateBackend
from plugboard.state.sqlite_backend import SqliteStateBackend


__all__ = [
    "DictStateBackend",
    "PostgresStateBackend",
    "SqliteStateBackend",
    "StateBackend",
    "new_job_id",
]
