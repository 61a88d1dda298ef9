"""The event-driven and typed-messages tutorials, run from the CLI and from their `run.py`.

Expected values are computed here, independently of the components: the shop is simulated
again in plain Python from the same seeded draws, and the thermometer readings are converted
with exact fractions.
"""

import csv
from fractions import Fraction
import os
from pathlib import Path
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import typing as _t

import pytest


ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "examples" / "tutorials"
DOCS = ROOT / "docs" / "tutorials"
PLUGBOARD = str(Path(sys.executable).with_name("plugboard"))
ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
ENV.pop("PLUGBOARD_JOB_ID", None)

SHOP = "005_event_driven"
TYPED = "006_typed_messages"
DOC_PAGE = {SHOP: "event-driven.md", TYPED: "typed-messages.md"}
SHOP_HEADER = ["time", "arrivals", "served", "queue", "tills"]
TYPED_HEADER = ["sensor", "celsius", "fahrenheit"]


# -- expected outputs -------------------------------------------------------------------------


class Shop(_t.NamedTuple):
    rows: list[list[str]]
    """The CSV, header first."""
    announcements: list[str]


def expected_shop(
    seed: int = 1,
    most: int = 3,
    open_above: int = 4,
    close_at: int = 1,
    closing_time: int = 30,
    per_till: int = 1,
    ticks: int | None = None,
) -> Shop:
    """The shop simulated tick by tick, with the same draws as `Arrivals` makes.

    Ends when the last customer after closing time has been served (the manager's StopEvent),
    or after `ticks` ticks (`--max-steps`), whichever comes first.
    """
    draws = random.Random(seed)
    queue, tills = 0, 1
    rows, announcements = [SHOP_HEADER], []
    for now in range(ticks if ticks is not None else 10_000):
        customers = draws.randint(0, most)
        arrivals = customers if now < closing_time else 0
        queue += arrivals
        served = min(queue, tills * per_till)
        queue -= served
        rows.append([str(v) for v in (now, arrivals, served, queue, tills)])
        if tills == 1 and queue > open_above:
            tills = 2
            announcements.append(f"time {now}: till 2 opens")
        elif tills == 2 and queue <= close_at:
            tills = 1
            announcements.append(f"time {now}: till 2 closes")
        if now >= closing_time - 1 and queue == 0:
            break
    else:
        assert ticks is not None, "the shop never closed"
    return Shop(rows, announcements)


def read_readings(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="") as f:
        return [(row["sensor"], row["celsius"]) for row in csv.DictReader(f)]


def expected_temperatures(readings: list[tuple[str, str]]) -> list[tuple[str, str, Fraction]]:
    """`(sensor, celsius as the float coerced from the text, exact fahrenheit)` per reading."""
    return [
        (sensor, str(float(celsius)), Fraction(celsius) * 9 / 5 + 32)
        for sensor, celsius in readings
    ]


# -- helpers ----------------------------------------------------------------------------------


