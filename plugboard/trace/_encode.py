"""Turning captured steps into trace rows: JSON text for values, one column list per field.

The step loop captures raw references (see `Batch`); everything here runs later, on the
trace's writer thread or task, a batch at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import decimal
import json
import typing as _t

from pydantic import BaseModel


if _t.TYPE_CHECKING:
    from plugboard.events import Event


class Batch:
    """Captured steps, column by column: each step appends one item to every list.

    Values are references, encoded when the batch is written. Lists of plain values give
    the garbage collector nothing new to track per step (a tuple per step would).
    """

    __slots__ = ("errors", "events", "inputs", "outputs", "start", "state", "step", "who")

    def __init__(self) -> None:
        self.who: list[int] = []
        """The index of each step's component in `RunInfo.layouts`."""
        self.step: list[int] = []
        self.start: list[float] = []
        """`perf_counter()` when each step began (its inputs read)."""
        self.inputs: list[_t.Any] = []
        """Input values: one value for one field, a tuple for several, None for none."""
        self.outputs: list[_t.Any] = []
        """Output values, likewise (ignored for a failed step)."""
        self.state: dict[int, _t.Any] = {}
        """Exported values by row (as inputs are), for the components that export any."""
        self.events: dict[int, tuple[list[Event] | None, list[Event] | None]] = {}
        """Events handled and emitted, by row, for the rows that have any."""
        self.errors: dict[int, str] = {}
        """The error of each failed step, by row."""

    def __len__(self) -> int:
        return len(self.who)

    def take(self) -> Batch:
        """A copy of what was captured; this batch is left empty (its lists stay the same)."""
        taken = Batch()
        for name in self.__slots__:
            current = getattr(self, name)
            setattr(taken, name, current.copy())
            current.clear()
        return taken


COLUMNS = (
    "job_id",
    "process",
    "component",
    "step",
    "time",
    "elapsed",
    "inputs",
    "outputs",
    "state",
    "events_in",
    "events_out",
    "error",
)
"""The trace's columns, in order."""

NOT_READ: _t.Any = object()
"""Stands for the inputs of a step that failed before its inputs were read."""

JSON_COLUMNS = ("inputs", "outputs", "state", "events_in", "events_out")
"""Columns holding JSON text (Parquet, SQL) or nested JSON (JSON Lines)."""


def _plain(value: _t.Any) -> _t.Any:
    """A JSON-ready stand-in for a value the json module cannot encode itself."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return list(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return tolist()
    return repr(value)


_encoder = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, check_circular=True, default=_plain
)
_dumps = _encoder.encode
_string: _t.Callable[[str], str] = json.encoder.encode_basestring


def to_json(value: _t.Any) -> str:
    """JSON text of any value; what JSON cannot hold becomes its `repr`."""
    try:
        return _dumps(value)
    except (TypeError, ValueError):  # keys that are not strings, circular references
        return _string(repr(value))


def value_json(value: _t.Any) -> str:
    """JSON text of one value, with a fast path for the plain types most fields carry."""
    kind = type(value)
    if kind is float:
        # NaN and infinities (x - x is not 0) are written as json writes them.
        return float.__repr__(value) if value - value == 0.0 else _dumps(value)
    if kind is int:
        return int.__repr__(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    return to_json(value)


def key_prefixes(names: _t.Sequence[str]) -> tuple[str, ...]:
    """`'"name":'` for each field name: the start of its member in a JSON object."""
    return tuple(f"{_string(name)}:" for name in names)


def fields_json(keys: tuple[str, ...], values: _t.Any) -> str:
    """A JSON object of fields: `keys` from `key_prefixes`, values as the recorder took them."""
    count = len(keys)
    if count == 1:
        return "{" + keys[0] + value_json(values) + "}"
    if count == 0:
        return "{}"
    return "{" + ",".join([key + value_json(v) for key, v in zip(keys, values, strict=True)]) + "}"


def events_json(events: list[Event] | None) -> str | None:
    """A JSON array of events (each with its `type`), or None for no events."""
    if not events:
        return None
    return to_json([{"type": event.type, **event.model_dump(mode="json")} for event in events])


@dataclasses.dataclass(frozen=True)
class Layout:
    """How one traced component's records read: its name and the JSON keys of its fields."""

    name: str
    input_keys: tuple[str, ...]
    output_keys: tuple[str, ...]
    state_keys: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """What every row of one run shares, and the clock it was timed with."""

    job_id: str
    process: str
    layouts: tuple[Layout, ...]
    """The traced components, by the index their records carry."""
    clock0: float
    """`perf_counter()` when the trace opened."""
    wall0: float
    """Seconds since the epoch (UTC) at the same moment."""


