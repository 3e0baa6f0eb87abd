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
    # gpt-5.2 output: ours $14, the fixture says $15 (the only price that disagrees)
    assert [(d.model, d.field, d.ours, d.theirs) for d in result.differences] == [
        ("gpt-5.2", "output", Decimal(14), Decimal(15))
    ]
    assert result.missing == (("openai", "gpt-7-nova"),)  # new, not deprecated there
    # o3, gpt-5.2, gpt-4.1-mini, gemini-4-argon, gemini-3.1-pro-preview; AWS is not compared
    assert result.compared == 5


def test_dated_prices_are_compared_at_the_day():
    # The fixture's gemini-4-argon doubles on 2026-12-01, as ours does: no difference on the
    # day before or the day of; o3's cut of 2025-06-10 likewise.
    for day in ("2026-11-30", "2026-12-01", "2025-06-09", "2025-06-10"):
        result = compare_file(GENAI, CATALOG, dt.date.fromisoformat(day))
        assert [d for d in result.differences if d.model in ("gemini-4-argon", "o3")] == [], day


def test_litellm_prices_per_token_limits_and_retirements():
    result = compare_file(LITELLM, CATALOG, DAY)
    assert result.dataset == "litellm"
    # grok-code-fast-1: ours $0.20 / $1.50 / $0.02 (genai-prices), LiteLLM $1 / $2 / $0.20
    assert {(d.field, d.ours, d.theirs) for d in result.differences} == {
        ("input", Decimal("0.2"), Decimal(1)),
        ("output", Decimal("1.5"), Decimal(2)),
        ("cache_read", Decimal("0.02"), Decimal("0.2")),
    }
    # fine-tunes, embeddings and Bedrock are not compared; a new Gemini model is missing
    assert result.missing == (("google", "gemini/gemini-4-neon"),)
    assert result.retirements == (
        ("gpt-5.4-nano", "gpt-5.4-nano", "retires 2027-04-01 there; here no date"),
    )


def test_the_cli_prints_the_diff_and_json():
    result = CliRunner().invoke(cli, ["catalog", "compare", str(GENAI), "--at", "2026-11-30"])
    assert result.exit_code == 0, result.output
    assert "1 differences, 1 models we lack" in result.stdout
    assert "gpt-7-nova" in result.stdout
    data = json.loads(
        CliRunner()
        .invoke(cli, ["catalog", "compare", str(LITELLM), "--at", "2026-11-30", "--json"])
        .stdout
    )
    assert data["missing"] == [{"provider": "google", "name": "gemini/gemini-4-neon"}]


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
    ],
)
def test_bad_datasets_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        compare_file(path, CATALOG, DAY)
