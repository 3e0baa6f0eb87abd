"""Scenario projections: simulated calls priced in bulk, then scaled to days and months.

Per model, ``simulated_calls`` calls are drawn with the scenario's seed (the same draws for
every model, so models are compared on the same traffic). Each call's output is capped at
max_tokens (a cut reply is billed at max_tokens); the truncation rate is the share of draws
that wanted more, and each cut reply is followed by a continuation or a retry
(``on_truncation``), priced by the planner's one rule
(:func:`budget.planner.truncation.follow_up_tokens`) over the arrays. Calls are priced with
numpy; the sums are exact Decimals (token sums per cliff tier and batch flag, times the
catalog rate), so a projection agrees with
:func:`pricing.engine.cost` call by call. Period totals are calls x the mean cost per call.

A conversation scenario draws whole conversations instead (conversation.py builds every
turn's tokens); built-in tool fees and a RAG service's embedding lines come from bill.py.

The calls of a scenario are drawn and priced ``CHUNK_CALLS`` at a time (:func:`call_chunks`;
whole conversations of about as many calls, never split, :func:`conversation_chunks`), so
memory stays flat whatever ``simulated_calls`` is (100M calls in about 220 MB): a first pass
settles max_tokens (from the p95 input and the first outputs) and where each random stream
starts, then each chunk is drawn from generators that continue where the last chunk stopped
(numpy's draws do not depend on how they are cut), priced, followed up and added to exact
sums by one loop. The numbers are those of one draw of all the calls for the same seed (tests
compare them); p50/p95 per call and per conversation over several chunks are found exactly
by :mod:`budget.workload.ranks`, replaying the chunks from the seed.

Month 1 starts on the scenario's ``start`` (default: the day asked for, else today); each month
is priced at the prices in force that month (the same simulated calls, priced again for each
price period the horizon meets; a month that a change splits is weighted by its days). Each
report period's p50/p95 per call ranks the calls priced at every period it meets together,
each pricing weighted by the period's calls at those prices (``ranks.MixedRanks``;
docs/percentiles.md).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
import pandas as pd

from budget.format import model_label
from budget.inputs.samples import nearest_rank, percentile
from budget.planner.truncation import follow_up_tokens
from budget.workload.bill import EmbeddingLines, add_tool_fees, embedding_lines
from budget.workload.cache import CacheStructure, read_write_tokens, structure
from budget.workload.capacity import CallShape
from budget.workload.conversation import (
    MAX_TURNS,
    ConversationStats,
    TurnDraws,
    expected_turns,
    simulate_conversations,
)
from budget.workload.draws import (
    ObservedLog,
    Pool,
    PoolReader,
    draw_tokens,
    output_log,
    with_system_prompt_counted,
)
from budget.workload.ranks import FloatRanks, IntCounts, MixedRanks
from budget.workload.results import Counting, ModelProjection, MonthPrices
from budget.workload.sampling import SpreadSums
from budget.workload.scenario import (
    MAX_SIMULATED_CALLS,
    Fixed,
    PromptFiles,
    Scenario,
    as_scenario,
    at_end,
)
from budget.workload.table import periods, report_table, with_float_money
from pricing.arrays import ArrayCosts, CostTotals, TokenArrays, price_arrays
from pricing.catalog import Catalog, Model, PricePeriod, load_catalog
from pricing.dates import add_months, pricing_day
from pricing.engine import Usage, cost
from pricing.errors import InputError, clip
from pricing.rules import prompt_cache_rule

SHARE_SCALE = 1_000_000  # shares applied in integer arithmetic: floor(tokens x share)
HISTOGRAM_SAMPLE = 200_000  # output draws kept for charts
PLAN_SAMPLE = 20_000  # output draws the planner sees for `max_tokens: plan`
CHUNK_CALLS = 250_000  # calls drawn and priced at a time (a 100M-call run peaks near 220 MB)
# A turn holds more arrays than a call while its conversation is built: half as many at a time
# (a 20M-turn run peaks near 235 MB; 250,000 at a time, near 315 MB).
CONVERSATION_CHUNK_CALLS = 125_000


@dataclass(frozen=True)
class CallDraws:
    """Simulated calls for one model: tokens as billed, and the output each call wanted."""

    tokens: TokenArrays
    output_wanted: np.ndarray  # before the max_tokens cap
    max_tokens: int
    input_capped_share: float = 0.0  # drawn inputs above max_input_tokens, capped there
    turns: TurnDraws | None = None  # a conversation scenario: which conversation each call is
    cache: CacheStructure | None = None  # cache from structure (prefix, traffic, lifetime)

    @property
    def truncation_rate(self) -> float:
        return float(np.mean(self.output_wanted > self.max_tokens))


def counting(scenario: Scenario, model: Model, reader: PoolReader) -> Counting:
    """Exact or estimated, for the input and output counts the draws come from (numbers given
    in the YAML and provider-reported usage are exact as written)."""
    system = scenario.conversation.system_tokens if scenario.conversation else None
    pools = [
        reader.pool(scenario.input_tokens, model, scenario, "input_tokens"),
        reader.pool(scenario.output_tokens, model, scenario, "output_tokens"),
    ]
    if isinstance(system, PromptFiles):  # a conversation's input: its system prompt file
        pools[0] = reader.pool(system, model, scenario, "conversation.system_tokens")
    counted = [pool for pool in pools if pool is not None and pool.tokenizer]
    return Counting(
        input_exact=pools[0] is None or pools[0].exact,
        output_exact=pools[1] is None or pools[1].exact,
        tokenizer=counted[0].tokenizer if counted else "",
        method=next((pool.method for pool in counted if pool.method), ""),
    )


@dataclass(frozen=True)
class Projection:
    scenario: Scenario
    models: tuple[ModelProjection, ...]
    output_log: ObservedLog | None = None  # output lengths resampled from this usage log
    embeddings: EmbeddingLines | None = None  # a RAG service's embedding lines of the bill
    # The scenario with every range at its cheap end, and at its costly end (None: no ranges).
    ends: tuple[Projection, Projection] | None = None
    start: dt.date | None = None  # first day of month 1

    @property
    def table(self) -> pd.DataFrame:
        """One row per model and period, money as float USD with ``total_usd_exact``
        (Decimal) alongside; as :attr:`budget.workload.whatif.WhatIf.table`."""
        return with_float_money(self.exact_table)

    @property
    def exact_table(self) -> pd.DataFrame:
        """The report's rows with money as exact Decimals: what the CSV prints."""
        ends = [(end.scenario, end.models) for end in self.ends or ()]
        return report_table(self.scenario, self.models, self.embeddings, ends)


