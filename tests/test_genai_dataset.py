"""Real provider responses priced by `budget usage` agree with genai-prices' own engine.

tests/fixtures/genai_dataset/usages.json is a subset of genai-prices' recorded responses (MIT,
see the README beside it): each record's body, and the input and output price genai-prices
computes for it per provider. Every record a first-party provider prices must cost the same
here, to the micro-dollar, unless it is listed below with the reason we price it otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.errors import UnknownModelError, UnpricedError
from pricing.logged import resolve_logged

FIXTURE = Path(__file__).parent / "fixtures" / "genai_dataset" / "usages.json"
DAY = "2026-11-25"
MICRO = Decimal("0.000001")
# genai-prices' provider ids for the first-party APIs the catalog prices
FIRST_PARTY = {"openai", "anthropic", "google", "mistral", "deepseek", "x-ai"}
# Which of genai-prices' API flavours reads a body the way `budget usage` read it (its `api`).
FLAVOURS = {
    "openai-chat": ("chat", "default", "embeddings"),
    "openai-responses": ("responses", "default"),
}

_LATEST = "a `-latest` alias the catalog points at the current model; genai-prices keeps it on "
_LAUNCH = "genai-prices' recorded figure is the launch price; the catalog's price period "
# Records we price otherwise on purpose, by their line in genai-prices' usages.json.
DISAGREE = {
    372: _LATEST + "Medium 3.1 ($0.40 / $2; mistral.yaml: moved to Medium 3.5 2026-06-16)",
    281: _LATEST + "Mistral Large 2 ($2 / $6; mistral.yaml notes, SOURCES.md)",
    1372: _LATEST + "the $0.10 / $0.30 Small (catalog: Small 4 2603, $0.15 / $0.60)",
    1384: _LATEST + "the $0.10 / $0.30 Small (catalog: Small 4 2603, $0.15 / $0.60)",
    537: _LATEST + "Medium 3.1, as line 372",
    1126: _LATEST + "Mistral Large 2, as line 281",
    1373: "magistral-small-latest: the catalog follows LiteLLM to Mistral Small 4 ($0.15 / "
    "$0.60; mistral.yaml); genai-prices keeps Magistral Small ($0.50 / $1.50)",
    1518: _LATEST + "the old Ministral 8B ($0.10; catalog: Ministral 3 8B 2512, $0.15)",
    351: _LAUNCH + "(openai.yaml) has $4 / $20 from 2026-08-21, not $5 / $30",
    352: _LAUNCH + "(openai.yaml) has $4 / $20 from 2026-08-21, not $5 / $30",
    353: _LAUNCH + "(openai.yaml) has $4 / $20 from 2026-08-21, not $5 / $30",
    996: "audio input: the catalog bills gpt-4o-audio-preview's audio at $40 per 1M; "
    "genai-prices has no audio rate for it and bills audio as text ($2.50)",
    1047: "audio input at $40, as line 996",
    194: "gpt-oss is open weights, not an OpenAI API model: the catalog prices it at "
    "Together's rate; genai-prices' openai provider at an OpenRouter import ($0.039)",
    1009: "gpt-oss at Together's rate, as line 194",
    1268: "deepseek-r1-distill-llama-70b is Groq's host of a distilled open model, not "
    "DeepSeek's API: out of the catalog's scope (genai-prices' deepseek provider prices it)",
    1280: "deepseek-v4-flash: deepseek.yaml's decided V4 Flash rates and cache-hit price "
    "(another helper's file; its notes cite genai-prices)",
    1283: "deepseek-reasoner: deepseek.yaml's decided rates since 2026-04 (issue 21)",
    1570: "OpenRouter's :free variant (billed $0 there): unknown here, never the provider's "
    "rate; genai-prices' google provider reads the name as gemini-2.0-flash-exp",
}


def _records() -> list[dict]:
    return json.loads(FIXTURE.read_text())


def _theirs(record: dict, api: str) -> dict | None:
    """genai-prices' first-party price for the record, in the flavour that reads it as we did."""
    priced = [
        x
        for extracted in record["extracted"]
        for x in extracted["extractors"]
        if x["provider_id"] in FIRST_PARTY and "input_price" in x
    ]
    order = FLAVOURS.get(api, ("default", "chat"))
    priced = [x for x in priced if x["api_flavor"] in order]
    priced.sort(key=lambda x: order.index(x["api_flavor"]))
    return priced[0] if priced else None


@pytest.fixture(scope="module")
def priced(tmp_path_factory) -> dict[int, dict]:
    """`budget usage` rows per dataset line (the `file` key dropped, as in bodies.jsonl)."""
    folder = tmp_path_factory.mktemp("genai")
    bodies = folder / "bodies.jsonl"
    records = _records()
    bodies.write_text(
        "".join(
            json.dumps({k: v for k, v in r["body"].items() if k != "file"}) + "\n" for r in records
        )
    )
    rows = folder / "rows.csv"
    result = CliRunner().invoke(cli, ["usage", str(bodies), "--at", DAY, "-o", str(rows)])
    assert result.exit_code in (0, 1), result.output  # 1: some calls unpriced, listed
    by_line = {int(row["line"]): row for row in csv.DictReader(rows.open())}
    return {r["dataset_line"]: by_line.get(n) for n, r in enumerate(records, 1)}


