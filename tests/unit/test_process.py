import asyncio
from pathlib import Path
import time

import pytest
import yaml

from plugboard.exceptions import ProcessError, ValidationError
from plugboard.process import LocalProcess, ProcessBuilder
from plugboard.schemas import ConfigSpec, Status
from plugboard.state import DictStateBackend
from tests.components import (
    Add,
    Collect,
    Counter,
    Echo,
    Endless,
    FailOn,
    Scale,
    Source,
    Take,
    double,
)
from tests.conftest import links


async def test_chain_delivers_every_value_in_order() -> None:
    process = LocalProcess(
        components=[Source(name="s", count=100), Scale(name="x2", factor=2), Collect(name="c")],
        connectors=links("s.out->x2.inp", "x2.out->c.inp"),
    )
    async with process:
        await process.run()
    assert Collect.seen["c"] == [2 * i for i in range(100)]
    assert process.status == Status.COMPLETED
    assert {c.status for c in process.components.values()} == {Status.COMPLETED}
    assert process.components["x2"].step_count == 100


async def test_fan_out_gives_every_target_every_value() -> None:
    process = LocalProcess(
        components=[Source(name="s", count=10), Collect(name="a"), Collect(name="b")],
        connectors=links("s.out->a.inp", "s.out->b.inp"),
    )
    async with process:
        await process.run()
    assert Collect.seen["a"] == list(range(10))
    assert Collect.seen["b"] == list(range(10))


async def test_fan_in_steps_the_target_once_per_value_and_closes_after_all_sources() -> None:
    process = LocalProcess(
        components=[Source(name="s1", count=5), Source(name="s2", count=50), Collect(name="c")],
        connectors=links("s1.out->c.inp", "s2.out->c.inp"),
    )
    async with process:
        await process.run()
    assert sorted(Collect.seen["c"]) == sorted([*range(5), *range(50)])
    assert process.components["c"].step_count == 55


async def test_component_with_two_inputs_steps_when_both_have_new_values() -> None:
    process = LocalProcess(
        components=[
            Source(name="s", count=6),
            Scale(name="x10", factor=10),
            Add(name="add"),
            Collect(name="c"),
        ],
        connectors=links("s.out->x10.inp", "s.out->add.a", "x10.out->add.b", "add.out->c.inp"),
    )
    async with process:
        await process.run()
    assert Collect.seen["c"] == [11 * i for i in range(6)]


async def test_feedback_loop_starts_from_initial_values() -> None:
    counter = Counter(name="counter", limit=5, initial_values={"inp": [100]})
    process = LocalProcess(
        components=[counter, Scale(name="same", factor=1)],
        connectors=links("counter.out->same.inp", "same.out->counter.inp"),
    )
    async with process:
        await asyncio.wait_for(process.run(), 5)
    assert counter.history == [100, 101, 102, 103, 104, 105]


async def test_parameters_are_shared_and_a_components_own_win() -> None:
    process = LocalProcess(
        components=[
            Source(name="s", count=1),
            Echo(name="e", parameters={"speed": 9}),
            Collect(name="c"),
        ],
        connectors=links("s.out->e.inp", "e.out->c.inp"),
        parameters={"speed": 1, "mode": "fast"},
    )
    async with process:
        await process.run()
    assert Collect.seen["c"] == [(0, {"speed": 9, "mode": "fast"})]


async def test_a_consumer_that_stops_early_stops_an_endless_source() -> None:
    process = LocalProcess(
        components=[Endless(name="e"), Take(name="t", limit=3)],
        connectors=links("e.out->t.inp"),
    )
    async with process:
        await asyncio.wait_for(process.run(), 5)
    assert Take.seen["t"] == [0, 1, 2]


