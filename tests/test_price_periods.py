"""Prices over time: every change is checked on the day before and the day it takes effect."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import InputError

D = dt.date.fromisoformat
# Below every long-context threshold (xAI's 200K, OpenAI's 272K): $/M input + $/M output, / 10.
TENTH = Usage(input_tokens=100_000, output_tokens=100_000)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(())


# (model, day before, day of, $/M input+output before, after). Sources in the YAML
# `price_periods` of each model; figures read off the providers' pages as quoted there.
CHANGES = [
    ("o3", "2025-06-09", "2025-06-10", (10, 40), (2, 8)),  # OpenAI's 80% cut
    ("gpt-5.6-sol", "2026-08-20", "2026-08-21", (5, 30), (4, 20)),
    ("gpt-5.6-terra", "2026-07-29", "2026-07-30", (2.5, 15), (2, 12)),
    ("gpt-5.6-luna", "2026-07-29", "2026-07-30", (1, 6), (0.2, 1.2)),
    ("mistral-large-4", "2026-10-19", "2026-10-20", (0.68, 2.09), (1.36, 4.18)),
    ("mistral-large-4", "2026-10-28", "2026-10-29", (1.36, 4.18), (0.7, 2.1)),
    ("grok-4.20", "2026-04-29", "2026-04-30", (2, 6), (1.25, 2.5)),
    ("deepseek-v4-pro", "2026-08-15", "2026-08-16", (0.435, 0.87), (1.32, 3.96)),
    ("gemini-4-argon", "2026-11-30", "2026-12-01", (2, 10), (4, 20)),  # scheduled
    ("gemini-3.6-flash", "2026-12-31", "2027-01-01", (0.75, 3.75), (1.5, 7.5)),
    ("gemini-3.7-flash", "2026-12-31", "2027-01-01", (0.75, 3.75), (1.5, 7.5)),
    ("gemini-3.8-flash", "2026-12-31", "2027-01-01", (0.75, 3.75), (1.5, 7.5)),
    # retired names billed as the model the provider routes them to
    ("grok-3", "2026-05-14", "2026-05-15", (3, 15), (1.25, 2.5)),  # -> grok-4.3
    ("gemini-2.5-pro", "2026-11-30", "2026-12-01", (1.25, 10), (0.75, 3.75)),  # -> 3.8 Flash
    ("gemini-2.5-pro", "2026-12-31", "2027-01-01", (0.75, 3.75), (1.5, 7.5)),  # its rise
    ("deepseek-chat", "2025-09-04", "2025-09-05", (0.27, 1.1), (0.56, 1.68)),
    ("deepseek-chat", "2025-09-28", "2025-09-29", (0.56, 1.68), (0.28, 0.42)),
]


@pytest.mark.parametrize("name, before, day_of, old, new", CHANGES)
def test_each_price_change_on_the_day_before_and_the_day_of(
    catalog, name, before, day_of, old, new
):
    # 100K input and 100K output tokens cost a tenth of (input + output dollars per million).
    was = cost(catalog.resolve(name, at=D(before)), TENTH).total_usd
    now = cost(catalog.resolve(name, at=D(day_of)), TENTH).total_usd
    assert was == (Decimal(str(old[0])) + Decimal(str(old[1]))) / 10
    assert now == (Decimal(str(new[0])) + Decimal(str(new[1]))) / 10


def test_the_period_applied_is_named_with_its_source(catalog):
    old = catalog.resolve("o3", at=D("2025-01-01"))
    assert old.period.label == "..2025-06-10"
    assert old.period.source == "https://developers.openai.com/api/docs/models/o3"
    assert catalog.resolve("o3", at=D("2026-01-01")).period.label == "2025-06-10.."


def test_long_context_tiers_change_with_the_period(catalog):
    # grok-4.20 before the cut: >= 200K prompts at $4 / $12; 300K in + 1K out = $1.212.
    usage = Usage(input_tokens=300_000, output_tokens=1_000)
    assert cost(catalog.resolve("grok-4.20", at=D("2026-04-29")), usage).total_usd == Decimal(
        "1.212"
    )
    # after: $2.50 / $5 -> 0.75 + 0.005
    assert cost(catalog.resolve("grok-4.20", at=D("2026-04-30")), usage).total_usd == Decimal(
        "0.755"
    )


def test_a_period_without_published_service_tiers_refuses_them(catalog):
    old = catalog.resolve("gpt-5.6-sol", at=D("2026-08-20"))
    with pytest.raises(InputError, match="no service tier 'flex'"):
        cost(old, Usage(1000, 100), service_tier="flex")
    assert "flex" in catalog.resolve("gpt-5.6-sol", at=D("2026-08-21")).service_tiers


def test_every_period_of_every_model_has_a_source_and_the_periods_cover_every_day(catalog):
    for model in catalog.models:
        periods = model.price_periods
        assert periods and model.period in periods, model.id
        assert periods[0].start is None and periods[-1].end is None, model.id
        for earlier, later in zip(periods, periods[1:], strict=False):
            assert earlier.end == later.start, model.id
        for period in periods:
            assert period.source.startswith("https://"), (model.id, period.label)


HEADER = "provider: acme\nsource: https://example.invalid/prices\nas_of: 2026-11-01\nmodels:\n"
MODEL = """  - id: m1
    name: M1
    context_window: 1000
    max_output_tokens: 100
    tokenizer: estimate:generic
    prices: {input: 1, output: 2}
    price_periods:
