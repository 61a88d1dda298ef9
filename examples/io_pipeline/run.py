"""IO pipeline: a CSV file -> a transform -> a PostgreSQL table and a Parquet file.

The same model as model.yaml, built in Python:

    readings (FileReader, readings.csv)
      -> convert (io_transform.Convert: kelvin, bar, m³/h, an alarm flag)
         -> database (SQLWriter: a PostgreSQL table, 100 rows per COPY transaction)
         -> parquet (FileWriter: readings.parquet)

Run it from this folder (it needs `plugboard[files,postgres]`):

    python run.py                                # PostgreSQL at 127.0.0.1:5432, db test
    python run.py --db "$DATABASE_URL" --table readings_2
    python run.py --s3                           # the CSV read from S3 (an emulator)
    plugboard process run model.yaml             # the YAML version of the same model

`--db` defaults to `$PLUGBOARD_EXAMPLE_DB_URL`, else the local test server
`postgresql+asyncpg://postgres@127.0.0.1:5432/test`. The URL may hold a password: Plugboard
shows it as `***` everywhere. The table is created from the first chunk if it does not exist;
each run appends its 240 rows.

`--s3` starts moto's S3 emulator in this process on a loopback port (`pip install
'moto[server]' 'plugboard[aws]'`), uploads readings.csv to a bucket and reads it from
`s3://plugboard-example/readings.csv`, passing the emulator's address and test credentials
as `storage_options`. With a real bucket, pass `--csv s3://bucket/key.csv` instead and let
s3fs find your credentials.
"""

import argparse
import asyncio
import contextlib
import os
from pathlib import Path
import typing as _t

from io_transform import READ, WRITTEN, Convert

from plugboard.connector import AsyncioConnector
from plugboard.library import FileReader, FileWriter, SQLWriter
from plugboard.process import LocalProcess
from plugboard.schemas import ConnectorSpec


HERE = Path(__file__).resolve().parent
DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BUCKET = "plugboard-example"


def connect(source: str, target: str, fields: _t.Sequence[str]) -> list[AsyncioConnector]:
    """Links each field of `source` to the input of the same name on `target`."""
    return [
        AsyncioConnector(spec=ConnectorSpec(source=f"{source}.{field}", target=f"{target}.{field}"))
        for field in fields
    ]


def build(
    db_url: str,
    table: str,
    csv: str,
    parquet: str,
    storage_options: dict[str, _t.Any] | None = None,
) -> LocalProcess:
    """The pipeline: `csv` (a path or fsspec URL) to `table` in `db_url` and to `parquet`."""
    links = [
        AsyncioConnector(spec=ConnectorSpec(source=f"readings.{src}", target=f"convert.{src}"))
        for src in READ
    ]
    return LocalProcess(
        name="io-pipeline",
        components=[
            FileReader(
                name="readings",
                path=csv,
                field_names=READ,
                storage_options=storage_options,
                chunk_size=100,
            ),
            Convert(name="convert", alarm_above_c=90),
            SQLWriter(
                name="database",
                connection_string=db_url,
                table=table,
                field_names=WRITTEN,
                chunk_size=100,
                create_table=True,
            ),
            FileWriter(name="parquet", path=parquet, field_names=WRITTEN),
        ],
        connectors=[
            *links,
            *connect("convert", "database", WRITTEN),
            *connect("convert", "parquet", WRITTEN),
        ],
    )


@contextlib.contextmanager
def csv_on_s3(local_csv: Path) -> _t.Iterator[tuple[str, dict[str, str]]]:
    """Starts an S3 emulator on loopback, uploads the CSV; yields its URL and s3fs options."""
    import logging

    import fsspec
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        _, port = server.get_host_and_port()
        # Explicit test credentials: without them the SDK would look for real ones.
        options = {
            "endpoint_url": f"http://127.0.0.1:{port}",
            "key": "example-key",
            "secret": "example-secret",
        }
        fs = fsspec.filesystem("s3", **options)
        fs.mkdir(BUCKET)
        fs.put(str(local_csv), f"{BUCKET}/readings.csv")
        yield f"s3://{BUCKET}/readings.csv", options
    finally:
        server.stop()


async def run(
    db_url: str, table: str, csv: str, parquet: str, storage_options: dict[str, _t.Any] | None
) -> LocalProcess:
    """Builds and runs the pipeline; returns the finished process."""
    process = build(db_url, table, csv, parquet, storage_options)
    async with process:
        await process.run()
    return process


def main(argv: _t.Sequence[str] | None = None) -> None:
    """Parses the command line, runs the pipeline and reports where the rows went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("PLUGBOARD_EXAMPLE_DB_URL", DEFAULT_DB))
    parser.add_argument("--table", default="plant_readings")
    parser.add_argument("--csv", default=str(HERE / "readings.csv"), help="path or fsspec URL")
    parser.add_argument("--parquet", default=str(HERE / "readings.parquet"))
    parser.add_argument("--s3", action="store_true", help="read the CSV from an S3 emulator")
    args = parser.parse_args(argv)

    with contextlib.ExitStack() as stack:
        csv, options = args.csv, None
        if args.s3:
            csv, options = stack.enter_context(csv_on_s3(Path(args.csv)))
        process = asyncio.run(run(args.db, args.table, csv, args.parquet, options))
    writer = process.components["database"]
    assert isinstance(writer, SQLWriter)
    print(
        f"{process.name}: {process.status}; {writer.rows_written} rows from {csv}"
        f" -> table {args.table} and {args.parquet}"
    )


if __name__ == "__main__":
    main()
