"""`PrefectProcess`: a process whose components run as Prefect task runs of one flow run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
import typing as _t

from prefect import Flow, Task, get_run_logger
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.context import FlowRunContext, SyncClientContext
from prefect.exceptions import MissingContextError
from prefect.states import Cancelled
import pydantic

from plugboard.component import Component
from plugboard.connector import Connector
from plugboard.exceptions import ValidationError
from plugboard.logs.lifecycle import LifecycleEvent
from plugboard.process import LocalProcess, Process
from plugboard.schemas import ProcessSpec, Status
from plugboard.schemas.loading import schema_problems
from plugboard.schemas.problems import Loc, Problem
from plugboard.state import StateBackend
from plugboard_prefect.observe import RunObserver
from plugboard_prefect.options import ProcessOptions, TaskOptions, merged_options


if _t.TYPE_CHECKING:
    from plugboard.trace import Trace


_START_GRACE_SECONDS = 10.0
"""How long a failure waits for the other component task runs to have started."""

TAGS = ("plugboard",)
"""The one tag on every component task run (each distinct tag set costs a server call)."""


class PrefectProcess(LocalProcess):
    """Runs a model as a Prefect flow run, each component as one task run.

    The same interface as `LocalProcess`: build it in Python or name it as `type:` in YAML.
    Component tasks run on the flow's own event loop (awaited together, never submitted to
    a thread pool), so channels stay in-process and cancellation reaches every component.
    Outside a flow, `run()` starts a flow run named after the process; inside one (as in the
    ready-made `flows/` entrypoint), the components become task runs of that flow run.

    Args:
        components: The components.
        connectors: The links between their fields.
        name: Name of the process, of its flow and of its flow run.
        parameters: Parameters shared by every component.
        state: Where to record the run.
        options: Process-wide Prefect options (the YAML's process-level `prefect:` mapping).
        task_options: Per-component task options by component name (the YAML's component
            `prefect:` mappings), over `options.defaults`.
        trace: Where to record every component step (see `plugboard.trace.Trace`).

    Raises:
        ValidationError: Invalid options, or options for components that do not exist.
    """

    sigterm_handler: _t.Callable[[], None] | None = None
    """What SIGTERM does while a flow run that `run()` started itself is running.

    Prefect replaces the SIGTERM handler for the length of a flow run, so a caller that
    handles SIGTERM on the event loop (as `plugboard process run` does) sets its handler here
    to keep it in force during and after the flow. Unset, a first SIGTERM stops the process
    gracefully and a second cancels it.
    """

    def __init__(
        self,
        components: _t.Iterable[Component],
        connectors: _t.Iterable[Connector] = (),
        name: str | None = None,
        parameters: dict[str, _t.Any] | None = None,
        state: StateBackend | None = None,
        options: ProcessOptions | _t.Mapping[str, _t.Any] | None = None,
        task_options: _t.Mapping[str, TaskOptions | _t.Mapping[str, _t.Any]] | None = None,
        trace: Trace | None = None,
    ) -> None:
        super().__init__(components, connectors, name, parameters, state, trace)
        try:
            self.options = (
                options
                if isinstance(options, ProcessOptions)
                else ProcessOptions.model_validate(options or {})
            )
            own = dict(task_options or {})
            unknown = sorted(set(own) - set(self.components))
            if unknown:
                raise ValidationError(f"task_options for unknown components: {unknown}")
            self.task_options: dict[str, TaskOptions] = {
                name: merged_options(self.options.defaults, own.get(name))
                for name in self.components
            }
        except pydantic.ValidationError as exc:
            raise ValidationError([p.message for p in schema_problems(exc)]) from None
        self._attempt_errors: dict[str, Exception] = {}
        self._failing = False
        self._entered = 0
        self._all_entered = asyncio.Event()
        self._observer: RunObserver | None = None

    @classmethod
    def from_spec(
        cls,
        spec: ProcessSpec,
        components: list[Component],
        connectors: list[Connector],
        state: StateBackend,
    ) -> Process:
        """Constructs the process of a spec, reading its `prefect:` sections."""
        return cls(
            components=components,
            connectors=connectors,
            name=spec.args.name,
            parameters=spec.args.parameters,
            state=state,
            options=spec.prefect,
            task_options={c.args.name: c.prefect for c in spec.args.components if c.prefect},
        )

    @classmethod
    def check_spec(cls, spec: ProcessSpec) -> list[Problem]:
        """Checks the process-level and per-component `prefect:` mappings."""
        problems: list[Problem] = []
        sections: list[tuple[Loc, _t.Any, type[pydantic.BaseModel]]] = [
            (("prefect",), spec.prefect, ProcessOptions)
        ]
        sections.extend(
            (("args", "components", i, "prefect"), comp.prefect, TaskOptions)
            for i, comp in enumerate(spec.args.components)
        )
        for loc, section, model in sections:
            if section is None:
                continue
            try:
                model.model_validate(section)
            except pydantic.ValidationError as exc:
                problems.extend(
                    Problem((*loc, *p.loc), f"prefect options: {p.message}")
                    for p in schema_problems(exc)
                )
        return problems

    async def run(self, max_steps: int | None = None, timeout: float | None = None) -> None:
        """Runs the model as a flow run (or inside the current one).

        Raises:
            ProcessError: A component failed (after its retries); the flow run is Failed.
        """
        if FlowRunContext.get() is not None:
            await self._run_in_flow(max_steps, timeout)
            return
        process_flow = Flow(
            self._run_own_flow,
            name=self.name,
            flow_run_name=self.name,
            validate_parameters=False,
            persist_result=False,
        )
        # One API client for the whole flow run: Prefect otherwise builds a new one (and a new
        # SSL context) for each of its own look-ups while the flow starts and ends.
        with SyncClientContext.get_or_create():
            await process_flow(max_steps, timeout)

    async def _run_own_flow(self, max_steps: int | None, timeout: float | None) -> None:
        # A flow run we started ourselves has no runner to cancel it: Prefect's SIGTERM bridge
        # would raise inside whatever coroutine happens to run. Stop gracefully instead.
        with _graceful_sigterm(self):
            await self._run_in_flow(max_steps, timeout)

    async def _run_in_flow(self, max_steps: int | None, timeout: float | None) -> None:
        self._failing = False
        self._attempt_errors.clear()
        self._entered = 0
        self._all_entered = asyncio.Event()
        observer = self._observer = RunObserver(self, self.options.progress_interval_seconds)
        # Publishing the diagram must not delay the components: do it while they start.
        publishing = asyncio.create_task(observer.started())
        try:
            await LocalProcess.run(self, max_steps=max_steps, timeout=timeout)
        finally:
            await publishing
            await observer.finished()

    def _lifecycle_logger(
        self, component: Component | None
    ) -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
        # Inside a flow or task run, lifecycle records go to that run's logger (and so to the
        # Prefect UI); outside one (building, destroying), to the usual logger.
        try:
            return get_run_logger()
        except MissingContextError:
            return super()._lifecycle_logger(component)

    async def _run_component(self, component: Component, failed: list[Component]) -> None:
        options = self.task_options[component.name]
        class_name = type(component).__name__

        async def body(component: Component, options: TaskOptions) -> State[_t.Any] | None:
            return await self._task_body(component, options)

        # Prefect keys task runs by the function's name: make it the component's class.
        body.__name__ = body.__qualname__ = class_name
        component_task = Task(
            body,
            name=class_name,
            task_run_name=component.name,
            retries=options.retries,
            retry_delay_seconds=options.retry_delay_seconds,
            timeout_seconds=options.timeout_seconds,
            cache_policy=NO_CACHE,
            persist_result=False,
            tags=list(TAGS),
        )
        observer = self._observer
        assert observer is not None
        state: State[_t.Any] = await _t.cast(
            _t.Awaitable[State[_t.Any]], component_task(component, options, return_state=True)
        )
        if state.is_completed():
            component.status = Status.COMPLETED
            self._log_event(LifecycleEvent.COMPLETED, component, steps=component.step_count)
            await component.io.close()
            await observer.component_finished(component)
        elif state.is_cancelled():
            component.status = Status.STOPPED
            await observer.component_finished(component)
        else:
            error = self._attempt_errors.get(component.name) or _state_error(state)
            component.status = Status.FAILED
            component.error = error
            failed.append(component)
            self._failing = True
            await observer.component_finished(component)
            # Cancelling a task run before its body starts leaves it Crashed in Prefect: let
            # every component's task run start before the failure cancels the others.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_entered.wait(), _START_GRACE_SECONDS)
            raise error

    async def _task_body(self, component: Component, options: TaskOptions) -> State[_t.Any] | None:
        component.logger = get_run_logger()
        previous = self._attempt_errors.pop(component.name, None)
        if previous is None:
            assert self._observer is not None
            self._observer.component_started(component)
            self._entered += 1
            if self._entered == len(self.components):
                self._all_entered.set()
        started = time.monotonic()
        try:
            if previous is not None:
                component.logger.warning(
                    "retrying %s after %s: %s", component.name, type(previous).__name__, previous
                )
                # Inside the try: if recovering fails too, the next attempt recovers again.
                await component.on_retry(previous)
            await component.run()
        except asyncio.CancelledError:
            timeout = options.timeout_seconds
            if timeout is not None and time.monotonic() - started >= timeout * 0.99:
                # Prefect's own timeout: let it end the task run TimedOut; a retry recovers
                # first, then re-runs the interrupted step.
                self._attempt_errors[component.name] = TimeoutError(
                    f"{component.name} exceeded its timeout of {timeout} s"
                )
                raise
            reason = "another component failed" if self._failing else "the process was stopped"
            return Cancelled(message=f"{component.name} stopped: {reason}")
        except Exception as exc:
            self._attempt_errors[component.name] = exc
            raise
        return None


@contextlib.contextmanager
def _graceful_sigterm(process: PrefectProcess) -> _t.Iterator[None]:
    """While a self-started flow runs, SIGTERM stops the process gracefully; twice cancels."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received = 0
    callers = process.sigterm_handler

    def on_sigterm() -> None:
        nonlocal received
        received += 1
        process.interrupted = True
        if received == 1:
            process.stop()
        elif task is not None:
            task.cancel()

    try:
        previous = signal.getsignal(signal.SIGTERM)
        loop.add_signal_handler(signal.SIGTERM, callers or on_sigterm)
    except (ValueError, RuntimeError, NotImplementedError):  # not the main thread / loop
        yield
        return
    try:
        yield
    finally:
        if callers is not None:
            loop.add_signal_handler(signal.SIGTERM, callers)  # still the caller's, after
        else:
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, previous)


def _state_error(state: State[_t.Any]) -> Exception:
    message = state.message or f"task run ended {state.name}"
    if state.name == "TimedOut":
        return TimeoutError(message)
    return RuntimeError(message)
