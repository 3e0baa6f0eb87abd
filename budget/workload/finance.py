"""The projection as finance reads it: calendar days, summed into calendar months or the
horizon, one kind of row per file (docs/csv-columns.md).

A projection month is 365/12 days of traffic starting on its first day (month 1 on the
scenario's ``start``), priced at the prices in force on each of its days. Here each month's
calls are spread evenly over its calendar days and each day is priced at the price period in
force that day, so the days of a month add up to that month of the report exactly, and a
calendar month (``2026-11``) is the sum of its days: a report starting on 2026-11-25 has a
six-day November. Tokens and money include the calls that continue (or retry) cut replies.

The same days feed the FOCUS bill of a projection (budget.focus).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from budget.workload.projection import Projection
from budget.workload.results import ModelProjection
from budget.workload.table import GENERATION, exact, periods
from pricing.dates import add_months

# token types, as the bill names them (FOCUS SkuMeter), and the CostTotals fields behind them
TOKEN_TYPES = (
    ("input", "input_tokens", "input_usd"),  # uncached input (tokens: less reads and writes)
    ("cached input", "cache_read_tokens", "cache_read_usd"),
    ("cache write", "cache_write_tokens", "cache_write_usd"),
    ("output", "output_tokens", "output_usd"),
)
BASELINE, ALTERNATIVE = "baseline", "alternative"
MONEY = Decimal("0.000001")


@dataclass(frozen=True)
class DaySlice:
    """One calendar day of one line of a scenario's bill (a model's generation calls, or an
    embedding line), exact: fractional calls and tokens, Decimal dollars."""

    day: dt.date
    service: str  # the scenario's name
    role: str  # baseline (the scenario's first model and the embedding lines) or alternative
    line: str  # generation | embedding corpus | embedding queries
    provider: str
    model: str
    variant: str
    priced_as: str  # the model whose rates apply that day (a routed retirement's successor)
    price_period: str
    calls: Decimal
    tokens: dict[str, Decimal]  # by token type (TOKEN_TYPES): input is the uncached part
    usd: dict[str, Decimal]  # by token type, and "tool" for built-in tool fees
    continuation_usd: Decimal  # the part of the day's money spent on cut replies' follow-ups
    input_exact: bool = True
    output_exact: bool = True

    @property
    def total_usd(self) -> Decimal:
        return sum(self.usd.values(), Decimal(0))


def day_slices(projection: Projection) -> list[DaySlice]:
    """Every day of the horizon, for every model and embedding line, in model order."""
    slices: list[DaySlice] = []
    for number, item in enumerate(projection.models):
        slices += _model_days(projection, item, BASELINE if number == 0 else ALTERNATIVE)
    if projection.embeddings is not None:
        slices += _embedding_days(projection)
    return slices


def _month_days(projection: Projection, item: ModelProjection) -> Iterator[tuple]:
    """(month index, its first day, its calendar days, its exact calls) over the horizon."""
    scenario = projection.scenario
    months = periods(scenario, item.calls_per_unit)[1:-1]
    for number, period in enumerate(months):
        first = add_months(projection.start, number)
        days = (add_months(projection.start, number + 1) - first).days
        yield number, first, days, exact(period.exact_calls)


def _model_days(projection: Projection, item: ModelProjection, role: str) -> list[DaySlice]:
    model, n = item.model, item.calls_simulated
    out = []
    for number, first, days, calls in _month_days(projection, item):
        month = item.months[number]
        per_day = calls / days
        for offset in range(days):
            day = first + dt.timedelta(days=offset)
            period, totals, follow = _in_force(month, day)
            share = per_day / n
            both = totals + follow
            tokens = {kind: Decimal(getattr(both, field)) * share for kind, field, _ in TOKEN_TYPES}
            tokens["input"] -= tokens["cached input"] + tokens["cache write"]
            usd = {kind: getattr(both, field) * share for kind, _, field in TOKEN_TYPES}
            usd["tool"] = totals.tool_usd * share
            out.append(
                DaySlice(
                    day=day,
                    service=projection.scenario.name,
                    role=role,
                    line=GENERATION,
                    provider=model.provider,
                    model=model.id,
                    variant=model.variant or "",
                    priced_as=model.priced_as(day),
                    price_period=period.label if period is not None else "",
                    calls=per_day,
                    tokens=tokens,
                    usd=usd,
                    continuation_usd=follow.total_usd * share,
                    input_exact=item.counting.input_exact,
                    output_exact=item.counting.output_exact,
                )
            )
    return out


def _in_force(month, day: dt.date) -> tuple:
    """(price period, totals, continuation) of the simulated calls at the prices of ``day``."""
    for period, _, totals, follow in month.parts:
        if (period.start is None or period.start <= day) and (
            period.end is None or day < period.end
        ):
            return period, totals, follow
    # one period for the whole month (no price change): its totals are the month's own
    return (month.periods[0] if month.periods else None), month.totals, month.continuation


def _embedding_days(projection: Projection) -> list[DaySlice]:
    """The corpus on the first day of each month that embeds it; every generation call's
    query spread with the calls (the first model's calls: every model sees that traffic)."""
    lines = projection.embeddings
    model = lines.model
    first_model = projection.models[0]
    out = []
    empty = {kind: Decimal(0) for kind, _, _ in TOKEN_TYPES}

    def slice_of(day, line, calls, tokens, usd) -> DaySlice:
        return DaySlice(
            day=day,
            service=projection.scenario.name,
            role=BASELINE,
            line=line,
            provider=model.provider,
            model=model.id,
            variant=model.variant or "",
            priced_as=model.id,
            price_period=model.period.label if model.period else "",
            calls=calls,
            tokens={**empty, "input": tokens},
            usd={**empty, "input": usd, "tool": Decimal(0)},
            continuation_usd=Decimal(0),
        )

    for number, first, days, calls in _month_days(projection, first_model):
        times = lines.corpus_embeddings(number + 1)
        if times:
            tokens, usd = lines.corpus_tokens * times, lines.corpus_usd * times
            out.append(slice_of(first, "embedding corpus", Decimal(0), tokens, usd))
        per_day = calls / days
        for offset in range(days):
            day = first + dt.timedelta(days=offset)
            tokens = lines.query_tokens_per_call * per_day
            usd = lines.query_usd_per_call * per_day
            out.append(slice_of(day, "embedding queries", per_day, tokens, usd))
    return out


# --- the finance CSV --------------------------------------------------------------------

ROWS = ("month", "day", "total")  # --rows: one kind of row per file
KEYS = ("service", "role", "line", "provider", "model", "variant")
# summed columns: whole numbers (tokens, calls) and dollars to the micro-dollar; each is
# rounded so that its rows add up to the rounded total of the series (no cent lost)
COUNT_COLUMNS = (
    "calls",
    "input_tokens",
    "uncached_input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
)
USD_COLUMNS = (
    "uncached_input_usd",
    "cache_read_usd",
    "cache_write_usd",
    "output_usd",
    "tool_usd",
    "total_usd",
    "continuation_usd",
)
COLUMNS = {
    "month": ("month", "first_day", "last_day", "days"),
    "day": ("date",),
    "total": ("first_day", "last_day", "days"),
}
TRAILING = (
    "cache_read_share",
    "cache_write_share",
    "price_period",
    "priced_as",
    "input_tokens_exact",
    "output_tokens_exact",
    "projected",
)


def finance_columns(rows: str) -> tuple[str, ...]:
    return COLUMNS[rows] + KEYS + COUNT_COLUMNS + USD_COLUMNS + TRAILING


def _bucket(rows: str) -> Callable[[dt.date], str]:
    return {
        "month": lambda day: day.strftime("%Y-%m"),
        "day": lambda day: day.isoformat(),
        "total": lambda day: "",
    }[rows]


def finance_table(projection: Projection, rows: str = "month") -> pd.DataFrame:
    """The projection's bill, one row per (calendar month | day | horizon) and line."""
    if rows not in ROWS:
        raise ValueError(f"rows: expected one of {', '.join(ROWS)}, got {rows!r}")
    bucket = _bucket(rows)
    groups: dict[tuple, list[DaySlice]] = {}
    for piece in day_slices(projection):
        key = tuple(getattr(piece, k) for k in KEYS)
        groups.setdefault(key + (bucket(piece.day),), []).append(piece)
    horizon = (projection.start, add_months(projection.start, projection.scenario.horizon_months))
    series: dict[tuple, list[dict]] = {}
    for key, pieces in groups.items():
        span = _span(rows, pieces[0].day, *horizon)
        series.setdefault(key[:-1], []).append(_summed(key, pieces, span))
    out = []
    for records in series.values():
        _round_running(records)
        out += records
    return pd.DataFrame(out, columns=list(finance_columns(rows)))


def _span(rows: str, day: dt.date, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day a row covers: its calendar month within the horizon, its day,
    or the horizon (``end`` exclusive)."""
    if rows == "day":
        return day, day
    if rows == "total":
        return start, end - dt.timedelta(days=1)
    month = day.replace(day=1)
    return max(month, start), min(add_months(month, 1), end) - dt.timedelta(days=1)


def _summed(key: tuple, pieces: list[DaySlice], span: tuple[dt.date, dt.date]) -> dict:
    first, last = span
    tokens = {kind: sum((p.tokens[kind] for p in pieces), Decimal(0)) for kind, _, _ in TOKEN_TYPES}
    usd = {
        kind: sum((p.usd[kind] for p in pieces), Decimal(0))
        for kind in ("input", "cached input", "cache write", "output", "tool")
    }
    total_input = tokens["input"] + tokens["cached input"] + tokens["cache write"]
    record = dict(zip(KEYS, key, strict=False))
    record.update(
        month=first.strftime("%Y-%m"),
        date=first.isoformat(),
        first_day=first.isoformat(),
        last_day=last.isoformat(),
        days=(last - first).days + 1,
        calls=sum((p.calls for p in pieces), Decimal(0)),
        input_tokens=total_input,
        uncached_input_tokens=tokens["input"],
        cache_read_tokens=tokens["cached input"],
        cache_write_tokens=tokens["cache write"],
        output_tokens=tokens["output"],
        uncached_input_usd=usd["input"],
        cache_read_usd=usd["cached input"],
        cache_write_usd=usd["cache write"],
        output_usd=usd["output"],
        tool_usd=usd["tool"],
        total_usd=sum(usd.values(), Decimal(0)),
        continuation_usd=sum((p.continuation_usd for p in pieces), Decimal(0)),
        # shares of the row's own input tokens: they agree with the token columns by design
        cache_read_share=_share(tokens["cached input"], total_input),
        cache_write_share=_share(tokens["cache write"], total_input),
        price_period=" + ".join(dict.fromkeys(p.price_period for p in pieces if p.price_period)),
        priced_as=" + ".join(dict.fromkeys(p.priced_as for p in pieces)),
        input_tokens_exact=all(p.input_exact for p in pieces),
        output_tokens_exact=all(p.output_exact for p in pieces),
        projected=True,
    )
    return record


def _share(part: Decimal, whole: Decimal) -> float:
    return round(float(part / whole), 6) if whole else 0.0


def _round_running(records: list[dict]) -> None:
    """Round each summed column so that the rows of one series add up to its rounded total:
    each row is the rounded running sum less the rounded running sum before it."""
    for column, step in [(c, Decimal(1)) for c in COUNT_COLUMNS] + [
        (c, MONEY) for c in USD_COLUMNS
    ]:
        running, shown = Decimal(0), Decimal(0)
        for record in records:
            running += record[column]
            rounded = running.quantize(step)
            value = rounded - shown
            shown = rounded
            record[column] = int(value) if step == 1 else value
