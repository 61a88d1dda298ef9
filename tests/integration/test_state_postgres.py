"""PostgresStateBackend against the real PostgreSQL on loopback.

The server comes from `PLUGBOARD_TEST_POSTGRES_URL` (default: the local test service). Each
test works in its own schema, dropped at the end, so concurrent runs do not collide. Without
a server the tests skip (or fail under `PLUGBOARD_TEST_REQUIRE_SERVICES=1`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import subprocess
import sys
import textwrap
import time
import typing as _t
import uuid

import pytest

from plugboard.exceptions import NotFoundError, PlugboardError, ProcessError
from plugboard.process import LocalProcess
from plugboard.state import PostgresStateBackend
from plugboard.state.postgres_backend import SCHEMA_VERSION
from tests.components import Collect, FailOn, Source
from tests.conftest import links
from tests.integration.sql_fixtures import POSTGRES_URL
from tests.services import missing


PLUGBOARD = str(Path(sys.executable).with_name("plugboard"))
_reachable: bool | None = None


async def _check_server() -> None:
    global _reachable
    if _reachable is None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        engine = create_async_engine(POSTGRES_URL, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            _reachable = True
        except Exception:
            _reachable = False
        finally:
            await engine.dispose()
    if not _reachable:
        missing(f"PostgreSQL is not reachable at {POSTGRES_URL}")


async def sql(*statements: str) -> list[tuple[_t.Any, ...]]:
    """Runs statements in one transaction; returns the last one's rows (if any)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(POSTGRES_URL, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            rows: list[tuple[_t.Any, ...]] = []
            for statement in statements:
                result = await conn.execute(text(statement))
                rows = [tuple(r) for r in result] if result.returns_rows else []
            return rows
    finally:
        await engine.dispose()


@pytest.fixture
async def schema() -> _t.AsyncIterator[str]:
    """A fresh schema name for this test; the schema is dropped afterwards."""
    await _check_server()
    name = f"pb_state_{uuid.uuid4().hex[:12]}"
    yield name
    await sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def chain(name: str, state: PostgresStateBackend, bad: int = 99) -> LocalProcess:
    return LocalProcess(
        name=name,
        components=[Source(name="s", count=6), FailOn(name="f", bad=bad), Collect(name="c")],
        connectors=links("s.out->f.inp", "f.out->c.inp"),
        state=state,
    )


async def test_a_failed_run_is_recorded_with_statuses_values_times_and_error(schema: str) -> None:
    process = chain("p", PostgresStateBackend(POSTGRES_URL, schema=schema, job_id="Job_pg1"), 4)
    with pytest.raises(ProcessError):
        async with process:
            await process.run()

    reader = PostgresStateBackend(POSTGRES_URL, schema=schema)
    await reader.open()
    try:
        assert await reader.schema_version() == SCHEMA_VERSION
        job = await reader.get_job("Job_pg1")
        assert job["job_id"] == "Job_pg1" and job["created_at"]
        record = await reader.get_process("Job_pg1:p")
        assert record["status"] == "failed"
        assert record["started_at"] and record["ended_at"]
        assert record["error"] == "f: ValueError: bad value 4"
        assert record["connectors"] == ["s.out..f.inp", "f.out..c.inp"]
        components = {c["name"]: c for c in await reader.get_process_components("Job_pg1:p")}
        assert components["f"]["status"] == "failed"
        assert components["f"]["error"] == "ValueError: bad value 4"
        assert components["f"]["inputs"] == {"inp": 4}
        assert components["c"]["status"] == "stopped"
        assert components["c"]["inputs"] == {"inp": 3}
        assert [j["job_id"] for j in await reader.list_jobs()] == ["Job_pg1"]
        with pytest.raises(NotFoundError):
            await reader.get_job("Job_unknown")
        with pytest.raises(NotFoundError):
            await reader.get_job_processes("Job_unknown")
    finally:
        await reader.destroy()


