"""The scenarios the suite knows, in the order they run.

To add a scenario, write `tests/benchmarks/scenarios/<name>.py` defining a module-level
`SCENARIO = Scenario(...)` and add `<name>` to `SCENARIO_MODULES`.
"""

from __future__ import annotations

import importlib

from tests.benchmarks.core import Scenario


SCENARIO_MODULES: tuple[str, ...] = (
    "chain",
    "feedback",
    "fan",
    "events",
    "pairs",
    "cli_start",
    "csv_parquet",
    "csv_sql",
    "prefect_chain",
    "trace",
)


def load_scenarios() -> dict[str, Scenario]:
    """Imports every scenario module and returns its scenario, keyed by name."""
    scenarios: dict[str, Scenario] = {}
    for module_name in SCENARIO_MODULES:
        module = importlib.import_module(f"tests.benchmarks.scenarios.{module_name}")
        scenario = module.SCENARIO
        if not isinstance(scenario, Scenario):
            raise TypeError(f"{module.__name__}.SCENARIO is not a Scenario")
        if scenario.name in scenarios:
            raise ValueError(f"two scenarios are named {scenario.name!r}")
        scenarios[scenario.name] = scenario
    return scenarios
