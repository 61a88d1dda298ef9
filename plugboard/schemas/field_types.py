"""Typed fields: compatibility of linked fields and validation of the values they carry."""

from __future__ import annotations

import functools
import types
import typing as _t

import pydantic

from plugboard.exceptions import FieldTypeError


def is_typed(type_: _t.Any) -> bool:
    """Whether a field declares a type (untyped fields are `typing.Any`)."""
    return type_ is not _t.Any


def type_label(type_: _t.Any) -> str:
    """A short readable name of a type: `float`, `Reading`, `list[int]`."""
    if isinstance(type_, type) and not _t.get_args(type_):
        return type_.__name__
    return repr(type_).replace("typing.", "")


def _members(type_: _t.Any) -> tuple[_t.Any, ...]:
    origin = _t.get_origin(type_)
    if origin is _t.Union or origin is types.UnionType:
        return _t.get_args(type_)
    return (type_,)


def compatible(source: _t.Any, target: _t.Any) -> bool:
    """Whether values of field type `source` can feed a field of type `target`.

    Untyped fields match anything. Plain classes match when the source is the target or a
    subclass of it (an `int` may feed a `float`); for other type forms only equality is
    checked here, and values are still validated when they are sent.
    """
    if not is_typed(source) or not is_typed(target) or source == target:
        return True
    targets = _members(target)
    for member in _members(source):
        if not isinstance(member, type) or _t.get_args(member):
            continue
        if not any(_accepts(t, member) for t in targets):
            return False
    return True


def _accepts(target: _t.Any, source: type) -> bool:
    if target is _t.Any or not isinstance(target, type) or _t.get_args(target):
        return True
    if target is float and source is int:
        return True
    return issubclass(source, target)


@functools.lru_cache(maxsize=512)
def adapter(type_: _t.Any) -> pydantic.TypeAdapter[_t.Any]:
    """A cached pydantic `TypeAdapter` for a field type."""
    return pydantic.TypeAdapter(type_)


class FieldCheck(_t.NamedTuple):
    """Validates values sent from one output field, naming where they go."""

    adapter: pydantic.TypeAdapter[_t.Any]
    type_: _t.Any
    where: str

    def validate(self, component: str, value: _t.Any) -> _t.Any:
        """Returns the value validated (and coerced) to the field's type.

        Raises:
            FieldTypeError: The value does not fit; the message names the component, the
                field and the value (truncated).
        """
        try:
            return self.adapter.validate_python(value)
        except pydantic.ValidationError as exc:
            reason = exc.errors(include_url=False)[0]["msg"] if exc.errors() else str(exc)
            shown = repr(value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            raise FieldTypeError(
                f"component '{component}' {self.where}: value {shown}"
                f" ({type(value).__name__}) is not a valid {type_label(self.type_)}: {reason}"
            ) from None
