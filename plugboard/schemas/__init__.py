"""Pydantic specs of Plugboard's YAML format and the argument types of its classes."""

from plugboard.schemas.component import (
    COMPONENT_NAME_PATTERN,
    ComponentArgsDict,
    ComponentArgsSpec,
    ComponentSpec,
)
from plugboard.schemas.connector import (
    ConnectorBuilderSpec,
    ConnectorMode,
    ConnectorSocket,
    ConnectorSpec,
)
from plugboard.schemas.process import ConfigSpec, PlugboardSpec, ProcessArgsSpec, ProcessSpec
from plugboard.schemas.state import StateBackendArgsSpec, StateBackendSpec
from plugboard.schemas.status import Status
from plugboard.schemas.trace import TraceSpec


__all__ = [
    "COMPONENT_NAME_PATTERN",
    "ComponentArgsDict",
    "ComponentArgsSpec",
    "ComponentSpec",
    "ConfigSpec",
    "ConnectorBuilderSpec",
    "ConnectorMode",
    "ConnectorSocket",
    "ConnectorSpec",
    "PlugboardSpec",
    "ProcessArgsSpec",
    "ProcessSpec",
    "StateBackendArgsSpec",
    "StateBackendSpec",
    "Status",
    "TraceSpec",
]
