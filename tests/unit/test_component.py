from pathlib import Path
import typing as _t

import pytest

from plugboard.component import Component, IOController
from plugboard.exceptions import IOSetupError
from plugboard.process import LocalProcess
from plugboard.schemas import ComponentArgsDict
from tests.components import Collect, Scale, Source, double, negate
from tests.conftest import links


class Writer(Component):
    io = IOController(inputs=["inp"])

    def __init__(self, path: str, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self._path = path

    async def init(self) -> None:
        self._f = open(self._path, "w")  # noqa: SIM115

    async def step(self) -> None:
        self._f.write(f"{self.inp}\n")

    async def destroy(self) -> None:
        self._f.close()


class Base(Component):
    io = IOController(inputs=["x"], outputs=["y"])

    async def step(self) -> None:
        self.y = self.x


class Child(Base):
    io = IOController(inputs=["z"], outputs=["w"])

    async def step(self) -> None:
        await super().step()
        self.w = self.z


def test_io_declarations_merge_down_the_inheritance_chain() -> None:
    assert Child.io.inputs == ["x", "z"]
    assert Child.io.outputs == ["y", "w"]
    assert Base.io.inputs == ["x"]


def test_subclass_without_its_own_io_inherits_it() -> None:
    class Grandchild(Child):
        pass

    assert Grandchild(name="g").io.inputs == ["x", "z"]


async def test_super_step_does_not_read_inputs_twice() -> None:
    process = LocalProcess(
        components=[
            Source(name="s1", count=3),
            Source(name="s2", count=3),
            Child(name="c"),
            Collect(name="y"),
            Collect(name="w"),
        ],
        connectors=links("s1.out->c.x", "s2.out->c.z", "c.y->y.inp", "c.w->w.inp"),
    )
    async with process:
        await process.run()
    assert Collect.seen == {"y": [0, 1, 2], "w": [0, 1, 2]}


def test_reading_an_undeclared_attribute_raises_attribute_error() -> None:
    comp = Scale(name="s")
    assert comp.inp is None  # declared, no value yet
    with pytest.raises(AttributeError, match=r"has no attribute 'imp'.*inputs: inp"):
        _ = comp.imp  # type: ignore[attr-defined]


def test_component_without_io_is_rejected() -> None:
    class NoIO(Component):
        async def step(self) -> None:
            pass

    with pytest.raises(IOSetupError, match="declares no IO"):
        NoIO(name="n")


@pytest.mark.parametrize("name", ["", "1abc", "a b", "a.b", None])
def test_invalid_component_names_are_rejected(name: object) -> None:
    with pytest.raises(IOSetupError, match="invalid component name"):
        Scale(name=name)  # type: ignore[arg-type]


def test_unknown_constructor_argument_is_rejected() -> None:
    with pytest.raises(TypeError, match="unexpected arguments: colour"):
        Scale(name="s", colour="red")  # type: ignore[call-arg]


def test_field_names_may_not_shadow_component_attributes() -> None:
    with pytest.raises(IOSetupError, match="field name 'name' clashes"):

        class Bad(Component):
            io = IOController(inputs=["name"])


def test_duplicate_field_names_are_rejected() -> None:
    with pytest.raises(IOSetupError, match="declared twice"):
        IOController(inputs=["a", "a"])
    with pytest.raises(IOSetupError, match="both input and output"):
        IOController(inputs=["a"], outputs=["a"])


async def test_construction_has_no_side_effects(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    process = LocalProcess(
        components=[Source(name="s", count=2), Writer(name="w", path=str(target))],
        connectors=links("s.out->w.inp"),
    )
    assert not target.exists()
    async with process:
        assert target.exists()
        await process.run()
    assert target.read_text() == "0\n1\n"


async def test_component_decorator_makes_callable_and_component() -> None:
    assert await double(4) == {"b": 8}
    assert negate(4) == {"b": -4}
    comp = double.component(name="d")
    assert isinstance(comp, Component)
    assert comp.io.inputs == ["a"] and comp.io.outputs == ["b"]
    process = LocalProcess(
        components=[
            Source(name="s", count=4),
            double.component(name="d"),
            negate.component(name="n"),
            Collect(name="c"),
        ],
        connectors=links("s.out->d.a", "d.b->n.a", "n.b->c.inp"),
    )
    async with process:
        await process.run()
    assert Collect.seen["c"] == [0, -2, -4, -6]
