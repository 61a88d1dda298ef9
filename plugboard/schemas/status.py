"""Lifecycle statuses of processes and components."""

from enum import StrEnum


class Status(StrEnum):
    """Where a process or a component is in its lifecycle."""

    CREATED = "created"
    INIT = "init"
    RUNNING = "running"
    WAITING = "waiting"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"

    @property
    def is_terminal(self) -> bool:
        """Whether nothing more will happen after this status."""
        return self in (Status.COMPLETED, Status.FAILED, Status.STOPPED)
