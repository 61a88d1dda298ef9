"""`Component`: the base class of every model building block."""

from __future__ import annotations

import functools
import inspect
import logging
import re
import typing as _t

from plugboard.component.io_controller import _NO_HANDLERS, BoundHandler, IOController
from plugboard.events.event import handler_info
from plugboard.exceptions import IOSetupError, IOStreamClosedError
from plugboard.schemas import COMPONENT_NAME_PATTERN, ComponentArgsDict, Status


if _t.TYPE_CHECKING:
    from plugboard.state import StateBackend
    from plugboard.trace._recorder import Recorder

_NAME = re.compile(COMPONENT_NAME_PATTERN)
_COMMON_ARGS = frozenset(ComponentArgsDict.__annotations__)
_StepFn = _t.Callable[["Component"], _t.Coroutine[_t.Any, _t.Any, None]]


class Component:
    """A stateful building block of a model.

    Subclasses declare their fields with a class attribute `io = IOController(...)`, implement
    `step()` (and optionally `init()` and `destroy()`), and take their own constructor
    arguments plus `**kwargs: Unpack[ComponentArgsDict]` passed on to `super().__init__`.

    During a step, inputs are read as attributes (`self.in_1`) and outputs are set as
    attributes (`self.out_1 = value`); the framework reads every input before the step and
    sends every output after it.

    The keyword arguments every component takes (`ComponentArgsDict`) are `name` (unique in
    its process), `initial_values` (values fed to input fields before anything arrives on
    their channels, e.g. to start a feedback loop), `parameters` (merged over the process's
    parameters), `state` (a state backend, usually set by the process) and `constraints`.
    """

    io: IOController = IOController()
    """The component's declared fields (merged with those of its base classes)."""
    exports: _t.ClassVar[list[str] | None] = None
    """Names of attributes recorded in the state backend besides the IO fields."""

    _init_args: tuple[tuple[_t.Any, ...], dict[str, _t.Any]]
    _io_declared: _t.ClassVar[bool] = False
    _raw_step: _t.ClassVar[_StepFn]
    _event_handlers: _t.ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {}
    _trace: Recorder | None = None  # set on the instance while a trace records it

    def __init_subclass__(cls, **kwargs: _t.Any) -> None:
        super().__init_subclass__(**kwargs)
        own_io = cls.__dict__.get("io")
        if own_io is not None:
            if not isinstance(own_io, IOController):
                raise IOSetupError(f"{cls.__qualname__}.io must be an IOController")
            parent_io = _parent_io(cls)
            cls.io = own_io.merged_with(parent_io) if parent_io is not None else own_io
            cls._io_declared = True
            _check_field_names(cls, cls.io)
        cls._event_handlers = _collect_handlers(cls)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_plugboard_wrapped", False):
            cls._raw_step = step
            setattr(cls, "step", _wrap_step(step))  # noqa: B010 - replaces the method

    def __new__(cls, *args: _t.Any, **kwargs: _t.Any) -> _t.Self:
        """Creates the component, remembering its constructor arguments for `export()`."""
        self = super().__new__(cls)
        # Kept so that a process can be written back out as YAML with the same arguments.
        self._init_args = (args, kwargs)
        return self

    def __init__(self, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        unknown = kwargs.keys() - _COMMON_ARGS
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected arguments: {', '.join(sorted(unknown))}"
            )
        name = kwargs.get("name")
        if not isinstance(name, str) or _NAME.match(name) is None:
            raise IOSetupError(
                f"invalid component name {name!r}: names start with a letter or underscore"
                " and contain only letters, digits, '_' and '-'"
            )
        cls = type(self)
        if not cls._io_declared:
            raise IOSetupError(
                f"{cls.__qualname__} declares no IO: add a class attribute"
                " `io = IOController(inputs=[...], outputs=[...])`"
            )
        self.name: str = name
        self.initial_values: dict[str, list[_t.Any]] = {
            field: list(values) for field, values in (kwargs.get("initial_values") or {}).items()
        }
        self._own_parameters: dict[str, _t.Any] = dict(kwargs.get("parameters") or {})
        self.parameters: dict[str, _t.Any] = dict(self._own_parameters)
        self.constraints: dict[str, _t.Any] = dict(kwargs.get("constraints") or {})
        self._state: StateBackend | None = kwargs.get("state")
        self.status: Status = Status.CREATED
        self.step_count: int = 0
        self.max_steps: int | None = None
        self.error: BaseException | None = None
        self._in_step = False
        self._replay = False
        self._logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None
        declared = self._io_declaration()
        if declared is not cls.io:
            _check_field_names(cls, declared)
        io = declared.bind(self, self._bind_handlers(declared))
        self.io: IOController = io
        values = self.__dict__
        for field in io._input_fields:
            values[field] = None
        for field in io._output_fields:
            values[field] = None

    @classmethod
    def io_for(cls, args: _t.Mapping[str, _t.Any]) -> IOController:
        """The IO a component of this class has when built with `args`.

        Most classes declare fixed IO (the class's `io`); classes whose fields depend on
        their arguments (like `FileReader(field_names=...)`) override this, so that specs can
        be checked without constructing anything.
        """
        return cls.io

    @classmethod
    def resolve_io(cls, args: _t.Mapping[str, _t.Any]) -> IOController:
        """`io_for(args)`, with its field names checked as the class's own `io` is.

        Raises:
            IOSetupError: A field name clashes with a Component attribute.
        """
        io = cls.io_for(args)
        if io is not cls.io:
            _check_field_names(cls, io)
        return io

    def _io_declaration(self) -> IOController:
        args, kwargs = self._init_args
        return type(self).resolve_io(kwargs) if not args else type(self).io

    def _bind_handlers(self, declared: IOController) -> _t.Mapping[str, BoundHandler]:
        cls = type(self)
        handlers = cls._event_handlers
        if not declared.input_events:
            return _NO_HANDLERS
        inputs = declared._input_fields
        bound: dict[str, BoundHandler] = {}
        for event in declared.input_events:
            entry = handlers.get(event.type)
            if entry is None:
                raise IOSetupError(
                    f"{cls.__qualname__} '{self.name}' subscribes to event '{event.type}' but"
                    f" has no handler for it: decorate a method with @{event.__name__}.handler"
                )
            method_name, populates = entry
            unknown = [field for field in populates if field not in inputs]
            if unknown:
                raise IOSetupError(
                    f"{cls.__qualname__}.{method_name} populates unknown input fields {unknown}"
                )
            bound[event.type] = (getattr(self, method_name), populates)
        return bound

    @property
    def id(self) -> str:
        """The component's identifier (its name)."""
        return self.name

    @property
    def state(self) -> StateBackend | None:
        """The state backend the component is recorded in, if any."""
        return self._state

    def set_process_parameters(self, parameters: _t.Mapping[str, _t.Any]) -> None:
        """Merges process-level parameters under the component's own (which win)."""
        self.parameters = {**parameters, **self._own_parameters}

    async def connect_state(self, state: StateBackend | None = None) -> None:
        """Records the component in a state backend."""
        if state is not None:
            self._state = state
        if self._state is not None:
            await self._state.upsert_component(self)

    async def init(self) -> None:
        """Prepares the component before it runs: open files, connect to services."""

    async def step(self) -> None:
        """Takes one step: reads inputs, computes, sets outputs."""

    async def run(self) -> None:
        """Steps until the IO closes (inputs exhausted, or the component closed itself)."""
        if self._trace is not None:
            # Traced: the same loop with a record per step (checked once, not per step).
            await self._trace.run(self)
            return
        # The body of the step wrapper, inlined: this loop is the hot path of every model.
        raw_step = type(self)._raw_step
        io = self.io
        limit = self.max_steps
        try:
            while not io._halt and (limit is None or self.step_count < limit):
                if self._replay:
                    self._replay = False
                elif not io.read_now():
                    await io.read_rest()
                self._in_step = True
                try:
                    await raw_step(self)
                except IOStreamClosedError:
                    raise
                except BaseException:  # an error, or a timeout cancelling the step
                    self._replay = True
                    raise
                finally:
                    self._in_step = False
                if not io.write_now():
                    await io.write_rest()
                self.step_count += 1
        except IOStreamClosedError:
            pass

    async def destroy(self) -> None:
        """Releases what `init()` acquired; always runs after the component ran or failed."""

    async def on_retry(self, error: Exception) -> None:
        """Recovers before a failed step is retried (under a process type that retries).

        The component keeps its state, and the step that raised runs again with the same
        inputs; nothing it would have sent was sent. Override this to reconnect to a service
        or reset what the failed attempt left half done.

        Args:
            error: What the failed attempt raised.
        """

    @property
    def logger(self) -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
        """The component's logger (`plugboard.component.<name>`, or its run's logger)."""
        if self._logger is None:
            self._logger = logging.getLogger(f"plugboard.component.{self.name}")
        return self._logger

    @logger.setter
    def logger(self, logger: logging.Logger | logging.LoggerAdapter[logging.Logger]) -> None:
        self._logger = logger

    def export(self) -> dict[str, _t.Any]:
        """Returns the component as a spec dict: its import path and constructor arguments."""
        return {"type": _type_path(type(self)), "args": self._export_args()}

    def _export_args(self) -> dict[str, _t.Any]:
        args, kwargs = self._init_args
        if args:
            bound = inspect.signature(type(self).__init__).bind_partial(None, *args, **kwargs)
            merged = dict(bound.arguments)
            merged.pop(next(iter(merged)))
            extra = merged.pop("kwargs", {})
            kwargs = {**merged, **extra}
        return {key: value for key, value in kwargs.items() if key != "state"}

    def io_values(self) -> dict[str, dict[str, _t.Any]]:
        """Returns the latest value of every input and output field."""
        values = self.__dict__
        return {
            "inputs": {field: values.get(field) for field in self.io._input_fields},
            "outputs": {field: values.get(field) for field in self.io._output_fields},
        }

    def exported_values(self) -> dict[str, _t.Any]:
        """Returns the attributes named in `exports`."""
        return {name: getattr(self, name, None) for name in (self.exports or [])}

    def __getattr__(self, name: str) -> _t.Any:
        # Only reached when normal lookup fails: say which fields do exist.
        if name.startswith("__") or "io" not in self.__dict__:
            raise AttributeError(name)
        io = self.__dict__["io"]
        raise AttributeError(
            f"{type(self).__name__} '{self.__dict__.get('name', '?')}' has no attribute"
            f" '{name}' (inputs: {', '.join(io.inputs) or 'none'};"
            f" outputs: {', '.join(io.outputs) or 'none'})"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.__dict__.get('name')!r})"


