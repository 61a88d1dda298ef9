"""`Event`: a typed message published on a topic named by its `type`."""

from __future__ import annotations

from datetime import UTC, datetime
import re
import typing as _t
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field


EVENT_TYPE_PATTERN = r"^[a-zA-Z][a-zA-Z0-9_\-.]*$"
_TYPE = re.compile(EVENT_TYPE_PATTERN)
_HANDLER_MARK = "_plugboard_handles"

_F = _t.TypeVar("_F", bound=_t.Callable[..., _t.Any])


class HandlerInfo(_t.NamedTuple):
    """What `@Event.handler` records on a method."""

    event: type[Event]
    populates_fields: tuple[str, ...]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """Base class of events.

    Subclasses set a class attribute `type` (a topic name such as `"tick"` or
    `"plant.alarm"`) and may narrow `data` to a pydantic model of their own:

    ```python
    class Tick(Event):
        type: ClassVar[str] = "tick"
        data: TickData
    ```

    Attributes:
        id: Unique id of this event.
        timestamp: When it was created (UTC).
        source: Name of the component that emitted it (filled in on publishing).
        version: Version of the event's schema.
        data: The payload: a dict or a pydantic model.
        metadata: Free string key-value pairs.
    """

    model_config = ConfigDict(extra="forbid")

    type: _t.ClassVar[str] = "event"

    id: UUID = Field(default_factory=uuid4)
    timestamp: datetime = Field(default_factory=_utcnow)
    source: str | None = None
    version: str = "0.1.0"
    data: dict[str, _t.Any] | BaseModel = Field(default_factory=dict)
    metadata: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: _t.Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        declared = cls.__dict__.get("type")
        if declared is not None and (not isinstance(declared, str) or not _TYPE.match(declared)):
            raise ValueError(
                f"{cls.__name__}.type {declared!r} is not a valid event type: start with a"
                " letter, then letters, digits, '_', '-' or '.'"
            )

    @classmethod
    def handler(
        cls,
        method: _F | None = None,
        *,
        populates_fields: _t.Sequence[str] = (),
    ) -> _t.Any:
        """Marks a component method as the handler of this event type.

        Use as `@MyEvent.handler` or `@MyEvent.handler(populates_fields=["x"])`; the latter
        says the handler sets those input fields, so a component with field inputs (a
        writer, say) steps once they all have been set, without connectors feeding them.

        Args:
            method: The handler, `async def on_x(self, event: MyEvent) -> Event | None`.
            populates_fields: Input fields the handler sets.
        """

        def mark(fn: _F) -> _F:
            setattr(fn, _HANDLER_MARK, HandlerInfo(cls, tuple(populates_fields)))
            return fn

        if method is None:
            return mark
        return mark(method)


def handler_info(obj: object) -> HandlerInfo | None:
    """Returns what `@Event.handler` recorded on `obj`, if anything."""
    info = getattr(obj, _HANDLER_MARK, None)
    return info if isinstance(info, HandlerInfo) else None


class SystemEvent(Event):
    """Base class of the events Plugboard itself understands."""

    type: _t.ClassVar[str] = "system"


class StopEvent(SystemEvent):
    """Asks every component of the process to stop gracefully.

    Any component may queue it without declaring it. Events and values already queued are
    still handled, then every component ends and its `destroy()` runs.
    """

    type: _t.ClassVar[str] = "system.stop"
