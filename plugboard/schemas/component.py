"""Specs and argument types of components."""

from __future__ import annotations

import re
import typing as _t

from pydantic import BaseModel, ConfigDict, Field, field_validator


if _t.TYPE_CHECKING:
    from plugboard.state import StateBackend

COMPONENT_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_-]*$"


class ComponentArgsDict(_t.TypedDict):
    """Keyword arguments every component accepts; use as `**kwargs: Unpack[ComponentArgsDict]`."""

    name: str
    initial_values: _t.NotRequired[dict[str, _t.Iterable[_t.Any]] | None]
    parameters: _t.NotRequired[dict[str, _t.Any] | None]
    state: _t.NotRequired[StateBackend | None]
    constraints: _t.NotRequired[dict[str, _t.Any] | None]


class ComponentArgsSpec(BaseModel):
    """Constructor arguments of a component; arguments of the component's own go alongside."""

    model_config = ConfigDict(extra="allow")

    name: str
    initial_values: dict[str, list[_t.Any]] = Field(default_factory=dict)
    parameters: dict[str, _t.Any] = Field(default_factory=dict)
    constraints: dict[str, _t.Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if re.match(COMPONENT_NAME_PATTERN, value) is None:
            raise ValueError(
                f"invalid component name {value!r}: names start with a letter or underscore"
                " and contain only letters, digits, '_' and '-'"
            )
        return value


class ComponentSpec(BaseModel):
    """A component in a process: its import path and its constructor arguments."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1)
    args: ComponentArgsSpec
    prefect: dict[str, _t.Any] | None = None
    """Task options under `plugboard_prefect.PrefectProcess` (checked by that process type)."""
