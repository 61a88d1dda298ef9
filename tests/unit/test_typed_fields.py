import typing as _t

from pydantic import BaseModel
import pytest

from plugboard.component import Component, IOController
from plugboard.diagram import MermaidDiagram
from plugboard.exceptions import FieldTypeError, ProcessError, ValidationError
from plugboard.process import LocalProcess
from plugboard.schemas.field_types import compatible
from tests.components import Collect
from tests.conftest import links
from tests.event_components import Clock, Controller, Recorder


class Reading(BaseModel):
    sensor: str
    value: float


class Sensor(Component):
    io = IOController(outputs={"reading": Reading, "temp": float})

    def __init__(self, values: list[_t.Any], **kwargs: _t.Any) -> None:
        super().__init__(**kwargs)
        self.values = values

    async def init(self) -> None:
        self._it = iter(self.values)

    async def step(self) -> None:
        try:
            value = next(self._it)
        except StopIteration:
            await self.io.close()
            return
        self.temp = value
        self.reading = {"sensor": self.name, "value": value}


class Display(Component):
    io = IOController(inputs={"reading": Reading, "temp": float})
    got: _t.ClassVar[list[tuple[Reading, float]]] = []

    async def step(self) -> None:
        Display.got.append((self.reading, self.temp))


class Labeller(Component):
    io = IOController(inputs={"text": str}, outputs=["out"])

    async def step(self) -> None:
        self.out = self.text


def test_plain_lists_of_names_stay_valid() -> None:
    io = IOController(inputs=["a"], outputs=["b"])
    assert io.input_types == {"a": _t.Any}


def test_compatibility_rules() -> None:
    assert compatible(int, float)
    assert compatible(bool, int)
    assert compatible(_t.Any, str)
    assert compatible(int, int | str)
    assert not compatible(str, float)
    assert not compatible(float, int)
    assert compatible(list[int], list[int])


async def test_typed_values_are_validated_and_coerced() -> None:
    Display.got.clear()
    process = LocalProcess(
        components=[Sensor(name="s", values=[1, 2.5]), Display(name="d")],
        connectors=links("s.reading->d.reading", "s.temp->d.temp"),
    )
    async with process:
        await process.run()
    assert Display.got == [
        (Reading(sensor="s", value=1.0), 1.0),
        (Reading(sensor="s", value=2.5), 2.5),
    ]
    assert isinstance(Display.got[0][0], Reading)


def test_incompatible_links_fail_at_build_naming_both_ends() -> None:
    with pytest.raises(
        ValidationError, match=r"output s\.temp \(float\) cannot feed input l\.text \(str\)"
    ):
        LocalProcess(
            components=[Sensor(name="s", values=[]), Labeller(name="l")],
            connectors=links("s.temp->l.text"),
        )


async def test_a_bad_value_fails_where_it_was_produced() -> None:
    process = LocalProcess(
        components=[Sensor(name="s", values=[1.0, "hot" * 40]), Display(name="d")],
        connectors=links("s.reading->d.reading", "s.temp->d.temp"),
    )
    with pytest.raises(ProcessError) as info:
        async with process:
            await process.run()
    assert info.value.component == "s"
    cause = info.value.__cause__
    assert isinstance(cause, FieldTypeError)
    message = str(cause)
    assert "component 's' output 'reading'" in message or "component 's' output 'temp'" in message
    assert "is not a valid" in message
    assert "..." in message and len(message) < 300


async def test_untyped_output_into_typed_input_is_checked_at_the_producer() -> None:
    class Raw(Component):
        io = IOController(outputs=["out"])

        async def init(self) -> None:
            self.sent = False

        async def step(self) -> None:
            if self.sent:
                await self.io.close()
                return
            self.out = "not a number"
            self.sent = True

    class Needs(Component):
        io = IOController(inputs={"x": float})

    process = LocalProcess(
        components=[Raw(name="raw"), Needs(name="needs")], connectors=links("raw.out->needs.x")
    )
    with pytest.raises(ProcessError, match=r"component 'raw' output 'out' -> needs\.x"):
        async with process:
            await process.run()


def test_typed_fields_and_events_show_in_the_diagram() -> None:
    process = LocalProcess(
        components=[
            Sensor(name="s", values=[]),
            Display(name="d"),
            Clock(name="clock"),
            Controller(name="ctrl"),
            Recorder(name="rec"),
            Collect(name="c"),
        ],
        connectors=links("s.reading->d.reading", "s.temp->d.temp", "s.temp->c.inp"),
    )
    text = MermaidDiagram.from_process(process).diagram
    assert '-- "reading: Reading" -->' in text
    assert '-- "temp: float" -->' in text
    assert 'clock@{ shape: rounded, label: Clock<br>**clock** } -. "tick" .-> ctrl' in text
    assert 'ctrl -. "command" .-> rec@{ shape: rounded, label: Recorder<br>**rec** }' in text
    assert 'clock -. "tick" .-> rec' in text
