"""The tutorial examples, run from the CLI and from their `run.py`, checked value by value.

Expected values are computed here from each model's equations, not copied from a run.
"""

import csv
from fractions import Fraction
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys
from typing import Any

import pytest
import yaml


ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "examples" / "tutorials"
DOCS = ROOT / "docs" / "tutorials"
PLUGBOARD = str(Path(sys.executable).with_name("plugboard"))
ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
ENV.pop("PLUGBOARD_JOB_ID", None)

HELLO = "001_hello_world"
BRANCHING = "002_branching"
FEEDBACK = "003_feedback_loop"
PARAMETERS = "004_parameters"
EXAMPLES = [HELLO, BRANCHING, FEEDBACK, PARAMETERS]
OUTPUT = {HELLO: "b.txt", BRANCHING: "output.csv", FEEDBACK: "output.csv", PARAMETERS: "output.csv"}
DOC_PAGE = {
    HELLO: "hello-world.md",
    BRANCHING: "branching.md",
    FEEDBACK: "feedback-loop.md",
    PARAMETERS: "parameters.md",
}


# -- expected outputs, from the models' equations ---------------------------------------------


def expected_hello(iters: int = 10) -> str:
    # A emits 0 .. iters-1; B writes twice each value, one per line.
    return "".join(f"{2 * i}\n" for i in range(iters))


def expected_branching(iters: int = 10, factor: int = 3) -> list[list[str]]:
    rows = [["scaled", "squared", "total"]]
    for x in range(iters):
        scaled, squared = factor * x, x * x
        rows.append([str(scaled), str(squared), str(scaled + squared)])
    return rows


def expected_tank(
    rate: Fraction = Fraction(4),
    steps: int = 20,
    area: Fraction = Fraction(2),
    valve: Fraction = Fraction(1, 2),
    setpoint: Fraction = Fraction(12),
    high: Fraction = Fraction(3, 4),
    low: Fraction = Fraction(1, 4),
    initial_recycle: Fraction = Fraction(0),
) -> list[tuple[int, Fraction, Fraction, Fraction, Fraction]]:
    """Exact rational simulation of the tank and its recirculation controller."""
    level, recycle = Fraction(0), initial_recycle  # recycle starts from the loop's initial value
    rows = []
    for time in range(steps):
        outflow = valve * level
        level = level + (rate + recycle - outflow) / area
        recycle = (high if level < setpoint else low) * outflow
        rows.append((time, level, outflow, recycle, outflow - recycle))
    return rows


def expected_parameters(
    n: int = 5, gain: float = 2, offset: float = 1, own_gain: float = 10
) -> list[list[str]]:
    rows = [["x", "shared", "own"]]
    for x in range(n):
        rows.append([str(x), str(gain * x + offset), str(own_gain * x + offset)])
    return rows


# -- helpers ----------------------------------------------------------------------------------


def copy_example(name: str, tmp_path: Path) -> Path:
    return Path(
        shutil.copytree(
            TUTORIALS / name,
            tmp_path / name,
            ignore=shutil.ignore_patterns("__pycache__", "b.txt", "output*.csv", "*.db"),
        )
    )


def plugboard(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PLUGBOARD, *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=60
    )


def run_script(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py"], cwd=folder, env=ENV, capture_output=True, text=True, timeout=60
    )


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="") as f:
        return list(csv.reader(f))


def components_of(model: Path | dict[str, Any]) -> list[dict[str, Any]]:
    data = yaml.safe_load(model.read_text()) if isinstance(model, Path) else model
    components: list[dict[str, Any]] = data["plugboard"]["process"]["args"]["components"]
    return components


