"""Issue 21's disputed rates, each decided against the provider's own page, at hand-checked
dollars. The decision and what the other sources say are in each model's YAML `notes` and in
pricing/data/SOURCES.md ("Disputes decided 2026-12-06")."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import UnpricedError

CATALOG = load_catalog(())
# 1M prompt tokens of which 800K are cache reads, 100K out: rates per 1M read as dollars.
CACHED = Usage(input_tokens=1_000_000, cache_read_tokens=800_000, output_tokens=100_000)


def usd(name: str, day: str, usage: Usage, **how) -> Decimal:
    return cost(CATALOG.resolve(name, at=dt.date.fromisoformat(day)), usage, **how).total_usd


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


# --- OpenAI Batch with cached input before GPT-5: not halved ------------------------------


@pytest.mark.parametrize(
    "name, dollars",
    [
        # 200K x $1.00 (batch input) + 800K x $0.50 (standard cached) + 100K x $4.00 (batch out)
        ("gpt-4.1", "1.00"),
        # 200K x $1.25 + 800K x $1.25 + 100K x $5.00
        ("gpt-4o", "1.75"),
        # 200K x $0.075 + 800K x $0.075 + 100K x $0.30
        ("gpt-4o-mini", "0.105"),
        # 200K x $1.00 + 800K x $0.50 + 100K x $4.00
        ("o3", "1.00"),
    ],
)
def test_batch_cache_reads_keep_the_standard_cached_rate_before_gpt5(name, dollars):
    # OpenAI's Batch table lists no cached-input rate for these models (genai-prices' copy of
    # 2026-10-14; LiteLLM agrees): the standard cached rate, not half of it.
    assert usd(name, "2026-11-25", CACHED, batch=True) == Decimal(dollars)
    assert "batch_full_price" in CATALOG.resolve(name).notes


def test_gpt5_batch_still_halves_cache_reads():
    # GPT-5's Batch row lists cached input at $0.0625, half of $0.125:
    # 200K x $0.625 + 800K x $0.0625 + 100K x $5.00 = $0.125 + $0.05 + $0.50
    assert usd("gpt-5", "2026-11-25", CACHED, batch=True) == Decimal("0.675")


def test_a_fine_tune_of_gpt41_keeps_its_cached_rate_in_batch():
    # ft:gpt-4.1: 200K x $1.50 + 800K x $0.75 (its standard cached rate) + 100K x $6.00
    assert usd("ft:gpt-4.1-2025-04-14", "2026-11-25", CACHED, batch=True) == Decimal("1.50")


# --- deepseek-chat / deepseek-reasoner: V4 Flash from 2026-04-24 ---------------------------

# 1M prompt of which 600K cache hits, 200K out.
DEEPSEEK = Usage(input_tokens=1_000_000, cache_read_tokens=600_000, output_tokens=200_000)


@pytest.mark.parametrize("name", ["deepseek-chat", "deepseek-reasoner"])
def test_deepseek_names_bill_v4_flash_rates_from_its_launch(name):
    # Before V4 (V3.2-Exp): 400K x $0.28 + 600K x $0.028 + 200K x $0.42
    assert usd(name, "2026-04-23", DEEPSEEK) == Decimal("0.2128")
    # From 2026-04-24, V4 Flash (DeepSeek's page archived 2026-04-26):
    # 400K x $0.14 + 600K x $0.028 + 200K x $0.28 = $0.056 + $0.0168 + $0.056
    assert usd(name, "2026-04-24", DEEPSEEK) == Decimal("0.1288")
    # cache hits a tenth from 2026-04-26 (tests/test_catalog_facts2.py): 600K x $0.0028
    assert usd(name, "2026-07-23", DEEPSEEK) == Decimal("0.11368")
    model = CATALOG.resolve(name, at=dt.date(2026, 5, 1))
    assert "megalodon.jp" in model.source and "deepseek-v4-flash" in model.notes


def test_a_deepseek_chat_call_after_retirement_prices_at_the_last_live_day():
    model = CATALOG.resolve("deepseek-chat", at=dt.date(2026, 8, 1))
    assert cost(model, DEEPSEEK).total_usd == Decimal("0.11368")
    assert model.price_day(dt.date(2026, 8, 1)) == dt.date(2026, 7, 23)


def test_deepseek_limits_are_v4_flash_and_the_notes_say_so():
    record = json.loads(run("limits", "deepseek-chat", "--json", "--at", "2026-05-01").stdout)
    assert (record["context_window"], record["max_output_tokens"]) == (1_000_000, 393_216)
    assert "131,072" in record["notes"]  # the window before V4, which limits cannot hold


# --- gpt-3.5-turbo-instruct: 4,096 window, no Batch -----------------------------------------


def test_gpt35_instruct_has_a_4096_window_shared_by_output():
    model = CATALOG.resolve("gpt-3.5-turbo-instruct")
    assert (model.context_window, model.max_output_tokens) == (4096, 4096)
    assert model.source == "https://developers.openai.com/api/docs/models/gpt-3.5-turbo-instruct"
    # 3,000 in + 2,000 out needs 5,000 tokens of a 4,096 window: does not fit
    result = run(
        "check", "-m", "gpt-3.5-turbo-instruct", "--input", "3000", "--max-tokens", "2000",
        "--at", "2026-09-01",
    )  # fmt: skip
    assert result.exit_code == 1


def test_gpt35_instruct_prices_standard_and_refuses_batch():
    call = Usage(input_tokens=3000, output_tokens=1000)
    # 3,000 x $1.50/M + 1,000 x $2/M = $0.0045 + $0.002
    assert usd("gpt-3.5-turbo-instruct", "2026-09-01", call) == Decimal("0.0065")
    with pytest.raises(UnpricedError, match="no batch API"):
        usd("gpt-3.5-turbo-instruct", "2026-09-01", call, batch=True)
    result = run(
        "cost", "-m", "gpt-3.5-turbo-instruct", "--input", "3000", "--output", "1000", "--batch",
        "--at", "2026-09-01",
    )  # fmt: skip
    assert result.exit_code == 2 and "batch" in result.output


# --- grok-build-0.1: retired 2026-11-19, not routed ------------------------------------------


def test_grok_build_retired_without_routing_prices_its_last_live_day():
    call = Usage(input_tokens=100_000, output_tokens=10_000)
    # 100K x $1 + 10K x $2 = $0.10 + $0.02, on its last day and after it alike
    assert usd("grok-build-0.1", "2026-11-18", call) == Decimal("0.12")
    model = CATALOG.resolve("grok-build-0.1", at=dt.date(2026, 11, 25))
    assert cost(model, call).total_usd == Decimal("0.12")
    assert model.retired == dt.date(2026, 11, 19) and model.routed_to is None
    assert "priced at its last live day, 2026-11-18" in model.retirement_pricing(model.priced_on)
    # >= 200K prompt tokens: the whole request at $2 / $4 (250K x $2 + 10K x $4)
    long = Usage(input_tokens=250_000, output_tokens=10_000)
    assert usd("grok-build-0.1", "2026-11-18", long) == Decimal("0.54")
    assert "apiyi" in model.notes and "xAI's own word was not found" in model.notes
