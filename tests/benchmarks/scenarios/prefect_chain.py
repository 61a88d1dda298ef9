"""Prefect chain: the chain model under `PrefectProcess`, side by side with `LocalProcess`.

Here "ours" is `PrefectProcess` and the "floor" is `LocalProcess` running the same model. The
scenario starts its own Prefect server (`tests.services.prefect_server`: loopback, a free port,
a temporary `PREFECT_HOME`, stopped by PID) and measures every round in a fresh child process
with that server's environment (`_prefect_child`).
"""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path
import tempfile

from tests.benchmarks import published_env
from tests.benchmarks.core import Case, Metric, Options, Sample, Scenario, Skip, Target
from tests.benchmarks.scenarios._subprocess import child_env, run_module


CHILD = "tests.benchmarks.scenarios._prefect_child"
RELAYS = 10
COMPONENTS = RELAYS + 2

RUN_TARGET = Target(max_ratio=1.1)
"""Per-message cost under Prefect within 10 % of Local: on the 10,000-message row (2,000 quick)."""


def _run_metrics(target: Target | None) -> tuple[Metric, ...]:
    return (
        Metric(
            "us_per_step",
            "us",
            "run phase, wall time per component-step (floor: LocalProcess)",
            target,
        ),
        Metric("cpu_us_per_step", "us", "run phase, event-loop thread CPU per component-step"),
        Metric("run_s", "s", "`process.run()`, whole call"),
    )


OVERHEAD_METRICS = (
    Metric("wall_s", "s", "1-message run: build + init + run + destroy (floor: LocalProcess)"),
    Metric(
        "overhead_s",
        "s",
        f"fixed overhead for {COMPONENTS} components (Prefect minus Local, same child)",
        Target(max_value=1.0),
    ),
    Metric("startup_s", "s", "start-up: `run()` called -> every component task running"),
    Metric("wind_down_s", "s", "wind-down: last component done -> `run()` returns"),
    Metric("exit_s", "s", "child process exit after the run (flushes, thread shutdown)"),
)


def _prefect_missing() -> str | None:
    for module in ("prefect", "plugboard_prefect"):
        try:
            if importlib.util.find_spec(module) is None:
                return f"{module} is not installed (pip install 'plugboard[prefect]')"
        except ImportError as exc:
            return f"{module} cannot be imported: {exc}"
    return None


def _start_server(stack: contextlib.ExitStack) -> dict[str, str]:
    """Starts a Prefect server for the scenario; returns the environment of its clients."""
    import pytest

    from tests.services import prefect_env, prefect_server

    try:
        server = stack.enter_context(prefect_server())
    except pytest.skip.Exception as exc:  # services.missing() skips the way a test would
        raise Skip(str(exc)) from None
    except pytest.fail.Exception as exc:  # ... or fails, under PLUGBOARD_TEST_REQUIRE_SERVICES
        raise RuntimeError(str(exc)) from None
    return prefect_env(server.api_url, server.home)


def published_note(options: Options) -> str:
    """Why the published release has no figures here (asked of its own interpreter)."""
    env, note = published_env.shared(options)
    if env is None:
        return note or "not measured"
    if published_env.has_attribute(env, "plugboard.process", "PrefectProcess"):
        # Not reached with 0.9.0; a release that grows one needs a child script first.
        return "not measured: this suite has no published PrefectProcess run yet"
    if published_env.has_attribute(env, "plugboard_prefect", "PrefectProcess"):
        return "not measured: this suite has no published PrefectProcess run yet"
    return (
        f"cannot run: plugboard {env.version} has no PrefectProcess"
        " (neither plugboard.process.PrefectProcess nor a plugboard_prefect package)"
    )


def _measure(env: dict[str, str], side: str, messages: int, *flags: str) -> Sample:
    return run_module(CHILD, [side, str(messages), str(RELAYS), *flags], env)


def _run_case(env: dict[str, str], messages: int, target: Target | None, note: str) -> Case:
    return Case(
        published_note=note,
        size=f"K={RELAYS}, {messages:,} messages",
        ours=lambda: _measure(env, "prefect", messages),
        floor=lambda: _measure(env, "local", messages),
        metrics=_run_metrics(target),
        params={"relays": RELAYS, "components": COMPONENTS, "messages": messages},
    )


def _cases(options: Options, stack: contextlib.ExitStack) -> list[Case]:
    missing = _prefect_missing()
    if missing is not None:
        raise Skip(missing)
    pycache = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plugboard-bench-")))
    env = child_env(pycache, _start_server(stack))
    note = published_note(options)
    # The longer run shows what of the difference is per message and what is per run.
    sizes = (2_000, 20_000) if options.quick else (10_000, 100_000)
    return [
        *(
            _run_case(env, messages, RUN_TARGET if messages == sizes[0] else None, note)
            for messages in sizes
        ),
        Case(
            size=f"K={RELAYS}, 1 message",
            ours=lambda: _measure(env, "prefect", 1, "--local-first"),
            floor=lambda: {**_measure(env, "local", 1), "overhead_s": 0.0},
            metrics=OVERHEAD_METRICS,
            published_note=note,
            params={"relays": RELAYS, "components": COMPONENTS, "messages": 1},
        ),
    ]


SCENARIO = Scenario(
    name="prefect_chain",
    description=(
        f"source -> {RELAYS} pass-through -> sink under PrefectProcess (ours) and LocalProcess"
        " (floor), against a Prefect server it starts"
    ),
    cases=_cases,
)
