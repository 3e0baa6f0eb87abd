"""Same numbers on any day: one clock, and retirements said where the price is shown."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

import pricing.dates
from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.dates import pricing_day
from pricing.engine import Usage, cost
from pricing.errors import InputError

CATALOG = load_catalog(())


@pytest.fixture
def clock(monkeypatch):
    """The real clock moved to a day of the test's choosing (never read for real)."""

    def move(day: str) -> None:
        monkeypatch.setattr(pricing.dates, "_utc_today", lambda: dt.date.fromisoformat(day))

    return move


def test_the_one_clock_prefers_at_then_the_variable_then_today(monkeypatch, clock):
    clock("2031-02-03")
    assert pricing_day("2025-06-09") == dt.date(2025, 6, 9)
    assert pricing_day(dt.date(2025, 6, 9)) == dt.date(2025, 6, 9)
    assert pricing_day() == dt.date(2026, 11, 25)  # TOKEN_BUDGET_AT, pinned by conftest
    monkeypatch.delenv("TOKEN_BUDGET_AT")
    assert pricing_day() == dt.date(2031, 2, 3)
    monkeypatch.setenv("TOKEN_BUDGET_AT", "2026-13-01")
    with pytest.raises(ValueError, match=r"\$TOKEN_BUDGET_AT: expected a date"):
        pricing_day()


def test_the_library_resolves_at_the_variable_like_the_cli(monkeypatch, clock):
    # Before the one clock, a notebook priced gemini-2.5-pro at the real today's routed rates
    # while the CLI, with TOKEN_BUDGET_AT, priced the model's own.
    clock("2026-12-06")  # gemini-2.5-pro retired 2026-12-01 and routes to gemini-3.8-flash
    usage = Usage(100_000, 1_000)
    pinned = cost(CATALOG.resolve("gemini-2.5-pro"), usage)
    assert pinned.total_usd == Decimal("0.135")  # 100K x $1.25 + 1K x $10 per M
    monkeypatch.delenv("TOKEN_BUDGET_AT")
    today = cost(CATALOG.resolve("gemini-2.5-pro"), usage)
    assert today.total_usd == Decimal("0.07875")  # 100K x $0.75 + 1K x $3.75: routed
    explicit = cost(CATALOG.resolve("gemini-2.5-pro", at=dt.date(2026, 11, 25)), usage)
    assert explicit.total_usd == pinned.total_usd


def run(*args: str) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_routed_retirement_is_priced_as_the_model_that_serves_it_and_says_so():
    record = run("cost", "-m", "gemini-2.5-pro", "--input", "20000", "--output", "1000",
                 "--at", "2026-12-06")  # fmt: skip
    assert record["total_usd"] == 0.01875  # 20K x $0.75 + 1K x $3.75 per M (3.8 Flash's)
    assert record["priced_as"] == "gemini-3.8-flash" and record["retired"] == "2026-12-01"
    assert "routes its calls to gemini-3.8-flash" in record["retirement_pricing"]
    table = CliRunner().invoke(
        cli,
        [
            "cost",
            "-m",
            "gemini-2.5-pro",
            "--input",
            "20000",
            "--output",
            "1000",
            "--at",
            "2026-12-06",
        ],  # fmt: skip
    )
    assert "priced as     gemini-3.8-flash" in table.stdout  # in the table, not only stderr


def test_a_retirement_without_routing_is_priced_at_the_last_live_day():
    # OpenAI shuts gpt-5-mini down on 2026-12-11: its calls fail after, so a call on record
    # was made by 2026-12-10 at the latest and is priced at that day's rates.
    record = run("cost", "-m", "gpt-5-mini", "--input", "20000", "--output", "1000",
                 "--at", "2026-12-20")  # fmt: skip
    assert record["total_usd"] == 0.007  # 20K x $0.25 + 1K x $2 per M
    assert record["price_day"] == "2026-12-10" and record["priced_as"] == "gpt-5-mini"
    assert "without routing" in record["retirement_pricing"]
    served = run("cost", "-m", "gpt-5-mini", "--input", "1", "--output", "1", "--at",
                 "2026-12-10")  # fmt: skip
    assert served["retirement_pricing"] is None and served["price_day"] == "2026-12-10"