def _compare(record: dict, row: dict | None) -> str | None:
    """None when both price the record alike (or genai-prices has no first-party price)."""
    theirs = _theirs(record, row["api"] if row else "")
    if theirs is None:
        return None
    if row is None or row["total_usd"] == "":
        return "unpriced here"
    ours_in = sum(Decimal(row[k]) for k in ("input_usd", "cache_read_usd", "cache_write_usd"))
    ours_out = Decimal(row["output_usd"])
    their_in = Decimal(theirs["input_price"])
    their_out = Decimal(theirs.get("output_price", "0"))
    if abs(ours_in - their_in) < MICRO / 2 and abs(ours_out - their_out) < MICRO / 2:
        return None
    return f"input {ours_in} vs {their_in}, output {ours_out} vs {their_out}"


def test_every_first_party_price_agrees_or_is_a_listed_decision(priced):
    """Equality to the micro-dollar on every record both price, bar the listed decisions; and
    each listed record really disagrees (a fixed one must leave the list)."""
    agree, differ = 0, {}
    for record in _records():
        line = record["dataset_line"]
        found = _compare(record, priced[line])
        if found is None and _theirs(record, (priced[line] or {}).get("api", "")):
            agree += 1
        elif found is not None:
            differ[line] = found
    unexplained = {line: why for line, why in differ.items() if line not in DISAGREE}
    assert unexplained == {}
    assert sorted(set(DISAGREE) - set(differ)) == []  # listed, yet now agreeing
    assert agree == 108  # of 131 records: 19 listed above, 4 with no first-party price


def test_hand_checked_records(priced):
    """Three records checked by hand against the catalog's rates."""
    # line 1: claude-sonnet-4-5-20250929, 2,743 input x $3 = $0.008229, 4 output x $15 = $0.00006
    assert Decimal(priced[1]["input_usd"]) == Decimal("0.008229")
    assert Decimal(priced[1]["output_usd"]) == Decimal("0.00006")
    # line 1129: pixtral-12b-latest (Pixtral 12B 2409, $0.15 / $0.15): 65 in, 16 out
    assert priced[1129]["model"] == "pixtral-12b-2409"
    assert Decimal(priced[1129]["input_usd"]) == Decimal("0.00000975")
    assert Decimal(priced[1129]["output_usd"]) == Decimal("0.0000024")
    # line 993: gemini-2.5-pro-preview-05-06 at 2.5 Pro's $1.25 / $10: 35 in, 12 out
    assert priced[993]["model"] == "gemini-2.5-pro-preview-06-05"
    assert Decimal(priced[993]["input_usd"]) == Decimal("0.00004375")
    assert Decimal(priced[993]["output_usd"]) == Decimal("0.00012")


def test_openrouter_names_price_at_the_providers_rates(priced):
    """OpenRouter's version-first Claude name and its `:thinking` variant: Anthropic's rates."""
    # line 1308: anthropic/claude-4.6-sonnet-20260217, 3 input + 3,211 cache writes (5m) + 100
    # output: 3 x $3 + 3,211 x $3.75 = $0.01205025 (genai-prices' openrouter figure too)
    assert priced[1308]["model"] == "claude-sonnet-4-6"
    row = priced[1308]
    paid_in = sum(Decimal(row[k]) for k in ("input_usd", "cache_read_usd", "cache_write_usd"))
    assert paid_in == Decimal("0.01205025")
    # line 179: anthropic/claude-3.7-sonnet:thinking, 43 x $3 and 402 x $15
    assert priced[179]["model"] == "claude-3-7-sonnet"
    assert Decimal(priced[179]["total_usd"]) == Decimal("0.000129") + Decimal("0.00603")


def test_gemini_audio_routed_to_flash_lite_bills_at_its_text_rate():
    """After 2026-12-01 gemini-2.5-flash routes to gemini-3.5-flash-lite, which bills audio
    input at its text rate ($0.30), not 2.5 Flash's $1.00."""
    catalog = load_catalog()
    before = catalog.resolve("gemini-2.5-flash", at=dt.date(2026, 11, 30))
    after = catalog.resolve("gemini-2.5-flash", at=dt.date(2026, 12, 6))
    assert before.prices.input_audio == Decimal("1")
    assert after.prices.input_audio == Decimal("0.3")
    assert catalog.resolve("gemini-3.1-flash-lite").prices.input_audio == Decimal("0.5")


