"""File components under PrefectProcess when the S3 endpoint restarts in the middle of a run.

The S3 endpoint (moto, see `s3_endpoint`) stops when a chosen request of the component under
test arrives (the reader's third ranged GET, the writer's first part), leaves that request
unanswered, refuses connections for a few seconds and starts again. The component fails,
and Prefect retries it until the endpoint is back: the rows that arrive are exactly those
of a run without the fault.
"""

from __future__ import annotations

import asyncio
import io
import typing as _t

import pytest

from plugboard.exceptions import ProcessError
from plugboard.library import FileReader, FileWriter
from tests.integration.s3_endpoint import RestartableS3, restartable_s3
from tests.integration.sql_fixtures import Emit, Gather, wire
from tests.prefect.helpers import flow_run_named, logs_of, task_runs_of, unique


if _t.TYPE_CHECKING:
    from plugboard_prefect import PrefectProcess

pytestmark = pytest.mark.usefixtures("prefect_api")

ROWS = 80_000
CHUNK = 1000
OUTAGE = 3.0  # seconds the endpoint stays down
BUFFER = 16
PART = 8 << 20  # the writer's part size
SECRET = "test-secret-key"
# Each attempt meets the outage at once: botocore tries a refused connection twice at most.
CLIENT = {"config_kwargs": {"retries": {"max_attempts": 2, "mode": "standard"}}}
RETRIES = {"retries": 10, "retry_delay_seconds": 1}


def label(n: int) -> str:
    return f"row {n:06d} " + "abcdefghij" * 24


def expected() -> list[tuple[int, str]]:
    return [(n, label(n)) for n in range(ROWS)]


def csv_bytes(rows: _t.Sequence[tuple[int, str]]) -> bytes:
    """The CSV the writer makes of these rows (pyarrow's, as the writer uses)."""
    import pyarrow as pa
    import pyarrow.csv as pc

    table = pa.table({"n": [r[0] for r in rows], "label": [r[1] for r in rows]})
    out = io.BytesIO()
    pc.write_csv(table, out)
    return out.getvalue()


def read_csv(data: bytes) -> list[tuple[int, str]]:
    import pyarrow.csv as pc

    table = pc.read_csv(io.BytesIO(data))
    return list(zip(table.column("n").to_pylist(), table.column("label").to_pylist(), strict=True))


def first_part_chunk(rows: list[tuple[int, str]]) -> int:
    """The index of the chunk whose rows make the writer's buffer reach one whole part."""
    header = len(csv_bytes([]))
    size = header
    for index in range(0, len(rows), CHUNK):
        size += len(csv_bytes(rows[index : index + CHUNK])) - header
        if size >= PART:
            return index // CHUNK
    raise AssertionError("the rows make less than one part")


@pytest.fixture
def endpoint() -> _t.Iterator[RestartableS3]:
    with restartable_s3() as found:
        yield found


def filesystem(endpoint: RestartableS3) -> _t.Any:
    import s3fs

    return s3fs.S3FileSystem(**endpoint.options(), skip_instance_cache=True)


def new_bucket(endpoint: RestartableS3) -> str:
    name = unique("pb-fault")
    filesystem(endpoint).mkdir(name)
    return name


async def test_reader_resumes_after_the_endpoint_restarts_with_each_row_once(
    endpoint: RestartableS3,
) -> None:
    from plugboard_prefect import PrefectProcess

    bucket = new_bucket(endpoint)
    rows = expected()
    filesystem(endpoint).pipe(f"{bucket}/data.csv", csv_bytes(rows))
    reader_name = unique("reader")
    flow_name = unique("s3-reader-fault")
    reader = FileReader(
        name=reader_name,
        path=f"s3://{bucket}/data.csv",
        field_names=["n", "label"],
        # Small ranges, so that the reader is still reading when the endpoint goes away.
        storage_options={**endpoint.options(), **CLIENT, "default_block_size": 1 << 20},
        chunk_size=CHUNK,
    )
    process = PrefectProcess(
        name=flow_name,
        components=[reader, Gather(name="sink", field_names=["n", "label"])],
        connectors=wire(reader_name, "sink", ["n", "label"], buffer_size=BUFFER),
        task_options={reader_name: RETRIES},
    )
    gets = 0

    def third_get(environ: dict[str, _t.Any]) -> bool:
        nonlocal gets
        if environ["REQUEST_METHOD"] == "GET" and environ["PATH_INFO"] == f"/{bucket}/data.csv":
            gets += 1
        return gets == 3

    endpoint.restart_on(third_get, OUTAGE)
    async with process:
        await asyncio.wait_for(process.run(), 180)

    assert endpoint.restarts == 1 and endpoint.refused.is_set()
    assert Gather.rows["sink"] == rows
    assert reader.rows_read == ROWS
    run = (await task_runs_of(await flow_run_named(flow_name)))[reader_name]
    assert run.run_count >= 2  # the outage really failed the reader at least once
    assert run.state is not None and run.state.is_completed()
    logs = await logs_of(run)
    assert any(f"retrying {reader_name} after OSError" in line for line in logs)
    assert not any(SECRET in line for line in logs)


