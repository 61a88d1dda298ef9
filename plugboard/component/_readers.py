"""Readers that present one input field's sources as a single stream."""

from __future__ import annotations

import asyncio
import typing as _t

from plugboard.connector.channel import EMPTY, Channel
from plugboard.exceptions import ChannelClosedError, IOSetupError


class Reader(_t.Protocol):
    """What the IO controller needs from an input field's source."""

    @property
    def is_closed(self) -> bool: ...

    def try_recv(self) -> _t.Any: ...

    async def recv(self) -> _t.Any: ...

    def add_waiter(self, waiter: asyncio.Future[None]) -> bool: ...


class ExhaustedReader:
    """A field with no sources: it is closed from the start."""

    is_closed = True

    def try_recv(self) -> _t.Any:
        return EMPTY

    async def recv(self) -> _t.Any:
        raise ChannelClosedError("field has no sources")

    def add_waiter(self, waiter: asyncio.Future[None]) -> bool:
        return True


class MergedReader:
    """Fan-in: one field fed by several channels.

    Each item from any source is delivered once, in arrival order; the field closes only
    when every source has closed.
    """

    def __init__(self, channels: _t.Sequence[Channel]) -> None:
        self._open = list(channels)
        self._next = 0

    @property
    def is_closed(self) -> bool:
        return all(channel.is_closed for channel in self._open)

    def add_waiter(self, waiter: asyncio.Future[None]) -> bool:
        # Called after try_recv found nothing, so a closed channel here is also drained:
        # drop it, or it would wake the waiter at once, forever.
        self._open = [channel for channel in self._open if not channel.is_closed]
        self._next = 0
        if not self._open:
            if not waiter.done():
                waiter.set_result(None)
            return True
        return all([channel.add_waiter(waiter) for channel in self._open])

    def try_recv(self) -> _t.Any:
        channels = self._open
        count = len(channels)
        for offset in range(count):
            index = (self._next + offset) % count
            item = channels[index].try_recv()
            if item is not EMPTY:
                self._next = (index + 1) % count
                return item
        return EMPTY

    async def recv(self) -> _t.Any:
        loop = asyncio.get_running_loop()
        while True:
            item = self.try_recv()
            if item is not EMPTY:
                return item
            self._open = [channel for channel in self._open if not channel.is_closed]
            if not self._open:
                raise ChannelClosedError("every source of the field closed")
            self._next %= len(self._open)
            waiter: asyncio.Future[None] = loop.create_future()
            for channel in self._open:
                if not channel.add_waiter(waiter):
                    raise IOSetupError(
                        f"{type(channel).__name__} cannot feed a field with several sources:"
                        " it does not implement Channel.add_waiter"
                    )
            await waiter
