"""Events: typed messages published on topics, handled by decorated component methods."""

from plugboard.events.event import EVENT_TYPE_PATTERN, Event, HandlerInfo, StopEvent, SystemEvent


__all__ = ["EVENT_TYPE_PATTERN", "Event", "HandlerInfo", "StopEvent", "SystemEvent"]