def files_under(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*")}


def find_titled_block(page: Path, lang: str, title: str) -> str | None:
    """Returns the body of the fenced block of `page` whose title is `title`, if any."""
    pattern = rf'^```{lang} title="{re.escape(title)}"\n(.*?)^```'
    match = re.search(pattern, page.read_text(), re.MULTILINE | re.DOTALL)
    return match.group(1) if match else None


def titled_block(page: Path, lang: str, title: str) -> str:
    block = find_titled_block(page, lang, title)
    assert block is not None, f"no {lang} block titled {title!r} in {page.name}"
    return block


def check_output(name: str, folder: Path) -> None:
    output = folder / OUTPUT[name]
    if name == HELLO:
        assert output.read_text() == expected_hello()
    elif name == BRANCHING:
        assert read_csv(output) == expected_branching()
    elif name == FEEDBACK:
        check_tank(read_csv(output), expected_tank())
    else:
        assert read_csv(output) == expected_parameters()


def check_tank(
    rows: list[list[str]], expected: list[tuple[int, Fraction, Fraction, Fraction, Fraction]]
) -> None:
    assert rows[0] == ["time", "level", "outflow", "recycle", "product"]
    assert len(rows) - 1 == len(expected)
    for row, (time, *values) in zip(rows[1:], expected, strict=True):
        assert int(row[0]) == time
        # Every value of this model is a dyadic rational that a float holds exactly.
        assert [Fraction(float(cell)) for cell in row[1:]] == values, f"time {time}"


# -- tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_cli_run_writes_the_expected_output_beside_the_yaml(name: str, tmp_path: Path) -> None:
    folder = copy_example(name, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = plugboard("process", "run", str(folder / "model.yaml"), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert "completed" in result.stdout
    check_output(name, folder)
    assert not list(elsewhere.iterdir()), "relative paths must resolve beside the YAML file"
    shown = find_titled_block(DOCS / DOC_PAGE[name], "text", OUTPUT[name])
    if shown is not None:  # the tutorial page shows the output file as it is
        assert shown == (folder / OUTPUT[name]).read_text()


@pytest.mark.parametrize("name", EXAMPLES)
def test_run_py_writes_the_same_output(name: str, tmp_path: Path) -> None:
    folder = copy_example(name, tmp_path)
    result = run_script(folder)
    assert result.returncode == 0, result.stderr
    assert "completed" in result.stdout
    check_output(name, folder)


@pytest.mark.parametrize("name", EXAMPLES)
def test_validate_and_diagram_succeed_and_create_nothing(name: str, tmp_path: Path) -> None:
    folder = copy_example(name, tmp_path)
    before = files_under(folder)
    count = len(components_of(folder / "model.yaml"))

    validated = plugboard("process", "validate", "model.yaml", cwd=folder)
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.strip() == f"model.yaml: valid ({count} components)"

    drawn = plugboard("process", "diagram", "model.yaml", cwd=folder)
    assert drawn.returncode == 0, drawn.stderr
    assert drawn.stdout.startswith("flowchart LR\n")
    assert files_under(folder) == before


@pytest.mark.parametrize("name", EXAMPLES)
def test_tutorial_page_shows_the_diagram_the_cli_prints(name: str) -> None:
    drawn = plugboard("process", "diagram", str(TUTORIALS / name / "model.yaml"), cwd=ROOT)
    assert drawn.returncode == 0, drawn.stderr
    page = (DOCS / DOC_PAGE[name]).read_text()
    blocks = [block.strip() for block in re.findall(r"```mermaid\n(.*?)```", page, re.DOTALL)]
    assert drawn.stdout.strip() in blocks


def test_feedback_loop_needs_its_initial_value(tmp_path: Path) -> None:
    folder = copy_example(FEEDBACK, tmp_path)
    model = folder / "model.yaml"
    lines = model.read_text().splitlines(keepends=True)
    kept = [line for line in lines if line.strip() not in ("initial_values:", "recycle: [0]")]
    assert len(kept) == len(lines) - 2
    model.write_text("".join(kept))
    result = plugboard("process", "validate", "model.yaml", cwd=folder)
    assert result.returncode == 2
    page = DOCS / DOC_PAGE[FEEDBACK]
    assert result.stderr == titled_block(page, "text", "plugboard process validate model.yaml")


def test_feedback_loop_cli_arguments_change_the_run(tmp_path: Path) -> None:
    folder = copy_example(FEEDBACK, tmp_path)
    result = plugboard(
        "process",
        "run",
        "model.yaml",
        "-p",
        "component.feed.arg.steps=8",
        "-p",
        "component.controller.arg.setpoint=6",
        "-p",
        "component.tank.initial_value.recycle=2",
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr
    rows = read_csv(folder / "output.csv")
    # The initial value override replaces the loop's first recycle flow of 0 with 2.
    check_tank(rows, expected_tank(steps=8, setpoint=Fraction(6), initial_recycle=Fraction(2)))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([], expected_parameters()),
        # A process parameter reaches every component that has no value of its own.
        (["gain=3"], expected_parameters(gain=3)),
        (["offset=0"], expected_parameters(offset=0)),
        # One component's own parameter.
        (["component.own.parameter.gain=7"], expected_parameters(own_gain=7)),
        # A constructor argument.
        (["component.ramp.arg.n=3"], expected_parameters(n=3)),
        # Values are read as YAML: 0.5 is a float.
        (
            ["gain=0.5", "offset=-1", "component.own.parameter.gain=4"],
            expected_parameters(gain=0.5, offset=-1, own_gain=4),
        ),
    ],
)
def test_parameter_overrides(params: list[str], expected: list[list[str]], tmp_path: Path) -> None:
    folder = copy_example(PARAMETERS, tmp_path)
    args = [arg for param in params for arg in ("-p", param)]
    result = plugboard("process", "run", "model.yaml", *args, cwd=folder)
    assert result.returncode == 0, result.stderr
    assert read_csv(folder / "output.csv") == expected


def test_parameter_override_naming_an_unknown_component_exits_2(tmp_path: Path) -> None:
    folder = copy_example(PARAMETERS, tmp_path)
    result = plugboard(
        "process", "run", "model.yaml", "-p", "component.nope.parameter.gain=1", cwd=folder
    )
    assert result.returncode == 2
    assert "no component named 'nope'" in result.stderr
    assert not (folder / "output.csv").exists()


@pytest.mark.parametrize("broken", ["broken.yaml", "broken-schema.yaml"])
def test_validation_output_shown_in_the_yaml_page(broken: str, tmp_path: Path) -> None:
    page = ROOT / "docs" / "usage" / "yaml.md"
    folder = copy_example(BRANCHING, tmp_path)
    (folder / broken).write_text(titled_block(page, "yaml", broken))
    before = files_under(folder)
    result = plugboard("process", "validate", broken, cwd=folder)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == titled_block(page, "text", f"plugboard process validate {broken}")
    assert files_under(folder) == before
