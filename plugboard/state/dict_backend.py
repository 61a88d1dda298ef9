"""A state backend held in memory."""

from __future__ import annotations

import copy
import typing as _t

from plugboard.exceptions import NotFoundError
from plugboard.state.backend import StateBackend


class DictStateBackend(StateBackend):
    """Keeps the run's state in memory, for one process in one Python process."""

    def __init__(
        self,
        job_id: str | None = None,
        metadata: dict[str, _t.Any] | None = None,
        **kwargs: _t.Any,
    ) -> None:
        super().__init__(job_id=job_id, metadata=metadata, **kwargs)
        self._data: dict[str, dict[str, dict[str, _t.Any]]] = {
            "job": {},
            "process": {},
            "component": {},
        }

    async def _open(self) -> None:
        pass

    async def _close(self) -> None:
        pass

    async def _put_job(self, record: dict[str, _t.Any]) -> None:
        self._data["job"].setdefault(record["job_id"], record)

    async def _put_process(self, record: dict[str, _t.Any]) -> None:
        self._data["process"][record["process_id"]] = record

    async def _put_components(self, records: list[dict[str, _t.Any]]) -> None:
        table = self._data["component"]
        for record in records:
            table[f"{record['process_id']}/{record['component_id']}"] = record

    async def _get(self, kind: str, key: str) -> dict[str, _t.Any]:
        try:
            return copy.deepcopy(self._data[kind][key])
        except KeyError:
            raise NotFoundError(f"no {kind} '{key}' in the state") from None

    async def _list_jobs(self) -> list[dict[str, _t.Any]]:
        return copy.deepcopy(list(self._data["job"].values()))

    async def _list_processes(self, job_id: str | None) -> list[dict[str, _t.Any]]:
        return copy.deepcopy(
            [
                record
                for record in self._data["process"].values()
                if job_id is None or record["job_id"] == job_id
            ]
        )
