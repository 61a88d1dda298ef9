"""`StateBackend`: where a run records its job, process and component statuses."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime
import json
import os
import secrets
import string
import typing as _t

from plugboard.exceptions import ProcessStatusError
from plugboard.schemas import Status


if _t.TYPE_CHECKING:
    from plugboard.component import Component
    from plugboard.process import Process

JOB_ID_ENV = "PLUGBOARD_JOB_ID"
_ALPHABET = string.ascii_letters + string.digits


def new_job_id() -> str:
    """Returns a fresh job id: `Job_` and 16 random letters and digits."""
    return "Job_" + "".join(secrets.choice(_ALPHABET) for _ in range(16))


def now() -> str:
    """Returns the current UTC time in ISO 8601."""
    return datetime.now(UTC).isoformat()


def to_jsonable(value: _t.Any) -> _t.Any:
    """Returns `value` if JSON can hold it, else its `repr` (truncated)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
        return text if len(text) <= 200 else text[:197] + "..."
    return value


def _process_error(process: Process) -> str | None:
    """The first failed component's error, as `name: Type: message`, or None."""
    for component in process.components.values():
        if component.error is not None:
            error = component.error
            return f"{component.name}: {type(error).__name__}: {error}"
    return None


def _started(record: dict[str, _t.Any]) -> tuple[str, str]:
    return (record.get("started_at") or record.get("updated_at") or "", record["process_id"])


def component_record(component: Component, process_id: str | None) -> dict[str, _t.Any]:
    """Returns what a backend stores for a component."""
    values = component.io_values()
    error = component.error
    return {
        "component_id": component.id,
        "name": component.name,
        "process_id": process_id,
        "type": type(component).__name__,
        "status": str(component.status),
        "step_count": component.step_count,
        "inputs": {k: to_jsonable(v) for k, v in values["inputs"].items()},
        "outputs": {k: to_jsonable(v) for k, v in values["outputs"].items()},
        "exports": {k: to_jsonable(v) for k, v in component.exported_values().items()},
        "error": f"{type(error).__name__}: {error}" if error is not None else None,
    }


