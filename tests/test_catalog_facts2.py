"""Catalog facts issue 21 left open, settled 2026-12-06 against stored sources: the deepseek-chat /
deepseek-reasoner cache-hit cut of 2026-04-26, and the shutdown days of models retired before
2026 (each entry's `notes` quote the page; pricing/data/SOURCES.md says where none was found)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost

CATALOG = load_catalog(())
# 1M prompt of which 600K cache hits, 200K out: the rates per 1M read as dollars.
DEEPSEEK = Usage(input_tokens=1_000_000, cache_read_tokens=600_000, output_tokens=200_000)


def usd(name: str, day: str, usage: Usage, **how) -> Decimal:
    return cost(CATALOG.resolve(name, at=dt.date.fromisoformat(day)), usage, **how).total_usd


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def cost_json(name: str, day: str, input_tokens: int, output_tokens: int) -> dict:
    result = run(
        "cost", "-m", name, "--input", str(input_tokens), "--output", str(output_tokens),
        "--at", day, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- deepseek-chat / deepseek-reasoner: cache hits a tenth from 2026-04-26 ------------------


@pytest.mark.parametrize("name", ["deepseek-chat", "deepseek-reasoner"])
def test_deepseek_names_cache_hits_drop_to_a_tenth_on_2026_04_26(name):
    # 2026-04-25, V4 Flash at launch: 400K x $0.14 + 600K x $0.028 + 200K x $0.28
    #   = $0.056 + $0.0168 + $0.056
    assert usd(name, "2026-04-25", DEEPSEEK) == Decimal("0.1288")
    # 2026-04-26, after DeepSeek's cut: 400K x $0.14 + 600K x $0.0028 + 200K x $0.28
    #   = $0.056 + $0.00168 + $0.056
    assert usd(name, "2026-04-26", DEEPSEEK) == Decimal("0.11368")
    # ... to the last live day, and a call dated after the retirement prices at that day
    assert usd(name, "2026-07-23", DEEPSEEK) == Decimal("0.11368")
    assert usd(name, "2026-08-01", DEEPSEEK) == Decimal("0.11368")


@pytest.mark.parametrize("name", ["deepseek-chat", "deepseek-reasoner"])
def test_each_deepseek_period_cites_its_page(name):
    before = CATALOG.resolve(name, at=dt.date(2026, 4, 25))
    after = CATALOG.resolve(name, at=dt.date(2026, 4, 26))
    assert before.period.label == "2026-04-24..2026-04-26"
    assert "megalodon.jp/ref/2026-0426-0157-09" in before.period.source
    assert (before.prices.cache_read, after.prices.cache_read) == (
        Decimal("0.028"),
        Decimal("0.0028"),
    )
    assert "2026-04-26 12:15 UTC" in after.notes and "TokenMix" in after.notes


def test_no_off_peak_rate_while_deepseek_chat_was_v4_flash():
    # Peak/off-peak billing began 2026-08-16, after the names retired: asking for it is refused
    result = run(
        "cost", "-m", "deepseek-chat", "--input", "1000", "--output", "10",
        "--service-tier", "off-peak", "--at", "2026-05-01",
    )  # fmt: skip
    assert result.exit_code == 2 and "no service tier 'off-peak'" in result.output
    # ... while the V3-era off-peak (until 2025-09-05) still prices, R1 at 75% off:
    # 400K x $0.135 + 600K x $0.035 + 200K x $0.55 = $0.054 + $0.021 + $0.11
    assert usd("deepseek-reasoner", "2025-06-01", DEEPSEEK, service_tier="off-peak") == Decimal(
        "0.185"
    )


# --- shutdown days of models retired before 2026 ---------------------------------------------

RETIRED = [
    # name, shutdown day, replacement, what the notes quote, 10K in + 1K out on the day before
    # gpt-4.5-preview: 10K x $75 + 1K x $150
    ("gpt-4.5-preview", "2025-07-14", "gpt-4.1", "2025-04-14: GPT-4.5-preview", 0.9),
    # o1-preview: 10K x $15 + 1K x $60
    ("o1-preview", "2025-07-28", "o3", "2025-04-28: o1-preview and o1-mini", 0.21),
    # o1-mini: 10K x $1.10 + 1K x $4.40
    ("o1-mini", "2025-10-27", "o4-mini", "2025-04-28: o1-preview and o1-mini", 0.0154),
    # gpt-4-32k: 10K x $60 + 1K x $120
    ("gpt-4-32k", "2025-06-06", "gpt-4o", "2024-06-06: GPT-4-32K", 0.72),
    ("gpt-4-32k-0314", "2025-06-06", "gpt-4o", "2024-06-06: GPT-4-32K", 0.72),
    # gemini-1.5-pro: 10K x $1.25 + 1K x $5 (under 128K)
    ("gemini-1.5-pro", "2025-09-24", "gemini-2.5-pro", "Vertex AI model-versions", 0.0175),
    # gemini-1.5-flash: 10K x $0.075 + 1K x $0.30
    ("gemini-1.5-flash", "2025-09-24", "gemini-2.5-flash", "robertodiasduarte", 0.00105),
    # gemini-1.5-flash-8b: 10K x $0.0375 + 1K x $0.15
    ("gemini-1.5-flash-8b", "2025-09-24", "gemini-2.5-flash-lite", "third-party", 0.000525),
]


@pytest.mark.parametrize("name, shutdown, replacement, quoted, dollars", RETIRED)
def test_priced_the_day_before_the_shutdown(name, shutdown, replacement, quoted, dollars):
    day_before = (dt.date.fromisoformat(shutdown) - dt.timedelta(days=1)).isoformat()
    record = cost_json(name, day_before, 10_000, 1_000)
    assert record["total_usd"] == dollars
    assert record["price_day"] == day_before and record["retirement_pricing"] is None
    assert record["lifecycle_note"] == (
        f"{record['model']} retires on {shutdown}; the provider's replacement is {replacement}"
    )


@pytest.mark.parametrize("name, shutdown, replacement, quoted, dollars", RETIRED)
def test_flagged_the_day_after_the_shutdown(name, shutdown, replacement, quoted, dollars):
    # As for every model retired without routing: its calls failed from the shutdown day, so a
    # call dated later was made by the day before and is priced there, and said so.
    day_after = (dt.date.fromisoformat(shutdown) + dt.timedelta(days=1)).isoformat()
    last_live = (dt.date.fromisoformat(shutdown) - dt.timedelta(days=1)).isoformat()
    record = cost_json(name, day_after, 10_000, 1_000)
    assert record["total_usd"] == dollars and record["price_day"] == last_live
    assert record["retired"] == shutdown and record["lifecycle"] == "retired"
    assert "without routing" in record["retirement_pricing"]
    assert record["lifecycle_note"] == (
        f"{record['model']} was retired on {shutdown}; the provider's replacement is {replacement}"
    )
    assert quoted in CATALOG.resolve(name).notes


def test_openai_dates_cite_the_stored_deprecations_page_and_its_day():
    for name in ("gpt-4.5-preview", "o1-preview", "o1-mini", "gpt-4-32k"):
        notes = CATALOG.resolve(name).notes
        assert "developers.openai.com/api/docs/deprecations.md fetched 2026-06-27" in notes, name
        assert "as we know it (not re-read" not in notes, name


def test_gemini_15_notes_say_no_gemini_api_page_lists_it():
    for name in ("gemini-1.5-pro", "gemini-1.5-flash", "gemini-1.5-flash-8b"):
        model = CATALOG.resolve(name)
        assert "lists 1.5" in model.notes, name
        assert model.source == "https://ai.google.dev/gemini-api/docs/pricing", name
    # Flash-8B's day rests on a third-party report alone, and says so
    assert "a third-party report only" in CATALOG.resolve("gemini-1.5-flash-8b").notes


def test_the_catalog_date_is_the_newest_check_and_not_stale_on_the_pinned_day():
    # Today's edits are dated 2026-12-06, the catalog's date already; on the tests' pinned day
    # (2026-11-25, before it) no stale warning, and none until 90 days after it.
    assert CATALOG.as_of == dt.date(2026, 12, 6)
    assert CATALOG.staleness(dt.date(2026, 11, 25)) is None
    assert CATALOG.staleness(dt.date(2027, 3, 6)) is None  # 90 days
    assert "dated 2026-12-06, 91 days before 2027-03-07" in CATALOG.staleness(dt.date(2027, 3, 7))
