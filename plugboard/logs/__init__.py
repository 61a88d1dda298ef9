"""Structured logs: lifecycle records of processes and components, human or JSON output."""

from plugboard.logs.formatting import (
    LOG_FORMATS,
    HumanFormatter,
    JsonFormatter,
    configure_logging,
)
from plugboard.logs.lifecycle import LIFECYCLE_LOGGER, LifecycleEvent, lifecycle_fields


__all__ = [
    "LIFECYCLE_LOGGER",
    "LOG_FORMATS",
    "HumanFormatter",
    "JsonFormatter",
    "LifecycleEvent",
    "configure_logging",
    "lifecycle_fields",
]