class StateBackend(ABC):
    """Records a job and the statuses and latest values of its processes and components.

    The job id comes from the `job_id` argument, else the `PLUGBOARD_JOB_ID` environment
    variable, else a fresh `Job_` + 16 letters and digits.

    Args:
        job_id: The job to record runs under.
        metadata: Free key-value pairs stored with the job.
    """

    def __init__(
        self,
        job_id: str | None = None,
        metadata: dict[str, _t.Any] | None = None,
        **kwargs: _t.Any,
    ) -> None:
        self._job_id_arg = job_id
        self._job_id: str | None = job_id
        self.metadata = dict(metadata or {})
        self._extra = kwargs

    @property
    def job_id(self) -> str:
        """The job id; decided at `init()` if not given."""
        if self._job_id is None:
            self._job_id = os.environ.get(JOB_ID_ENV) or new_job_id()
        return self._job_id

    async def open(self) -> None:
        """Opens the backend for reading only: no job is recorded.

        `init()` opens it too; use this one to inspect a state written by other runs.
        """
        await self._open_for_reading()

    async def init(self) -> None:
        """Opens the backend and records the job."""
        await self._open()
        await self._put_job({"job_id": self.job_id, "created_at": now(), "metadata": self.metadata})

    async def destroy(self) -> None:
        """Closes the backend."""
        await self._close()

    async def upsert_process(self, process: Process, with_components: bool = False) -> None:
        """Records a process (and optionally all its components)."""
        record = {
            "process_id": process.id,
            "job_id": self.job_id,
            "name": process.name,
            "status": str(process.status),
            "started_at": process.started_at,
            "ended_at": process.ended_at,
            "parameters": {k: to_jsonable(v) for k, v in process.parameters.items()},
            "components": list(process.components),
            "connectors": list(process.connectors),
            "error": _process_error(process),
            "updated_at": now(),
        }
        await self._put_process(record)
        if with_components:
            await self._put_components(
                [component_record(c, process.id) for c in process.components.values()]
            )

    async def upsert_component(self, component: Component, process_id: str | None = None) -> None:
        """Records one component's status and latest values."""
        await self._put_components([component_record(component, process_id)])

    async def update_process_status(self, process: Process, status: Status) -> None:
        """Sets a process's status and records it."""
        process.status = status
        await self.upsert_process(process)

    async def get_job(self, job_id: str | None = None) -> dict[str, _t.Any]:
        """Returns a job's record; the current job's by default.

        Raises:
            NotFoundError: No such job.
        """
        return await self._get("job", job_id or self.job_id)

    async def get_process(self, process_id: str) -> dict[str, _t.Any]:
        """Returns a process's record.

        Raises:
            NotFoundError: No such process.
        """
        return await self._get("process", process_id)

    async def get_component(self, component_id: str, process_id: str) -> dict[str, _t.Any]:
        """Returns a component's record within a process.

        Raises:
            NotFoundError: No such component.
        """
        return await self._get("component", f"{process_id}/{component_id}")

    async def get_process_components(self, process_id: str) -> list[dict[str, _t.Any]]:
        """Returns the records of every component of a process."""
        process = await self.get_process(process_id)
        return [await self.get_component(name, process_id) for name in process["components"]]

    async def list_jobs(self) -> list[dict[str, _t.Any]]:
        """Returns every job's record, newest first, each with its processes.

        Each job record gains a `processes` list: the job's process records (see
        `get_job_processes`).
        """
        jobs = await self._list_jobs()
        by_job: dict[str, list[dict[str, _t.Any]]] = {}
        for process in await self._list_processes(None):
            by_job.setdefault(process["job_id"], []).append(process)
        for job in jobs:
            job["processes"] = sorted(by_job.get(job["job_id"], []), key=_started)
        return sorted(jobs, key=lambda job: (job.get("created_at") or "", job["job_id"]))[::-1]

    async def get_job_processes(self, job_id: str | None = None) -> list[dict[str, _t.Any]]:
        """Returns the records of every process of a job (the current job's by default).

        Processes come in the order they started. A job's processes may run in other
        Python processes or on other hosts: with a shared backend (`PostgresStateBackend`)
        each sees the others' records as soon as they are written.

        Raises:
            NotFoundError: No such job.
        """
        job_id = job_id or self.job_id
        await self.get_job(job_id)
        return sorted(await self._list_processes(job_id), key=_started)

    async def raise_if_job_failed(self, exclude: str | None = None) -> None:
        """Raises if another process of the current job has failed.

        A component of a running process can call this (through `self.state`) at its own
        pace to stop when a sibling process of the same job, perhaps on another worker,
        has failed.

        Args:
            exclude: A process id to ignore, usually the caller's own.

        Raises:
            ProcessStatusError: A process of the job failed; the message names it and its
                error.
        """
        for process in await self._list_processes(self.job_id):
            if process["process_id"] != exclude and process["status"] == str(Status.FAILED):
                error = process.get("error") or "no error recorded"
                raise ProcessStatusError(
                    f"process '{process['process_id']}' of job '{self.job_id}' failed: {error}"
                )

    async def __aenter__(self) -> _t.Self:
        await self.init()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.destroy()

    @abstractmethod
    async def _open(self) -> None: ...

    async def _open_for_reading(self) -> None:
        """Opens the backend without writing (some backends then create nothing)."""
        await self._open()

    @abstractmethod
    async def _close(self) -> None: ...

    @abstractmethod
    async def _put_job(self, record: dict[str, _t.Any]) -> None: ...

    @abstractmethod
    async def _put_process(self, record: dict[str, _t.Any]) -> None: ...

    @abstractmethod
    async def _put_components(self, records: list[dict[str, _t.Any]]) -> None: ...

    @abstractmethod
    async def _get(self, kind: str, key: str) -> dict[str, _t.Any]: ...

    @abstractmethod
    async def _list_jobs(self) -> list[dict[str, _t.Any]]: ...

    @abstractmethod
    async def _list_processes(self, job_id: str | None) -> list[dict[str, _t.Any]]: ...

    def export(self) -> dict[str, _t.Any]:
        """Returns the backend as a spec dict."""
        args: dict[str, _t.Any] = {**self._extra}
        if self._job_id_arg is not None:
            args["job_id"] = self._job_id_arg
        if self.metadata:
            args["metadata"] = self.metadata
        cls = type(self)
        module = cls.__module__
        if module.startswith("plugboard.state."):
            module = "plugboard.state"
        return {"type": f"{module}.{cls.__qualname__}", "args": args}
