"""Links components running on one event loop."""

from __future__ import annotations

import typing as _t

from plugboard.connector.asyncio_channel import DEFAULT_BUFFER_SIZE, AsyncioChannel
from plugboard.connector.channel import Channel
from plugboard.connector.connector import Connector
from plugboard.connector.topic import Topic
from plugboard.schemas import ConnectorMode, ConnectorSpec


class AsyncioConnector(Connector):
    """A link between components of one process, carried by an in-memory `AsyncioChannel`.

    Args:
        spec: Which output feeds which input.
        buffer_size: How many messages may wait in the link before the sender waits.
    """

    def __init__(self, spec: ConnectorSpec, buffer_size: int = DEFAULT_BUFFER_SIZE) -> None:
        if not isinstance(buffer_size, int) or buffer_size < 1:
            raise ValueError(
                f"buffer_size must be a whole number of at least 1, not {buffer_size!r}"
            )
        super().__init__(spec, buffer_size=buffer_size)
        self._buffer_size = buffer_size
        self._channel: AsyncioChannel | None = None
        self._topic: Topic | None = None

    def _get_channel(self) -> AsyncioChannel:
        if self._channel is None:
            self._channel = AsyncioChannel(maxsize=self._buffer_size)
        return self._channel

    def _get_topic(self) -> Topic:
        if self._topic is None:
            self._topic = Topic(self._buffer_size)
        return self._topic

    async def connect_send(self) -> Channel:
        """Returns the sending end: the link's channel, or a new publisher of its topic."""
        if self.spec.mode == ConnectorMode.PUBSUB:
            return self._get_topic().publisher()
        return self._get_channel()

    async def connect_recv(self) -> Channel:
        """Returns the receiving end: the link's channel, or a new subscription to its topic."""
        if self.spec.mode == ConnectorMode.PUBSUB:
            return self._get_topic().subscribe()
        return self._get_channel()

    def __getstate__(self) -> dict[str, _t.Any]:
        state = self.__dict__.copy()
        state["_channel"] = None
        state["_topic"] = None
        return state
