"""`IOController`: declares a component's fields and moves their values through channels."""

from __future__ import annotations

import typing as _t

from plugboard.component._readers import ExhaustedReader, MergedReader, PrefixedReader, Reader
from plugboard.connector.channel import EMPTY, Channel
from plugboard.exceptions import ChannelClosedError, IOSetupError, IOStreamClosedError


if _t.TYPE_CHECKING:
    from plugboard.component.component import Component
    from plugboard.connector.connector import Connector

FieldDecl = _t.Sequence[str] | _t.Mapping[str, _t.Any] | None


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


class IOController:
    """Declares a component's inputs and outputs, and carries their values at run time.

    Declared on the class (`io = IOController(inputs=["x"], outputs=["y"])`), merged down the
    inheritance chain, and bound to each component instance, which then reads inputs and
    writes outputs as plain attributes.

    Args:
        inputs: Names of the input fields.
        outputs: Names of the output fields.
        input_events: Event types the component handles.
        output_events: Event types the component emits.
    """

    def __init__(
        self,
        inputs: FieldDecl = None,
        outputs: FieldDecl = None,
        input_events: _t.Sequence[type[_t.Any]] | None = None,
        output_events: _t.Sequence[type[_t.Any]] | None = None,
    ) -> None:
        self._input_fields = _field_names(inputs, "input")
        self._output_fields = _field_names(outputs, "output")
        both = self._input_fields.keys() & self._output_fields.keys()
        if both:
            raise IOSetupError(f"fields declared as both input and output: {sorted(both)}")
        self.input_events: list[type[_t.Any]] = list(input_events or [])
        self.output_events: list[type[_t.Any]] = list(output_events or [])
        self._component: Component | None = None
        self._readers: list[tuple[str, Reader]] = []
        self._writers: list[tuple[str, tuple[Channel, ...]]] = []
        self._in_channels: list[Channel] = []
        self._out_channels: list[Channel] = []
        self._closed = False
        self._stopped = False
        self._live_outputs = 0
        self._connected = False

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

    def merged_with(self, parent: IOController) -> IOController:
        """Returns a declaration holding the parent's fields followed by this one's."""
        merged = IOController(
            inputs={**parent._input_fields, **self._input_fields},
            outputs={**parent._output_fields, **self._output_fields},
            input_events=_unique([*parent.input_events, *self.input_events]),
            output_events=_unique([*parent.output_events, *self.output_events]),
        )
        return merged

    def bind(self, component: Component) -> IOController:
        """Returns a fresh controller with this declaration, owned by `component`."""
        bound = IOController.__new__(IOController)
        bound.__dict__.update(self.__dict__)
        bound._component = component
        bound._readers, bound._writers = [], []
        bound._in_channels, bound._out_channels = [], []
        bound._closed = bound._stopped = bound._connected = False
        bound._live_outputs = 0
        return bound

    async def connect(self, connectors: _t.Iterable[Connector]) -> None:
        """Opens the channel ends of every connector that touches this component.

        Args:
            connectors: Connectors of the process; those not naming this component are ignored.

        Raises:
            IOSetupError: A connector names a field this component does not declare.
        """
        component = self._require_component()
        sources: dict[str, list[Channel]] = {name: [] for name in self._input_fields}
        targets: dict[str, list[Channel]] = {name: [] for name in self._output_fields}
        for connector in connectors:
            spec = connector.spec
            if spec.target.entity == component.name:
                field = spec.target.descriptor
                if field not in sources:
                    raise IOSetupError(
                        f"connector {spec.id}: component '{component.name}' has no input"
                        f" '{field}' (inputs: {', '.join(self._input_fields) or 'none'})"
                    )
                sources[field].append(await connector.connect_recv())
            if spec.source.entity == component.name:
                field = spec.source.descriptor
                if field not in targets:
                    raise IOSetupError(
                        f"connector {spec.id}: component '{component.name}' has no output"
                        f" '{field}' (outputs: {', '.join(self._output_fields) or 'none'})"
                    )
                targets[field].append(await connector.connect_send())
        initial = component.initial_values
        unknown = set(initial) - set(self._input_fields)
        if unknown:
            raise IOSetupError(
                f"component '{component.name}': initial_values name unknown inputs"
                f" {sorted(unknown)}"
            )
        self._readers = []
        for name, channels in sources.items():
            reader: Reader
            if not channels:
                reader = ExhaustedReader()
            elif len(channels) == 1:
                reader = channels[0]
            else:
                reader = MergedReader(channels)
            if initial.get(name):
                reader = PrefixedReader(initial[name], reader)
            self._readers.append((name, reader))
        self._writers = [(name, tuple(chs)) for name, chs in targets.items() if chs]
        self._in_channels = [channel for chs in sources.values() for channel in chs]
        self._out_channels = [channel for chs in targets.values() for channel in chs]
        self._live_outputs = len(self._out_channels)
        for channel in self._out_channels:
            channel.on_receiver_closed(self._output_abandoned)
        self._closed = self._stopped = False
        self._connected = True

    def _output_abandoned(self) -> None:
        # Once nobody listens to any output, further steps are wasted work: stop the component.
        self._live_outputs -= 1
        if self._live_outputs == 0:
            self._stopped = True

    async def read(self) -> None:
        """Waits for a new value on every input field and sets it on the component.

        Raises:
            IOStreamClosedError: An input field has no more values.
        """
        if self._stopped:
            raise IOStreamClosedError("IO is closed")
        values = self._require_component().__dict__
        name = ""
        try:
            for name, reader in self._readers:
                item = reader.try_recv()
                if item is EMPTY:
                    item = await reader.recv()
                values[name] = item
        except ChannelClosedError:
            raise IOStreamClosedError(f"input '{name}' has no more values") from None

    async def write(self) -> None:
        """Sends every output field's current value to everything connected to it.

        Raises:
            IOStreamClosedError: The IO was closed (for example by the component itself), or
                every receiver of its outputs has stopped listening.
        """
        if self._stopped:
            raise IOStreamClosedError("IO is closed")
        values = self._require_component().__dict__
        for name, channels in self._writers:
            value = values[name]
            for channel in channels:
                if not channel.try_send(value):
                    await channel.send(value)

    async def close(self) -> None:
        """Closes the IO: downstream sees the end of the stream, upstream stops blocking."""
        if self._closed:
            return
        self._closed = self._stopped = True
        for channel in self._out_channels:
            await channel.close()
        for channel in self._in_channels:
            await channel.close_receiver()

    def _require_component(self) -> Component:
        if self._component is None:
            raise IOSetupError("this IOController is a declaration; it is not bound to a component")
        return self._component

    def __repr__(self) -> str:
        return (
            f"IOController(inputs={self.inputs}, outputs={self.outputs},"
            f" input_events={self.input_events}, output_events={self.output_events})"
        )


def _unique(items: _t.Iterable[type[_t.Any]]) -> list[type[_t.Any]]:
    return list(dict.fromkeys(items))
