"""Per-call p50/p95 of every report period at the prices in force on its days (issue 24).

A report across a price change printed month 2's p50/p95 per call at month 1's prices while
per_call_usd moved. Each period's calls are now priced at the prices of their own days and
ranked together: a month a change splits mixes both prices in proportion to its calls on
each side. The catalogs here are written for the test: acme-doubling's prices double on
2027-01-01, acme-tiered's input and output go up but its cache reads and long-context tier
do not follow.
"""

import csv
import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.inputs.samples import percentile
from budget.workload.projection import project, simulate
from budget.workload.scenario import load_scenario
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost

CATALOG = """\
provider: acme
source: https://example.invalid/acme/prices
as_of: 2026-11-01
models:
  - id: acme-doubling
    name: Acme Doubling
    context_window: 400000
    max_output_tokens: 32000
    tokenizer: estimate:generic
    prices: {input: 1, output: 4}
    source: https://example.invalid/acme/prices
    price_periods:
      - from: 2027-01-01
        prices: {input: 2, output: 8}
        source: https://example.invalid/acme/2027
  - id: acme-tiered
    name: Acme Tiered
    context_window: 400000
    max_output_tokens: 32000
    tokenizer: estimate:generic
    prices: {input: 1, output: 4, cache_read: 0.1}
    tiers:
      - {above_input_tokens: 128000, input: 2, output: 6, cache_read: 0.2}
    source: https://example.invalid/acme/prices
    price_periods:
      - from: 2027-01-01
        prices: {input: 2, output: 8, cache_read: 0.1}
        tiers:
          - {above_input_tokens: 128000, input: 2.5, output: 9, cache_read: 0.2}
        source: https://example.invalid/acme/2027
"""