"""


@pytest.mark.parametrize(
    "periods, message",
    [
        (
            "      - {until: 2026-10-01, prices: {input: 2, output: 4}}\n",
            r"user.yaml:5: model 'm1': field 'price_periods\[0\].source': expected where",
        ),
        (
            "      - {until: 2026-13-45, prices: {input: 2, output: 4}, source: s}\n",
            # the YAML reader fails on the impossible date itself, at its line and column
            r"user.yaml:12:17: '2026-13-45': not a valid value \(month must be in 1",
        ),
        (
            "      - {until: next week, prices: {input: 2, output: 4}, source: s}\n",
            r"field 'price_periods\[0\].until': expected a date YYYY-MM-DD, got 'next week'",
        ),
        (
            "      - {from: 2026-10-01, prices: {input: 2, output: 4}, source: s}\n",
            r"price_periods\[0\].from': expected a period that leaves out as_of \(2026-11-01\)",
        ),
        (
            "      - {until: 2026-10-01, prices: {input: 2, output: 4}, source: s}\n"
            "      - {from: 2026-09-01, until: 2026-10-15, prices: {input: 3, output: 4}, "
            "source: s}\n",
            "field 'price_periods': expected periods that meet end to end",
        ),
        (
            "      - {from: 2026-10-01, until: 2026-10-15, prices: {input: 3, output: 4}, "
            "source: s}\n",
            "expected an open first period",
        ),
        (
            "      - {until: 2026-10-01, prices: {input: 2}, source: s}\n",
            r"price_periods\[0\].prices.output",
        ),
        (
            "      - {until: 2026-10-01, price: {input: 2, output: 4}, source: s}\n",
            r"price_periods\[0\].price': expected a period field",
        ),
    ],
)
def test_bad_periods_fail_at_file_and_line(tmp_path, periods, message):
    path = tmp_path / "user.yaml"
    path.write_text(HEADER + MODEL + periods)
    with pytest.raises(InputError, match=message):
        load_catalog([str(path)])


def test_a_period_of_a_model_with_tiers_must_say_its_tiers(tmp_path):
    text = HEADER + MODEL.replace(
        "    price_periods:\n",
        "    tiers: [{above_input_tokens: 500, input: 2, output: 4}]\n    price_periods:\n",
    )
    path = tmp_path / "user.yaml"
    period = "      - {until: 2026-10-01, prices: {input: 2, output: 4}, source: s}\n"
    path.write_text(text + period)
    with pytest.raises(InputError, match=r"price_periods\[0\].tiers': expected"):
        load_catalog([str(path)])


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_cost_at_a_date_and_the_day_before_a_change():
    args = ["cost", "-m", "gemini-4-argon", "--input", "1000000", "--output", "100000", "--json"]
    before = json.loads(run(*args, "--at", "2026-11-30").stdout)
    after = json.loads(run(*args, "--at", "2026-12-01").stdout)
    assert before["total_usd"] == 3  # $2 + 0.1 x $10
    assert after["total_usd"] == 6  # $4 + 0.1 x $20
    assert (before["price_period"], after["price_period"]) == ("..2026-12-01", "2026-12-01..")
    assert after["catalog_as_of"] == "2026-12-06"  # the newest as_of (issue 21)


@pytest.mark.parametrize(
    "command", ["cost", "models", "limits", "check", "plan", "report", "whatif"]
)
def test_a_bad_date_is_a_one_line_error(command):
    args = {
        "cost": ["cost", "-m", "o3", "--input", "1", "--output", "1"],
        "models": ["models"],
        "limits": ["limits", "o3"],
        "check": ["check", "-m", "o3", "--input", "1", "--max-tokens", "1"],
        "plan": ["plan", "-m", "o3", "--input", "1", "--expected-output", "1"],
        "report": ["report", "nothing.yaml"],
        "whatif": ["whatif", "nothing.yaml", "--vary", "seed=1,2"],
    }[command]
    result = run(*args, "--at", "2026-13-45")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Error: Invalid value for '--at': '2026-13-45' is not a date (YYYY-MM-DD)"
    ]


def test_a_stale_catalog_warns_once():
    # The catalog is dated 2026-12-06 (its newest check): 90 days later is fine, 91 days warns.
    args = ["cost", "-m", "o3", "-m", "gpt-5.2", "--input", "10", "--output", "10"]
    assert "may have changed" not in run(*args, "--at", "2027-03-06").stderr
    late = run(*args, "--at", "2027-03-07").stderr
    assert late.count("may have changed") == 1
    assert "dated 2026-12-06, 91 days before 2027-03-07" in late


def test_models_says_the_catalog_date_and_the_day_priced():
    result = run("models", "argon", "--at", "2026-12-01")
    assert "gemini-4-argon" in result.stdout and "$4 " in result.stdout
    assert "in force on 2026-12-01; catalog dated 2026-12-06" in result.stdout


def test_default_is_today_through_the_one_clock(monkeypatch):
    # No --at and no TOKEN_BUDGET_AT: the day is the clock's (moved here, never the real one).
    import pricing.dates

    monkeypatch.delenv("TOKEN_BUDGET_AT")
    monkeypatch.setattr(pricing.dates, "_utc_today", lambda: dt.date(2025, 6, 9))
    record = json.loads(run("cost", "-m", "o3", "--input", "1", "--output", "1", "--json").stdout)
    assert record["priced_at"] == "2025-06-09"
    assert record["total_usd"] == 0.00005  # o3 before the cut: $10 + $40 per M, 1 token each


def test_a_users_own_price_holds_on_every_date(tmp_path):
    # A contract price for gemini-4-argon replaces the list price and its scheduled rise.
    path = tmp_path / "deal.yaml"
    path.write_text(
        "provider: google\nsource: our contract\nas_of: 2026-12-05\nmodels:\n"
        "  - id: gemini-4-argon\n    prices: {input: 1.5, output: 8}\n"
    )
    catalog = load_catalog([str(path)])
    for day in ("2026-11-30", "2026-12-01", "2027-06-01"):
        assert catalog.resolve("gemini-4-argon", at=D(day)).prices.input == Decimal("1.5")


@pytest.mark.parametrize(
    "when, message",
    [
        ("[{days: [funday]}]", r"when_utc.days': expected days of the week"),
        ('[{hours: ["25:00-26:00"]}]', r"when_utc.hours': expected HH:MM-HH:MM \(UTC\)"),
        ('[{hours: ["22:00"]}]', r"when_utc.hours': expected HH:MM-HH:MM"),
        ("nightly", r"when_utc': expected a list of"),
    ],
)
def test_bad_time_of_day_windows_fail_at_file_and_line(tmp_path, when, message):
    path = tmp_path / "user.yaml"
    model = MODEL.replace("    price_periods:\n", "")
    tier = f"    service_tiers:\n      night: {{input: 0.5, output: 1, when_utc: {when}}}\n"
    path.write_text(HEADER + model + tier)
    field = r"user.yaml:5: model 'm1': field 'service_tiers.night."
    with pytest.raises(InputError, match=field + message):
        load_catalog([str(path)])
