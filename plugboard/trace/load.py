"""`load()`: a trace as a pandas DataFrame, ready to filter by component and plot over steps."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import json
import os
import typing as _t

from plugboard.schemas.trace import is_database_url, trace_format
from plugboard.trace._encode import COLUMNS, JSON_COLUMNS


if _t.TYPE_CHECKING:
    import pandas  # type: ignore[import-untyped]

_FLATTENED = ("inputs", "outputs", "state")


def load(
    source: str | os.PathLike[str],
    *,
    table: str = "trace",
    storage_options: _t.Mapping[str, _t.Any] | None = None,
    format: str | None = None,
    flatten: bool = True,
) -> pandas.DataFrame:
    """Reads a trace into a pandas DataFrame, one row per recorded step.

    The JSON columns are decoded. With `flatten`, each input, output and exported attribute
    becomes a column of its own, named `inputs.<field>`, `outputs.<field>` and
    `state.<name>` (empty where a row's component has no such field), so that one variable
    over the steps is `df[df.component == "tank"].plot(x="step", y="outputs.level")`.
    Without it, `inputs`, `outputs` and `state` hold dicts. `events_in` and `events_out`
    hold lists of event dicts (or None); `time` is a UTC timestamp.

    Args:
        source: A Parquet or JSON Lines file (local path or fsspec URL), or the database
            URL a trace was written to.
        table: The table, for a database.
        storage_options: Passed to fsspec (credentials, `endpoint_url`, ...).
        format: `"parquet"` or `"jsonl"`, when the file's suffix does not say.
        flatten: Spread inputs, outputs and state over columns of their own.

    Raises:
        ImportError: pandas (or the extra the source needs) is not installed.
        ValueError: The format cannot be told from the name.
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("plugboard.trace.load needs pandas: pip install pandas") from None
    target = os.fspath(source)
    if is_database_url(target):
        rows = _run(_read_table(target, table))
        frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    else:
        kind = format or trace_format(target)
        if kind not in ("parquet", "jsonl"):
            raise ValueError(
                f"cannot tell the trace format of {target!r}: give format='parquet' or 'jsonl'"
            )
        frame = _read_file(target, kind, storage_options or {})
    for column in JSON_COLUMNS:
        frame[column] = [_decoded(value) for value in frame[column]]
    frame["error"] = [value if isinstance(value, str) else None for value in frame["error"]]
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    frame["step"] = frame["step"].astype("int64")
    if flatten:
        frame = _flattened(frame)
    return frame


def _decoded(value: _t.Any) -> _t.Any:
    if isinstance(value, str):
        return json.loads(value)
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value


def _read_file(path: str, kind: str, storage_options: _t.Mapping[str, _t.Any]) -> pandas.DataFrame:
    import pandas as pd

    from plugboard.library._storage import Location

    location = Location(path, storage_options)
    fs, inner = location.open_filesystem(writing=False)
    try:
        with fs.open(inner, "rb") as file:
            if kind == "parquet":
                import pyarrow.parquet as pq  # type: ignore[import-untyped]

                return _t.cast("pandas.DataFrame", pq.read_table(file).to_pandas())
            text = file.read().decode("utf-8")
            records = [json.loads(line) for line in text.splitlines() if line]
    except Exception as exc:
        error = location.error("read", exc)
    else:
        return pd.DataFrame.from_records(records, columns=list(COLUMNS))
    raise error


async def _read_table(url: str, table: str) -> list[tuple[_t.Any, ...]]:
    from sqlalchemy import column, select
    from sqlalchemy import table as table_clause

    from plugboard.library._sql_engine import Database
    from plugboard.library._sql_identifiers import table_name

    schema, name = table_name(table)
    db = Database(url, "plugboard.trace.load")
    engine = db.engine("plugboard-trace-load")
    source = table_clause(name, *(column(c) for c in COLUMNS), schema=schema)
    query = select(source).order_by(source.c.time, source.c.component, source.c.step)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(query)
            return [tuple(row) for row in result]
    except Exception as exc:
        db.fail(f"cannot read the trace table {table} in {db.masked}", exc)
    finally:
        await engine.dispose()


def _run(coroutine: _t.Coroutine[_t.Any, _t.Any, _t.Any]) -> _t.Any:
    """Runs a coroutine to its end, also from code that already runs in an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _flattened(frame: pandas.DataFrame) -> pandas.DataFrame:
    import pandas as pd

    parts = [frame[["job_id", "process", "component", "step", "time", "elapsed"]]]
    for column in _FLATTENED:
        values = [value if isinstance(value, dict) else {} for value in frame[column]]
        wide = pd.DataFrame.from_records(values, index=frame.index)
        wide.columns = [f"{column}.{name}" for name in wide.columns]
        parts.append(wide)
    parts.append(frame[["events_in", "events_out", "error"]])
    return pd.concat(parts, axis=1)
