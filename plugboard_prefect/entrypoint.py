"""The flow that runs any Plugboard model: what deployments of Plugboard models execute."""

import typing as _t

from prefect import flow

from plugboard_prefect.flow import flow_run_name, run_model


FLOW_NAME = "plugboard-process"
ENTRYPOINT = "plugboard_prefect/entrypoint.py:run_process"
"""The entrypoint of `run_process`, relative to the folder that holds `plugboard_prefect`."""


@flow(name=FLOW_NAME, flow_run_name=flow_run_name, validate_parameters=True)
async def run_process(
    config: str,
    params: dict[str, _t.Any] | None = None,
    job_id: str | None = None,
) -> list[dict[str, _t.Any]]:
    """Runs the Plugboard model at `config` (a path or fsspec URL) as this flow run.

    Args:
        config: Path or URL of the model's YAML file.
        params: Overrides with the names `plugboard process run -p` takes, such as
            `{"component.source.arg.iters": 20}`.
        job_id: Job id to record the run under.

    Returns:
        One summary row per component.
    """
    return await run_model(config, params, job_id)
