"""The `plugboard` command."""

from __future__ import annotations

import typer

from plugboard.cli.process import process_app


app = typer.Typer(
    name="plugboard",
    help="Build, check and run Plugboard models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(process_app, name="process")


@app.command()
def version() -> None:
    """Print the installed Plugboard version."""
    from plugboard import __version__

    typer.echo(f"plugboard {__version__}")


def main() -> None:
    """Entry point of the `plugboard` console script."""
    app()
