"""Scenario projections: simulated calls priced in bulk, then scaled to days and months.

Per model, ``simulated_calls`` calls are drawn with the scenario's seed (the same draws for
every model, so models are compared on the same traffic). Each call's output is capped at
max_tokens (a cut reply is billed at max_tokens); the truncation rate is the share of draws
that wanted more. Calls are priced with numpy; the sums are exact Decimals (token sums per
cliff tier and batch flag, times the catalog rate), so a projection agrees with
:func:`pricing.engine.cost` call by call. Period totals are calls x the mean cost per call.

A conversation scenario draws whole conversations instead (conversation.py builds every
turn's tokens); built-in tool fees and a RAG service's embedding lines come from bill.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np

from budget.format import model_label
from budget.inputs.samples import percentile
from budget.workload.bill import EmbeddingLines, add_tool_fees, embedding_lines
from budget.workload.capacity import CallShape, Capacity, capacity
from budget.workload.conversation import (
    MAX_TURNS,
    ConversationStats,
    TurnDraws,
    conversation_stats,
    expected_turns,
    simulate_conversations,
)
from budget.workload.draws import ObservedLog, Pool, PoolReader, draw_tokens, output_log
from budget.workload.scenario import MAX_SIMULATED_CALLS, Fixed, Scenario
from pricing.arrays import ArrayCosts, CostTotals, TokenArrays, price_arrays
from pricing.catalog import Catalog, Model
from pricing.engine import Usage, cost
from pricing.errors import InputError, clip
from pricing.rules import prompt_cache_rule

SHARE_SCALE = 1_000_000  # shares applied in integer arithmetic: floor(tokens x share)
HISTOGRAM_SAMPLE = 200_000  # output draws kept for charts
PLAN_SAMPLE = 20_000  # output draws the planner sees for `max_tokens: plan`


@dataclass(frozen=True)
class CallDraws:
    """Simulated calls for one model: tokens as billed, and the output each call wanted."""

    tokens: TokenArrays
    output_wanted: np.ndarray  # before the max_tokens cap
    max_tokens: int
    input_capped_share: float = 0.0  # drawn inputs above max_input_tokens, capped there
    turns: TurnDraws | None = None  # a conversation scenario: which conversation each call is

    @property
    def truncation_rate(self) -> float:
        return float(np.mean(self.output_wanted > self.max_tokens))


@dataclass(frozen=True)
class ModelProjection:
    model: Model
    max_tokens: int
    max_tokens_source: str  # scenario | plan | model maximum
    planned_max_tokens: int | None  # the planner's value (for capacity at a lower max_tokens)
    truncation_rate: float
    calls_simulated: int
    totals: CostTotals  # exact sums over the simulated calls
    p50_per_call_usd: Decimal
    p95_per_call_usd: Decimal
    std_per_call_usd: float
    worst_case_per_call_usd: Decimal
    shape: CallShape
    shape_at_planned: CallShape | None
    output_sample: np.ndarray  # uncapped output draws (for the histogram)
    # Share of calls sent live: batch calls queue under the batch API's own limits, not RPM/TPM.
    live_share: float = 1.0
    # Share of drawn inputs above the model's max_input_tokens, priced at that maximum (such a
    # call could not be sent bigger); models with different maxima then see different prompts.
    input_capped_share: float = 0.0
    conversation: ConversationStats | None = None  # a conversation scenario's per-conversation

    @property
    def calls_per_unit(self) -> float:
        """Calls per unit of traffic: 1, or the calls of a conversation on average."""
        return self.conversation.calls_per_conversation if self.conversation else 1.0

    def mean(self, name: str) -> Decimal:
        """Mean per simulated call of a token count or a money total in ``totals``."""
        return Decimal(getattr(self.totals, name)) / self.calls_simulated

    def capacity(
        self, calls_per_day: float, peak_factor: float, limits, at_planned: bool = False
    ) -> Capacity:
        """The live (non-batch) calls' need at the peak minute against the rate limits."""
        shape = self.shape_at_planned if at_planned else self.shape
        return capacity(calls_per_day * self.live_share, peak_factor, shape, limits)


@dataclass(frozen=True)
class Projection:
    scenario: Scenario
    models: tuple[ModelProjection, ...]
    output_log: ObservedLog | None = None  # output lengths resampled from this usage log
    embeddings: EmbeddingLines | None = None  # a RAG service's embedding lines of the bill