async def test_jobs_and_processes_are_listed(schema: str) -> None:
    for job_id, name, bad in [("Job_a", "x", 99), ("Job_a", "y", 2), ("Job_b", "x", 99)]:
        await _run_quietly(chain(name, PostgresStateBackend(POSTGRES_URL, schema, job_id), bad))
    reader = PostgresStateBackend(POSTGRES_URL, schema=schema)
    await reader.open()
    try:
        jobs = await reader.list_jobs()
        assert [job["job_id"] for job in jobs] == ["Job_b", "Job_a"]
        assert [(p["name"], p["status"]) for p in jobs[1]["processes"]] == [
            ("x", "completed"),
            ("y", "failed"),
        ]
        processes = await reader.get_job_processes("Job_a")
        assert [p["process_id"] for p in processes] == ["Job_a:x", "Job_a:y"]
    finally:
        await reader.destroy()


async def _run_quietly(process: LocalProcess) -> None:
    try:
        async with process:
            await process.run()
    except ProcessError:
        pass


async def test_reading_a_database_without_state_creates_nothing(schema: str) -> None:
    reader = PostgresStateBackend(POSTGRES_URL, schema=schema)
    await reader.open()
    try:
        assert await reader.list_jobs() == []
        assert await reader.schema_version() == 0
        with pytest.raises(NotFoundError):
            await reader.get_job("Job_none")
    finally:
        await reader.destroy()
    rows = await sql(f"SELECT 1 FROM pg_namespace WHERE nspname = '{schema}'")
    assert rows == []


async def test_an_older_schema_is_migrated_and_its_records_kept(schema: str) -> None:
    old = PostgresStateBackend(POSTGRES_URL, schema=schema)
    old._database = old._make_database()
    engine = old._create_engine()
    try:
        async with engine.begin() as conn:
            await old._migrate(conn, target=1)
    finally:
        await engine.dispose()
    await sql(
        f'INSERT INTO "{schema}".plugboard_job (job_id, data) VALUES'
        """ ('Job_old', '{"job_id": "Job_old", "created_at": "2024-01-02T03:04:05+00:00","""
        """ "metadata": {}}')""",
        f'INSERT INTO "{schema}".plugboard_process (process_id, job_id, data) VALUES'
        """ ('Job_old:p', 'Job_old', '{"process_id": "Job_old:p", "job_id": "Job_old","""
        """ "name": "p", "status": "completed", "components": []}')""",
    )
    assert await sql(f'SELECT max(version) FROM "{schema}".plugboard_schema_version') == [(1,)]

    state = PostgresStateBackend(POSTGRES_URL, schema=schema, job_id="Job_new")
    async with state:
        assert await state.schema_version() == SCHEMA_VERSION == 2
        jobs = await state.list_jobs()
        assert [job["job_id"] for job in jobs] == ["Job_new", "Job_old"]
        assert [p["status"] for p in await state.get_job_processes("Job_old")] == ["completed"]
    rows = await sql(
        f"SELECT created_at IS NOT NULL FROM \"{schema}\".plugboard_job WHERE job_id = 'Job_old'"
    )
    assert rows == [(True,)]
    assert await sql(
        f"SELECT status FROM \"{schema}\".plugboard_process WHERE process_id = 'Job_old:p'"
    ) == [("completed",)]


async def test_a_newer_schema_is_refused_with_one_clear_line(schema: str) -> None:
    async with PostgresStateBackend(POSTGRES_URL, schema=schema):
        pass
    await sql(f'INSERT INTO "{schema}".plugboard_schema_version (version) VALUES (99)')
    with pytest.raises(PlugboardError, match="version 99, newer than this release"):
        async with PostgresStateBackend(POSTGRES_URL, schema=schema):
            pass


async def test_concurrent_first_use_creates_the_schema_once(schema: str) -> None:
    states = [
        PostgresStateBackend(POSTGRES_URL, schema=schema, job_id="Job_race") for _ in range(4)
    ]
    await asyncio.gather(*(state.init() for state in states))
    await asyncio.gather(*(state.destroy() for state in states))
    rows = await sql(f'SELECT version FROM "{schema}".plugboard_schema_version ORDER BY version')
    assert rows == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


