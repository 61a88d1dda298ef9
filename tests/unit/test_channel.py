import asyncio

import pytest

from plugboard.component._readers import MergedReader
from plugboard.connector import AsyncioChannel
from plugboard.exceptions import ChannelClosedError


async def test_items_arrive_in_order_and_close_is_in_band() -> None:
    channel = AsyncioChannel(maxsize=4)
    for i in range(3):
        await channel.send(i)
    await channel.close()
    assert [await channel.recv() for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ChannelClosedError):
        await channel.recv()
    with pytest.raises(ChannelClosedError):
        await channel.send(9)


async def test_sender_waits_while_the_buffer_is_full() -> None:
    channel = AsyncioChannel(maxsize=2)
    await channel.send(1)
    await channel.send(2)
    blocked = asyncio.create_task(channel.send(3))
    await asyncio.sleep(0)
    assert not blocked.done()
    assert await channel.recv() == 1
    await blocked
    assert [await channel.recv(), await channel.recv()] == [2, 3]


async def test_receiver_waits_until_an_item_arrives() -> None:
    channel = AsyncioChannel()
    waiting = asyncio.create_task(channel.recv())
    await asyncio.sleep(0)
    assert not waiting.done()
    await channel.send("x")
    assert await waiting == "x"


async def test_closing_wakes_a_waiting_receiver() -> None:
    channel = AsyncioChannel()
    waiting = asyncio.create_task(channel.recv())
    await asyncio.sleep(0)
    await channel.close()
    with pytest.raises(ChannelClosedError):
        await waiting


async def test_receiver_close_unblocks_senders_and_drops_items() -> None:
    channel = AsyncioChannel(maxsize=1)
    closed: list[bool] = []
    channel.on_receiver_closed(lambda: closed.append(True))
    await channel.send(1)
    blocked = asyncio.create_task(channel.send(2))
    await asyncio.sleep(0)
    await channel.close_receiver()
    await asyncio.wait_for(blocked, 1)
    await channel.send(3)  # dropped, does not block
    assert closed == [True]


async def test_cancelled_sender_leaves_no_waiter_behind() -> None:
    channel = AsyncioChannel(maxsize=1)
    await channel.send(1)
    blocked = asyncio.create_task(channel.send(2))
    await asyncio.sleep(0)
    blocked.cancel()
    with pytest.raises(asyncio.CancelledError):
        await blocked
    assert await channel.recv() == 1
    assert channel.try_recv() is not None


async def test_merged_reader_delivers_every_item_and_closes_after_all_sources() -> None:
    first, second = AsyncioChannel(), AsyncioChannel()
    reader = MergedReader([first, second])
    await first.send("a1")
    await second.send("b1")
    await first.close()
    got = [await reader.recv(), await reader.recv()]
    assert sorted(got) == ["a1", "b1"]
    pending = asyncio.create_task(reader.recv())
    await asyncio.sleep(0)
    assert not pending.done()
    await second.send("b2")
    assert await pending == "b2"
    await second.close()
    with pytest.raises(ChannelClosedError):
        await reader.recv()


def test_buffer_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AsyncioChannel(maxsize=0)
