"""Specs of processes and of the whole configuration file."""

from __future__ import annotations

import typing as _t

from pydantic import BaseModel, ConfigDict, Field

from plugboard.schemas.component import ComponentSpec
from plugboard.schemas.connector import ConnectorBuilderSpec, ConnectorSpec
from plugboard.schemas.state import StateBackendSpec
from plugboard.schemas.trace import TraceSpec


class ProcessArgsSpec(BaseModel):
    """Arguments of a process: its components, their links, parameters and state."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    components: list[ComponentSpec] = Field(min_length=1)
    connectors: list[ConnectorSpec] = Field(default_factory=list)
    parameters: dict[str, _t.Any] = Field(default_factory=dict)
    state: StateBackendSpec = Field(default_factory=StateBackendSpec)


class ProcessSpec(BaseModel):
    """A process: its class, how its components are linked, and its arguments."""

    model_config = ConfigDict(extra="forbid")

    type: str = "plugboard.process.LocalProcess"
    connector_builder: ConnectorBuilderSpec = Field(default_factory=ConnectorBuilderSpec)
    args: ProcessArgsSpec
    prefect: dict[str, _t.Any] | None = None
    """Process-wide options of `plugboard_prefect.PrefectProcess` (checked by that type)."""
    trace: TraceSpec | None = None
    """Where to record every component step (see `plugboard.trace`); off by default."""


class PlugboardSpec(BaseModel):
    """The `plugboard:` section of a configuration file."""

    model_config = ConfigDict(extra="forbid")

    process: ProcessSpec


class ConfigSpec(BaseModel):
    """A whole Plugboard configuration file."""

    model_config = ConfigDict(extra="forbid")

    plugboard: PlugboardSpec