async def test_unreachable_server_is_one_line_without_the_password() -> None:
    state = PostgresStateBackend("postgresql://user:topsecret@127.0.0.1:1/test")
    with pytest.raises(PlugboardError) as info:
        await state.init()
    message = str(info.value)
    assert "topsecret" not in message
    assert "user:***@127.0.0.1:1" in message
    assert "\n" not in message
    assert "Connect" in message or "refused" in message


# -- two OS processes, one job, one state ---------------------------------------------------

PEERS = '''
import asyncio

from plugboard.component import Component, IOController


class Watch(Component):
    """Works in small steps; stops the process when a sibling process of the job failed."""

    io = IOController(outputs=["out"])

    async def init(self) -> None:
        self._n = 0

    async def step(self) -> None:
        await self.state.raise_if_job_failed()
        self._n += 1
        if self._n > 1200:  # about a minute: the test has failed by then
            await self.io.close()
            return
        self.out = self._n
        await asyncio.sleep(0.05)
'''

MODEL = """
plugboard:
  process:
    args:
      name: {name}
      components:
{components}
      connectors:
{connectors}
      state:
        type: plugboard.state.PostgresStateBackend
        args: {{db_url: "{url}", schema: {schema}}}
"""

FAILING = (
    "      - {type: tests.components.Source, args: {name: src, count: 5}}\n"
    "      - {type: tests.components.FailOn, args: {name: mid, bad: 2}}\n"
    "      - {type: tests.components.Collect, args: {name: sink}}",
    "      - {source: src.out, target: mid.inp}\n      - {source: mid.out, target: sink.inp}",
)
WATCHING = (
    "      - {type: peers.Watch, args: {name: watch}}\n"
    "      - {type: tests.components.Collect, args: {name: sink}}",
    "      - {source: watch.out, target: sink.inp}",
)


async def test_a_failure_in_one_worker_is_seen_by_the_other_worker_of_the_job(
    schema: str, tmp_path: Path
) -> None:
    (tmp_path / "peers.py").write_text(textwrap.dedent(PEERS))
    for name, (components, connectors) in [("a", FAILING), ("b", WATCHING)]:
        (tmp_path / f"{name}.yaml").write_text(
            MODEL.format(
                name=name,
                components=components,
                connectors=connectors,
                url=POSTGRES_URL,
                schema=schema,
            )
        )
    root = str(Path(__file__).resolve().parents[2])
    env = {"PYTHONPATH": root, "PATH": "/usr/bin:/bin", "PLUGBOARD_JOB_ID": "Job_shared"}
    watcher = subprocess.Popen(
        [PLUGBOARD, "process", "run", "b.yaml"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        reader = PostgresStateBackend(POSTGRES_URL, schema=schema)
        await reader.open()
        try:
            deadline = time.monotonic() + 30
            while True:  # wait (bounded) until the watching worker is running
                with_b = [p for p in await reader.list_jobs() if p["job_id"] == "Job_shared"]
                statuses = [p["status"] for j in with_b for p in j["processes"]]
                if "running" in statuses or watcher.poll() is not None:
                    break
                assert time.monotonic() < deadline, "the watching worker never started"
                await asyncio.sleep(0.1)
            assert watcher.poll() is None, watcher.communicate()

            failing = await asyncio.to_thread(
                subprocess.run,
                [PLUGBOARD, "process", "run", "a.yaml"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert failing.returncode == 1, failing.stderr
            assert "bad value 2" in failing.stderr

            _, err = await asyncio.to_thread(watcher.communicate, timeout=60)
            assert watcher.returncode == 1, err
            assert (
                "process 'Job_shared:a' of job 'Job_shared' failed: mid: ValueError: bad value 2"
                in err
            )

            processes = {p["name"]: p for p in await reader.get_job_processes("Job_shared")}
            assert processes["a"]["status"] == "failed"
            assert processes["a"]["error"] == "mid: ValueError: bad value 2"
            assert processes["b"]["status"] == "failed"
            assert "ProcessStatusError" in processes["b"]["error"]
            mid = await reader.get_component("mid", "Job_shared:a")
            assert (mid["status"], mid["error"]) == ("failed", "ValueError: bad value 2")
        finally:
            await reader.destroy()
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.communicate()
