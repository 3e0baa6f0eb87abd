"""Projections start on a date and price each month at the prices in force that month."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.workload.projection import project
from budget.workload.scenario import check_scenario
from pricing.catalog import load_catalog
from pricing.errors import InputError
from pricing.yamlfile import read_document

CATALOG = load_catalog(())


def parse_scenario(text: str, name: str):
    """A scenario from YAML text (``name`` labels errors)."""
    return check_scenario(read_document(text, name, "scenario"), name)


# gemini-4-argon: $2 / $10 per million until 2026-11-30, $4 / $20 from 2026-12-01.
# A call of 1,000 input and 100 output tokens costs $0.003 before, $0.006 after.
# 1,000 calls a day x 365/12 days = 30,416.67 calls a month.
ARGON = """\
name: argon
model: gemini-4-argon
traffic: {calls_per_day: 1000}
input_tokens: {fixed: 1000}
output_tokens: {fixed: 100}
max_tokens: 100
horizon_months: 3
simulated_calls: 100
start: START
"""


def rows(start: str) -> dict[str, dict]:
    scenario = parse_scenario(ARGON.replace("START", start), "argon.yaml")
    table = (project(scenario, CATALOG)).exact_table
    return {row["period"]: row for row in table.to_dict(orient="records")}


def test_months_across_a_scheduled_change():
    by_period = rows("2026-11-01")  # month-01 is November, month-02 December
    assert by_period["month-01"]["total_usd"] == Decimal("91.250000")  # 30,416.67 x $0.003
    assert by_period["month-02"]["total_usd"] == Decimal("182.500000")  # 30,416.67 x $0.006
    assert by_period["month-03"]["total_usd"] == Decimal("182.500000")
    assert by_period["total"]["total_usd"] == Decimal("456.250000")
    assert by_period["month-01"]["price_period"] == "..2026-12-01"
    assert by_period["month-02"]["price_period"] == "2026-12-01.."
    assert by_period["total"]["price_period"] == "..2026-12-01 + 2026-12-01.."
    assert by_period["month-02"]["per_call_usd"] == Decimal("0.00600000")


def test_the_day_before_and_the_day_of_the_change():
    # The `day` row is an average day of month 1: starting on 2026-11-30 (the day before),
    # month 1 holds 1 day at $0.003 and 29 at $0.006 -> 1,000 x 0.177 / 30 = $5.90.
    assert rows("2026-11-30")["day"]["total_usd"] == Decimal("5.900000")
    assert rows("2026-11-30")["month-01"]["price_period"] == "..2026-12-01 + 2026-12-01.."
    # Starting on the day of the change, month 1 is all at the new price.
    assert rows("2026-12-01")["day"]["total_usd"] == Decimal("6.000000")
    assert rows("2026-12-01")["month-01"]["price_period"] == "2026-12-01.."


def test_a_month_split_by_a_change_is_weighted_by_its_days():
    # 2026-11-16 .. 2026-12-15: 15 days at $0.003 and 15 days at $0.006 -> $0.0045 a call.
    month = rows("2026-11-16")["month-01"]
    assert month["total_usd"] == Decimal("136.875000")  # 30,416.67 x $0.0045
    assert month["price_period"] == "..2026-12-01 + 2026-12-01.."


def test_the_markdown_summary_names_the_change_and_the_csv_says_the_period(tmp_path):
    path = tmp_path / "argon.yaml"
    path.write_text(ARGON.replace("START", "2026-11-01"))
    out, md = tmp_path / "out.csv", tmp_path / "out.md"
    result = CliRunner().invoke(
        cli, ["report", str(path), "-o", str(out), "--rows", "periods", "--markdown", str(md)]
    )
    assert result.exit_code == 0, result.output
    text = md.read_text()
    assert "**Price change**: gemini-4-argon: prices change on 2026-12-01 (month-02)" in text
    assert "$2/$10 -> $4/$20 per million" in text
    assert "Month 1 starts on 2026-11-01" in text
    assert "prices change on 2026-12-01 (month-02)" in result.stderr
    periods = {r["period"]: r["price_period"] for r in csv.DictReader(out.open())}
    assert periods["month-02"] == "2026-12-01.."


def test_start_defaults_to_at(tmp_path):
    path = tmp_path / "argon.yaml"
    path.write_text(ARGON.replace("start: START\n", ""))
    args = ["report", str(path), "--json"]
    at_old = CliRunner().invoke(cli, [*args, "--at", "2026-11-30"])
    at_new = CliRunner().invoke(cli, [*args, "--at", "2026-12-01"])
    import json

    def day(result):
        return next(r for r in json.loads(result.stdout)["rows"] if r["period"] == "day")

    assert day(at_old)["total_usd"] == 5.9  # month 1 from 2026-11-30: 1 old day, 29 new
    assert day(at_new)["total_usd"] == 6


def test_a_retiring_model_is_named_with_its_replacement(tmp_path):
    path = tmp_path / "gpt5.yaml"
    path.write_text(ARGON.replace("gemini-4-argon", "gpt-5").replace("START", "2026-11-25"))
    result = CliRunner().invoke(cli, ["report", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "warning: gpt-5 retires on 2026-12-11 (month-01): from then on its calls fail (the "
        "provider does not route them)" in result.stderr
    )
    assert "the provider's replacement is gpt-6.1-sol" in result.stderr


def test_a_routed_retirement_names_the_model_that_serves_its_calls(tmp_path):
    # Google routes gemini-2.5-pro to gemini-3.8-flash from 2026-12-01: month 1 (from
    # 2026-11-25) holds both, month 2 is gemini-3.8-flash's alone, and the CSV says so.
    path = tmp_path / "pro.yaml"
    path.write_text(
        ARGON.replace("gemini-4-argon", "gemini-2.5-pro").replace("START", "2026-11-25")
    )
    result = CliRunner().invoke(cli, ["report", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "routes its calls to gemini-3.8-flash" in result.stderr
    import json

    rows = {r["period"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows["month-01"]["priced_as"] == "gemini-2.5-pro + gemini-3.8-flash"
    assert rows["month-02"]["priced_as"] == "gemini-3.8-flash"
    assert rows["month-02"]["retired"] == "2026-12-01"


@pytest.mark.parametrize(
    "value, message",
    [
        ("soon", r"argon.yaml:9:8: start: expected a date YYYY-MM-DD, got 'soon'"),
        (
            "2026-13-45",
            r"argon.yaml:9:8: .2026-13-45.: not a valid value \(month must be in 1..12\)",
        ),
    ],
)
def test_a_bad_start_is_a_located_error(value, message):
    with pytest.raises(InputError, match=message):
        parse_scenario(ARGON.replace("START", value), "argon.yaml")


def test_whatif_prices_months_the_same_way(tmp_path):
    path = tmp_path / "argon.yaml"
    path.write_text(ARGON.replace("START", "2026-11-01"))
    from budget.workload.whatif import parse_vary, what_if

    result = what_if(path, [parse_vary("max_tokens=100,200")], CATALOG)
    first = result.records()[0]
    assert first["month_1_usd"] == Decimal("91.250000")
    assert first["total_usd"] == Decimal("456.250000")


def test_library_start_overrides_nothing_when_the_scenario_says_it():
    scenario = parse_scenario(ARGON.replace("START", "2026-11-01"), "argon.yaml")
    projection = project(scenario, CATALOG, at=dt.date(2027, 6, 1))
    assert projection.start == dt.date(2026, 11, 1)


def test_whatif_names_a_change_once(tmp_path):
    path = tmp_path / "argon.yaml"
    path.write_text(ARGON.replace("START", "2026-11-01"))
    result = CliRunner().invoke(cli, ["whatif", str(path), "--vary", "max_tokens=100,200"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("gemini-4-argon: prices change on 2026-12-01 (month-02)") == 1


def test_whatif_can_vary_the_start(tmp_path):
    path = tmp_path / "argon.yaml"
    path.write_text(ARGON.replace("start: START\n", ""))
    args = ["whatif", str(path), "--vary", "start=2026-11-01,2026-12-01", "--json"]
    result = CliRunner().invoke(cli, [*args, "--at", "2026-11-01"])
    assert result.exit_code == 0, result.output
    rows = {str(r["start"]): r for r in json.loads(result.stdout)["rows"]}
    # Nov, Dec, Jan from 2026-11-01: 91.25 + 182.50 + 182.50; all at $4 / $20 from 2026-12-01
    assert rows["2026-11-01"]["total_usd"] == 456.25
    assert rows["2026-12-01"]["total_usd"] == 547.5
    bad = CliRunner().invoke(cli, ["whatif", str(path), "--vary", "start=2026-13-45"])
    assert bad.exit_code == 2
    assert "--vary start=2026-13-45: '2026-13-45': not a valid value" in bad.stderr


def test_months_priced_chunk_by_chunk_match_one_draw():
    # 100 calls in chunks of 30 (4 chunks) are the same calls as one draw of 100, so each
    # month at its prices must come out the same, to the micro-dollar.
    scenario = parse_scenario(ARGON.replace("START", "2026-11-15"), "argon.yaml")
    whole = (project(scenario, CATALOG)).exact_table
    chunked = (project(scenario, CATALOG, chunk_calls=30)).exact_table
    columns = ["period", "total_usd", "continuation_usd", "price_period"]
    assert whole[columns].to_dict("records") == chunked[columns].to_dict("records")
    # month-01 (Nov 15 - Dec 15) is split by the change on Dec 1: 16 days at $3, 14 at $6
    month = whole[whole["period"] == "month-01"].iloc[0]
    assert month["price_period"] == "..2026-12-01 + 2026-12-01.."