async def test_failing_component_ends_the_run_with_one_clear_error() -> None:
    process = LocalProcess(
        components=[
            Endless(name="src"),
            FailOn(name="bad", bad=3),
            Collect(name="sink"),
        ],
        connectors=links("src.out->bad.inp", "bad.out->sink.inp"),
        state=DictStateBackend(),
    )
    started = time.perf_counter()
    with pytest.raises(ProcessError) as info:
        async with process:
            await process.run()
    assert time.perf_counter() - started < 2
    error = info.value
    assert error.component == "bad"
    assert isinstance(error.__cause__, ValueError)
    assert "component 'bad' failed: ValueError: bad value 3" in str(error)
    assert not isinstance(error, BaseExceptionGroup)
    assert FailOn.destroyed == {"bad"} and Collect.destroyed == {"sink"}
    assert Collect.seen["sink"] == [0, 1, 2]
    statuses = {c.name: c.status for c in process.components.values()}
    assert statuses == {"src": Status.STOPPED, "bad": Status.FAILED, "sink": Status.STOPPED}
    record = await process.state.get_component("bad", process.id)
    assert record["status"] == "failed" and "bad value 3" in record["error"]
    assert (await process.state.get_process(process.id))["status"] == "failed"


async def test_failing_init_still_destroys_every_initialised_component() -> None:
    class BadInit(Collect):
        async def init(self) -> None:
            raise RuntimeError("no database")

    process = LocalProcess(
        components=[Source(name="s"), Collect(name="first"), BadInit(name="second")],
        connectors=links("s.out->first.inp", "s.out->second.inp"),
    )
    with pytest.raises(ProcessError, match="component 'second' failed: RuntimeError: no database"):
        async with process:
            pass
    assert Collect.destroyed == {"first", "second"}


async def test_manual_steps_advance_each_component_once() -> None:
    process = LocalProcess(
        components=[Source(name="s", count=10), Collect(name="c")],
        connectors=links("s.out->c.inp"),
    )
    async with process:
        await process.step()
        await process.step()
        assert Collect.seen["c"] == [0, 1]


async def test_cancelling_a_run_stops_every_component_and_records_it() -> None:
    process = LocalProcess(
        components=[Endless(name="e"), Collect(name="c")], connectors=links("e.out->c.inp")
    )
    async with process:
        task = asyncio.create_task(process.run())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert process.status == Status.STOPPED
    assert Collect.destroyed == {"c"}


def test_wiring_errors_are_all_reported_at_construction() -> None:
    with pytest.raises(ValidationError) as info:
        LocalProcess(
            components=[
                Source(name="s"),
                Collect(name="c"),
                Collect(name="c"),
                Scale(name="lonely"),
                Counter(name="p"),
                Counter(name="q"),
            ],
            connectors=links(
                "s.out->c.inp", "s.nope->c.inp", "ghost.out->c.inp", "p.out->q.inp", "q.out->p.inp"
            ),
        )
    text = "\n".join(info.value.errors)
    assert "duplicate component name 'c'" in text
    assert "Source 's' has no output 'nope'" in text
    assert "no component named 'ghost'" in text
    assert "Scale 'lonely': input 'inp' is not connected" in text
    assert "feedback loop p -> q -> p never starts" in text
    assert len(info.value.errors) == 5


async def test_dump_round_trips_through_yaml(tmp_path: Path) -> None:
    process = LocalProcess(
        name="round-trip",
        components=[
            Source(name="s", count=3),
            double.component(name="d"),
            Counter(name="k", limit=2, initial_values={"inp": [1]}, parameters={"p": 1}),
            Collect(name="c"),
        ],
        connectors=links("s.out->d.a", "d.b->c.inp", "k.out->k.inp"),
        parameters={"shared": True},
    )
    path = tmp_path / "dumped.yaml"
    process.dump(path)
    first = ConfigSpec.model_validate(yaml.safe_load(path.read_text()))
    rebuilt = ProcessBuilder.build(first.plugboard.process)
    rebuilt.dump(tmp_path / "again.yaml")
    second = ConfigSpec.model_validate(yaml.safe_load((tmp_path / "again.yaml").read_text()))
    assert first == second
    assert first.plugboard.process.args.components[1].type == "tests.components.double"
    async with rebuilt:
        await rebuilt.run()
    assert Collect.seen["c"] == [0, 2, 4]
