"""The Prefect tests use the session-wide server fixture `prefect_api` (tests/conftest.py)."""

from tests.conftest import prefect_api


__all__ = ["prefect_api"]