@pytest.fixture
def catalog_path(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(CATALOG)
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def scenario(tmp_path, start, tokens, model="acme-doubling", months=3, calls=4000, more=""):
    path = tmp_path / f"{model}-{start}.yaml"
    path.write_text(
        f"name: prices\nstart: {start}\nmodel: {model}\ntraffic: {{calls_per_day: 1000}}\n"
        f"{tokens}\nhorizon_months: {months}\nsimulated_calls: {calls}\nseed: 3\n{more}"
    )
    return path


def periods_csv(tmp_path, path, catalog_path):
    out = tmp_path / "periods.csv"
    result = run("report", path, "--catalog", catalog_path, "-o", out, "--rows", "periods")
    assert result.exit_code == 0, result.output
    rows = {r["period"]: r for r in csv.DictReader(out.open()) if r["line"] == "generation"}
    return rows, result.stdout


def usd(row, column):
    return Decimal(row[column])


DRAWN = "input_tokens: {p50: 2000, p95: 8000}\noutput_tokens: {p50: 300, p95: 900}"


def test_after_a_doubling_the_percentiles_are_exactly_twice(tmp_path, catalog_path):
    # start 2026-12-01: month 1 is December (old prices), months 2 and 3 are at the doubled
    # ones. Every call costs exactly twice as much, so each percentile is the same call's
    # cost doubled; prices in whole dollars per million keep the costs whole micro-dollars.
    path = scenario(tmp_path, "2026-12-01", DRAWN)
    rows, table = periods_csv(tmp_path, path, catalog_path)
    one, two, three = rows["month-01"], rows["month-02"], rows["month-03"]
    for column in ("p50_per_call_usd", "p95_per_call_usd"):
        assert usd(two, column) == 2 * usd(one, column) > 0, column
        assert usd(three, column) == usd(two, column)
    # the mean doubles too (each rounded once to 8 places)
    assert abs(usd(two, "per_call_usd") - 2 * usd(one, "per_call_usd")) <= Decimal("1e-8")
    assert usd(one, "p50_per_call_usd") < usd(one, "p95_per_call_usd")
    assert rows["day"]["p95_per_call_usd"] == one["p95_per_call_usd"]  # a day of month 1
    # the horizon: a third of its calls at the old prices, two thirds at the new
    for column in ("p50_per_call_usd", "p95_per_call_usd"):
        assert usd(one, column) <= usd(rows["total"], column) <= usd(two, column)
    # the table prints the same p95 (its column to the places the smallest figure needs)
    line = next(line for line in table.splitlines() if " month-02 " in line)
    assert f"${usd(two, 'p95_per_call_usd'):.6f}" in line.split()
    # and --json the same rows
    result = run("report", path, "--catalog", catalog_path, "--json")
    assert result.exit_code == 0, result.output
    by_period = {r["period"]: r for r in json.loads(result.stdout)["rows"]}
    for period in ("month-01", "month-02", "total"):
        for column in ("p50_per_call_usd", "p95_per_call_usd"):
            assert Decimal(str(by_period[period][column])) == usd(rows[period], column)


FIXED = "input_tokens: 2000\noutput_tokens: 300"


def test_a_month_split_by_the_change_mixes_both_prices_by_its_calls(tmp_path, catalog_path):
    # Every call: 2,000 input + 300 output tokens = $0.0032 before 2027-01-01, $0.0064 after.
    # Month 1 from 2026-12-15 has 17 days at the old prices and 14 at the new (of 31): 55% of
    # its calls cost $0.0032, so its p50 is $0.0032 and its p95 $0.0064. Month 2 is all new.
    path = scenario(tmp_path, "2026-12-15", FIXED, months=2, calls=2000)
    rows, _ = periods_csv(tmp_path, path, catalog_path)
    one, two, total = rows["month-01"], rows["month-02"], rows["total"]
    assert (usd(one, "p50_per_call_usd"), usd(one, "p95_per_call_usd")) == (
        Decimal("0.0032"),
        Decimal("0.0064"),
    )
    # its mean is the days' mix: (17 x 0.0032 + 14 x 0.0064) / 31
    assert usd(one, "per_call_usd") == (
        (17 * Decimal("0.0032") + 14 * Decimal("0.0064")) / 31
    ).quantize(Decimal("0.00000001"))
    assert usd(two, "p50_per_call_usd") == usd(two, "p95_per_call_usd") == Decimal("0.0064")
    # the horizon: (14/31 + 1) / 2 = 73% of its calls at the new prices
    assert usd(total, "p50_per_call_usd") == Decimal("0.0064")
    assert one["price_period"] == "..2027-01-01 + 2027-01-01.."


def test_a_split_with_few_new_days_moves_only_the_p95(tmp_path, catalog_path):
    # From 2026-12-05: 27 days old, 4 new (13% of the calls): p50 old, p95 new.
    path = scenario(tmp_path, "2026-12-05", FIXED, months=1, calls=2000)
    rows, _ = periods_csv(tmp_path, path, catalog_path)
    assert usd(rows["month-01"], "p50_per_call_usd") == Decimal("0.0032")
    assert usd(rows["month-01"], "p95_per_call_usd") == Decimal("0.0064")


def test_whatif_horizon_p95_is_at_the_prices_of_each_day(tmp_path, catalog_path):
    # Before: the start day's $0.0032 for every choice. The horizon from 2026-12-15 over two
    # months has 73% of its calls at the new prices: its p95 is $0.0064, as the report's total.
    path = scenario(tmp_path, "2026-12-15", FIXED, months=2, calls=2000)
    result = run("whatif", path, "--catalog", catalog_path, "--vary", "seed=1,2", "--json")
    assert result.exit_code == 0, result.output
    for row in json.loads(result.stdout)["rows"]:
        assert Decimal(str(row["p95_per_call_usd"])) == Decimal("0.0064")
    # one month of it alone: 14/31 at new prices is above 5%, so still the new price
    path = scenario(tmp_path, "2026-12-25", FIXED, months=1, calls=2000)
    result = run("whatif", path, "--catalog", catalog_path, "--vary", "seed=1,2", "--json")
    assert {json.loads(result.stdout)["rows"][0]["p95_per_call_usd"]} == {0.0064}


def test_whatif_per_call_is_the_horizons_mean_like_its_p95(tmp_path, catalog_path):
    # Before: per_call_usd was month 1's mean ($0.0032 before the change) beside the horizon's
    # total and p95: one row on two bases. Now total_usd / calls, between the two prices.
    path = scenario(tmp_path, "2026-12-15", FIXED, months=2, calls=2000)
    result = run("whatif", path, "--catalog", catalog_path, "--vary", "seed=1", "--json")
    row = json.loads(result.stdout)["rows"][0]
    mean = Decimal(str(row["total_usd"])) / row["calls"]
    assert abs(Decimal(str(row["per_call_usd"])) - mean) < Decimal("0.000001")
    assert Decimal("0.0032") < mean < Decimal("0.0064")


def test_cache_reads_and_a_long_context_tier_at_each_period(tmp_path, catalog_path):
    # acme-tiered: half the prompt read from cache, whose rate does not change, and prompts
    # above 128K at a tier that rises less than the base rates: month 2 is not month 1 x 2.
    # Each percentile is checked against the calls priced one by one by the Decimal engine.
    tokens = (
        "input_tokens: {p50: 40000, p95: 160000}\noutput_tokens: {p50: 500, p95: 2000}\n"
        "cache: {read_share: 0.5}\nmax_tokens: 30000"
    )
    path = scenario(tmp_path, "2026-12-01", tokens, model="acme-tiered", months=2)
    rows, _ = periods_csv(tmp_path, path, catalog_path)
    catalog = load_catalog([str(catalog_path)])
    draws = simulate(load_scenario(path), catalog.resolve("acme-tiered"), 4000)[0]
    assert draws.truncation_rate == 0  # no follow-ups: each call's cost is its own
    t = draws.tokens
    assert 0.05 < (t.input_tokens > 128000).mean() < 0.2  # the p95 call is on the tier
    for period, day in (("month-01", "2026-12-01"), ("month-02", "2027-01-01")):
        model = catalog.resolve("acme-tiered", at=dt.date.fromisoformat(day))
        each = [
            cost(model, Usage(int(i), int(o), cache_read_tokens=int(r))).total_usd
            for i, o, r in zip(t.input_tokens, t.output_tokens, t.cache_read_tokens, strict=True)
        ]
        for p in (50, 95):
            expected = percentile(each, p).quantize(Decimal("0.00000001"))
            assert usd(rows[period], f"p{p}_per_call_usd") == expected, (period, p)
    ratio = usd(rows["month-02"], "p95_per_call_usd") / usd(rows["month-01"], "p95_per_call_usd")
    assert Decimal("1.1") < ratio < Decimal("1.5")  # the tier's input rises by a quarter


def test_chunked_projection_ranks_every_mix_the_same(tmp_path, catalog_path, monkeypatch):
    # 4,000 calls in chunks of 700, with at most 10 values kept per pass: the percentiles of
    # each period (pure or mixed) are narrowed through histograms over replays, and are the
    # very calls one chunk picks.
    from budget.workload import ranks

    catalog = load_catalog([str(catalog_path)])
    path = scenario(tmp_path, "2026-12-15", DRAWN, months=3)
    whole = project(load_scenario(path), catalog).models[0]
    monkeypatch.setattr(ranks, "KEEP", 10)
    chunked = project(load_scenario(path), catalog, chunk_calls=700).models[0]
    assert chunked.row_percentiles == whole.row_percentiles
    assert set(whole.row_percentiles) == {"day", "month-01", "month-02", "month-03", "total"}
    one = whole.row_percentiles["month-01"]  # split 17 / 14 days
    two = whole.row_percentiles["month-02"]  # all new
    start = (whole.p50_per_call_usd, whole.p95_per_call_usd)  # all old
    for low, mixed, high in zip(start, one, two, strict=True):
        assert low < mixed < high
