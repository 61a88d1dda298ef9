"""Child process of the file and SQL scenarios: CSV -> pass-through -> Parquet or PostgreSQL.

Run as `python -m tests.benchmarks.scenarios._io_child {ours|floor} {parquet|sql} CSV ROWS
TARGET [TABLE]`, where TARGET is the Parquet path or the database URL. Prints one JSON object:
the run's seconds, rows per second and peak RSS. A fresh process per measurement keeps memory
peaks apart, and the floor side never imports plugboard.

Ours uses `plugboard.library.FileReader`, a five-field pass-through component and
`FileWriter` or `SQLWriter`. The floor is the same topology in plain asyncio: a reader task
streams the CSV with pyarrow and sends one row at a time through one-slot queues to a
pass-through task and a writer task, which writes 10,000 rows at a time (a Parquet row group,
or a `COPY` through asyncpg).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import typing as _t

from tests.benchmarks.core import Sample, expect
from tests.benchmarks.scenarios import _floor
from tests.benchmarks.scenarios._pairs_child import peak_rss_mb


FIELDS = ("c0", "c1", "c2", "c3", "c4")
CHUNK = 10_000


def _sample(seconds: float, rows: int) -> Sample:
    return {"run_s": seconds, "rows_per_s": rows / seconds, "us_per_row": seconds * 1e6 / rows}


def parquet_rows(path: str) -> int:
    """Rows in a Parquet file, from its footer."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    return int(pq.ParquetFile(path).metadata.num_rows)


async def ours(kind: str, source: str, target: str, table: str | None) -> float:
    """Plugboard: FileReader -> Passthrough -> FileWriter/SQLWriter; seconds of `run()`."""
    from plugboard.library import FileReader, FileWriter, SQLWriter
    from tests.benchmarks.scenarios._components import Passthrough, link, timed_run

    reader = FileReader(name="reader", path=source, field_names=list(FIELDS))
    writer: FileWriter | SQLWriter
    if kind == "parquet":
        writer = FileWriter(name="writer", path=target, field_names=list(FIELDS))
    else:
        assert table is not None
        writer = SQLWriter(
            name="writer", connection_string=target, table=table, field_names=list(FIELDS)
        )
    connectors = [link(f"reader.{field}", f"relay.{field}") for field in FIELDS]
    connectors += [link(f"relay.o{index}", f"writer.{field}") for index, field in enumerate(FIELDS)]
    return await timed_run([reader, Passthrough(name="relay"), writer], connectors)


async def _read(path: str, out: _floor.Queue) -> None:
    import pyarrow.csv as pc  # type: ignore[import-untyped]

    stream = pc.open_csv(path)
    for batch in stream:
        columns = [batch.column(index).to_pylist() for index in range(batch.num_columns)]
        for row in zip(*columns, strict=True):
            await out.put(row)
    await out.put(_floor.SENTINEL)


async def _write(inp: _floor.Queue, flush: _t.Callable[[list[tuple[_t.Any, ...]]], _t.Any]) -> None:
    rows: list[tuple[_t.Any, ...]] = []
    while (row := await inp.get()) is not _floor.SENTINEL:
        rows.append(row)
        if len(rows) >= CHUNK:
            await flush(rows)
            rows = []
    if rows:
        await flush(rows)


async def floor(kind: str, source: str, target: str, table: str | None) -> float:
    """Plain asyncio and the same libraries; seconds from the first read to the last write."""
    read_q, write_q = _floor.queue(), _floor.queue()
    if kind == "parquet":
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq

        writer: _t.Any = None

        async def flush(rows: list[tuple[_t.Any, ...]]) -> None:
            nonlocal writer
            columns = list(zip(*rows, strict=True))
            batch = pa.RecordBatch.from_arrays(
                [pa.array(column) for column in columns], names=list(FIELDS)
            )
            if writer is None:
                writer = pq.ParquetWriter(target, batch.schema)
            writer.write_batch(batch)

        seconds = await _floor.run_tasks(
            [_read(source, read_q), _floor.relay(read_q, write_q), _write(write_q, flush)]
        )
        if writer is not None:
            start = time.perf_counter()
            writer.close()
            seconds += time.perf_counter() - start
        return seconds
    import asyncpg  # type: ignore[import-untyped]

    assert table is not None
    connection = await asyncpg.connect(target.replace("+asyncpg", ""))
    try:

        async def copy(rows: list[tuple[_t.Any, ...]]) -> None:
            await connection.copy_records_to_table(table, records=rows, columns=list(FIELDS))

        return await _floor.run_tasks(
            [_read(source, read_q), _floor.relay(read_q, write_q), _write(write_q, copy)]
        )
    finally:
        await connection.close()


def main() -> None:
    """Parses the command line, measures one side, prints the JSON sample."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("side", choices=["ours", "floor"])
    parser.add_argument("kind", choices=["parquet", "sql"])
    parser.add_argument("csv")
    parser.add_argument("rows", type=int)
    parser.add_argument("target")
    parser.add_argument("table", nargs="?")
    args = parser.parse_args()
    measure = ours if args.side == "ours" else floor
    seconds = asyncio.run(measure(args.kind, args.csv, args.target, args.table))
    if args.kind == "parquet":
        expect(f"{args.side} parquet rows", parquet_rows(args.target), args.rows)
    sample = _sample(seconds, args.rows)
    sample["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(sample))


if __name__ == "__main__":
    main()
