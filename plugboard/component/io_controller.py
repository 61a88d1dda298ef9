"""`IOController`: declares a component's fields and events and moves them through channels."""

from __future__ import annotations

import asyncio
from collections import deque
from types import MappingProxyType
import typing as _t

from plugboard.component._readers import ExhaustedReader, MergedReader, Reader
from plugboard.connector.channel import EMPTY, Channel
from plugboard.events import Event, StopEvent
from plugboard.exceptions import (
    ChannelClosedError,
    IOSetupError,
    IOStreamClosedError,
    UnrecognisedEventError,
)
from plugboard.schemas.field_types import FieldCheck, adapter, is_typed


if _t.TYPE_CHECKING:
    from plugboard.component.component import Component
    from plugboard.connector.connector import Connector

FieldDecl = _t.Sequence[str] | _t.Mapping[str, _t.Any] | None
EventDecl = _t.Sequence[type[Event]] | None
BoundHandler = tuple[_t.Callable[[Event], _t.Awaitable[_t.Any]], tuple[str, ...]]

_NO_FIELDS: frozenset[str] = frozenset()
_NO_CHANNELS: _t.Mapping[str, Channel] = MappingProxyType({})
_NO_HANDLERS: _t.Mapping[str, BoundHandler] = MappingProxyType({})
_PUBLISHERS = "publishers"
_SUBSCRIBERS = "subscribers"


def _field_names(decl: FieldDecl, kind: str) -> dict[str, _t.Any]:
    """Normalises a list of names or a name -> type mapping; `Any` marks an untyped field."""
    if decl is None:
        return {}
    if isinstance(decl, str):
        raise IOSetupError(f"{kind} must be a list of field names, not the string '{decl}'")
    items = decl.items() if isinstance(decl, _t.Mapping) else ((name, _t.Any) for name in decl)
    fields: dict[str, _t.Any] = {}
    for name, type_ in items:
        if not isinstance(name, str) or not name.isidentifier():
            raise IOSetupError(f"{kind} field {name!r} is not a valid Python identifier")
        if name in fields:
            raise IOSetupError(f"{kind} field '{name}' is declared twice")
        fields[name] = type_
    return fields


def _event_types(decl: EventDecl, kind: str) -> list[type[Event]]:
    events = list(decl or [])
    for event in events:
        if not (isinstance(event, type) and issubclass(event, Event)):
            raise IOSetupError(f"{kind} must be Event subclasses, got {event!r}")
    return list(dict.fromkeys(events))


