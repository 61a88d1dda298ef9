"""`plugboard job list` and `plugboard job show` over SQLite and PostgreSQL states."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import uuid

import pytest

from plugboard.state import PostgresStateBackend
from tests.cli.test_cli import CHAIN, model, plugboard


ROOT = str(Path(__file__).resolve().parents[2])


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PLUGBOARD_")}
    return {**base, "PYTHONPATH": ROOT, **extra}


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """A state.db with two jobs: Job_good (completed) and Job_bad (failed in 'mid')."""
    path = model(tmp_path, CHAIN)
    good = plugboard("process", "run", str(path), "--job-id", "Job_good", env=env())
    assert good.returncode == 0, good.stderr
    bad = plugboard(
        "process",
        "run",
        str(path),
        "--job-id",
        "Job_bad",
        "-p",
        "component.mid.arg.bad=2",
        env=env(),
    )
    assert bad.returncode == 1, bad.stderr
    return tmp_path / "state.db"


def test_job_list_shows_each_job_with_its_processes_and_statuses(runs: Path) -> None:
    result = plugboard("job", "list", "--state", str(runs), env=env())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["job", "created", "processes", "statuses"]
    assert lines[1].startswith("Job_bad ") and "1 (chain)" in lines[1]
    assert "1 failed" in lines[1]
    assert lines[2].startswith("Job_good ") and "1 completed" in lines[2]
    # Not a terminal: plain text, no colours and no box drawing.
    assert "\x1b[" not in result.stdout
    assert not any(ch in result.stdout for ch in "─│┃━")


def test_job_show_gives_processes_and_components_with_the_error(runs: Path) -> None:
    result = plugboard("job", "show", "Job_bad", "--state", f"sqlite:///{runs}", env=env())
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Job Job_bad  created ")
    process_row = next(line for line in out.splitlines() if line.startswith("chain  "))
    assert "failed" in process_row and "mid: ValueError: bad value 2" in process_row
    mid = next(line for line in out.splitlines() if " mid " in line)
    assert mid.split()[:5] == ["chain", "mid", "FailOn", "failed", "2"]
    assert mid.endswith("ValueError: bad value 2")


def test_the_state_defaults_to_the_environment_variable(runs: Path, tmp_path: Path) -> None:
    result = plugboard(
        "job", "show", "Job_good", cwd=tmp_path, env=env(PLUGBOARD_STATE_URL=str(runs))
    )
    assert result.returncode == 0, result.stderr
    assert "completed" in result.stdout


def test_unknown_job_is_one_line_and_exit_2(runs: Path) -> None:
    result = plugboard("job", "show", "Job_nope", "--state", str(runs), env=env())
    assert result.returncode == 2
    assert result.stderr.strip() == f"Error: no job 'Job_nope' in {runs}"


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("missing.db", "no state database at 'missing.db'"),
        ("mysql://root@127.0.0.1/test", "unsupported state URL scheme 'mysql'"),
        ("sqlite://nowhere", "is not an SQLite URL"),
    ],
)
def test_bad_state_arguments_are_one_line_and_exit_2(
    tmp_path: Path, state: str, message: str
) -> None:
    result = plugboard("job", "list", "--state", state, cwd=tmp_path, env=env())
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "missing.db").exists()


def test_without_any_state_the_default_file_is_named(tmp_path: Path) -> None:
    result = plugboard("job", "list", cwd=tmp_path, env=env())
    assert result.returncode == 2
    assert "no state database at 'plugboard.db'" in result.stderr


def test_an_unreachable_server_is_one_line_without_password_or_traceback() -> None:
    result = plugboard(
        "job", "list", "--state", "postgresql://user:topsecret@127.0.0.1:1/test", env=env()
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "topsecret" not in result.stderr
    assert "cannot open the state in postgresql+asyncpg://user:***@127.0.0.1:1/test" in (
        result.stderr
    )


def test_job_commands_read_a_postgres_state(tmp_path: Path) -> None:
    from tests.integration.test_state_postgres import POSTGRES_URL, _check_server, sql

    asyncio.run(_check_server())
    schema = f"pb_state_{uuid.uuid4().hex[:12]}"
    try:
        path = model(
            tmp_path,
            CHAIN.replace(
                "type: plugboard.state.SqliteStateBackend\n        args: {db_path: state.db}",
                "type: plugboard.state.PostgresStateBackend\n"
                f'        args: {{db_url: "{POSTGRES_URL}", schema: {schema}}}',
            ),
        )
        assert "PostgresStateBackend" in path.read_text()
        run = plugboard(
            "process",
            "run",
            str(path),
            "--job-id",
            "Job_pgcli",
            "-p",
            "component.mid.arg.bad=3",
            env=env(),
        )
        assert run.returncode == 1, run.stderr
        listed = plugboard("job", "list", "--state", POSTGRES_URL, "--schema", schema, env=env())
        assert listed.returncode == 0, listed.stderr
        assert "Job_pgcli" in listed.stdout and "1 failed" in listed.stdout
        shown = plugboard(
            "job",
            "show",
            "Job_pgcli",
            env=env(PLUGBOARD_STATE_URL=POSTGRES_URL, PLUGBOARD_STATE_SCHEMA=schema),
        )
        assert shown.returncode == 0, shown.stderr
        assert "mid: ValueError: bad value 3" in shown.stdout
        unknown = plugboard(
            "job", "show", "Job_other", "--state", POSTGRES_URL, "--schema", schema, env=env()
        )
        assert unknown.returncode == 2
        assert "no job 'Job_other'" in unknown.stderr
        assert unknown.stderr.count("\n") == 1
    finally:
        asyncio.run(sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def test_a_state_backend_named_in_the_cli_is_the_one_used() -> None:
    from plugboard.cli.job import open_state

    state = open_state("postgres://u:pw@127.0.0.1/db", schema="s1")
    assert isinstance(state, PostgresStateBackend)
    assert state.schema == "s1" and "pw" not in repr(state)
