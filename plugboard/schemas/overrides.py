"""`-p NAME=VALUE` overrides applied to configuration data before it is checked."""

from __future__ import annotations

import typing as _t

import yaml

from plugboard.exceptions import ValidationError


_TARGETS = {"arg": None, "initial_value": "initial_values", "parameter": "parameters"}


def parse_override(text: str) -> tuple[str, _t.Any]:
    """Splits `NAME=VALUE`, reading VALUE as a YAML scalar or list (`3` is an int).

    Raises:
        ValidationError: No `=` or an empty name.
    """
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ValidationError(f"parameter '{text}' is not of the form NAME=VALUE")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return name, value


Overrides = _t.Sequence[str] | _t.Mapping[str, _t.Any]
"""`NAME=VALUE` strings (as on the command line), or a mapping of names to values."""


def apply_overrides(data: _t.Any, overrides: Overrides) -> None:
    """Applies overrides in place to configuration data (the parsed YAML).

    A bare name sets a process parameter; `component.<name>.arg.<field>`,
    `component.<name>.initial_value.<field>` and `component.<name>.parameter.<field>`
    address one component. Values given as strings are read as YAML (`3` is an int).

    Raises:
        ValidationError: Every malformed override or unknown component, in one report.
    """
    if not overrides:
        return
    try:
        args = data["plugboard"]["process"]["args"]
        components = args["components"]
        by_name = {c["args"]["name"]: c for c in components}
    except (KeyError, TypeError):
        raise ValidationError(
            "cannot apply parameters: the file has no process components"
        ) from None
    errors = []
    pairs: list[tuple[str, _t.Any] | str] = (
        list(overrides.items()) if isinstance(overrides, _t.Mapping) else list(overrides)
    )
    for item in pairs:
        if isinstance(item, str):
            try:
                name, value = parse_override(item)
            except ValidationError as exc:
                errors.extend(exc.errors)
                continue
        else:
            name, value = item
        if not name.startswith("component."):
            args.setdefault("parameters", {})
            args["parameters"][name] = value
            continue
        parts = name.split(".")
        if len(parts) != 4 or parts[2] not in _TARGETS:
            errors.append(
                f"parameter '{name}': use component.<name>.arg.<field>,"
                " component.<name>.initial_value.<field> or component.<name>.parameter.<field>"
            )
            continue
        _, comp_name, kind, field = parts
        if comp_name not in by_name:
            errors.append(
                f"parameter '{name}': no component named '{comp_name}'"
                f" (components: {', '.join(by_name)})"
            )
            continue
        comp_args = by_name[comp_name]["args"]
        key = _TARGETS[kind]
        if key is None:
            comp_args[field] = value
        else:
            if key == "initial_values" and not isinstance(value, list):
                value = [value]
            section = comp_args.get(key)
            if not isinstance(section, dict):
                section = comp_args[key] = {}
            section[field] = value
    if errors:
        raise ValidationError(errors)
