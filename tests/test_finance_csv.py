"""The finance CSV (`budget report -o`): one kind of row per file, calendar months by
default, columns that add up to the bill, cache figures that agree with the tokens."""

from __future__ import annotations

import csv
from decimal import Decimal
from fractions import Fraction

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.workload.finance import finance_columns
from budget.workload.projection import project
from budget.workload.scenario import check_scenario
from pricing.catalog import load_catalog
from pricing.yamlfile import read_document

CATALOG = load_catalog(())

# gemini-4-argon: $2 / $10 per million until 2026-11-30, $4 / $20 from 2026-12-01: a call of
# 1,000 input and 100 output tokens costs $0.003 before, $0.006 after. gpt-5.2 ($1.75 /
# $14): $0.00315 a call, the alternative. 1,000 calls a day: 365/12 x 1,000 = 30,416.67 calls
# a report month. Month 1 runs 2026-11-15..2026-12-14 (30 days), month 2 2026-12-15..
# 2027-01-14 (31 days), month 3 2027-01-15..2027-02-14 (31 days).
SCENARIO = """\
name: argon-bot
models: [gemini-4-argon, gpt-5.2]
traffic: {calls_per_day: 1000}
input_tokens: {fixed: 1000}
output_tokens: {fixed: 100}
max_tokens: 100
horizon_months: 3
simulated_calls: 100
start: 2026-11-15
"""
MONTH_CALLS = Fraction(1000 * 365, 12)


