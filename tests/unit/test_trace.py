"""The trace: what it records, where it writes, how it fails, and what it leaves alone."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys
import typing as _t

import pytest

from plugboard.component import Component, IOController
from plugboard.events import Event
from plugboard.exceptions import ProcessError, ValidationError
from plugboard.process import LocalProcess, ProcessBuilder
from plugboard.process.loader import read_config_text
from plugboard.schemas import ComponentArgsDict, ConfigSpec, TraceSpec
from plugboard.trace import Trace, TraceError, load
from tests.conftest import links


pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

PLUGBOARD = str(Path(sys.executable).with_name("plugboard"))


class Numbers(Component):
    """Emits the values it was given, one per step, then closes."""

    io = IOController(outputs=["n"])

    def __init__(self, values: list[float], **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.values = list(values)

    async def init(self) -> None:
        self._left = iter(self.values)

    async def step(self) -> None:
        value = next(self._left, None)
        if value is None:
            await self.io.close()
            return
        self.n = value


class Integrator(Component):
    """Adds `n` to its total; exports the total and the number of calls."""

    io = IOController(inputs=["n", "gain"], outputs=["total", "label"])
    exports = ["total_so_far", "calls"]

    def __init__(self, fail_at: int | None = None, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.fail_at = fail_at
        self.total_so_far = 0.0
        self.calls = 0
        self.seen: list[tuple[float, float]] = []

    async def step(self) -> None:
        if self.calls == self.fail_at:
            raise RuntimeError(f"boom at {self.n}")
        self.seen.append((self.n, self.gain))
        self.total_so_far += self.n * self.gain
        self.calls += 1
        self.total = self.total_so_far
        self.label = f"t{self.calls}"


class Keep(Component):
    """Keeps every total it receives."""

    io = IOController(inputs=["total"])

    def __init__(self, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.kept: list[float] = []

    async def step(self) -> None:
        self.kept.append(self.total)


VALUES = [1.5, -2.0, 0.25, 10.0, 3.0, 7.5]


def model(trace: Trace | None, fail_at: int | None = None) -> LocalProcess:
    return LocalProcess(
        name="traced",
        components=[
            Numbers(name="numbers", values=VALUES),
            Numbers(name="gains", values=[2.0] * len(VALUES)),
            Integrator(name="integrator", fail_at=fail_at),
            Keep(name="keep"),
        ],
        connectors=links(
            "numbers.n->integrator.n", "gains.n->integrator.gain", "integrator.total->keep.total"
        ),
        trace=trace,
    )


async def run(process: LocalProcess) -> None:
    async with process:
        await process.run()


def rows_of(frame: _t.Any, component: str) -> _t.Any:
    return frame[frame.component == component].sort_values("step").reset_index(drop=True)


# -- content ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["trace.parquet", "trace.jsonl", "sqlite"])
async def test_every_step_is_recorded_with_the_values_the_components_saw(
    name: str, tmp_path: Path
) -> None:
    target = f"sqlite+aiosqlite:///{tmp_path / 'trace.db'}" if name == "sqlite" else tmp_path / name
    trace = Trace(str(target))
    process = model(trace)
    await run(process)
    integrator = process.components["integrator"]
    assert isinstance(integrator, Integrator)
    keep = process.components["keep"]
    assert isinstance(keep, Keep)

    frame = load(str(target))
    assert set(frame.component) == {"numbers", "gains", "integrator", "keep"}
    assert (frame.job_id == process.job_id).all()
    assert (frame.process == "traced").all()
    assert trace.rows_written == len(frame) == 4 * len(VALUES)

    rows = rows_of(frame, "integrator")
    assert rows.step.tolist() == list(range(len(VALUES)))
    assert list(zip(rows["inputs.n"], rows["inputs.gain"], strict=True)) == integrator.seen
    totals = []
    total = 0.0
    for value in VALUES:
        total += value * 2.0
        totals.append(total)
    assert rows["outputs.total"].tolist() == totals == keep.kept
    assert rows["outputs.label"].tolist() == [f"t{i + 1}" for i in range(len(VALUES))]
    assert rows["state.total_so_far"].tolist() == totals
    assert rows["state.calls"].tolist() == list(range(1, len(VALUES) + 1))
    assert rows.error.isna().all()

    numbers = rows_of(frame, "numbers")
    assert numbers["outputs.n"].tolist() == VALUES
    assert numbers["inputs.n"].isna().all() if "inputs.n" in numbers else True
    assert rows_of(frame, "keep")["inputs.total"].tolist() == totals

    times = rows.time.tolist()
    assert times == sorted(times)
    assert str(rows.time.dt.tz) == "UTC"
    assert (rows.elapsed >= 0).all()
    assert rows.elapsed.is_monotonic_increasing


async def test_unflattened_load_gives_dicts(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    await run(model(Trace(str(path))))
    frame = load(path, flatten=False)
    first = rows_of(frame, "integrator").iloc[0]
    assert first.inputs == {"n": 1.5, "gain": 2.0}
    assert first.outputs == {"total": 3.0, "label": "t1"}
    assert first.state == {"total_so_far": 3.0, "calls": 1}
    line = json.loads(path.read_text().splitlines()[0])
    assert set(line) == {
        "job_id",
        "process",
        "component",
        "step",
        "time",
        "elapsed",
        "inputs",
        "outputs",
        "state",
        "events_in",
        "events_out",
        "error",
    }


async def test_components_and_every_select_what_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    await run(model(Trace(str(path), components=["integrator"], every=2)))
    frame = load(path)
    assert set(frame.component) == {"integrator"}
    assert frame.step.tolist() == [0, 2, 4]
    assert frame["inputs.n"].tolist() == [VALUES[0], VALUES[2], VALUES[4]]


async def test_values_json_cannot_hold_are_still_recorded(tmp_path: Path) -> None:
    class Odd(Component):
        io = IOController(outputs=["x"])

        async def init(self) -> None:
            self._k = 0

        async def step(self) -> None:
            values: list[_t.Any] = [float("nan"), {"a": [1, 2]}, None, True, 2**70, 'é\n"q"']
            if self._k == len(values):
                await self.io.close()
                return
            self.x = values[self._k]
            self._k += 1

    for name in ("t.parquet", "t.jsonl"):
        path = tmp_path / name
        process = LocalProcess(components=[Odd(name="odd")], trace=Trace(str(path)))
        await run(process)
        got = load(path)["outputs.x"].tolist()
        assert got[0] != got[0]  # NaN
        assert got[1:] == [{"a": [1, 2]}, None, True, 2**70, 'é\n"q"']


# -- events -----------------------------------------------------------------------------------


class Reading(Event):
    type: _t.ClassVar[str] = "test.reading"


class Alert(Event):
    type: _t.ClassVar[str] = "test.alert"


class Sensor(Component):
    io = IOController(output_events=[Reading])

    async def init(self) -> None:
        self._k = 0

    async def step(self) -> None:
        if self._k == 3:
            await self.io.close()
            return
        self.io.queue_event(Reading(data={"value": self._k * 10}))
        self._k += 1


class Watcher(Component):
    io = IOController(input_events=[Reading], output_events=[Alert])

    @Reading.handler
    async def on_reading(self, event: Reading) -> Alert | None:
        if event.data["value"] >= 10:
            return Alert(data={"high": event.data["value"]})
        return None


async def test_events_handled_and_emitted_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    await run(
        LocalProcess(
            components=[Sensor(name="sensor"), Watcher(name="watcher")], trace=Trace(str(path))
        )
    )
    frame = load(path)
    sensor = rows_of(frame, "sensor")
    assert [[e["data"] for e in events] for events in sensor.events_out] == [
        [{"value": 0}],
        [{"value": 10}],
        [{"value": 20}],
    ]
    assert all(
        e[0]["type"] == "test.reading" and e[0]["source"] == "sensor" for e in sensor.events_out
    )
    watcher = rows_of(frame, "watcher")
    assert [[e["data"]["value"] for e in events] for events in watcher.events_in] == [
        [0],
        [10],
        [20],
    ]
    emitted = [
        None if events is None else [e["data"] for e in events] for events in watcher.events_out
    ]
    assert emitted == [None, [{"high": 10}], [{"high": 20}]]
    sent = {e["id"] for events in sensor.events_out for e in events}
    assert {e["id"] for events in watcher.events_in for e in events} == sent


# -- failures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["trace.parquet", "trace.jsonl"])
async def test_a_failed_run_leaves_every_step_up_to_the_failure(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    process = model(Trace(str(path)), fail_at=3)
    with pytest.raises(ProcessError, match="boom at 10.0"):
        await run(process)
    rows = rows_of(load(path), "integrator")
    assert rows.step.tolist() == [0, 1, 2, 3]
    assert rows["inputs.n"].tolist() == VALUES[:4]
    assert rows.error.isna().tolist() == [True, True, True, False]
    assert rows.error[3] == "RuntimeError: boom at 10.0"
    assert rows["outputs.total"].tolist()[:3] == [3.0, -1.0, -0.5]
    assert rows["outputs.total"].isna()[3]  # nothing was sent
    assert rows["state.calls"].tolist() == [1, 2, 3, 3]


async def test_an_unwritable_path_fails_at_init_with_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    process = model(Trace(str(blocker / "trace.parquet")))
    with pytest.raises(TraceError, match=r"trace: cannot write .*file\.txt/trace\.parquet"):
        async with process:
            pass
    integrator = process.components["integrator"]
    assert "_trace" not in integrator.__dict__


def test_bad_trace_arguments_are_value_errors() -> None:
    with pytest.raises(ValueError, match="give either 'path'"):
        Trace()
    with pytest.raises(ValueError, match="cannot tell the trace format of 'out.csv'"):
        Trace("out.csv")
    with pytest.raises(ValueError, match="'table' goes with 'url'"):
        Trace("out.parquet", table="t")
    with pytest.raises(ValueError, match="every"):
        Trace("out.parquet", every=0)
    assert Trace("sqlite+aiosqlite:///x.db").spec.url == "sqlite+aiosqlite:///x.db"


async def test_unknown_components_in_python_fail_at_init(tmp_path: Path) -> None:
    process = model(Trace(str(tmp_path / "t.parquet"), components=["integrator", "nope"]))
    with pytest.raises(TraceError, match=r"unknown components \['nope'\]"):
        async with process:
            pass


# -- leaving untraced runs alone --------------------------------------------------------------


async def test_untraced_components_and_closed_traces_keep_the_plain_methods(tmp_path: Path) -> None:
    process = model(Trace(str(tmp_path / "t.parquet"), components=["integrator"]))
    async with process:
        integrator = process.components["integrator"]
        numbers = process.components["numbers"]
        assert "step" in integrator.__dict__ and "_trace" in integrator.__dict__
        assert "step" not in numbers.__dict__ and numbers._trace is None
        await process.run()
        for component in process.components.values():
            assert not {"step", "_trace"} & component.__dict__.keys()
            assert "queue_event" not in component.io.__dict__


async def test_process_step_is_traced(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    process = model(Trace(str(path), components=["integrator"]))
    async with process:
        await process.step()
        await process.step()
    rows = load(path)
    assert rows.step.tolist() == [0, 1]
    assert rows["inputs.n"].tolist() == VALUES[:2]


# -- YAML and the command line ----------------------------------------------------------------

YAML = """
plugboard:
  process:
    trace: {trace}
    args:
      name: yaml-traced
      components:
      - type: tests.unit.test_trace.Numbers
        args: {{name: numbers, values: [1, 2, 3]}}
      - type: tests.unit.test_trace.Keep
        args: {{name: keep}}
      connectors:
      - source: numbers.n
        target: keep.total
