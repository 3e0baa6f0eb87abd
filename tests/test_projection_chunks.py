"""Projections drawn and priced in chunks give the numbers of one draw of all the calls."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from budget.workload import ranks
from budget.workload.projection import project
from budget.workload.scenario import load_scenario
from pricing.catalog import load_catalog

FIXTURES = Path(__file__).parent / "fixtures" / "workload"
CATALOG = load_catalog([str(FIXTURES / "catalog.yaml")])

# Inputs straddle acme-chat's 100K cliff; cache reads, 1h writes, batch and max_tokens: plan.
SCENARIO = """\
name: chunked
models: [acme-chat, acme-mini]
traffic: {calls_per_day: 20000, monthly_growth: 0.1, peak_factor: 2}
input_tokens: {p50: 40000, p95: 110000}
output_tokens: OUTPUT
cache: {read_share: 0.3, write_share: 0.15, write_ttl: 1h}
batch_share: 0.3
max_tokens: plan
horizon_months: 3
simulated_calls: 12001
seed: 11
"""


def scenario(tmp_path: Path, output: str = "{p50: 500, p95: 2500}"):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(SCENARIO.replace("OUTPUT", output)))
    return load_scenario(path)


def assert_same(whole, chunked) -> None:
    for one, other in zip(whole.models, chunked.models, strict=True):
        for name, value in one.__dict__.items():
            again = getattr(other, name)
            if name == "output_sample":
                assert np.array_equal(value, again)
            elif name == "spread":  # float sums: merged per chunk, to 1e-12
                assert value.units == again.units
                assert math.isclose(value.mean_usd, again.mean_usd, rel_tol=1e-12)
                assert math.isclose(value.std_usd, again.std_usd, rel_tol=1e-12)
            else:
                assert value == again, name


@pytest.mark.parametrize("chunk", [997, 5000])  # 997: the batch share ends mid-chunk
def test_chunked_projection_equals_one_draw(tmp_path, chunk):
    s = scenario(tmp_path)
    whole = project(s, CATALOG)  # 12,001 calls in one chunk: today's path
    chunked = project(s, CATALOG, chunk_calls=chunk)
    assert_same(whole, chunked)
    assert whole.models[0].max_tokens_source == "plan"
    assert (whole).exact_table.equals((chunked).exact_table)


def test_draws_among_samples_chunked(tmp_path):
    (tmp_path / "lengths.txt").write_text("\n".join(str(50 + 37 * i % 3000) for i in range(400)))
    s = scenario(tmp_path, "{samples: lengths.txt}")
    assert_same(project(s, CATALOG), project(s, CATALOG, chunk_calls=1000))


def test_percentiles_narrowed_over_several_passes(tmp_path, monkeypatch):
    """With at most 10 values kept, p50/p95 are found through 20-bit histograms pass after
    pass; still the very call the whole array's percentile picks."""
    monkeypatch.setattr(ranks, "KEEP", 10)
    s = scenario(tmp_path)
    assert_same(project(s, CATALOG), project(s, CATALOG, chunk_calls=3000))


def test_progress_hears_every_call(tmp_path):
    heard: list[int] = []
    project(scenario(tmp_path), CATALOG, chunk_calls=5000, on_calls=heard.append)
    assert heard == [5000, 5000, 2001] * 2  # two models, three chunks each


TOOLS_AND_CACHE = """\
name: tools
model: gpt-5.2
traffic: {calls_per_day: 50000}
input_tokens: {p50: 3000, p95: 20000}
output_tokens: {p50: 300, p95: 2000}
cache: {prefix_tokens: 2000, ttl: 5m}
tools: {web_search: 0.3, file_search: {share: 0.2, per_call: 2}}
on_truncation: retry
batch_share: 0.2
max_tokens: 1500
horizon_months: 2
simulated_calls: 9001
seed: 5
"""


def test_tool_uses_cache_structure_and_retries_chunked(tmp_path):
    """Tool uses are drawn after all outputs, one stream per tool: a chunk's share of each
    stream is found by advancing the generator, and the fees come out the same."""
    path = tmp_path / "tools.yaml"
    path.write_text(TOOLS_AND_CACHE)
    s = load_scenario(path)
    catalog = load_catalog(())
    whole = project(s, catalog)
    assert whole.models[0].totals.tool_calls > 0 and whole.models[0].cache is not None
    assert_same(whole, project(s, catalog, chunk_calls=2000))


