"""`budget report A.yaml B.yaml ...`: one bill across services, and capacity on the sum of
the services that share a provider's rate limits."""

from __future__ import annotations

import csv
import json
import textwrap
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli

# Two services on gpt-5.2 ($1.75 input, $14 output per million) in one OpenAI organisation
# whose tpm is 300,000. OpenAI's tpm counts input + max_tokens per request.
# chat: 144,000 calls a day = 100 a minute (peak factor 1), 1,000 input + max_tokens 1,000 =
#   2,000 tpm a call: 200,000 tpm, fits alone. $0.00315 a call x 144,000 x 365/12 days =
#   $13,797.00 a month.
# search: 72,000 calls a day = 50 a minute, 2,000 input + 1,000 = 3,000 a call: 150,000 tpm,
#   fits alone. $0.0049 a call (2,000 x 1.75e-6 + 100 x 14e-6) x 72,000 x 365/12 =
#   $10,731.00 a month.
# Together 350,000 > 300,000: over by 50,000 (-16.7% headroom); adding them in the order given,
# the second tips it over. The combined bill: $24,528.00 a month.
CHAT = """\
name: chat
model: gpt-5.2
start: 2026-11-25
traffic: {calls_per_day: 144000}
input_tokens: 1000
output_tokens: 100
max_tokens: 1000
horizon_months: 3
rate_limits: {openai: {rpm: 10000, tpm: 300000}}
"""
SEARCH = """\
name: search
model: gpt-5.2
start: 2026-11-25
traffic: {calls_per_day: 72000}
input_tokens: 2000
output_tokens: 100
max_tokens: 1000
horizon_months: 3
rate_limits: {openai: {rpm: 10000, tpm: 300000}}
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


@pytest.fixture
def services(tmp_path):
    return write(tmp_path, "chat.yaml", CHAT), write(tmp_path, "search.yaml", SEARCH)


def run(*args: str):
    return CliRunner().invoke(cli, [*args])


def tpm(data: dict) -> dict:
    (found,) = [x for x in data["rate_limits"] if (x["provider"], x["limit"]) == ("openai", "tpm")]
    return found


def test_each_fits_alone(services):
    for path in services:
        result = run("report", path)
        assert result.exit_code == 0
        assert "OVER" not in result.stdout  # tpm binds but is not exceeded
        assert "rate limits do not carry" not in result.stderr


def test_together_they_do_not_fit_and_the_second_tips_it(services):
    result = run("report", *services, "--json")
    assert result.exit_code == 0, result.output  # a projection is not a check: said, exit 0
    data = json.loads(result.stdout)
    limit = tpm(data)
    assert limit["allowed"] == 300_000
    assert [n["peak_need"] for n in limit["needs"]] == [200_000, 150_000]
    assert limit["needed"] == 350_000
    assert limit["headroom"] == pytest.approx(-1 / 6, abs=1e-4)
    assert limit["tipped_by"] == "search"
    assert data["fits_rate_limits"] is False

    table = run("report", *services)
    assert table.exit_code == 0
    row = [line.split() for line in table.stdout.splitlines() if line.startswith("openai")]
    assert row[1] == [
        "openai", "tpm", "300,000", "month-01", "200,000", "150,000", "350,000", "-16.7%", "search",
    ]  # fmt: skip
    assert (
        "warning: the rate limits do not carry the services together: openai tpm 300,000 "
        "(month-01: chat 200,000 + search 150,000 = 350,000, over by 50,000): search tips it over"
    ) in table.stderr
    assert data["warnings"] == [
        "the rate limits do not carry the services together: openai tpm 300,000 (month-01: "
        "chat 200,000 + search 150,000 = 350,000, over by 50,000): search tips it over"
    ]


def test_the_order_given_decides_which_tips_it(services):
    data = json.loads(run("report", *reversed(services), "--json").stdout)
    assert tpm(data)["tipped_by"] == "chat"


def test_rpm_fits_and_says_its_headroom(services):
    data = json.loads(run("report", *services, "--json").stdout)
    (rpm,) = [x for x in data["rate_limits"] if x["limit"] == "rpm"]
    assert rpm["needed"] == 150  # 100 + 50 calls a minute of 10,000
    assert rpm["fits"] and rpm["tipped_by"] is None
    assert rpm["headroom"] == 0.985


def test_services_that_disagree_are_judged_against_the_smallest_limit(tmp_path):
    chat = write(tmp_path, "chat.yaml", CHAT)
    search = write(tmp_path, "search.yaml", SEARCH.replace("tpm: 300000", "tpm: 400000"))
    data = json.loads(run("report", chat, search, "--json").stdout)
    assert tpm(data)["allowed"] == 300_000
    assert (
        "the services disagree about openai's tpm (chat 300,000, search 400,000): judged "
        "against the smallest, 300,000"
    ) in data["notes"]


def test_the_combined_bill_and_each_service(services, tmp_path):
    result = run("report", *services, "--json")
    data = json.loads(result.stdout)
    assert [s["months"][0]["total_usd"] for s in data["services"]] == [13797.0, 10731.0]
    assert [m["total_usd"] for m in data["months"]] == [24528.0] * 3
    assert data["total_usd"] == 73584.0
    # -o: the finance CSV of each service (calendar months; each row names its service)
    out = tmp_path / "portfolio.csv"
    assert run("report", *services, "-o", str(out)).exit_code == 0
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["month"] for r in rows if r["service"] == "chat"] == [
        "2026-11", "2026-12", "2027-01", "2027-02",
    ]  # fmt: skip
    assert sum(Decimal(r["total_usd"]) for r in rows) == Decimal("73584")  # 3 x $24,528
    # --rows periods: each service's report rows for its plan, a service column first
    periods = tmp_path / "periods.csv"
    assert run("report", *services, "-o", str(periods), "--rows", "periods").exit_code == 0
    with periods.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:3] == ["service", "scenario", "model"]
    month_1 = [r for r in rows if r["period"] == "month-01"]
    assert [r["service"] for r in month_1] == ["chat", "search"]
    assert sum(Decimal(r["total_usd"]) for r in month_1) == Decimal("24528")


def test_combined_bill_is_the_sum_of_the_single_reports_to_the_cent():
    """support-chat (12 months; billed on gpt-5.4-mini) and rag-service (6 months; billed on
    claude-sonnet-4-6 with its embedding lines): the portfolio covers the 6 months both plan."""
    files = ("reports/support-chat.yaml", "reports/rag-service.yaml")
    fewer = ("--simulated-calls", "20000")
    portfolio = json.loads(run("report", *files, *fewer, "--json").stdout)
    assert [s["model"] for s in portfolio["services"]] == ["gpt-5.4-mini", "claude-sonnet-4-6"]
    singles = []
    for path, model in zip(files, ("gpt-5.4-mini", "claude-sonnet-4-6"), strict=True):
        rows = json.loads(run("report", path, *fewer, "--json").stdout)["rows"]
        bill = [r for r in rows if r["model"] == model or r["line"] != "generation"]
        singles.append(
            [
                sum(Decimal(str(r["total_usd"])) for r in bill if r["period"] == f"month-{m:02d}")
                for m in range(1, 7)
            ]
        )
    cent = Decimal("0.01")
    combined = [Decimal(str(m["total_usd"])).quantize(cent) for m in portfolio["months"]]
    assert combined == [(a + b).quantize(cent) for a, b in zip(*singles, strict=True)]
    assert len(combined) == 6
    assert (
        "support-chat plans 12 months; the portfolio covers the 6 every service plans"
        in (portfolio["notes"])
    )


def test_fail_above_gates_the_combined_bill(services):
    # $24,528.00 a month against $24,000: month 1 is over by $528.00
    result = run("report", *services, "--fail-above", "24000")
    assert result.exit_code == 1
    assert (
        "all services: OVER budget $24,000.00 a month (--fail-above) in month-01 "
        "(from 2026-11-25): $24,528.00, $528.00 over"
    ) in result.stdout
    assert run("report", *services, "--fail-above", "25000").exit_code == 0


def test_each_service_budget_gates_its_own_bill(tmp_path):
    chat = write(tmp_path, "chat.yaml", CHAT + "budget: {monthly_usd: 14000}\n")
    search = write(tmp_path, "search.yaml", SEARCH + "budget: {monthly_usd: 10000}\n")
    result = run("report", chat, search, "--json")
    assert result.exit_code == 1
    bills = {b["bill"]: b for b in json.loads(result.stdout)["budget"]["bills"]}
    assert not bills["chat (gpt-5.2)"]["over"]
    assert bills["search (gpt-5.2)"]["over_by_usd"] == 731.0  # $10,731.00 - $10,000


def test_services_must_start_together_unless_at_is_given(services, tmp_path):
    later = write(tmp_path, "later.yaml", SEARCH.replace("2026-11-25", "2026-12-01"))
    result = run("report", services[0], later)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: the services start on different days (")
    moved = run("report", services[0], later, "--at", "2026-12-01", "--json")
    assert moved.exit_code == 0
    assert json.loads(moved.stdout)["start"] == "2026-12-01"


def test_two_services_of_one_name_are_refused(services, tmp_path):
    twin = write(tmp_path, "twin.yaml", SEARCH.replace("name: search", "name: chat"))
    result = run("report", services[0], twin)
    assert result.exit_code == 2
    assert "name: 'chat' is also the name of" in result.stderr


def test_markdown_chart_and_focus_take_one_scenario(services, tmp_path):
    result = run("report", *services, "--markdown", str(tmp_path / "x.md"))
    assert result.exit_code == 2
    assert not (tmp_path / "x.md").exists()
    focus = run("report", *services, "-o", str(tmp_path / "x.csv"), "--format", "focus")
    assert focus.exit_code == 2
    assert focus.stderr.startswith("Error: --format focus: takes one scenario")
    assert not (tmp_path / "x.csv").exists()


def test_a_service_with_ranges_and_a_longer_horizon_is_cut_to_the_common_months(services):
    """support-bot plans 12 months with ranges (its low/high ends are projected too): the
    portfolio bills both services over chat's 3."""
    result = run("report", services[0], "reports/support-bot.yaml", "--simulated-calls", "5000")
    assert result.exit_code == 0, result.output
    data = json.loads(
        run(
            "report", services[0], "reports/support-bot.yaml", "--simulated-calls", "5000", "--json"
        ).stdout
    )
    assert [m["month"] for m in data["months"]] == ["month-01", "month-02", "month-03"]
    assert data["services"][1]["model"] == "gpt-5.4-mini"


def test_a_bad_service_is_a_one_line_error_and_nothing_is_written(services, tmp_path):
    bad = write(tmp_path, "bad.yaml", SEARCH.replace("input_tokens: 2000", "input_tokens: lots"))
    out = tmp_path / "portfolio.csv"
    result = run("report", services[0], bad, "-o", str(out))
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == f"Error: {bad}:5:15: input_tokens: expected a mapping, got 'lots'"
    )
    assert not out.exists()


def test_a_backtest_takes_one_scenario(services):
    result = run("report", *services, "--against", "reports/data/usage-log.jsonl")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: --against backtests one scenario; give one SCENARIO.yaml"
    )