"""


def test_unknown_trace_keys_are_reported_with_their_line() -> None:
    with pytest.raises(ValidationError) as info:
        read_config_text(YAML.format(trace="{path: t.parquet, evry: 2}"), "m.yaml", None)
    assert "m.yaml:4" in str(info.value)
    assert "evry" in str(info.value)


def test_trace_naming_unknown_components_fails_validation() -> None:
    loaded = read_config_text(
        YAML.format(trace="{path: t.parquet, components: [keep, nope]}"), "m.yaml", None
    )
    with pytest.raises(ValidationError, match="the trace names unknown component 'nope'"):
        ProcessBuilder.build(loaded.spec.plugboard.process)


async def test_yaml_trace_path_resolves_beside_the_file_and_round_trips(tmp_path: Path) -> None:
    spec = ConfigSpec.model_validate(
        {
            "plugboard": {
                "process": {
                    "trace": "out/t.jsonl",
                    "args": {
                        "components": [
                            {
                                "type": "tests.unit.test_trace.Numbers",
                                "args": {"name": "numbers", "values": [1]},
                            },
                            {"type": "tests.unit.test_trace.Keep", "args": {"name": "keep"}},
                        ],
                        "connectors": [{"source": "numbers.n", "target": "keep.total"}],
                    },
                }
            }
        }
    )
    process = ProcessBuilder.build(spec.plugboard.process, tmp_path)
    assert process.trace is not None
    assert process.trace.spec.path == str(tmp_path / "out" / "t.jsonl")
    async with process:
        await process.run()
    assert len(load(tmp_path / "out" / "t.jsonl")) == 2
    assert process.export()["trace"] == {"path": str(tmp_path / "out" / "t.jsonl")}


def test_trace_spec_from_a_cli_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert TraceSpec.from_target("t.parquet").path == str(tmp_path / "t.parquet")
    assert TraceSpec.from_target("s3://b/t.parquet").path == "s3://b/t.parquet"
    spec = TraceSpec.from_target("postgresql+asyncpg://u@h/db")
    assert (spec.url, spec.table_name) == ("postgresql+asyncpg://u@h/db", "trace")


def _write_model(tmp_path: Path, trace: str = "null") -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(YAML.format(trace=trace))
    return path


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [PLUGBOARD, "process", "run", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_cli_trace_option_writes_the_trace(tmp_path: Path) -> None:
    model_file = _write_model(tmp_path)
    done = _cli(str(model_file), "--trace", "run.parquet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    frame = load(tmp_path / "run.parquet")
    assert rows_of(frame, "keep")["inputs.total"].tolist() == [1, 2, 3]
    assert (frame.process == "yaml-traced").all()


def test_cli_bad_trace_option_is_a_usage_error(tmp_path: Path) -> None:
    model_file = _write_model(tmp_path)
    done = _cli(str(model_file), "--trace", "run.csv", cwd=tmp_path)
    assert done.returncode == 2
    assert "--trace run.csv: cannot tell the trace format of 'run.csv'" in done.stderr


def test_cli_unwritable_trace_fails_the_run_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("")
    model_file = _write_model(tmp_path, trace="file.txt/t.parquet")
    done = _cli(str(model_file), cwd=tmp_path)
    assert done.returncode == 1
    assert "trace: cannot write" in done.stderr
    assert "Traceback" not in done.stderr


async def test_a_failing_step_is_recorded_whatever_every_says(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    with pytest.raises(ProcessError):
        await run(model(Trace(str(path), components=["integrator"], every=4), fail_at=3))
    rows = load(path)
    assert rows.step.tolist() == [0, 3]
    assert rows.error.isna().tolist() == [True, False]


async def test_records_are_written_after_flush_interval_while_the_run_goes_on(
    tmp_path: Path,
) -> None:
    import asyncio

    path = tmp_path / "t.jsonl"
    process = model(Trace(str(path), components=["integrator"], flush_interval=0.05))
    async with process:
        await process.step()
        await process.step()
        for _ in range(100):
            await asyncio.sleep(0.02)
            if path.exists() and len(path.read_text().splitlines()) == 2:
                break
        assert [json.loads(line)["step"] for line in path.read_text().splitlines()] == [0, 1]
        await process.step()
    assert load(path).step.tolist() == [0, 1, 2]
