"""Formatters for human and JSON-lines logs, and the CLI's logging set-up."""

from __future__ import annotations

from datetime import UTC, datetime
import json
import logging
import sys
import typing as _t

from plugboard.logs.lifecycle import lifecycle_fields


LOG_FORMATS = ("auto", "human", "json")
"""`auto` is human-readable on a terminal and JSON lines otherwise."""


class JsonFormatter(logging.Formatter):
    """Formats each record as one JSON object on one line.

    Keys: `time` (UTC, ISO 8601), `level`, `logger`, `message`, the lifecycle fields of
    lifecycle records (`event`, `job_id`, `process`, `component`, ...), and `exception` when
    the record carries one. Values JSON cannot hold are written as their `str()`.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Returns the record as a JSON line (without the newline)."""
        entry: dict[str, _t.Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = lifecycle_fields(record)
        if fields:
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class HumanFormatter(logging.Formatter):
    """Formats a record as `time LEVEL logger: message [job=...]` for reading on a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        """Returns the record as one readable line (plus a traceback if it has one)."""
        text = super().format(record)
        fields = lifecycle_fields(record)
        if fields and "job_id" in fields:
            first, newline, rest = text.partition("\n")
            text = f"{first} [job {fields['job_id']}]{newline}{rest}"
        return text


def configure_logging(
    level: str = "WARNING",
    log_format: str = "auto",
    stream: _t.TextIO | None = None,
    show_lifecycle: bool = True,
) -> logging.Handler:
    """Sends every log record at `level` and above to `stream` (stderr by default).

    Replaces handlers an earlier call installed, so calling it twice does not log twice.

    Args:
        level: DEBUG, INFO, WARNING, ERROR or CRITICAL.
        log_format: `human`, `json`, or `auto` (human on a terminal, JSON lines otherwise).
        stream: Where to write; standard error by default.
        show_lifecycle: Whether lifecycle records are written at all (the CLI hides them on
            a terminal, where its live display already shows the same transitions).

    Returns:
        The installed handler.

    Raises:
        ValueError: An unknown level or format.
    """
    name = level.upper()
    if name not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError(f"unknown log level '{level}' (use DEBUG, INFO, WARNING or ERROR)")
    if log_format not in LOG_FORMATS:
        raise ValueError(f"unknown log format '{log_format}' (use {', '.join(LOG_FORMATS)})")
    target = stream if stream is not None else sys.stderr
    if log_format == "auto":
        log_format = "human" if _is_terminal(target) else "json"
    handler = logging.StreamHandler(target)
    handler.setFormatter(JsonFormatter() if log_format == "json" else HumanFormatter())
    if not show_lifecycle:
        handler.addFilter(_hide_lifecycle)
    setattr(handler, _MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(name)
    return handler


_MARK = "_plugboard_handler"


def _hide_lifecycle(record: logging.LogRecord) -> bool:
    return lifecycle_fields(record) is None


def _is_terminal(stream: _t.TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False
