"""Shared test set-up: every test runs offline, with settings read afresh."""

from __future__ import annotations

import pytest

from helpers.settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Clear the cached settings before and after each test (tests change the environment)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
