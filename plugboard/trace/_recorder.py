"""What a traced component runs: the step loop and `step()` with a record taken per step.

A trace attaches a `Recorder` to each component it traces; `Component.run` then runs
`Recorder.run` instead of its own loop, so components that are not traced pay nothing. The
loop below mirrors `Component.run` (keep the two in step) and, after each step, appends one
tuple of references to the trace's buffer: no encoding and no I/O happen here.
"""

from __future__ import annotations

import functools
import operator
import time
import typing as _t

from plugboard.exceptions import IOStreamClosedError, describe_error
from plugboard.trace._encode import NOT_READ, Layout, key_prefixes


if _t.TYPE_CHECKING:
    from plugboard.component import Component
    from plugboard.component.io_controller import BoundHandler
    from plugboard.events import Event
    from plugboard.trace.trace import Trace

_clock = time.perf_counter
_Getter = _t.Callable[[_t.Any], _t.Any]


def _field_getter(names: tuple[str, ...]) -> _Getter | None:
    """Reads fields from the component's `__dict__`: one value for one name, else a tuple."""
    return operator.itemgetter(*names) if names else None


def _state_getter(names: tuple[str, ...]) -> _Getter | None:
    """Reads exported attributes (which may be properties): as `_field_getter` does."""
    if not names:
        return None
    if len(names) == 1:
        name = names[0]
        return lambda component: getattr(component, name, None)
    return lambda component: tuple([getattr(component, name, None) for name in names])


