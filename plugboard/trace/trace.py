"""`Trace`: an opt-in record of every component step, written in the background."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import typing as _t

import pydantic

from plugboard.exceptions import PlugboardError
from plugboard.schemas.trace import TraceSpec, is_database_url
from plugboard.trace._encode import Batch, RunInfo
from plugboard.trace._recorder import Recorder


if _t.TYPE_CHECKING:
    from plugboard.process import Process
    from plugboard.trace._sinks import Sink

_QUEUED_BATCHES = 4
"""Batches waiting for the writer before the steps that fill the buffer wait for it."""

logger = logging.getLogger("plugboard.trace")


class TraceError(PlugboardError):
    """A trace could not be opened or written; the message names where it was going."""


class Trace:
    """Records what every traced component does at each step, for analysis after the run.

    Each step of a traced component becomes one row: the job id, the process and component
    names, the step number, when it ran, the inputs it read, the outputs it wrote, the events
    it handled and emitted, the attributes it names in `exports`, and the error if it raised.
    The step loop only appends a tuple of references to a buffer; a background writer
    encodes and writes full batches (and whatever waited `flush_interval` seconds), so
    tracing costs little, and untraced components cost nothing at all.

    Give it to a process (`LocalProcess(..., trace=Trace("run.parquet"))`), which opens it
    at `init()` and closes it when `run()` ends, whether the run completed or failed: every
    step recorded until then is written.

    Args:
        path: A `.parquet`/`.pq` or `.jsonl`/`.ndjson` file, local or any fsspec URL
            (`s3://bucket/run.parquet`). A database URL here is taken as `url`.
        url: A SQLAlchemy database URL with an async driver, instead of a file.
        table: The table written with `url` (default `trace`), created if missing.
        format: `"parquet"` or `"jsonl"`, when the path's suffix does not say.
        storage_options: Passed to fsspec (credentials, `endpoint_url`, ...).
        components: Names of the components to trace (default: all).
        every: Record steps 0, `every`, 2 * `every`, ... of each component.
        batch_size: Records handed to the writer at a time.
        flush_interval: Seconds after which buffered records are written anyway.

    Raises:
        ValueError: The arguments do not describe a trace (no target, two targets, an
            unknown format, ...).
    """

    def __init__(
        self,
        path: str | None = None,
        *,
        url: str | None = None,
        table: str | None = None,
        format: str | None = None,
        storage_options: _t.Mapping[str, _t.Any] | None = None,
        components: _t.Sequence[str] | None = None,
        every: int = 1,
        batch_size: int = 10_000,
        flush_interval: float = 5.0,
    ) -> None:
        if path is not None and url is None and is_database_url(path):
            path, url = None, path
        given: dict[str, _t.Any] = {
            "path": path,
            "url": url,
            "table": table,
            "format": format,
            "storage_options": dict(storage_options) if storage_options else None,
            "components": list(components) if components is not None else None,
            "every": every,
            "batch_size": batch_size,
            "flush_interval": flush_interval,
        }
        try:
            spec = TraceSpec.model_validate({k: v for k, v in given.items() if v is not None})
        except pydantic.ValidationError as exc:
            raise ValueError(f"invalid trace: {_describe(exc)}") from None
        self.spec: TraceSpec = spec
        self._buffer = Batch()
        self._sink: Sink | None = None
        self._queue: asyncio.Queue[Batch | None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._recorders: list[Recorder] = []
        self._error: BaseException | None = None
        self._run: RunInfo | None = None
        self.rows_written = 0
        """Rows the last (or current) run has written so far."""

    @classmethod
    def from_spec(cls, spec: TraceSpec) -> Trace:
        """A trace from its spec (the YAML's `trace:` mapping)."""
        return cls(**spec.model_dump(exclude_defaults=True))

    def export(self) -> dict[str, _t.Any]:
        """The trace as a `TraceSpec`-shaped dict (what `Process.dump` writes)."""
        return self.spec.model_dump(exclude_defaults=True)

    @property
    def is_open(self) -> bool:
        """Whether the trace is recording."""
        return self._sink is not None

    @property
    def destination(self) -> str:
        """Where the trace goes, as messages show it (without credentials)."""
        if self._sink is not None:
            return self._sink.shown
        from plugboard.library._storage import Location

        if self.spec.path is not None:
            return Location(self.spec.path, self.spec.storage_options).shown
        return f"table {self.spec.table_name}"

    async def open(self, process: Process) -> None:
        """Creates the file or table and starts recording the process's components.

        Raises:
            TraceError: It names unknown components, or cannot be written (the message
                says where and why).
        """
        if self.is_open:
            raise TraceError(f"the trace to {self.destination} is already open")
        components = process.components
        names = self.spec.components
        if names is not None:
            unknown = [name for name in names if name not in components]
            if unknown:
                raise TraceError(
                    f"the trace names unknown components {unknown}"
                    f" (components: {', '.join(components)})"
                )
            traced = [components[name] for name in dict.fromkeys(names)]
        else:
            traced = list(components.values())
        from plugboard.trace._sinks import make_sink

        sink = make_sink(self.spec)
        try:
            await sink.open()
        except PlugboardError as exc:
            raise TraceError(str(exc)) from exc.__cause__
        except Exception as exc:
            raise TraceError(f"trace: {exc}") from exc.__cause__
        self._sink = sink
        self._error = None
        self.rows_written = 0
        self._buffer = Batch()
        self._recorders = [Recorder(self, component, i) for i, component in enumerate(traced)]
        self._run = RunInfo(
            job_id=process.job_id,
            process=process.name,
            layouts=tuple(recorder.layout for recorder in self._recorders),
            clock0=time.perf_counter(),
            wall0=time.time(),
        )
        loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue(maxsize=_QUEUED_BATCHES)
        self._writer = loop.create_task(self._write_batches(), name="plugboard-trace")
        self._timer = loop.call_later(self.spec.flush_interval, self._tick)
        for recorder in self._recorders:
            recorder.attach()

    async def close(self) -> None:
        """Stops recording, writes every record taken and closes the file or table.

        Raises:
            TraceError: Some batch could not be written, or the file could not be finished.
        """
        sink = self._sink
        if sink is None:
            return
        for recorder in self._recorders:
            recorder.detach()
        self._recorders = []
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        queue, writer = self._queue, self._writer
        try:
            if queue is not None and writer is not None:
                if self._buffer:
                    await queue.put(self._take())
                await queue.put(None)
                await writer
        finally:
            if writer is not None and not writer.done():
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
            try:
                await sink.close()
            except Exception as exc:
                if self._error is None:
                    self._error = exc
            self._sink = None
            self._queue = None
            self._writer = None
            self._buffer = Batch()
        error, self._error = self._error, None
        if error is not None:
            text = str(error)
            raise TraceError(text if text.startswith("trace") else f"trace: {text}") from error

    def _take(self) -> Batch:
        return self._buffer.take()

    async def _hand_off(self) -> None:
        """Passes the buffer to the writer, waiting if it is that far behind."""
        if self._buffer and self._queue is not None:
            await self._queue.put(self._take())

    def _tick(self) -> None:
        queue = self._queue
        if queue is None:
            return
        if self._buffer and not queue.full():
            queue.put_nowait(self._take())
        self._timer = asyncio.get_running_loop().call_later(self.spec.flush_interval, self._tick)

    async def _write_batches(self) -> None:
        queue, sink, run = self._queue, self._sink, self._run
        assert queue is not None and sink is not None and run is not None
        while True:
            batch = await queue.get()
            if batch is None:
                return
            if self._error is not None:
                continue  # reported at close(); the run goes on
            try:
                await sink.write(batch, run)
            except Exception as exc:
                self._error = exc
                logger.error("the trace stopped recording: %s", exc)
            else:
                self.rows_written += len(batch)

    def __repr__(self) -> str:
        return f"Trace({self.destination!r})"


def _describe(error: pydantic.ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
