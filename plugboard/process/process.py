"""`Process`: components and the links between them, run as one model."""

from __future__ import annotations

from abc import ABC, abstractmethod
import logging
from pathlib import Path
import typing as _t

import yaml

from plugboard.component import Component
from plugboard.connector import AsyncioConnector, Connector
from plugboard.exceptions import ValidationError
from plugboard.logs.lifecycle import (
    LIFECYCLE_LOGGER,
    LifecycleEvent,
    lifecycle_level,
    log_lifecycle,
)
from plugboard.schemas import ConnectorSpec, ProcessSpec, Status
from plugboard.schemas.graph import GraphNode, check_graph
from plugboard.schemas.problems import Problem, render
from plugboard.state import DictStateBackend, StateBackend


if _t.TYPE_CHECKING:
    from plugboard.trace import Trace


PREFECT_PROCESS = "plugboard_prefect.PrefectProcess"
_LIFECYCLE = logging.getLogger(LIFECYCLE_LOGGER)


class Process(ABC):
    """A model: named components and the connectors between them.

    Construction only stores and checks the wiring; nothing is opened until `init()`.

    Args:
        components: The components.
        connectors: The links between their fields.
        name: Name of the process.
        parameters: Parameters shared by every component (a component's own win).
        state: Where to record the run; in memory by default.
        trace: Where to record every component step (see `plugboard.trace.Trace`); off by
            default.

    Raises:
        ValidationError: Duplicate names, connectors naming unknown components or fields,
            unconnected inputs or feedback loops without initial values.
    """

    def __init__(
        self,
        components: _t.Iterable[Component],
        connectors: _t.Iterable[Connector] = (),
        name: str | None = None,
        parameters: dict[str, _t.Any] | None = None,
        state: StateBackend | None = None,
        trace: Trace | None = None,
    ) -> None:
        component_list = list(components)
        connector_list = list(connectors)
        _check_wiring(component_list, connector_list)
        connector_list.extend(_missing_event_connectors(component_list, connector_list))
        self.name: str = name or "process"
        self.components: dict[str, Component] = {c.name: c for c in component_list}
        self.connectors: dict[str, Connector] = {c.id: c for c in connector_list}
        self.parameters: dict[str, _t.Any] = dict(parameters or {})
        self._state: StateBackend = state if state is not None else DictStateBackend()
        self.status: Status = Status.CREATED
        self.started_at: str | None = None
        self.ended_at: str | None = None
        self.trace: Trace | None = trace
        """The trace recording this process's steps, if any."""
        self._log_event(LifecycleEvent.CREATED, components=len(self.components))

    @classmethod
    def from_spec(
        cls,
        spec: ProcessSpec,
        components: list[Component],
        connectors: list[Connector],
        state: StateBackend,
    ) -> Process:
        """Constructs the process of a spec from its built parts.

        Process types with options of their own in the spec (such as `prefect:` sections)
        override this to read them.
        """
        return cls(
            components=components,
            connectors=connectors,
            name=spec.args.name,
            parameters=spec.args.parameters,
            state=state,
        )

    @classmethod
    def check_spec(cls, spec: ProcessSpec) -> list[Problem]:
        """Finds problems in the parts of a spec that only this process type reads.

        Returns:
            Problems located relative to the process spec.
        """
        problems = []
        if spec.prefect is not None:
            problems.append(
                Problem(("prefect",), f"'prefect:' options need type: {PREFECT_PROCESS}")
            )
        for i, comp in enumerate(spec.args.components):
            if comp.prefect is not None:
                problems.append(
                    Problem(
                        ("args", "components", i, "prefect"),
                        f"component '{comp.args.name}': 'prefect:' options need the process"
                        f" type {PREFECT_PROCESS}",
                    )
                )
        return problems

    @property
    def state(self) -> StateBackend:
        """The state backend recording this process."""
        return self._state

    @property
    def job_id(self) -> str:
        """The job this run belongs to."""
        return self._state.job_id

    @property
    def id(self) -> str:
        """Unique id of this process within its job: `job_id:name`."""
        return f"{self._state.job_id}:{self.name}"

    def _lifecycle_logger(
        self, component: Component | None
    ) -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
        """Where lifecycle records go; process types with run loggers of their own override it."""
        return _LIFECYCLE

    def _log_event(
        self,
        event: LifecycleEvent,
        component: Component | None = None,
        error: BaseException | None = None,
        **details: _t.Any,
    ) -> None:
        """Logs a lifecycle event of the process, or of one of its components."""
        logger = self._lifecycle_logger(component)
        if not logger.isEnabledFor(lifecycle_level(event)):
            return
        log_lifecycle(
            logger,
            event,
            job_id=self.job_id,
            process=self.name,
            component=component.name if component is not None else None,
            error=error,
            **details,
        )

    @abstractmethod
    async def init(self) -> None:
        """Connects the components and runs their `init()`."""

    @abstractmethod
    async def step(self) -> None:
        """Steps every component once."""

    @abstractmethod
    async def run(self, max_steps: int | None = None, timeout: float | None = None) -> None:
        """Runs every component until the model's work ends.

        Args:
            max_steps: Stop each source (a component without inputs) after this many steps.
            timeout: Stop the whole model gracefully after this many seconds.
        """

    @abstractmethod
    def stop(self) -> None:
        """Asks every component to stop gracefully (what a `StopEvent` does)."""

    @abstractmethod
    async def destroy(self) -> None:
        """Runs every component's `destroy()` and closes the state backend."""

    async def __aenter__(self) -> _t.Self:
        try:
            await self.init()
        except BaseException as error:
            await self._destroy_after(error)
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if exc is None:
            await self.destroy()
        else:
            await self._destroy_after(exc)

    async def _destroy_after(self, error: BaseException) -> None:
        """Destroys after a failure; a failing `destroy()` must not hide the first error."""
        try:
            await self.destroy()
        except Exception as destroy_error:
            error.add_note(f"while cleaning up, destroy() also failed: {destroy_error}")

    def export(self) -> dict[str, _t.Any]:
        """Returns the process as a `ProcessSpec`-shaped dict."""
        connectors = [c for c in self.connectors.values() if c.spec.mode == "pipeline"]
        builder: dict[str, _t.Any] = {}
        if connectors:
            first = connectors[0]
            cls = type(first)
            if any(type(c) is not cls or c._kwargs != first._kwargs for c in connectors):
                raise ValueError(
                    f"cannot write process '{self.name}' as YAML: its connectors differ in"
                    " class or arguments, and a YAML file has one connector_builder for all"
                )
            if cls is not AsyncioConnector or first._kwargs != _default_kwargs(first):
                builder = {"type": _public_path(cls), "args": dict(first._kwargs)}
        args: dict[str, _t.Any] = {}
        if self.name != "process":
            args["name"] = self.name
        args["components"] = [c.export() for c in self.components.values()]
        args["connectors"] = [c.export() for c in connectors]
        if self.parameters:
            args["parameters"] = self.parameters
        if not isinstance(self._state, DictStateBackend) or self._state.export()["args"]:
            args["state"] = self._state.export()
        spec: dict[str, _t.Any] = {}
        if type(self).__module__ != "plugboard.process.local_process":
            spec["type"] = _public_path(type(self))
        if builder:
            spec["connector_builder"] = builder
        spec["args"] = args
        if self.trace is not None:
            spec["trace"] = self.trace.export()
        return spec

    def dump(self, path: str | Path) -> None:
        """Writes the process as a YAML configuration file that `ProcessBuilder` can rebuild.

        Raises:
            ValueError: An argument of a component cannot be written as YAML.
        """
        data = {"plugboard": {"process": self.export()}}
        try:
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        except yaml.representer.RepresenterError as exc:
            raise ValueError(
                f"cannot write process '{self.name}' as YAML: {exc.args[-1]!r} is not a"
                " plain value (use numbers, strings, lists and dicts as arguments)"
            ) from None
        Path(path).write_text(text, encoding="utf-8")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, components={len(self.components)})"


