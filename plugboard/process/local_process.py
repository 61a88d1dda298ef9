"""`LocalProcess`: every component as one task on the current event loop."""

from __future__ import annotations

import asyncio
import typing as _t

from plugboard.component import Component
from plugboard.connector import Connector
from plugboard.exceptions import IOStreamClosedError, ProcessError
from plugboard.logs.lifecycle import LifecycleEvent
from plugboard.process.process import Process
from plugboard.schemas import Status
from plugboard.state.backend import now


class LocalProcess(Process):
    """Runs a model in this Python process, each component as one task in a `TaskGroup`.

    A component that raises ends the run at once: the others are cancelled, every
    `destroy()` still runs (through `async with` or `destroy()`), and `run()` raises one
    `ProcessError` naming the component, chained to the original exception.
    """

    _initialised = False
    _stop_requested = False
    interrupted = False
    """Set when a signal (Ctrl-C, SIGTERM) stopped the run."""

    async def init(self) -> None:
        """Opens the state backend, connects every component and runs their `init()`."""
        if self._initialised:
            return
        self._init_started: set[str] = set()
        await self._state.init()
        self.status = Status.INIT
        self._log_event(LifecycleEvent.INIT)
        await self._state.upsert_process(self)
        by_component: dict[str, list[Connector]] = {name: [] for name in self.components}
        for connector in self.connectors.values():
            spec = connector.spec
            if spec.mode == "pubsub":
                continue
            by_component[spec.source.entity].append(connector)
            if spec.target.entity != spec.source.entity:
                by_component[spec.target.entity].append(connector)
        for connector in self.connectors.values():
            if connector.spec.mode == "pubsub":
                for connectors in by_component.values():
                    connectors.append(connector)
        target_types = self._target_types()
        for component in self.components.values():
            component.set_process_parameters(self.parameters)
            component._state = self._state
            await component.io.connect(by_component[component.name], target_types)
            component.io.set_stop_hook(self.stop)
        if self.trace is not None and not self.trace.is_open:
            await self.trace.open(self)
        for component in self.components.values():
            self._init_started.add(component.name)
            try:
                await component.init()
            except Exception as exc:
                await self._fail([component], exc)
            component.status = Status.INIT
            self._log_event(LifecycleEvent.INIT, component)
        await self._state.upsert_process(self, with_components=True)
        self._initialised = True

    async def step(self) -> None:
        """Steps every component once, in the order they were given."""
        if not self._initialised:
            await self.init()
        self.status = Status.RUNNING
        for component in self.components.values():
            try:
                await component.step()
            except IOStreamClosedError:
                pass
            except Exception as exc:
                await self._fail([component], exc)

    def _target_types(self) -> dict[str, _t.Any]:
        types: dict[str, _t.Any] = {}
        for connector in self.connectors.values():
            spec = connector.spec
            if spec.mode == "pipeline":
                target = self.components[spec.target.entity].io._input_fields
                types[spec.id] = target.get(spec.target.descriptor, _t.Any)
        return types

    def stop(self) -> None:
        """Asks every component to stop gracefully.

        Sources and feedback-loop starters take no further step; events already queued are
        still handled; the rest of the model ends as the closes cascade, and `run()` returns
        normally.
        """
        self._stop_requested = True
        for component in self.components.values():
            component.io.request_stop()

    async def run(self, max_steps: int | None = None, timeout: float | None = None) -> None:
        """Runs until every component has finished.

        Args:
            max_steps: Stop each source (a component without inputs) after this many steps.
            timeout: Stop the whole model gracefully after this many seconds.

        Raises:
            ProcessError: A component raised; it is named, and its exception is the cause.
        """
        if not self._initialised:
            await self.init()
        if max_steps is not None:
            for component in self.components.values():
                io = component.io
                if not io._input_fields and not io.input_events:
                    component.max_steps = max_steps
        timer = (
            asyncio.get_running_loop().call_later(timeout, self.stop)
            if timeout is not None
            else None
        )
        try:
            await self._run()
        except BaseException as error:
            await _close_trace(self, error)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        await _close_trace(self, None)

    async def _run(self) -> None:
        self.status = Status.RUNNING
        self.started_at = now()
        self._log_event(LifecycleEvent.RUNNING, components=len(self.components))
        for component in self.components.values():
            component.status = Status.RUNNING
            self._log_event(LifecycleEvent.RUNNING, component)
        await self._state.upsert_process(self, with_components=True)
        failed: list[Component] = []
        try:
            async with asyncio.TaskGroup() as group:
                for component in self.components.values():
                    group.create_task(self._run_component(component, failed), name=component.name)
        except BaseExceptionGroup as group:
            if not failed:
                # Not a component's own error: a signal or an interpreter exit that reached
                # a component task. Re-raise it bare so whoever handles it recognises it.
                await self._finish(Status.STOPPED)
                raise _first_leaf(group) from None
        except asyncio.CancelledError:
            await self._finish(Status.STOPPED)
            raise
        if failed:
            first = failed[0]
            assert first.error is not None
            await self._fail(failed, first.error)
        await self._finish(Status.STOPPED if self._stop_requested else Status.COMPLETED)

    async def _run_component(self, component: Component, failed: list[Component]) -> None:
        try:
            await component.run()
        except asyncio.CancelledError:
            component.status = Status.STOPPED
            raise
        except Exception as exc:
            component.status = Status.FAILED
            component.error = exc
            failed.append(component)
            raise
        component.status = Status.COMPLETED
        self._log_event(LifecycleEvent.COMPLETED, component, steps=component.step_count)
        await component.io.close()

    async def _finish(self, status: Status) -> None:
        self.status = status
        self.ended_at = now()
        for component in self.components.values():
            if not component.status.is_terminal:
                component.status = Status.STOPPED
            if component.status is Status.STOPPED:
                self._log_event(LifecycleEvent.STOPPED, component, steps=component.step_count)
        if status is not Status.FAILED:
            self._log_event(LifecycleEvent(status.value))
        await self._state.upsert_process(self, with_components=True)

    async def _fail(self, failed: list[Component], error: BaseException) -> _t.NoReturn:
        for component in failed:
            component.status = Status.FAILED
            if component.error is None:
                component.error = error
            self._log_event(
                LifecycleEvent.FAILED, component, component.error, steps=component.step_count
            )
        self._log_event(LifecycleEvent.FAILED, error=error, failed_component=failed[0].name)
        await self._finish(Status.FAILED)
        raise ProcessError(
            self.name, failed[0].name, error, others=[c.name for c in failed[1:]]
        ) from error

    async def destroy(self) -> None:
        """Runs every component's `destroy()`, records the final state, closes the backend.

        Every `destroy()` runs even if some raise; the first such error is raised afterwards.
        """
        trace_error = await _close_trace(self, None, raise_error=False)
        errors: list[tuple[Component, Exception]] = []
        started: set[str] = getattr(self, "_init_started", set())
        for component in self.components.values():
            if component.name not in started:
                continue
            try:
                await component.destroy()
            except Exception as exc:
                errors.append((component, exc))
        try:
            if self._initialised:
                await self._state.upsert_process(self, with_components=True)
        finally:
            await self._state.destroy()
            self._initialised = False
            self._init_started = set()
            self._log_event(LifecycleEvent.DESTROYED)
        if errors:
            first, error = errors[0]
            raise ProcessError(
                self.name, first.name, error, others=[c.name for c, _ in errors[1:]]
            ) from error
        if trace_error is not None:
            raise trace_error


async def _close_trace(
    process: Process, error: BaseException | None, raise_error: bool = True
) -> Exception | None:
    """Closes the process's open trace, if any, writing every record taken.

    After a failed run (`error`), a trace that cannot be finished is only noted on that
    error; otherwise its error is raised (or, without `raise_error`, returned).
    """
    trace = process.trace
    if trace is None or not trace.is_open:
        return None
    try:
        await trace.close()
    except Exception as trace_error:
        if error is not None:
            error.add_note(str(trace_error))
        elif raise_error:
            raise
        else:
            return trace_error
    return None


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first
