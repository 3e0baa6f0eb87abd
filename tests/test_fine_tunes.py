"""A fine-tuned model is priced at its fine-tune rates, or is unpriced with that reason: never
at its base model's rates. OpenAI bills a gpt-4o-mini fine-tune $0.30 / $1.20 per 1M tokens,
twice the base model's $0.15 / $0.60 (OpenAI's pricing page, Fine-tuning table)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.usage.price import cost_logs
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import UnknownModelError, UnpricedError
from pricing.names import fine_tuned_base

CATALOG = load_catalog(())
DAY = dt.date(2026, 11, 25)
CALL = Usage(input_tokens=1_000_000, output_tokens=100_000)  # rates per 1M read as dollars
NOVEMBER_20 = 1795176000  # 2026-11-20 12:00 UTC, as an OpenAI response's `created`
MINI = "ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:9abc123"


def usd(name: str, usage: Usage = CALL, **how) -> Decimal:
    return cost(CATALOG.resolve(name, at=DAY), usage, **how).total_usd


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(
    "name, dollars",
    [
        # gpt-4o-mini fine-tune: 1M x $0.30 + 100K x $1.20 = $0.30 + $0.12
        ("ft:gpt-4o-mini-2024-07-18", "0.42"),
        (MINI, "0.42"),
        ("ft:gpt-4o-mini-2024-07-18:my-org::9abc123", "0.42"),  # no suffix
        (f"{MINI}:ckpt-step-200", "0.42"),  # a checkpoint of the job
        ("FT:GPT-4o-mini-2024-07-18:My-Org::9abc123", "0.42"),
        ("openai/ft:gpt-4o-mini-2024-07-18", "0.42"),  # LiteLLM
        (f"openai/{MINI}", "0.42"),
        ("openai:ft:gpt-4o-mini-2024-07-18:my-org::9abc123", "0.42"),  # LangChain
        # gpt-4o (2024-08-06) fine-tune: $3.75 + 100K x $15 = $5.25
        ("ft:gpt-4o-2024-08-06:acme::B7xq1", "5.25"),
        # gpt-4.1 family: $3 / $12, $0.80 / $3.20, $0.20 / $0.80
        ("ft:gpt-4.1-2025-04-14:acme:support:C9", "4.2"),
        ("ft:gpt-4.1-mini-2025-04-14:acme::C9", "1.12"),
        ("ft:gpt-4.1-nano-2025-04-14:acme::C9", "0.28"),
        # gpt-3.5-turbo: $3 / $6 for every snapshot's fine-tunes (1106 is a model of its own)
        ("ft:gpt-3.5-turbo-0125:acme::D1", "3.6"),
        ("ft:gpt-3.5-turbo-0613:acme::D1", "3.6"),
        ("ft:gpt-3.5-turbo-1106:acme::D1", "3.6"),
        # o4-mini, reinforcement fine-tuning: $4 + 100K x $16 = $5.60
        ("ft:o4-mini-2025-04-16:acme::E2", "5.6"),
    ],
)
def test_every_spelling_prices_at_the_fine_tune_rates(name, dollars):
    assert usd(name) == Decimal(dollars)


def test_the_base_models_keep_their_own_prices():
    # gpt-4o-mini: $0.15 + 100K x $0.60 = $0.21, half its fine-tune's $0.42
    for name in (
        "gpt-4o-mini",
        "gpt-4o-mini-2024-07-18",
        "openai/gpt-4o-mini",
        "azure/gpt-4o-mini",
    ):
        assert usd(name) == Decimal("0.21"), name
    assert usd("gpt-3.5-turbo") == Decimal("0.65")  # $0.50 + 100K x $1.50


def test_a_fine_tune_is_labelled_and_keeps_the_base_models_limits():
    tuned, base = CATALOG.resolve(MINI, at=DAY), CATALOG.resolve("gpt-4o-mini", at=DAY)
    assert (tuned.id, tuned.name) == ("ft:gpt-4o-mini", "GPT-4o mini, fine-tuned")
    assert tuned.fine_tuned and tuned.fine_tuned_from == "gpt-4o-mini"
    assert not base.fine_tuned
    for limit in ("context_window", "max_input_tokens", "max_output_tokens", "output_param"):
        assert getattr(tuned, limit) == getattr(base, limit), limit
    assert (tuned.tokenizer, tuned.retired) == (base.tokenizer, base.retired)
    assert tuned.source == "https://developers.openai.com/api/docs/pricing"
    # the id is a name too: it resolves to the same fine-tune
    assert CATALOG.resolve("ft:gpt-4o-mini", at=DAY).prices == tuned.prices


def test_cached_input_and_batch_at_fine_tune_rates():
    # 600K x $0.30 + 400K cached x $0.15 + 100K x $1.20 = $0.18 + $0.06 + $0.12
    cached = Usage(input_tokens=1_000_000, output_tokens=100_000, cache_read_tokens=400_000)
    assert usd(MINI, cached) == Decimal("0.36")
    assert usd(MINI, batch=True) == Decimal("0.21")  # Batch API: half of $0.42
    # gpt-4o's fine-tune batch rate is disputed (LiteLLM's $2.225 is not half of $3.75):
    with pytest.raises(UnpricedError, match="no batch API"):
        usd("ft:gpt-4o-2024-08-06:acme::B7xq1", batch=True)
    with pytest.raises(UnpricedError, match="no service tier 'priority'"):
        usd(MINI, service_tier="priority")  # OpenAI publishes no priority fine-tune rate


@pytest.mark.parametrize(
    "name, reason",
    [
        # OpenAI never published a gpt-4 fine-tune rate (LiteLLM and genai-prices use base $30)
        ("ft:gpt-4-0613:acme::F3", "fine-tuned inference on gpt-4 has no published rate"),
        ("ft:gpt-4o-2024-05-13:acme::F3", "fine-tuned inference on gpt-4o-2024-05-13 has no"),
        # Azure bills the fine-tunes it hosts at rates of its own
        ("azure/ft:gpt-4o-mini-2024-07-18", "fine-tuned inference on Azure OpenAI has no"),
        ("azure/gpt-4o-mini-2024-07-18.ft-0a1b2c3d", "fine-tuned inference on Azure OpenAI"),
        ("gpt-35-turbo-0613.ft-b044a9d3cf9c4228", "fine-tuned inference on Azure OpenAI"),
    ],
)
def test_a_fine_tune_without_a_published_rate_is_unpriced_with_the_reason(name, reason):
    with pytest.raises(UnpricedError) as caught:
        CATALOG.resolve(name, at=DAY)
    assert caught.value.reason.startswith(reason)
    assert "--catalog FILE" in str(caught.value)  # and how to price it


def test_a_fine_tune_of_an_unknown_model_names_the_base():
    with pytest.raises(UnknownModelError, match="a fine-tune of 'gpt-9-mini', a model not in"):
        CATALOG.resolve("ft:gpt-9-mini:acme::G4", at=DAY)


@pytest.mark.parametrize(
    "name, base",
    [
        ("ft:gpt-4o-mini-2024-07-18:org:suffix:id", "gpt-4o-mini-2024-07-18"),
        ("azure/ft:gpt-4.1-2025-04-14", "gpt-4.1-2025-04-14"),
        ("ft:open-mistral-7b:587a6b29:20240514:7e773925", "open-mistral-7b"),  # Mistral
        ("gpt-4o-mini", None),
        ("openai/gpt-4o", None),
        ("gpt-4o-mini-2024-07-18:org::id", None),  # no ft: - not a fine-tune's name
        ("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", None),
        ("craft:model", None),
    ],
)
def test_fine_tuned_base(name, base):
    assert fine_tuned_base(name) == base


def test_cost_cli_json_and_table_say_fine_tuned():
    result = run("cost", "-m", f"openai/{MINI}", "--input", "1000000", "--output", "100000")
    assert result.exit_code == 0, result.output
    assert "ft:gpt-4o-mini  (fine-tuned gpt-4o-mini, standard)" in result.stdout
    assert "$0.4200" in result.stdout
    result = run("cost", "-m", MINI, "--input", "1000000", "--output", "100000", "--json")
    record = json.loads(result.stdout)
    assert (record["model"], record["fine_tuned"], record["base_model"]) == (
        "ft:gpt-4o-mini",
        True,
        "gpt-4o-mini",
    )
    assert record["total_usd"] == 0.42
    assert record["breakdown"]["input_usd"] == 0.3 and record["breakdown"]["output_usd"] == 0.12
    result = run("cost", "-m", "gpt-4o-mini", "--input", "1000000", "--output", "100000", "--json")
    plain = json.loads(result.stdout)
    assert (plain["total_usd"], plain["fine_tuned"]) == (0.21, False)


def test_cost_cli_refuses_an_unpriced_fine_tune_in_one_line():
    result = run("cost", "-m", "ft:gpt-4-0613:acme::F3", "--input", "1000", "--output", "10")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: fine-tuned inference on gpt-4 has no published rate in the catalog; pass "
        "--catalog FILE with a `fine_tuned:` block (prices, source, as_of) for gpt-4 (see "
        '"Fine-tunes" in docs/catalog.md)'
    ]


def test_limits_show_the_base_models_limits_and_say_fine_tuned():
    result = run("limits", "ft:gpt-4o-mini-2024-07-18:my-org::9abc123", "--json")
    record = json.loads(result.stdout)
    assert record["model"] == "ft:gpt-4o-mini"
    assert (record["context_window"], record["max_output_tokens"]) == (128_000, 16_384)
    assert (record["fine_tuned"], record["base_model"]) == (True, "gpt-4o-mini")
    table = run("limits", "ft:gpt-4.1-2025-04-14:acme::C9").stdout
    assert "ft:gpt-4.1 (GPT-4.1, fine-tuned)" in table
    assert "1,047,576" in table
    assert "fine_tuned          yes: limits of gpt-4.1, fine-tune rates" in table


def _response(model: str, prompt: int, completion: int) -> str:
    usage = {"prompt_tokens": prompt, "completion_tokens": completion}
    record = {"object": "chat.completion", "created": NOVEMBER_20, "model": model, "usage": usage}
    return json.dumps(record)


@pytest.fixture
def mixed_log(tmp_path):
    path = tmp_path / "responses.jsonl"
    lines = [
        _response(MINI, 1_000_000, 100_000),  # $0.42
        _response("gpt-4o-mini-2024-07-18", 1_000_000, 100_000),  # $0.21
        _response("ft:gpt-4-0613:acme::F3", 1_000, 100),  # no published rate
        _response("gpt-4o-mini-2024-07-18.ft-0a1b2c3d", 2_000, 200),  # Azure's naming
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_usage_prices_a_logged_fine_tune_apart_from_its_base(mixed_log):
    report = cost_logs([str(mixed_log)], CATALOG)
    assert report.by_model["ft:gpt-4o-mini"].totals.total_usd == Decimal("0.42")
    assert report.by_model["gpt-4o-mini"].totals.total_usd == Decimal("0.21")
    assert report.total_usd == Decimal("0.63")
    assert {(g.model, g.reason, g.input_tokens) for g in report.unpriced} == {
        (
            "ft:gpt-4-0613:acme::F3",
            "fine-tuned inference on gpt-4 has no published rate in the catalog",
            1_000,
        ),
        (
            "gpt-4o-mini-2024-07-18.ft-0a1b2c3d",
            "fine-tuned inference on Azure OpenAI has no published rate in the catalog",
            2_000,
        ),
    }


def test_usage_cli_lists_the_unpriced_fine_tunes(mixed_log):
    result = run("usage", str(mixed_log), "--json")
    assert result.exit_code == 1  # some calls could not be priced
    report = json.loads(result.stdout)
    assert report["total_usd"] == 0.63
    assert report["by_model"]["ft:gpt-4o-mini"]["total_usd"] == 0.42
    reasons = {group["model"]: group["reason"] for group in report["unpriced"]}
    assert reasons["ft:gpt-4-0613:acme::F3"].startswith("fine-tuned inference on gpt-4 has no")


def test_usage_of_a_litellm_csv_export_prices_the_fine_tune(tmp_path):
    log = tmp_path / "spend.csv"
    log.write_text(
        "request_id,call_type,spend,total_tokens,prompt_tokens,completion_tokens,startTime,"
        "model,custom_llm_provider,status\n"
        f"r1,acompletion,0.42,1100000,1000000,100000,2026-11-20T12:00:00Z,{MINI},openai,success\n"
    )
    report = cost_logs([str(log)], CATALOG)
    assert report.by_model["ft:gpt-4o-mini"].totals.total_usd == Decimal("0.42")


def test_cost_usage_prices_a_logged_fine_tune(mixed_log):
    result = run("cost", "--usage", str(mixed_log), "--json")
    assert result.exit_code == 1  # two calls named as not priced, on stderr
    assert json.loads(result.stdout)["total_usd"] == 0.63
    assert "fine-tuned inference on gpt-4 has no published rate" in result.stderr


HEADER = "provider: openai\nsource: https://our.contract.example/p3\nas_of: 2026-11-01\nmodels:\n"


def write(tmp_path, text: str) -> str:
    path = tmp_path / "ours.yaml"
    path.write_text(HEADER + text)
    return str(path)


def test_a_catalog_file_gives_a_fine_tune_rate_of_ones_own(tmp_path):
    # gpt-4 fine-tunes at a contract's $45 / $90: 1M x $45 + 100K x $90 = $54
    path = write(tmp_path, "  - id: gpt-4\n    fine_tuned: {prices: {input: 45, output: 90}}\n")
    catalog = load_catalog([path])
    tuned = catalog.resolve("ft:gpt-4-0613:acme::F3", at=DAY)
    assert cost(tuned, CALL).total_usd == Decimal(54)
    assert tuned.source == "https://our.contract.example/p3"
    assert cost(catalog.resolve("gpt-4", at=DAY), CALL).total_usd == Decimal(36)  # base kept


def test_ones_own_fine_tune_rate_drops_the_bundled_provenance(tmp_path):
    path = write(
        tmp_path, "  - id: gpt-3.5-turbo\n    fine_tuned: {prices: {input: 2, output: 4}}\n"
    )
    tuned = load_catalog([path]).resolve("ft:gpt-3.5-turbo-0613:acme::D1", at=DAY)
    assert cost(tuned, CALL).total_usd == Decimal("2.4")  # bases kept: 0613 still resolves
    assert tuned.source == "https://our.contract.example/p3"


def test_a_name_listed_in_a_catalog_file_wins_over_fine_tune_rules(tmp_path):
    # Your Azure fine-tune, at the rates on your invoice
    path = write(
        tmp_path,
        "  - id: our-support-ft\n    name: Our support fine-tune\n"
        "    aliases: [gpt-4o-mini-2024-07-18.ft-0a1b2c3d]\n    context_window: 128000\n"
        "    max_output_tokens: 16384\n    tokenizer: tiktoken:o200k_base\n"
        "    prices: {input: 0.33, output: 1.32}\n",
    )
    model = load_catalog([path]).resolve("gpt-4o-mini-2024-07-18.ft-0a1b2c3d", at=DAY)
    assert cost(model, CALL).total_usd == Decimal("0.462")


def test_fine_tune_rates_have_price_periods(tmp_path):
    path = write(
        tmp_path,
        "  - id: gpt-4\n    fine_tuned:\n      prices: {input: 45, output: 90}\n"
        "      price_periods:\n        - until: 2026-06-01\n"
        "          prices: {input: 60, output: 120}\n"
        "          source: https://our.contract.example/p2\n",
    )
    catalog = load_catalog([path])
    before = catalog.resolve("ft:gpt-4-0613:acme::F3", at=dt.date(2026, 5, 31))
    assert cost(before, CALL).total_usd == Decimal(72)  # $60 + 100K x $120
    assert before.period.source == "https://our.contract.example/p2"
    assert cost(catalog.resolve("ft:gpt-4", at=DAY), CALL).total_usd == Decimal(54)


@pytest.mark.parametrize(
    "block, field",
    [
        ("fine_tuned: 5", "fine_tuned"),
        ("fine_tuned: {prices: {input: 1}}", "fine_tuned.prices.output"),
        ("fine_tuned: {prices: {input: -1, output: 2}}", "fine_tuned.prices.input"),
        ("fine_tuned: {prise: {input: 1, output: 2}}", "fine_tuned.prise"),
        (
            "fine_tuned: {prices: {input: 1, output: 2}, batch_discount: 2}",
            "fine_tuned.batch_discount",
        ),
        ("fine_tuned: {prices: {input: 1, output: 2}, bases: gpt-4-0613}", "fine_tuned.bases"),
        (
            "fine_tuned: {prices: {input: 1, output: 2}, price_periods: [{until: 2026-01-01, "
            "prices: {input: 2, output: 3}}]}",
            "fine_tuned.price_periods[0].source",
        ),
    ],
)
def test_a_bad_fine_tuned_block_names_file_line_model_and_field(tmp_path, block, field):
    path = write(tmp_path, f"  - id: gpt-4\n    {block}\n")
    result = run("cost", "--catalog", path, "-m", "gpt-4", "--input", "10", "--output", "1")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"Error: {path}:5: model 'gpt-4': field '{field}")


def test_a_tiered_model_needs_the_fine_tunes_tiers(tmp_path):
    # Flat fine-tune rates on a model billed by cliff tiers would understate long prompts.
    text = (
        "  - id: m1\n    name: M1\n    context_window: 1000\n    max_output_tokens: 100\n"
        "    tokenizer: estimate:generic\n    prices: {input: 1, output: 2}\n"
        "    tiers: [{above_input_tokens: 500, input: 2, output: 4}]\n"
        "    fine_tuned: {prices: {input: 2, output: 4}}\n"
    )
    result = run("limits", "--catalog", write(tmp_path, text), "m1")
    assert result.exit_code == 2
    assert "field 'fine_tuned.tiers': expected the fine-tune's long-context tiers" in result.stderr
