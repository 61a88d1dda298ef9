"""An in-process channel between tasks on one event loop."""

from __future__ import annotations

import asyncio
from collections import deque
import typing as _t

from plugboard.connector.channel import EMPTY, Channel
from plugboard.exceptions import ChannelClosedError


DEFAULT_BUFFER_SIZE = 64


class AsyncioChannel(Channel):
    """A bounded FIFO between tasks of one event loop, with no locks or task creation.

    Args:
        maxsize: How many items may wait in the channel before the sender waits.
    """

    __slots__ = (
        "_buf",
        "_closed",
        "_getter",
        "_maxsize",
        "_putters",
        "_rx_callbacks",
        "_rx_closed",
    )

    def __init__(self, maxsize: int = DEFAULT_BUFFER_SIZE) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._maxsize = maxsize
        self._buf: deque[_t.Any] = deque()
        self._getter: asyncio.Future[None] | None = None
        self._putters: deque[asyncio.Future[None]] | None = None  # made on first wait
        self._closed = False
        self._rx_closed = False
        self._rx_callbacks: list[_t.Callable[[], None]] = []

    @property
    def is_closed(self) -> bool:
        """Whether the sender has closed the channel."""
        return self._closed

    @property
    def has_room(self) -> bool:
        """Whether a send would be taken now without waiting."""
        return self._rx_closed or len(self._buf) < self._maxsize

    @property
    def receiver_closed(self) -> bool:
        """Whether the receiver has stopped listening."""
        return self._rx_closed

    def try_send(self, item: _t.Any) -> bool:
        """Buffers an item if there is room; drops it if the receiver has gone."""
        if self._rx_closed:
            return True
        if self._closed:
            raise ChannelClosedError("cannot send on a closed channel")
        if len(self._buf) >= self._maxsize:
            return False
        self._buf.append(item)
        getter = self._getter
        if getter is not None:
            self._getter = None
            if not getter.done():
                getter.set_result(None)
        return True

    async def send(self, item: _t.Any) -> None:
        """Sends an item, waiting while the buffer is full."""
        while not self.try_send(item):
            putter = asyncio.get_running_loop().create_future()
            if self._putters is None:
                self._putters = deque()
            self._putters.append(putter)
            try:
                await putter
            except BaseException:
                putter.cancel()
                if putter in self._putters:
                    self._putters.remove(putter)
                raise

    def try_recv(self) -> _t.Any:
        """Takes the next item if there is one, else returns `EMPTY`."""
        buf = self._buf
        if buf:
            item = buf.popleft()
            putters = self._putters
            while putters:
                putter = putters.popleft()
                if not putter.done():
                    putter.set_result(None)
                    break
            return item
        return EMPTY

    async def recv(self) -> _t.Any:
        """Receives the next item, waiting until one arrives or the channel closes."""
        while True:
            item = self.try_recv()
            if item is not EMPTY:
                return item
            if self._closed:
                raise ChannelClosedError("channel closed")
            getter = asyncio.get_running_loop().create_future()
            self._getter = getter
            await getter

    def on_receiver_closed(self, callback: _t.Callable[[], None]) -> None:
        """Runs `callback` once the receiver stops listening."""
        if self._rx_closed:
            callback()
        else:
            self._rx_callbacks.append(callback)

    def add_waiter(self, waiter: asyncio.Future[None]) -> bool:
        """Resolves `waiter` on the next item or on close."""
        if self._buf or self._closed:
            if not waiter.done():
                waiter.set_result(None)
        else:
            self._getter = waiter
        return True

    async def close(self) -> None:
        """Closes the sending side; the receiver still gets what was sent before."""
        self._closed = True
        getter = self._getter
        if getter is not None:
            self._getter = None
            if not getter.done():
                getter.set_result(None)

    def stop(self) -> None:
        """Ends the stream early: the receiver drains what is buffered, later sends are dropped.

        Used for a graceful stop of a whole process, where senders may still be mid-step.
        """
        self._rx_callbacks.clear()
        self._rx_closed = True
        self._closed = True
        getter = self._getter
        if getter is not None:
            self._getter = None
            if not getter.done():
                getter.set_result(None)
        self._release_putters()

    async def close_receiver(self) -> None:
        """Stops receiving: buffered items are discarded and senders stop waiting."""
        if self._rx_closed:
            return
        self._rx_closed = True
        self._buf.clear()
        for callback in self._rx_callbacks:
            callback()
        self._release_putters()

    def _release_putters(self) -> None:
        putters = self._putters
        while putters:
            putter = putters.popleft()
            if not putter.done():
                putter.set_result(None)
