"""One Prefect server for the whole session; this process talks to it."""

from __future__ import annotations

import os
import typing as _t

import pytest

from tests.services import PrefectServer, prefect_env, prefect_server


@pytest.fixture(scope="session")
def prefect_api() -> _t.Iterator[PrefectServer]:
    with prefect_server() as server:
        previous = dict(os.environ)
        os.environ.update(prefect_env(server.api_url, server.home))
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server
        os.environ.clear()
        os.environ.update(previous)
