"""`ProcessBuilder`: from a spec to a ready-to-run process, checking everything first."""

from __future__ import annotations

import inspect
import os
from pathlib import Path
import typing as _t

from plugboard._imports import (
    ImportPathError,
    add_search_path,
    import_object,
    is_url,
    resolve_sqlite_url,
)
from plugboard.component import Component, ComponentFunction
from plugboard.connector import Connector, ConnectorBuilder
from plugboard.exceptions import IOSetupError, ValidationError
from plugboard.process.process import Process
from plugboard.schemas import ComponentArgsDict, ComponentSpec, ProcessSpec, TraceSpec
from plugboard.schemas.graph import GraphNode, check_graph
from plugboard.schemas.problems import Loc, Problem, render
from plugboard.state import StateBackend


if _t.TYPE_CHECKING:
    from plugboard.trace import Trace


_COMMON_ARGS = frozenset(ComponentArgsDict.__annotations__)


def is_path_arg(name: str) -> bool:
    """Whether an argument name marks a filesystem path that resolves beside the YAML."""
    return name in ("path", "file", "dir") or name.endswith(("_path", "_file", "_dir"))


def resolve_paths(args: dict[str, _t.Any], base_dir: Path | None) -> dict[str, _t.Any]:
    """Returns `args` with relative path arguments made relative to `base_dir`."""
    if base_dir is None:
        return dict(args)
    resolved = dict(args)
    for name, value in args.items():
        if name == "connection_string" and isinstance(value, str):
            resolved[name] = resolve_sqlite_url(value, base_dir)
            continue
        if is_path_arg(name) and isinstance(value, str) and value and not is_url(value):
            if value.startswith("~"):
                resolved[name] = os.path.expanduser(value)
            elif not os.path.isabs(value) and value != ":memory:":
                resolved[name] = str(base_dir / value)
    return resolved


class ProcessBuilder:
    """Builds processes from specs."""

    @classmethod
    def check(cls, spec: ProcessSpec, base_dir: Path | None = None) -> list[Problem]:
        """Finds every problem of a spec without building anything.

        Imports the component, connector, state and process types (with `base_dir` on the
        import path) but constructs nothing and opens nothing.

        Returns:
            Problems located relative to the process spec (`("args", "components", 0, ...)`).
        """
        add_search_path(base_dir)
        problems: list[Problem] = []
        nodes = []
        for i, comp in enumerate(spec.args.components):
            loc: Loc = ("args", "components", i)
            comp_cls = _resolve(comp.type, (*loc, "type"), problems, _component_class)
            io = None
            if comp_cls is not None:
                problems.extend(_check_args(comp_cls, comp, loc))
                problems.extend(_check_handlers(comp_cls, comp, loc))
                try:
                    io = comp_cls.resolve_io(comp.args.model_dump())
                except (TypeError, ValueError, IOSetupError) as exc:
                    problems.append(Problem((*loc, "args"), f"component '{comp.args.name}': {exc}"))
            nodes.append(
                GraphNode(
                    name=comp.args.name,
                    type_name=comp_cls.__name__ if comp_cls else comp.type,
                    inputs=io.input_types if io else None,
                    outputs=io.output_types if io else None,
                    primed=[f for f, values in comp.args.initial_values.items() if values],
                    fed_by_events=[
                        field
                        for _, fields in (comp_cls._event_handlers if comp_cls else {}).values()
                        for field in fields
                    ],
                )
            )
        problems.extend(p.prefixed(("args",)) for p in check_graph(nodes, spec.args.connectors))
        _resolve(
            spec.connector_builder.type,
            ("connector_builder", "type"),
            problems,
            _subclass_of(Connector, "a connector class"),
        )
        _resolve(
            spec.args.state.type,
            ("args", "state", "type"),
            problems,
            _subclass_of(StateBackend, "a state backend class"),
        )
        if spec.trace is not None and spec.trace.components is not None:
            names = {comp.args.name for comp in spec.args.components}
            problems.extend(
                Problem(("trace", "components", i), f"the trace names unknown component '{name}'")
                for i, name in enumerate(spec.trace.components)
                if name not in names
            )
        process_cls = _resolve(
            spec.type, ("type",), problems, _subclass_of(Process, "a process class")
        )
        if process_cls is not None:
            problems.extend(process_cls.check_spec(spec))
        return problems

    @classmethod
    def build(cls, spec: ProcessSpec, base_dir: str | Path | None = None) -> Process:
        """Builds a process from a spec.

        Args:
            spec: The process spec.
            base_dir: Folder of the YAML file: component modules are imported from there and
                relative path arguments (`path`, `*_path`, `*_file`, `*_dir`) resolve against it.

        Raises:
            ValidationError: Everything wrong with the spec, in one report.
        """
        folder = Path(base_dir).resolve() if base_dir is not None else None
        problems = cls.check(spec, folder)
        if problems:
            raise ValidationError(render(problems))
        components = []
        for comp in spec.args.components:
            comp_cls = _component_class(import_object(comp.type))
            args = comp.args.model_dump(exclude_defaults=True)
            components.append(
                _construct(f"component '{comp.args.name}'", comp_cls, resolve_paths(args, folder))
            )
        connector_cls = import_object(spec.connector_builder.type)
        builder = ConnectorBuilder(connector_cls, **spec.connector_builder.args)
        connectors = [
            _construct(f"connector {c.id}", builder.build, {"spec": c})
            for c in spec.args.connectors
        ]
        connectors.extend(builder.build_event_connectors(components))
        state_cls = import_object(spec.args.state.type)
        state_args = spec.args.state.args.model_dump(exclude_defaults=True)
        state = _construct("state", state_cls, resolve_paths(state_args, folder))
        process_cls: type[Process] = import_object(spec.type)
        process: Process = _construct(
            "process",
            process_cls.from_spec,
            {"spec": spec, "components": components, "connectors": connectors, "state": state},
        )
        if spec.trace is not None:
            process.trace = _build_trace(spec.trace, folder)
        return process


