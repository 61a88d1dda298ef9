"""The Prefect example (`examples/prefect/`), run against the session's Prefect server.

Each test runs a copy of the example in a subprocess, as a user would: through the CLI,
`run.py`, `as_flow.py` and `deploy.py`. The CSV it writes is checked value by value against
the model's equations, computed here, and the run is read back from the server: flow run,
task runs (the flaky uplink's task run has two attempts) and the custom events.
"""

from __future__ import annotations

import asyncio
from fractions import Fraction
from pathlib import Path
import re
import shutil
import subprocess
import sys
import time
import typing as _t
import uuid

import httpx
import pytest

from tests.prefect.helpers import artifacts_of, logs_of, task_runs_of
from tests.services import PrefectServer


pytestmark = pytest.mark.usefixtures("prefect_api")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "prefect"
PAGE = ROOT / "docs" / "usage" / "prefect.md"
PLUGBOARD = str(Path(sys.executable).with_name("plugboard"))
COMPONENTS = {"sensor": "Sensor", "filter": "Smoother", "uplink": "Uplink", "recorder": "Recorder"}
JOB_ID = re.compile(r"plant-monitor \[(Job_\w+)\]")


# -- the model's equations ----------------------------------------------------------------------


def expected_csv(
    readings: int = 12,
    start: Fraction = Fraction(70),
    drift: Fraction = Fraction(1, 4),
    alpha: Fraction = Fraction(1, 2),
) -> str:
    """The recorder's file: every value is a dyadic rational, which a float holds exactly."""
    noise = [Fraction(n, 2) for n in (1, -2, 3, -1, 0, -3, 2)]
    lines = ["seq,raw,temperature"]
    smoothed: Fraction | None = None
    for t in range(readings):
        raw = start + drift * t + noise[t % len(noise)]
        smoothed = raw if smoothed is None else smoothed + alpha * (raw - smoothed)
        # The uplink numbers its messages from 1 and sends each exactly once, retry or not.
        lines.append(f"{t + 1},{float(raw)!r},{float(smoothed)!r}")
    return "\n".join(lines) + "\n"


# -- helpers ------------------------------------------------------------------------------------


def copy_example(tmp_path: Path) -> Path:
    """Copies the example to `tmp_path/examples/prefect`, beside a copy of `flows/`."""
    shutil.copytree(
        ROOT / "flows", tmp_path / "flows", ignore=shutil.ignore_patterns("__pycache__")
    )
    return Path(
        shutil.copytree(
            EXAMPLE,
            tmp_path / "examples" / "prefect",
            ignore=shutil.ignore_patterns("__pycache__", "output*.csv", "*.db"),
        )
    )


def run(
    args: list[str], cwd: Path, server: PrefectServer, timeout: float = 180, code: int = 0
) -> subprocess.CompletedProcess[str]:
    # Prefect's default log level, so that the components' INFO records reach the server.
    env = {**server.env(), "PREFECT_LOGGING_LEVEL": "INFO"}
    env.pop("PLUGBOARD_JOB_ID", None)
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == code, result.stdout + result.stderr
    return result


def titled_block(lang: str, title: str) -> str:
    """The body of the page's fenced block titled `title`."""
    pattern = rf'^```{lang} title="{re.escape(title)}"\n(.*?)^```'
    match = re.search(pattern, PAGE.read_text(), re.MULTILINE | re.DOTALL)
    assert match is not None, f"no {lang} block titled {title!r} in {PAGE.name}"
    return match.group(1)


def events_of(server: PrefectServer, job_id: str, deadline: float) -> list[dict[str, _t.Any]]:
    """The run's `plugboard.component.*` events, once every component has started and finished.

    Events reach the server asynchronously: poll until all eight are there.
    """
    query = {
        "filter": {
            "event": {"prefix": ["plugboard.component."]},
            "resource": {"id_prefix": [f"plugboard.component.{job_id}."]},
        },
        "limit": 50,
    }
    events: list[dict[str, _t.Any]] = []
    while time.monotonic() < deadline:
        response = httpx.post(f"{server.api_url}/events/filter", json=query, timeout=10)
        response.raise_for_status()
        events = response.json()["events"]
        seen = {(e["event"], e["resource"]["prefect.resource.name"]) for e in events}
        wanted = {
            (f"plugboard.component.{outcome}", name)
            for outcome in ("started", "finished")
            for name in COMPONENTS
        }
        if wanted <= seen:
            return events
        time.sleep(0.5)
    raise AssertionError(f"events of {job_id} missing; got {[e['event'] for e in events]}")


def flow_run_id_of(events: list[dict[str, _t.Any]]) -> uuid.UUID:
    (flow_run,) = {
        related["prefect.resource.id"]
        for event in events
        for related in event["related"]
        if related.get("prefect.resource.role") == "flow-run"
    }
    return uuid.UUID(flow_run.removeprefix("prefect.flow-run."))


def check_run(server: PrefectServer, job_id: str, flow_name: str) -> None:
    """Checks what the server recorded of the run of `job_id`."""
    events = events_of(server, job_id, deadline=time.monotonic() + 60)
    for event in events:
        name = event["resource"]["prefect.resource.name"]
        assert event["payload"]["process"] == "plant-monitor"
        assert event["payload"]["job_id"] == job_id
        assert event["payload"]["component_type"] == COMPONENTS[name]
    asyncio.run(check_flow_run(flow_run_id_of(events), flow_name))


