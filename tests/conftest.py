"""Every CLI run in the tests prices at a fixed day (no test depends on today's date); tests
of the default `--at` (today) remove the variable themselves."""

import os
import shutil
import tempfile

import pytest

PINNED_DAY = "2026-11-25"  # the bundled catalog's date


@pytest.fixture(autouse=True)
def _pinned_pricing_day(monkeypatch):
    monkeypatch.setenv("TOKEN_BUDGET_AT", PINNED_DAY)


def pytest_configure(config):
    """The compiled catalog (pricing.catalog_cache) of this run is kept in a temporary folder,
    never in the real home: set before collection, since test modules load the catalog when
    imported. Tests of the cache point it at their own tmp_path."""
    folder = tempfile.mkdtemp(prefix="token-budget-catalog-cache-")
    config.stash[_CACHE_FOLDER] = folder
    os.environ["TOKEN_BUDGET_CACHE"] = folder


def pytest_unconfigure(config):
    shutil.rmtree(config.stash.get(_CACHE_FOLDER, ""), ignore_errors=True)


_CACHE_FOLDER = pytest.StashKey[str]()
