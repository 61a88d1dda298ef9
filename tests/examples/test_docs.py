"""The documentation's Python examples, run in order, with their printed output checked.

Each page in `docs/usage/` is run as if its Python blocks were one module, `my_model`: a block
may use what earlier blocks defined and may use top-level `await`. A block followed by a
```text title="Output"``` block must print exactly that. The blocks run in a temporary folder
holding a copy of `examples/`, as if from the repository's root.
"""

import ast
import contextlib
import io
import logging
from pathlib import Path
import re
import shutil
import sys
import types

import pytest


ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def examples(page: Path) -> list[tuple[int, str, str | None]]:
    """Returns `(line, code, expected output or None)` for each Python block of a page."""
    text = page.read_text()
    blocks = [
        (text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2).strip(), m.group(3))
        for m in FENCE.finditer(text)
    ]
    found = []
    for i, (line, lang, _attrs, body) in enumerate(blocks):
        if lang != "python" or body.lstrip().startswith("--8<--"):
            continue
        expected = None
        if i + 1 < len(blocks):
            _, next_lang, next_attrs, next_body = blocks[i + 1]
            if next_lang == "text" and next_attrs == 'title="Output"':
                expected = next_body
        found.append((line, body, expected))
    return found


PAGES = [page for page in sorted((ROOT / "docs" / "usage").glob("*.md")) if examples(page)]


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
async def test_page_examples_run_and_print_what_the_page_says(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = examples(page)
    shutil.copytree(
        ROOT / "examples",
        tmp_path / "examples",
        ignore=shutil.ignore_patterns("__pycache__", "b.txt", "output*.csv", "*.db"),
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLUGBOARD_JOB_ID", raising=False)
    module = types.ModuleType("my_model")
    monkeypatch.setitem(sys.modules, "my_model", module)
    # load_process() puts the YAML's folder on the import path and imports its modules:
    # both are undone afterwards.
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        await run_examples(page, blocks, module)
    finally:
        # A page may configure logging, as its readers would: undo it.
        root.handlers[:] = handlers
        root.setLevel(level)
        for name in set(sys.modules) - before:
            if str(getattr(sys.modules[name], "__file__", None) or "").startswith(str(tmp_path)):
                del sys.modules[name]


async def run_examples(
    page: Path, blocks: list[tuple[int, str, str | None]], module: types.ModuleType
) -> None:
    for line, code, expected in blocks:
        compiled = compile(
            code, f"{page.name}:{line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        )
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = eval(compiled, module.__dict__)
            if result is not None:
                await result
        if expected is not None:
            assert out.getvalue() == expected, f"output of the example at {page.name}:{line}"