def project(
    scenario: Scenario,
    catalog: Catalog,
    calls: int | None = None,
    reader: PoolReader | None = None,
) -> Projection:
    """Project every model of the scenario; ``calls`` overrides ``simulated_calls``; a
    ``reader`` shared by several projections (a what-if grid) reads each file once."""
    if calls is not None and not 1 <= calls <= MAX_SIMULATED_CALLS:
        raise InputError(
            f"--simulated-calls: expected 1 to {MAX_SIMULATED_CALLS:,} (the scenario's "
            f"limit), got {clip(calls)}"
        )
    n = calls or scenario.simulated_calls
    reader = reader or PoolReader()
    models = []
    seen: dict[tuple[str, str | None], str] = {}  # (id, variant) -> the key that named it
    for number, choice in enumerate(scenario.models):
        key = "model" if len(scenario.models) == 1 and "model" in scenario.where else "models"
        key = key if key == "model" else f"models.{number}"
        try:
            model = catalog.resolve(choice.name, choice.variant)
        except ValueError as exc:
            raise scenario.error(key, str(exc)) from None
        # Two names for one model would print two identical rows that look like a comparison.
        if (model.id, model.variant) in seen:
            label = model_label(model.id, model.variant)
            raise scenario.error(
                key, f"{choice.name} is {label}, already listed as {seen[model.id, model.variant]}"
            )
        seen[model.id, model.variant] = key
        models.append(project_model(scenario, model, n, reader))
    first = models[0].model
    log_pool = reader.pool(scenario.output_tokens, first, scenario, "output_tokens")
    return Projection(
        scenario,
        tuple(models),
        output_log(scenario, log_pool),
        embedding_lines(scenario, catalog),
    )


def simulate(
    scenario: Scenario, model: Model, n: int, reader: PoolReader | None = None
) -> tuple[CallDraws, ArrayCosts, int | None, str]:
    """Draw and price ``n`` calls: (draws, costs, the planner's max_tokens, max_tokens source).
    Files the scenario draws from are read first (``reader``); the draws read nothing."""
    if scenario.batch_share > 0 and model.batch_discount is None:
        raise scenario.error(
            "batch_share", f"{model.id} has no batch API in the catalog; set batch_share: 0"
        )
    reader = reader or PoolReader()
    input_pool = reader.pool(scenario.input_tokens, model, scenario, "input_tokens")
    output_pool = reader.pool(scenario.output_tokens, model, scenario, "output_tokens")
    rng = np.random.default_rng(scenario.seed)
    if scenario.conversation is not None:
        draws, planned, source = _conversation_draws(scenario, model, n, rng, output_pool)
        costs = price_arrays(model, draws.tokens)
        return draws, add_tool_fees(costs, scenario, model, rng), planned, source
    input_tokens = draw_tokens(scenario.input_tokens, n, rng, input_pool)
    capped = float(np.mean(input_tokens > model.max_input_tokens)) if n else 0.0
    np.minimum(input_tokens, model.max_input_tokens, out=input_tokens)
    wanted = draw_tokens(scenario.output_tokens, n, rng, output_pool)
    max_tokens, source, planned = resolve_max_tokens(scenario, model, input_tokens, wanted)
    draws = replace(
        make_draws(scenario, input_tokens, wanted, max_tokens), input_capped_share=capped
    )
    costs = add_tool_fees(price_arrays(model, draws.tokens), scenario, model, rng)
    return draws, costs, planned, source


def _conversation_draws(
    scenario: Scenario, model: Model, n: int, rng: np.random.Generator, output_pool: Pool | None
) -> tuple[CallDraws, int | None, str]:
    """About ``n`` calls as whole conversations (conversation.py builds each turn)."""
    spec = scenario.conversation
    conversations = max(1, round(n / expected_turns(spec)))
    turns = draw_tokens(spec.turns, conversations, rng, None)
    calls = int(np.minimum(turns, MAX_TURNS).sum())
    user = draw_tokens(spec.user_tokens, calls, rng, None)
    wanted = draw_tokens(scenario.output_tokens, calls, rng, output_pool)
    rule = prompt_cache_rule(model)
    # Conversations arriving faster than the cache lifetime keep the system prompt cached.
    per_second = scenario.traffic.calls_per_day / 86_400
    warm = rule is not None and per_second * rule.lifetime_seconds >= 1

    def build(cap: int) -> TurnDraws:
        return simulate_conversations(spec, model, rule, turns, user, wanted, cap, warm_system=warm)

    given = scenario.max_tokens if isinstance(scenario.max_tokens, int) else None
    first_cap = min(given or model.max_output_tokens, model.max_output_tokens)
    turn_draws = build(first_cap)
    max_tokens, source, planned = resolve_max_tokens(
        scenario, model, turn_draws.tokens.input_tokens, turn_draws.output_wanted
    )
    if max_tokens != first_cap:
        turn_draws = build(max_tokens)
    tokens = turn_draws.tokens
    capped = float(np.mean(tokens.input_tokens > model.max_input_tokens))
    if capped:  # system + one message alone above the model's max input: cannot be sent bigger
        inputs = np.minimum(tokens.input_tokens, model.max_input_tokens)
        read = np.minimum(tokens.cache_read_tokens, inputs)
        tokens = replace(
            tokens,
            input_tokens=inputs,
            cache_read_tokens=read,
            cache_write_tokens=np.minimum(tokens.cache_write_tokens, inputs - read),
        )
    draws = CallDraws(tokens, turn_draws.output_wanted, max_tokens, capped, turn_draws)
    return draws, planned, source


