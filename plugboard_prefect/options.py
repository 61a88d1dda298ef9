"""Prefect options of a process and of its components, as written in YAML."""

from __future__ import annotations

import typing as _t

from pydantic import BaseModel, ConfigDict, Field


class TaskOptions(BaseModel):
    """How Prefect runs one component's task.

    In YAML, a component's `prefect:` mapping; the process-level `prefect: {defaults: ...}`
    gives every component's defaults.

    Attributes:
        retries: How many times a failed component is retried. The step that raised runs
            again with the same inputs after `Component.on_retry`, and the component keeps
            its state, so nothing downstream is lost or duplicated.
        retry_delay_seconds: Seconds to wait before each retry (one number, or one per retry).
        timeout_seconds: End the component's task run `TimedOut` (and fail the flow) if it
            runs longer than this.
    """

    model_config = ConfigDict(extra="forbid")

    retries: int = Field(default=0, ge=0)
    retry_delay_seconds: float | list[float] = Field(default=0)
    timeout_seconds: float | None = Field(default=None, gt=0)

    def over(self, defaults: TaskOptions) -> TaskOptions:
        """Returns these options with unset ones taken from `defaults`."""
        return defaults.model_copy(update=self.model_dump(exclude_unset=True))


class ProcessOptions(BaseModel):
    """The process-level `prefect:` mapping of a YAML model.

    Attributes:
        defaults: Task options of every component, unless a component sets its own.
        progress_interval_seconds: At most one progress-artifact update per this many seconds.
    """

    model_config = ConfigDict(extra="forbid")

    defaults: TaskOptions = Field(default_factory=TaskOptions)
    progress_interval_seconds: float = Field(default=1.0, gt=0)


def merged_options(
    defaults: TaskOptions, own: _t.Mapping[str, _t.Any] | TaskOptions | None
) -> TaskOptions:
    """A component's effective options."""
    if own is None:
        return defaults
    options = own if isinstance(own, TaskOptions) else TaskOptions.model_validate(own)
    return options.over(defaults)
