"""`plugboard process ...`: run, validate and draw models."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
import signal
import sys
import typing as _t

import typer

from plugboard.cli._errors import INTERRUPTED, RUN_FAILED, USAGE_ERROR, DebugOpt, fail


PREFECT_PROCESS = "plugboard_prefect.PrefectProcess"
_GRACE_SECONDS = 10.0
"""After a first Ctrl-C, how long a graceful stop may take before the run is cancelled."""

process_app = typer.Typer(help="Run, validate and draw process models.", no_args_is_help=True)

FileArg = _t.Annotated[
    Path, typer.Argument(help="The model's YAML file.", dir_okay=False, show_default=False)
]


@process_app.command()
def run(
    file: FileArg,
    job_id: _t.Annotated[
        str | None, typer.Option("--job-id", help="Job id to record the run under.")
    ] = None,
    param: _t.Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="NAME=VALUE: a process parameter, or component.<name>.arg|initial_value|"
            "parameter.<field>. Repeatable.",
        ),
    ] = None,
    max_steps: _t.Annotated[
        int | None,
        typer.Option("--max-steps", min=1, help="Stop each source after N steps."),
    ] = None,
    prefect: _t.Annotated[
        bool,
        typer.Option("--prefect", help="Run as a Prefect flow (needs plugboard[prefect])."),
    ] = False,
    timeout: _t.Annotated[
        float | None,
        typer.Option("--timeout", min=0, help="Stop the model gracefully after S seconds."),
    ] = None,
    log_level: _t.Annotated[
        str | None,
        typer.Option(
            "--log-level",
            help="Logging level: DEBUG, INFO, WARNING, ERROR [default: WARNING]. INFO shows"
            " the lifecycle of the process and its components.",
        ),
    ] = None,
    log_format: _t.Annotated[
        str,
        typer.Option(
            "--log-format",
            help="auto (human-readable on a terminal, JSON lines otherwise), human or json.",
        ),
    ] = "auto",
    trace: _t.Annotated[
        str | None,
        typer.Option(
            "--trace",
            help="Record every component step to a .parquet or .jsonl file (a path or fsspec"
            " URL) or a database URL; replaces the YAML's trace.",
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Run a model until its work ends, showing progress and a summary."""
    from plugboard.cli._display import RunDisplay
    from plugboard.exceptions import PlugboardError, ValidationError
    from plugboard.process.loader import build_config, read_config

    _configure_logging(log_level, log_format, debug)
    try:
        loaded = read_config(file, param or (), job_id)
        if prefect:
            loaded.spec.plugboard.process.type = PREFECT_PROCESS
        if trace is not None:
            loaded.spec.plugboard.process.trace = _trace_spec(trace)
        process = build_config(loaded)
    except ValidationError as exc:
        fail(exc.errors, USAGE_ERROR, exc, debug)
    display = RunDisplay(process)

    interrupted = False

    def on_signal(task: asyncio.Task[None]) -> None:
        nonlocal interrupted
        if interrupted:
            task.cancel()
            return
        interrupted = True
        typer.secho(
            "Stopping gracefully (press Ctrl-C again to cancel at once)...",
            err=True,
            fg=typer.colors.YELLOW,
        )
        process.stop()
        asyncio.get_running_loop().call_later(_GRACE_SECONDS, task.cancel)

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal, task)
        if hasattr(process, "sigterm_handler"):  # a process type that runs Prefect flows
            process.sigterm_handler = functools.partial(on_signal, task)
        async with display, process:
            await process.run(max_steps=max_steps, timeout=timeout)

    try:
        asyncio.run(main())
        if interrupted:
            raise asyncio.CancelledError
    except (KeyboardInterrupt, asyncio.CancelledError):
        display.summary()
        typer.secho(
            "Interrupted: the run was stopped and every component destroyed.",
            err=True,
            fg=typer.colors.YELLOW,
        )
        raise typer.Exit(INTERRUPTED) from None
    except PlugboardError as exc:
        display.summary()
        fail(str(exc), RUN_FAILED, exc, debug)
    except Exception as exc:  # not ours: still one line, with the traceback under --debug
        display.summary()
        fail(f"{type(exc).__name__}: {exc}", RUN_FAILED, exc, debug)
    display.summary()


@process_app.command()
def validate(
    file: FileArg,
    prefect: _t.Annotated[
        bool, typer.Option("--prefect", help="Check it as a Prefect flow (as run --prefect).")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Check a model without running it: schema, types, arguments and wiring."""
    sys.dont_write_bytecode = True  # importing the model's modules leaves nothing behind
    from plugboard.exceptions import ValidationError
    from plugboard.process.loader import check_config, read_config

    try:
        loaded = read_config(file)
    except ValidationError as exc:
        fail(exc.errors, USAGE_ERROR, exc, debug)
    if prefect:
        loaded.spec.plugboard.process.type = PREFECT_PROCESS
    problems = check_config(loaded)
    if problems:
        fail(problems, USAGE_ERROR)
    count = len(loaded.spec.plugboard.process.args.components)
    typer.echo(f"{file}: valid ({count} components)")


@process_app.command()
def diagram(file: FileArg, debug: DebugOpt = False) -> None:
    """Print the model's mermaid flowchart (paste it as is into Markdown or mermaid.live)."""
    sys.dont_write_bytecode = True
    from plugboard.diagram import MermaidDiagram
    from plugboard.exceptions import ValidationError
    from plugboard.process.loader import read_config

    try:
        loaded = read_config(file)
    except ValidationError as exc:
        fail(exc.errors, USAGE_ERROR, exc, debug)
    typer.echo(MermaidDiagram.from_spec(loaded.spec.plugboard.process, loaded.base_dir).diagram)


def _trace_spec(target: str) -> _t.Any:
    import pydantic

    from plugboard.exceptions import ValidationError
    from plugboard.schemas import TraceSpec

    try:
        return TraceSpec.from_target(target)
    except pydantic.ValidationError as exc:
        message = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise ValidationError(f"--trace {target}: {message}") from None


def _configure_logging(level: str | None, log_format: str, debug: bool) -> None:
    from plugboard.logs import configure_logging

    try:
        configure_logging(
            "DEBUG" if debug else (level or "WARNING"),
            log_format,
            # Unasked, lifecycle records would repeat what the progress display and the
            # error line already say.
            show_lifecycle=level is not None or debug,
        )
    except ValueError as exc:
        fail(str(exc), USAGE_ERROR)
