"""Components of the event-driven tutorial: a shop whose manager opens a second till.

Nothing here is linked by connectors. Each component declares the events it handles
(`input_events`) and emits (`output_events`), and every event type is a topic that the process
wires up by itself:

    clock --tick--> arrivals --arrival--> manager --queue.report--> recorder
                                                  --till.change---> announcer
"""

import asyncio
import csv
import random
import typing as _t

from pydantic import BaseModel

from plugboard.component import Component
from plugboard.component import IOController as IO
from plugboard.events import Event, StopEvent
from plugboard.schemas import ComponentArgsDict


# -- events -----------------------------------------------------------------------------------


class TickData(BaseModel):
    time: int


class Tick(Event):
    """One time step (a minute, say) of the simulation."""

    type: _t.ClassVar[str] = "tick"
    data: TickData


class ArrivalData(BaseModel):
    time: int
    customers: int


class Arrival(Event):
    """How many customers reached the shop's door in one time step (possibly none)."""

    type: _t.ClassVar[str] = "arrival"
    data: ArrivalData


class QueueReportData(BaseModel):
    time: int
    arrivals: int
    served: int
    queue: int
    tills: int


class QueueReport(Event):
    """The state of the queue at the end of one time step."""

    type: _t.ClassVar[str] = "queue.report"
    data: QueueReportData


class TillChange(Event):
    """A till opens or closes. Its data is a plain dict: `{"time": ..., "tills": ...}`."""

    type: _t.ClassVar[str] = "till.change"


# -- components -------------------------------------------------------------------------------


class Clock(Component):
    """Publishes a `Tick` per step, for time 0, 1, 2, ... and never stops by itself.

    Something else ends the model: a `StopEvent`, `--max-steps` or `--timeout`. With
    `interval` > 0 it ticks in real time, one tick every `interval` seconds.
    """

    io = IO(output_events=[Tick])

    def __init__(self, interval: float = 0.0, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._interval = interval

    async def init(self) -> None:
        self._time = 0

    async def step(self) -> None:
        if self._interval > 0:
            await asyncio.sleep(self._interval)
        self.io.queue_event(Tick(data=TickData(time=self._time)))
        self._time += 1


class Arrivals(Component):
    """Turns each tick into an `Arrival` of 0 to `most` customers, drawn at random.

    The draws come from `random.Random(seed)`, so the same seed gives the same arrivals.
    """

    io = IO(input_events=[Tick], output_events=[Arrival])

    def __init__(self, seed: int, most: int = 3, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._seed = seed
        self._most = most

    async def init(self) -> None:
        self._rng = random.Random(self._seed)

    @Tick.handler
    async def on_tick(self, event: Tick) -> Arrival:
        # The event a handler returns is published, as if passed to self.io.queue_event().
        customers = self._rng.randint(0, self._most)
        return Arrival(data=ArrivalData(time=event.data.time, customers=customers))


class Manager(Component):
    """Keeps the queue at the tills, and decides when to open a second till and to go home.

    Each time step, the customers who arrive join the queue, and every open till serves up to
    `per_till` of them. When more than `open_above` customers are left waiting, a second till
    opens for the next step; once the queue is down to `close_at`, it closes again. The door
    shuts at `closing_time`: later arrivals are turned away. When the last customer has been
    served, the manager stops the whole simulation with a `StopEvent`.
    """

    io = IO(input_events=[Arrival], output_events=[QueueReport, TillChange])

    def __init__(
        self,
        open_above: int,
        close_at: int,
        closing_time: int,
        per_till: int = 1,
        **kwargs: _t.Unpack[ComponentArgsDict],
    ) -> None:
        super().__init__(**kwargs)
        self._open_above = open_above
        self._close_at = close_at
        self._closing_time = closing_time
        self._per_till = per_till

    async def init(self) -> None:
        self._queue = 0
        self._tills = 1
        self._open = True

    @Arrival.handler
    async def on_arrival(self, event: Arrival) -> None:
        time = event.data.time
        arrivals = event.data.customers if time < self._closing_time else 0
        self._queue += arrivals
        served = min(self._queue, self._tills * self._per_till)
        self._queue -= served
        # Events are published in the order they are queued, right after this handler.
        self.io.queue_event(
            QueueReport(
                data=QueueReportData(
                    time=time,
                    arrivals=arrivals,
                    served=served,
                    queue=self._queue,
                    tills=self._tills,
                )
            )
        )
        if self._tills == 1 and self._queue > self._open_above:
            self._tills = 2
            self.io.queue_event(TillChange(data={"time": time, "tills": 2}))
        elif self._tills == 2 and self._queue <= self._close_at:
            self._tills = 1
            self.io.queue_event(TillChange(data={"time": time, "tills": 1}))
        if self._open and time >= self._closing_time - 1 and self._queue == 0:
            # Queued last, so this step's report and till change are delivered before it.
            self._open = False
            self.io.queue_event(StopEvent())


class Recorder(Component):
    """Writes one CSV row per time step, from the manager's queue reports."""

    io = IO(input_events=[QueueReport])

    def __init__(self, path: str, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._path = path
        self._file: _t.TextIO | None = None

    async def init(self) -> None:
        self._file = open(self._path, "w", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(["time", "arrivals", "served", "queue", "tills"])

    @QueueReport.handler
    async def on_report(self, event: QueueReport) -> None:
        report = event.data
        self._writer.writerow(
            [report.time, report.arrivals, report.served, report.queue, report.tills]
        )

    async def destroy(self) -> None:
        # destroy() runs even if init() failed part-way, so only close what was opened.
        if self._file is not None:
            self._file.close()


class Announcer(Component):
    """Announces every till change on standard output."""

    io = IO(input_events=[TillChange])

    @TillChange.handler
    async def on_till_change(self, event: TillChange) -> None:
        action = "opens" if event.data["tills"] == 2 else "closes"
        print(f"time {event.data['time']}: till 2 {action}")
