"""`plugboard job ...`: list the jobs recorded in a state backend and show one of them."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from pathlib import Path
import typing as _t

import typer

from plugboard.cli._errors import USAGE_ERROR, DebugOpt, fail


if _t.TYPE_CHECKING:
    from rich.console import Console

    from plugboard.state import StateBackend

DEFAULT_STATE = "plugboard.db"
"""Where `plugboard job` looks without `--state` or `PLUGBOARD_STATE_URL`: the default file
of `SqliteStateBackend`, in the current folder."""

job_app = typer.Typer(help="List and inspect recorded jobs.", no_args_is_help=True)

StateOpt = _t.Annotated[
    str,
    typer.Option(
        "--state",
        envvar="PLUGBOARD_STATE_URL",
        help="The state to read: a PostgreSQL URL (postgresql://user@host/db), an SQLite "
        "file path or sqlite:///path. Default: $PLUGBOARD_STATE_URL, else ./plugboard.db.",
        show_default=False,
    ),
]
SchemaOpt = _t.Annotated[
    str,
    typer.Option(
        "--schema",
        envvar="PLUGBOARD_STATE_SCHEMA",
        help="PostgreSQL only: the schema holding the state tables.",
    ),
]

_STYLE = {"completed": "green", "failed": "bold red", "stopped": "yellow", "running": "cyan"}


def open_state(url: str, schema: str = "public") -> StateBackend:
    """Returns the (unopened) backend that `--state URL` names.

    Raises:
        ValueError: The URL names no usable state (an unknown scheme, a missing file).
    """
    from plugboard.state import PostgresStateBackend, SqliteStateBackend
    from plugboard.state.postgres_backend import is_postgres_url

    if is_postgres_url(url):
        return PostgresStateBackend(db_url=url, schema=schema)
    path = url
    if url.startswith("sqlite"):
        scheme, sep, rest = url.partition(":///")
        if not sep or scheme not in ("sqlite", "sqlite+aiosqlite", "sqlite+pysqlite") or not rest:
            raise ValueError(f"'{url}' is not an SQLite URL like sqlite:///path/to/run.db")
        path = rest
    elif "://" in url:
        scheme = url.partition("://")[0]
        raise ValueError(
            f"unsupported state URL scheme '{scheme}': use postgresql://..., sqlite:///path "
            "or a file path"
        )
    if not Path(path).expanduser().is_file():
        raise ValueError(f"no state database at '{path}' (give one with --state)")
    return SqliteStateBackend(db_path=path)


def _read(
    url: str, schema: str, debug: bool, reader: _t.Callable[[StateBackend], _t.Awaitable[_t.Any]]
) -> _t.Any:
    """Opens the state, runs `reader` on it and closes it; errors end the command."""
    from plugboard.exceptions import PlugboardError

    try:
        state = open_state(url, schema)
    except ValueError as exc:
        fail(str(exc), USAGE_ERROR, exc, debug)

    async def main() -> _t.Any:
        await state.open()
        try:
            return await reader(state)
        finally:
            await state.destroy()

    try:
        return asyncio.run(main())
    except (PlugboardError, ImportError, ValueError) as exc:
        fail(str(exc), USAGE_ERROR, exc, debug)


def _console() -> Console:
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 200))  # plain text, rows not wrapped
    return console


def _table(console: Console, *columns: str) -> _t.Any:
    from rich import box
    from rich.table import Table

    table = Table(
        box=box.SIMPLE_HEAD if console.is_terminal else None,
        pad_edge=False,
        header_style="bold",
    )
    for column in columns:
        table.add_column(column, justify="right" if column == "steps" else "left")
    return table


def _row(table: _t.Any, *cells: _t.Any) -> None:
    """Adds a row; text cells are shown as they are (never read as Rich markup)."""
    from rich.text import Text

    table.add_row(*(Text(cell) if isinstance(cell, str) else cell for cell in cells))


def _status(status: str | None) -> _t.Any:
    from rich.text import Text

    return Text(status or "-", style=_STYLE.get(status or "", ""))


def _time(value: str | None) -> str:
    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _statuses(processes: list[dict[str, _t.Any]]) -> str:
    counts = Counter(str(p.get("status")) for p in processes)
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "-"


@job_app.command("list")
def list_jobs(
    state: StateOpt = DEFAULT_STATE, schema: SchemaOpt = "public", debug: DebugOpt = False
) -> None:
    """List the jobs recorded in a state, newest first."""

    async def reader(backend: StateBackend) -> list[dict[str, _t.Any]]:
        return await backend.list_jobs()

    jobs: list[dict[str, _t.Any]] = _read(state, schema, debug, reader)
    console = _console()
    if not jobs:
        console.print("No jobs recorded.")
        return
    table = _table(console, "job", "created", "processes", "statuses")
    for job in jobs:
        processes = job["processes"]
        names = ", ".join(p["name"] for p in processes)
        _row(
            table,
            job["job_id"],
            _time(job.get("created_at")),
            f"{len(processes)}" + (f" ({names})" if names else ""),
            _statuses(processes),
        )
    console.print(table)


@job_app.command("show")
def show(
    job_id: _t.Annotated[str, typer.Argument(help="The job's id.", show_default=False)],
    state: StateOpt = DEFAULT_STATE,
    schema: SchemaOpt = "public",
    debug: DebugOpt = False,
) -> None:
    """Show one job: its processes with their times, and every component's status."""

    async def reader(
        backend: StateBackend,
    ) -> tuple[dict[str, _t.Any], list[dict[str, _t.Any]], list[dict[str, _t.Any]]]:
        job = await backend.get_job(job_id)
        processes = await backend.get_job_processes(job_id)
        components = []
        for process in processes:
            components.extend(await backend.get_process_components(process["process_id"]))
        return job, processes, components

    job, processes, components = _read(state, schema, debug, reader)
    console = _console()
    console.print(f"Job {job['job_id']}  created {_time(job.get('created_at'))}", markup=False)
    if job.get("metadata"):
        console.print(f"metadata: {job['metadata']}", markup=False)
    if not processes:
        console.print("No processes recorded.")
        return
    table = _table(console, "process", "status", "started", "ended", "error")
    for process in processes:
        _row(
            table,
            process["name"],
            _status(process.get("status")),
            _time(process.get("started_at")),
            _time(process.get("ended_at")),
            process.get("error") or "",
        )
    console.print(table)
    names = {p["process_id"]: p["name"] for p in processes}
    table = _table(console, "process", "component", "type", "status", "steps", "error")
    for component in components:
        _row(
            table,
            names.get(component["process_id"], component["process_id"]),
            component["name"],
            component.get("type", ""),
            _status(component.get("status")),
            f"{component.get('step_count', 0):,}",
            component.get("error") or "",
        )
    console.print(table)
