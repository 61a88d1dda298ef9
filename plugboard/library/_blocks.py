"""Arguments read from Prefect blocks when a component starts.

An argument value (or any value inside it) written as `{prefect_block: "secret/name"}` is
a reference: the component keeps the reference (so dumps, diagrams and messages show only
the block's name) and reads the block's value in `init()`, through the loader that
`plugboard_prefect` installs when it is imported. The core imports nothing from Prefect.
"""

from __future__ import annotations

import typing as _t


BLOCK_KEY = "prefect_block"

BlockLoader = _t.Callable[[str], _t.Awaitable[_t.Any]]
"""Reads a block (`"type-slug/name"`) and returns its value; raises `LookupError` if missing."""

_loader: BlockLoader | None = None


def set_block_loader(loader: BlockLoader | None) -> None:
    """Installs the function that reads blocks (`plugboard_prefect` installs its own)."""
    global _loader
    _loader = loader


def block_name(value: _t.Any) -> str | None:
    """The block a value refers to, or None if it is not a reference."""
    if isinstance(value, _t.Mapping) and len(value) == 1 and BLOCK_KEY in value:
        name = value[BLOCK_KEY]
        if isinstance(name, str):
            return name
    return None


def block_names(value: _t.Any) -> list[str]:
    """Every block referred to in a value (in mappings and lists, at any depth)."""
    name = block_name(value)
    if name is not None:
        return [name]
    if isinstance(value, _t.Mapping):
        return [found for item in value.values() for found in block_names(item)]
    if isinstance(value, list | tuple):
        return [found for item in value for found in block_names(item)]
    return []


async def resolve_blocks(value: _t.Any, who: str, argument: str) -> _t.Any:
    """`value` with each block reference replaced by the block's value.

    Args:
        value: The argument as given.
        who: How errors name the component, e.g. `FileReader 'in'`.
        argument: The argument's name, for errors.

    Raises:
        LookupError: A block does not exist, or no loader is installed (Prefect absent).
    """
    name = block_name(value)
    if name is not None:
        loader = _loader
        if loader is None:
            raise LookupError(
                f"{who}: {argument} names the Prefect block '{name}', which only a process"
                " run with plugboard_prefect can read (type: plugboard_prefect.PrefectProcess)"
            )
        try:
            return await loader(name)
        except LookupError as exc:
            raise LookupError(f"{who}: {argument}: {exc}") from None
    if isinstance(value, _t.Mapping):
        return {key: await resolve_blocks(item, who, argument) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [await resolve_blocks(item, who, argument) for item in value]
    return value