def project(
    scenario: Scenario | str | os.PathLike[str],
    catalog: Catalog | None = None,
    calls: int | None = None,
    reader: PoolReader | None = None,
    bands: bool = True,
    at: dt.date | None = None,
    *,
    chunk_calls: int | None = None,
    on_calls: Callable[[int], None] | None = None,
) -> Projection:
    """Project every model of the scenario; ``calls`` overrides ``simulated_calls``; a
    ``reader`` shared by several projections (a what-if grid) reads each file once;
    ``bands``: also project both ends of the scenario's ranges (``Projection.ends``);
    ``on_calls`` hears how many calls each chunk priced (progress). Month 1 starts on the
    scenario's ``start``, else on ``at``, else today. ``scenario`` may be a scenario file's
    path; ``catalog`` defaults to the bundled one."""
    scenario, catalog = as_scenario(scenario), catalog or load_catalog()
    if calls is not None and not 1 <= calls <= MAX_SIMULATED_CALLS:
        raise InputError(
            f"--simulated-calls: expected 1 to {MAX_SIMULATED_CALLS:,} (the scenario's "
            f"limit), got {clip(calls)}"
        )
    n = calls or scenario.simulated_calls
    start = scenario.start or pricing_day(at)
    reader = reader or PoolReader()
    models = []
    seen: dict[tuple[str, str | None], str] = {}  # (id, variant) -> the key that named it
    for number, choice in enumerate(scenario.models):
        key = "model" if len(scenario.models) == 1 and "model" in scenario.where else "models"
        key = key if key == "model" else f"models.{number}"
        try:
            model = catalog.resolve(choice.name, choice.variant, start)
        except ValueError as exc:
            raise scenario.error(key, str(exc)) from None
        # Two names for one model would print two identical rows that look like a comparison.
        if (model.id, model.variant) in seen:
            label = model_label(model.id, model.variant)
            raise scenario.error(
                key, f"{choice.name} is {label}, already listed as {seen[model.id, model.variant]}"
            )
        seen[model.id, model.variant] = key
        item = project_model(scenario, model, n, reader, chunk_calls, on_calls, start)
        models.append(replace(item, rate_limits=scenario.limits_for(number, model.provider)))
    _check_limit_providers(scenario, catalog)
    first = models[0].model
    log_pool = reader.pool(scenario.output_tokens, first, scenario, "output_tokens")
    ends = None
    if bands and scenario.ranges:
        cheap, costly = at_end(scenario, "cheap"), at_end(scenario, "costly")
        more = {"chunk_calls": chunk_calls, "at": start}
        ends = (
            project(cheap, catalog, calls, reader, **more),
            project(costly, catalog, calls, reader, **more),
        )
    return Projection(
        scenario,
        tuple(models),
        output_log(scenario, log_pool),
        embedding_lines(scenario, catalog),
        ends,
        start,
    )


def _check_limit_providers(scenario: Scenario, catalog: Catalog) -> None:
    """A provider block must name a provider of the catalog (a typo would silently leave its
    models judged against the flat keys), and set only limits that provider has."""
    from budget.workload.capacity import limits_of, unused_limits
    from pricing.yamlfile import did_you_mean

    known = catalog.providers
    for provider, limits in scenario.provider_limits.items():
        key = f"rate_limits.{provider}"
        if provider not in known:
            hint = did_you_mean(provider, known) or f" (providers: {', '.join(known)})"
            raise scenario.error(key, f"unknown provider{hint}")
        unused = unused_limits(limits, provider)
        if unused:
            raise scenario.error(
                f"{key}.{unused[0]}",
                f"{provider} sets {', '.join(limits_of(provider))}, not {unused[0]}",
            )
    for number, choice in enumerate(scenario.models):
        if choice.rate_limits is None:
            continue
        provider = catalog.resolve(choice.name, choice.variant).provider
        unused = unused_limits(choice.rate_limits, provider)
        if unused:
            raise scenario.error(
                f"models.{number}.rate_limits.{unused[0]}",
                f"{provider} sets {', '.join(limits_of(provider))}, not {unused[0]}",
            )


