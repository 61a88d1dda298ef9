"""Reading Prefect blocks named in a model's arguments (credentials, storage options).

In YAML, an argument of a library component written as `{prefect_block: "secret/pg-url"}`
is read from that block (block type slug, then block document name) when the component
starts. A `Secret` block gives its value (text, or a JSON object for storage options);
other blocks give their `value`, or their fields as a mapping. Importing `plugboard_prefect`
installs this loader.
"""

from __future__ import annotations

import typing as _t

from pydantic import SecretBytes, SecretStr

from plugboard.library._blocks import set_block_loader


async def load_block_value(name: str) -> _t.Any:
    """The value of the block `name` (`"type-slug/document-name"`).

    Raises:
        LookupError: The name is malformed or no such block exists.
    """
    slug, sep, document = name.partition("/")
    if not sep or not slug or not document:
        raise LookupError(
            f"Prefect block names look like 'secret/my-block' (type/name), not {name!r}"
        )
    from prefect.blocks.core import Block
    from prefect.exceptions import ObjectNotFound

    try:
        block = await Block.aload(name)
    except (ValueError, KeyError, ObjectNotFound):
        raise LookupError(f"there is no Prefect block '{name}'") from None
    return block_value(block)


def block_value(block: _t.Any) -> _t.Any:
    """What a block holds, with secret fields revealed."""
    get = getattr(block, "get", None)
    if callable(get):
        return _revealed(get())
    if "value" in type(block).model_fields:
        return _revealed(block.value)
    return {key: _revealed(getattr(block, key)) for key in type(block).model_fields}


def _revealed(value: _t.Any) -> _t.Any:
    if isinstance(value, SecretStr | SecretBytes):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {key: _revealed(item) for key, item in value.items()}
    return value


set_block_loader(load_block_value)
