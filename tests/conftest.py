"""Every CLI run in the tests prices at a fixed day (no test depends on today's date); tests
of the default `--at` (today) remove the variable themselves."""

import pytest

PINNED_DAY = "2026-11-25"  # the bundled catalog's date


@pytest.fixture(autouse=True)
def _pinned_pricing_day(monkeypatch):
    monkeypatch.setenv("TOKEN_BUDGET_AT", PINNED_DAY)