class Columns(_t.NamedTuple):
    """A batch of records, column by column; times still as `perf_counter()` readings."""

    component: list[str]
    step: list[int]
    start: list[float]
    inputs: list[str | None]
    outputs: list[str | None]
    state: list[str | None]
    events_in: list[str | None]
    events_out: list[str | None]
    error: list[str | None]


def io_values(batch: Batch, run: RunInfo) -> tuple[list[_t.Any], list[_t.Any]]:
    """The batch's input and output values, with failed steps' missing ones filled in.

    A failed step sent no outputs and may not have read its inputs: those get stand-ins of
    the right shape (None per field), to be written as null.
    """
    inputs, outputs = batch.inputs, batch.outputs
    if batch.errors:
        inputs, outputs = inputs.copy(), outputs.copy()
        for row in batch.errors:
            layout = run.layouts[batch.who[row]]
            if inputs[row] is NOT_READ:
                inputs[row] = _blank(layout.input_keys)
            outputs[row] = _blank(layout.output_keys)
    return inputs, outputs


def _blank(keys: tuple[str, ...]) -> _t.Any:
    return None if len(keys) == 1 else (None,) * len(keys)


def encode(batch: Batch, run: RunInfo) -> Columns:
    """Encodes a batch column by column (the values of a field as JSON text)."""
    count = len(batch)
    layouts = [run.layouts[index] for index in batch.who]
    nothing: list[str | None] = [None] * count
    inputs, outputs = io_values(batch, run)
    inputs_json: list[str | None] = [
        fields_json(layout.input_keys, values)
        for layout, values in zip(layouts, inputs, strict=True)
    ]
    outputs_json: list[str | None] = [
        fields_json(layout.output_keys, values)
        for layout, values in zip(layouts, outputs, strict=True)
    ]
    for row in batch.errors:
        outputs_json[row] = None
        if batch.inputs[row] is NOT_READ:
            inputs_json[row] = None
    state_json = nothing.copy()
    for row, values in batch.state.items():
        state_json[row] = fields_json(layouts[row].state_keys, values)
    events_in, events_out = event_columns(batch)
    return Columns(
        [layout.name for layout in layouts],
        batch.step,
        batch.start,
        inputs_json,
        outputs_json,
        state_json,
        events_in,
        events_out,
        error_column(batch),
    )


def event_columns(batch: Batch) -> tuple[list[str | None], list[str | None]]:
    """The JSON of the events handled and emitted at each row."""
    events_in: list[str | None] = [None] * len(batch)
    events_out = events_in.copy()
    for row, (handled, emitted) in batch.events.items():
        events_in[row] = events_json(handled)
        events_out[row] = events_json(emitted)
    return events_in, events_out


def error_column(batch: Batch) -> list[str | None]:
    """The error of each row (None for the steps that completed)."""
    errors: list[str | None] = [None] * len(batch)
    for row, error in batch.errors.items():
        errors[row] = error
    return errors


def python_rows(columns: Columns, run: RunInfo) -> list[tuple[_t.Any, ...]]:
    """The rows of a batch as the values of `COLUMNS`; `time` a UTC datetime."""
    shift = run.wall0 - run.clock0
    return [
        (
            run.job_id,
            run.process,
            component,
            step,
            utc(start + shift),
            start - run.clock0,
            *rest,
        )
        for component, step, start, *rest in zip(
            columns.component,
            columns.step,
            columns.start,
            columns.inputs,
            columns.outputs,
            columns.state,
            columns.events_in,
            columns.events_out,
            columns.error,
            strict=True,
        )
    ]


def utc(seconds: float) -> _dt.datetime:
    """A UTC datetime from seconds since the epoch."""
    return _dt.datetime.fromtimestamp(seconds, _dt.UTC)


def json_lines(batch: Batch, run: RunInfo) -> str:
    """A batch as JSON Lines, the JSON columns nested as objects and arrays."""
    lines = []
    for row in python_rows(encode(batch, run), run):
        parts = []
        for name, value in zip(COLUMNS, row, strict=True):
            if name == "time":
                text = _string(value.isoformat())
            elif name in JSON_COLUMNS:
                text = "null" if value is None else value
            else:
                text = value_json(value)
            parts.append(f'"{name}":{text}')
        lines.append("{" + ",".join(parts) + "}\n")
    return "".join(lines)
