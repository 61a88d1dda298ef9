"""In-process pub-sub topics: every subscriber gets every message."""

from __future__ import annotations

import typing as _t

from plugboard.connector.asyncio_channel import AsyncioChannel
from plugboard.connector.channel import Channel
from plugboard.exceptions import ChannelClosedError


class Topic:
    """Subscribers' channels of one topic, and a count of its open publishers.

    The topic closes (every subscriber sees the end) when its last publisher closes.
    """

    def __init__(self, buffer_size: int) -> None:
        self.buffer_size = buffer_size
        self.subscribers: list[AsyncioChannel] = []
        self.open_publishers = 0

    def subscribe(self) -> AsyncioChannel:
        """Returns a new channel receiving everything published from now on."""
        channel = AsyncioChannel(maxsize=self.buffer_size)
        self.subscribers.append(channel)
        return channel

    def publisher(self) -> TopicPublisher:
        """Returns a new publishing end; the topic stays open until every one is closed."""
        self.open_publishers += 1
        return TopicPublisher(self)


class TopicPublisher(Channel):
    """A publishing end of a topic: a send delivers to every subscriber."""

    def __init__(self, topic: Topic) -> None:
        self._topic = topic
        self._closed = False

    @property
    def is_closed(self) -> bool:
        """Whether this publisher has closed."""
        return self._closed

    def try_send(self, item: _t.Any) -> bool:
        """Delivers to every subscriber if all have room now; otherwise delivers to none."""
        if self._closed:
            raise ChannelClosedError("cannot publish on a closed topic publisher")
        subscribers = self._topic.subscribers
        for channel in subscribers:
            if not channel.has_room:
                return False
        for channel in subscribers:
            channel.try_send(item)
        return True

    async def send(self, item: _t.Any) -> None:
        """Delivers to every subscriber, waiting for room where needed."""
        if self._closed:
            raise ChannelClosedError("cannot publish on a closed topic publisher")
        for channel in self._topic.subscribers:
            if not channel.try_send(item):
                await channel.send(item)

    async def recv(self) -> _t.Any:
        """Publishers do not receive."""
        raise ChannelClosedError("a topic publisher cannot receive")

    async def close(self) -> None:
        """Closes this publisher; the last one to close closes the topic."""
        if self._closed:
            return
        self._closed = True
        topic = self._topic
        topic.open_publishers -= 1
        if topic.open_publishers == 0:
            for channel in topic.subscribers:
                await channel.close()