def test_o3_after_its_retirement_keeps_its_last_price_not_the_first():
    # o3's last period (from the 2025-06-10 cut) is the one in force on its last live day.
    model = CATALOG.resolve("o3", at=dt.date(2027, 6, 1))
    assert model.prices.input == Decimal("2") and model.period.label == "2025-06-10.."


def test_a_period_after_retirement_needs_routing(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "provider: mine\nsource: https://example.com\nas_of: 2026-11-01\nmodels:\n"
        "  - id: old-llm\n    name: Old\n    context_window: 8000\n    max_output_tokens: 1000\n"
        "    tokenizer: estimate:generic\n    prices: {input: 1, output: 2}\n"
        "    retired: 2026-11-15\n    price_periods:\n      - from: 2026-11-20\n"
        "        prices: {input: 0.5, output: 1}\n        source: https://example.com\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"mine.yaml:5: model 'old-llm': field 'price_periods'"):
        load_catalog([str(path)])


def test_a_plan_says_the_day_period_and_rates_it_is_priced_at():
    record = run("plan", "-m", "gemini-2.5-pro", "--input", "1000", "--expected-output", "200",
                 "--at", "2026-12-06")  # fmt: skip
    # 1,000 x $0.75 + 200 x $3.75 per M (gemini-3.8-flash's rates, routed) = $0.0015
    assert record["expected_cost_usd"] == 0.0015
    assert record["priced_at"] == "2026-12-06" and record["priced_as"] == "gemini-3.8-flash"
    assert record["price_period"] == "2026-12-01..2027-01-01"
    before = run("plan", "-m", "gemini-2.5-pro", "--input", "1000", "--expected-output", "200",
                 "--at", "2026-11-30")  # fmt: skip
    assert before["expected_cost_usd"] == 0.00325  # 1,000 x $1.25 + 200 x $10 per M
    assert before["priced_as"] == "gemini-2.5-pro"


def test_the_library_cost_carries_its_day_and_period():
    model = CATALOG.resolve("o3", at="2025-06-09")
    priced = cost(model, Usage(100_000, 10_000))
    assert priced.total_usd == Decimal("1.4")  # $10 / $40 per M before the 2025-06-10 cut
    assert (priced.priced_at, priced.price_period) == (dt.date(2025, 6, 9), "..2025-06-10")


def test_report_at_typed_on_the_command_line_moves_month_1_and_says_so(tmp_path, monkeypatch):
    # Before: `report --at` was silently ignored when the file sets `start:`.
    path = tmp_path / "bot.yaml"
    path.write_text(
        "name: bot\nmodel: gemini-2.5-pro\nstart: 2026-11-01\ntraffic: {calls_per_day: 1000}\n"
        "input_tokens: {fixed: 2000}\noutput_tokens: {fixed: 100}\nmax_tokens: 100\n"
        "horizon_months: 1\nsimulated_calls: 100\n",
        encoding="utf-8",
    )
    moved = CliRunner().invoke(cli, ["report", str(path), "--json", "--at", "2027-02-01"])
    assert moved.exit_code == 0, moved.output
    record = json.loads(moved.stdout)
    assert record["warnings"][0] == (
        "month 1 starts on 2027-02-01 (--at), not on the scenario's start: 2026-11-01"
    )
    day = next(r for r in record["rows"] if r["period"] == "day")
    # 1,000 calls x (2,000 x $1.50 + 100 x $7.50) per M: gemini-3.8-flash's 2027 rates, routed
    assert day["total_usd"] == 3.75 and day["priced_as"] == "gemini-3.8-flash"
    # TOKEN_BUDGET_AT (pinned by conftest) does not move a file's start: the file decides.
    kept = json.loads(CliRunner().invoke(cli, ["report", str(path), "--json"]).stdout)
    day = next(r for r in kept["rows"] if r["period"] == "day")
    # 1,000 calls x (2,000 x $1.25 + 100 x $10) per M: November 2026, its own rates
    assert day["total_usd"] == 3.5 and day["priced_as"] == "gemini-2.5-pro"
    grid = CliRunner().invoke(
        cli, ["whatif", str(path), "--vary", "max_tokens=100,200", "--json", "--at", "2027-02-01"]
    )
    assert "month 1 starts on 2027-02-01 (--at)" in json.loads(grid.stdout)["warnings"][0]
