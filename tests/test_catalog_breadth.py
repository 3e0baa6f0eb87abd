"""Catalog breadth against genai-prices 0.2.5 and LiteLLM 1.110.2 (issue 21): the models those
datasets price that the catalog lacked, one hand-checked call per family, with their long-context
tiers, service tiers and dated prices. Rates are per 1M tokens."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import InputError

CATALOG = load_catalog(())


def priced(name: str, day: str, usage: Usage, **how) -> Decimal:
    model = CATALOG.resolve(name, at=dt.date.fromisoformat(day))
    return cost(model, usage, **how).total_usd


# --- GPT-6.2 (2026-11-17): a 272K cliff and an ultrafast rate that doubles on 2027-03-01 -------


def test_gpt_62_sol_above_272k_bills_the_whole_request_at_the_long_context_rates():
    usage = Usage(input_tokens=300_000, output_tokens=2_000, cache_read_tokens=100_000)
    # > 272K: 200,000 x $4 + 100,000 cached x $0.20 + 2,000 x $15 = $0.80 + $0.02 + $0.03
    assert priced("gpt-6.2-sol", "2026-12-06", usage) == Decimal("0.85")
    # at 272,000 exactly the short rates hold: 272,000 x $2 + 2,000 x $10
    assert priced("gpt-6.2-sol", "2026-12-06", Usage(272_000, 2_000)) == Decimal("0.564")


@pytest.mark.parametrize(
    ("day", "dollars"),
    [
        # 3x Standard through 2027-02-28: 10,000 x $24 + 1,000 x $120 = $0.24 + $0.12
        ("2027-02-28", "0.36"),
        # 6x from 2027-03-01: 10,000 x $48 + 1,000 x $240
        ("2027-03-01", "0.72"),
    ],
)
def test_gpt_62_astra_ultrafast_doubles_on_2027_03_01(day, dollars):
    usage = Usage(input_tokens=10_000, output_tokens=1_000)
    assert priced("gpt-6.2-astra", day, usage, service_tier="ultrafast") == Decimal(dollars)
    # the standard rate does not move: 10,000 x $8 + 1,000 x $40
    assert priced("gpt-6.2-astra", day, usage) == Decimal("0.12")


def test_gpt_62_astra_ultrafast_above_272k_after_the_change():
    usage = Usage(input_tokens=400_000, output_tokens=10_000)
    # 6x the long-context rates: 400,000 x $96 + 10,000 x $360 = $38.40 + $3.60
    assert priced("gpt-6.2-astra", "2027-06-01", usage, service_tier="ultrafast") == Decimal("42")


def test_gpt_62_has_no_flex_tier_because_none_is_published():
    model = CATALOG.resolve("gpt-6.2-sol", at=dt.date(2026, 12, 6))
    with pytest.raises(InputError, match="no service tier 'flex'"):
        cost(model, Usage(1_000, 100), service_tier="flex")


def test_ultrafast_on_the_command_line_with_at():
    runner = CliRunner()
    before, after = (
        runner.invoke(
            cli,
            ["cost", "-m", "gpt-6.2-sol", "--input", "250000", "--output", "0"]
            + ["--service-tier", "ultrafast", "--at", day, "--json"],
        )
        for day in ("2027-02-28", "2027-03-01")
    )
    assert before.exit_code == 0 and after.exit_code == 0, before.output + after.output
    # 250,000 input tokens (under the 272K cliff) at 3x $2, then at 6x $2
    assert json.loads(before.stdout)["total_usd"] == 1.5
    assert json.loads(after.stdout)["total_usd"] == 3


# --- Gemini 4: Flex and Priority, introductory prices ---------------------------------------


@pytest.mark.parametrize(
    ("tier", "day", "dollars"),
    [
        # introductory: Flex half of $2 / $10 -> 1M x $1 + 100K x $5
        ("flex", "2026-11-25", "1.5"),
        # from 2026-12-01: Flex half of $4 / $20 -> 1M x $2 + 100K x $10
        ("flex", "2026-12-06", "3"),
        # Priority 1.8x of $4 / $20 -> 1M x $7.20 + 100K x $36
        ("priority", "2026-12-06", "10.8"),
    ],
)
def test_gemini_4_argon_flex_and_priority(tier, day, dollars):
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000)
    assert priced("gemini-4-argon", day, usage, service_tier=tier) == Decimal(dollars)


def test_service_tier_flex_on_gemini_4_argon_from_the_command_line():
    result = CliRunner().invoke(
        cli,
        ["cost", "-m", "gemini-4-argon", "--input", "10000", "--output", "1000"]
        + ["--service-tier", "flex", "--at", "2026-11-25", "--json"],
    )
    assert result.exit_code == 0, result.output
    # 10,000 x $1 + 1,000 x $5 = $0.015
    assert json.loads(result.stdout)["total_usd"] == 0.015


@pytest.mark.parametrize(
    ("name", "day", "dollars"),
    [
        # Carbon: introductory $2 / $10 through 2026-11-30 (10,000 x 2 + 2,000 x 10), then $4 / $20
        ("gemini-4-carbon", "2026-11-30", "0.04"),
        ("gemini-4-carbon", "2026-12-01", "0.08"),
        # Hydrogen $1.50 / $7.50 (no promotion): 10,000 x 1.5 + 2,000 x 7.5
        ("gemini-4-hydrogen", "2026-12-06", "0.03"),
        # Neon $3 / $15
        ("gemini-4-neon", "2026-12-06", "0.06"),
    ],
)
def test_new_gemini_4_models(name, day, dollars):
    assert priced(name, day, Usage(input_tokens=10_000, output_tokens=2_000)) == Decimal(dollars)


def test_gemini_4_neon_priority_and_batch():
    usage = Usage(input_tokens=10_000, output_tokens=2_000)
    # Priority 1.8x: 10,000 x $5.40 + 2,000 x $27 = $0.054 + $0.054
    assert priced("gemini-4-neon", "2026-12-06", usage, service_tier="priority") == Decimal("0.108")
    assert priced("gemini-4-neon", "2026-12-06", usage, batch=True) == Decimal("0.03")


# --- DeepSeek V4 Pro's launch cache-hit price -----------------------------------------------


@pytest.mark.parametrize(
    ("day", "dollars"),
    [
        # DeepSeek's page archived 2026-04-25: cache hit $0.03625 (75% off $0.145)
        ("2026-04-25", "0.03625"),
        # a tenth of it from 2026-04-26 12:15 UTC (the day it changed is priced at the new rate)
        ("2026-04-26", "0.003625"),
    ],
)
def test_deepseek_v4_pro_cache_hit_before_and_after_the_cut(day, dollars):
    usage = Usage(input_tokens=1_000_000, output_tokens=0, cache_read_tokens=1_000_000)
    assert priced("deepseek-v4-pro", day, usage) == Decimal(dollars)


# --- models the datasets price that the catalog lacked -------------------------------------

ADDED = {
    # id: a day it was served (before any retirement)
    "o3-deep-research": "2026-06-01",
    "o4-mini-deep-research": "2026-06-01",
    "gpt-5.1-codex-mini": "2026-06-01",
    "gpt-5-search-api": "2026-11-25",
    "chat-latest": "2026-11-25",
    "gpt-5.1-chat-latest": "2026-06-01",
    "gpt-5.2-chat-latest": "2026-06-01",
    "gpt-5.3-chat-latest": "2026-06-01",
    "gpt-4o-mini-search-preview": "2026-06-01",
    "gpt-6.2-sol": "2026-11-25",
    "gpt-6.2-astra": "2026-11-25",
    "gemini-4-carbon": "2026-11-25",
    "gemini-4-hydrogen": "2026-11-25",
    "gemini-4-neon": "2026-11-25",
    "gemini-3.1-flash-image-preview": "2026-03-01",
    "deep-research-preview-04-2026": "2026-11-25",
    "deep-research-max-preview-04-2026": "2026-11-25",
    "gemini-embedding-2": "2026-11-25",
    "grok-3-fast": "2025-06-01",
    "grok-3-mini-fast": "2025-06-01",
    "grok-2-vision-1212": "2025-06-01",
    "devstral-small-2512": "2026-11-25",
    "pixtral-large-2411": "2026-11-25",
    "codestral-embed-2505": "2026-11-25",
}


@pytest.mark.parametrize("name", sorted(ADDED))
def test_each_added_model_resolves_prices_and_names_its_sources(name):
    model = CATALOG.resolve(name, at=dt.date.fromisoformat(ADDED[name]))
    assert cost(model, Usage(10_000, 0 if model.is_embedding else 1_000)).total_usd > 0
    assert str(model.as_of) == "2026-12-06" and model.source.startswith("https://"), name
    # where only one dataset has it, or where the figures come from, the notes say
    assert "genai-prices" in model.notes or "LiteLLM" in model.notes, name


@pytest.mark.parametrize(
    ("name", "day", "usage", "how", "dollars"),
    [
        # o3-deep-research: 10,000 x $10 + 1,000 x $40 + 2 web searches at $10 per 1,000
        ("o3-deep-research", "2026-06-01", Usage(10_000, 1_000), {"web_search": 2}, "0.16"),
        # gpt-4o-mini-search-preview: 10,000 x $0.15 + 1,000 x $0.60 + one request at $25/1,000
        (
            "gpt-4o-mini-search-preview-2025-03-11",
            "2026-06-01",
            Usage(10_000, 1_000),
            {"web_search": 1},
            "0.0271",
        ),
        # chat-latest: 10,000 x $5 + 1,000 x $30
        ("chat-latest", "2026-11-25", Usage(10_000, 1_000), {}, "0.08"),
        # gpt-5.3 (genai-prices' name) is gpt-5.3-chat-latest: 8,000 x $1.75 + 2,000 cached x
        # $0.175 + 1,000 x $14
        ("gpt-5.3", "2026-06-01", Usage(10_000, 1_000, cache_read_tokens=2_000), {}, "0.02835"),
    ],
)
def test_openai_additions_by_hand(name, day, usage, how, dollars):
    assert priced(name, day, usage, tool_calls=how) == Decimal(dollars)


def test_grok_420_beta_names_are_grok_420_with_its_200k_cliff():
    model = CATALOG.resolve("grok-4.20-beta-0309-reasoning", at=dt.date(2026, 6, 1))
    assert model.id == "grok-4.20"
    # 300,000 input tokens (>= 200K): 300,000 x $2.50 + 1,000 x $5
    assert cost(model, Usage(300_000, 1_000)).total_usd == Decimal("0.755")
    assert CATALOG.resolve("grok-4.20-multi-agent-beta-latest").id == "grok-4.20-multi-agent"


def test_grok_3_fast_and_its_batch_discount():
    usage = Usage(10_000, 1_000)
    # 10,000 x $5 + 1,000 x $25 = $0.075; xAI's Batch API takes 20% off: $0.06
    assert priced("grok-3-fast", "2025-06-01", usage) == Decimal("0.075")
    assert priced("grok-3-fast", "2025-06-01", usage, batch=True) == Decimal("0.06")


def test_mistral_additions():
    # Codestral Embed: 1M input tokens at $0.15
    assert priced("codestral-embed", "2026-11-25", Usage(1_000_000, 0)) == Decimal("0.15")
    # Devstral Small 2: 10,000 x $0.10 + 1,000 x $0.30
    assert priced("devstral-small-latest", "2026-11-25", Usage(10_000, 1_000)) == Decimal("0.0013")
    # LiteLLM's ministral-3-* names are the Ministral 3 models already here
    assert CATALOG.resolve("ministral-3-8b-2512").id == "ministral-8b-2512"
    assert CATALOG.resolve("mistral/magistral-small-latest").id == "mistral-small-2603"


def test_google_additions():
    # Gemini Embedding 2: 1M audio input tokens at $6.50 (text would be $0.20)
    audio = Usage(1_000_000, 0, audio_input_tokens=1_000_000)
    assert priced("gemini-embedding-2", "2026-11-25", audio) == Decimal("6.5")
    # gemini-3.1-flash-image-preview: 1,000 x $0.50 + 710 text x $3 + 1,290 image x $60
    image = Usage(1_000, 2_000, image_output_tokens=1_290)
    assert priced("gemini-3.1-flash-image-preview", "2026-03-01", image) == Decimal("0.08003")
    # genai-prices' gemini-flash-1.5-8b: above 128K, 200,000 x $0.075 + 1,000 x $0.30
    long = Usage(200_000, 1_000)
    assert priced("gemini-flash-1.5-8b", "2025-06-01", long) == Decimal("0.0153")
    # Gemini 1.5 Pro's cached rate (genai-prices 0.2.5): 50,000 x $1.25 + 50,000 x $0.3125
    cached = Usage(100_000, 0, cache_read_tokens=50_000)
    assert priced("gemini-pro-1.5", "2025-06-01", cached) == Decimal("0.078125")
