"""Exceptions raised by Plugboard."""

from __future__ import annotations

import typing as _t


__all__ = [
    "ChannelClosedError",
    "ChannelError",
    "ComponentError",
    "FieldTypeError",
    "IOSetupError",
    "IOStreamClosedError",
    "NoMoreDataException",
    "NotFoundError",
    "NotInitialisedError",
    "PlugboardError",
    "ProcessError",
    "ProcessStatusError",
    "RegistryError",
    "UnrecognisedEventError",
    "ValidationError",
]


class PlugboardError(Exception):
    """Base class of every error Plugboard raises on purpose."""


class ChannelError(PlugboardError):
    """A channel could not carry a message."""


class ChannelClosedError(ChannelError):
    """The channel is closed: nothing more can be sent or received on it."""


class IOStreamClosedError(PlugboardError):
    """A component's IO has closed: its inputs are exhausted or it closed itself."""


class IOSetupError(PlugboardError):
    """A component's IO could not be set up (for example an unknown field)."""


class NotInitialisedError(PlugboardError):
    """An object was used before its `init()` was awaited."""


class UnrecognisedEventError(PlugboardError):
    """An event arrived at a component that has no handler for its type."""


class NoMoreDataException(PlugboardError):
    """A data source has no more data to give."""


class RegistryError(PlugboardError):
    """A type could not be found or registered."""


class NotFoundError(PlugboardError):
    """A requested record does not exist."""


class ProcessStatusError(PlugboardError):
    """A process was asked to do something its status does not allow."""


class ValidationError(PlugboardError):
    """A model specification or process is invalid.

    Attributes:
        errors: Every problem found, each a one-line message that says where it is.
    """

    def __init__(self, errors: _t.Sequence[str] | str) -> None:
        self.errors: list[str] = [errors] if isinstance(errors, str) else list(errors)
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.errors) == 1:
            return self.errors[0]
        lines = [f"{len(self.errors)} problems found:"]
        lines.extend(f"  - {error}" for error in self.errors)
        return "\n".join(lines)


class FieldTypeError(PlugboardError, TypeError):
    """A value sent on a typed field does not fit the field's type."""


class ComponentError(PlugboardError):
    """A component raised while it ran.

    Attributes:
        component: The name of the component that failed.
        original: The exception the component raised.
    """

    def __init__(self, component: str, original: BaseException) -> None:
        self.component = component
        self.original = original
        super().__init__(f"component '{component}' failed: {describe_error(original)}")


class ProcessError(PlugboardError):
    """A process run failed because a component raised.

    The first failing component is named, and the exception it raised is both available as
    `original` and chained as `__cause__`.

    Attributes:
        process: The name of the process.
        component: The name of the first component that failed.
        original: The exception that component raised.
        others: Names of further components that failed independently, if any.
    """

    def __init__(
        self,
        process: str,
        component: str,
        original: BaseException,
        others: _t.Sequence[str] = (),
    ) -> None:
        self.process = process
        self.component = component
        self.original = original
        self.others = list(others)
        message = f"component '{component}' failed: {describe_error(original)}"
        if self.others:
            message += f" (also failed: {', '.join(self.others)})"
        super().__init__(message)


def describe_error(error: BaseException) -> str:
    """`Type: message`, or just `Type` when the message is empty."""
    text = str(error)
    name = type(error).__name__
    return f"{name}: {text}" if text else name