def simulate(
    scenario: Scenario, model: Model, n: int, reader: PoolReader | None = None
) -> tuple[CallDraws, ArrayCosts, int | None, str]:
    """Draw and price ``n`` calls: (draws, costs, the planner's max_tokens, max_tokens source).
    Files the scenario draws from are read first (``reader``); the draws read nothing."""
    _check_batch(scenario, model)
    reader = reader or PoolReader()
    scenario = with_system_prompt_counted(scenario, model, reader)
    input_pool = reader.pool(scenario.input_tokens, model, scenario, "input_tokens")
    output_pool = reader.pool(scenario.output_tokens, model, scenario, "output_tokens")
    if scenario.conversation is not None:  # one chunk holding every conversation
        plan = plan_conversations(scenario, model, n, reader, MAX_SIMULATED_CALLS)
        draws, costs = next(conversation_chunks(scenario, model, plan))
        return draws, costs, plan.planned, plan.max_tokens_source
    rng = np.random.default_rng(scenario.seed)
    input_tokens = draw_tokens(scenario.input_tokens, n, rng, input_pool)
    capped = float(np.mean(input_tokens > model.max_input_tokens)) if n else 0.0
    np.minimum(input_tokens, model.max_input_tokens, out=input_tokens)
    wanted = draw_tokens(scenario.output_tokens, n, rng, output_pool)
    max_tokens, source, planned = resolve_max_tokens(scenario, model, input_tokens, wanted)
    draws = replace(
        make_draws(scenario, input_tokens, wanted, max_tokens, model), input_capped_share=capped
    )
    costs = add_tool_fees(price_arrays(model, draws.tokens), scenario, model, rng)
    return draws, costs, planned, source


def project_model(
    scenario: Scenario,
    model: Model,
    n: int,
    reader: PoolReader | None = None,
    chunk_calls: int | None = None,
    on_calls: Callable[[int], None] | None = None,
    start: dt.date | None = None,
) -> ModelProjection:
    """One model's projection: its calls (or whole conversations) drawn and priced about
    ``chunk_calls`` calls at a time (default: :data:`CHUNK_CALLS`, or
    :data:`CONVERSATION_CHUNK_CALLS`): the numbers of one draw of them all."""
    reader = reader or PoolReader()
    if chunk_calls is None:
        talk = scenario.conversation is not None
        chunk_calls = CONVERSATION_CHUNK_CALLS if talk else CHUNK_CALLS
    return _project_in_chunks(scenario, model, n, reader, chunk_calls, on_calls, start)


def cache_of(scenario: Scenario, model: Model) -> CacheStructure | None:
    """What ``cache: {prefix_tokens, ttl}`` gives this model at month 1's average rate."""
    if scenario.cache_prefix_tokens is None:
        return None
    per_second = scenario.traffic.calls_per_day / 86_400
    return structure(model, scenario.cache_prefix_tokens, per_second, scenario.cache_ttl)


MONEY_FIELDS = ("input_usd", "cache_read_usd", "cache_write_usd", "output_usd", "total_usd")


class _PeriodSums:
    """The simulated calls (and the calls that follow cut replies) priced at each other price
    period the horizon meets, summed chunk by chunk; then each month at the prices in force
    that month (tool fees have no price periods: they stay as simulated)."""

    def __init__(
        self,
        scenario: Scenario,
        model: Model,
        start: dt.date,
    ):
        self.scenario, self.model, self.start = scenario, model, start
        self.parts = [
            model.periods_between(add_months(start, m), add_months(start, m + 1))
            for m in range(scenario.horizon_months)
        ]
        others = {id(p): p for parts in self.parts for p, _ in parts if p is not model.period}
        self.others = list(others.values())
        self.sums = {id(p): (CostTotals(), CostTotals()) for p in self.others}

    @property
    def models(self) -> list[Model]:
        """The model at each price period a chunk is priced at: its own (the start day's)
        first, then every other period the horizon meets."""
        return [self.model, *(self.model.with_period(p) for p in self.others)]

    def add(self, priced: list[_Priced]) -> None:
        """A chunk priced at :attr:`models`."""
        for period, chunk in zip(self.others, priced[1:], strict=True):
            own, follow = self.sums[id(period)]
            self.sums[id(period)] = (own + chunk.totals, follow + chunk.follow)

    def row_mixes(self) -> dict[str, tuple[float, ...]]:
        """Each report period's calls by the price period they are made at (in the order of
        :attr:`models`): a month's calls spread evenly over its calendar days, as its money
        is (:func:`_weighted`)."""
        number = {id(self.model.period): 0} | {id(p): k + 1 for k, p in enumerate(self.others)}
        mixes = {}
        for period in periods(self.scenario):
            shares = [0.0] * (len(self.others) + 1)
            for month, calls in period.month_calls:
                days = sum(d for _, d in self.parts[month])
                for price, d in self.parts[month]:
                    shares[number[id(price)]] += calls * d / days
            mixes[period.name] = tuple(share / sum(shares) for share in shares)
        return mixes

    def months(self, totals: CostTotals, follow: CostTotals) -> tuple[MonthPrices, ...]:
        """Each month's money, from the sums at the model's own prices (``totals``, tool
        fees included, and ``follow``) and at every other period."""
        priced = {id(self.model.period): (totals, follow)}
        for key, (own, own_follow) in self.sums.items():
            money = {name: getattr(own, name) for name in MONEY_FIELDS[:-1]}
            priced[key] = (
                replace(totals, **money, total_usd=own.total_usd + totals.tool_usd),
                own_follow,
            )
        months = []
        for month, parts in enumerate(self.parts):
            if len(parts) == 1:
                month_totals, month_follow = priced[id(parts[0][0])]
            else:
                month_totals = _weighted(parts, [priced[id(p)][0] for p, _ in parts], totals)
                month_follow = _weighted(parts, [priced[id(p)][1] for p, _ in parts], follow)
            first = add_months(self.start, month)
            each = tuple((p, days, *priced[id(p)]) for p, days in parts)
            months.append(
                MonthPrices(first, tuple(p for p, _ in parts), month_totals, month_follow, each)
            )
        return tuple(months)


