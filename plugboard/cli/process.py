"""`plugboard process ...`: run, validate and draw models."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
import signal
import typing as _t

import typer

from plugboard.cli._errors import INTERRUPTED, RUN_FAILED, USAGE_ERROR, fail


process_app = typer.Typer(help="Run, validate and draw process models.", no_args_is_help=True)

FileArg = _t.Annotated[
    Path, typer.Argument(help="The model's YAML file.", dir_okay=False, show_default=False)
]
DebugOpt = _t.Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


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
    log_level: _t.Annotated[
        str, typer.Option("--log-level", help="Logging level: DEBUG, INFO, WARNING, ERROR.")
    ] = "WARNING",
    debug: DebugOpt = False,
) -> None:
    """Run a model until its work ends, showing progress and a summary."""
    from plugboard.cli._display import RunDisplay
    from plugboard.exceptions import PlugboardError, ValidationError
    from plugboard.process import load_process

    _configure_logging(log_level, debug)
    try:
        process = load_process(file, param or (), job_id)
    except ValidationError as exc:
        fail(exc.errors, USAGE_ERROR, exc, debug)
    display = RunDisplay(process)

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        async with display, process:
            await process.run()

    try:
        asyncio.run(main())
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
    display.summary()


@process_app.command()
def validate(file: FileArg, debug: DebugOpt = False) -> None:
    """Check a model without running it: schema, types, arguments and wiring."""
    from plugboard.exceptions import ValidationError
    from plugboard.process.loader import check_config, read_config

    try:
        loaded = read_config(file)
    except ValidationError as exc:
        fail(exc.errors, USAGE_ERROR, exc, debug)
    problems = check_config(loaded)
    if problems:
        fail(problems, USAGE_ERROR)
    count = len(loaded.spec.plugboard.process.args.components)
    typer.echo(f"{file}: valid ({count} components)")


@process_app.command()
def diagram(file: FileArg, debug: DebugOpt = False) -> None:
    """Print the model's mermaid flowchart (paste it as is into Markdown or mermaid.live)."""
    from plugboard.diagram import MermaidDiagram
    from plugboard.exceptions import ValidationError
    from plugboard.process.loader import read_config

    try:
        loaded = read_config(file)
    except ValidationError as exc:
        fail(exc.errors, USAGE_ERROR, exc, debug)
    typer.echo(MermaidDiagram.from_spec(loaded.spec.plugboard.process).diagram)


def _configure_logging(level: str, debug: bool) -> None:
    name = "DEBUG" if debug else level.upper()
    if name not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        fail(f"unknown log level '{level}' (use DEBUG, INFO, WARNING or ERROR)", USAGE_ERROR)
    logging.basicConfig(level=name, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
