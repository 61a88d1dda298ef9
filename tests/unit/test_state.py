from pathlib import Path
import re

import pytest

from plugboard.exceptions import NotFoundError, ProcessError
from plugboard.process import LocalProcess
from plugboard.state import DictStateBackend, SqliteStateBackend
from tests.components import Collect, FailOn, Source
from tests.conftest import links


def test_generated_job_ids_have_the_documented_form() -> None:
    ids = {DictStateBackend().job_id for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"Job_[A-Za-z0-9]{16}", job_id) for job_id in ids)


def test_job_id_comes_from_the_constructor_else_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLUGBOARD_JOB_ID", "Job_fromenv")
    assert DictStateBackend().job_id == "Job_fromenv"
    assert DictStateBackend(job_id="Job_given").job_id == "Job_given"


async def test_sqlite_state_outlives_a_failed_run(tmp_path: Path) -> None:
    db = tmp_path / "state" / "run.db"
    process = LocalProcess(
        name="p",
        components=[Source(name="s", count=10), FailOn(name="f", bad=4), Collect(name="c")],
        connectors=links("s.out->f.inp", "f.out->c.inp"),
        state=SqliteStateBackend(db_path=str(db), job_id="Job_sqlitetest"),
    )
    with pytest.raises(ProcessError):
        async with process:
            await process.run()
    async with SqliteStateBackend(db_path=str(db), job_id="Job_sqlitetest") as state:
        job = await state.get_job()
        assert job["job_id"] == "Job_sqlitetest"
        record = await state.get_process("Job_sqlitetest:p")
        assert record["status"] == "failed"
        assert record["started_at"] and record["ended_at"]
        components = {
            c["name"]: c for c in await state.get_process_components(record["process_id"])
        }
        assert components["f"]["status"] == "failed"
        assert components["f"]["error"] == "ValueError: bad value 4"
        assert components["f"]["inputs"] == {"inp": 4}
        assert components["c"]["status"] == "stopped"
        assert components["c"]["inputs"] == {"inp": 3}
        with pytest.raises(NotFoundError):
            await state.get_process("Job_sqlitetest:other")


async def test_completed_run_records_statuses_and_latest_values() -> None:
    state = DictStateBackend()
    process = LocalProcess(
        components=[Source(name="s", count=3), Collect(name="c")],
        connectors=links("s.out->c.inp"),
        state=state,
    )
    async with process:
        await process.run()
    record = await state.get_component("c", process.id)
    assert record["status"] == "completed"
    assert record["step_count"] == 3
    assert record["inputs"] == {"inp": 2}
    assert (await state.get_process(process.id))["status"] == "completed"