def _weighted(
    parts: list[tuple[PricePeriod, int]], priced: list[CostTotals], base: CostTotals
) -> CostTotals:
    """A month a price change splits: each period's money weighted by its days."""
    days = sum(d for _, d in parts)
    money = {
        name: sum(
            (getattr(t, name) * d for t, (_, d) in zip(priced, parts, strict=True)), Decimal(0)
        )
        / days
        for name in MONEY_FIELDS
    }
    return replace(base, **money)


def make_draws(
    scenario: Scenario,
    input_tokens: np.ndarray,
    wanted: np.ndarray,
    max_tokens: int,
    model: Model | None = None,
    batch_calls: int | None = None,
) -> CallDraws:
    """Apply the cache (shares, or structure for ``model``), the batch share and the
    max_tokens cap to drawn token counts; ``batch_calls``: how many of these calls (the first
    ones) go through batch, when they are a chunk of a larger draw."""
    n = len(input_tokens)
    cache = cache_of(scenario, model) if model is not None else None
    if cache is not None:
        read, write = read_write_tokens(input_tokens, cache)
        one_hour = scenario.cache_ttl == "1h"
    else:
        read = _share_of(input_tokens, scenario.cache_read_share)
        write = _share_of(input_tokens, scenario.cache_write_share)
        one_hour = scenario.cache_write_ttl == "1h"
    zeros = np.zeros(n, dtype=np.int64)
    batch = np.zeros(n, dtype=bool)
    # Draws are independent, so the first round(n x share) calls can be the batch ones.
    batch[: round(n * scenario.batch_share) if batch_calls is None else batch_calls] = True
    tokens = TokenArrays(
        input_tokens=input_tokens,
        output_tokens=np.minimum(wanted, max_tokens),
        cache_read_tokens=read,
        cache_write_tokens=zeros if one_hour else write,
        cache_write_1h_tokens=write if one_hour else zeros,
        batch=batch if scenario.batch_share > 0 else None,
    )
    return CallDraws(tokens, wanted, max_tokens, cache=cache)


def _share_of(tokens: np.ndarray, share: float) -> np.ndarray:
    if share == 0:
        return np.zeros(len(tokens), dtype=np.int64)
    return tokens * round(share * SHARE_SCALE) // SHARE_SCALE


@dataclass(frozen=True)
class FollowUps:
    """The calls that follow cut replies: which simulated calls were cut, and their tokens."""

    calls: np.ndarray  # indices of the cut calls among the simulated ones
    tokens: TokenArrays  # one follow-up per cut call, in the same order


def follow_ups(draws: CallDraws, on_truncation: str) -> FollowUps:
    """The planner's rule over the cut calls only (a few percent of them, usually), through
    the batch API where the first call was."""
    tokens = draws.tokens
    calls = np.flatnonzero(draws.output_wanted > draws.max_tokens)
    sent, read, generated = follow_up_tokens(
        tokens.input_tokens[calls],
        tokens.cache_read_tokens[calls],
        draws.output_wanted[calls],
        draws.max_tokens,
        on_truncation,
    )
    zeros = np.zeros(len(calls), dtype=np.int64)
    batch = tokens.batch[calls] if tokens.batch is not None else None
    return FollowUps(calls, TokenArrays(sent, generated, read, zeros, zeros, batch=batch))


def resolve_max_tokens(
    scenario: Scenario, model: Model, input_tokens: np.ndarray, wanted: np.ndarray
) -> tuple[int, str, int | None]:
    """(max_tokens used, where it came from, the planner's recommendation or None)."""
    planned = _planned(scenario, model, input_tokens, wanted)
    if scenario.max_tokens == "plan":
        if planned is None:
            raise scenario.error(
                "max_tokens",
                f"plan: the p95 input leaves no room for output in {model.id}'s context window "
                f"({model.context_window:,} tokens)",
            )
        return planned, "plan", planned
    if scenario.max_tokens is None:
        return model.max_output_tokens, "model maximum", planned
    if scenario.max_tokens > model.max_output_tokens:
        raise scenario.error(
            "max_tokens",
            f"{scenario.max_tokens:,} is above {model.id}'s output ceiling "
            f"{model.max_output_tokens:,}",
        )
    return int(scenario.max_tokens), "scenario", planned


def _planned(
    scenario: Scenario, model: Model, input_tokens: np.ndarray, wanted: np.ndarray
) -> int | None:
    """The planner's max_tokens for the p95 input and the drawn outputs (None: no room)."""
    from budget.planner.max_tokens import plan

    if isinstance(scenario.output_tokens, Fixed):
        evidence = {"expected_output": scenario.output_tokens.tokens or 1}
    else:
        evidence = {"samples": [int(x) for x in wanted[:PLAN_SAMPLE]]}
    typical_input = int(percentile(input_tokens, 95))
    planned = plan(model, typical_input, **evidence).max_tokens
    return planned if planned > 0 else None