def first_part(environ: dict[str, _t.Any]) -> bool:
    return environ["REQUEST_METHOD"] == "PUT" and "partNumber=1&" in (environ["QUERY_STRING"] + "&")


def writer_process(
    endpoint: RestartableS3, bucket: str, writer_name: str, flow_name: str, retries: bool
) -> tuple[PrefectProcess, FileWriter]:
    from plugboard_prefect import PrefectProcess

    writer = FileWriter(
        name=writer_name,
        path=f"s3://{bucket}/out.csv",
        field_names=["n", "label"],
        storage_options={**endpoint.options(), **CLIENT},
        chunk_size=CHUNK,
    )
    process = PrefectProcess(
        name=flow_name,
        components=[Emit(name="emit", rows=expected(), field_names=["n", "label"]), writer],
        connectors=wire("emit", writer_name, ["n", "label"], buffer_size=BUFFER),
        task_options={writer_name: RETRIES} if retries else None,
    )
    return process, writer


async def test_writer_sends_again_only_the_part_that_failed_when_the_endpoint_restarts(
    endpoint: RestartableS3,
) -> None:
    bucket = new_bucket(endpoint)
    rows = expected()
    failing = first_part_chunk(rows)
    writer_name = unique("writer")
    flow_name = unique("s3-writer-fault")
    process, writer = writer_process(endpoint, bucket, writer_name, flow_name, retries=True)
    endpoint.restart_on(first_part, OUTAGE)
    async with process:
        await asyncio.wait_for(process.run(), 180)

    assert endpoint.restarts == 1 and endpoint.refused.is_set()
    assert read_csv(filesystem(endpoint).cat(f"{bucket}/out.csv")) == rows
    assert writer.rows_written == ROWS
    run = (await task_runs_of(await flow_run_named(flow_name)))[writer_name]
    assert run.run_count >= 2
    assert run.state is not None and run.state.is_completed()
    logs = await logs_of(run)
    assert any(
        f"retrying {writer_name} after OSError: cannot write s3://{bucket}/out.csv"
        f" ({failing * CHUNK} rows written before)" in line
        for line in logs
    ), logs
    assert not any(SECRET in line for line in logs)


async def test_without_retries_the_run_fails_naming_the_writer_the_url_and_the_rows_written(
    endpoint: RestartableS3,
) -> None:
    bucket = new_bucket(endpoint)
    rows = expected()
    failing = first_part_chunk(rows)
    writer_name = unique("writer")
    flow_name = unique("s3-writer-fails")
    process, writer = writer_process(endpoint, bucket, writer_name, flow_name, retries=False)
    endpoint.restart_on(first_part, OUTAGE)
    with pytest.raises(ProcessError) as caught:
        async with process:
            try:
                await asyncio.wait_for(process.run(), 180)
            finally:
                # destroy() (as the block ends) then meets the endpoint back.
                assert await asyncio.to_thread(endpoint.wait_restarted, 30)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        f"component '{writer_name}' failed: OSError: cannot write s3://{bucket}/out.csv"
        f" ({failing * CHUNK} rows written before): "
    ), message
    assert SECRET not in message
    flow_run = await flow_run_named(flow_name)
    assert flow_run.state is not None and flow_run.state.is_failed()
    run = (await task_runs_of(flow_run))[writer_name]
    assert run.run_count == 1
    assert run.state is not None and run.state.is_failed()
    assert SECRET not in (run.state.message or "")
    assert not any(SECRET in line for line in await logs_of(run))
    # destroy() sent the part that failed and every row accepted after it: nothing is lost.
    assert writer.rows_written == (failing + 1) * CHUNK
    assert read_csv(filesystem(endpoint).cat(f"{bucket}/out.csv")) == rows[: writer.rows_written]
