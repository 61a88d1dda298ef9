"""A state backend in an SQLite file: the embedded default for persisted runs."""

from __future__ import annotations

import json
import os
from pathlib import Path
import sqlite3
import typing as _t

from plugboard.exceptions import NotFoundError
from plugboard.state.backend import StateBackend


_SCHEMA = """
CREATE TABLE IF NOT EXISTS job (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS process (key TEXT PRIMARY KEY, job_id TEXT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS component (key TEXT PRIMARY KEY, process_id TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS process_job_id ON process (job_id);
"""
_TABLES = {"job", "process", "component"}


class SqliteStateBackend(StateBackend):
    """Keeps the run's state in an SQLite database file, so it outlives the run.

    The file and its tables are created on `init()` if missing. Writes happen only at
    lifecycle changes (never per message), each in one transaction.

    Args:
        db_path: Path of the database file.
        job_id: The job to record runs under.
        metadata: Free key-value pairs stored with the job.
    """

    def __init__(
        self,
        db_path: str = "plugboard.db",
        job_id: str | None = None,
        metadata: dict[str, _t.Any] | None = None,
        **kwargs: _t.Any,
    ) -> None:
        super().__init__(job_id=job_id, metadata=metadata, db_path=db_path, **kwargs)
        self.db_path = os.path.expanduser(db_path)
        self._conn: sqlite3.Connection | None = None

    async def _open(self) -> None:
        if self._conn is not None:
            return
        Path(self.db_path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.db_path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.executescript(_SCHEMA)
        self._conn = conn

    async def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError(
                "SqliteStateBackend is not open: use it between init() and destroy()"
            )
        return self._conn

    async def _put_job(self, record: dict[str, _t.Any]) -> None:
        self._db().execute(
            "INSERT OR IGNORE INTO job (key, data) VALUES (?, ?)",
            (record["job_id"], json.dumps(record)),
        )

    async def _put_process(self, record: dict[str, _t.Any]) -> None:
        self._db().execute(
            "INSERT OR REPLACE INTO process (key, job_id, data) VALUES (?, ?, ?)",
            (record["process_id"], record["job_id"], json.dumps(record)),
        )

    async def _put_components(self, records: list[dict[str, _t.Any]]) -> None:
        db = self._db()
        db.execute("BEGIN")
        try:
            db.executemany(
                "INSERT OR REPLACE INTO component (key, process_id, data) VALUES (?, ?, ?)",
                [
                    (f"{r['process_id']}/{r['component_id']}", r["process_id"], json.dumps(r))
                    for r in records
                ],
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    async def _get(self, kind: str, key: str) -> dict[str, _t.Any]:
        if kind not in _TABLES:
            raise ValueError(f"unknown record kind {kind!r}")
        row = self._db().execute(f"SELECT data FROM {kind} WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise NotFoundError(f"no {kind} '{key}' in {self.db_path}")
        data: dict[str, _t.Any] = json.loads(row[0])
        return data

    async def _list_jobs(self) -> list[dict[str, _t.Any]]:
        return [json.loads(row[0]) for row in self._db().execute("SELECT data FROM job")]

    async def _list_processes(self, job_id: str | None) -> list[dict[str, _t.Any]]:
        if job_id is None:
            rows = self._db().execute("SELECT data FROM process")
        else:
            rows = self._db().execute("SELECT data FROM process WHERE job_id = ?", (job_id,))
        return [json.loads(row[0]) for row in rows]
