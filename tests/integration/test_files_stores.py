"""FileReader and FileWriter on object stores (S3, GCS, Azure emulators) and local files."""

from __future__ import annotations

import logging
import traceback
import typing as _t

import pytest

from plugboard.library import FileReader, FileWriter
from tests.integration.conftest import FORMATS, Store, read, rows, same_types, write
from tests.services import AZURITE_KEY


@pytest.mark.parametrize("fmt", FORMATS)
async def test_round_trip_on_each_store(store: Store, fmt: str) -> None:
    url = store.url(f"folder/{FORMATS[fmt]}")
    writer = await write(url, 40, chunk_size=9, storage_options=store.storage_options)
    assert writer.rows_written == 40
    got = await read(url, chunk_size=6, storage_options=store.storage_options)
    assert got == rows(40)
    assert same_types(got, rows(40))
    fs = store.filesystem()
    fs.invalidate_cache()
    root = store.root.partition("://")[2] or store.root
    assert [path.rsplit("/", 1)[1] for path in fs.find(root)] == [FORMATS[fmt]]


@pytest.mark.parametrize("kind", ["s3", "gcs", "azure"])
async def test_object_appears_only_when_the_writer_closes(
    request: pytest.FixtureRequest, kind: str
) -> None:
    store: Store = request.getfixturevalue(kind)
    url = store.url("out.parquet")
    writer = FileWriter(
        name="writer", path=url, field_names=["a"], storage_options=store.storage_options
    )
    await writer.init()
    for k in range(3):
        await writer._write_chunk([(k,), (k + 10,)])
    fs = store.filesystem()
    fs.invalidate_cache()
    assert not fs.exists(url)
    await writer.destroy()
    fs.invalidate_cache()
    assert fs.exists(url)
    reader = FileReader(
        name="reader", path=url, field_names=["a"], storage_options=store.storage_options
    )
    await reader.init()
    assert await reader._read_chunk() == [(0,), (10,), (1,), (11,), (2,), (12,)]
    await reader.destroy()


KEY = "AKIAPLUGBOARDTESTKEY7"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYPLUGBOARD"


def full_text(error: BaseException) -> str:
    """The error as a traceback would print it, causes included."""
    return "".join(traceback.format_exception(error))


def assert_clean(error: BaseException, *secrets: str) -> None:
    text = full_text(error)
    for secret in secrets:
        assert secret not in text
        assert secret not in repr(error.args)


async def test_s3_errors_show_no_credentials(
    s3_options: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    options = {**s3_options, "key": KEY, "secret": SECRET}
    caplog.set_level(logging.INFO)
    reader = FileReader(
        name="reader",
        path="s3://no-such-bucket/data.csv",
        field_names=["a"],
        storage_options=options,
    )
    with pytest.raises(FileNotFoundError) as info:
        await reader.init()
    await reader.destroy()
    assert str(info.value).startswith("cannot read s3://no-such-bucket/data.csv: ")
    assert_clean(info.value, KEY, SECRET)

    writer = FileWriter(
        name="writer",
        path="s3://no-such-bucket/out.parquet",
        field_names=["a"],
        storage_options=options,
    )
    with pytest.raises(FileNotFoundError) as info:
        await writer.init()  # found out at once, not when the upload ends
    await writer.destroy()
    assert str(info.value) == (
        "cannot write s3://no-such-bucket/out.parquet:"
        " there is no bucket or container 'no-such-bucket'"
    )
    assert_clean(info.value, KEY, SECRET)
    assert all(KEY not in r.getMessage() and SECRET not in r.getMessage() for r in caplog.records)


async def test_credentials_in_the_url_are_not_shown(s3_options: dict[str, str]) -> None:
    url = f"s3://{KEY}:{SECRET.replace('/', '%2F')}@no-such-bucket/data.jsonl?token=SIGNATURE123"
    reader = FileReader(name="reader", path=url, field_names=["a"], storage_options=s3_options)
    with pytest.raises(Exception) as info:
        await reader.init()
    await reader.destroy()
    assert "s3://no-such-bucket/data.jsonl" in str(info.value)
    assert_clean(info.value, KEY, SECRET.replace("/", "%2F"), "SIGNATURE123")


async def test_azure_errors_show_no_account_key(azure_options: dict[str, str]) -> None:
    assert AZURITE_KEY in azure_options["connection_string"]
    for kind, action in ((FileReader, "read"), (FileWriter, "write")):
        component = kind(
            name="c",
            path="az://no-such-container/data.csv",
            field_names=["a"],
            storage_options=azure_options,
        )
        with pytest.raises(FileNotFoundError) as info:
            await component.init()
        await component.destroy()
        assert str(info.value).startswith(f"cannot {action} az://no-such-container/data.csv: ")
        assert "\n" not in str(info.value)
        assert_clean(info.value, AZURITE_KEY, azure_options["connection_string"])


async def test_bad_storage_options_show_no_credentials(s3_options: dict[str, str]) -> None:
    options: dict[str, _t.Any] = {**s3_options, "secret": SECRET, "no_such_option": SECRET}
    reader = FileReader(
        name="reader", path="s3://bucket/data.csv", field_names=["a"], storage_options=options
    )
    with pytest.raises(Exception) as info:
        await reader.init()
    await reader.destroy()
    assert str(info.value).startswith("cannot read s3://bucket/data.csv: ")
    assert_clean(info.value, SECRET)
