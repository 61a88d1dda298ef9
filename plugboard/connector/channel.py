"""The `Channel` contract: one direction of one link between two components."""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
import typing as _t


class _Empty:
    __slots__ = ()

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY: _t.Final = _Empty()
"""Returned by the non-blocking `try_recv` when nothing is waiting."""


class Channel(ABC):
    """A bounded, ordered pipe of messages from a sender to a receiver.

    Closing is in band: `close()` by the sender lets the receiver drain what was sent and then
    see `ChannelClosedError`; `close_receiver()` by the receiver tells senders nobody listens,
    so they drop further messages instead of blocking.

    Subclasses implement `send`, `recv` and `close`; the non-blocking `try_send`/`try_recv`
    and `add_waiter` have slow but correct defaults that fast channels override.
    """

    @abstractmethod
    async def send(self, item: _t.Any) -> None:
        """Sends an item, waiting while the channel is full.

        Raises:
            ChannelClosedError: The sender already closed the channel.
        """

    @abstractmethod
    async def recv(self) -> _t.Any:
        """Receives the next item, waiting until one arrives.

        Raises:
            ChannelClosedError: The channel is closed and everything sent was received.
        """

    @abstractmethod
    async def close(self) -> None:
        """Closes the channel from the sending side."""

    async def close_receiver(self) -> None:  # noqa: B027 - optional for simple channels
        """Tells the sending side that nothing more will be received."""

    @property
    @abstractmethod
    def is_closed(self) -> bool:
        """Whether the sender has closed the channel."""

    def try_send(self, item: _t.Any) -> bool:
        """Sends without waiting, returning False if the item could not be taken now."""
        return False

    def try_recv(self) -> _t.Any:
        """Receives without waiting, returning `EMPTY` if nothing is there now."""
        return EMPTY

    def on_receiver_closed(self, callback: _t.Callable[[], None]) -> None:  # noqa: B027
        """Registers `callback` to run once the receiver stops listening (if it can tell)."""

    def add_waiter(self, waiter: asyncio.Future[None]) -> bool:
        """Resolves `waiter` when an item arrives or the channel closes.

        Returns:
            False if this channel cannot notify waiters (receive through `recv` instead).
        """
        return False