class IOController:
    """Declares a component's inputs, outputs and events, and carries them at run time.

    Declared on the class (`io = IOController(inputs=["x"], outputs=["y"])`), merged down the
    inheritance chain, and bound to each component instance, which then reads inputs and
    writes outputs as plain attributes.

    Args:
        inputs: Names of the input fields (or a mapping of names to types).
        outputs: Names of the output fields (or a mapping of names to types).
        input_events: Event types the component handles (each needs an `@Event.handler`).
        output_events: Event types the component may emit.
    """

    def __init__(
        self,
        inputs: FieldDecl = None,
        outputs: FieldDecl = None,
        input_events: EventDecl = None,
        output_events: EventDecl = None,
    ) -> None:
        self._input_fields = _field_names(inputs, "input")
        self._output_fields = _field_names(outputs, "output")
        both = self._input_fields.keys() & self._output_fields.keys()
        if both:
            raise IOSetupError(f"fields declared as both input and output: {sorted(both)}")
        self.input_events: list[type[Event]] = _event_types(input_events, "input_events")
        self.output_events: list[type[Event]] = _event_types(output_events, "output_events")
        self._component: Component | None = None
        self._values: dict[str, _t.Any] = {}
        self._reset()

    def _reset(self) -> None:
        # Empty tuples and shared empty mappings until `connect()` makes the real ones: a
        # model of 10,000 components allocates (and the garbage collector scans) far less.
        self._readers: _t.Sequence[tuple[str, Reader]] = ()
        self._read_pos = 0
        self._sends: _t.Sequence[tuple[str, Channel]] = ()
        self._write_pos = 0
        self._initial: _t.Sequence[tuple[str, deque[_t.Any]]] = ()
        self._typed_writers: _t.Sequence[tuple[str, Channel, tuple[FieldCheck, ...]]] = ()
        self._in_channels: _t.Sequence[Channel] = ()
        self._out_channels: _t.Sequence[Channel] = ()
        self._event_reader: Reader | None = None
        self._event_channels: _t.Sequence[Channel] = ()
        self._publishers: _t.Mapping[str, Channel] = _NO_CHANNELS
        self._handlers: _t.Mapping[str, BoundHandler] = _NO_HANDLERS
        self._handler_fed: frozenset[str] = frozenset()
        self._queued: deque[Event] | None = None
        self._populated: set[str] = set()
        self._fresh: _t.AbstractSet[str] = _NO_FIELDS
        self._retry_event: Event | None = None
        self.events_handled = 0
        self.events_published = 0
        self._stop_hook: _t.Callable[[], None] | None = None
        self._live_outputs = 0
        # _closed: close() ran.  _stopped: reads and writes end.  _halt: no further step.
        self._closed = self._stopped = self._halt = False

    # -- declaration -------------------------------------------------------------------------

    @property
    def inputs(self) -> list[str]:
        """Names of the input fields."""
        return list(self._input_fields)

    @property
    def outputs(self) -> list[str]:
        """Names of the output fields."""
        return list(self._output_fields)

    @property
    def input_types(self) -> dict[str, _t.Any]:
        """Declared type of each input field (`typing.Any` when untyped)."""
        return dict(self._input_fields)

    @property
    def output_types(self) -> dict[str, _t.Any]:
        """Declared type of each output field (`typing.Any` when untyped)."""
        return dict(self._output_fields)

    @property
    def is_closed(self) -> bool:
        """Whether the IO is closed: no more steps will read or write."""
        return self._stopped

    @property
    def input_channel_count(self) -> int:
        """How many channels feed the input fields."""
        return len(self._in_channels)

    @property
    def output_channel_count(self) -> int:
        """How many channels the output fields feed."""
        return len(self._out_channels)

    def merged_with(self, parent: IOController) -> IOController:
        """Returns a declaration holding the parent's fields and events followed by this one's."""
        return IOController(
            inputs={**parent._input_fields, **self._input_fields},
            outputs={**parent._output_fields, **self._output_fields},
            input_events=[*parent.input_events, *self.input_events],
            output_events=[*parent.output_events, *self.output_events],
        )

    def bind(self, component: Component, handlers: _t.Mapping[str, BoundHandler]) -> IOController:
        """Returns a fresh controller with this declaration, owned by `component`."""
        bound = IOController.__new__(IOController)
        bound._input_fields = self._input_fields
        bound._output_fields = self._output_fields
        bound.input_events = self.input_events
        bound.output_events = self.output_events
        bound._component = component
        bound._reset()
        bound._values = component.__dict__
        bound._handlers = handlers
        if handlers:
            bound._handler_fed = frozenset(f for _, fields in handlers.values() for f in fields)
        return bound

    # -- wiring ------------------------------------------------------------------------------

    async def connect(
        self,
        connectors: _t.Iterable[Connector],
        target_types: _t.Mapping[str, _t.Any] | None = None,
    ) -> None:
        """Opens the channel ends of every connector that touches this component.

        Args:
            connectors: Connectors of the process; those not naming this component or one of
                its event types are ignored.
            target_types: Declared type of the input field at the far end of each connector
                (by connector id), so that values are checked where they are produced.

        Raises:
            IOSetupError: A connector names a field this component does not declare.
        """
        component = self._require_component()
        name = component.name
        sources: dict[str, list[Channel]] = {field: [] for field in self._input_fields}
        targets: dict[str, list[Channel]] = {field: [] for field in self._output_fields}
        typed: list[tuple[str, Channel, tuple[FieldCheck, ...]]] = []
        subscribed = {event.type for event in self.input_events}
        published = {event.type for event in self.output_events}
        event_channels: list[Channel] = []
        publishers: dict[str, Channel] = dict(self._publishers)
        for connector in connectors:
            spec = connector.spec
            if spec.mode == "pubsub":
                topic = spec.source.entity
                if spec.target.descriptor == _SUBSCRIBERS and topic in subscribed:
                    event_channels.append(await connector.connect_recv())
                if spec.source.descriptor == _PUBLISHERS and topic in published:
                    publishers[topic] = await connector.connect_send()
                continue
            if spec.target.entity == name:
                field = spec.target.descriptor
                if field not in sources:
                    raise IOSetupError(
                        f"connector {spec.id}: component '{name}' has no input '{field}'"
                        f" (inputs: {', '.join(self._input_fields) or 'none'})"
                    )
                sources[field].append(await connector.connect_recv())
            if spec.source.entity == name:
                field = spec.source.descriptor
                if field not in targets:
                    raise IOSetupError(
                        f"connector {spec.id}: component '{name}' has no output '{field}'"
                        f" (outputs: {', '.join(self._output_fields) or 'none'})"
                    )
                channel = await connector.connect_send()
                checks = _output_checks(
                    field,
                    self._output_fields[field],
                    spec.target.id,
                    (target_types or {}).get(spec.id, _t.Any),
                )
                if checks:
                    typed.append((field, channel, checks))
                else:
                    targets[field].append(channel)
        initial = component.initial_values
        unknown = set(initial) - set(self._input_fields)
        if unknown:
            raise IOSetupError(
                f"component '{name}': initial_values name unknown inputs {sorted(unknown)}"
            )
        for field, values in initial.items():
            type_ = self._input_fields[field]
            if is_typed(type_):
                check = FieldCheck(adapter(type_), type_, f"initial value of input '{field}'")
                initial[field] = [check.validate(name, value) for value in values]
        self._publishers = publishers
        self._readers = [(field, _reader(channels)) for field, channels in sources.items()]
        self._initial = [(field, deque(values)) for field, values in initial.items() if values]
        self._sends = [(field, channel) for field, chs in targets.items() for channel in chs]
        self._typed_writers = typed
        self._in_channels = [channel for chs in sources.values() for channel in chs]
        self._out_channels = [
            *(channel for chs in targets.values() for channel in chs),
            *(channel for _, channel, _ in typed),
        ]
        if self.input_events:
            self._event_channels = event_channels
            self._event_reader = _reader(event_channels)
        self._live_outputs = len(self._out_channels)
        for channel in self._out_channels:
            channel.on_receiver_closed(self._output_abandoned)

    def _output_abandoned(self) -> None:
        # Once nobody listens to any output, further steps are wasted work: stop the component.
        self._live_outputs -= 1
        if self._live_outputs == 0 and not self._publishers:
            self._stopped = self._halt = True

    def set_stop_hook(self, hook: _t.Callable[[], None]) -> None:
        """Sets what publishing a `StopEvent` calls (the process's graceful stop)."""
        self._stop_hook = hook

    # -- reading -----------------------------------------------------------------------------

    async def read(self) -> None:
        """Waits for a new value on every input field and sets it on the component.

        With input events, events that arrive meanwhile are handled at once; a component
        with events but no input fields returns after each handled event.

        Raises:
            IOStreamClosedError: An input field (or, without fields, every event topic) has
                no more values.
        """
        if not self.read_now():
            await self.read_rest()

    def read_now(self) -> bool:
        """Reads what is already there without waiting.

        Returns:
            True if every input field got a new value; False if the rest must be awaited
            with `read_rest()`.

        Raises:
            IOStreamClosedError: The IO is closed.
        """
        if self._stopped:
            raise IOStreamClosedError("IO is closed")
        if self._event_reader is not None or self._initial:
            return False
        values = self._values
        pos = self._read_pos
        readers = self._readers
        for name, reader in readers[pos:] if pos else readers:
            item = reader.try_recv()
            if item is EMPTY:
                self._read_pos = pos
                return False
            values[name] = item
            pos += 1
        self._read_pos = 0
        return True

    async def read_rest(self) -> None:
        """Finishes a read that `read_now()` could not complete, waiting as needed.

        Raises:
            IOStreamClosedError: An input field has no more values.
        """
        if self._event_reader is not None:
            await self._read_with_events(self._event_reader)
            return
        values = self._values
        if self._initial:
            self._take_initial_values()
        name = ""
        try:
            for name, reader in self._readers[self._read_pos :]:
                if name in self._fresh:
                    continue
                item = reader.try_recv()
                if item is EMPTY:
                    item = await reader.recv()
                values[name] = item
        except ChannelClosedError:
            raise IOStreamClosedError(f"input '{name}' has no more values") from None
        finally:
            self._read_pos = 0
            self._fresh = _NO_FIELDS

    def _take_initial_values(self) -> None:
        # Initial values come before anything on the channels, one per step per field.
        fresh = set()
        for name, values in self._initial:
            self._values[name] = values.popleft()
            fresh.add(name)
        self._initial = [(name, values) for name, values in self._initial if values]
        self._fresh = fresh

    async def _read_with_events(self, events: Reader) -> None:
        values = self._values
        if self._retry_event is not None:
            # Its handler raised last time: handle it again first (under retries).
            event, self._retry_event = self._retry_event, None
            await self._handle(event)
            if not self._readers:
                return
        if self._initial:
            self._take_initial_values()
            self._populated.update(self._fresh)
            self._fresh = _NO_FIELDS
        pending = {name: reader for name, reader in self._readers if name not in self._populated}
        self._populated.clear()
        only_events = not self._readers
        loop = asyncio.get_running_loop()
        while True:
            event = events.try_recv()
            if event is not EMPTY:
                await self._handle(event)
                if only_events:
                    return
                for name in self._populated:
                    pending.pop(name, None)
                self._populated.clear()
                if not pending:
                    return
                continue
            for name in list(pending):
                item = pending[name].try_recv()
                if item is not EMPTY:
                    values[name] = item
                    del pending[name]
            if not pending and not only_events:
                return
            if only_events:
                if events.is_closed:
                    raise IOStreamClosedError("every event topic has closed")
            else:
                fed = self._handler_fed
                for name, reader in pending.items():
                    # A field that handlers set stays open while events can still arrive.
                    if reader.is_closed and (name not in fed or events.is_closed):
                        raise IOStreamClosedError(f"input '{name}' has no more values")
            waiter: asyncio.Future[None] = loop.create_future()
            if not events.is_closed:  # a closed topic would wake the waiter at once
                events.add_waiter(waiter)
            for reader in pending.values():
                reader.add_waiter(waiter)
            await waiter

    async def _handle(self, event: Event) -> None:
        entry = self._handlers.get(event.type)
        if entry is None:
            raise UnrecognisedEventError(
                f"component '{self._require_component().name}' received event"
                f" '{event.type}' and has no handler for it"
            )
        method, populates = entry
        try:
            result = await method(event)
        except Exception:
            self._retry_event = event
            raise
        self.events_handled += 1
        if isinstance(result, Event):
            self.queue_event(result)
        if populates:
            self._populated.update(populates)
        if self._queued:
            await self._publish()

    # -- writing -----------------------------------------------------------------------------

    def queue_event(self, event: Event) -> None:
        """Queues an event to publish after the current step or handler.

        Raises:
            IOSetupError: The component does not declare this event type in `output_events`
                (`StopEvent` needs no declaration).
        """
        if not isinstance(event, StopEvent) and type(event) not in self.output_events:
            declared = {e.type for e in self.output_events}
            if event.type not in declared:
                raise IOSetupError(
                    f"component '{self._require_component().name}' cannot emit event"
                    f" '{event.type}': add {type(event).__name__} to its output_events"
                )
        if event.source is None:
            event.source = self._require_component().name
        if self._queued is None:
            self._queued = deque()
        self._queued.append(event)

    async def write(self) -> None:
        """Sends every output field's current value, then publishes queued events.

        Raises:
            IOStreamClosedError: The IO was closed (for example by the component itself), or
                every receiver of its outputs has stopped listening.
        """
        if not self.write_now():
            await self.write_rest()

    def write_now(self) -> bool:
        """Sends what the channels take without waiting.

        Returns:
            True if everything was sent; False if the rest must be awaited with
            `write_rest()`.

        Raises:
            IOStreamClosedError: The IO is closed.
        """
        if self._stopped:
            raise IOStreamClosedError("IO is closed")
        values = self._values
        pos = self._write_pos
        sends = self._sends
        for name, channel in sends[pos:] if pos else sends:
            if not channel.try_send(values[name]):
                self._write_pos = pos
                return False
            pos += 1
        self._write_pos = 0
        return not (self._typed_writers or self._queued)

    async def write_rest(self) -> None:
        """Finishes a write that `write_now()` could not complete, waiting as needed."""
        values = self._values
        try:
            for name, channel in self._sends[self._write_pos :]:
                await channel.send(values[name])
        finally:
            self._write_pos = 0
        if self._typed_writers:
            component = self._require_component().name
            for name, channel, checks in self._typed_writers:
                value = values[name]
                for check in checks:
                    value = check.validate(component, value)
                if not channel.try_send(value):
                    await channel.send(value)
        if self._queued:
            await self._publish()

    async def _publish(self) -> None:
        queued = self._queued
        assert queued is not None
        while queued:
            event = queued.popleft()
            if isinstance(event, StopEvent):
                if self._stop_hook is not None:
                    self._stop_hook()
                continue
            channel = self._publishers.get(event.type)
            if channel is not None:
                if not channel.try_send(event):
                    await channel.send(event)
                self.events_published += 1

    # -- ending ------------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Stops the component gracefully (the process's part of a `StopEvent`).

        Sources (no inputs of any kind) and feedback-loop starters (with initial values) take
        no further step. Event subscriptions stop taking new events; those already queued
        are still handled. Everything downstream then ends as the closes cascade.
        """
        component = self._require_component()
        if (not self._input_fields and not self.input_events) or component.initial_values:
            self._halt = True
        for channel in self._event_channels:
            stop = getattr(channel, "stop", None)
            if stop is not None:
                stop()

    async def close(self) -> None:
        """Closes the IO: downstream sees the end of the stream, upstream stops blocking."""
        if self._closed:
            return
        if self._queued and not self._stopped:
            await self._publish()
        self._closed = self._stopped = self._halt = True
        self._queued = None
        for channel in self._out_channels:
            await channel.close()
        for channel in self._publishers.values():
            await channel.close()
        for channel in self._in_channels:
            await channel.close_receiver()
        for channel in self._event_channels:
            await channel.close_receiver()

    def _require_component(self) -> Component:
        if self._component is None:
            raise IOSetupError("this IOController is a declaration; it is not bound to a component")
        return self._component

    def __repr__(self) -> str:
        return (
            f"IOController(inputs={self.inputs}, outputs={self.outputs},"
            f" input_events={[e.type for e in self.input_events]},"
            f" output_events={[e.type for e in self.output_events]})"
        )


def _output_checks(
    field: str, output_type: _t.Any, target: str, target_type: _t.Any
) -> tuple[FieldCheck, ...]:
    checks = []
    if is_typed(output_type):
        checks.append(FieldCheck(adapter(output_type), output_type, f"output '{field}'"))
    if is_typed(target_type) and target_type != output_type:
        checks.append(
            FieldCheck(adapter(target_type), target_type, f"output '{field}' -> {target}")
        )
    return tuple(checks)


def _reader(channels: list[Channel]) -> Reader:
    if not channels:
        return ExhaustedReader()
    if len(channels) == 1:
        return channels[0]
    return MergedReader(channels)