# Names as real logs write them, and the model each means.
SHAPES = {
    "anthropic/claude-4.6-sonnet-20260217": "claude-sonnet-4-6",
    "claude-4.5-opus": "claude-opus-4-5",
    "claude-sonnet-3.7": "claude-3-7-sonnet",
    "claude-haiku-3.5": "claude-3-5-haiku",
    "claude-4-sonnet-20250514": "claude-sonnet-4",
    "anthropic/claude-3.7-sonnet:thinking": "claude-3-7-sonnet",
    "anthropic/claude-3.5-sonnet:beta": "claude-3-5-sonnet",
    "openrouter/anthropic/claude-sonnet-4.5:beta": "claude-sonnet-4-5",
    "google/gemini-2.5-pro-preview-05-06": "gemini-2.5-pro-preview-06-05",
    "gemini-2.5-pro-preview-03-25": "gemini-2.5-pro-preview-06-05",
    "gemini-2.5-flash-preview-04-17": "gemini-2.5-flash-preview-05-20",
    "gemini-2.5-flash-lite-preview-06-17": "gemini-2.5-flash-lite-preview-09-2025",
    "pixtral-12b-latest": "pixtral-12b-2409",
    "mistral/pixtral-12b": "pixtral-12b-2409",
}


@pytest.mark.parametrize(("name", "model"), SHAPES.items())
def test_name_shapes_resolve(name, model):
    assert load_catalog().resolve(name).id == model


# Near misses: one letter, number or suffix from a real name; each must stay unknown.
NEAR_MISSES = [
    "google/gemini-2.0-flash-exp:free",  # OpenRouter's free variant: $0 there
    "anthropic/claude-3.7-sonnet:extended",  # an extended variant, priced apart
    "openai/gpt-4o:batch",  # an OpenRouter suffix with a price of its own
    "openai/gpt-4o:online",  # web search fees on top
    "claude-4.6-sonata",
    "claude-7-sonnet",
    "claude-4.9-sonnet",
    "claude-3.9-sonnet",
    "claude-3-7-sonata",
    "claude-sonnet-4-6-20260218",  # a date no snapshot has (undated form is refused below)
    "mistral-small",  # Mixtral 8x7B, Small 2402 or Small 3: three models, no one rate
    "mistralai/mistral-small",
    "pixtral-13b",
    "gemini-2.5-pro-preview-13-99x",
    "gemini-2.5-flash-preview-05-21x",
    # Bedrock's `vendor.` form names that vendor's model on Bedrock: gpt-oss-120b is in the
    # catalog as Together's (provider together), whose rate Bedrock's need not be
    "openai.gpt-oss-120b",
    "us.openai.gpt-oss-120b",
]


def test_a_bedrock_vendor_prefix_keeps_its_vendors_models():
    catalog = load_catalog()
    assert catalog.resolve("gpt-oss-120b").provider == "together"  # the bare name: as listed
    assert catalog.resolve("us.anthropic.claude-3-7-sonnet-20250219-v1:0").id == (
        "claude-3-7-sonnet"
    )


@pytest.mark.parametrize("name", NEAR_MISSES)
def test_near_misses_stay_unknown(name):
    catalog = load_catalog()
    if name == "claude-sonnet-4-6-20260218":
        # the catalog resolves the undated model; a usage log refuses the unknown date
        with pytest.raises(UnpricedError, match="dated snapshot not in the catalog"):
            resolve_logged(catalog, name)
        return
    with pytest.raises(UnknownModelError):
        catalog.resolve(name)


def test_free_variant_says_why():
    with pytest.raises(UnknownModelError, match="OpenRouter's free variant"):
        load_catalog().resolve("google/gemini-2.0-flash-exp:free")


DOCS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "real-log-names.md"


def test_the_docs_page_shows_what_the_tool_prints(tmp_path, monkeypatch):
    from test_readme import examples, run_example, scratch

    cases = examples(DOCS_PAGE.read_text(encoding="utf-8"))
    assert [command.split()[3] for command, _ in cases] == [
        "anthropic/claude-4.6-sonnet-20260217",
        "google/gemini-2.0-flash-exp:free",
    ]
    monkeypatch.chdir(scratch(tmp_path))
    for command, expected in cases:
        code, printed = run_example(command)
        assert code == (2 if ":free" in command else 0), command  # unknown model: exit 2
        assert printed == expected.rstrip("\n"), command


def test_a_catalog_file_may_price_a_free_variant_itself(tmp_path):
    """`:free` is refused as the provider's model, not when a --catalog file names it."""
    path = tmp_path / "free.yaml"
    path.write_text(
        "provider: openrouter-free\nsource: https://openrouter.ai/models\nas_of: 2026-11-25\n"
        "models:\n  - {id: google/gemini-2.0-flash-exp:free, name: Gemini 2.0 Flash Exp (free),\n"
        "     context_window: 1048576, max_output_tokens: 8192, tokenizer: estimate:gemini,\n"
        "     prices: {input: 0, output: 0}}\n"
    )
    model = load_catalog([str(path)]).resolve("google/gemini-2.0-flash-exp:free")
    assert model.prices.input == 0 and model.prices.output == 0
