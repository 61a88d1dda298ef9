"""A ready-to-deploy Prefect flow that runs any Plugboard model.

Deploy it with `plugboard prefect deploy`, `prefect deploy` (see `prefect.yaml` beside this
file) or `run_process.serve(...)`; its parameters are the model's location, parameter
overrides with the names `plugboard process run -p` takes, and an optional job id.
"""

from __future__ import annotations

import typing as _t

from prefect import flow

from plugboard_prefect import run_model
from plugboard_prefect.flow import flow_run_name


@flow(name="plugboard-process", flow_run_name=flow_run_name, validate_parameters=True)
async def run_process(
    config: str,
    params: dict[str, _t.Any] | None = None,
    job_id: str | None = None,
) -> list[dict[str, _t.Any]]:
    """Runs the Plugboard model at `config` (a path or fsspec URL) as this flow run.

    Args:
        config: Path or URL of the model's YAML file.
        params: Overrides such as `{"component.source.arg.iters": 20}`.
        job_id: Job id to record the run under.

    Returns:
        One summary row per component.
    """
    return await run_model(config, params, job_id)