def copy_example(name: str, tmp_path: Path) -> Path:
    return Path(
        shutil.copytree(
            TUTORIALS / name,
            tmp_path / name,
            ignore=shutil.ignore_patterns("__pycache__", "output*.csv", "*.db"),
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


def announcements(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("time ")]


def files_under(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*")}


def titled_block(page: Path, lang: str, title: str) -> str:
    pattern = rf'^```{lang} title="{re.escape(title)}"\n(.*?)^```'
    match = re.search(pattern, page.read_text(), re.MULTILINE | re.DOTALL)
    assert match is not None, f"no {lang} block titled {title!r} in {page.name}"
    return match.group(1)


def line_of(path: Path, text: str) -> int:
    """The 1-based number of the only line of `path` that is `text`, indentation aside."""
    numbers = [i for i, line in enumerate(path.read_text().splitlines(), 1) if line.strip() == text]
    assert len(numbers) == 1, f"{text!r} in {path.name}: lines {numbers}"
    return numbers[0]


def summary_lines(stdout: str) -> list[str]:
    """The run's printed lines, without the job id and timings of its last line."""
    lines = stdout.splitlines()
    lines[-1] = re.sub(r" in [\d.]+ s \([\d,]+ steps/s\)$", "", lines[-1])
    lines[-1] = re.sub(r"\[Job_\w+\]", "[JOB]", lines[-1])
    return lines


def check_typed_output(rows: list[list[str]], readings: list[tuple[str, str]]) -> None:
    assert rows[0] == TYPED_HEADER
    expected = expected_temperatures(readings)
    assert len(rows) - 1 == len(expected)
    for row, (sensor, celsius, fahrenheit) in zip(rows[1:], expected, strict=True):
        # celsius is written as a float ("22.0" for the text "22"): the dict of strings the
        # sensor sent was coerced into a Reading.
        assert row[:2] == [sensor, celsius]
        assert float(row[2]) == pytest.approx(float(fahrenheit), rel=1e-12, abs=1e-12)


# -- the event-driven shop --------------------------------------------------------------------


def test_the_expected_shop_day_has_what_the_tutorial_describes() -> None:
    shop = expected_shop()
    assert len(shop.rows) - 1 == 33  # open for 30 ticks, then 3 more to serve the queue
    assert shop.announcements == [
        "time 6: till 2 opens",
        "time 18: till 2 closes",
        "time 29: till 2 opens",
        "time 31: till 2 closes",
    ]
    assert shop.rows[-1][3] == "0"


def test_shop_cli_run_stops_with_the_stop_event_and_writes_beside_the_yaml(
    tmp_path: Path,
) -> None:
    folder = copy_example(SHOP, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = plugboard("process", "run", str(folder / "model.yaml"), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    expected = expected_shop()
    assert read_csv(folder / "output.csv") == expected.rows
    assert announcements(result.stdout) == expected.announcements
    # The StopEvent makes the process "stopped", not "completed".
    assert re.search(r"^shop \[\S+\]  stopped  ", result.stdout, re.MULTILINE), result.stdout
    assert not list(elsewhere.iterdir()), "relative paths must resolve beside the YAML file"
    page = DOCS / DOC_PAGE[SHOP]
    assert titled_block(page, "text", "output.csv") == (folder / "output.csv").read_text()
    assert titled_block(page, "text", "announcements").splitlines() == expected.announcements
    # The page shows this run's output, step counts included (they are deterministic too).
    shown = titled_block(page, "text", "plugboard process run model.yaml")
    assert summary_lines(shown) == summary_lines(result.stdout)


def test_shop_run_py_writes_the_same_output(tmp_path: Path) -> None:
    folder = copy_example(SHOP, tmp_path)
    result = run_script(folder)
    assert result.returncode == 0, result.stderr
    expected = expected_shop()
    assert read_csv(folder / "output.csv") == expected.rows
    lines = result.stdout.splitlines()
    assert lines[0] == "topics: tick, arrival, queue.report, till.change"
    assert lines[1:-1] == expected.announcements
    assert lines[-1] == f"shop: stopped; wrote {folder.resolve() / 'output.csv'}"


def test_shop_model_gives_the_same_output_every_run(tmp_path: Path) -> None:
    folder = copy_example(SHOP, tmp_path)
    outputs = []
    for _ in range(3):
        result = plugboard("process", "run", "model.yaml", cwd=folder)
        assert result.returncode == 0, result.stderr
        outputs.append(((folder / "output.csv").read_text(), announcements(result.stdout)))
        (folder / "output.csv").unlink()
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][0].splitlines() == [",".join(row) for row in expected_shop().rows]


@pytest.mark.parametrize("seed", [2, 7, 1234])
def test_the_seed_decides_the_arrivals(seed: int, tmp_path: Path) -> None:
    folder = copy_example(SHOP, tmp_path)
    result = plugboard(
        "process", "run", "model.yaml", "-p", f"component.arrivals.arg.seed={seed}", cwd=folder
    )
    assert result.returncode == 0, result.stderr
    expected = expected_shop(seed=seed)
    assert read_csv(folder / "output.csv") == expected.rows
    assert announcements(result.stdout) == expected.announcements


def test_max_steps_bounds_the_clock(tmp_path: Path) -> None:
    folder = copy_example(SHOP, tmp_path)
    result = plugboard("process", "run", "model.yaml", "--max-steps", "10", cwd=folder)
    assert result.returncode == 0, result.stderr
    expected = expected_shop(ticks=10)
    assert read_csv(folder / "output.csv") == expected.rows
    assert len(expected.rows) == 11
    assert announcements(result.stdout) == expected.announcements == ["time 6: till 2 opens"]
    # The clock ran out of steps: the model ended as the topics closed, not by a stop.
    assert re.search(r"^clock +Clock +completed +10$", result.stdout, re.MULTILINE)
    assert re.search(r"^shop \[\S+\]  completed  ", result.stdout, re.MULTILINE)
    page = DOCS / DOC_PAGE[SHOP]
    shown = titled_block(page, "text", "plugboard process run model.yaml --max-steps 10")
    assert summary_lines(shown) == summary_lines(result.stdout)

    # With more steps than the day needs, the manager's StopEvent comes first.
    result = plugboard("process", "run", "model.yaml", "--max-steps", "100", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert read_csv(folder / "output.csv") == expected_shop().rows
    assert re.search(r"^shop \[\S+\]  stopped  ", result.stdout, re.MULTILINE)


def test_timeout_stops_a_real_time_clock_gracefully(tmp_path: Path) -> None:
    folder = copy_example(SHOP, tmp_path)
    started = time.monotonic()
    result = plugboard(
        "process",
        "run",
        "model.yaml",
        "-p",
        "component.clock.arg.interval=0.05",
        "--timeout",
        "0.5",
        cwd=folder,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert re.search(r"^shop \[\S+\]  stopped  ", result.stdout, re.MULTILINE)
    rows = read_csv(folder / "output.csv")
    full = expected_shop().rows
    # Every tick handled before the stop is recorded, in order; the day was cut short.
    assert 2 <= len(rows) < len(full)
    assert rows == full[: len(rows)]
    assert elapsed < 30


def test_ctrl_c_stops_a_real_time_clock_gracefully(tmp_path: Path) -> None:
    folder = copy_example(SHOP, tmp_path)
    proc = subprocess.Popen(
        [PLUGBOARD, "process", "run", "model.yaml", "-p", "component.clock.arg.interval=0.2"],
        cwd=folder,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (folder / "output.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Stopping gracefully" in stderr
    assert "Interrupted" in stderr and "Traceback" not in stderr
    assert re.search(r"^shop \[\S+\]  stopped  ", stdout, re.MULTILINE)
    rows = read_csv(folder / "output.csv")
    full = expected_shop().rows
    assert 1 <= len(rows) < len(full)
    assert rows == full[: len(rows)]


# -- typed messages ---------------------------------------------------------------------------


def test_typed_cli_run_coerces_readings(tmp_path: Path) -> None:
    folder = copy_example(TYPED, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = plugboard("process", "run", str(folder / "model.yaml"), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^thermometers \[\S+\]  completed  ", result.stdout, re.MULTILINE)
    readings = read_readings(folder / "readings.csv")
    assert ("kitchen", "22") in readings and ("attic", "-3") in readings
    check_typed_output(read_csv(folder / "output.csv"), readings)
    assert not list(elsewhere.iterdir())
    page = DOCS / DOC_PAGE[TYPED]
    assert titled_block(page, "text", "output.csv") == (folder / "output.csv").read_text()


def test_typed_run_py_shows_the_wiring_check_and_writes_the_same_output(
    tmp_path: Path,
) -> None:
    folder = copy_example(TYPED, tmp_path)
    result = run_script(folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "refused: 2 problems found:",
        "  - connector sensor.reading..logger.temp: output sensor.reading (Reading) cannot"
        " feed input logger.temp (float)",
        "  - connector converter.temp..logger.reading: output converter.temp (float) cannot"
        " feed input logger.reading (Reading)",
        f"thermometers: completed; wrote {folder.resolve() / 'output.csv'}",
    ]
    check_typed_output(read_csv(folder / "output.csv"), read_readings(folder / "readings.csv"))


def test_bad_model_is_refused_naming_both_ends_of_each_link(tmp_path: Path) -> None:
    folder = copy_example(TYPED, tmp_path)
    before = files_under(folder)
    result = plugboard("process", "validate", "bad_model.yaml", cwd=folder)
    assert result.returncode == 2
    assert result.stdout == ""
    bad = folder / "bad_model.yaml"
    # Each problem is reported at the line of its connector, the one before the target.
    float_line = line_of(bad, "target: logger.reading      # a float cannot feed a Reading") - 1
    reading_line = line_of(bad, "target: logger.temp         # a Reading cannot feed a float") - 1
    assert result.stderr == (
        f"Error: bad_model.yaml:{float_line}: connector converter.temp..logger.reading:"
        " output converter.temp (float) cannot feed input logger.reading (Reading)\n"
        f"bad_model.yaml:{reading_line}: connector sensor.reading..logger.temp:"
        " output sensor.reading (Reading) cannot feed input logger.temp (float)\n"
    )
    page = DOCS / DOC_PAGE[TYPED]
    assert result.stderr == titled_block(page, "text", "plugboard process validate bad_model.yaml")
    # Running it is refused the same way, before anything is opened.
    result = plugboard("process", "run", "bad_model.yaml", cwd=folder)
    assert result.returncode == 2
    assert "cannot feed input logger.temp (float)" in result.stderr
    assert files_under(folder) == before


def test_a_bad_value_fails_the_run_naming_component_field_and_value(tmp_path: Path) -> None:
    folder = copy_example(TYPED, tmp_path)
    result = plugboard(
        "process",
        "run",
        "model.yaml",
        "-p",
        "component.sensor.arg.path=readings-faulty.csv",
        cwd=folder,
    )
    assert result.returncode == 1
    message = (
        "Error: component 'sensor' failed: FieldTypeError: component 'sensor' output"
        " 'reading': value {'sensor': 'hall', 'celsius': 'n/a'} (dict) is not a valid"
        " Reading: Input should be a valid number, unable to parse string as a number\n"
    )
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"^sensor +SensorLog +failed ", result.stdout, re.MULTILINE)
    assert re.search(r"^thermometers \[\S+\]  failed  ", result.stdout, re.MULTILINE)
    page = DOCS / DOC_PAGE[TYPED]
    assert message in titled_block(page, "text", "stderr")
    # What the logger had written before the failure is kept, and stops before the bad row.
    readings = read_readings(folder / "readings-faulty.csv")
    rows = read_csv(folder / "output.csv")
    bad = readings.index(("hall", "n/a"))
    assert 1 <= len(rows) <= bad + 1
    check_typed_output(rows, readings[: len(rows) - 1])


# -- both -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [SHOP, TYPED])
def test_validate_and_diagram_succeed_and_create_nothing(name: str, tmp_path: Path) -> None:
    folder = copy_example(name, tmp_path)
    before = files_under(folder)
    validated = plugboard("process", "validate", "model.yaml", cwd=folder)
    assert validated.returncode == 0, validated.stderr
    count = {SHOP: 5, TYPED: 3}[name]
    assert validated.stdout == f"model.yaml: valid ({count} components)\n"
    drawn = plugboard("process", "diagram", "model.yaml", cwd=folder)
    assert drawn.returncode == 0, drawn.stderr
    assert files_under(folder) == before


def test_diagrams_label_event_topics_and_typed_links() -> None:
    shop = plugboard("process", "diagram", str(TUTORIALS / SHOP / "model.yaml"), cwd=ROOT)
    assert shop.returncode == 0, shop.stderr
    assert shop.stdout.splitlines() == [
        "flowchart LR",
        '  clock@{ shape: rounded, label: Clock<br>**clock** } -. "tick" .->'
        " arrivals@{ shape: rounded, label: Arrivals<br>**arrivals** }",
        '  arrivals -. "arrival" .-> manager@{ shape: rounded, label: Manager<br>**manager** }',
        '  manager -. "queue.report" .->'
        " recorder@{ shape: rounded, label: Recorder<br>**recorder** }",
        '  manager -. "till.change" .->'
        " announcer@{ shape: rounded, label: Announcer<br>**announcer** }",
    ]
    typed = plugboard("process", "diagram", str(TUTORIALS / TYPED / "model.yaml"), cwd=ROOT)
    assert typed.returncode == 0, typed.stderr
    assert typed.stdout.splitlines() == [
        "flowchart LR",
        '  sensor@{ shape: rounded, label: SensorLog<br>**sensor** } -- "reading: Reading" -->'
        " converter@{ shape: rounded, label: ToFahrenheit<br>**converter** }",
        '  sensor -- "reading: Reading" --> logger@{ shape: rounded, label: Logger<br>**logger** }',
        '  converter -- "temp: float" --> logger',
    ]


@pytest.mark.parametrize("name", [SHOP, TYPED])
def test_tutorial_page_shows_the_diagram_the_cli_prints(name: str) -> None:
    drawn = plugboard("process", "diagram", str(TUTORIALS / name / "model.yaml"), cwd=ROOT)
    assert drawn.returncode == 0, drawn.stderr
    page = (DOCS / DOC_PAGE[name]).read_text()
    blocks = [block.strip() for block in re.findall(r"```mermaid\n(.*?)```", page, re.DOTALL)]
    assert drawn.stdout.strip() in blocks
