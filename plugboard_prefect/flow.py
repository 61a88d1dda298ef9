"""From a model file (a path or any fsspec URL) to a Prefect flow."""

from __future__ import annotations

from pathlib import Path
import typing as _t

import fsspec
from prefect import Flow
import yaml

from plugboard._imports import is_url
from plugboard.exceptions import ValidationError
from plugboard.process.loader import (
    build_config,
    default_process_name,
    read_config,
    read_config_text,
)
from plugboard.process.process import PREFECT_PROCESS
from plugboard.schemas import ProcessSpec
from plugboard.schemas.overrides import Overrides
from plugboard_prefect.process import PrefectProcess


def _read_text(url: str) -> str:
    """The text at an fsspec URL (or local path)."""
    try:
        with fsspec.open(url, "r", encoding="utf-8") as file:
            return _t.cast(str, file.read())
    except FileNotFoundError:
        raise ValidationError(f"{url}: file not found") from None


def _as_prefect(spec: ProcessSpec) -> None:
    """A model of the default type runs as a `PrefectProcess`."""
    if spec.type == ProcessSpec.model_fields["type"].default:
        spec.type = PREFECT_PROCESS


def load_process(
    config: str | Path | ProcessSpec,
    params: Overrides | None = None,
    job_id: str | None = None,
) -> PrefectProcess:
    """Builds a `PrefectProcess` from a model file, an fsspec URL or a spec.

    A model whose `type` is the default `LocalProcess` runs as a `PrefectProcess`; modules
    of a model read from a URL must be importable on the machine that runs it.

    Args:
        config: Path or URL of the YAML file (`s3://bucket/model.yaml`), or a `ProcessSpec`.
        params: Overrides with the names `plugboard process run -p` takes.
        job_id: Job id to record the run under.

    Raises:
        ValidationError: Everything wrong with the model, in one report.
    """
    if isinstance(config, ProcessSpec):
        spec = config.model_copy(deep=True)
        if params:
            raise ValidationError("params apply to model files, not to a ProcessSpec")
        if job_id is not None:
            spec.args.state.args.job_id = job_id
        from plugboard.process import ProcessBuilder

        _as_prefect(spec)
        process = ProcessBuilder.build(spec)
    else:
        location = str(config)
        if is_url(location) and not location.startswith("file://"):
            loaded = read_config_text(_read_text(location), location, None, params or (), job_id)
        else:
            loaded = read_config(location.removeprefix("file://"), params or (), job_id)
        _as_prefect(loaded.spec.plugboard.process)
        process = build_config(loaded)
    if not isinstance(process, PrefectProcess):
        raise ValidationError(f"process type {type(process).__name__} is not a PrefectProcess")
    return process


async def run_model(
    config: str | Path | ProcessSpec,
    params: Overrides | None = None,
    job_id: str | None = None,
) -> list[dict[str, _t.Any]]:
    """Loads and runs a model inside the current flow run (or as a new one).

    Returns:
        The summary of each component (as in the summary table artifact).
    """
    process = load_process(config, params, job_id)
    async with process:
        await process.run()
    observer = process._observer
    return observer.summary() if observer is not None else []


def process_flow(
    config: str | Path | ProcessSpec,
    params: Overrides | None = None,
    job_id: str | None = None,
) -> Flow[[], _t.Coroutine[_t.Any, _t.Any, list[dict[str, _t.Any]]]]:
    """Returns a Prefect flow that runs a model: call it, `.serve()` it or deploy it.

    The model is checked now, so mistakes show before anything is scheduled.
    """
    name = load_process(config, params, job_id).name

    async def run() -> list[dict[str, _t.Any]]:
        return await run_model(config, params, job_id)

    return Flow(run, name=name, flow_run_name=name, validate_parameters=False)


def flow_run_name() -> str:
    """Names a `flows/` flow run after the process in its `config` parameter."""
    from prefect.runtime import flow_run

    config = flow_run.parameters.get("config", "")
    try:
        text = _read_text(str(config))
        data = yaml.safe_load(text)
        name = data["plugboard"]["process"]["args"].get("name")
    except Exception:  # naming must never fail a run; the process reports real errors
        name = None
    return str(name or default_process_name(str(config)))
