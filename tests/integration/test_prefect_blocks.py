"""Credentials from Prefect blocks, named in YAML and read when the components start.

A real Prefect server (the `prefect_api` fixture) holds `Secret` blocks: a PostgreSQL URL
with a password, and S3 storage options with a secret key (moto accepts any). The secrets
must reach the components and nothing else: not the logs, the artifacts, the dumped YAML
or the error messages.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
import textwrap
import typing as _t

import pytest

from plugboard.exceptions import ProcessError
from tests.integration.conftest import Store
from tests.integration.sql_fixtures import (
    Database,
    postgres_fixture,  # noqa: F401 - the `postgres` fixture
)
from tests.prefect.helpers import artifacts_of, flow_run_named, logs_of, task_runs_of, unique


pytestmark = pytest.mark.usefixtures("prefect_api")

PASSWORD = "Blk-Pg-pw-5e3f1a"  # trust auth ignores it; it must never be shown
S3_SECRET = "Blk-S3-secret-9c2d7b"

MODEL = """
plugboard:
  process:
    type: plugboard_prefect.PrefectProcess
    args:
      name: {flow}
      components:
      - type: tests.integration.sql_fixtures.Emit
        args:
          name: emit
          rows: [[1, one], [2, two], [3, three]]
          field_names: [n, label]
      - type: plugboard.library.SQLWriter
        args:
          name: to-db
          connection_string: {{prefect_block: secret/{pg_block}}}
          table: {table}
          field_names: [n, label]
          create_table: true
      - type: plugboard.library.FileWriter
        args:
          name: to-s3
          path: {s3_path}
          field_names: [n, label]
          storage_options: {{prefect_block: secret/{s3_block}}}
      connectors:
      - {{source: emit.n, target: to-db.n}}
      - {{source: emit.label, target: to-db.label}}
      - {{source: emit.n, target: to-s3.n}}
      - {{source: emit.label, target: to-s3.label}}
"""


async def save_secret(name: str, value: _t.Any) -> None:
    from prefect.blocks.system import Secret

    await Secret(value=value).asave(name, overwrite=True)


def with_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


async def make_model(
    tmp_path: Path, postgres: Database, s3: Store, s3_options: dict[str, str]
) -> tuple[Path, dict[str, str]]:
    names = {
        "flow": unique("blocks"),
        "pg_block": unique("pg-url"),
        "s3_block": unique("s3-options"),
        "table": postgres.table("blk"),
        "s3_path": s3.url("out.csv"),
    }
    await save_secret(names["pg_block"], with_password(postgres.url))
    await save_secret(names["s3_block"], {**s3_options, "secret": S3_SECRET})
    path = tmp_path / "model.yaml"
    path.write_text(textwrap.dedent(MODEL).lstrip().format(**names))
    return path, names


async def everything_shown(flow_name: str) -> list[str]:
    """The logs of every task run and every artifact of the flow run, as text."""
    flow_run = await flow_run_named(flow_name)
    texts = [flow_run.state.message or ""] if flow_run.state else []
    for run in (await task_runs_of(flow_run)).values():
        texts += await logs_of(run)
        texts.append(run.state.message or "" if run.state else "")
    texts += [str(artifact.data) for artifact in (await artifacts_of(flow_run)).values()]
    return texts


async def test_credentials_come_from_prefect_blocks_and_are_never_shown(
    tmp_path: Path,
    postgres: Database,
    s3: Store,
    s3_options: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from plugboard_prefect import load_process

    path, names = await make_model(tmp_path, postgres, s3, s3_options)
    caplog.set_level(logging.DEBUG)
    process = load_process(path)
    async with process:
        await asyncio.wait_for(process.run(), 120)

    rows = [(1, "one"), (2, "two"), (3, "three")]
    assert sorted(await postgres.fetch(f"SELECT n, label FROM {names['table']}")) == rows
    assert s3.filesystem().cat(names["s3_path"].removeprefix("s3://")).splitlines()[1:] == [
        b'1,"one"',
        b'2,"two"',
        b'3,"three"',
    ]
    dumped = tmp_path / "dumped.yaml"
    process.dump(dumped)
    text = dumped.read_text()
    assert f"prefect_block: secret/{names['pg_block']}" in text
    assert f"prefect_block: secret/{names['s3_block']}" in text
    shown = [text, caplog.text, *await everything_shown(names["flow"])]
    for secret in (PASSWORD, S3_SECRET):
        assert not any(secret in item for item in shown), secret


async def test_a_missing_block_is_one_clear_error_naming_it(
    tmp_path: Path,
    postgres: Database,
    s3: Store,
    s3_options: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from plugboard_prefect import load_process

    path, names = await make_model(tmp_path, postgres, s3, s3_options)
    missing = unique("no-such-block")
    path.write_text(path.read_text().replace(names["pg_block"], missing))
    caplog.set_level(logging.DEBUG)
    process = load_process(path)
    with pytest.raises(ProcessError) as caught:
        async with process:
            await asyncio.wait_for(process.run(), 120)

    message = str(caught.value)
    assert "\n" not in message
    assert message == (
        "component 'to-db' failed: LookupError: SQLWriter 'to-db': connection_string: there is"
        f" no Prefect block 'secret/{missing}'"
    )
    # Blocks are read at init(), before the flow run starts: the run never began.
    assert PASSWORD not in caplog.text and S3_SECRET not in caplog.text


async def test_without_prefect_a_block_reference_is_one_clear_error(
    tmp_path: Path, postgres: Database
) -> None:
    from plugboard.library import SQLWriter
    from plugboard.library._blocks import set_block_loader
    from plugboard.process import LocalProcess
    from plugboard_prefect.blocks import load_block_value
    from tests.integration.sql_fixtures import Emit, wire

    writer = SQLWriter(
        name="to-db",
        connection_string={"prefect_block": "secret/pg-url"},
        table=postgres.table("blk"),
        field_names=["n", "label"],
    )
    process = LocalProcess(
        components=[Emit(name="emit", rows=[(1, "a")], field_names=["n", "label"]), writer],
        connectors=wire("emit", "to-db", ["n", "label"]),
    )
    set_block_loader(None)
    try:
        with pytest.raises(ProcessError) as caught:
            async with process:
                await process.run()
    finally:
        set_block_loader(load_block_value)
    assert str(caught.value) == (
        "component 'to-db' failed: LookupError: SQLWriter 'to-db': connection_string names the"
        " Prefect block 'secret/pg-url', which only a process run with plugboard_prefect can"
        " read (type: plugboard_prefect.PrefectProcess)"
    )