def worst_case_cached(model: Model, draws: CallDraws, scenario: Scenario) -> Decimal:
    """:func:`worst_case` where the cache comes from structure: the largest drawn input with
    its cache reads and writes, and a reply of max_tokens."""
    largest = int(np.argmax(draws.tokens.input_tokens))
    t = draws.tokens
    usage = Usage(
        input_tokens=int(t.input_tokens[largest]),
        output_tokens=draws.max_tokens,
        cache_read_tokens=int(t.cache_read_tokens[largest]),
        cache_write_tokens=int(t.cache_write_tokens[largest]),
        cache_write_1h_tokens=int(t.cache_write_1h_tokens[largest]),
    )
    return cost(model, usage, batch=scenario.batch_share == 1).total_usd


def worst_case(scenario: Scenario, model: Model, input_tokens: int, max_tokens: int) -> Decimal:
    """The costliest call the settings allow for the inputs drawn: the largest drawn input with
    a reply of max_tokens (interactive rates unless every call goes through batch)."""
    scale = SHARE_SCALE
    read = input_tokens * round(scenario.cache_read_share * scale) // scale
    write = input_tokens * round(scenario.cache_write_share * scale) // scale
    one_hour = scenario.cache_write_ttl == "1h"
    usage = Usage(
        input_tokens=input_tokens,
        output_tokens=max_tokens,
        cache_read_tokens=read,
        cache_write_tokens=0 if one_hour else write,
        cache_write_1h_tokens=write if one_hour else 0,
    )
    return cost(model, usage, batch=scenario.batch_share == 1).total_usd


@dataclass(frozen=True)
class DrawPlan:
    """What one draw of all ``n`` calls settles before any is priced, found a chunk at a
    time: max_tokens (from the p95 input and the first outputs) and where each random stream
    starts."""

    n: int
    max_tokens: int
    max_tokens_source: str  # scenario | plan | model maximum
    planned: int | None  # the planner's max_tokens
    output_state: dict  # the generator after the n inputs: outputs are drawn from here
    tool_states: tuple[dict, ...]  # after the n outputs, one stream per tool (bill.py)
    input_pool: Pool | None
    output_pool: Pool | None


def _check_batch(scenario: Scenario, model: Model) -> None:
    if scenario.batch_share > 0 and model.batch_discount is None:
        raise scenario.error(
            "batch_share", f"{model.id} has no batch API in the catalog; set batch_share: 0"
        )


def _sizes(n: int, chunk_calls: int) -> Iterator[int]:
    for start in range(0, n, chunk_calls):
        yield min(chunk_calls, n - start)


def _generator(state: dict) -> np.random.Generator:
    bits = getattr(np.random, state["bit_generator"])()
    bits.state = copy.deepcopy(state)
    return np.random.Generator(bits)


def plan_draws(
    scenario: Scenario, model: Model, n: int, reader: PoolReader, chunk_calls: int
) -> DrawPlan:
    """The first pass: the ``n`` inputs drawn a chunk at a time, keeping counts, not draws
    (and the outputs too when tool uses are drawn after them)."""
    _check_batch(scenario, model)
    input_pool = reader.pool(scenario.input_tokens, model, scenario, "input_tokens")
    output_pool = reader.pool(scenario.output_tokens, model, scenario, "output_tokens")
    rng = np.random.default_rng(scenario.seed)
    counts = IntCounts()
    for size in _sizes(n, chunk_calls):
        inputs = draw_tokens(scenario.input_tokens, size, rng, input_pool)
        counts.add(np.minimum(inputs, model.max_input_tokens))
    output_state = copy.deepcopy(rng.bit_generator.state)
    head = draw_tokens(scenario.output_tokens, min(n, PLAN_SAMPLE), rng, output_pool)
    typical = np.array([counts.ranked(nearest_rank(95, n))], dtype=np.int64)
    max_tokens, source, planned = resolve_max_tokens(scenario, model, typical, head)
    tool_states: tuple[dict, ...] = ()
    if scenario.tools:  # tool uses are drawn after all the outputs, n per tool
        rng = _generator(output_state)
        for size in _sizes(n, chunk_calls):
            draw_tokens(scenario.output_tokens, size, rng, output_pool)
        after = rng.bit_generator
        states = []
        for number in range(len(scenario.tools)):
            stream = _generator(after.state)
            if number:
                stream.bit_generator.advance(number * n)  # rng.random draws one word each
            states.append(copy.deepcopy(stream.bit_generator.state))
        tool_states = tuple(states)
    return DrawPlan(
        n,
        max_tokens,
        source,
        planned,
        output_state,
        tool_states,
        input_pool,
        output_pool,
    )


def call_chunks(
    scenario: Scenario, model: Model, plan: DrawPlan, chunk_calls: int
) -> Iterator[tuple[CallDraws, ArrayCosts]]:
    """The calls of one draw, drawn and priced ``chunk_calls`` at a time: the same calls
    however they are cut, and the same again each time this is called."""
    inputs_rng = np.random.default_rng(scenario.seed)
    outputs_rng = _generator(plan.output_state)
    tools_rng = [_generator(state) for state in plan.tool_states]
    batch_calls = round(plan.n * scenario.batch_share)
    start = 0
    for size in _sizes(plan.n, chunk_calls):
        inputs = draw_tokens(scenario.input_tokens, size, inputs_rng, plan.input_pool)
        capped = int(np.count_nonzero(inputs > model.max_input_tokens))
        np.minimum(inputs, model.max_input_tokens, out=inputs)
        wanted = draw_tokens(scenario.output_tokens, size, outputs_rng, plan.output_pool)
        batch = min(size, max(0, batch_calls - start))
        draws = make_draws(scenario, inputs, wanted, plan.max_tokens, model, batch)
        draws = replace(draws, input_capped_share=capped / size)
        costs = add_tool_fees(price_arrays(model, draws.tokens), scenario, model, tools_rng)
        yield draws, costs
        start += size


