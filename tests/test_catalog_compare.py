"""`budget catalog compare`: a price dataset against the catalog, as a reviewable diff.

The fixtures are small hand-made files shaped like the real ones (genai-prices'
prices/data.json: a list of providers with models, prices as numbers, {base, tiers} or a
list under a start_date constraint; LiteLLM's model_prices_and_context_window.json: an
object of names with per-token costs, litellm_provider, mode and deprecation_date).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.compare import compare_file
from pricing.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "compare"
GENAI = FIXTURES / "genai_prices_data.json"
LITELLM = FIXTURES / "litellm_model_prices.json"
CATALOG = load_catalog(())
DAY = dt.date(2026, 11, 30)


def test_genai_prices_differences_missing_models_and_dates():
    result = compare_file(GENAI, CATALOG, DAY)
    assert result.dataset == "genai-prices"
    # gpt-5.2 output: ours $14, the fixture says $15 (the only standard price that disagrees)
    standard = [d for d in result.differences if d.model in ("gpt-5.2", "o3", "gpt-4.1-mini")]
    assert [(d.model, d.field, d.ours, d.theirs) for d in standard] == [
        ("gpt-5.2", "output", Decimal(14), Decimal(15))
    ]
    assert result.missing == (("openai", "gpt-7-nova"),)  # new, not deprecated there
    # o3, gpt-5.2, gpt-4.1-mini, gemini-4-argon, gemini-3.1-pro-preview, deepseek-flash,
    # deepseek-v4-pro; AWS is not compared
    assert result.compared == 7


def test_service_tier_and_batch_variants_are_compared(tmp_path):
    differences = compare_file(GENAI, CATALOG, DAY).differences
    # gemini-4-argon: the dataset's Flex ($1 / $5 / $0.05) and Priority ($3.60 / $18 / $0.18)
    # rates are our service tiers (added from genai-prices 0.2.5); gpt-5.2's flex ($0.875 / $7),
    # priority and "fast" ($3.50 / $28) and batch agree with our service tiers and 50% batch
    # discount; gpt-4.1-mini's batch variant gives no cached rate, so genai-prices bills the
    # standard $0.10, as our batch_full_price does: no tier differs
    assert [d for d in differences if "." in d.field] == []
    # a tier we lack shows with ours empty: a dataset giving gpt-6.2-sol a Flex rate, which
    # OpenAI does not publish (half of $2 / $10)
    flex = {"when": {"service_tier": "flex"}, "prices": {"input_mtok": 1, "output_mtok": 5}}
    sol = {"id": "gpt-6.2-sol", "prices": {"input_mtok": 2, "output_mtok": 10}}
    path = tmp_path / "data.json"
    path.write_text(json.dumps([{"id": "openai", "models": [sol | {"price_variants": [flex]}]}]))
    differences = compare_file(path, CATALOG, DAY).differences
    assert {(d.field, d.ours, d.theirs) for d in differences} == {
        ("flex.input", None, Decimal(1)),
        ("flex.output", None, Decimal(5)),
    }


def test_deepseek_off_peak_windows_meet_our_off_peak_tier():
    differences = compare_file(GENAI, CATALOG, DAY).differences
    # deepseek-flash: the unconstrained entry is the off-peak $0.15 / $0.60, the 01:00-04:00 and
    # 06:00-10:00 windows the peak $0.30 / $1.20; each window meets what we bill then (our
    # base rates at peak, our `off-peak` tier outside), so nothing differs. Compared as one
    # price, $0.15 would have been set against our peak $0.30.
    assert [d for d in differences if d.model == "deepseek-flash"] == []
    # deepseek-v4-pro: the fixture's off-peak output is $2.00 where we bill $1.98; it shows in
    # the three off-peak stretches of the day only (the 2026-08-17 dated entry holds on DAY)
    assert {(d.field, d.ours, d.theirs) for d in differences if d.model == "deepseek-v4-pro"} == {
        ("output (00:00-01:00 UTC)", Decimal("1.98"), Decimal(2)),
        ("output (04:00-06:00 UTC)", Decimal("1.98"), Decimal(2)),
        ("output (10:00-24:00 UTC)", Decimal("1.98"), Decimal(2)),
    }


def test_dated_prices_are_compared_at_the_day():
    # The fixture's gemini-4-argon doubles on 2026-12-01, as ours does: no difference on the
    # day before or the day of; o3's cut of 2025-06-10 likewise.
    for day in ("2026-11-30", "2026-12-01", "2025-06-09", "2025-06-10"):
        result = compare_file(GENAI, CATALOG, dt.date.fromisoformat(day))
        standard = [d for d in result.differences if "." not in d.field]  # tiers: below
        assert [d for d in standard if d.model in ("gemini-4-argon", "o3")] == [], day


def test_litellm_prices_per_token_limits_and_retirements():
    result = compare_file(LITELLM, CATALOG, DAY)
    assert result.dataset == "litellm"
    # grok-code-fast-1: ours $0.20 / $1.50 / $0.02 (genai-prices), LiteLLM $1 / $2 / $0.20
    grok = [d for d in result.differences if d.model == "grok-code-fast-1"]
    assert {(d.field, d.ours, d.theirs) for d in grok} == {
        ("input", Decimal("0.2"), Decimal(1)),
        ("output", Decimal("1.5"), Decimal(2)),
        ("cache_read", Decimal("0.02"), Decimal("0.2")),
    }
    # fine-tunes, embeddings and Bedrock are not compared; a Gemini model we lack is missing
    assert result.missing == (("google", "gemini/gemini-robotics-er-2-preview"),)
    assert result.retirements == (
        ("gpt-5.4-nano", "gpt-5.4-nano", "retires 2027-04-01 there; here no date"),
    )


def test_the_cli_prints_the_diff_and_json():
    result = CliRunner().invoke(cli, ["catalog", "compare", str(GENAI), "--at", "2026-11-30"])
    assert result.exit_code == 0, result.output
    # gpt-5.2's output and deepseek-v4-pro's off-peak output in three stretches of the day
    assert "4 differences, 1 models we lack" in result.stdout
    assert "gpt-7-nova" in result.stdout and "output (10:00-24:00 UTC)" in result.stdout
    data = json.loads(
        CliRunner()
        .invoke(cli, ["catalog", "compare", str(LITELLM), "--at", "2026-11-30", "--json"])
        .stdout
    )
    assert data["missing"] == [
        {"provider": "google", "name": "gemini/gemini-robotics-er-2-preview"}
    ]


def test_litellm_tier_costs_and_off_peak_pricing():
    differences = compare_file(LITELLM, CATALOG, DAY).differences
    # gpt-5.2's *_flex, *_priority and *_batches costs all agree, and gemini-4-argon's flex
    # ($1 / $5) is our flex tier
    assert [d for d in differences if d.model in ("gpt-5.2", "gemini-4-argon")] == []
    # deepseek-flash: off_peak_pricing ($0.15 / $0.60 / $0.003, weekdays outside 01-04 and
    # 06-10 UTC, weekends all day) is our `off-peak` tier exactly
    assert [d for d in differences if d.model == "deepseek-flash"] == []
    # deepseek-v4-pro: the fixture leaves weekends out of its windows; we bill them off-peak
    [weekend] = [d for d in differences if d.model == "deepseek-v4-pro"]
    assert (weekend.field, weekend.ours, weekend.theirs) == (
        "off-peak.when_utc (only in)",
        "sat 00:00-mon 00:00",
        "none",
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "bad.json:1: invalid JSON"),
        ("42", "expected genai-prices' data.json"),
        ('[{"id": "openai"}]', r"\[0\]: expected a provider with a list of models"),
        (
            '{"o3": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": "x"}}',
            "o3: input_cost_per_token: expected a number",
        ),
        (
            '{"deepseek-flash": {"litellm_provider": "deepseek", "mode": "chat",'
            ' "off_peak_pricing": {"windows": [{"hours_utc": "ten-noon"}]}}}',
            "deepseek-flash: off_peak_pricing: time of day: expected HH:MM",
        ),
        (
            '[{"id": "deepseek", "models": [{"id": "deepseek-flash", "prices": [{"prices": {}},'
            ' {"constraint": {"start_time": "1am", "end_time": "04:00:00Z"}, "prices": {}}]}]}]',
            "deepseek/deepseek-flash: time of day: expected HH:MM:SSZ",
        ),
    ],
)
def test_bad_datasets_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        compare_file(path, CATALOG, DAY)


@pytest.mark.parametrize(
    "rates, differing",
    [
        ((1.25, 2.5, 0.2), set()),  # grok-4.3's: what its calls are billed at since 2026-05-15
        ((0.2, 1.5, 0.02), set()),  # its own last price (LiteLLM keeps retired xAI names at it)
        ((1, 2, 0.2), {"input", "output", "cache_read"}),  # neither: set against its own
    ],
)
def test_a_retired_routed_name_matches_its_own_last_price_or_the_redirects(
    tmp_path, rates, differing
):
    # Before: a dataset listing the rates a retired name is billed at after a redirect
    # (genai-prices lists deepseek-v4-flash at deepseek-flash's) showed every rate as a
    # difference, since only the name's own last price was compared.
    # per token, as the real file writes them (1.25e-06)
    usd_in, usd_out, usd_cached = (float(f"{rate}e-06") for rate in rates)
    dataset = tmp_path / "model_prices_and_context_window.json"
    entry = {
        "litellm_provider": "xai",
        "mode": "chat",
        "input_cost_per_token": usd_in,
        "output_cost_per_token": usd_out,
        "cache_read_input_token_cost": usd_cached,
    }
    dataset.write_text(json.dumps({"xai/grok-code-fast-1": entry}))
    result = compare_file(dataset, CATALOG, DAY)
    assert result.compared == 1
    found = {d.field for d in result.differences}
    assert found == differing
    if differing:
        assert {d.ours for d in result.differences} == {
            Decimal("0.2"),
            Decimal("1.5"),
            Decimal("0.02"),
        }
