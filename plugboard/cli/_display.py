"""What `plugboard process run` shows: live progress on a terminal, a summary at the end."""

from __future__ import annotations

import asyncio
import time
import typing as _t

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from plugboard.schemas import Status


if _t.TYPE_CHECKING:
    from plugboard.process import Process

_MAX_ROWS = 25
_REFRESH_SECONDS = 0.25
_STYLE = {
    Status.COMPLETED: "green",
    Status.FAILED: "bold red",
    Status.STOPPED: "yellow",
    Status.RUNNING: "cyan",
}


class RunDisplay:
    """Shows a run's progress while it runs (on a terminal) and a summary when it ends.

    The live view is redrawn from the components' step counters a few times a second by
    its own task; the model itself does no extra work for it.
    """

    def __init__(self, process: Process, console: Console | None = None) -> None:
        self.process = process
        if console is None:
            console = Console()
            if not console.is_terminal:
                console = Console(width=max(console.width, 160))  # logs: no wrapped rows
        self.console = console
        self._started = time.perf_counter()
        self._ended: float | None = None
        self._live: Live | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def elapsed(self) -> float:
        """Seconds since the run started (until it ended)."""
        return (self._ended or time.perf_counter()) - self._started

    async def __aenter__(self) -> RunDisplay:
        self._started = time.perf_counter()
        if self.console.is_terminal:
            self._live = Live(self._render(), console=self.console, transient=True)
            self._live.start()
            self._task = asyncio.create_task(self._refresh())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._ended = time.perf_counter()
        if self._task is not None:
            self._task.cancel()
        if self._live is not None:
            self._live.stop()

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(_REFRESH_SECONDS)
            if self._live is not None:
                self._live.update(self._render())

    def _render(self) -> Group:
        components = list(self.process.components.values())
        table = Table(box=None, pad_edge=False, header_style="bold")
        table.add_column("component")
        table.add_column("type")
        table.add_column("status")
        table.add_column("steps", justify="right")
        for component in components[:_MAX_ROWS]:
            status = component.status
            table.add_row(
                component.name,
                type(component).__name__,
                Text(str(status), style=_STYLE.get(status, "")),
                f"{component.step_count:,}",
            )
        rows: list[_t.Any] = [table]
        if len(components) > _MAX_ROWS:
            rows.append(Text(f"... and {len(components) - _MAX_ROWS:,} more components"))
        total = sum(c.step_count for c in components)
        elapsed = self.elapsed
        rate = total / elapsed if elapsed > 0 else 0.0
        rows.append(
            Text(
                f"{self.process.name} [{self.process.job_id}]  {self.process.status}  "
                f"{total:,} steps in {elapsed:.2f} s ({rate:,.0f} steps/s)"
            )
        )
        return Group(*rows)

    def summary(self) -> None:
        """Prints the one-screen summary of the run."""
        if self._ended is None:
            self._ended = time.perf_counter()
        self.console.print(self._render())
