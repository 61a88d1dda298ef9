"""`field_names` as a mapping: columns named like component attributes (`id`, `name`)."""

from __future__ import annotations

import csv
from pathlib import Path
import sqlite3

import pytest

from plugboard.connector import AsyncioConnector
from plugboard.exceptions import IOSetupError, ValidationError
from plugboard.library import FileReader, FileWriter, SQLReader, SQLWriter
from plugboard.process import LocalProcess
from plugboard.process.loader import build_config, read_config
from plugboard.schemas import ConnectorSpec


def link(source: str, target: str) -> AsyncioConnector:
    return AsyncioConnector(spec=ConnectorSpec(source=source, target=target))


async def test_columns_named_id_and_name_travel_under_other_field_names(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("id,name,v\n1,a,0.5\n2,b,1.5\n")
    reader = FileReader(
        name="read",
        path=str(tmp_path / "in.csv"),
        field_names={"id": "key", "name": "label", "v": "v"},
    )
    writer = FileWriter(
        name="write",
        path=str(tmp_path / "out.csv"),
        field_names={"id": "key", "name": "label", "value": "v"},
    )
    process = LocalProcess(
        components=[reader, writer],
        connectors=[
            link("read.key", "write.key"),
            link("read.label", "write.label"),
            link("read.v", "write.v"),
        ],
    )
    async with process:
        await process.run()
    assert reader.key == 2 and reader.label == "b"  # the last row, on the mapped fields
    assert reader.id != 2  # `id` is still the component's own id
    with open(tmp_path / "out.csv", newline="") as file:
        assert list(csv.reader(file)) == [
            ["id", "name", "value"],
            ["1", "a", "0.5"],
            ["2", "b", "1.5"],
        ]


async def test_sql_reader_and_writer_map_columns_too(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        db.execute("CREATE TABLE src (id INTEGER, name TEXT)")
        db.executemany("INSERT INTO src VALUES (?, ?)", [(1, "a"), (2, "b"), (3, "c")])
    process = LocalProcess(
        components=[
            SQLReader(
                name="read",
                connection_string=url,
                query="SELECT id, name FROM src ORDER BY id",
                field_names={"id": "key", "name": "label"},
            ),
            SQLWriter(
                name="write",
                connection_string=url,
                table="dst",
                field_names={"id": "key", "name": "label"},
                create_table=True,
            ),
        ],
        connectors=[link("read.key", "write.key"), link("read.label", "write.label")],
    )
    async with process:
        await process.run()
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        assert db.execute("SELECT id, name FROM dst ORDER BY id").fetchall() == [
            (1, "a"),
            (2, "b"),
            (3, "c"),
        ]


def test_a_column_named_like_an_attribute_is_refused_with_the_way_out(tmp_path: Path) -> None:
    with pytest.raises(IOSetupError, match=r"field name 'id' clashes.*field_names: \{column"):
        FileReader(name="r", path=str(tmp_path / "in.csv"), field_names=["id", "v"])
    (tmp_path / "model.yaml").write_text(
        "plugboard:\n  process:\n    args:\n      components:\n"
        "      - type: plugboard.library.FileReader\n"
        "        args: {name: r, path: in.csv, field_names: [id, v]}\n"
    )
    with pytest.raises(ValidationError, match=r"model.yaml:6: component 'r'.*'id' clashes"):
        build_config(read_config(tmp_path / "model.yaml"))


@pytest.mark.parametrize(
    ("field_names", "message"),
    [
        ({"a": "x", "b": "x"}, "names a field twice"),
        ({}, "non-empty list of column names, or a mapping"),
        ({"rows_read": "rows_read"}, "own names"),
    ],
)
def test_bad_mappings_are_refused(tmp_path: Path, field_names: object, message: str) -> None:
    with pytest.raises(IOSetupError, match=message):
        FileWriter(name="w", path=str(tmp_path / "o.csv"), field_names=field_names)  # type: ignore[arg-type]


def test_a_mapping_survives_dump_and_load(tmp_path: Path) -> None:
    reader = FileReader(name="r", path="in.csv", field_names={"id": "key"})
    writer = FileWriter(name="w", path="out.csv", field_names={"id": "key"})
    process = LocalProcess(components=[reader, writer], connectors=[link("r.key", "w.key")])
    process.dump(tmp_path / "dumped.yaml")
    rebuilt = build_config(read_config(tmp_path / "dumped.yaml"))
    assert rebuilt.components["r"].io.outputs == ["key"]  # type: ignore[attr-defined]
    assert rebuilt.components["w"].columns == ["id"]  # type: ignore[attr-defined]
