from pathlib import Path
import textwrap

import pytest

from plugboard.exceptions import ValidationError
from plugboard.process import load_process
from plugboard.process.loader import check_config, read_config


def write(tmp_path: Path, text: str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


GOOD = """
plugboard:
  process:
    args:
      components:
      - type: tests.components.Source
        args: {name: src, count: 3}
      - type: tests.components.Collect
        args: {name: sink}
      connectors:
      - source: src.out
        target: sink.inp
"""


def test_a_good_model_builds(tmp_path: Path) -> None:
    process = load_process(write(tmp_path, GOOD))
    assert list(process.components) == ["src", "sink"]


def test_yaml_syntax_error_gives_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "plugboard:\n  process: [unclosed\n  other: 1\n")
    with pytest.raises(ValidationError) as info:
        read_config(path)
    (message,) = info.value.errors
    assert message.startswith(f"{path}:3:")
    assert "YAML syntax error" in message


def test_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"nope\.yaml: file not found"):
        read_config(tmp_path / "nope.yaml")


def test_schema_errors_are_all_reported_with_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        plugboard:
          process:
            colour: red
            args:
              components:
              - type: tests.components.Source
                args: {name: "bad name"}
              - args: {name: ok}
              connectors:
              - source: src
                target: sink.inp
        """,
    )
    with pytest.raises(ValidationError) as info:
        read_config(path)
    errors = info.value.errors
    assert len(errors) == 4
    assert f"{path}:3: unknown field 'colour'" in errors[0]
    assert any(e.startswith(f"{path}:7:") and "name" in e for e in errors)
    assert any(e.startswith(f"{path}:8:") and "missing field" in e and "type" in e for e in errors)
    assert any(e.startswith(f"{path}:10:") and "component_name.field_name" in e for e in errors)


def test_type_argument_and_wiring_errors_come_in_one_report(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        plugboard:
          process:
            args:
              components:
              - type: tests.components.Source
                args: {name: src, count: 3, colour: red}
              - type: tests.components.Nope
                args: {name: ghost}
              - type: no_such_module.Thing
                args: {name: other}
              - type: tests.components.Collect
                args: {name: src}
              connectors:
              - source: src.out
                target: sink.inp
        """,
    )
    problems = check_config(read_config(path))
    text = "\n".join(problems)
    assert f"{path}:6: Source 'src': unknown argument 'colour'" in text
    assert f"{path}:7: unknown type 'tests.components.Nope'" in text
    assert "has no attribute 'Nope'" in text
    assert f"{path}:9: unknown type 'no_such_module.Thing'" in text
    assert f"{path}:12: duplicate component name 'src'" in text
    assert f"{path}:15: connector src.out..sink.inp: no component named 'sink'" in text
    with pytest.raises(ValidationError):
        load_process(path)


def test_missing_constructor_argument_is_reported(tmp_path: Path) -> None:
    (tmp_path / "needy.py").write_text(
        "from plugboard.component import Component, IOController\n"
        "class Needy(Component):\n"
        "    io = IOController(outputs=['out'])\n"
        "    def __init__(self, size: int, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
    )
    path = write(
        tmp_path,
        """
        plugboard:
          process:
            args:
              components:
              - type: needy.Needy
                args: {name: n}
        """,
    )
    assert any("Needy 'n': missing argument 'size'" in p for p in check_config(read_config(path)))


def test_types_and_paths_resolve_beside_the_yaml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "beside_yaml.py").write_text(
        "from plugboard.component import Component, IOController\n"
        "class Sink(Component):\n"
        "    io = IOController(inputs=['inp'])\n"
        "    def __init__(self, path: str, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.path = path\n"
    )
    path = write(
        folder,
        """
        plugboard:
          process:
            args:
              components:
              - type: tests.components.Source
                args: {name: src}
              - type: beside_yaml.Sink
                args: {name: sink, path: ./data/out.csv}
              connectors:
              - source: src.out
                target: sink.inp
        """,
    )
    monkeypatch.chdir(tmp_path)
    process = load_process(path)
    assert process.components["sink"].path == str(folder / "data" / "out.csv")  # type: ignore[attr-defined]


def test_a_document_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="expected a mapping"):
        read_config(write(tmp_path, "- just\n- a list\n"))


def test_overrides_set_parameters_args_and_initial_values(tmp_path: Path) -> None:
    loaded = read_config(
        write(tmp_path, GOOD),
        overrides=[
            "rate=2.5",
            "component.src.arg.count=7",
            "component.sink.parameter.label=x",
            "component.sink.initial_value.inp=[1, 2]",
        ],
        job_id="Job_custom",
    )
    args = loaded.spec.plugboard.process.args
    assert args.parameters == {"rate": 2.5}
    assert args.components[0].args.model_extra == {"count": 7}
    assert args.components[1].args.parameters == {"label": "x"}
    assert args.components[1].args.initial_values == {"inp": [1, 2]}
    assert args.state.args.job_id == "Job_custom"


def test_bad_overrides_are_reported_together(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        read_config(
            write(tmp_path, GOOD),
            overrides=["novalue", "component.ghost.arg.x=1", "component.src.colour.x=1"],
        )
    assert len(info.value.errors) == 3
    assert "no component named 'ghost'" in info.value.errors[1]
