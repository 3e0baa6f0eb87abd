"""Bands that mean something: the bill's low / expected / high from the scenario's ranges."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.workload.projection import project
from budget.workload.report import markdown_summary
from budget.workload.scenario import at_end, load_scenario
from pricing.catalog import load_catalog

FIXTURES = Path(__file__).parent / "fixtures" / "workload"
CATALOG_FILE = str(FIXTURES / "catalog.yaml")
CATALOG = load_catalog([CATALOG_FILE])

RANGES = """\
name: ranges
model: acme-chat
traffic: {calls_per_day: {low: 500, expected: 1000, high: 2000}}
input_tokens: 1000
output_tokens: {fixed: {low: 50, expected: 100, high: 200}}
cache: {read_share: {low: 0, expected: 0.5, high: 0.5}}
max_tokens: 1000
horizon_months: 1
simulated_calls: 50
"""


def write(tmp_path: Path, text: str = RANGES) -> Path:
    path = tmp_path / "ranges.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_the_bill_low_expected_high_from_the_scenarios_ranges(tmp_path):
    # acme-chat: $2 input, $0.20 cache read, $8 output per MTok. A call with read share r and
    # output o costs (1,000 - 1,000 r) x 2 + 1,000 r x 0.2 + o x 8 micro-dollars.
    # expected: r 0.5, o 100: 1,000 + 100 + 800 = 1,900 x 1,000 calls x 365/12 = $57.791667
    # low (every range at its cheaper end: fewer calls, shorter replies, MORE cache reads):
    #   r 0.5, o 50: 1,000 + 100 + 400 = 1,500 x 500 x 365/12 = $22.812500
    # high: r 0, o 200: 2,000 + 1,600 = 3,600 x 2,000 x 365/12 = $219.000000
    table = (project(load_scenario(write(tmp_path)), CATALOG)).exact_table.set_index("period")
    month = table.loc["month-01"]
    assert str(month["total_usd"]) == "57.791667"
    assert str(month["total_low_usd"]) == "22.812500"
    assert str(month["total_high_usd"]) == "219.000000"
    assert month["simulation_error_usd"] == 0  # every call alike: nothing to sample


def test_ends_put_every_range_at_once(tmp_path):
    scenario = load_scenario(write(tmp_path))
    assert scenario.traffic.calls_per_day == 1000 and scenario.cache_read_share == 0.5
    cheap, costly = at_end(scenario, "cheap"), at_end(scenario, "costly")
    assert (cheap.traffic.calls_per_day, cheap.output_tokens.tokens) == (500, 50)
    assert cheap.cache_read_share == 0.5  # the high end of a cache hit rate is the cheap one
    assert (costly.traffic.calls_per_day, costly.cache_read_share) == (2000, 0)
    assert cheap.ranges == {} and costly.ranges == {}


def test_markdown_says_what_each_band_covers(tmp_path):
    text = markdown_summary(project(load_scenario(write(tmp_path)), CATALOG))
    assert "| acme-chat | $22.81 | $57.79 | $219.00 |" in text  # one format: the largest needs 2
    assert "`traffic.calls_per_day` 500 / 1,000 / 2,000" in text
    assert "`cache.read_share` 0% / 50% / 50%" in text
    assert "Low puts every range at its cheaper end at once" in text
    assert "Simulation error (95%, month 1, from 50 simulated calls per model)" in text


def test_no_ranges_says_how_to_write_one(tmp_path):
    plain = (
        RANGES.replace("{low: 500, expected: 1000, high: 2000}", "1000")
        .replace("{fixed: {low: 50, expected: 100, high: 200}}", "100")
        .replace("{low: 0, expected: 0.5, high: 0.5}", "0.5")
    )
    projection = project(load_scenario(write(tmp_path, plain)), CATALOG)
    assert projection.ends is None
    row = (projection).exact_table.set_index("period").loc["month-01"]
    # 1,900 micro-dollars x 1,000 x 365/12 calls, as the expected figure above
    assert row["total_low_usd"] == row["total_usd"] == row["total_high_usd"] == Decimal("57.791667")
    text = markdown_summary(projection)
    assert "The scenario gives no ranges, so low = expected = high" in text
    assert "`calls_per_day: {low: 30000, expected: 40000, high: 55000}`" in text


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "{low: 500, expected: 1000, high: 2000}",
            "{low: 1500, expected: 1000, high: 2000}",
            "ranges.yaml:3:26: traffic.calls_per_day: a range needs low <= expected <= high, "
            "got 1500, 1000, 2000",
        ),
        (
            "{low: 500, expected: 1000, high: 2000}",
            "{low: 500, expected: 1000}",
            "ranges.yaml:3:26: traffic.calls_per_day: a range needs low, expected and high; "
            "high missing",
        ),
        (
            "{low: 0, expected: 0.5, high: 0.5}",
            "{low: 0, expected: 0.5, high: 1.5}",
            "ranges.yaml:6:51: cache.read_share.high: must be a share between 0 and 1, got 1.5",
        ),
        (
            "{fixed: {low: 50, expected: 100, high: 200}}",
            "{p50: {low: 50, expected: 100, high: 900}, p95: 800}",
            "ranges.yaml:5:64: output_tokens.p95: at the high end p95 (800) is below p50 (900)",
        ),
    ],
)
def test_bad_ranges_are_one_line_errors(tmp_path, old, new, message):
    path = write(tmp_path, RANGES.replace(old, new))
    result = CliRunner().invoke(cli, ["report", str(path), "--catalog", CATALOG_FILE])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {tmp_path}/{message}"