def test_the_chunk_loop_gives_what_one_whole_draw_gives(tmp_path):
    """The loop over chunks against :func:`simulate` (all calls drawn, priced and followed
    up at once, its arrays ranked directly), for calls, tools and a cache structure."""
    from budget.inputs.samples import percentile
    from budget.workload.projection import follow_ups, project_model, simulate
    from pricing.arrays import price_arrays

    path = tmp_path / "tools.yaml"
    path.write_text(TOOLS_AND_CACHE)
    catalog = load_catalog(())
    for s, models in ((load_scenario(path), catalog), (scenario(tmp_path), CATALOG)):
        model = models.resolve(s.models[0].name)
        draws, costs, planned, source = simulate(s, model, s.simulated_calls)
        cut = follow_ups(draws, s.on_truncation)
        follow = price_arrays(model, cut.tokens)
        per_call = costs.total_usd.copy()
        per_call[cut.calls] += follow.total_usd
        looped = project_model(s, model, s.simulated_calls, chunk_calls=1000)
        assert looped.totals == costs.totals and looped.continuation == follow.totals
        assert (looped.max_tokens, looped.planned_max_tokens) == (draws.max_tokens, planned)
        assert looped.max_tokens_source == source
        assert looped.truncation_rate == draws.truncation_rate
        assert float(looped.p50_per_call_usd) == percentile(per_call, 50)
        assert float(looped.p95_per_call_usd) == percentile(per_call, 95)
        # the spread within batch and live calls apart (the batch share is fixed, not drawn)
        batch = draws.tokens.batch if draws.tokens.batch is not None else np.zeros(len(per_call))
        strata = [per_call[batch == flag] for flag in (True, False)]
        squares = sum(float(np.sum((part - part.mean()) ** 2)) for part in strata if len(part))
        assert looped.spread.units == len(per_call)
        assert math.isclose(
            looped.spread.std_usd, math.sqrt(squares / len(per_call)), rel_tol=1e-12
        )


# Random turns, user messages and replies; summaries (extra calls) and cut histories in a
# 60K window; a tool on the turns; max_tokens planned; three months.
CONVERSATIONS = """\
name: agent
models: [acme-chat, acme-mini]
traffic: {conversations_per_day: 3000}
conversation:
  turns: {p50: 6, p95: 30}
  system_tokens: 2000
  user_tokens: {p50: 800, p95: 5000}
  history: {summarise_at: 20000, summary_tokens: 1500}
output_tokens: {p50: 300, p95: 3000}
max_tokens: plan
horizon_months: 3
simulated_calls: 30000
seed: 7
"""


def conversations(tmp_path: Path):
    path = tmp_path / "agent.yaml"
    path.write_text(CONVERSATIONS)
    return load_scenario(path)


@pytest.mark.parametrize("chunk", [500, 4000])  # 500: under the longest conversation
def test_conversations_chunked_equal_one_draw(tmp_path, chunk):
    """Whole conversations a chunk at a time, from streams that continue between chunks:
    every figure (per call and per conversation p50/p95 included) is that of one chunk."""
    s = conversations(tmp_path)
    whole = project(s, CATALOG)  # 30,000 calls, about 4,000 conversations: one chunk
    chunked = project(s, CATALOG, chunk_calls=chunk)
    assert_same(whole, chunked)
    stats = whole.models[0].conversation
    assert stats.summary_calls > 0 and whole.models[0].truncation_rate > 0
    assert stats.p50_per_conversation_usd < stats.p95_per_conversation_usd
    assert whole.exact_table.equals(chunked.exact_table)


def test_conversation_percentiles_narrowed_over_several_passes(tmp_path, monkeypatch):
    monkeypatch.setattr(ranks, "KEEP", 10)
    s = conversations(tmp_path)
    assert_same(project(s, CATALOG), project(s, CATALOG, chunk_calls=3000))


def test_conversation_progress_hears_every_call(tmp_path):
    heard: list[int] = []
    s = conversations(tmp_path)
    item = project(s, CATALOG, chunk_calls=5000, on_calls=heard.append, bands=False)
    assert len(heard) > 2 * 2 and sum(heard) == sum(m.calls_simulated for m in item.models)
