"""`budget catalog update --from FILE`: a price dataset as a YAML patch a maintainer reviews,
never applied. The fixtures are excerpts of the real files, unchanged: genai-prices 0.2.5's
bundled data (its data.py written out as data.json) and LiteLLM 1.110.2's
model_prices_and_context_window_backup.json (see tests/fixtures/update/README.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import yaml
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import DATA_DIR, load_catalog
from pricing.compare import compare_file
from pricing.update import update_patch

FIXTURES = Path(__file__).parent / "fixtures" / "update"
GENAI = FIXTURES / "genai_prices_0.2.5_excerpt.json"
LITELLM = FIXTURES / "litellm_1.110.2_excerpt.json"
CATALOG = load_catalog(())
DAY = dt.date(2026, 11, 25)


def changes(patch, kind: str) -> dict:
    return {c.model: c for c in patch.changes if c.kind == kind}


def test_genai_prices_new_models_carry_their_dated_prices():
    patch = update_patch(GENAI, CATALOG, DAY)
    assert patch.dataset == "genai-prices"
    cyber = changes(patch, "new model")["gpt-5.5-cyber"]
    # genai-prices: $12.50 / $75 without a cached rate until 2026-10-19, $1.25 cached from then
    assert cyber.proposal["prices"] == {
        "input": Decimal("12.5"),
        "output": Decimal(75),
        "cache_read": Decimal("1.25"),
    }
    [period] = cyber.proposal["price_periods"]
    assert period["until"] == dt.date(2026, 10, 19) and "cache_read" not in period["prices"]
    # what the dataset cannot say is left for a person, never guessed
    assert cyber.proposal["tokenizer"] is None and cyber.proposal["max_output_tokens"] is None
    assert any(line.startswith("max_output_tokens") for line in cyber.review)


def test_models_that_agree_propose_nothing():
    patch = update_patch(GENAI, CATALOG, DAY)
    named = {name for change in patch.changes for name in change.names}
    # gpt-6.2-sol: standard, >272K, fast and ultrafast (3x until 2027-03-01) all agree;
    # gemini-4-argon: Flex $1 / $5 and Priority $3.60 / $18 agree; gemini-2.5-pro's 200K tier
    assert not named & {"gpt-6.2-sol", "gemini-4-argon", "gemini-2.5-pro", "gpt-5.2"}


def test_time_of_day_prices_are_for_review_not_a_price_period():
    patch = update_patch(GENAI, CATALOG, DAY)
    # deepseek-chat: genai-prices keeps V3's peak and off-peak windows; a period from the day
    # compared cannot hold them, and the model retired on 2026-07-24
    review = changes(patch, "review")["deepseek-chat"].review
    assert "output (00:30-16:30 UTC): ours 0.28, theirs 1.1" in review
    assert "deepseek-chat" not in changes(patch, "new price period")


def test_a_changed_price_becomes_a_whole_period_from_the_day_compared():
    patch = update_patch(GENAI, CATALOG, DAY)
    embed = changes(patch, "new price period")["mistral-embed"]
    # genai-prices bills mistral-embed output at $0.10 (we: 0, an embedding has no output)
    [period] = embed.proposal["price_periods"]
    assert period == {
        "from": DAY,
        "prices": {"input": Decimal("0.1"), "output": Decimal("0.1")},
        "source": None,
    }
    assert "changed: output 0 -> 0.1" in embed.review


def test_litellm_new_model_with_its_long_context_tier_and_a_retirement():
    patch = update_patch(LITELLM, CATALOG, DAY)
    assert patch.dataset == "litellm"
    rosalind = changes(patch, "new model")["gpt-6-rosalind"].proposal
    # LiteLLM: $15 / $75, above 272K $30 / $112.50 (2x input, 1.5x output)
    assert rosalind["tiers"] == [
        {
            "above_input_tokens": 272000,
            "input": Decimal(30),
            "output": Decimal("112.5"),
            "cache_read": Decimal(3),
            "cache_write_5m": Decimal("37.5"),
        }
    ]
    # LiteLLM gives input and output limits, not the window: left for a person
    assert rosalind["context_window"] is None and rosalind["max_input_tokens"] == 922000
    assert changes(patch, "retirement")["gpt-5.4-nano"].proposal == {
        "id": "gpt-5.4-nano",
        "retired": dt.date(2027, 4, 1),
    }


def test_names_of_one_model_with_one_change_are_merged():
    patch = update_patch(LITELLM, CATALOG, DAY)
    limits = changes(patch, "limits")["deepseek-chat"]
    assert limits.names == ("deepseek-chat", "deepseek/deepseek-chat")
    # LiteLLM keeps V3.2's limits to the end (we: V4 Flash's, the last live ones)
    assert limits.proposal == {
        "id": "deepseek-chat",
        "max_input_tokens": 131072,
        "max_output_tokens": 8192,
    }
    # xai/grok-4.3 and -latest: LiteLLM's "above 200K" is our 199999 (xAI's ">= 200K"): agree
    assert not [c for c in patch.changes if c.model == "grok-4.3"]


def test_compare_reads_long_context_tiers(tmp_path):
    # a dataset giving gpt-6.2-sol a $5 long-context input rate (OpenAI: $4)
    sol = {
        "id": "gpt-6.2-sol",
        "prices": {
            "input_mtok": {"base": 2, "tiers": [{"start": 272000, "price": 5}]},
            "output_mtok": {"base": 10, "tiers": [{"start": 272000, "price": 15}]},
        },
    }
    path = tmp_path / "data.json"
    path.write_text(json.dumps([{"id": "openai", "models": [sol]}]))
    differences = compare_file(path, CATALOG, DAY).differences
    assert [(d.field, d.ours, d.theirs) for d in differences] == [
        ("above_272000.input", Decimal(4), Decimal(5))
    ]


def bundled_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(DATA_DIR.rglob("*.yaml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_cli_writes_a_patch_that_reads_back_and_leaves_the_catalog_alone(tmp_path):
    before = bundled_digest()
    out = tmp_path / "patch.yaml"
    result = CliRunner().invoke(
        cli, ["catalog", "update", "--from", str(LITELLM), "--at", "2026-11-25", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {out}: 1 new models, 0 new price periods, 3 limits")
    text = out.read_text()
    assert text.startswith("# Proposed catalog changes: NOT applied.")
    patch = yaml.safe_load(text)
    assert patch["dataset"] == "litellm" and patch["compared_on"] == dt.date(2026, 11, 25)
    assert patch["sha256"] == hashlib.sha256(LITELLM.read_bytes()).hexdigest()
    rosalind = next(c for c in patch["changes"] if c["model"] == "gpt-6-rosalind")
    assert rosalind["proposal"]["tiers"][0]["output"] == 112.5
    assert bundled_digest() == before


def test_json_and_standard_output():
    runner = CliRunner()
    args = ["catalog", "update", "--from", str(GENAI), "--at", "2026-11-25"]
    data = json.loads(runner.invoke(cli, [*args, "--json"]).stdout)
    assert data["summary"]["new models"] == 1 and data["dataset"] == "genai-prices"
    printed = runner.invoke(cli, args)
    assert printed.exit_code == 0
    assert yaml.safe_load(printed.stdout)["summary"] == data["summary"]


def test_the_bundled_catalog_is_never_an_output(tmp_path):
    target = DATA_DIR / "openai.yaml"
    before = target.read_bytes()
    result = CliRunner().invoke(cli, ["catalog", "update", "--from", str(GENAI), "-o", str(target)])
    assert result.exit_code == 2
    assert "writing it would destroy the input" in result.stderr
    assert target.read_bytes() == before


def test_a_broken_dataset_is_one_line_and_writes_nothing(tmp_path):
    broken = tmp_path / "data.json"
    broken.write_text('[{"id": "openai", "models": [\n{"id": "gpt-5.2", "prices": }]}]')
    out = tmp_path / "patch.yaml"
    result = CliRunner().invoke(cli, ["catalog", "update", "--from", str(broken), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and f"{broken}:2: invalid JSON" in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [broken]


def test_a_price_the_dataset_dates_later_is_a_period_from_that_day():
    # The compare fixture's gemini-4-argon doubles its standard rate on 2026-12-01 but keeps
    # Flex at $1 / $5 (ours: $2 / $10 from then): proposed from 2026-12-01, not from --at
    fixture = Path(__file__).parent / "fixtures" / "compare" / "genai_prices_data.json"
    patch = update_patch(fixture, CATALOG, dt.date(2026, 11, 30))
    argon = changes(patch, "new price period")["gemini-4-argon"]
    [period] = argon.proposal["price_periods"]
    assert period["from"] == dt.date(2026, 12, 1)
    assert period["prices"] == {"input": 4, "output": 20, "cache_read": Decimal("0.2")}
    assert period["service_tiers"]["flex"] == {
        "input": 1,
        "output": 5,
        "cache_read": Decimal("0.05"),
    }
    assert argon.review[0] == "from: 2026-12-01, the day the dataset gives for this price"
