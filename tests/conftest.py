"""Every CLI run in the tests prices at a fixed day (no test depends on today's date); tests
of the default `--at` (today) remove the variable themselves."""

import pytest

PINNED_DAY = "2026-11-25"  # the bundled catalog's date


@pytest.fixture(autouse=True)
def _pinned_pricing_day(monkeypatch):
    monkeypatch.setenv("TOKEN_BUDGET_AT", PINNED_DAY)


@pytest.fixture(scope="session")
def session_catalog_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("catalog-cache")


@pytest.fixture(autouse=True)
def _catalog_cache_in_tmp(monkeypatch, session_catalog_cache):
    """The compiled catalog (pricing.catalog_cache) is kept in a folder of this test session,
    never in the real home; tests of the cache point it at their own tmp_path."""
    monkeypatch.setenv("TOKEN_BUDGET_CACHE", str(session_catalog_cache))
