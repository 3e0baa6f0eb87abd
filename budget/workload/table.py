"""Report periods: a day, each month of the horizon and the total, as rows of the CSV.

Money and tokens of a period are its exact (fractional) calls x the simulated mean per call;
the calls column is rounded once, for display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd

from budget.workload.draws import Z95
from budget.workload.scenario import DAYS_PER_MONTH, Scenario

if TYPE_CHECKING:
    from budget.workload.projection import ModelProjection, Projection


def month_calls_per_day(scenario: Scenario) -> list[float]:
    """Average calls per day in each month of the horizon, growth compounding monthly."""
    traffic = scenario.traffic
    return [
        traffic.calls_per_day * (1 + traffic.monthly_growth) ** month
        for month in range(scenario.horizon_months)
    ]


def calls_in(calls_per_day: float, days: float) -> int:
    return round_calls(calls_per_day * days)


def round_calls(calls: float) -> int:
    """Calls as displayed: rounded half up, once, from the exact (fractional) count."""
    return int(math.floor(calls + 0.5))


@dataclass(frozen=True)
class Period:
    """A report period: its traffic rate (for capacity) and its exact, fractional call count.

    Money and tokens scale with ``exact_calls``; ``calls`` is for display only, so twelve
    months of 30,416.67 calls add up to 365,000 calls, not 12 x 30,417.
    """

    name: str
    days: float
    calls_per_day: float  # the rate capacity is checked at (total: the busiest month)
    exact_calls: float
    # (month index, exact calls) the period's money is priced at: each month at its own prices
    month_calls: tuple[tuple[int, float], ...] = ()

    @property
    def calls(self) -> int:
        return round_calls(self.exact_calls)


def periods(scenario: Scenario) -> list[Period]:
    """An average day of the first month, each month of the horizon, and the horizon total."""
    per_day = month_calls_per_day(scenario)
    months = [
        Period(
            f"month-{m + 1:02d}",
            DAYS_PER_MONTH,
            rate,
            rate * DAYS_PER_MONTH,
            ((m, rate * DAYS_PER_MONTH),),
        )
        for m, rate in enumerate(per_day)
    ]
    total = Period(
        "total",
        DAYS_PER_MONTH * scenario.horizon_months,
        max(per_day),
        math.fsum(p.exact_calls for p in months),
        tuple(pair for p in months for pair in p.month_calls),
    )
    return [Period("day", 1.0, per_day[0], per_day[0], ((0, per_day[0]),)), *months, total]


def period_usd(item: ModelProjection, period: Period, name: str = "total_usd") -> Decimal:
    """A money total of a period (exact, unrounded): each month's calls x that month's mean
    cost per call at the prices in force that month."""
    return sum(
        (
            getattr(item.month_totals(month), name) * exact(calls) / item.calls_simulated
            for month, calls in period.month_calls
        ),
        Decimal(0),
    )


def price_periods_label(item: ModelProjection, period: Period) -> str:
    """The price periods a row is priced at (``2026-12-01..``; several joined by ``+``)."""
    if not item.months:
        return item.model.period.label if item.model.period else ""
    labels: list[str] = []
    for month, _ in period.month_calls:
        for price in item.months[month].periods:
            if price.label not in labels:
                labels.append(price.label)
    return " + ".join(labels)


def exact(calls: float) -> Decimal:
    """A fractional call count as a Decimal (the float's shortest repr)."""
    return Decimal(repr(float(calls)))


# The report's columns, in order (documented in README.md, section "Workloads: scenarios,
# reports, what-if grids and usage logs").
COLUMNS = (
    "scenario",
    "model",
    "variant",
    "period",
    "days",
    "calls",
    "input_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "output_tokens",
    "input_usd",
    "cache_usd",
    "output_usd",
    "total_usd",
    "total_p95_usd",
    "per_call_usd",
    "p50_per_call_usd",
    "p95_per_call_usd",
    "worst_case_per_call_usd",
    "max_tokens",
    "max_tokens_source",
    "planned_max_tokens",
    "truncation_rate",
    "cache_read_share",
    "batch_share",
    "peak_rpm",
    "peak_tpm",
    "peak_input_tpm",
    "peak_output_tpm",
    "binding_limit",
    "headroom",
    "sustainable_rpm",
    "sustainable_rpm_at_planned",
    "input_capped_share",  # added after the others, so existing column positions hold
    "price_period",  # the catalog price periods the row is priced at
)
MONEY = Decimal("0.000001")  # totals to the micro-dollar
PER_CALL = Decimal("0.00000001")  # per-call figures to a hundredth of a micro-dollar


def report_table(projection: Projection) -> pd.DataFrame:
    """One row per model and period (README.md, "Workloads")."""
    rows = [row for item in projection.models for row in period_rows(projection.scenario, item)]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def period_rows(scenario: Scenario, item: ModelProjection) -> list[dict]:
    """One row per period (see :func:`periods`). Capacity columns use the period's own
    traffic; the total row uses the busiest month."""
    return [_row(scenario, item, period) for period in periods(scenario)]


def _row(scenario: Scenario, item: ModelProjection, period: Period) -> dict:
    totals = item.totals
    n = item.calls_simulated

    calls = exact(period.exact_calls)

    def tokens(total: int) -> int:
        return int(Decimal(total) * calls / n + Decimal("0.5"))

    def money(name: str) -> Decimal:
        return period_usd(item, period, name).quantize(MONEY)

    total_usd = period_usd(item, period)
    mean = total_usd / calls if calls else totals.total_usd / n
    band = Decimal(repr(Z95 * item.std_per_call_usd * math.sqrt(period.exact_calls)))
    limits = scenario.rate_limits
    rate = period.calls_per_day
    load = item.capacity(rate, scenario.traffic.peak_factor, limits)
    at_planned = None
    if item.shape_at_planned is not None and limits.any():
        at_planned = item.capacity(rate, 1, limits, at_planned=True).sustainable_rpm
    elif limits.any():
        at_planned = load.sustainable_rpm
    return {
        "scenario": scenario.name,
        "model": item.model.id,
        "variant": item.model.variant or "",
        "period": period.name,
        "days": round(period.days, 4),
        "calls": period.calls,
        "input_tokens": tokens(totals.input_tokens),
        "cached_tokens": tokens(totals.cache_read_tokens),
        "cache_write_tokens": tokens(totals.cache_write_tokens),
        "output_tokens": tokens(totals.output_tokens),
        "input_usd": money("input_usd"),
        "cache_usd": (
            period_usd(item, period, "cache_read_usd") + period_usd(item, period, "cache_write_usd")
        ).quantize(MONEY),
        "output_usd": money("output_usd"),
        "total_usd": total_usd.quantize(MONEY),
        "total_p95_usd": (mean * calls + band).quantize(MONEY),
        "per_call_usd": mean.quantize(PER_CALL),
        "p50_per_call_usd": item.p50_per_call_usd.quantize(PER_CALL),
        "p95_per_call_usd": item.p95_per_call_usd.quantize(PER_CALL),
        "worst_case_per_call_usd": item.worst_case_per_call_usd.quantize(PER_CALL),
        "max_tokens": item.max_tokens,
        "max_tokens_source": item.max_tokens_source,
        "planned_max_tokens": item.planned_max_tokens,
        "truncation_rate": round(item.truncation_rate, 6),
        "cache_read_share": scenario.cache_read_share,
        "batch_share": scenario.batch_share,
        "peak_rpm": round(load.peak_rpm, 3),
        "peak_tpm": round(load.peak_tpm),
        "peak_input_tpm": round(load.peak_input_tpm),
        "peak_output_tpm": round(load.peak_output_tpm),
        "binding_limit": load.binding_limit or "",
        "headroom": round(min(c.headroom for c in load.checks), 4) if load.checks else None,
        "sustainable_rpm": _round(load.sustainable_rpm),
        "sustainable_rpm_at_planned": _round(at_planned),
        "input_capped_share": round(item.input_capped_share, 6),
        "price_period": price_periods_label(item, period),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
