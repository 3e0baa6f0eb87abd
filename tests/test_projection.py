"""Projections agree with the Decimal engine call by call, and scale to periods correctly."""

from __future__ import annotations

import math
import textwrap
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from budget.planner.max_tokens import plan
from budget.planner.truncation import follow_up_usage
from budget.workload.projection import project, simulate
from budget.workload.scenario import DAYS_PER_MONTH, load_scenario
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "workload"
CATALOG = load_catalog([str(FIXTURES / "catalog.yaml")])

# Inputs straddle acme-chat's 100K cliff tier; cache reads, 1h writes and batch all apply.
MIXED = """\
name: mixed
model: acme-chat
traffic: {calls_per_day: 20000, monthly_growth: 0.1, peak_factor: 2}
input_tokens: {p50: 60000, p95: 180000}
output_tokens: {p50: 500, p95: 2500}
cache: {read_share: 0.3, write_share: 0.15, write_ttl: 1h}
batch_share: 0.3
max_tokens: 2000
horizon_months: 3
simulated_calls: 3000
seed: 11
"""


def scenario_from(tmp_path: Path, text: str = MIXED, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return load_scenario(path)


def engine_costs(model, draws) -> list:
    t = draws.tokens
    batch = t.batch if t.batch is not None else np.zeros(len(t), dtype=bool)
    return [
        cost(
            model,
            Usage(
                input_tokens=int(t.input_tokens[i]),
                output_tokens=int(t.output_tokens[i]),
                cache_read_tokens=int(t.cache_read_tokens[i]),
                cache_write_tokens=int(t.cache_write_tokens[i]),
                cache_write_1h_tokens=int(t.cache_write_1h_tokens[i]),
            ),
            batch=bool(batch[i]),
        )
        for i in range(len(t))
    ]


def engine_follow_ups(model, draws, on_truncation="continue") -> list:
    """The Decimal engine's price of each call's follow-up (continuation or retry)."""
    t = draws.tokens
    batch = t.batch if t.batch is not None else np.zeros(len(t), dtype=bool)
    return [
        cost(
            model,
            follow_up_usage(
                int(t.input_tokens[i]),
                int(draws.output_wanted[i]),
                draws.max_tokens,
                on_truncation,
                cache_read_tokens=int(t.cache_read_tokens[i]),
            ),
            batch=bool(batch[i]),
        )
        for i in range(len(t))
    ]


def test_every_simulated_call_costs_what_the_decimal_engine_says(tmp_path):
    scenario = scenario_from(tmp_path)
    model = CATALOG.resolve("acme-chat")
    draws, costs, _, _ = simulate(scenario, model, 3000)
    t = draws.tokens
    # the draws exercise both price tiers, both batch flags and the 1h cache writes
    assert (t.input_tokens > 100_000).any() and (t.input_tokens <= 100_000).any()
    assert t.batch.sum() == 900
    assert (t.cache_write_1h_tokens > 0).all() and not t.cache_write_tokens.any()
    expected = engine_costs(model, draws)
    worst = max(abs(float(e.total_usd) - costs.total_usd[i]) for i, e in enumerate(expected))
    assert worst < 1e-6  # a micro-dollar; in practice float64 error is ~1e-15
    parts = zip(expected, costs.input_usd, costs.cache_write_usd, costs.output_usd, strict=True)
    for e, uncached, write, output in parts:
        assert abs(float(e.input_usd) - uncached) < 1e-6
        assert abs(float(e.cache_write_usd) - write) < 1e-6
        assert abs(float(e.output_usd) - output) < 1e-6
    # the exact sums are the Decimal sums, to the last digit
    assert costs.totals.total_usd == sum((e.total_usd for e in expected), Decimal(0))
    assert costs.totals.cache_read_usd == sum((e.cache_read_usd for e in expected), Decimal(0))


def test_period_totals_are_calls_times_the_engines_mean(tmp_path):
    scenario = scenario_from(tmp_path)
    model = CATALOG.resolve("acme-chat")
    draws, _, _, _ = simulate(scenario, model, 3000)
    first_calls = sum((e.total_usd for e in engine_costs(model, draws)), Decimal(0))
    follow_ups = sum((e.total_usd for e in engine_follow_ups(model, draws)), Decimal(0))
    assert follow_ups > 0  # p95 2,500 wanted against max_tokens 2,000: some replies are cut
    engine_total = first_calls + follow_ups
    table = (project(scenario, CATALOG)).exact_table.set_index("period")
    for month in range(3):
        calls = math.floor(20000 * 1.1**month * DAYS_PER_MONTH + 0.5)
        row = table.loc[f"month-{month + 1:02d}"]
        exact = 20000 * 1.1**month * DAYS_PER_MONTH  # billed unrounded, shown rounded
        assert row["calls"] == calls
        assert row["total_usd"] == (engine_total * Decimal(repr(exact)) / 3000).quantize(
            Decimal("0.000001")
        )
    horizon = math.fsum(20000 * 1.1**m * DAYS_PER_MONTH for m in range(3))
    assert table.loc["total", "calls"] == math.floor(horizon + 0.5)
    assert table.loc["day", "calls"] == 20000
    assert table.loc["total", "total_usd"] == (
        engine_total * Decimal(repr(horizon)) / 3000
    ).quantize(Decimal("0.000001"))
    # parts add up to the total within rounding of each column
    month = table.loc["month-01"]
    parts = month["input_usd"] + month["cache_usd"] + month["output_usd"]
    assert abs(parts + month["continuation_usd"] - month["total_usd"]) <= Decimal("0.000004")
    assert month["continuation_usd"] == (
        follow_ups * Decimal(repr(20000 * DAYS_PER_MONTH)) / 3000
    ).quantize(Decimal("0.000001"))


def test_replies_are_cut_at_max_tokens_and_billed_there(tmp_path):
    scenario = scenario_from(tmp_path)
    draws, _, _, _ = simulate(scenario, CATALOG.resolve("acme-chat"), 3000)
    cut = draws.output_wanted > 2000
    assert cut.any()
    assert (draws.tokens.output_tokens[cut] == 2000).all()
    assert (draws.tokens.output_tokens[~cut] == draws.output_wanted[~cut]).all()
    projection = project(scenario, CATALOG).models[0]
    assert projection.truncation_rate == pytest.approx(cut.mean())


def test_lognormal_draws_match_the_given_percentiles(tmp_path):
    text = MIXED.replace("simulated_calls: 3000", "simulated_calls: 200000")
    scenario = scenario_from(tmp_path, text)
    draws, _, _, _ = simulate(scenario, CATALOG.resolve("acme-chat"), 200_000)
    p50, p95 = np.percentile(draws.output_wanted, [50, 95])
    assert p50 == pytest.approx(500, rel=0.02)
    assert p95 == pytest.approx(2500, rel=0.03)


def test_same_seed_same_numbers_and_models_see_the_same_calls(tmp_path):
    text = MIXED.replace("model: acme-chat", "models: [acme-chat, acme-mini]")
    # inputs within acme-mini's 128K window, so both models bill the same drawn prompts
    text = text.replace("{p50: 60000, p95: 180000}", "{p50: 6000, p95: 18000}")
    first = project(scenario_from(tmp_path, text), CATALOG)
    again = project(scenario_from(tmp_path, text), CATALOG)
    assert (first).exact_table.equals((again).exact_table)
    chat, mini = first.models
    assert chat.totals.input_tokens == mini.totals.input_tokens
    other = project(scenario_from(tmp_path, text.replace("seed: 11", "seed: 12")), CATALOG)
    assert other.models[0].totals.input_tokens != chat.totals.input_tokens


def test_plan_uses_the_planner_on_the_drawn_outputs(tmp_path):
    text = MIXED.replace("max_tokens: 2000", "max_tokens: plan")
    scenario = scenario_from(tmp_path, text)
    model = CATALOG.resolve("acme-chat")
    draws, _, planned, source = simulate(scenario, model, 3000)
    expected = plan(
        model,
        int(np.percentile(draws.tokens.input_tokens, 95)),
        samples=[int(x) for x in draws.output_wanted],
    ).max_tokens
    assert (draws.max_tokens, planned, source) == (expected, expected, "plan")
    # p95 of the outputs plus a 25% buffer: more than p95 and far below the output ceiling
    assert 2500 < expected < 16000


def test_worst_case_is_the_largest_input_with_a_full_reply(tmp_path):
    text = MIXED.replace("batch_share: 0.3", "batch_share: 0")
    scenario = scenario_from(tmp_path, text)
    model = CATALOG.resolve("acme-chat")
    draws, _, _, _ = simulate(scenario, model, 3000)
    largest = int(draws.tokens.input_tokens.max())
    usage = Usage(
        input_tokens=largest,
        output_tokens=2000,
        cache_read_tokens=largest * 3 // 10,
        cache_write_1h_tokens=largest * 15 // 100,
    )
    item = project(scenario, CATALOG).models[0]
    assert item.worst_case_per_call_usd == cost(model, usage).total_usd


def test_max_tokens_above_the_ceiling_is_an_error(tmp_path):
    scenario = scenario_from(tmp_path, MIXED.replace("max_tokens: 2000", "max_tokens: 20000"))
    with pytest.raises(InputError, match=r"s.yaml:8:13: max_tokens: 20,000 is above acme-chat"):
        project(scenario, CATALOG)


def test_batch_share_on_a_model_without_batch_names_the_field(tmp_path):
    text = MIXED.replace("model: acme-chat", "model: acme-nobatch")
    with pytest.raises(
        InputError, match=r"s.yaml:7:14: batch_share: acme-nobatch has no batch API"
    ):
        project(scenario_from(tmp_path, text), CATALOG)


def test_observed_samples_are_resampled(tmp_path):
    (tmp_path / "lengths.txt").write_text("100\n200\n300\n5000\n")
    text = MIXED.replace("{p50: 500, p95: 2500}", "{samples: lengths.txt}")
    draws, _, _, _ = simulate(scenario_from(tmp_path, text), CATALOG.resolve("acme-chat"), 3000)
    assert set(np.unique(draws.output_wanted)) == {100, 200, 300, 5000}
    assert draws.truncation_rate == pytest.approx(0.25, abs=0.03)


def test_a_year_of_1000_calls_a_day_is_365000_calls_not_12_rounded_months(tmp_path):
    text = """\
    name: flat
    model: acme-mini
    traffic: {calls_per_day: 1000}
    input_tokens: 1000
    output_tokens: 100
    simulated_calls: 10
    """
    scenario = scenario_from(tmp_path, text)
    table = (project(scenario, CATALOG)).exact_table.set_index("period")
    # each month shows 30,417 calls (30,416.67 rounded) but the year is 365 x 1,000
    assert table.loc["month-01", "calls"] == 30417
    assert table.loc["total", "calls"] == 365_000
    per_call = (1000 * Decimal("0.4") + 100 * Decimal("1.6")) / 10**6
    assert table.loc["total", "total_usd"] == per_call * 365_000
    # a month is billed for its exact 30,416.67 calls, not the rounded count
    assert table.loc["month-01", "total_usd"] == (
        per_call * Decimal(repr(1000 * DAYS_PER_MONTH))
    ).quantize(Decimal("0.000001"))
    assert table.loc["total", "output_tokens"] == 100 * 365_000


def test_the_same_model_under_two_names_is_an_error(tmp_path):
    text = MIXED.replace("model: acme-chat", "models: [acme-chat, acme/acme-chat]")
    scenario = scenario_from(tmp_path, text)
    # both resolve to acme-chat: two identical rows would look like a comparison
    with pytest.raises(
        InputError,
        match=r"s.yaml:2:21: models.1: acme/acme-chat is acme-chat, already listed as models.0",
    ):
        project(scenario, CATALOG)


def test_plan_samples_and_a_scenario_usage_log_take_the_same_replies(tmp_path):
    # One sampling rule: where a log names models, a model's outputs are its own replies.
    from budget.tokenizers.samples import read_samples
    from budget.workload.draws import PoolReader

    log = FIXTURES / "usage.jsonl"  # 9 replies; 5 from acme-chat
    scenario = scenario_from(
        tmp_path,
        MIXED.replace(
            "output_tokens: {p50: 500, p95: 2500}", f"output_tokens: {{usage_log: {log}}}"
        ),
    )
    model = CATALOG.resolve("acme-chat")
    pool = PoolReader().pool(scenario.output_tokens, model, scenario, "output_tokens")
    planned = read_samples(log, model)
    assert sorted(pool.counts.tolist()) == sorted(planned.lengths)
    assert len(planned.lengths) == 5
    assert pool.note == planned.note == "used the 5 of 9 logged replies that came from acme-chat"