def _build_trace(spec: TraceSpec, base_dir: Path | None) -> Trace:
    """The trace of a spec, its file or SQLite database beside the YAML if relative."""
    from plugboard.trace import Trace

    resolved = spec.model_copy()
    if spec.path is not None:
        resolved.path = resolve_paths({"path": spec.path}, base_dir)["path"]
    if spec.url is not None and base_dir is not None:
        resolved.url = resolve_sqlite_url(spec.url, base_dir)
    trace: Trace = _construct("trace", Trace.from_spec, {"spec": resolved})
    return trace


def _construct(what: str, factory: _t.Callable[..., _t.Any], kwargs: dict[str, _t.Any]) -> _t.Any:
    """Calls a constructor; a bad argument value becomes a one-line validation error."""
    try:
        return factory(**kwargs)
    except ValidationError:
        raise
    except (TypeError, ValueError, IOSetupError) as exc:
        raise ValidationError(f"{what}: {exc}") from exc


def _resolve(
    path: str,
    loc: Loc,
    problems: list[Problem],
    convert: _t.Callable[[_t.Any], _t.Any],
) -> _t.Any:
    try:
        return convert(import_object(path))
    except ImportPathError as exc:
        problems.append(Problem(loc, f"unknown type '{path}': {exc}"))
    except TypeError as exc:
        problems.append(Problem(loc, f"type '{path}' {exc}"))
    return None


def component_class_or_none(path: str) -> type[Component] | None:
    """Imports a component class (or `@component` function) by path; None if impossible."""
    try:
        return _component_class(import_object(path))
    except (ImportPathError, TypeError):
        return None


def _component_class(obj: _t.Any) -> type[Component]:
    if isinstance(obj, ComponentFunction):
        return obj.component_cls
    if isinstance(obj, type) and issubclass(obj, Component):
        return obj
    raise TypeError("is not a Component class or a @component function")


def _subclass_of(base: type, what: str) -> _t.Callable[[_t.Any], type]:
    def convert(obj: _t.Any) -> type:
        if isinstance(obj, type) and issubclass(obj, base):
            return obj
        raise TypeError(f"is not {what}")

    return convert


def _check_handlers(comp_cls: type[Component], comp: ComponentSpec, loc: Loc) -> list[Problem]:
    """Every event a component subscribes to needs a handler."""
    return [
        Problem(
            (*loc, "type"),
            f"{comp_cls.__name__} '{comp.args.name}' subscribes to event '{event.type}' but has"
            f" no handler for it: decorate a method with @{event.__name__}.handler",
        )
        for event in comp_cls.io.input_events
        if event.type not in comp_cls._event_handlers
    ]


def _check_args(comp_cls: type[Component], comp: ComponentSpec, loc: Loc) -> list[Problem]:
    """Checks the spec's arguments against the constructor chain of the component class."""
    accepted: set[str] = set(_COMMON_ARGS)
    required: set[str] = set()
    open_ended = False
    for klass in comp_cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        params = inspect.signature(init).parameters.values()
        forwards = False
        for param in list(params)[1:]:
            if param.kind is param.VAR_KEYWORD:
                forwards = True
            elif param.kind is not param.VAR_POSITIONAL:
                accepted.add(param.name)
                if param.default is param.empty and param.name not in _COMMON_ARGS:
                    required.add(param.name)
        if not forwards:
            open_ended = klass is not Component and not issubclass(klass, Component)
            break
    given = set(comp.args.model_dump(exclude_defaults=True)) | {"name"}
    problems = []
    name = comp.args.name
    if not open_ended:
        for arg in sorted(given - accepted):
            problems.append(
                Problem(
                    (*loc, "args", arg),
                    f"{comp_cls.__name__} '{name}': unknown argument '{arg}'"
                    f" (accepted: {', '.join(sorted(accepted - _COMMON_ARGS)) or 'none'})",
                )
            )
    for arg in sorted(required - given):
        problems.append(
            Problem((*loc, "args"), f"{comp_cls.__name__} '{name}': missing argument '{arg}'")
        )
    return problems
