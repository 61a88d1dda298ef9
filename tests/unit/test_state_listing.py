"""Listing jobs and processes in the in-memory and SQLite backends; Postgres argument checks."""

from pathlib import Path

import pytest

from plugboard.exceptions import NotFoundError, ProcessError, ProcessStatusError
from plugboard.process import LocalProcess
from plugboard.state import (
    DictStateBackend,
    PostgresStateBackend,
    SqliteStateBackend,
    StateBackend,
)
from tests.components import Collect, FailOn, Source
from tests.conftest import links


def chain(name: str, state: StateBackend, bad: int = 99) -> LocalProcess:
    return LocalProcess(
        name=name,
        components=[Source(name="s", count=5), FailOn(name="f", bad=bad), Collect(name="c")],
        connectors=links("s.out->f.inp", "f.out->c.inp"),
        state=state,
    )


async def run(process: LocalProcess) -> None:
    try:
        async with process:
            await process.run()
    except ProcessError:
        pass


async def test_sqlite_lists_jobs_newest_first_with_their_processes(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    await run(chain("a", SqliteStateBackend(db, job_id="Job_first")))
    await run(chain("b", SqliteStateBackend(db, job_id="Job_first"), bad=2))
    await run(chain("a", SqliteStateBackend(db, job_id="Job_second")))

    reader = SqliteStateBackend(db)
    await reader.open()
    try:
        jobs = await reader.list_jobs()
        assert [job["job_id"] for job in jobs] == ["Job_second", "Job_first"]
        assert [p["process_id"] for p in jobs[1]["processes"]] == ["Job_first:a", "Job_first:b"]
        processes = await reader.get_job_processes("Job_first")
        assert [(p["name"], p["status"]) for p in processes] == [
            ("a", "completed"),
            ("b", "failed"),
        ]
        assert processes[1]["error"] == "f: ValueError: bad value 2"
        assert processes[0]["error"] is None
        assert all(p["started_at"] and p["ended_at"] for p in processes)
        with pytest.raises(NotFoundError):
            await reader.get_job_processes("Job_unknown")
    finally:
        await reader.destroy()


async def test_dict_backend_lists_the_processes_of_its_job() -> None:
    state = DictStateBackend(job_id="Job_mem")
    await run(chain("a", state))
    await run(chain("b", state, bad=3))
    jobs = await state.list_jobs()
    assert [(job["job_id"], len(job["processes"])) for job in jobs] == [("Job_mem", 2)]
    processes = await state.get_job_processes()
    assert [(p["name"], p["status"], p["error"]) for p in processes] == [
        ("a", "completed", None),
        ("b", "failed", "f: ValueError: bad value 3"),
    ]
    with pytest.raises(NotFoundError):
        await state.get_job_processes("Job_other")


async def test_opening_for_reading_records_no_job(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    async with SqliteStateBackend(db, job_id="Job_written"):
        pass
    reader = SqliteStateBackend(db)
    await reader.open()
    try:
        assert [job["job_id"] for job in await reader.list_jobs()] == ["Job_written"]
    finally:
        await reader.destroy()


async def test_a_failed_sibling_process_is_raised_to_a_running_one() -> None:
    state = DictStateBackend(job_id="Job_siblings")
    await run(chain("ok", state))
    await state.init()
    await state.raise_if_job_failed()
    await run(chain("bad", state, bad=1))
    await state.init()
    with pytest.raises(ProcessStatusError, match=r"'Job_siblings:bad'.*f: ValueError: bad value 1"):
        await state.raise_if_job_failed(exclude="Job_siblings:ok")
    await state.raise_if_job_failed(exclude="Job_siblings:bad")


def test_postgres_backend_rejects_bad_arguments_without_showing_the_password() -> None:
    with pytest.raises(ValueError, match="PostgreSQL URL") as info:
        PostgresStateBackend(db_url="mysql://root:topsecret@127.0.0.1/test")
    assert "topsecret" not in str(info.value)
    assert "***" in str(info.value)
    with pytest.raises(ValueError, match="PostgreSQL URL"):
        PostgresStateBackend(db_url="not a url")
    with pytest.raises(ValueError, match="schema"):
        PostgresStateBackend(db_url="postgresql://u@h/db", schema='x"; drop table y')


def test_postgres_backend_keeps_the_password_out_of_export_and_repr() -> None:
    state = PostgresStateBackend(
        db_url="postgresql+asyncpg://user:topsecret@db.example:5432/runs", schema="runs"
    )
    assert state.export() == {
        "type": "plugboard.state.PostgresStateBackend",
        "args": {"db_url": "postgresql+asyncpg://user@db.example:5432/runs", "schema": "runs"},
    }
    assert "topsecret" not in repr(state)
    assert "user:***@db.example" in state.url


def test_a_password_holding_a_slash_stays_out_of_export_and_repr() -> None:
    state = PostgresStateBackend(db_url="postgresql://user:top/secret@db.example/runs")
    assert state.export()["args"] == {"db_url": "postgresql://user@db.example/runs"}
    assert "secret" not in repr(state)
    assert state.url == "postgresql://user:***@db.example/runs"


async def test_postgres_backend_without_a_url_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PLUGBOARD_STATE_URL", raising=False)
    state = PostgresStateBackend()
    assert state.export()["args"] == {}
    with pytest.raises(ValueError, match="PLUGBOARD_STATE_URL"):
        await state.init()
