"""FileReader and FileWriter on local files: formats, chunking, atomic writes, failures, errors."""

from __future__ import annotations

import csv
import gzip
import json
import os
from pathlib import Path
import subprocess
import sys
import textwrap
import tracemalloc
import typing as _t

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from plugboard.component import Component, IOController
from plugboard.connector import AsyncioConnector
from plugboard.exceptions import IOStreamClosedError, ProcessError, ValidationError
from plugboard.library import FileReader, FileWriter
from plugboard.process import LocalProcess
from plugboard.process.loader import build_config, read_config
from plugboard.schemas import ComponentArgsDict, ConnectorSpec
from tests.components import Collect
from tests.integration.conftest import FIELDS, FORMATS, Rows, read, rows, same_types, wire, write


PLUGBOARD = str(Path(sys.executable).with_name("plugboard"))
# -- round trips and chunking -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
async def test_round_trip_keeps_values_and_types(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / FORMATS[fmt]
    writer = await write(path, 50, chunk_size=7)
    assert writer.rows_written == 50
    got = await read(path, chunk_size=4)
    assert got == rows(50)
    assert same_types(got, rows(50))
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no temporary file left behind


async def test_files_are_what_their_names_say(tmp_path: Path) -> None:
    for name in FORMATS.values():
        await write(tmp_path / name, 20)
    assert gzip.decompress((tmp_path / "data.csv.gz").read_bytes()).startswith(
        b'"i","f","s","b","n"\n'
    )
    with open(tmp_path / "data.csv", newline="") as file:
        assert next(csv.reader(file)) == FIELDS
    first = json.loads((tmp_path / "data.jsonl").read_text().splitlines()[0])
    assert first == {"i": 0, "f": 0.0, "s": "s0", "b": True, "n": None}
    # Each chunk is one Parquet row group, typed from the values.
    await write(tmp_path / "chunks.parquet", 25, chunk_size=10)
    parquet = pq.ParquetFile(tmp_path / "chunks.parquet")
    assert parquet.metadata.num_row_groups == 3
    assert [str(field.type) for field in parquet.schema_arrow] == [
        "int64",
        "double",
        "string",
        "bool",
        "int64",
    ]


async def test_format_argument_overrides_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "export.dat"
    await write(path, 10, format="jsonl")
    assert json.loads(path.read_text().splitlines()[1])["i"] == 1
    assert await read(path, format="jsonl") == rows(10)
    assert await read(str(path), format="ndjson") == rows(10)


async def test_parquet_keeps_types_of_columns_empty_at_first(tmp_path: Path) -> None:
    class Sparse(Component):
        io = IOController(outputs=["x", "y"])

        async def init(self) -> None:
            self._k = 0

        async def step(self) -> None:
            if self._k == 30:
                await self.io.close()
                return
            self.x = self._k
            self.y = None if self._k < 25 else f"v{self._k}"  # None for the first 2 chunks
            self._k += 1

    path = tmp_path / "sparse.parquet"
    writer = FileWriter(name="writer", path=path, field_names=["x", "y"], chunk_size=10)
    process = LocalProcess(
        components=[Sparse(name="src"), writer], connectors=wire("src", "writer", ["x", "y"])
    )
    async with process:
        await process.run()
    table = pq.read_table(path)
    assert table.schema.field("y").type == pa.string()
    assert table.column("y").to_pylist() == [None] * 25 + [f"v{k}" for k in range(25, 30)]


async def test_parquet_rejects_values_that_do_not_fit_the_schema(tmp_path: Path) -> None:
    writer = FileWriter(name="w", path=tmp_path / "x.parquet", field_names=["a"], chunk_size=2)
    await writer.init()
    await writer._write_chunk([(1,), (2,)])
    with pytest.raises(TypeError, match=r"column 'a' was written as int64.*cannot take string"):
        await writer._write_chunk([("three",), ("four",)])
    with pytest.raises(TypeError, match=r"column 'a': Expected bytes, got a 'int' object"):
        await writer._write_chunk([("three",), (4,)])
    with pytest.raises(TypeError, match=r"column 'a' was written as int64.*cannot take double"):
        await writer._write_chunk([(3.5,)])
    await writer._write_chunk([(4.0,), (5,)])  # whole floats fit an integer column
    await writer.destroy()
    assert pq.read_table(tmp_path / "x.parquet").column("a").to_pylist() == [1, 2, 4, 5]


async def test_nothing_written_gives_a_readable_empty_file(tmp_path: Path) -> None:
    for name in FORMATS.values():
        await write(tmp_path / name, 0)
        assert await read(tmp_path / name) == []
    assert (tmp_path / "data.csv").read_text() == '"i","f","s","b","n"\n'


async def test_reader_reads_in_chunks_with_flat_memory(tmp_path: Path) -> None:
    count = 200_000
    path = tmp_path / "big.csv"
    with open(path, "w") as file:
        file.write("key,label,value,flag,other\n")
        file.writelines(
            f"{k},name-{k},{k * 0.25},{'true' if k % 2 else 'false'},{k * 7}\n"
            for k in range(count)
        )
    reader = FileReader(
        name="reader", path=path, field_names=["key", "value", "label"], chunk_size=1000
    )
    await reader.init()
    assert (await reader._read_chunk())[0] == (0, 0.0, "name-0")  # modules imported, reading
    tracemalloc.start()
    try:
        seen = 1000
        biggest = 0
        arrow_peak = 0
        while chunk := await reader._read_chunk():
            assert len(chunk) <= 1000
            assert chunk[0] == (seen, seen * 0.25, f"name-{seen}")
            seen += len(chunk)
            biggest = max(biggest, len(chunk))
            arrow_peak = max(arrow_peak, pa.total_allocated_bytes())
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await reader.destroy()
    assert seen == count
    assert biggest == 1000
    # The whole file as rows would take tens of MB; a few chunks of 1000 rows take well under 2.
    assert python_peak < 2_000_000, python_peak
    assert arrow_peak < 16_000_000, arrow_peak


async def test_csv_columns_whose_values_change_type_later_are_widened(tmp_path: Path) -> None:
    # The first parsed block (~1 MB) decides the types: these columns change after it.
    count = 150_000
    path = tmp_path / "drift.csv"
    with open(path, "w") as file:
        file.write("k,empty_at_first,ints_then_decimals,numbers_then_text\n")
        for k in range(count):
            late = k >= count - 3
            file.write(
                f"{k},{k if late else ''},{k + 0.5 if late else k},{'unknown' if late else k}\n"
            )
    fields = ["k", "empty_at_first", "ints_then_decimals", "numbers_then_text"]
    reader = FileReader(name="reader", path=path, field_names=fields, chunk_size=5000)
    await reader.init()
    got = []
    while chunk := await reader._read_chunk():
        got.extend(chunk)
    await reader.destroy()
    assert [row[0] for row in got] == list(range(count))
    assert got[0] == (0, None, 0, 0)
    assert got[-1] == (count - 1, count - 1, count - 0.5, "unknown")


@pytest.mark.parametrize("fmt", FORMATS)
async def test_on_retry_resumes_after_the_rows_emitted(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / FORMATS[fmt]
    await write(path, 30, chunk_size=4)
    reader = FileReader(name="reader", path=path, field_names=FIELDS, chunk_size=4)
    await reader.init()
    got = []
    for _ in range(6):  # one chunk and a half
        await reader.step()
        got.append(tuple(getattr(reader, f) for f in FIELDS))
    await reader.on_retry(RuntimeError("connection reset"))
    with pytest.raises(IOStreamClosedError):  # the step after the last row closes the IO
        while True:
            await reader.step()
            got.append(tuple(getattr(reader, f) for f in FIELDS))
    await reader.destroy()
    assert got == rows(30)


# -- writing: no side effects before init, atomic, failed runs --------------------------------

MODEL = """
plugboard:
  process:
    args:
      components:
      - type: plugboard.library.FileReader
        args:
          name: reader
          path: data/input.csv
          field_names: [a, b]
          chunk_size: 2
      - type: plugboard.library.FileWriter
        args:
          name: writer
          path: out/result.parquet
          field_names: [a, b]
      connectors:
      - source: reader.a
        target: writer.a
      - source: reader.b
        target: writer.b
"""


def model(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "input.csv").write_text("a,b,c\n1,x,9\n2,y,9\n3,z,9\n")
    path = folder / "model.yaml"
    path.write_text(textwrap.dedent(MODEL).lstrip())
    return path


def test_validate_and_build_create_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    path = model(folder)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = subprocess.run(
        [PLUGBOARD, "process", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    process = build_config(read_config(path))
    assert process.components["writer"] is not None
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_yaml_paths_resolve_beside_the_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    path = model(folder)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [PLUGBOARD, "process", "run", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=elsewhere,
    )
    assert result.returncode == 0, result.stderr
    assert pq.read_table(folder / "out" / "result.parquet").to_pylist() == [
        {"a": 1, "b": "x"},
        {"a": 2, "b": "y"},
        {"a": 3, "b": "z"},
    ]
    assert list(elsewhere.iterdir()) == []


class Probe(Component):
    """Looks at the writer's folder at every step: the target must be the old file, whole."""

    io = IOController(inputs=["i"])
    seen: _t.ClassVar[list[tuple[str, list[str]]]] = []

    def __init__(self, target: str, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._target = Path(target)

    async def step(self) -> None:
        text = self._target.read_text() if self._target.exists() else None
        Probe.seen.append((text, sorted(os.listdir(self._target.parent))))


@pytest.mark.parametrize("old", ["old contents\n", None])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
async def test_local_writes_are_atomic(tmp_path: Path, fmt: str, old: str | None) -> None:
    target = tmp_path / FORMATS[fmt]
    if old is not None:
        target.write_text(old)
    Probe.seen.clear()
    writer = FileWriter(name="writer", path=target, field_names=FIELDS, chunk_size=10)
    process = LocalProcess(
        components=[Rows(name="rows", count=200), writer, Probe(name="probe", target=str(target))],
        connectors=[*wire("rows", "writer"), *wire("rows", "probe", ["i"])],
    )
    async with process:
        await process.run()
    assert len(Probe.seen) == 200
    assert all(text == old for text, _ in Probe.seen)  # the old file, or none: never a part
    # Meanwhile the rows went to a temporary file beside the target.
    assert any(
        name.startswith(f".{target.name}.") and name.endswith(".tmp")
        for _, names in Probe.seen
        for name in names
    )
    assert sorted(os.listdir(tmp_path)) == [target.name]
    assert await read(target) == rows(200)


class Gate(Component):
    """Passes rows on; fails on the row whose i is `fail_at`."""

    io = IOController(inputs=FIELDS, outputs=[f"{f}_out" for f in FIELDS])

    def __init__(self, fail_at: int, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.fail_at = fail_at

    async def step(self) -> None:
        if self.i == self.fail_at:
            raise RuntimeError(f"row {self.i} is bad")
        for f in FIELDS:
            setattr(self, f"{f}_out", getattr(self, f))


@pytest.mark.parametrize("fmt", FORMATS)
async def test_failed_run_keeps_the_rows_accepted(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / FORMATS[fmt]
    writer = FileWriter(name="writer", path=target, field_names=FIELDS, chunk_size=10)
    gate = Gate(name="gate", fail_at=57)
    to_writer = [
        AsyncioConnector(spec=ConnectorSpec(source=f"gate.{f}_out", target=f"writer.{f}"))
        for f in FIELDS
    ]
    process = LocalProcess(
        components=[Rows(name="rows", count=500), gate, writer],
        connectors=[*wire("rows", "gate"), *to_writer],
    )
    with pytest.raises(ProcessError, match="row 57 is bad"):
        async with process:
            await process.run()
    accepted = writer.rows_written
    assert 0 < accepted <= 57
    assert await read(target) == rows(accepted)
    assert sorted(os.listdir(tmp_path)) == [target.name]


@pytest.mark.parametrize("fmt", ["csv.gz", "parquet"])
async def test_failure_beside_the_writer_keeps_the_rows_accepted(tmp_path: Path, fmt: str) -> None:
    # rows -> writer, and rows -> gate, which fails at row 300 while the writer is mid-chunk.
    target = tmp_path / FORMATS[fmt]
    writer = FileWriter(name="writer", path=target, field_names=FIELDS, chunk_size=64)
    process = LocalProcess(
        components=[Rows(name="rows", count=1000), writer, Gate(name="gate", fail_at=300)],
        connectors=[*wire("rows", "writer"), *wire("rows", "gate")],
    )
    with pytest.raises(ProcessError, match="row 300 is bad"):
        async with process:
            await process.run()
    accepted = writer.rows_written
    assert accepted > 64
    assert await read(target) == rows(accepted)


async def test_a_chunk_written_by_a_cancelled_call_is_not_written_twice(tmp_path: Path) -> None:
    # A flush cancelled while its chunk is being written on the worker thread keeps that chunk
    # in the writer's buffer; the flush at destroy hands over the same list again.
    writer = FileWriter(name="w", path=tmp_path / "x.jsonl", field_names=["a"])
    await writer.init()
    chunk = [(1,), (2,)]
    await writer._write_chunk(chunk)
    await writer._write_chunk(chunk)
    await writer._write_chunk([(3,)])
    await writer.destroy()
    assert (tmp_path / "x.jsonl").read_text() == '{"a": 1}\n{"a": 2}\n{"a": 3}\n'


# -- errors -------------------------------------------------------------------------------------


def test_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError,
        match=r"cannot tell the format of .*data\.txt.*\.csv, \.csv\.gz, .*'parquet', 'jsonl'",
    ):
        FileReader(name="r", path=tmp_path / "data.txt", field_names=["a"])
    with pytest.raises(
        ValueError, match=r"unknown format 'xlsx': use one of 'csv', 'csv.gz', 'parquet', 'jsonl'"
    ):
        FileWriter(name="w", path=tmp_path / "data.csv", field_names=["a"], format="xlsx")
    assert not list(tmp_path.iterdir())


def test_unknown_format_fails_validation_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(
        textwrap.dedent(MODEL).lstrip().replace("out/result.parquet", "out/result.xlsx")
    )
    result = subprocess.run(
        [PLUGBOARD, "process", "validate", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "cannot tell the format of out/result.xlsx" in result.stderr
    assert "model.yaml:" in result.stderr
    with pytest.raises(ValidationError, match="cannot tell the format"):
        build_config(read_config(path))


@pytest.mark.parametrize("fmt", FORMATS)
async def test_missing_column_names_the_file_and_its_columns(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / FORMATS[fmt]
    await write(path, 5)
    reader = FileReader(name="reader", path=path, field_names=["i", "typo", "s"])
    with pytest.raises(ValueError) as info:
        await reader.init()
    await reader.destroy()
    assert str(info.value) == f"cannot read {path}: no column 'typo' (columns: i, f, s, b, n)"


async def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    reader = FileReader(name="reader", path=tmp_path / "nope.csv", field_names=["a"])
    process = LocalProcess(
        components=[reader, Collect(name="sink")],
        connectors=[AsyncioConnector(spec=ConnectorSpec(source="reader.a", target="sink.inp"))],
    )
    with pytest.raises(ProcessError) as info:
        async with process:
            await process.run()
    assert f"FileNotFoundError: cannot read {tmp_path / 'nope.csv'}" in str(info.value)
    assert "\n" not in str(info.value)


BLOCKER = """
import importlib.abc, sys

class Blocker(importlib.abc.MetaPathFinder):
    def __init__(self, names):
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Blocker(sys.argv[1].split(",")))
"""

CHECK_EXTRA = (
    BLOCKER
    + """
import asyncio
import plugboard.library
from plugboard.library import FileReader, FileWriter
assert "pyarrow" not in sys.modules and "fsspec" not in sys.modules, "plugboard.library is not light"

async def main():
    kind = FileWriter if sys.argv[3] == "write" else FileReader
    component = kind(name="c", path=sys.argv[2], field_names=["a"])
    try:
        await component.init()
    except ImportError as exc:
        print(exc)
    finally:
        await component.destroy()

asyncio.run(main())
"""
)


@pytest.mark.parametrize(
    ("blocked", "url", "action", "message"),
    [
        (
            "s3fs",
            "s3://bucket/data.csv",
            "read",
            "reading s3://bucket/data.csv needs plugboard[aws]: pip install 'plugboard[aws]'",
        ),
        (
            "gcsfs",
            "gs://bucket/data.parquet",
            "write",
            "writing gs://bucket/data.parquet needs plugboard[gcp]: pip install 'plugboard[gcp]'",
        ),
        (
            "adlfs",
            "az://box/data.jsonl",
            "read",
            "reading az://box/data.jsonl needs plugboard[azure]: pip install 'plugboard[azure]'",
        ),
        (
            "adlfs",
            "abfs://box@acct.dfs.core.windows.net/d.csv",
            "read",
            "reading abfs://box@acct.dfs.core.windows.net/d.csv needs plugboard[azure]: pip install 'plugboard[azure]'",
        ),
        (
            "pyarrow",
            "data.csv",
            "read",
            "reading data.csv needs plugboard[files]: pip install 'plugboard[files]'",
        ),
        (
            "fsspec",
            "out.csv",
            "write",
            "writing out.csv needs plugboard[files]: pip install 'plugboard[files]'",
        ),
    ],
)
def test_missing_extra_is_one_line_naming_it(
    tmp_path: Path, blocked: str, url: str, action: str, message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK_EXTRA, blocked, url, action],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == message + "\n"
    assert list(tmp_path.iterdir()) == []


def test_missing_extra_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(
        textwrap.dedent(MODEL)
        .lstrip()
        .replace("path: out/result.parquet", "path: s3://bucket/out.parquet")
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "input.csv").write_text("a,b\n1,x\n")
    script = (
        BLOCKER
        + "from plugboard.cli import main\nsys.argv = ['plugboard', 'process', 'run', sys.argv[2]]\nmain()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "s3fs", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        "writing s3://bucket/out.parquet needs plugboard[aws]: pip install 'plugboard[aws]'"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_the_yaml_model_in_the_docs_runs(tmp_path: Path) -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "usage" / "files.md").read_text()
    yaml_text = page.split('```yaml title="convert.yaml"\n', 1)[1].split("```", 1)[0]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "readings.csv").write_text(
        "sensor,reading,ok\ns0,0.5,true\ns1,1.5,false\n"
    )
    (tmp_path / "convert.yaml").write_text(yaml_text)
    result = subprocess.run(
        [PLUGBOARD, "process", "validate", "convert.yaml"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "out").exists()
    result = subprocess.run(
        [PLUGBOARD, "process", "run", "convert.yaml"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert pq.read_table(tmp_path / "out" / "readings.parquet").to_pylist() == [
        {"sensor": "s0", "reading": 0.5},
        {"sensor": "s1", "reading": 1.5},
    ]
