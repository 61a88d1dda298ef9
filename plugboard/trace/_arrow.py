"""Trace batches as Arrow arrays, for Parquet: the JSON columns built mostly inside Arrow.

Encoding every value in Python costs more than the step that produced it, so the Parquet
sink groups a batch's records by component, turns each field's values into one Arrow array,
and lets Arrow's compute functions write the numbers as text and join the JSON objects.
Values Arrow cannot hold as plain numbers, booleans or nulls (text, lists, models, NaN) are
encoded in Python, as the other sinks do.
"""

from __future__ import annotations

from collections import Counter
import operator
import typing as _t

from plugboard.trace._encode import (
    NOT_READ,
    Batch,
    RunInfo,
    error_column,
    event_columns,
    io_values,
    value_json,
)


def _modules() -> tuple[_t.Any, _t.Any]:
    import pyarrow  # type: ignore[import-untyped]
    import pyarrow.compute  # type: ignore[import-untyped]

    return pyarrow, pyarrow.compute


def schema() -> _t.Any:
    """The Arrow schema of a Parquet trace (the order of `COLUMNS`)."""
    pa, _ = _modules()
    text = pa.string()
    return pa.schema(
        [
            ("job_id", text),
            ("process", text),
            ("component", text),
            ("step", pa.int64()),
            ("time", pa.timestamp("us", tz="UTC")),
            ("elapsed", pa.float64()),
            ("inputs", text),
            ("outputs", text),
            ("state", text),
            ("events_in", text),
            ("events_out", text),
            ("error", text),
        ]
    )


def _plain_texts(values: _t.Sequence[_t.Any]) -> _t.Any | None:
    """JSON text of each value, made by Arrow; None unless all are numbers, booleans or None."""
    pa, pc = _modules()
    try:
        array = pa.array(values)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return None
    kind = array.type
    plain = pa.types.is_integer(kind) or pa.types.is_boolean(kind)
    if pa.types.is_floating(kind):
        plain = pc.all(pc.is_finite(array)).as_py() is not False
    if plain:
        return pc.fill_null(pc.cast(array, pa.string()), "null")
    if pa.types.is_null(kind):
        return pa.array(["null"] * len(values), pa.string())
    return None


def _texts(values: _t.Sequence[_t.Any]) -> _t.Any:
    """JSON text of each value, as an Arrow string array."""
    pa, _ = _modules()
    texts = _plain_texts(values)
    if texts is None:
        texts = pa.array(list(map(value_json, values)), pa.string())
    return texts


def _objects(keys: tuple[str, ...], values: _t.Sequence[_t.Any]) -> _t.Any:
    """JSON objects of the fields named by `keys`, one per value (a tuple for many keys)."""
    pa, pc = _modules()
    if not keys:
        return pa.array(["{}"] * len(values), pa.string())
    fields = [values] if len(keys) == 1 else list(zip(*values, strict=True))
    parts: list[_t.Any] = []
    for i, (key, field) in enumerate(zip(keys, fields, strict=True)):
        parts.append(("{" if i == 0 else ",") + key)
        parts.append(_texts(field))
    parts.append("}")
    return pc.binary_join_element_wise(*parts, "")


class _Grouped:
    """A batch's rows by component, and the way back to the batch's order."""

    def __init__(self, who: list[int], layouts: int) -> None:
        pa, _ = _modules()
        self.who = pa.array(who, pa.int32())
        self._who = who
        self._layouts = layouts
        self._sorted: tuple[_t.Callable[[_t.Any], _t.Any], _t.Any, list[tuple[int, int]]] | None
        self._sorted = None

    def _by_component(self) -> tuple[_t.Callable[[_t.Any], _t.Any], _t.Any, list[tuple[int, int]]]:
        if self._sorted is None:
            _, pc = _modules()
            order = pc.sort_indices(self.who)
            positions = order.to_pylist()
            # Values in component order, gathered in one call (one position needs a tuple).
            gather = operator.itemgetter(*positions) if len(positions) > 1 else lambda v: (v[0],)
            counts = Counter(self._who)
            groups = [(index, counts[index]) for index in sorted(counts)]
            self._sorted = (gather, pc.sort_indices(order), groups)
        return self._sorted

    def column(
        self, values: _t.Sequence[_t.Any], keys_of: _t.Callable[[int], tuple[str, ...] | None]
    ) -> _t.Any:
        """The JSON objects of one column; a layout without keys (None) gives nulls."""
        pa, pc = _modules()
        keys = [keys_of(index) for index in range(self._layouts)]
        if all(k is not None and len(k) <= 1 for k in keys):
            # Every component has at most one such field: the column in one go, if plain.
            texts = _plain_texts(values)
            if texts is not None:
                text = pa.string()
                who = self.who
                starts = pa.array(["{" + k[0] if k else "{}" for k in keys if k is not None], text)
                ends = pa.array(["}" if k else "" for k in keys if k is not None], text)
                empty = pa.array([not k for k in keys], pa.bool_()).take(who)
                texts = pc.if_else(empty, "", texts)
                return pc.binary_join_element_wise(starts.take(who), texts, ends.take(who), "")
        gather, restore, groups = self._by_component()
        ordered = gather(values)
        pieces = []
        start = 0
        for index, count in groups:
            chunk = ordered[start : start + count]
            start += count
            fields = keys[index]
            if fields is None:
                pieces.append(pa.nulls(count, pa.string()))
            else:
                pieces.append(_objects(fields, chunk))
        return pa.concat_arrays(pieces).take(restore)


def arrays(batch: Batch, run: RunInfo) -> list[_t.Any]:
    """A batch as one Arrow array per column of `schema()`."""
    pa, pc = _modules()
    count = len(batch)
    who = batch.who
    layouts = run.layouts
    errors = batch.errors
    inputs, outputs = io_values(batch, run)
    grouped = _Grouped(who, len(layouts))
    text = pa.string()
    start = pa.array(batch.start, pa.float64())
    elapsed = pc.subtract(start, run.clock0)
    micros = pc.round(pc.multiply(pc.add(elapsed, run.wall0), 1e6))
    inputs_json = grouped.column(inputs, lambda i: layouts[i].input_keys)
    outputs_json = grouped.column(outputs, lambda i: layouts[i].output_keys)
    error_array = pa.array(error_column(batch), text) if errors else pa.nulls(count, text)
    if errors:
        ok = pc.is_null(error_array)
        unread = [False] * count
        for row in errors:
            unread[row] = batch.inputs[row] is NOT_READ
        inputs_json = pc.if_else(pa.array(unread, pa.bool_()), None, inputs_json)
        outputs_json = pc.if_else(ok, outputs_json, None)
    if batch.state:
        states: list[_t.Any] = [None] * count
        for row, values in batch.state.items():
            states[row] = values
        state_json = grouped.column(states, lambda i: layouts[i].state_keys or None)
    else:
        state_json = pa.nulls(count, text)
    if batch.events:
        events_in, events_out = (pa.array(c, text) for c in event_columns(batch))
    else:
        events_in = events_out = pa.nulls(count, text)
    names = pa.array([layout.name for layout in layouts], text)
    return [
        pa.repeat(pa.scalar(run.job_id, text), count),
        pa.repeat(pa.scalar(run.process, text), count),
        names.take(grouped.who),
        pa.array(batch.step, pa.int64()),
        pc.cast(pc.cast(micros, pa.int64()), pa.timestamp("us", tz="UTC")),
        elapsed,
        inputs_json,
        outputs_json,
        state_json,
        events_in,
        events_out,
        error_array,
    ]
