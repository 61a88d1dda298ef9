"""The `Connector` contract: a picklable description of one link."""

from __future__ import annotations

from abc import ABC, abstractmethod
import typing as _t

from plugboard.connector.channel import Channel
from plugboard.schemas import ConnectorMode, ConnectorSpec


if _t.TYPE_CHECKING:
    from plugboard.component import Component


class Connector(ABC):
    """Describes a link between two component fields and opens its channel ends.

    A connector holds only its spec and arguments until a side asks for its channel end, so it
    can be pickled and sent to wherever a component runs.

    Args:
        spec: Which output feeds which input.
    """

    def __init__(self, spec: ConnectorSpec, **kwargs: _t.Any) -> None:
        self.spec = spec
        self._kwargs = kwargs

    @property
    def id(self) -> str:
        """The link's identifier, `source..target`."""
        return self.spec.id

    @abstractmethod
    async def connect_send(self) -> Channel:
        """Returns the sending end of the link's channel."""

    @abstractmethod
    async def connect_recv(self) -> Channel:
        """Returns the receiving end of the link's channel."""

    def export(self) -> dict[str, _t.Any]:
        """Returns the connector's spec as plain data."""
        return self.spec.model_dump(mode="json", exclude_defaults=True)

    @classmethod
    def builder(cls, **kwargs: _t.Any) -> ConnectorBuilder:
        """Returns a builder that makes connectors of this class with `kwargs`."""
        return ConnectorBuilder(cls, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id})"


class ConnectorBuilder:
    """Makes connectors of one class, with the same arguments, from specs.

    Args:
        connector_cls: The connector class to build.
        **kwargs: Arguments passed to every connector built.
    """

    def __init__(self, connector_cls: type[Connector], **kwargs: _t.Any) -> None:
        self.connector_cls = connector_cls
        self.kwargs = kwargs

    def build(self, spec: ConnectorSpec) -> Connector:
        """Returns a connector for `spec`."""
        return self.connector_cls(spec=spec, **self.kwargs)

    def build_event_connectors(self, components: _t.Iterable[Component]) -> list[Connector]:
        """Returns one pub-sub connector per event type that is both emitted and handled.

        Each event type is a topic named after it: every component that declares it in
        `input_events` receives every event of that type emitted by any component that
        declares it in `output_events`.
        """
        publishers: set[str] = set()
        subscribers: set[str] = set()
        order: list[str] = []
        for component in components:
            for event in component.io.output_events:
                publishers.add(event.type)
                order.append(event.type)
            for event in component.io.input_events:
                subscribers.add(event.type)
                order.append(event.type)
        topics = [t for t in dict.fromkeys(order) if t in publishers and t in subscribers]
        return [self.build(event_connector_spec(topic)) for topic in topics]


def event_connector_spec(event_type: str) -> ConnectorSpec:
    """Returns the spec of the pub-sub topic of an event type."""
    return ConnectorSpec(
        source=f"{event_type}.publishers",
        target=f"{event_type}.subscribers",
        mode=ConnectorMode.PUBSUB,
    )
