"""`plugboard prefect ...`: deploy, serve and trigger Plugboard models on Prefect.

Only Typer is imported here; Prefect is imported by each command when it runs, so the
`plugboard` command stays quick to start.
"""

from __future__ import annotations

import typing as _t

import typer

from plugboard.cli._errors import RUN_FAILED, USAGE_ERROR, DebugOpt, fail


app = typer.Typer(help="Deploy, serve and run models on Prefect.", no_args_is_help=True)

ModelArg = _t.Annotated[
    str, typer.Argument(help="The model's YAML file: a path or an fsspec URL (s3://...).")
]
ParamOpt = _t.Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="NAME=VALUE override, as for `plugboard process run`."),
]
CronOpt = _t.Annotated[str | None, typer.Option("--cron", help="Cron schedule, e.g. '0 * * * *'.")]
IntervalOpt = _t.Annotated[
    float | None, typer.Option("--interval", min=1, help="Run every SECONDS.")
]
NameOpt = _t.Annotated[
    str | None, typer.Option("--name", help="Deployment name (default: the process name).")
]


@app.command()
def deploy(
    model: ModelArg,
    name: NameOpt = None,
    cron: CronOpt = None,
    interval: IntervalOpt = None,
    pool: _t.Annotated[str, typer.Option("--pool", help="Work pool to run on.")] = "default",
    param: ParamOpt = None,
    tag: _t.Annotated[list[str] | None, typer.Option("--tag", help="Deployment tag.")] = None,
    debug: DebugOpt = False,
) -> None:
    """Register a scheduled deployment of a model on a work pool."""
    from plugboard_prefect.deployments import DeploymentRequest, check, register

    request = DeploymentRequest.from_cli(model, name, cron, interval, pool, param, tag)
    _guard(lambda: check(request, need_pool=True), debug)
    deployment_id = _guard(lambda: register(request), debug, code=RUN_FAILED)
    typer.echo(f"Deployment '{request.flow_deployment}' registered ({deployment_id}).")
    typer.echo(f"Start a worker:   prefect worker start --pool {request.pool}")
    typer.echo(f"Run it now:       plugboard prefect run {model} --name {request.name} --watch")
    typer.echo(f"  or:             prefect deployment run '{request.flow_deployment}'")


@app.command()
def serve(
    model: ModelArg,
    name: NameOpt = None,
    cron: CronOpt = None,
    interval: IntervalOpt = None,
    param: ParamOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Serve a model's flow on a schedule in the foreground (no work pool needed)."""
    from plugboard_prefect.deployments import DeploymentRequest, check, serve_forever

    request = DeploymentRequest.from_cli(model, name, cron, interval, None, param, None)
    _guard(lambda: check(request, need_pool=False), debug)
    typer.echo(f"Serving '{request.flow_deployment}'; press Ctrl-C to stop.")
    _guard(lambda: serve_forever(request), debug, code=RUN_FAILED)


@app.command()
def run(
    model: ModelArg,
    name: NameOpt = None,
    param: ParamOpt = None,
    watch: _t.Annotated[
        bool, typer.Option("--watch", help="Wait for the run to end, printing its states.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Trigger a tracked run of a model's deployment now."""
    from plugboard_prefect.deployments import DeploymentRequest, check, trigger

    request = DeploymentRequest.from_cli(model, name, None, None, None, param, None)
    _guard(lambda: check(request, need_pool=False), debug)
    state = _guard(lambda: trigger(request, watch, typer.echo), debug, code=RUN_FAILED)
    if watch and state != "COMPLETED":
        raise typer.Exit(RUN_FAILED)


def _guard[T](action: _t.Callable[[], T], debug: bool, code: int = USAGE_ERROR) -> T:
    from plugboard.exceptions import PlugboardError, ValidationError

    try:
        return action()
    except ValidationError as exc:
        fail(exc.errors, USAGE_ERROR, exc, debug)
    except PlugboardError as exc:
        fail(str(exc), code, exc, debug)


__all__ = ["app"]
