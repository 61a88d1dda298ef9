"""Lifecycle records: what a process and its components went through, as log records.

Each record is a normal `logging` record of the `plugboard.lifecycle` logger whose `plugboard`
attribute holds its fields: `event` (such as `component.failed`), `job_id`, `process`,
`component` (for component events), `status`, and `error` for failures. Formatters show the
fields; `JsonFormatter` writes them as top-level keys. Nothing is logged per message.
"""

from __future__ import annotations

import enum
import logging
import typing as _t


LIFECYCLE_LOGGER = "plugboard.lifecycle"
"""The logger of lifecycle records (unless a process type routes them elsewhere)."""

FIELDS_ATTRIBUTE = "plugboard"
"""The `LogRecord` attribute holding a lifecycle record's fields."""


class LifecycleEvent(enum.StrEnum):
    """The lifecycle events recorded for processes and components."""

    CREATED = "created"
    INIT = "init"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"
    DESTROYED = "destroyed"


def lifecycle_fields(record: logging.LogRecord) -> dict[str, _t.Any] | None:
    """Returns a record's lifecycle fields, or None for any other record."""
    fields = getattr(record, FIELDS_ATTRIBUTE, None)
    return fields if isinstance(fields, dict) else None


def lifecycle_level(event: LifecycleEvent) -> int:
    """Returns the level an event is logged at: ERROR for failures, INFO otherwise."""
    return logging.ERROR if event is LifecycleEvent.FAILED else logging.INFO


def log_lifecycle(
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
    event: LifecycleEvent,
    *,
    job_id: str,
    process: str,
    component: str | None = None,
    error: BaseException | None = None,
    **details: _t.Any,
) -> None:
    """Logs one lifecycle event: ERROR for failures, INFO otherwise.

    Args:
        logger: Where the record goes.
        event: What happened.
        job_id: The job of the run.
        process: The process's name.
        component: The component's name, for component events.
        error: What a failed process or component raised.
        **details: Further fields (counts, step numbers).
    """
    level = lifecycle_level(event)
    if not logger.isEnabledFor(level):
        return
    kind = "process" if component is None else "component"
    fields: dict[str, _t.Any] = {
        "event": f"{kind}.{event.value}",
        "job_id": job_id,
        "process": process,
    }
    if component is not None:
        fields["component"] = component
    fields.update(details)
    subject = f"process '{process}'" if component is None else f"component '{component}'"
    message = f"{subject} {event.value}"
    if error is not None:
        text = f"{type(error).__name__}: {error}"
        fields["error"] = text
        message = f"{message}: {text}"
    logger.log(level, message, extra={FIELDS_ATTRIBUTE: fields})
