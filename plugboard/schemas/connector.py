"""Specs of the links between components."""

from __future__ import annotations

from enum import StrEnum
import re
import typing as _t

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator


# The entity is a component name or, for event topics, an event type (which may hold dots).
_SOCKET = re.compile(r"^([a-zA-Z_][a-zA-Z0-9_.-]*)\.([a-zA-Z_][a-zA-Z0-9_]*)$")


class ConnectorMode(StrEnum):
    """How a connector delivers messages."""

    PIPELINE = "pipeline"
    """One sender to one receiver; every message reaches the receiver once."""
    PUBSUB = "pubsub"
    """A topic: every subscriber gets every message."""


class ConnectorSocket(BaseModel):
    """One end of a connector: a component (the entity) and one of its fields (the descriptor).

    Written in YAML and accepted in Python as the string `"entity.descriptor"`.
    """

    model_config = ConfigDict(frozen=True)

    entity: str
    descriptor: str

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: _t.Any) -> _t.Any:
        if isinstance(value, str):
            match = _SOCKET.match(value)
            if match is None:
                raise ValueError(f"'{value}' is not of the form 'component_name.field_name'")
            return {"entity": match.group(1), "descriptor": match.group(2)}
        return value

    @model_serializer
    def _to_string(self) -> str:
        return self.id

    @property
    def id(self) -> str:
        """The socket as `entity.descriptor`."""
        return f"{self.entity}.{self.descriptor}"

    def __str__(self) -> str:
        return self.id


class ConnectorSpec(BaseModel):
    """A link from one component's output field to another component's input field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: ConnectorSocket
    target: ConnectorSocket
    mode: ConnectorMode = Field(default=ConnectorMode.PIPELINE)

    @property
    def id(self) -> str:
        """A unique identifier of the link, `source..target`."""
        return f"{self.source.id}..{self.target.id}"


class ConnectorBuilderSpec(BaseModel):
    """Which connector class links the components of a process, and its arguments."""

    model_config = ConfigDict(extra="forbid")

    type: str = "plugboard.connector.AsyncioConnector"
    args: dict[str, _t.Any] = Field(default_factory=dict)