@dataclass(frozen=True)
class ConversationPlan:
    """What one draw of whole conversations settles before any is priced (as
    :class:`DrawPlan`): how many conversations and calls, and max_tokens from the p95 input."""

    conversations: int
    per_chunk: int  # conversations drawn and built at a time (a conversation is never split)
    warm_system: bool  # conversations arrive fast enough to keep the system prompt cached
    output_pool: Pool | None
    max_tokens: int
    max_tokens_source: str = ""
    planned: int | None = None


def _conversation_turns(
    scenario: Scenario, model: Model, plan: ConversationPlan
) -> Iterator[CallDraws]:
    """The conversations of one draw, ``plan.per_chunk`` at a time, built at
    ``plan.max_tokens``. One stream per drawn quantity (turns, user messages, replies), each
    continuing from chunk to chunk, so the calls are the same however they are cut."""
    spec = scenario.conversation
    turns_rng = np.random.default_rng(scenario.seed)
    user_rng = np.random.default_rng([scenario.seed, 1])
    wanted_rng = np.random.default_rng([scenario.seed, 2])
    rule = prompt_cache_rule(model)
    for size in _sizes(plan.conversations, plan.per_chunk):
        turns = np.minimum(draw_tokens(spec.turns, size, turns_rng, None), MAX_TURNS)
        calls = int(turns.sum())
        user = draw_tokens(spec.user_tokens, calls, user_rng, None)
        wanted = draw_tokens(scenario.output_tokens, calls, wanted_rng, plan.output_pool)
        built = simulate_conversations(
            spec, model, rule, turns, user, wanted, plan.max_tokens, warm_system=plan.warm_system
        )
        tokens = built.tokens
        capped = int(np.count_nonzero(tokens.input_tokens > model.max_input_tokens))
        if capped:  # system + one message alone above the model's max input: sent capped
            inputs = np.minimum(tokens.input_tokens, model.max_input_tokens)
            read = np.minimum(tokens.cache_read_tokens, inputs)
            tokens = replace(
                tokens,
                input_tokens=inputs,
                cache_read_tokens=read,
                cache_write_tokens=np.minimum(tokens.cache_write_tokens, inputs - read),
            )
        share = capped / len(tokens)
        yield CallDraws(tokens, built.output_wanted, plan.max_tokens, share, built)


def plan_conversations(
    scenario: Scenario, model: Model, n: int, reader: PoolReader, chunk_calls: int
) -> ConversationPlan:
    """The first pass: about ``n`` calls as whole conversations, built at the given (or the
    model's) max_tokens a chunk at a time, keeping counts of the inputs, not the calls."""
    _check_batch(scenario, model)
    spec = scenario.conversation
    mean_turns = expected_turns(spec)
    rule = prompt_cache_rule(model)
    # Conversations arriving faster than the cache lifetime keep the system prompt cached.
    per_second = scenario.traffic.calls_per_day / 86_400
    given = scenario.max_tokens if isinstance(scenario.max_tokens, int) else None
    plan = ConversationPlan(
        conversations=max(1, round(n / mean_turns)),
        per_chunk=max(1, round(chunk_calls / mean_turns)),  # n calls: one chunk
        warm_system=rule is not None and per_second * rule.lifetime_seconds >= 1,
        output_pool=reader.pool(scenario.output_tokens, model, scenario, "output_tokens"),
        max_tokens=min(given or model.max_output_tokens, model.max_output_tokens),
    )
    counts, calls, summaries, head = IntCounts(), 0, 0, []  # at this max_tokens
    for draws in _conversation_turns(scenario, model, plan):
        counts.add(draws.tokens.input_tokens)
        calls += len(draws.tokens)
        summaries += draws.turns.summary_calls
        turn_calls = len(draws.tokens) - draws.turns.summary_calls
        if sum(map(len, head)) < PLAN_SAMPLE:
            head.append(draws.output_wanted[:turn_calls])
    # The planner sees the first replies as one draw orders them: every turn, then summaries.
    head.append(np.full(summaries, spec.history.summary_tokens, dtype=np.int64))
    sample = np.concatenate(head)[:PLAN_SAMPLE]
    typical = np.array([counts.ranked(nearest_rank(95, calls))], dtype=np.int64)
    max_tokens, source, planned = resolve_max_tokens(scenario, model, typical, sample)
    return replace(plan, max_tokens=max_tokens, max_tokens_source=source, planned=planned)


def conversation_chunks(
    scenario: Scenario, model: Model, plan: ConversationPlan
) -> Iterator[tuple[CallDraws, ArrayCosts]]:
    """:func:`_conversation_turns` priced, with the tool fees of the turns (one stream per
    tool; the calls that write summaries use no tools)."""
    tools_rng = [np.random.default_rng([scenario.seed, 3, k]) for k in range(len(scenario.tools))]
    for draws in _conversation_turns(scenario, model, plan):
        turn_calls = len(draws.tokens) - draws.turns.summary_calls
        costs = price_arrays(model, draws.tokens)
        yield draws, add_tool_fees(costs, scenario, model, tools_rng, turn_calls)


