"""Lifecycle records: which events, with which fields, and nothing per message."""

from __future__ import annotations

import io
import json
import logging

import pytest

from plugboard.connector import AsyncioConnector
from plugboard.exceptions import ProcessError
from plugboard.logs import (
    LIFECYCLE_LOGGER,
    HumanFormatter,
    JsonFormatter,
    configure_logging,
    lifecycle_fields,
)
from plugboard.process import LocalProcess
from plugboard.schemas import ConnectorSpec
from tests.components import Collect, Endless, FailOn, Source


def chain(count: int = 5, bad: int = 99, name: str = "chain") -> LocalProcess:
    return LocalProcess(
        components=[
            Source(name="src", count=count),
            FailOn(name="mid", bad=bad),
            Collect(name="sink"),
        ],
        connectors=[
            AsyncioConnector(spec=ConnectorSpec(source="src.out", target="mid.inp")),
            AsyncioConnector(spec=ConnectorSpec(source="mid.out", target="sink.inp")),
        ],
        name=name,
    )


def lifecycle(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    records = [lifecycle_fields(r) for r in caplog.records if r.name == LIFECYCLE_LOGGER]
    return [fields for fields in records if fields is not None]


def events_of(records: list[dict[str, object]], who: str | None) -> list[object]:
    return [r["event"] for r in records if r.get("component") == who]


async def test_a_completed_run_records_each_transition_with_job_process_and_component(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, LIFECYCLE_LOGGER)
    process = chain()
    async with process:
        await process.run()
    records = lifecycle(caplog)
    assert events_of(records, None) == [
        "process.created",
        "process.init",
        "process.running",
        "process.completed",
        "process.destroyed",
    ]
    for name in ("src", "mid", "sink"):
        assert events_of(records, name) == [
            "component.init",
            "component.running",
            "component.completed",
        ]
    assert {r["job_id"] for r in records} == {process.job_id}
    assert {r["process"] for r in records} == {"chain"}
    done = {r["component"]: r["steps"] for r in records if r["event"] == "component.completed"}
    assert done == {"src": 5, "mid": 5, "sink": 5}


async def test_a_failure_is_an_error_record_naming_the_component_and_its_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, LIFECYCLE_LOGGER)
    process = chain(count=5, bad=2)
    with pytest.raises(ProcessError):
        async with process:
            await process.run()
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failures] == [
        "component 'mid' failed: ValueError: bad value 2",
        "process 'chain' failed: ValueError: bad value 2",
    ]
    records = lifecycle(caplog)
    failed = next(r for r in records if r["event"] == "component.failed")
    assert failed["error"] == "ValueError: bad value 2"
    assert failed["steps"] == 2
    assert next(r for r in records if r["event"] == "process.failed")["failed_component"] == "mid"
    # Every other component ends with exactly one terminal record.
    for name in ("src", "sink"):
        ends = [
            e
            for e in events_of(records, name)
            if e in ("component.completed", "component.stopped", "component.failed")
        ]
        assert len(ends) == 1, (name, ends)


async def test_a_graceful_stop_records_stopped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LIFECYCLE_LOGGER)
    process = LocalProcess(
        components=[Endless(name="clock"), Collect(name="sink")],
        connectors=[AsyncioConnector(spec=ConnectorSpec(source="clock.out", target="sink.inp"))],
        name="endless",
    )
    async with process:
        await process.run(timeout=0.05)
    assert "process.stopped" in events_of(lifecycle(caplog), None)


async def test_nothing_is_logged_per_message(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    small = chain(count=10, bad=-1, name="small")
    large = chain(count=2_000, bad=-1, name="large")
    counts = []
    for process in (small, large):
        caplog.clear()
        async with process:
            await process.run()
        counts.append(len([r for r in caplog.records if r.name.startswith("plugboard")]))
    assert counts[0] == counts[1] > 0


async def test_disabled_lifecycle_logging_costs_no_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, LIFECYCLE_LOGGER)
    process = chain()
    async with process:
        await process.run()
    assert lifecycle(caplog) == []


def record(message: str, **fields: object) -> logging.LogRecord:
    rec = logging.LogRecord(LIFECYCLE_LOGGER, logging.INFO, __file__, 1, message, None, None)
    rec.plugboard = fields
    return rec


def test_json_lines_carry_the_fields_at_the_top_level() -> None:
    line = JsonFormatter().format(
        record("component 'a' running", event="component.running", job_id="Job_x", component="a")
    )
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "component 'a' running"
    assert entry["level"] == "INFO"
    assert entry["logger"] == LIFECYCLE_LOGGER
    assert entry["event"] == "component.running"
    assert entry["job_id"] == "Job_x"
    assert entry["time"].endswith("+00:00")


def test_json_lines_survive_values_json_cannot_hold_and_tracebacks() -> None:
    rec = record("odd", value=object())
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        import sys

        rec.exc_info = sys.exc_info()
    line = JsonFormatter().format(rec)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["value"].startswith("<object object")
    assert "RuntimeError: boom" in entry["exception"]


def test_human_lines_name_the_job() -> None:
    text = HumanFormatter().format(record("process 'p' running", job_id="Job_y"))
    assert text.endswith("plugboard.lifecycle: process 'p' running [job Job_y]")


def test_configure_logging_picks_json_off_a_terminal_and_replaces_itself() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        configure_logging("INFO", "auto", stream)
        handler = configure_logging("INFO", "auto", stream)
        assert sum(h is handler for h in root.handlers) == 1
        assert len([h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]) == 1
        logging.getLogger("plugboard.test").info("hello")
        assert json.loads(stream.getvalue().strip())["message"] == "hello"
    finally:
        for h in list(root.handlers):
            if h not in before[0]:
                root.removeHandler(h)
        root.setLevel(before[1])


@pytest.mark.parametrize(
    ("level", "fmt", "message"),
    [("LOUD", "auto", "unknown log level 'LOUD'"), ("INFO", "xml", "unknown log format 'xml'")],
)
def test_configure_logging_rejects_unknown_levels_and_formats(
    level: str, fmt: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        configure_logging(level, fmt, io.StringIO())
