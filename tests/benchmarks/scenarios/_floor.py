"""The plain-asyncio floor: tasks joined by `asyncio.Queue(maxsize=1)`, ended by a sentinel.

Nothing here imports plugboard, so a child process measuring the floor's memory stays clean.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Sequence
import time
import typing as _t


SENTINEL: _t.Final = object()
"""Put after the last value: the end of a stream."""

Queue = asyncio.Queue[_t.Any]


def queue() -> Queue:
    """A one-slot queue, the tightest coupling asyncio offers between two tasks."""
    return asyncio.Queue(maxsize=1)


def bump(value: int) -> int:
    """The feedback loop's work, on both sides: double small values, else add one."""
    return value * 2 if 0 < value < 1_000 else value + 1


async def source(outs: Sequence[Queue], count: int) -> None:
    """Sends 0..count-1 to every queue in `outs` (fan-out), then the sentinel."""
    for value in range(count):
        for out in outs:
            await out.put(value)
    for out in outs:
        await out.put(SENTINEL)


async def relay(inp: Queue, out: Queue) -> None:
    """Forwards every value, and the sentinel, from `inp` to `out`."""
    while True:
        value = await inp.get()
        await out.put(value)
        if value is SENTINEL:
            return


async def sink(inp: Queue, received: list[int], sources: int = 1) -> None:
    """Counts values until `sources` sentinels have arrived (fan-in: one shared queue)."""
    count = 0
    open_sources = sources
    while open_sources:
        value = await inp.get()
        if value is SENTINEL:
            open_sources -= 1
        else:
            count += 1
    received.append(count)


async def looper(inp: Queue, out: Queue, iterations: int, initial: int) -> None:
    """Feedback side A: sends `x`, waits for its answer, `iterations` times; then the sentinel."""
    value = initial
    for _ in range(iterations):
        await out.put(value)
        value = await inp.get()
    await out.put(SENTINEL)


async def bumper(inp: Queue, out: Queue, answered: list[int]) -> None:
    """Feedback side B: answers every value with `bump(value)` until the sentinel."""
    count = 0
    while (value := await inp.get()) is not SENTINEL:
        await out.put(bump(value))
        count += 1
    answered.append(count)


async def run_tasks(coroutines: Iterable[Coroutine[_t.Any, _t.Any, None]]) -> float:
    """Runs the coroutines as tasks of one `TaskGroup`; returns the seconds they took."""
    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for coroutine in coroutines:
            group.create_task(coroutine)
    return time.perf_counter() - start
