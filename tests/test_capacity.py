"""Rate-limit capacity: numbers a reader can check on the back of an envelope."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from budget.workload.capacity import CallShape, capacity, peak_rpm
from budget.workload.projection import project
from budget.workload.scenario import RateLimits, load_scenario
from budget.workload.table import report_table
from pricing.catalog import load_catalog

CATALOG = load_catalog([str(Path(__file__).parent / "fixtures" / "workload" / "catalog.yaml")])

# 1,000 input tokens (400 of them cache reads), 300 output on average, max_tokens 1,500.
SHAPE = CallShape(input_tokens=1000, uncached_input_tokens=600, output_tokens=300, max_tokens=1500)


def test_peak_minute_is_the_average_minute_times_the_peak_factor():
    assert peak_rpm(14_400, 1) == 10  # 14,400 calls a day = 10 a minute
    assert peak_rpm(14_400, 3) == 30


def test_openai_tpm_reserves_input_plus_max_tokens():
    # 30 calls/min x (1,000 + 1,500) = 75,000 TPM against 100,000: a quarter left
    load = capacity(14_400, 3, SHAPE, RateLimits(tpm=100_000))
    assert load.peak_tpm == 75_000
    (tpm,) = load.checks
    assert (tpm.per_call, tpm.needed, tpm.headroom) == (2500, 75_000, 0.25)
    assert tpm.sustainable_rpm == 40  # 100,000 / 2,500
    assert load.binding_limit == "tpm" and load.fits


def test_lowering_max_tokens_raises_what_tpm_carries():
    limits = RateLimits(tpm=100_000)
    lower = CallShape(1000, 600, 300, max_tokens=500)
    assert capacity(14_400, 3, lower, limits).sustainable_rpm == pytest.approx(100_000 / 1500)
    assert capacity(14_400, 3, SHAPE, limits).sustainable_rpm == 40


def test_anthropic_itpm_leaves_out_cache_reads_and_otpm_counts_output():
    load = capacity(14_400, 3, SHAPE, RateLimits(input_tpm=30_000, output_tpm=8_000))
    checks = {c.limit: c for c in load.checks}
    assert checks["input_tpm"].needed == 18_000  # 30 x 600 uncached
    assert checks["output_tpm"].needed == 9_000  # 30 x 300
    assert checks["output_tpm"].headroom == pytest.approx(-0.125)
    assert load.binding_limit == "output_tpm"
    assert load.sustainable_rpm == pytest.approx(8_000 / 300)
    assert not load.fits


def test_the_limit_carrying_fewest_calls_binds():
    load = capacity(14_400, 3, SHAPE, RateLimits(rpm=35, tpm=100_000))
    assert load.binding_limit == "rpm" and load.sustainable_rpm == 35
    assert {c.limit for c in load.checks} == {"rpm", "tpm"}


def test_no_limits_no_verdict():
    load = capacity(14_400, 3, SHAPE, RateLimits())
    assert load.binding_limit is None and load.sustainable_rpm is None and load.checks == ()


def test_report_rows_carry_capacity_per_period(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            model: acme-mini
            traffic: {calls_per_day: 14400, monthly_growth: 1.0, peak_factor: 3}
            input_tokens: 1000
            output_tokens: 300
            cache: {read_share: 0.4}
            max_tokens: 1500
            rate_limits: {tpm: 100000}
            horizon_months: 2
            """
        )
    )
    projection = project(load_scenario(path), CATALOG)
    table = report_table(projection).set_index("period")
    assert table.loc["month-01", "peak_rpm"] == 30
    assert table.loc["month-01", "peak_tpm"] == 75_000
    assert table.loc["month-01", "peak_input_tpm"] == 18_000
    assert table.loc["month-02", "peak_tpm"] == 150_000  # traffic doubled
    assert table.loc["month-02", "headroom"] == -0.5
    assert table.loc["total", "peak_tpm"] == 150_000  # the busiest month
    assert (table["binding_limit"] == "tpm").all()
    assert table.loc["month-01", "sustainable_rpm"] == 40
    # the planner wants 300 x 1.25 = 375 -> 400 tokens: 100,000 / 1,400 calls a minute
    assert table.loc["month-01", "planned_max_tokens"] == 400
    assert table.loc["month-01", "sustainable_rpm_at_planned"] == round(100_000 / 1400, 2)


def test_batch_calls_do_not_count_against_live_rate_limits(tmp_path):
    from budget.workload.projection import project
    from budget.workload.scenario import load_scenario
    from pricing.catalog import load_catalog

    text = (
        "name: s\nmodel: gpt-4.1-mini\ntraffic: {calls_per_day: 14400}\n"
        "input_tokens: 1000\noutput_tokens: 100\nmax_tokens: 200\n"
        "rate_limits: {rpm: 100}\nsimulated_calls: 1000\n"
    )
    live = tmp_path / "live.yaml"
    live.write_text(text)
    half = tmp_path / "half.yaml"
    half.write_text(text + "batch_share: 0.5\n")
    catalog = load_catalog(())
    for path, rpm in ((live, 10.0), (half, 5.0)):  # 14,400 a day = 10 a minute
        item = project(load_scenario(path), catalog).models[0]
        assert item.capacity(14_400, 1, load_scenario(path).rate_limits).peak_rpm == rpm
