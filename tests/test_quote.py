"""budget.planner.quote: what `budget cost` prices, called as a library."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from budget.planner.quote import priceable, quote
from pricing.catalog import load_catalog
from pricing.engine import Usage
from pricing.usage import ObservedCall

CATALOG = load_catalog()
DAY = dt.date(2026, 11, 25)


def planned(input_tokens: int, output_tokens: int) -> list[ObservedCall]:
    return [ObservedCall(Usage(input_tokens, output_tokens), None, "tokens", None, False)]


def test_a_planned_call_on_gpt_5_2():
    # $1.75 / $14 per MTok: 12,000 x 1.75 + 800 x 14 = $0.0322 a call, $3,220 for 100,000.
    result = quote(CATALOG, "gpt-5.2", planned(12_000, 800), calls=100_000, day=DAY)
    assert result.record["total_usd"] == Decimal("3220")
    assert result.record["per_call_usd"] == Decimal("0.0322")
    assert result.record["fits"] and result.record["problems"] == []


def test_a_planned_call_too_big_is_priced_with_its_reasons():
    result = quote(CATALOG, "claude-sonnet-4-5", planned(300_000, 1_000), day=DAY)
    assert not result.record["fits"]
    assert any("1m-context" in problem for problem in result.record["problems"])


def test_logged_calls_each_on_the_model_they_name_the_unknown_refused():
    logged = [
        ObservedCall(Usage(1_000, 100), "gpt-5.2", "openai-chat", "stop", False),
        ObservedCall(Usage(1_000, 100), "no-such-model-9", "openai-chat", "stop", False),
    ]
    kept, refused = priceable(CATALOG, logged, ["log:1", "log:2"], day=DAY)
    assert kept == logged[:1]
    assert len(refused) == 1 and refused[0].startswith("log:2: unknown model 'no-such-model-9'")
    # 1,000 x $1.75 + 100 x $14 per MTok = $0.00315
    result = quote(CATALOG, None, kept, day=DAY, logged=True)
    assert result.record["total_usd"] == Decimal("0.00315")
    assert result.record["lifecycle_note"] is None  # logged calls happened: no planning advice
