"""From a configuration file to a built process, with every problem reported by line."""

from __future__ import annotations

from pathlib import Path

from plugboard.exceptions import ValidationError
from plugboard.process.builder import ProcessBuilder
from plugboard.process.process import Process
from plugboard.schemas.loading import LoadedConfig, load_config_data, parse_yaml
from plugboard.schemas.overrides import Overrides, apply_overrides


_PROCESS_LOC = ("plugboard", "process")


def read_config(
    path: str | Path,
    overrides: Overrides = (),
    job_id: str | None = None,
) -> LoadedConfig:
    """Reads a configuration file, applies `-p` overrides and a job id, checks the schema.

    Raises:
        ValidationError: Missing file, YAML syntax, schema errors or bad overrides.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{path}: cannot read: {exc}") from None
    return read_config_text(text, str(path), file.resolve().parent, overrides, job_id)


def read_config_text(
    text: str,
    source: str,
    base_dir: Path | None,
    overrides: Overrides = (),
    job_id: str | None = None,
) -> LoadedConfig:
    """Like `read_config`, for a configuration already read from `source`.

    Raises:
        ValidationError: YAML syntax, schema errors or bad overrides.
    """
    data, lines = parse_yaml(text, source)
    apply_overrides(data, overrides)
    loaded = load_config_data(data, source, base_dir, lines)
    if job_id is not None:
        loaded.spec.plugboard.process.args.state.args.job_id = job_id
    return loaded


def check_config(loaded: LoadedConfig) -> list[str]:
    """Returns every problem of a loaded configuration, rendered as `file:line: message`."""
    problems = ProcessBuilder.check(loaded.spec.plugboard.process, loaded.base_dir)
    return loaded.render(p.prefixed(_PROCESS_LOC) for p in problems)


def build_config(loaded: LoadedConfig) -> Process:
    """Checks and builds the process of a loaded configuration.

    Raises:
        ValidationError: Everything wrong with it, in one report with line numbers.
    """
    problems = check_config(loaded)
    if problems:
        raise ValidationError(problems)
    spec = loaded.spec.plugboard.process
    if spec.args.name is None:
        # A model read from a file is named after the file unless it names itself.
        spec = spec.model_copy(deep=True)
        spec.args.name = default_process_name(loaded.source)
    return ProcessBuilder.build(spec, loaded.base_dir)


def default_process_name(source: str) -> str:
    """The name of a process read from `source` that gives none: the file's stem."""
    stem = Path(source.rsplit("/", 1)[-1]).name.split(".", 1)[0]
    return stem or "process"


def load_process(
    path: str | Path,
    overrides: Overrides = (),
    job_id: str | None = None,
) -> Process:
    """Reads, checks and builds the process in a configuration file.

    Args:
        path: The YAML file.
        overrides: `NAME=VALUE` parameter overrides, as on the command line.
        job_id: Job id to record the run under, overriding the file's.

    Raises:
        ValidationError: Everything wrong with the file, in one report with line numbers.
    """
    return build_config(read_config(path, overrides, job_id))
