"""Reading configuration files: YAML with line numbers, and schema errors located by line."""

from __future__ import annotations

import dataclasses
from pathlib import Path
import typing as _t

import pydantic
import yaml

from plugboard.exceptions import ValidationError
from plugboard.schemas.problems import Loc, Problem, dotted, render
from plugboard.schemas.process import ConfigSpec


@dataclasses.dataclass
class LoadedConfig:
    """A configuration file read and checked against the schema.

    Attributes:
        spec: The parsed configuration.
        source: Where it came from (a path, or `<string>`).
        base_dir: The folder relative paths and component modules resolve against.
        lines: Line number of each location in the YAML.
    """

    spec: ConfigSpec
    source: str
    base_dir: Path | None
    lines: dict[Loc, int]

    def render(self, problems: _t.Iterable[Problem]) -> list[str]:
        """Renders problems of this config (locations relative to the whole file)."""
        return render(problems, self.source, self.lines)


def parse_yaml(text: str, source: str = "<string>") -> tuple[_t.Any, dict[Loc, int]]:
    """Parses YAML, returning the data and the line number of every location in it.

    Raises:
        ValidationError: The text is not valid YAML (the message gives line and column).
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        raise ValidationError(f"{where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"{source}: YAML error: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


def _index_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*loc, key), lines)
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*loc, i), lines)


def schema_problems(error: pydantic.ValidationError) -> list[Problem]:
    """Turns pydantic's errors into located problems."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(part for part in item["loc"] if not _is_union_tag(part))
        where = dotted(loc)
        kind = item["type"]
        if kind == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'" + (
                f" in {dotted(loc[:-1])}" if len(loc) > 1 else ""
            )
        elif kind == "missing":
            message = f"missing field '{where}'"
        else:
            text = item["msg"]
            if text.startswith("Value error, "):
                text = text[len("Value error, ") :]
            message = f"{where}: {text}" if where else text
        problems.append(Problem(loc, message))
    return problems


def _is_union_tag(part: str | int) -> bool:
    return isinstance(part, str) and part.startswith("function-")


def load_config_text(
    text: str, source: str = "<string>", base_dir: Path | None = None
) -> LoadedConfig:
    """Parses and schema-checks a configuration given as text.

    Raises:
        ValidationError: Invalid YAML or a schema error; every schema error is reported.
    """
    data, lines = parse_yaml(text, source)
    return load_config_data(data, source, base_dir, lines)


def load_config_data(
    data: _t.Any,
    source: str = "<data>",
    base_dir: Path | None = None,
    lines: dict[Loc, int] | None = None,
) -> LoadedConfig:
    """Schema-checks configuration data already parsed.

    Raises:
        ValidationError: Every schema error, each with its line where known.
    """
    lines = lines or {}
    if not isinstance(data, dict):
        raise ValidationError(
            f"{source}: expected a mapping with a top-level 'plugboard:' key,"
            f" got {type(data).__name__}"
        )
    try:
        spec = ConfigSpec.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(render(schema_problems(exc), source, lines)) from None
    return LoadedConfig(spec=spec, source=source, base_dir=base_dir, lines=lines)


def load_config(path: str | Path) -> LoadedConfig:
    """Reads and schema-checks a configuration file.

    Raises:
        ValidationError: The file is missing, unreadable, not YAML, or breaks the schema.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{path}: cannot read: {exc}") from None
    return load_config_text(text, str(path), file.resolve().parent)