def report(tmp_path, text: str, *options: str) -> list[dict[str, str]]:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["report", str(scenario), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def money(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def test_monthly_rows_are_calendar_months_priced_day_by_day(tmp_path):
    rows = report(tmp_path, SCENARIO)
    argon = [r for r in rows if r["model"] == "gemini-4-argon"]
    assert [r["month"] for r in argon] == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert [r["days"] for r in argon] == ["16", "31", "31", "14"]
    assert (argon[0]["first_day"], argon[-1]["last_day"]) == ("2026-11-15", "2027-02-14")
    # November: 16 of month 1's 30 days, at the old price
    november = MONTH_CALLS / 30 * 16 * Fraction(3, 1000)
    assert Decimal(argon[0]["total_usd"]) == money(november).quantize(Decimal("0.000001"))
    assert argon[0]["total_usd"] == "48.666667"
    # December: month 1's last 14 days and month 2's first 17, all at the new price
    december = (MONTH_CALLS / 30 * 14 + MONTH_CALLS / 31 * 17) * Fraction(6, 1000)
    assert abs(Decimal(argon[1]["total_usd"]) - money(december)) < Decimal("0.000001")
    assert argon[0]["price_period"] == "..2026-12-01"
    assert argon[1]["price_period"] == "2026-12-01.."


def test_summing_a_model_s_rows_gives_its_true_total(tmp_path):
    rows = report(tmp_path, SCENARIO)
    by_role = {r["model"]: {r["role"]} for r in rows}
    assert by_role == {"gemini-4-argon": {"baseline"}, "gpt-5.2": {"alternative"}}
    argon = sum(Decimal(r["total_usd"]) for r in rows if r["model"] == "gemini-4-argon")
    gpt = sum(Decimal(r["total_usd"]) for r in rows if r["role"] == "alternative")
    # month 1: 16 days at $0.003 and 14 at $0.006 (= $0.0044 a call on average); then $0.006
    assert argon == Decimal("498.833333")  # 30,416.67 x (0.0044 + 2 x 0.006)
    assert gpt == Decimal("287.437500")  # 3 x 30,416.67 x $0.00315
    # the same totals as the projection table's `total` rows (--rows periods)
    table = report(tmp_path, SCENARIO, "--rows", "periods")
    totals = {r["model"]: Decimal(r["total_usd"]) for r in table if r["period"] == "total"}
    assert totals == {"gemini-4-argon": argon, "gpt-5.2": gpt}


def test_every_summed_column_adds_up_to_the_total_rows(tmp_path):
    months = report(tmp_path, SCENARIO)
    days = report(tmp_path, SCENARIO, "--rows", "day")
    totals = {r["model"]: r for r in report(tmp_path, SCENARIO, "--rows", "total")}
    assert len(days) == 2 * 92  # 2026-11-15 .. 2027-02-14, both models
    assert set(days[0]) == set(finance_columns("day"))
    assert "total" not in {r.get("month") for r in months}
    summed = [
        c for c in finance_columns("month") if c.endswith(("_usd", "_tokens")) or c == "calls"
    ]
    for model, total in totals.items():
        for column in summed:
            for rows in (months, days):
                values = [Decimal(r[column]) for r in rows if r["model"] == model]
                assert sum(values) == Decimal(total[column]), (model, column)
    argon = totals["gemini-4-argon"]
    parts = ("uncached_input_usd", "cache_read_usd", "cache_write_usd", "output_usd", "tool_usd")
    # each column rounded once to the micro-dollar: the parts make the total within a few
    assert abs(sum(Decimal(argon[c]) for c in parts) - Decimal(argon["total_usd"])) <= Decimal(
        "0.000005"
    )
    assert argon["calls"] == "91250"  # 3 x 30,416.67


# A multi-turn chat: each turn re-sends a 3,000-token system prompt and the history; OpenAI
# caches it automatically, so most input is read from cache.
CHAT = """\
name: chat
models: [gpt-5.4-mini]
traffic: {conversations_per_day: 1000}
conversation:
  turns: {p50: 4, p95: 12}
  system_tokens: 3000
  user_tokens: {p50: 80, p95: 300}
  history: full
output_tokens: {p50: 180, p95: 600}
max_tokens: 1000
horizon_months: 2
simulated_calls: 4000
start: 2026-12-01
"""


def test_cache_columns_agree_with_the_tokens_on_a_cached_chat(tmp_path):
    rows = report(tmp_path, CHAT)
    assert [r["month"] for r in rows] == ["2026-12", "2027-01"]
    for row in rows:
        cached, total = int(row["cache_read_tokens"]), int(row["input_tokens"])
        assert float(row["cache_read_share"]) == pytest.approx(cached / total, abs=1e-6)
        assert float(row["cache_read_share"]) > 0.5  # most of every turn is the cached history
        parts = ("uncached_input_tokens", "cache_read_tokens", "cache_write_tokens")
        assert abs(sum(int(row[c]) for c in parts) - total) <= 2  # each rounded once
    # the projection table said 0.0 here (the scenario's share, not the conversation's)
    table = report(tmp_path, CHAT, "--rows", "periods")
    for row in table:
        share = int(row["cached_tokens"]) / int(row["input_tokens"])
        assert float(row["cache_read_share"]) == pytest.approx(share, abs=1e-6)


def test_a_prefix_too_short_to_cache_is_never_warm():
    # gpt-5.2 caches prefixes of 1,024 tokens or more: 800 are never cached, so no call
    # finds them warm (the table said hit rate 1.0 with 0 tokens cached)
    text = """\
name: rag
model: gpt-5.2
traffic: {calls_per_day: 250000}
input_tokens: {fixed: 12000}
output_tokens: {fixed: 300}
cache: {prefix_tokens: 800}
max_tokens: 1000
horizon_months: 1
simulated_calls: 100
start: 2026-12-01
"""
    scenario = check_scenario(read_document(text, "rag.yaml", "scenario"), "rag.yaml")
    row = project(scenario, CATALOG).exact_table.iloc[0]
    assert (row["cache_prefix_cached"], row["cache_hit_rate"], row["cached_tokens"]) == (0, 0, 0)


def test_rows_must_be_one_kind(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    args = ["report", str(scenario), "-o", str(tmp_path / "x.csv"), "--rows", "all"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "'all' is not one of" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_the_docs_page_shows_what_the_commands_print(tmp_path, monkeypatch):
    from test_readme import ROOT, examples, run_example, scratch

    page = (ROOT / "docs" / "csv-columns.md").read_text(encoding="utf-8")
    cases = examples(page)
    assert len(cases) == 2
    monkeypatch.chdir(scratch(tmp_path))
    for command, expected in cases:
        code, printed = run_example(command)
        assert code == 0, command
        assert printed == expected.rstrip("\n"), f"docs/csv-columns.md: `{command}` drifted"