def _default_kwargs(connector: Connector) -> dict[str, _t.Any]:
    probe = type(connector)(spec=connector.spec)
    return probe._kwargs


def _public_path(cls: type) -> str:
    module = cls.__module__
    if module.startswith("plugboard."):
        package = ".".join(module.split(".")[:2])
        if getattr(__import__(package, fromlist=["_"]), cls.__qualname__, None) is cls:
            module = package
    return f"{module}.{cls.__qualname__}"


def _missing_event_connectors(
    components: list[Component], connectors: list[Connector]
) -> list[Connector]:
    """Topics for event types that no given connector carries, linked in-process."""
    wired = {c.spec.source.entity for c in connectors if c.spec.mode == "pubsub"}
    builder = next(
        (type(c).builder(**c._kwargs) for c in connectors if c.spec.mode == "pipeline"),
        AsyncioConnector.builder(),
    )
    return [
        c for c in builder.build_event_connectors(components) if c.spec.source.entity not in wired
    ]


def _fed_by_events(cls: type[Component]) -> list[str]:
    return [field for _, fields in cls._event_handlers.values() for field in fields]


def _check_wiring(components: list[Component], connectors: list[Connector]) -> None:
    nodes = [
        GraphNode(
            name=c.name,
            type_name=type(c).__name__,
            inputs=c.io.input_types,
            outputs=c.io.output_types,
            primed=[f for f, values in c.initial_values.items() if values],
            fed_by_events=_fed_by_events(type(c)),
        )
        for c in components
    ]
    specs: list[ConnectorSpec] = [c.spec for c in connectors]
    problems = check_graph(nodes, specs)
    if problems:
        raise ValidationError(render(problems))