async def check_flow_run(flow_run_id: uuid.UUID, flow_name: str) -> None:
    from prefect import get_client

    async with get_client() as client:
        flow_run = await client.read_flow_run(flow_run_id)
        flow = await client.read_flow(flow_run.flow_id)
    assert flow.name == flow_name
    assert flow_run.name == "plant-monitor"
    assert flow_run.state is not None and flow_run.state.is_completed()

    tasks = await task_runs_of(flow_run)
    assert set(tasks) == set(COMPONENTS)
    for name, task_run in tasks.items():
        assert task_run.state is not None and task_run.state.is_completed(), name
        assert task_run.task_key.startswith(f"{COMPONENTS[name]}-")
        assert task_run.tags == ["plugboard"]
        # Only the uplink failed once (on message 5) and was retried.
        assert task_run.run_count == (2 if name == "uplink" else 1), name

    logs = await logs_of(tasks["uplink"])
    assert "retrying uplink after ConnectionError: uplink dropped while sending message 5" in logs
    assert "reconnected after: uplink dropped while sending message 5" in logs
    sent = [int(m.group(1)) for m in map(re.compile(r"sent message (\d+):").match, logs) if m]
    assert sent == list(range(1, len(sent) + 1)) and len(sent) >= 12, "each message sent once"

    artifacts = await artifacts_of(flow_run)
    assert artifacts["markdown"].key == "plant-monitor-diagram"
    assert "```mermaid" in artifacts["markdown"].data
    assert artifacts["progress"].data == 100.0
    assert artifacts["table"].key == "plant-monitor-summary"


# -- tests --------------------------------------------------------------------------------------


def test_cli_runs_the_model_as_a_flow(tmp_path: Path, prefect_api: PrefectServer) -> None:
    folder = copy_example(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run([PLUGBOARD, "process", "run", str(folder / "model.yaml")], elsewhere, prefect_api)
    assert (folder / "output.csv").read_text() == expected_csv()
    assert not list(elsewhere.iterdir()), "the output path resolves beside the YAML file"
    lines = result.stdout.splitlines()
    assert [line.split()[:3] for line in lines[1:5]] == [
        [name, kind, "completed"] for name, kind in COMPONENTS.items()
    ]
    match = JOB_ID.search(lines[-1])
    assert match is not None and "completed" in lines[-1], result.stdout
    check_run(prefect_api, match.group(1), flow_name="plant-monitor")


def test_run_py_runs_the_same_model(tmp_path: Path, prefect_api: PrefectServer) -> None:
    folder = copy_example(tmp_path)
    result = run([sys.executable, "run.py"], folder, prefect_api)
    assert (folder / "output.csv").read_text() == expected_csv()
    match = JOB_ID.match(result.stdout)
    assert match is not None, result.stdout
    assert result.stdout == (
        f"plant-monitor [{match.group(1)}]: completed; wrote {folder / 'output.csv'}\n"
    )
    check_run(prefect_api, match.group(1), flow_name="plant-monitor")


def test_process_flow_script(tmp_path: Path, prefect_api: PrefectServer) -> None:
    folder = copy_example(tmp_path)
    result = run([sys.executable, "as_flow.py"], folder, prefect_api)
    assert result.stdout == "".join(f"{name}: completed, 12 steps\n" for name in COMPONENTS)
    assert (folder / "output.csv").read_text() == expected_csv()


def test_ready_made_flow_with_a_parameter_override(
    tmp_path: Path, prefect_api: PrefectServer
) -> None:
    folder = copy_example(tmp_path)
    job_id = f"Job_example_{uuid.uuid4().hex[:8]}"
    script = (folder / "deploy.py").read_text()
    # Record the run under a known job id, passed like the other parameters of the flow.
    script = script.replace(
        '"params": {"component.sensor.arg.readings": 24},',
        f'"params": {{"component.sensor.arg.readings": 24}}, "job_id": "{job_id}",',
    )
    assert job_id in script
    (folder / "deploy.py").write_text(script)
    result = run([sys.executable, "deploy.py"], folder, prefect_api)
    assert result.stdout == "".join(f"{name}: completed, 24 steps\n" for name in COMPONENTS)
    assert (folder / "output.csv").read_text() == expected_csv(readings=24)
    check_run(prefect_api, job_id, flow_name="plugboard-process")


def test_validate_and_diagram_create_nothing(tmp_path: Path, prefect_api: PrefectServer) -> None:
    folder = copy_example(tmp_path)
    before = {path.relative_to(folder) for path in folder.rglob("*")}
    validated = run([PLUGBOARD, "process", "validate", "model.yaml"], folder, prefect_api)
    assert validated.stdout == "model.yaml: valid (4 components)\n"
    drawn = run([PLUGBOARD, "process", "diagram", "model.yaml"], folder, prefect_api)
    assert {path.relative_to(folder) for path in folder.rglob("*")} == before
    assert drawn.stdout.strip() in PAGE.read_text(), "the page shows the diagram the CLI draws"


def test_page_shows_the_output_and_the_option_errors(
    tmp_path: Path, prefect_api: PrefectServer
) -> None:
    assert titled_block("text", "output.csv") == expected_csv()
    # The mistakes the page describes: a negative default and a misspelt option of the uplink.
    folder = copy_example(tmp_path)
    model = folder / "model.yaml"
    text = model.read_text()
    broken = text.replace("\n        retries: 0\n", "\n        retries: -1\n").replace(
        "\n          retry_delay_seconds: 0\n", "\n          retry_delay: 0\n"
    )
    assert len(broken.splitlines()) == len(text.splitlines()) and broken.count("-1") == 1
    assert "retry_delay: 0" in broken
    model.write_text(broken)
    result = run([PLUGBOARD, "process", "validate", "model.yaml"], folder, prefect_api, code=2)
    assert result.stderr == titled_block("text", "plugboard process validate model.yaml")