def project_model(
    scenario: Scenario, model: Model, n: int, reader: PoolReader | None = None
) -> ModelProjection:
    draws, costs, planned, source = simulate(scenario, model, n, reader)
    tokens = draws.tokens
    n = len(tokens)  # a conversation scenario simulates whole conversations: about n calls
    low, high = percentile(costs.total_usd, 50), percentile(costs.total_usd, 95)
    worst = worst_case(scenario, model, int(tokens.input_tokens.max()), draws.max_tokens)
    shape_planned = None
    if planned is not None and planned != draws.max_tokens and draws.turns is None:
        shape_planned = call_shape(
            make_draws(scenario, tokens.input_tokens, draws.output_wanted, planned)
        )
    elif planned is not None and planned != draws.max_tokens:
        # A conversation at the planned max_tokens: the same turns with replies cut there
        # (the history they feed is left as drawn: close enough for a capacity estimate).
        output = np.minimum(draws.output_wanted, planned)
        shape_planned = call_shape(
            CallDraws(replace(tokens, output_tokens=output), draws.output_wanted, planned)
        )
    return ModelProjection(
        model=model,
        max_tokens=draws.max_tokens,
        max_tokens_source=source,
        planned_max_tokens=planned,
        truncation_rate=draws.truncation_rate,
        calls_simulated=n,
        totals=costs.totals,
        p50_per_call_usd=Decimal(repr(float(low))),
        p95_per_call_usd=Decimal(repr(float(high))),
        std_per_call_usd=float(np.std(costs.total_usd)),
        worst_case_per_call_usd=worst,
        shape=call_shape(draws),
        shape_at_planned=shape_planned,
        output_sample=draws.output_wanted[:HISTOGRAM_SAMPLE].copy(),
        live_share=1.0 - scenario.batch_share,
        input_capped_share=draws.input_capped_share,
        conversation=None
        if draws.turns is None
        else conversation_stats(draws.turns, costs.total_usd, costs.totals.total_usd),
    )


def make_draws(
    scenario: Scenario, input_tokens: np.ndarray, wanted: np.ndarray, max_tokens: int
) -> CallDraws:
    """Apply the cache and batch shares and the max_tokens cap to drawn token counts."""
    n = len(input_tokens)
    read = _share_of(input_tokens, scenario.cache_read_share)
    write = _share_of(input_tokens, scenario.cache_write_share)
    zeros = np.zeros(n, dtype=np.int64)
    one_hour = scenario.cache_write_ttl == "1h"
    batch = np.zeros(n, dtype=bool)
    # Draws are independent, so the first round(n x share) calls can be the batch ones.
    batch[: round(n * scenario.batch_share)] = True
    tokens = TokenArrays(
        input_tokens=input_tokens,
        output_tokens=np.minimum(wanted, max_tokens),
        cache_read_tokens=read,
        cache_write_tokens=zeros if one_hour else write,
        cache_write_1h_tokens=write if one_hour else zeros,
        batch=batch if scenario.batch_share > 0 else None,
    )
    return CallDraws(tokens, wanted, max_tokens)


def _share_of(tokens: np.ndarray, share: float) -> np.ndarray:
    if share == 0:
        return np.zeros(len(tokens), dtype=np.int64)
    return tokens * round(share * SHARE_SCALE) // SHARE_SCALE


def call_shape(draws: CallDraws) -> CallShape:
    tokens = draws.tokens
    mean_input = float(np.mean(tokens.input_tokens))
    return CallShape(
        input_tokens=mean_input,
        uncached_input_tokens=mean_input - float(np.mean(tokens.cache_read_tokens)),
        output_tokens=float(np.mean(tokens.output_tokens)),
        max_tokens=draws.max_tokens,
    )


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