def _collect_handlers(cls: type) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Finds `@Event.handler` methods along the class's MRO; subclasses override bases."""
    handlers: dict[str, tuple[str, tuple[str, ...]]] = {}
    for klass in reversed(cls.__mro__):
        for attr_name, attr in vars(klass).items():
            info = handler_info(attr)
            if info is not None:
                handlers[info.event.type] = (attr_name, info.populates_fields)
    return handlers


def _parent_io(cls: type) -> IOController | None:
    for base in cls.__mro__[1:]:
        if base is Component:
            return None
        if isinstance(base, type) and issubclass(base, Component) and base._io_declared:
            return base.io
    return None


_RESERVED = frozenset(
    {
        "name",
        "io",
        "id",
        "state",
        "status",
        "parameters",
        "initial_values",
        "constraints",
        "error",
        "step_count",
        "max_steps",
        "exports",
        "logger",
    }
)


def _check_field_names(cls: type[Component], io: IOController) -> None:
    for field in [*io.inputs, *io.outputs]:
        if field in _RESERVED or field.startswith("_") or callable(getattr(cls, field, None)):
            hint = getattr(cls, "_field_name_hint", "")
            raise IOSetupError(
                f"{cls.__qualname__}: field name '{field}' clashes with a Component attribute{hint}"
            )


def _wrap_step(step: _StepFn) -> _StepFn:
    """Makes `step()` read inputs before and send outputs after the user's step."""

    @functools.wraps(step)
    async def wrapped(self: Component) -> None:
        if self._in_step:
            # A subclass calling super().step(): the outer call already does the IO.
            await step(self)
            return
        io = self.io
        if self._replay:
            # The previous attempt of this step raised: run it again on the same inputs.
            self._replay = False
        elif not io.read_now():
            await io.read_rest()
        self._in_step = True
        try:
            await step(self)
        except IOStreamClosedError:
            raise
        except BaseException:  # an error, or a timeout cancelling the step
            self._replay = True
            raise
        finally:
            self._in_step = False
        if not io.write_now():
            await io.write_rest()
        self.step_count += 1

    wrapped._plugboard_wrapped = True  # type: ignore[attr-defined]
    return wrapped


def _type_path(cls: type) -> str:
    path = getattr(cls, "_plugboard_type_path", None)
    if isinstance(path, str):
        return path
    return f"{cls.__module__}.{cls.__qualname__}"


# Components that only handle events need no `step` of their own, but still read and write.
Component._raw_step = Component.step
setattr(Component, "step", _wrap_step(Component.step))  # noqa: B010
