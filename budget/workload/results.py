"""What a projection gives for one model: exact totals over the simulated calls, month by
month at the prices in force, per-call figures, the call shape for capacity, and how the token
counts were made. Plain records: the simulation (projection.py) fills them, the report table
(table.py) reads them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from budget.workload.cache import CacheStructure
from budget.workload.capacity import CallShape, Capacity, capacity
from budget.workload.conversation import ConversationStats
from budget.workload.sampling import Spread
from budget.workload.scenario import RateLimits
from pricing.arrays import CostTotals
from pricing.catalog import Model, PricePeriod


@dataclass(frozen=True)
class MonthPrices:
    """One month of the horizon: the price periods in force and the simulated calls' money
    at those prices (sums over the simulated calls; a split month weighted by its days)."""

    first_day: dt.date
    periods: tuple[PricePeriod, ...]
    totals: CostTotals
    continuation: CostTotals  # the calls that follow cut replies, at the same prices
    # each price period of the month: (period, its days, totals, continuation) at its prices,
    # for the day-by-day views (budget.workload.finance)
    parts: tuple[tuple[PricePeriod, int, CostTotals, CostTotals], ...] = ()

    @property
    def label(self) -> str:
        return " + ".join(p.label for p in self.periods)


@dataclass(frozen=True)
class Counting:
    """How a model's token counts were made: exact, or estimated (and with what)."""

    input_exact: bool = True
    output_exact: bool = True
    tokenizer: str = ""  # what counted texts ("" where the counts were given as numbers)
    method: str = ""  # how an estimate was made

    @property
    def exact(self) -> bool:
        return self.input_exact and self.output_exact

    def estimated_parts(self) -> list[str]:
        return [
            name
            for name, ok in (("input", self.input_exact), ("output", self.output_exact))
            if not ok
        ]


@dataclass(frozen=True)
class ModelProjection:
    model: Model
    max_tokens: int
    max_tokens_source: str  # scenario | plan | model maximum
    planned_max_tokens: int | None  # the planner's value (for capacity at a lower max_tokens)
    truncation_rate: float
    calls_simulated: int
    totals: CostTotals  # exact sums over the simulated calls (first calls)
    p50_per_call_usd: Decimal
    p95_per_call_usd: Decimal
    spread: Spread  # of each unit's cost (a call, or a conversation): the simulation's error
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

    # Exact sums of the calls that follow cut replies (continuations or retries).
    continuation: CostTotals = CostTotals()
    rate_limits: RateLimits = RateLimits()  # this model's (Scenario.limits_for)
    counting: Counting = Counting()  # exact or estimated token counts
    cache: CacheStructure | None = None  # cache: {prefix_tokens, ttl}: what it gives here

    @property
    def calls_per_unit(self) -> float:
        """Calls per unit of traffic: 1, or the calls of a conversation on average."""
        return self.conversation.calls_per_conversation if self.conversation else 1.0

    @property
    def total_usd(self) -> Decimal:
        """Exact total over the simulated calls, continuations of cut replies included."""
        return self.totals.total_usd + self.continuation.total_usd

    def mean_usd(self) -> Decimal:
        """Expected cost per call, its continuation included."""
        return self.total_usd / self.calls_simulated

    # Month by month, at the prices in force that month (empty: ``totals`` for every month).
    months: tuple[MonthPrices, ...] = ()
    # Report period name (day, month-01, ..., total) -> its calls' p50 and p95 per call, each
    # call at the prices of its day (empty: every period at the start day's prices).
    row_percentiles: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)

    def per_call_percentiles(self, period: str) -> tuple[Decimal, Decimal]:
        """p50 and p95 per call of a report period (``month-02``, ``total``): its calls, each
        priced at the prices in force on its day, ranked together (a period that a price change
        splits mixes both prices in proportion to its calls on each side)."""
        return self.row_percentiles.get(period, (self.p50_per_call_usd, self.p95_per_call_usd))

    def month_totals(self, month: int) -> CostTotals:
        return self.months[month].totals if self.months else self.totals

    def month_continuation(self, month: int) -> CostTotals:
        return self.months[month].continuation if self.months else self.continuation

    def mean(self, name: str) -> Decimal:
        """Mean per simulated call of a token count or a money total in ``totals``."""
        return Decimal(getattr(self.totals, name)) / self.calls_simulated

    def capacity(
        self, calls_per_day: float, peak_factor: float, at_planned: bool = False
    ) -> Capacity:
        """The live (non-batch) calls' need at the peak minute against this model's limits,
        counted as its provider counts them."""
        shape = self.shape_at_planned if at_planned else self.shape
        return capacity(
            calls_per_day * self.live_share,
            peak_factor,
            shape,
            self.rate_limits,
            self.model.provider,
        )