class Recorder:
    """Records the steps of one component into its trace's buffer.

    Args:
        trace: The open trace.
        component: The component to trace (its IO already bound).
        index: The component's place in the trace (what its records carry).
    """

    def __init__(self, trace: Trace, component: Component, index: int) -> None:
        io = component.io
        self.trace = trace
        self.component = component
        self.index = index
        inputs = tuple(io._input_fields)
        outputs = tuple(io._output_fields)
        exports = tuple(component.exports or ())
        self.layout = Layout(
            component.name, key_prefixes(inputs), key_prefixes(outputs), key_prefixes(exports)
        )
        self._inputs = _field_getter(inputs)
        self._outputs = _field_getter(outputs)
        self._state = _state_getter(exports)
        self.events_in: list[Event] = []
        self.events_out: list[Event] = []
        self._handlers: dict[str, BoundHandler] | None = None

    # -- attaching ---------------------------------------------------------------------------

    def attach(self) -> None:
        """Makes the component's `run()`, `step()` and event handling record into the trace."""
        component = self.component
        io = component.io
        self._handlers = dict(io._handlers)
        io._handlers = {
            event_type: (self._handling(method), populates)
            for event_type, (method, populates) in self._handlers.items()
        }
        values = component.__dict__
        values["_trace"] = self
        # Instance attributes shadow the methods only while the trace is attached.
        values["step"] = functools.partial(self.step, component)
        io.__dict__["queue_event"] = self._queueing(io.queue_event)

    def detach(self) -> None:
        """Restores the component as it was before `attach()`."""
        component = self.component
        io = component.io
        if self._handlers is not None:
            io._handlers = self._handlers
            self._handlers = None
        component.__dict__.pop("_trace", None)
        component.__dict__.pop("step", None)
        io.__dict__.pop("queue_event", None)

    def _handling(
        self, method: _t.Callable[[Event], _t.Awaitable[_t.Any]]
    ) -> _t.Callable[[Event], _t.Awaitable[_t.Any]]:
        async def handle(event: Event) -> _t.Any:
            self.events_in.append(event)
            return await method(event)

        return handle

    def _queueing(self, queue: _t.Callable[[Event], None]) -> _t.Callable[[Event], None]:
        def queue_event(event: Event) -> None:
            queue(event)
            self.events_out.append(event)

        return queue_event

    # -- recording ---------------------------------------------------------------------------

    def _take_events(self) -> tuple[list[Event] | None, list[Event] | None]:
        # The lists stay the same objects: the step loop holds them.
        events_in = self.events_in.copy() or None
        events_out = self.events_out.copy() or None
        self.events_in.clear()
        self.events_out.clear()
        return events_in, events_out

    def _drop_events(self) -> None:
        # A step that `every` skips: its events are not recorded.
        self.events_in.clear()
        self.events_out.clear()

    def record(self, step: int, start: float, inputs: _t.Any, error: str | None = None) -> None:
        """Appends a step to the buffer: completed, or failed with `error` (no outputs)."""
        component = self.component
        batch = self.trace._buffer
        batch.who.append(self.index)
        batch.step.append(step)
        batch.start.append(start)
        batch.inputs.append(inputs)
        if error is None and self._outputs is not None:
            batch.outputs.append(self._outputs(component.__dict__))
        else:
            batch.outputs.append(None)
        row = len(batch.who) - 1
        if self._state is not None:
            batch.state[row] = self._state(component)
        if self.events_in or self.events_out:
            batch.events[row] = self._take_events()
        if error is not None:
            batch.errors[row] = error

    def record_failure(
        self, step: int, start: float | None, inputs: _t.Any, error: BaseException
    ) -> None:
        """Appends a step that raised `error`."""
        self.record(step, _clock() if start is None else start, inputs, describe_error(error))

    # -- running -----------------------------------------------------------------------------

    async def run(self, component: Component) -> None:
        """`Component.run` with a record per step; the steps themselves are the same."""
        raw_step = type(component)._raw_step
        io = component.io
        values = component.__dict__
        limit = component.max_steps
        trace = self.trace
        batch = trace._buffer
        batch_size = trace.spec.batch_size
        every = trace.spec.every
        get_inputs = self._inputs
        get_outputs = self._outputs
        get_state = self._state
        index = self.index
        add_who = batch.who.append
        add_step = batch.step.append
        add_start = batch.start.append
        add_inputs = batch.inputs.append
        add_outputs = batch.outputs.append
        states = batch.state
        rows = batch.who
        events_in = self.events_in
        events_out = self.events_out
        clock = _clock
        try:
            while not io._halt and (limit is None or component.step_count < limit):
                step = component.step_count
                try:
                    if component._replay:
                        component._replay = False
                    elif not io.read_now():
                        await io.read_rest()
                except IOStreamClosedError:
                    raise
                except Exception as exc:
                    self.record_failure(step, None, NOT_READ, exc)  # whatever `every` says
                    raise
                start = clock()
                inputs = get_inputs(values) if get_inputs is not None else None
                component._in_step = True
                try:
                    await raw_step(component)
                    component._in_step = False
                    if not io.write_now():
                        await io.write_rest()
                except IOStreamClosedError:
                    raise
                except BaseException as exc:  # an error, or a timeout cancelling the step
                    if component._in_step:
                        component._replay = True  # the step raised, not the write
                    if isinstance(exc, Exception):
                        self.record_failure(step, start, inputs, exc)
                    raise
                finally:
                    component._in_step = False
                component.step_count = step + 1
                if step % every:
                    if events_in or events_out:
                        self._drop_events()
                    continue
                add_who(index)
                add_step(step)
                add_start(start)
                add_inputs(inputs)
                add_outputs(get_outputs(values) if get_outputs is not None else None)
                if get_state is not None:
                    states[len(rows) - 1] = get_state(component)
                if events_in or events_out:
                    batch.events[len(rows) - 1] = self._take_events()
                if len(rows) >= batch_size:
                    await trace._hand_off()
        except IOStreamClosedError:
            pass

    async def step(self, component: Component) -> None:
        """`Component.step` (reads, the step, writes) with a record of the step."""
        raw_step = type(component)._raw_step
        if component._in_step:
            await raw_step(component)
            return
        io = component.io
        step = component.step_count
        traced = step % self.trace.spec.every == 0
        try:
            if component._replay:
                component._replay = False
            elif not io.read_now():
                await io.read_rest()
        except IOStreamClosedError:
            raise
        except Exception as exc:
            self.record_failure(step, None, NOT_READ, exc)
            raise
        start = _clock()
        inputs = self._inputs(component.__dict__) if self._inputs is not None else None
        component._in_step = True
        try:
            await raw_step(component)
            component._in_step = False
            if not io.write_now():
                await io.write_rest()
        except IOStreamClosedError:
            raise
        except BaseException as exc:
            if component._in_step:
                component._replay = True
            if isinstance(exc, Exception):
                self.record_failure(step, start, inputs, exc)
            raise
        finally:
            component._in_step = False
        component.step_count = step + 1
        if traced:
            self.record(step, start, inputs)
            if len(self.trace._buffer) >= self.trace.spec.batch_size:
                await self.trace._hand_off()
        else:
            self._drop_events()