class _ShapeSums:
    """The capacity shape of all the calls, from integer sums added chunk by chunk."""

    def __init__(self) -> None:
        self.calls = self.cut = 0
        self.input = self.cache_read = self.output = 0
        self.follow_input = self.follow_cache_read = self.follow_output = 0

    def add(self, draws: CallDraws, follow: TokenArrays) -> None:
        tokens = draws.tokens
        self.calls += len(tokens)
        self.cut += int(np.count_nonzero(draws.output_wanted > draws.max_tokens))
        self.input += int(tokens.input_tokens.sum())
        self.cache_read += int(tokens.cache_read_tokens.sum())
        self.output += int(tokens.output_tokens.sum())
        self.follow_input += int(follow.input_tokens.sum())
        self.follow_cache_read += int(follow.cache_read_tokens.sum())
        self.follow_output += int(follow.output_tokens.sum())

    def shape(self, max_tokens: int) -> CallShape:
        n = max(self.calls, 1)
        mean_input = self.input / n
        follow_input = self.follow_input / n
        return CallShape(
            input_tokens=mean_input,
            uncached_input_tokens=mean_input - self.cache_read / n,
            output_tokens=self.output / n,
            max_tokens=max_tokens,
            follow_up_share=self.cut / n,
            follow_up_input_tokens=follow_input,
            follow_up_uncached_input_tokens=follow_input - self.follow_cache_read / n,
            follow_up_output_tokens=self.follow_output / n,
        )


@dataclass(frozen=True)
class _Priced:
    """A chunk's calls at one price period."""

    per_call: np.ndarray  # each call's cost with its follow-up (if cut)
    totals: CostTotals  # exact sums of the calls (at the start day's prices: tool fees too)
    follow: CostTotals  # exact sums of the follow-ups


def _price_chunk(
    draws: CallDraws, costs: ArrayCosts, models: list[Model | None], on_truncation: str
) -> tuple[list[_Priced | None], TokenArrays]:
    """The chunk at each model's prices (``costs``: at the first's, tool fees included; None:
    not wanted), and the follow-ups' tokens."""
    cut = follow_ups(draws, on_truncation)
    fees = None  # each call's tool fees, which no price period changes
    if costs.totals.tool_calls:
        parts = costs.input_usd + costs.cache_read_usd + costs.cache_write_usd + costs.output_usd
        fees = costs.total_usd - parts
    priced: list[_Priced | None] = []
    for number, model in enumerate(models):
        if model is None:
            priced.append(None)
            continue
        own = costs if number == 0 else price_arrays(model, draws.tokens)
        follow = price_arrays(model, cut.tokens)
        per_call = own.total_usd.copy()
        if number and fees is not None:
            per_call += fees
        per_call[cut.calls] += follow.total_usd
        priced.append(_Priced(per_call, own.totals, follow.totals))
    return priced, cut.tokens


