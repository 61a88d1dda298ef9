"""A trace under PrefectProcess: every step of the task runs, retried steps included."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.components import Collect, Source
from tests.conftest import links
from tests.prefect.components import FlakyDouble
from tests.prefect.helpers import unique


pytestmark = pytest.mark.usefixtures("prefect_api")
pd = pytest.importorskip("pandas")


async def test_a_prefect_run_with_a_retried_step_traces_each_step_once(tmp_path: Path) -> None:
    from plugboard.trace import Trace, load
    from plugboard_prefect import PrefectProcess

    process = PrefectProcess(
        name=unique("traced"),
        components=[
            Source(name="source", count=6),
            FlakyDouble(name="double", fail_at=3),
            Collect(name="sink"),
        ],
        connectors=links("source.out->double.inp", "double.out->sink.inp"),
        trace=Trace(str(tmp_path / "run.parquet")),
        task_options={"double": {"retries": 1, "retry_delay_seconds": 0}},
    )
    async with process:
        await process.run()
    frame = load(str(tmp_path / "run.parquet"))
    double = frame[frame.component == "double"].sort_values(["step", "time"])
    # The failed attempt is one row with its error; the retry re-runs that step on the same
    # input, and each completed step appears once, with what it read and wrote.
    failed = double[double.error.notna()]
    assert len(failed) == 1 and "ConnectionError: link dropped" in failed.error.iloc[0]
    done = double[double.error.isna()]
    assert done["inputs.inp"].tolist() == list(range(6))
    assert done["outputs.out"].tolist() == [2 * i for i in range(6)]
    assert frame[frame.component == "sink"]["inputs.inp"].tolist() == [2 * i for i in range(6)]
