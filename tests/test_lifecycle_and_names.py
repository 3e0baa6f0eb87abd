"""Retired models stay priced; planning on them warns; names never move to another price."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import UnknownModelError

CATALOG = load_catalog(())
D = dt.date.fromisoformat


def run(*args):
    return CliRunner().invoke(cli, list(args))


# Retired or legacy names people still see in logs and code (the list).
LEGACY = [
    "gpt-4",
    "gpt-4-turbo",
    "gpt-3.5-turbo",
    "o1",
    "o3-mini",
    "o4-mini",
    "gpt-4.1-nano",
    "claude-3-5-sonnet",
    "claude-3-7-sonnet",
    "claude-sonnet-4",
    "claude-opus-4",
    "claude-opus-4-1",
    "gemini-2.0-flash",
    "grok-3",
    "grok-4",
    "deepseek-chat",
    "deepseek-reasoner",
]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_models_resolve_with_a_retirement_date_and_a_source(name):
    model = CATALOG.resolve(name, at=D("2026-11-25"))
    assert model.retired is not None and model.retired <= D("2026-11-25"), name
    assert model.source.startswith("https://"), name


def test_at_least_40_retired_or_deprecated_models_each_sourced():
    legacy = [m for m in CATALOG.models if m.retired or m.deprecated]
    assert len(legacy) >= 40
    assert all(m.source.startswith("https://") for m in legacy)


def test_a_retired_model_keeps_its_last_prices_for_old_logs():
    # gpt-4 at $30 / $60: 1,000 in + 500 out = $0.03 + $0.03
    model = CATALOG.resolve("gpt-4-0613", at=D("2026-11-25"))
    assert cost(model, Usage(1000, 500)).total_usd == Decimal("0.06")


def test_dated_snapshots_with_their_own_price_are_their_own_entries():
    assert CATALOG.resolve("gpt-4o-2024-05-13").prices.input == Decimal(5)
    assert CATALOG.resolve("gpt-4o-2024-08-06").prices.input == Decimal("2.5")
    assert CATALOG.resolve("gpt-3.5-turbo-1106").prices.output == Decimal(2)


def test_dropping_a_date_never_moves_a_call_to_a_differently_priced_snapshot():
    # gpt-3.5-turbo-0613 was $1.50 / $2; gpt-3.5-turbo (0125) is $0.50 / $1.50.
    with pytest.raises(UnknownModelError, match="a dated snapshot of gpt-3.5-turbo"):
        CATALOG.resolve("gpt-3.5-turbo-0613")
    with pytest.raises(UnknownModelError, match="a dated snapshot of gpt-4o"):
        CATALOG.resolve("openai/gpt-4o-2024-06-01")
    # Claude snapshots share their model's price: the date is dropped as before.
    assert CATALOG.resolve("claude-sonnet-4-5-20250929").id == "claude-sonnet-4-5"


@pytest.mark.parametrize(
    "written, expected, never",
    [
        ("gpt-3.5-turbo-x", "gpt-3.5-turbo", "gpt-5.5-pro"),
        ("o4-mini-high", "o4-mini", "gpt-4o-mini"),
        ("claude-sonet-4.5", "claude-sonnet-4-5", "gpt-4.1"),
        ("gemini-2.0-flashy", "gemini-2.0-flash", "gemini-3.8-flash"),
    ],
)
def test_suggestions_stay_within_the_family(written, expected, never):
    with pytest.raises(UnknownModelError) as caught:
        CATALOG.resolve(written)
    assert caught.value.suggestions[0] == expected
    assert never not in caught.value.suggestions


def test_an_unknown_model_says_how_to_add_it_and_the_example_loads(tmp_path):
    result = run("limits", "acme-9")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: unknown model 'acme-9' (see `budget models`)"
    assert "--catalog FILE" in lines[1]
    example = "\n".join(line[2:] for line in lines[2:]).replace("YYYY-MM-DD", "2026-11-30")
    path = tmp_path / "mine.yaml"
    path.write_text(example)
    added = json.loads(run("--catalog", str(path), "limits", "acme-9", "--json").stdout)
    assert (added["model"], added["context_window"]) == ("acme-9", 128000)


def test_planning_on_a_retired_model_warns_naming_the_replacement():
    result = run("check", "-m", "claude-sonnet-4", "--input", "100", "--max-tokens", "10")
    assert result.exit_code == 0
    assert (
        "warning: claude-sonnet-4 was retired on 2026-06-15; "
        "the provider's replacement is claude-sonnet-4-6"
    ) in result.stderr


def test_retirement_warnings_the_day_before_and_the_day_of():
    args = ["plan", "-m", "gpt-5", "--input", "100", "--expected-output", "10", "--json"]
    before = json.loads(run(*args, "--at", "2026-12-10").stdout)["lifecycle_note"]
    after = json.loads(run(*args, "--at", "2026-12-11").stdout)["lifecycle_note"]
    assert before == "gpt-5 retires on 2026-12-11; the provider's replacement is gpt-6.1-sol"
    assert after == "gpt-5 was retired on 2026-12-11; the provider's replacement is gpt-6.1-sol"
    # gpt-4.1-mini retires 2027-01-14: no warning 91 days before, one from 90 days before
    args[2] = "gpt-4.1-mini"
    assert json.loads(run(*args, "--at", "2026-10-15").stdout)["lifecycle_note"] is None
    assert json.loads(run(*args, "--at", "2026-10-16").stdout)["lifecycle_note"] == (
        "gpt-4.1-mini retires on 2027-01-14"
    )


def test_count_on_gpt4_reproduces_the_cookbook():
    # OpenAI cookbook "How to count tokens with tiktoken": 129 prompt tokens on gpt-4-0613 and
    # gpt-3.5-turbo-0613 for the example messages (tests/fixtures/count).
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "count" / "cookbook_messages.json"
    for model in ("gpt-4", "gpt-4-0613", "gpt-3.5-turbo"):
        data = json.loads(run("count", str(path), "-m", model, "--json").stdout)
        assert (data["tokens"], data["exact"]) == (129, True), model


def test_models_hides_retired_ones_unless_asked():
    listed = run("models", "--provider", "xai").stdout
    assert "grok-3 " not in listed and "retired model" in listed
    assert "grok-3 " in run("models", "--provider", "xai", "--all").stdout
    named = run("models", "grok-3").stdout
    assert "retired 2026-05-15" in named
