"""Specs of state backends."""

from __future__ import annotations

import typing as _t

from pydantic import BaseModel, ConfigDict, Field


JOB_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class StateBackendArgsSpec(BaseModel):
    """Arguments of a state backend; backend-specific ones (like `db_path`) go alongside."""

    model_config = ConfigDict(extra="allow")

    job_id: str | None = Field(default=None, pattern=JOB_ID_PATTERN)
    metadata: dict[str, _t.Any] = Field(default_factory=dict)


class StateBackendSpec(BaseModel):
    """Which state backend records a run, and its arguments."""

    model_config = ConfigDict(extra="forbid")

    type: str = "plugboard.state.DictStateBackend"
    args: StateBackendArgsSpec = Field(default_factory=StateBackendArgsSpec)
