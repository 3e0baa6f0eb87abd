"""A scenario priced over a log's own days and set beside what the log cost (`budget report
SCENARIO --against LOG...`).

Month 1 of the scenario is moved to the log's first day and the horizon made long enough to
reach its last; each day of the log's period is projected as the report projects a day of its
month (that month's calls per day x that month's mean cost per call, continuations of cut
replies included, at the prices in force that month). The log is priced as `budget usage`
prices it (:mod:`budget.usage.traffic`). Only the scenario's models are compared: a log
model the scenario does not name is listed, not counted.

The band (95%): what the scenario is unsure of, each range (a fitted scenario's 95%
intervals) taken as a 95% interval of its own, independent of the others, its effect the
half-difference between the projections at its two ends; and the noise of a real period of
that many calls (a Poisson count of calls each of a random cost: variance calls x E[cost^2],
from the simulated calls' mean and spread); added in quadrature, with the simulation's own
error on top. An actual bill outside it says the scenario does not describe the log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from budget.usage.traffic import LoggedTraffic
from budget.workload.projection import Projection, project
from budget.workload.results import ModelProjection
from budget.workload.scenario import Scenario, at_end
from budget.workload.table import month_calls_per_day
from pricing.catalog import Catalog
from pricing.dates import EPOCH, add_months
from pricing.errors import InputError

Z95 = 1.959963984540054
ENDS = ("cheap", "costly")


@dataclass(frozen=True)
class Compared:
    """Projected against actual, for one model or one day (or the whole period)."""

    label: str  # the model id, the day (YYYY-MM-DD) or "total"
    projected_calls: float
    actual_calls: int
    projected_usd: float
    actual_usd: float
    band_low_usd: float | None = None
    band_high_usd: float | None = None

    @property
    def error_usd(self) -> float:
        return self.projected_usd - self.actual_usd

    @property
    def error_pct(self) -> float | None:
        return 100 * self.error_usd / self.actual_usd if self.actual_usd else None

    @property
    def within_band(self) -> bool | None:
        if self.band_low_usd is None or self.band_high_usd is None:
            return None
        return self.band_low_usd <= self.actual_usd <= self.band_high_usd

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "projected_calls": round(self.projected_calls, 2),
            "actual_calls": self.actual_calls,
            "projected_usd": round(self.projected_usd, 6),
            "actual_usd": round(self.actual_usd, 6),
            "error_usd": round(self.error_usd, 6),
            "error_pct": None if self.error_pct is None else round(self.error_pct, 4),
            "band_low_usd": _round(self.band_low_usd),
            "band_high_usd": _round(self.band_high_usd),
            "within_band": self.within_band,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


@dataclass(frozen=True)
class Backtest:
    scenario: str
    first_day: dt.date
    last_day: dt.date
    by_model: tuple[Compared, ...]
    by_day: tuple[Compared, ...]
    total: Compared
    left_out: tuple[str, ...]  # the log's models the scenario does not name (with their cost)
    notes: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def as_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days": self.days,
            "by_model": [c.as_dict() | {"model": c.label} for c in self.by_model],
            "by_day": [c.as_dict() | {"day": c.label} for c in self.by_day],
            "total": self.total.as_dict(),
            "left_out": list(self.left_out),
            "notes": list(self.notes),
        }


def backtest(
    scenario: Scenario, traffic: LoggedTraffic, catalog: Catalog, calls: int | None = None
) -> Backtest:
    """Project ``scenario`` over the days of ``traffic`` and compare, per model and per day
    (``calls``: simulated calls per model, instead of the scenario's)."""
    where = ", ".join(traffic.report.files)
    if not len(traffic):
        raise InputError(f"{where}: no call could be priced, nothing to compare")
    if not traffic.dated.all():
        undated = int((~traffic.dated).sum())
        raise InputError(
            f"{where}: {undated:,} calls give no time (`created`, `timestamp`, ...): a backtest "
            "compares the log day by day"
        )
    first, last = traffic.first_day, traffic.last_day
    months = 1
    while add_months(first, months) <= last:
        months += 1
    moved = dataclasses.replace(scenario, start=first, horizon_months=months)

    def projected(edited: Scenario) -> Projection:
        edited = dataclasses.replace(edited, start=first, horizon_months=months)
        return project(edited, catalog, calls, bands=False, at=first)

    projection = projected(moved)
    # each range alone at its two ends (the others at their expected values)
    ends = {key: [projected(at_end(moved, end, [key])) for end in ENDS] for key in moved.ranges}
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    month_of = [_month(first, day) for day in days]
    index = traffic.day - (first - EPOCH).days
    by_model = []
    daily_projected = np.zeros(len(days))
    daily_actual = np.zeros(len(days))
    daily_calls = np.zeros(len(days), dtype=np.int64)
    daily_projected_calls = np.zeros(len(days))
    noise_variance = 0.0  # of the whole period's bill: the models' calls are independent
    half_widths = dict.fromkeys(ends, 0.0)  # a range moves every model at once
    named = set()
    for number, item in enumerate(projection.models):
        named.add(item.model.id)
        rates = month_calls_per_day(moved, item.calls_per_unit)
        units = sum(month_calls_per_day(moved)[m] for m in month_of)  # calls or conversations
        per_call = [float(_mean_usd(item, m)) for m in range(months)]
        projected_day = np.array([rates[m] * per_call[m] for m in month_of])
        # the calls the log shows: first calls and the follow-ups of cut replies
        calls_day = np.array([rates[m] for m in month_of]) * (1 + item.truncation_rate)
        mine = traffic.models == item.model.id
        actual_day = np.bincount(index[mine], weights=traffic.usd[mine], minlength=len(days))
        calls_actual = np.bincount(index[mine], minlength=len(days))
        daily_projected += projected_day
        daily_projected_calls += calls_day
        daily_actual += actual_day
        daily_calls += calls_actual
        noise = _noise_variance(item, units)
        noise_variance += noise
        halves = {key: _half_width(pair, number, month_of) for key, pair in ends.items()}
        for key, half in halves.items():
            half_widths[key] += half
        expected = float(projected_day.sum())
        spread = _spread(noise, halves.values(), _simulation_error(item, expected))
        by_model.append(
            Compared(
                item.model.id,
                float(calls_day.sum()),
                int(calls_actual.sum()),
                expected,
                float(actual_day.sum()),
                expected - spread,
                expected + spread,
            )
        )
    left_out = []
    for model in sorted(set(traffic.models.tolist()) - named):
        mine = traffic.models == model
        cost = float(traffic.usd[mine].sum())
        left_out.append(f"{model}: {int(mine.sum()):,} calls, ${cost:,.2f}")
    by_day = tuple(
        Compared(day.isoformat(), float(pc), int(ac), float(p), float(a))
        for day, pc, ac, p, a in zip(
            days, daily_projected_calls, daily_calls, daily_projected, daily_actual, strict=True
        )
    )
    simulation = sum(
        _simulation_error(item, compared.projected_usd)
        for item, compared in zip(projection.models, by_model, strict=True)
    )
    expected = float(daily_projected.sum())
    spread = _spread(noise_variance, half_widths.values(), simulation)
    total = Compared(
        "total",
        float(daily_projected_calls.sum()),
        int(daily_calls.sum()),
        expected,
        float(daily_actual.sum()),
        expected - spread,
        expected + spread,
    )
    notes = []
    if projection.embeddings is not None:
        notes.append("the scenario's embedding lines are left out (a usage log holds generation)")
    return Backtest(
        scenario.name, first, last, tuple(by_model), by_day, total, tuple(left_out), tuple(notes)
    )


def _month(start: dt.date, day: dt.date) -> int:
    month = 0
    while add_months(start, month + 1) <= day:
        month += 1
    return month


def _mean_usd(item: ModelProjection, month: int) -> Decimal:
    """A call's mean cost in a month (its continuation included), per unit of traffic."""
    money = item.month_totals(month).total_usd + item.month_continuation(month).total_usd
    return money / item.calls_simulated


def _noise_variance(item: ModelProjection, units: float) -> float:
    """A real period's bill varies as a compound Poisson sum of its units of traffic (a call
    with its follow-up and tool fees, or a whole conversation): units x E[cost^2]."""
    spread = item.spread
    return units * (spread.std_usd**2 + spread.mean_usd**2)


def _simulation_error(item: ModelProjection, projected_usd: float) -> float:
    """The 95% error of a projected total from simulating a finite sample of units."""
    return Z95 * item.spread.relative_error * projected_usd


def _half_width(pair: list[Projection], number: int, month_of: list[int]) -> float:
    """Half the difference one range makes to a model's bill over the period, between its
    two ends (the same seed at both: the difference is the range's alone)."""
    totals = []
    for end in pair:
        item = end.models[number]
        rates = month_calls_per_day(end.scenario, item.calls_per_unit)
        totals.append(sum(rates[m] * float(_mean_usd(item, m)) for m in month_of))
    return abs(totals[1] - totals[0]) / 2


def _spread(noise_variance: float, half_widths, simulation: float) -> float:
    """The band's half-width: each range taken as a 95% interval of its own, independent of
    the others, and the period's noise, added in quadrature; the simulation's error on top."""
    variance = noise_variance + sum((half / Z95) ** 2 for half in half_widths)
    return Z95 * math.sqrt(variance) + simulation
