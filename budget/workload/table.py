"""Report periods: a day, each month of the horizon and the total, as rows of the CSV.

Money and tokens of a period are its exact (fractional) calls x the simulated mean per call;
the calls column is rounded once, for display.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from budget.workload.bill import EmbeddingLines
from budget.workload.results import ModelProjection
from budget.workload.scenario import DAYS_PER_MONTH, LIMIT_KEYS, Scenario
from pricing.dates import add_months


def month_calls_per_day(scenario: Scenario, calls_per_unit: float = 1.0) -> list[float]:
    """Average calls per day in each month of the horizon, growth compounding monthly
    (``calls_per_unit``: a conversation's calls, where traffic counts conversations)."""
    traffic = scenario.traffic
    return [
        traffic.calls_per_day * calls_per_unit * (1 + traffic.monthly_growth) ** month
        for month in range(scenario.horizon_months)
    ]


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


def periods(scenario: Scenario, calls_per_unit: float = 1.0) -> list[Period]:
    """An average day of the first month, each month of the horizon, and the horizon total."""
    per_day = month_calls_per_day(scenario, calls_per_unit)
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


def period_usd(
    item: ModelProjection, period: Period, name: str = "total_usd", continuation: bool = False
) -> Decimal:
    """A money total of a period (exact, unrounded): each month's calls x that month's mean
    cost per call at the prices in force that month (``continuation``: of the calls that
    follow cut replies)."""
    month_totals = item.month_continuation if continuation else item.month_totals
    return sum(
        (
            getattr(month_totals(month), name) * exact(calls) / item.calls_simulated
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


def priced_as_label(item: ModelProjection, period: Period) -> str:
    """The models whose rates price a row: the model itself, and after a routed retirement
    the model that serves its name (``gemini-2.5-pro + gemini-3.8-flash`` in the month of the
    switch)."""
    model = item.model
    if not item.months:
        return model.id
    names: list[str] = []
    for month, _ in period.month_calls:
        first = item.months[month].first_day
        for day in (first, add_months(first, 1) - dt.timedelta(days=1)):
            if model.priced_as(day) not in names:
                names.append(model.priced_as(day))
    return " + ".join(names)


def exact(calls: float) -> Decimal:
    """A fractional call count as a Decimal (the float's shortest repr)."""
    return Decimal(repr(float(calls)))


# The report's columns, in order (documented in docs/report.md, "The CSV").
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
    # Conversations, tool fees and the embedding lines of a RAG service (issue #14):
    "line",  # generation | embedding corpus | embedding queries: the lines of one bill
    "conversations",
    "per_conversation_usd",
    "p50_per_conversation_usd",
    "p95_per_conversation_usd",
    "context_cut_share",
    "tool_calls",
    "tool_usd",
    "continuation_usd",  # part of total_usd: continuations or retries of cut replies
    "on_truncation",
    "rate_limits_from",  # scenario | provider NAME | models.N: the block the model is judged by
    "rpm_headroom",
    "tpm_headroom",
    "input_tpm_headroom",
    "output_tpm_headroom",
    "input_tokens_exact",  # false: counted from texts with an estimating tokenizer
    "output_tokens_exact",
    "tokenizer",  # what counted texts (empty: the counts were given as numbers or logged)
    "total_low_usd",  # every range of the scenario at its cheaper end (= total_usd: none)
    "total_high_usd",  # every range at its costlier end
    "simulation_error_usd",  # +/- 95% error of total_usd from simulating a finite sample
    "cache_hit_rate",  # cache: {prefix_tokens, ttl}: share of calls finding the prefix warm
    "cache_prefix_cached",  # ... and the tokens of the prefix the provider caches
    "price_period",  # the catalog price periods the row is priced at
    "retired",  # the day the provider retires the model (empty: not announced)
    "priced_as",  # the model whose rates price the row (a retired name's routed successor)
)
GENERATION = "generation"
WHOLE = (
    "calls",
    "input_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "output_tokens",
    "max_tokens",
    "planned_max_tokens",
    "peak_tpm",
    "peak_input_tpm",
    "peak_output_tpm",
    "conversations",
    "tool_calls",
)
MONEY = Decimal("0.000001")  # totals to the micro-dollar
PER_CALL = Decimal("0.00000001")  # per-call figures to a hundredth of a micro-dollar


def report_table(
    scenario: Scenario,
    models: Sequence[ModelProjection],
    embeddings: EmbeddingLines | None = None,
    ends: Sequence[tuple[Scenario, Sequence[ModelProjection]]] = (),
) -> pd.DataFrame:
    """One row per model and period (docs/report.md, "The CSV"); ``ends``: the scenario at the
    cheap and the costly end of its ranges, for the low/high columns. The library reaches it
    as ``Projection.exact_table``."""
    rows = []
    for number, item in enumerate(models):
        own = period_rows(scenario, item)
        low_high = [period_rows(end, end_models[number]) for end, end_models in ends]
        ends_rows = low_high or [own, own]
        for row, cheap, costly in zip(own, *ends_rows, strict=True):
            row["total_low_usd"], row["total_high_usd"] = cheap["total_usd"], costly["total_usd"]
        rows.extend(own)
    if embeddings is None:
        return pd.DataFrame(rows, columns=list(COLUMNS))
    lines = embedding_rows(scenario, embeddings, models[0].calls_per_unit)
    table = pd.DataFrame(rows + lines, columns=list(COLUMNS))
    # The embedding lines leave generation columns empty: keep whole numbers whole.
    for column in WHOLE:
        if (
            table[column].notna().any()
            and table[column].dropna().map(lambda v: float(v).is_integer()).all()
        ):
            table[column] = table[column].astype("Int64")
    return table


def with_float_money(frame: pd.DataFrame) -> pd.DataFrame:
    """For analysis: every money column (``*_usd``) as float USD, with the exact Decimal total
    kept alongside as ``total_usd_exact`` (the CSV prints the exact figures)."""
    out = frame.copy()
    if "total_usd" in out.columns:
        out.insert(out.columns.get_loc("total_usd") + 1, "total_usd_exact", frame["total_usd"])
    for column in (c for c in frame.columns if c.endswith("_usd")):
        out[column] = pd.to_numeric(frame[column].map(_float), errors="coerce")
    return out


def _float(value: object) -> float | None:
    return None if value is None else float(value)


def period_rows(scenario: Scenario, item: ModelProjection) -> list[dict]:
    """One row per period (see :func:`periods`). Capacity columns use the period's own
    traffic; the total row uses the busiest month."""
    spans = periods(scenario, item.calls_per_unit)
    return [_row(scenario, item, period) for period in spans]


def embedding_rows(scenario: Scenario, lines: EmbeddingLines, calls_per_unit: float) -> list[dict]:
    """The embedding lines of the bill, per period: the corpus (month 1 and each re-index;
    none on the average day) and the query of every generation call (the first model's
    calls: every model sees the same traffic)."""
    spans = periods(scenario, calls_per_unit)
    months = [m + 1 for m in range(scenario.horizon_months)]
    rows = []
    for period in spans:
        number = month_number(period.name)
        if period.name == "day":
            times = Decimal(0)
        elif number is None:  # the horizon total
            times = sum((lines.corpus_embeddings(m) for m in months), Decimal(0))
        else:
            times = lines.corpus_embeddings(number)
        calls = exact(period.exact_calls)
        base = {key: None for key in COLUMNS}
        base.update(
            scenario=scenario.name,
            model=lines.model.id,
            variant="",
            period=period.name,
            days=round(period.days, 4),
            output_tokens=0,
        )
        corpus_tokens = int(lines.corpus_tokens * times + Decimal("0.5"))
        query_tokens = int(lines.query_tokens_per_call * calls + Decimal("0.5"))
        corpus_usd = (lines.corpus_usd * times).quantize(MONEY)
        query_usd = (lines.query_usd_per_call * calls).quantize(MONEY)
        rows.append(
            {**base, "line": "embedding corpus", "input_tokens": corpus_tokens}
            | {"input_usd": corpus_usd, "total_usd": corpus_usd}
        )
        rows.append(
            {**base, "line": "embedding queries", "calls": period.calls}
            | {"input_tokens": query_tokens, "input_usd": query_usd, "total_usd": query_usd}
        )
    return rows


def month_number(name: str) -> int | None:
    """``month-03`` -> 3; ``day`` and ``total`` -> None."""
    return int(name[6:]) if name.startswith("month-") else None


def _row(scenario: Scenario, item: ModelProjection, period: Period) -> dict:
    totals = item.totals
    n = item.calls_simulated

    calls = exact(period.exact_calls)

    def tokens(total: int) -> int:
        return int(Decimal(total) * calls / n + Decimal("0.5"))

    def money(total: Decimal, places: Decimal = MONEY) -> Decimal:
        return (total * calls / n).quantize(places)

    def period_money(name: str) -> Decimal:
        return period_usd(item, period, name).quantize(MONEY)

    total_usd = period_usd(item, period) + period_usd(item, period, continuation=True)
    p50, p95 = item.per_call_percentiles(period.name)
    mean = total_usd / calls if calls else item.mean_usd()
    # a period's real bill spreads over its independent units (calls, or conversations)
    band = item.spread.p95_above_mean(period.exact_calls / item.calls_per_unit)
    rate = period.calls_per_day
    load = item.capacity(rate, scenario.traffic.peak_factor)
    at_planned = None
    if item.shape_at_planned is not None and load.checks:
        at_planned = item.capacity(rate, 1, at_planned=True).sustainable_rpm
    elif load.checks:
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
        "input_usd": period_money("input_usd"),
        "cache_usd": (
            period_usd(item, period, "cache_read_usd") + period_usd(item, period, "cache_write_usd")
        ).quantize(MONEY),
        "output_usd": period_money("output_usd"),
        "total_usd": total_usd.quantize(MONEY),
        "total_p95_usd": (mean * calls + band).quantize(MONEY),
        "per_call_usd": mean.quantize(PER_CALL),
        # the period's calls each at the prices of its day (a price change moves input and
        # output costs apart: not the start day's percentiles scaled)
        "p50_per_call_usd": p50.quantize(PER_CALL),
        "p95_per_call_usd": p95.quantize(PER_CALL),
        "worst_case_per_call_usd": item.worst_case_per_call_usd.quantize(PER_CALL),
        "max_tokens": item.max_tokens,
        "max_tokens_source": item.max_tokens_source,
        "planned_max_tokens": item.planned_max_tokens,
        "truncation_rate": round(item.truncation_rate, 6),
        # as written, or where the cache follows from structure (cache: {prefix_tokens}, or
        # a conversation's turns) the share of input read from cache
        "cache_read_share": (
            scenario.cache_read_share
            if item.cache is None and scenario.conversation is None
            else round(totals.cache_read_tokens / totals.input_tokens, 6)
            if totals.input_tokens
            else 0.0
        ),
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
        "line": GENERATION,
        **_conversation_columns(item, period),
        "tool_calls": tokens(totals.tool_calls) if totals.tool_calls else 0,
        "tool_usd": money(totals.tool_usd),
        "continuation_usd": period_usd(item, period, continuation=True).quantize(MONEY),
        "on_truncation": scenario.on_truncation,
        "rate_limits_from": load.limits.scope if load.checks else "",
        **{f"{name}_headroom": _headroom(load.headroom(name)) for name in LIMIT_KEYS},
        "input_tokens_exact": item.counting.input_exact,
        "output_tokens_exact": item.counting.output_exact,
        "tokenizer": item.counting.tokenizer,
        "cache_hit_rate": None if item.cache is None else round(item.cache.hit_rate, 6),
        "cache_prefix_cached": None if item.cache is None else item.cache.cached_tokens,
        # the mean is estimated from a finite sample of units: its 95% error, as a share
        "simulation_error_usd": item.spread.simulation_error(total_usd).quantize(MONEY),
        "price_period": price_periods_label(item, period),
        "retired": item.model.retired.isoformat() if item.model.retired else "",
        "priced_as": priced_as_label(item, period),
    }


def _conversation_columns(item: ModelProjection, period: Period) -> dict:
    stats = item.conversation
    if stats is None:
        return {}
    return {
        "conversations": round_calls(period.exact_calls / stats.calls_per_conversation),
        "per_conversation_usd": stats.per_conversation_usd.quantize(PER_CALL),
        "p50_per_conversation_usd": stats.p50_per_conversation_usd.quantize(PER_CALL),
        "p95_per_conversation_usd": stats.p95_per_conversation_usd.quantize(PER_CALL),
        "context_cut_share": round(stats.cut_share, 6),
    }


def _headroom(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
