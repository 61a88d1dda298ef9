"""Fixtures for the integration tests: cloud storage emulators (session-scoped) and helpers."""

from __future__ import annotations

import dataclasses
from pathlib import Path
import typing as _t
import uuid

import pytest

from plugboard.component import Component, IOController
from plugboard.connector import AsyncioConnector
from plugboard.library import FileReader, FileWriter
from plugboard.process import LocalProcess
from plugboard.schemas import ComponentArgsDict, ConnectorSpec
from tests import services


FIELDS = ["i", "f", "s", "b", "n"]
SPECIAL = {1: 'comma, "quotes"', 2: "two\nlines", 4: "ünïcødé ✓", 5: ""}


def row(k: int) -> tuple[_t.Any, ...]:
    """Row k of the test data: int, float, text (some awkward), bool, int or None."""
    return (k, k * 0.5, SPECIAL.get(k, f"s{k}"), k % 2 == 0, None if k % 3 == 0 else k * 10)


def rows(count: int) -> list[tuple[_t.Any, ...]]:
    return [row(k) for k in range(count)]


class Rows(Component):
    """Emits `row(k)` for k in 0..count-1 on the outputs i, f, s, b, n."""

    io = IOController(outputs=FIELDS)

    def __init__(self, count: int = 10, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.count = count

    async def init(self) -> None:
        self._k = 0

    async def step(self) -> None:
        if self._k >= self.count:
            await self.io.close()
            return
        self.i, self.f, self.s, self.b, self.n = row(self._k)
        self._k += 1


class Keep(Component):
    """Keeps every row it receives on i, f, s, b, n (class registry keyed by name)."""

    io = IOController(inputs=FIELDS)
    seen: _t.ClassVar[dict[str, list[tuple[_t.Any, ...]]]] = {}

    async def init(self) -> None:
        Keep.seen[self.name] = []

    async def step(self) -> None:
        Keep.seen[self.name].append((self.i, self.f, self.s, self.b, self.n))


def wire(source: str, target: str, fields: _t.Sequence[str] = FIELDS) -> list[AsyncioConnector]:
    """Connectors from every field of `source` to the same field of `target`."""
    return [
        AsyncioConnector(spec=ConnectorSpec(source=f"{source}.{f}", target=f"{target}.{f}"))
        for f in fields
    ]


FORMATS = {
    "csv": "data.csv",
    "csv.gz": "data.csv.gz",
    "parquet": "data.parquet",
    "jsonl": "data.jsonl",
}


async def write(path: str | Path, count: int, **kwargs: _t.Any) -> FileWriter:
    """Runs Rows(count) -> FileWriter(path) and returns the writer."""
    writer = FileWriter(name="writer", path=path, field_names=FIELDS, **kwargs)
    process = LocalProcess(
        components=[Rows(name="rows", count=count), writer], connectors=wire("rows", "writer")
    )
    async with process:
        await process.run()
    return writer


async def read(path: str | Path, **kwargs: _t.Any) -> list[tuple[_t.Any, ...]]:
    """Runs FileReader(path) -> Keep and returns the rows kept."""
    reader = FileReader(name="reader", path=path, field_names=FIELDS, **kwargs)
    process = LocalProcess(
        components=[reader, Keep(name="keep")], connectors=wire("reader", "keep")
    )
    async with process:
        await process.run()
    return Keep.seen["keep"]


def same_types(got: list[tuple[_t.Any, ...]], expected: list[tuple[_t.Any, ...]]) -> bool:
    return all(
        type(a) is type(b)
        for got_row, exp_row in zip(got, expected, strict=True)
        for a, b in zip(got_row, exp_row, strict=True)
    )


@dataclasses.dataclass
class Store:
    """Where a test writes: a folder (URL) and the storage options to reach it."""

    name: str
    root: str
    storage_options: dict[str, _t.Any]

    def url(self, name: str) -> str:
        return f"{self.root}/{name}"

    def filesystem(self) -> _t.Any:
        import fsspec.core

        return fsspec.core.url_to_fs(self.root, **self.storage_options)[0]


def _bucket(protocol: str, options: dict[str, _t.Any]) -> Store:
    import fsspec

    name = f"pb-{uuid.uuid4().hex[:12]}"
    fsspec.filesystem(protocol, **options).mkdir(name)
    return Store(protocol, f"{protocol}://{name}", options)


@pytest.fixture(scope="session")
def s3_options() -> _t.Iterator[dict[str, str]]:
    with services.moto_s3() as options:
        yield options


@pytest.fixture(scope="session")
def gcs_options() -> _t.Iterator[dict[str, str]]:
    with services.gcs_emulator() as options:
        yield options


@pytest.fixture(scope="session")
def azure_options() -> _t.Iterator[dict[str, str]]:
    with services.azurite() as options:
        yield options


@pytest.fixture
def s3(s3_options: dict[str, str]) -> Store:
    """A new, empty S3 bucket on the emulator."""
    return _bucket("s3", s3_options)


@pytest.fixture
def gcs(gcs_options: dict[str, str]) -> Store:
    """A new, empty GCS bucket on the emulator."""
    return _bucket("gs", gcs_options)


@pytest.fixture
def azure(azure_options: dict[str, str]) -> Store:
    """A new, empty Azure Blob container on the emulator."""
    return _bucket("az", azure_options)


@pytest.fixture
def local(tmp_path: Path) -> Store:
    """A temporary local folder."""
    return Store("local", str(tmp_path), {})


@pytest.fixture(params=["local", "s3", "gcs", "azure"])
def store(request: pytest.FixtureRequest) -> Store:
    """Each store in turn: local, S3, GCS and Azure."""
    found: Store = request.getfixturevalue(request.param)
    return found