def _project_in_chunks(
    scenario: Scenario,
    model: Model,
    n: int,
    reader: PoolReader,
    chunk_calls: int,
    on_calls: Callable[[int], None] | None,
    first_day: dt.date | None = None,
) -> ModelProjection:
    as_written, scenario = scenario, with_system_prompt_counted(scenario, model, reader)
    talk = scenario.conversation is not None
    if talk:
        plan = plan_conversations(scenario, model, n, reader, chunk_calls)

        def chunks() -> Iterator[tuple[CallDraws, ArrayCosts]]:
            return conversation_chunks(scenario, model, plan)
    else:
        plan = plan_draws(scenario, model, n, reader, chunk_calls)

        def chunks() -> Iterator[tuple[CallDraws, ArrayCosts]]:
            return call_chunks(scenario, model, plan, chunk_calls)

    by_period = None if first_day is None else _PeriodSums(scenario, model, first_day)
    models = [model] if by_period is None else by_period.models
    # Per-call percentiles of each report period, each call at the prices of its day: the
    # start day's prices alone (the model's own figures), then each distinct mix of periods.
    row_mixes = {} if by_period is None else by_period.row_mixes()
    mixes = list(dict.fromkeys([(1.0,) + (0.0,) * (len(models) - 1), *row_mixes.values()]))
    ranks = MixedRanks([50, 95], mixes, None if talk else n)
    planned = plan.planned if plan.planned != plan.max_tokens else None
    totals, continuation = CostTotals(), CostTotals()
    shape, shape_planned = _ShapeSums(), _ShapeSums()
    by_conversation = FloatRanks([50, 95] if talk else [])
    one_chunk = plan.conversations <= plan.per_chunk if talk else n <= chunk_calls
    first: list[np.ndarray] | None = None  # one chunk: replayed from memory
    each_first: np.ndarray | None = None  # ... and its conversations, ranked directly
    spread = SpreadSums()  # of each unit's cost: a call, or a whole conversation
    sample: list[np.ndarray] = []
    kept = capped = cut_conversations = summary_calls = 0
    largest: CallDraws | None = None  # the first call with the largest input (worst case)
    start = 0
    batch_calls = round(n * scenario.batch_share)
    for draws, costs in chunks():
        size = len(draws.tokens)
        priced, follow = _price_chunk(draws, costs, models, scenario.on_truncation)
        per_call = priced[0].per_call
        each = _per_conversation(draws, per_call)
        totals, continuation = totals + costs.totals, continuation + priced[0].follow
        if by_period is not None:
            by_period.add(priced)
        ranks.add([chunk.per_call for chunk in priced])
        shape.add(draws, follow)
        if planned is not None:
            at = _at_planned(scenario, model, draws, planned, batch_calls - start)
            shape_planned.add(at, follow_ups(at, scenario.on_truncation).tokens)
        if one_chunk:
            first, each_first = [chunk.per_call for chunk in priced], each
        elif each is not None:
            by_conversation.add(each)
        if each is not None:
            cut_conversations += round(draws.turns.cut_share * draws.turns.conversations)
            summary_calls += draws.turns.summary_calls
        capped += round(draws.input_capped_share * size)
        if each is None:
            spread.add(per_call, draws.tokens.batch)
        else:
            spread.add(each)
        seen = start + size
        if kept < HISTOGRAM_SAMPLE:  # the replies wanted (a conversation's turns only)
            wanted = draws.output_wanted[: size - (draws.turns.summary_calls if talk else 0)]
            sample.append(wanted[: HISTOGRAM_SAMPLE - kept].copy())
            kept += len(sample[-1])
        row = int(np.argmax(draws.tokens.input_tokens))
        if largest is None or draws.tokens.input_tokens[row] > largest.tokens.input_tokens[0]:
            one = np.array([row])
            t = draws.tokens
            tokens = TokenArrays(
                t.input_tokens[one],
                t.output_tokens[one],
                t.cache_read_tokens[one],
                t.cache_write_tokens[one],
                t.cache_write_1h_tokens[one],
            )
            largest = CallDraws(tokens, draws.output_wanted[one], draws.max_tokens)
        start = seen
        if on_calls is not None:
            on_calls(size)
    n = start  # whole conversations: about the calls asked for
    if each_first is not None:
        conversation_ranks = [percentile(each_first, 50), percentile(each_first, 95)]
    # Replay the same calls to narrow the p50s and p95s down, priced only at the periods
    # still wanted.
    while not (ranks.end_pass() & (one_chunk or by_conversation.end_pass())):
        if first is not None:
            ranks.add(first)
            continue
        needed = ranks.sources | ({0} if talk else set())
        wanted = [m if k in needed else None for k, m in enumerate(models)]
        for draws, costs in chunks():
            priced = _price_chunk(draws, costs, wanted, scenario.on_truncation)[0]
            ranks.add([None if chunk is None else chunk.per_call for chunk in priced])
            if talk:
                by_conversation.add(_per_conversation(draws, priced[0].per_call))
    if not one_chunk:
        conversation_ranks = by_conversation.values
    low, high = ranks.values_of(0)
    by_row = {name: mixes.index(mix) for name, mix in row_mixes.items()}
    row_percentiles = {
        name: tuple(Decimal(repr(float(v))) for v in ranks.values_of(number))
        for name, number in by_row.items()
    }
    cache = None if talk else cache_of(scenario, model)
    worst = worst_case(scenario, model, int(largest.tokens.input_tokens[0]), plan.max_tokens)
    if cache is not None:
        worst = worst_case_cached(model, largest, scenario)
    stats = None
    if talk:
        conversations = plan.conversations
        exact = totals.total_usd + continuation.total_usd
        p50, p95 = conversation_ranks
        stats = ConversationStats(
            conversations=conversations,
            calls_per_conversation=n / conversations,
            per_conversation_usd=exact / conversations,
            p50_per_conversation_usd=Decimal(repr(float(p50))),
            p95_per_conversation_usd=Decimal(repr(float(p95))),
            cut_share=cut_conversations / conversations,
            summary_calls=summary_calls,
        )
    return ModelProjection(
        model=model,
        max_tokens=plan.max_tokens,
        max_tokens_source=plan.max_tokens_source,
        planned_max_tokens=plan.planned,
        truncation_rate=shape.cut / n,
        calls_simulated=n,
        totals=totals,
        p50_per_call_usd=Decimal(repr(float(low))),
        p95_per_call_usd=Decimal(repr(float(high))),
        spread=spread.spread(),
        worst_case_per_call_usd=worst,
        shape=shape.shape(plan.max_tokens),
        shape_at_planned=None if planned is None else shape_planned.shape(planned),
        output_sample=np.concatenate(sample),
        live_share=1.0 - scenario.batch_share,
        input_capped_share=capped / n,
        conversation=stats,
        continuation=continuation,
        counting=counting(as_written, model, reader),  # a prompt file's count: exact?
        cache=cache,
        months=() if by_period is None else by_period.months(totals, continuation),
        row_percentiles=row_percentiles,
    )


def _per_conversation(draws: CallDraws, per_call: np.ndarray) -> np.ndarray | None:
    """Each conversation's cost: its calls (and their follow-ups) added up; None for calls."""
    turns = draws.turns
    if turns is None:
        return None
    return np.bincount(turns.conversation, weights=per_call, minlength=turns.conversations)


def _at_planned(
    scenario: Scenario, model: Model, draws: CallDraws, planned: int, batch_calls: int
) -> CallDraws:
    """A chunk's calls at the planner's max_tokens (for the capacity shape); a conversation's
    turns keep the history they were built with (close enough for a capacity estimate)."""
    tokens = draws.tokens
    if draws.turns is not None:
        output = np.minimum(draws.output_wanted, planned)
        return CallDraws(replace(tokens, output_tokens=output), draws.output_wanted, planned)
    batch = min(len(tokens), max(0, batch_calls))
    return make_draws(scenario, tokens.input_tokens, draws.output_wanted, planned, model, batch)
