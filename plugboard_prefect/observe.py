"""What a run shows in Prefect: a diagram, progress, a summary table and custom events."""

from __future__ import annotations

import asyncio
import re
import time
import typing as _t
from uuid import UUID

from prefect.artifacts import (
    acreate_markdown_artifact,
    acreate_progress_artifact,
    acreate_table_artifact,
    aupdate_progress_artifact,
)
from prefect.events import emit_event

from plugboard.component import Component
from plugboard.diagram import markdown_diagram


if _t.TYPE_CHECKING:
    from plugboard_prefect.process import PrefectProcess

EVENT_PREFIX = "plugboard.component"


def artifact_key(process_name: str, kind: str) -> str:
    """A valid artifact key (lowercase letters, digits, dashes) for a process's artifact."""
    slug = re.sub(r"[^a-z0-9-]+", "-", process_name.lower()).strip("-") or "process"
    return f"{slug}-{kind}"


class RunObserver:
    """Publishes a process run's artifacts and events to Prefect.

    Progress is updated when a component finishes, at most once per `interval` seconds (and
    always at the end); nothing is done per message.
    """

    def __init__(self, process: PrefectProcess, interval: float) -> None:
        self.process = process
        self.interval = interval
        self._progress_id: UUID | None = None
        self._last_update = 0.0
        self._started: dict[str, float] = {}
        self._durations: dict[str, float] = {}
        self._attempts: dict[str, int] = {}

    async def started(self) -> None:
        """Publishes the process diagram and an empty progress bar."""
        name = self.process.name
        self._last_update = time.monotonic()
        _, self._progress_id = await asyncio.gather(
            acreate_markdown_artifact(
                markdown=f"# {name}\n\n{markdown_diagram(self.process)}\n",
                key=artifact_key(name, "diagram"),
                description=f"Components and links of {name}",
            ),
            acreate_progress_artifact(
                progress=0.0,
                key=artifact_key(name, "progress"),
                description=f"Share of the components of {name} that have finished",
            ),
        )

    def component_started(self, component: Component) -> None:
        """Records the start of a component's first attempt and emits an event."""
        self._started[component.name] = time.monotonic()
        self._emit(component, "started")

    async def component_finished(self, component: Component) -> None:
        """Records a component's end, emits an event and updates progress (rate-limited)."""
        started = self._started.get(component.name)
        if started is not None:
            self._durations[component.name] = time.monotonic() - started
        outcome = {"failed": "failed", "stopped": "stopped"}.get(str(component.status), "finished")
        self._emit(component, outcome)
        now = time.monotonic()
        if now - self._last_update >= self.interval:
            self._last_update = now
            await self._update_progress()

    async def finished(self) -> None:
        """Publishes the final progress and the summary table."""
        await asyncio.gather(
            self._update_progress(),
            acreate_table_artifact(
                table=self.summary(),
                key=artifact_key(self.process.name, "summary"),
                description=f"Components of {self.process.name} at the end of the run",
            ),
        )

    def summary(self) -> list[dict[str, _t.Any]]:
        """One row per component: status, steps, messages in and out, duration."""
        rows = []
        for component in self.process.components.values():
            io = component.io
            rows.append(
                {
                    "component": component.name,
                    "type": type(component).__name__,
                    "status": str(component.status),
                    "steps": component.step_count,
                    "messages_in": component.step_count * len(io.inputs) + io.events_handled,
                    "messages_out": component.step_count * io.output_channel_count
                    + io.events_published,
                    "duration_s": round(self._durations.get(component.name, 0.0), 3),
                    "error": f"{type(component.error).__name__}: {component.error}"
                    if component.error is not None
                    else "",
                }
            )
        return rows

    async def _update_progress(self) -> None:
        if self._progress_id is None:
            return
        components = self.process.components.values()
        done = sum(1 for c in components if c.status.is_terminal)
        await aupdate_progress_artifact(self._progress_id, 100.0 * done / max(len(components), 1))

    def _emit(self, component: Component, outcome: str) -> None:
        process = self.process
        payload: dict[str, _t.Any] = {
            "process": process.name,
            "job_id": process.job_id,
            "component_type": type(component).__name__,
            "steps": component.step_count,
        }
        if component.error is not None:
            payload["error"] = f"{type(component.error).__name__}: {component.error}"
        emit_event(
            event=f"{EVENT_PREFIX}.{outcome}",
            resource={
                "prefect.resource.id": f"plugboard.component.{process.job_id}.{component.name}",
                "prefect.resource.name": component.name,
            },
            payload=payload,
        )
