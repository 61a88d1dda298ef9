"""Deploying, serving and triggering Plugboard models as Prefect deployments."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
import typing as _t

from prefect import Flow, get_client
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
import pydantic

from plugboard._imports import is_url
from plugboard.exceptions import PlugboardError, ValidationError
from plugboard.schemas.overrides import parse_override
import plugboard_prefect
from plugboard_prefect.entrypoint import ENTRYPOINT, FLOW_NAME, run_process
from plugboard_prefect.flow import load_process


TAG = "plugboard"


@dataclasses.dataclass
class DeploymentRequest:
    """What `plugboard prefect deploy|serve|run` was asked to do.

    Attributes:
        config: Absolute path or URL of the model.
        name: Deployment name; the process name unless given.
        params: Parameter overrides (names as for `plugboard process run -p`).
        cron: Cron schedule.
        interval: Interval schedule in seconds.
        pool: Work pool.
        tags: Extra deployment tags.
    """

    config: str
    name: str | None
    params: dict[str, _t.Any]
    cron: str | None = None
    interval: float | None = None
    pool: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def from_cli(
        cls,
        model: str,
        name: str | None,
        cron: str | None,
        interval: float | None,
        pool: str | None,
        params: _t.Sequence[str] | None,
        tags: _t.Sequence[str] | None,
    ) -> DeploymentRequest:
        """Builds a request from command-line values (paths made absolute for workers)."""
        config = model if is_url(model) else str(Path(model).resolve())
        overrides = dict(parse_override(text) for text in params or ())
        return cls(config, name, overrides, cron, interval, pool, list(tags or ()))

    @property
    def deployment_name(self) -> str:
        """The deployment name (after `check`)."""
        if self.name is None:
            raise PlugboardError("deployment name not decided: call check() first")
        return self.name

    @property
    def flow_deployment(self) -> str:
        """`flow-name/deployment-name`, as Prefect's CLI names deployments."""
        return f"{FLOW_NAME}/{self.deployment_name}"

    @property
    def parameters(self) -> dict[str, _t.Any]:
        """The flow run parameters."""
        return {"config": self.config, "params": self.params or None}


def check(request: DeploymentRequest, need_pool: bool) -> None:
    """Checks everything before anything is registered.

    Raises:
        ValidationError: Both or bad schedules, an invalid or missing model, an unknown work
            pool, or an unreachable Prefect API; one line each.
    """
    if request.cron is not None and request.interval is not None:
        raise ValidationError("give --cron or --interval, not both")
    if request.cron is not None:
        try:
            CronSchedule(cron=request.cron)
        except pydantic.ValidationError:
            raise ValidationError(f"invalid cron expression '{request.cron}'") from None
    process = load_process(request.config, request.params)
    if request.name is None:
        request.name = process.name
    if need_pool and request.pool is not None:
        _check_pool(request.pool)


def _check_pool(pool: str) -> None:
    async def read() -> None:
        async with get_client() as client:
            await client.read_work_pool(pool)

    try:
        asyncio.run(read())
    except ObjectNotFound:
        raise ValidationError(
            f"work pool '{pool}' not found: create it with"
            f" prefect work-pool create {pool} --type process"
        ) from None
    except Exception as exc:  # connection errors come in many types
        raise ValidationError(f"cannot reach the Prefect API: {exc}") from None


def register(request: DeploymentRequest) -> str:
    """Registers the deployment; returns its id."""
    source = str(Path(plugboard_prefect.__file__).resolve().parent.parent)
    flow = _t.cast(Flow[..., _t.Any], Flow.from_source(source=source, entrypoint=ENTRYPOINT))
    deployment_id = flow.deploy(
        name=request.deployment_name,
        work_pool_name=request.pool,
        cron=request.cron,
        interval=request.interval,
        parameters=request.parameters,
        tags=[TAG, *request.tags],
        build=False,
        push=False,
        print_next_steps=False,
        ignore_warnings=True,
    )
    return str(deployment_id)


def serve_forever(request: DeploymentRequest) -> None:
    """Serves the model's flow with its schedule until interrupted."""
    run_process.serve(
        name=request.deployment_name,
        cron=request.cron,
        interval=request.interval,
        parameters=request.parameters,
        tags=[TAG, *request.tags],
        print_starting_message=False,
    )


def trigger(request: DeploymentRequest, watch: bool, echo: _t.Callable[[str], None]) -> str:
    """Starts a run of the model's deployment; with `watch`, waits for its final state.

    Returns:
        The last state type seen, e.g. `COMPLETED`, or `SCHEDULED` when not watching.

    Raises:
        ValidationError: No deployment of this model (deploy it first).
    """
    return asyncio.run(_trigger(request, watch, echo))


async def _trigger(request: DeploymentRequest, watch: bool, echo: _t.Callable[[str], None]) -> str:
    try:
        flow_run = _t.cast(
            FlowRun,
            await run_deployment(  # type: ignore[misc]
                request.flow_deployment,
                # Only what was asked for now: the deployment's own overrides stay otherwise.
                parameters={"params": request.params} if request.params else {},
                timeout=0,
            ),
        )
    except ObjectNotFound:
        raise ValidationError(
            f"no deployment '{request.flow_deployment}': register it with"
            f" plugboard prefect deploy {request.config} --name {request.deployment_name}"
        ) from None
    echo(f"Flow run '{flow_run.name}' ({flow_run.id}) submitted.")
    state = flow_run.state.type.value if flow_run.state else "SCHEDULED"
    if not watch:
        return state
    seen = ""
    async with get_client() as client:
        while True:
            run = await client.read_flow_run(flow_run.id)
            state = run.state.type.value if run.state else "PENDING"
            if state != seen:
                echo(f"  {state.lower()}")
                seen = state
            if state in ("COMPLETED", "FAILED", "CANCELLED", "CRASHED"):
                return state
            await asyncio.sleep(1)  # watching a run elsewhere: only the API can tell
