"""The `@component` decorator: a plain function as a component."""

from __future__ import annotations

import functools
import inspect
import typing as _t

from plugboard.component.component import Component
from plugboard.component.io_controller import FieldDecl, IOController
from plugboard.exceptions import IOSetupError
from plugboard.schemas import ComponentArgsDict


_Fn = _t.Callable[..., _t.Any]


class FunctionComponent(Component):
    """Base of the component classes that `@component` makes from functions."""

    _function: _t.ClassVar[_Fn]
    _is_async: _t.ClassVar[bool]

    async def step(self) -> None:
        """Calls the function with the inputs and sets the outputs it returns."""
        values = self.__dict__
        kwargs = {field: values[field] for field in self.io._input_fields}
        result = self._function(**kwargs)
        if self._is_async:
            result = await result
        if result is None:
            return
        if not isinstance(result, _t.Mapping):
            raise TypeError(
                f"{self._function.__name__} must return a dict of outputs, got"
                f" {type(result).__name__}"
            )
        outputs = self.io._output_fields
        for field, value in result.items():
            if field not in outputs:
                raise IOSetupError(
                    f"{self._function.__name__} returned unknown output '{field}'"
                    f" (outputs: {', '.join(outputs) or 'none'})"
                )
            values[field] = value


class ComponentFunction[**P, R]:
    """A function decorated with `@component`: still callable, and able to make components.

    Attributes:
        component_cls: The component class wrapping the function.
    """

    def __init__(self, fn: _t.Callable[P, R], component_cls: type[FunctionComponent]) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        self.component_cls = component_cls

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Calls the original function."""
        return self._fn(*args, **kwargs)

    def component(self, **kwargs: _t.Unpack[ComponentArgsDict]) -> FunctionComponent:
        """Returns a new component that calls the function at each step."""
        return self.component_cls(**kwargs)


def component(
    inputs: FieldDecl = None, outputs: FieldDecl = None
) -> _t.Callable[[_t.Callable[..., _t.Any]], ComponentFunction[..., _t.Any]]:
    """Turns a function into a component class.

    The function receives the input fields as keyword arguments and returns a dict of output
    values. It may be sync or async.

    ```python
    @component(inputs=["a"], outputs=["b"])
    async def double(a: int) -> dict[str, int]:
        return {"b": 2 * a}

    comp = double.component(name="double")
    ```

    In YAML the type is the function's import path, e.g. `type: my_module.double`.

    Args:
        inputs: Input field names; default: the function's parameter names.
        outputs: Output field names.
    """

    def decorate(fn: _t.Callable[..., _t.Any]) -> ComponentFunction[..., _t.Any]:
        declared_inputs = inputs
        if declared_inputs is None:
            declared_inputs = list(inspect.signature(fn).parameters)
        namespace = {
            "io": IOController(inputs=declared_inputs, outputs=outputs),
            "_function": staticmethod(fn),
            "_is_async": inspect.iscoroutinefunction(fn),
            "_plugboard_type_path": f"{fn.__module__}.{fn.__qualname__}",
            "__module__": fn.__module__,
            "__doc__": fn.__doc__,
        }
        cls = type(fn.__name__, (FunctionComponent,), namespace)
        return ComponentFunction(fn, cls)

    return decorate
