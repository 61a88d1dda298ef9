"""How the CLI reports user errors and failed runs."""

from __future__ import annotations

import sys
import traceback
import typing as _t

import typer


DebugOpt = _t.Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
"""The `--debug` option every command takes."""

USAGE_ERROR = 2
RUN_FAILED = 1
INTERRUPTED = 130


def fail(
    lines: _t.Sequence[str] | str,
    code: int,
    error: BaseException | None = None,
    debug: bool = False,
) -> _t.NoReturn:
    """Prints an error (with the traceback under `--debug`) to stderr and exits with `code`."""
    if debug and error is not None:
        traceback.print_exception(error, file=sys.stderr)
    if isinstance(lines, str):
        lines = [lines]
    first, *rest = lines
    typer.secho(f"Error: {first}", err=True, fg=typer.colors.RED)
    for line in rest:
        typer.echo(line, err=True)
    if not debug and error is not None and code == RUN_FAILED:
        typer.echo("(run with --debug for the traceback)", err=True)
    raise typer.Exit(code)
