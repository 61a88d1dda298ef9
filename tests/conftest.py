"""Shared test helpers."""

from __future__ import annotations

import os
import typing as _t

import pytest

from plugboard.connector import AsyncioConnector
from plugboard.schemas import ConnectorSpec
from tests.components import Collect, FailOn, Take


def links(*pairs: str) -> list[AsyncioConnector]:
    """`links("a.out->b.inp", ...)` as asyncio connectors."""
    out = []
    for pair in pairs:
        source, target = (part.strip() for part in pair.split("->"))
        out.append(AsyncioConnector(spec=ConnectorSpec(source=source, target=target)))
    return out


@pytest.fixture(autouse=True)
def _reset_registries(monkeypatch: pytest.MonkeyPatch) -> _t.Iterator[None]:
    monkeypatch.delenv("PLUGBOARD_JOB_ID", raising=False)
    Collect.seen.clear()
    Collect.destroyed.clear()
    Take.seen.clear()
    FailOn.destroyed.clear()
    yield


def require_services() -> bool:
    """Whether missing services must fail tests instead of skipping them."""
    return os.environ.get("PLUGBOARD_TEST_REQUIRE_SERVICES", "") not in ("", "0")
