"""Shared test helpers."""

from __future__ import annotations

import os
import typing as _t

import pytest

from plugboard.connector import AsyncioConnector
from plugboard.schemas import ConnectorSpec
from tests.components import Collect, FailOn, Take


if _t.TYPE_CHECKING:
    from tests.services import PrefectServer


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


@pytest.fixture(scope="session")
def prefect_api() -> _t.Iterator[PrefectServer]:
    """One Prefect server on loopback for the whole session; this process talks to it."""
    from tests.services import prefect_env, prefect_server

    with prefect_server() as server:
        previous = dict(os.environ)
        os.environ.update(prefect_env(server.api_url, server.home))
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server
            from prefect.logging.handlers import APILogWorker

            # Send the last runs' logs while the server is still there to take them.
            APILogWorker.drain_all(timeout=10)
        os.environ.clear()
        os.environ.update(previous)
