"""The `plugboard` command."""

from __future__ import annotations

import sys
import typing as _t

import typer

from plugboard.cli.job import job_app
from plugboard.cli.process import process_app


app = typer.Typer(
    name="plugboard",
    help="Build, check and run Plugboard models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(process_app, name="process")
app.add_typer(job_app, name="job")


@app.command()
def version() -> None:
    """Print the installed Plugboard version."""
    from plugboard import __version__

    typer.echo(f"plugboard {__version__}")


_CORE_COMMANDS = frozenset({"job", "process", "version"})


def _add_plugin_commands() -> None:
    """Adds command groups that installed plugins declare (entry points `plugboard.cli`)."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="plugboard.cli"):
        try:
            plugin = entry.load()
        except ImportError as exc:  # e.g. the plugin's own extra is not installed
            message = str(exc)
            app.command(
                entry.name,
                help=f"(unavailable: {message})",
                # Whatever follows (`deploy model.yaml`, say) is taken, so the reason shows.
                context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
            )(_unavailable(message))
            continue
        app.add_typer(plugin, name=entry.name)


def _unavailable(reason: str) -> _t.Callable[[], None]:
    """A command that only explains why a plugin's commands cannot run."""

    def unavailable() -> None:
        typer.secho(f"Error: {reason}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2)

    return unavailable


def main() -> None:
    """Entry point of the `plugboard` console script."""
    # Core commands skip the plugin scan: it costs start-up time they never need.
    if len(sys.argv) < 2 or sys.argv[1] not in _CORE_COMMANDS:
        _add_plugin_commands()
    app()
