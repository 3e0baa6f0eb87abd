"""A portfolio: several services (one scenario each) planned together.

One bill per month across the services and per service, and capacity checked on the sum of
the services that share a provider's limits. Decided here, once:

* A service's bill is its plan: the first model its scenario lists, with its embedding lines
  (a RAG service's corpus and queries). The other models a scenario lists are alternatives to
  it, not more traffic, so they are not billed (the single-scenario report compares them).
* The services start on one day (their `start:`, or ``--at`` for all) and are billed over the
  months every one of them plans (the shortest horizon), so month N is the same calendar
  month for all and the combined bill is the sum of theirs.
* The organisation's limits are per provider, as the scenarios' ``rate_limits`` give them for
  each service's planned model (its own block, its provider's, else the flat keys). Where the
  services disagree about a limit, the smallest is used and the notes say so.
* Each service's need at the peak minute is its own month's average minute times its peak
  factor, counted as its provider counts it (:mod:`budget.workload.capacity`); the needs are
  added as if the services' peaks fell in the same minute, the cautious assumption. A limit is
  judged in the first month the sum goes over it (else the busiest month); adding the
  services in the order given, the one whose addition first goes over tips it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from budget.format import model_label
from budget.gate import Budget, Month, Verdict, chosen_budget, judge
from budget.workload.capacity import limits_of, peak_calls_per_minute
from budget.workload.finance import finance_table
from budget.workload.projection import Projection, project
from budget.workload.results import ModelProjection
from budget.workload.scenario import Scenario, check_scenario, load_scenario
from budget.workload.table import (
    COLUMNS,
    GENERATION,
    MONEY,
    month_calls_per_day,
    period_usd,
    periods,
)
from pricing.catalog import Catalog
from pricing.dates import add_months, pricing_day
from pricing.errors import InputError
from pricing.yamlfile import Document


def planned_bill(projection: Projection, table: pd.DataFrame | None = None) -> tuple[Month, ...]:
    """A scenario's bill month by month: its first model and its embedding lines, each month
    at the prices in force then, continuations and tool fees included."""
    table = projection.exact_table if table is None else table
    rows = planned_rows(projection, table)
    months = []
    for number in range(projection.scenario.horizon_months):
        name = f"month-{number + 1:02d}"
        usd = sum(rows[rows["period"] == name]["total_usd"], Decimal(0))
        first = add_months(projection.start, number) if projection.start else None
        months.append(Month(name, usd, first))
    return tuple(months)


def model_bill(
    scenario: Scenario, item: ModelProjection, start: dt.date | None
) -> tuple[Month, ...]:
    """One model's generation bill month by month (a what-if cell: no embedding lines),
    continuations of cut replies included."""
    months = periods(scenario, item.calls_per_unit)[1:-1]
    return tuple(
        Month(
            period.name,
            (period_usd(item, period) + period_usd(item, period, continuation=True)).quantize(
                MONEY
            ),
            add_months(start, number) if start else None,
        )
        for number, period in enumerate(months)
    )


def planned_rows(projection: Projection, table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the bill: the first model's and the embedding lines (not the alternatives)."""
    first = projection.models[0].model
    planned = (
        (table["line"] == GENERATION)
        & (table["model"] == first.id)
        & (table["variant"] == (first.variant or ""))
    )
    return table[planned | (table["line"] != GENERATION)]


@dataclass(frozen=True)
class Service:
    name: str
    file: str  # as given on the command line
    projection: Projection
    months: tuple[Month, ...]  # the bill (planned_bill)

    @property
    def plan(self) -> ModelProjection:
        return self.projection.models[0]

    @property
    def model(self) -> str:
        return model_label(self.plan.model.id, self.plan.model.variant)

    @property
    def total_usd(self) -> Decimal:
        return sum((m.usd for m in self.months), Decimal(0))


@dataclass(frozen=True)
class SharedLimit:
    """One limit of one provider against the sum of the services that use it."""

    provider: str
    limit: str  # rpm | tpm | input_tpm | output_tpm
    allowed: int  # the smallest the services give
    given: tuple[tuple[str, int], ...]  # (service, the limit it gives)
    month: str  # the month judged: the first the sum goes over, else the busiest
    needs: tuple[tuple[str, float], ...]  # (service, its peak need that month), in order
    tipped_by: str | None  # the service whose addition first goes over (None: fits)

    @property
    def needed(self) -> float:
        return sum(need for _, need in self.needs)

    @property
    def headroom(self) -> float:
        return 1 - self.needed / self.allowed

    @property
    def fits(self) -> bool:
        return self.tipped_by is None

    def sentence(self) -> str:
        names = " + ".join(f"{name} {need:,.0f}" for name, need in self.needs)
        judged = f"{self.provider} {self.limit} {self.allowed:,} ({self.month}: {names}"
        if self.fits:
            return f"{judged} = {self.needed:,.0f}, {self.headroom:.0%} headroom)"
        return (
            f"{judged} = {self.needed:,.0f}, over by {self.needed - self.allowed:,.0f}): "
            f"{self.tipped_by} tips it over"
        )

    def as_dict(self) -> dict:
        return {
            "provider": self.provider,
            "limit": self.limit,
            "allowed": self.allowed,
            "given": [{"service": name, "limit": value} for name, value in self.given],
            "month": self.month,
            "needs": [{"service": name, "peak_need": round(need, 1)} for name, need in self.needs],
            "needed": round(self.needed, 1),
            "headroom": round(self.headroom, 4),
            "fits": self.fits,
            "tipped_by": self.tipped_by,
        }


@dataclass(frozen=True)
class Portfolio:
    services: tuple[Service, ...]
    months: tuple[Month, ...]  # the combined bill
    limits: tuple[SharedLimit, ...]
    notes: tuple[str, ...]
    start: dt.date

    @property
    def total_usd(self) -> Decimal:
        return sum((m.usd for m in self.months), Decimal(0))

    @property
    def fits(self) -> bool:
        return all(limit.fits for limit in self.limits)

    @property
    def exact_table(self) -> pd.DataFrame:
        """Each service's report rows for its plan (``report --rows periods``), a ``service``
        column first."""
        frames = []
        for service in self.services:
            rows = planned_rows(service.projection, service.projection.exact_table).copy()
            rows.insert(0, "service", service.name)
            frames.append(rows)
        return pd.concat(frames, ignore_index=True)[["service", *COLUMNS]]

    def csv_table(self, rows: str = "month") -> pd.DataFrame:
        """``report -o``: the services' finance CSVs one after the other (``rows``: month, day
        or total; each row names its service), or ``periods``: :attr:`exact_table`."""
        if rows == "periods":
            return self.exact_table
        return pd.concat(
            [finance_table(s.projection, rows) for s in self.services], ignore_index=True
        )


def load_portfolio(
    files: Sequence[str],
    catalog: Catalog,
    at: dt.date | None = None,
    start: dt.date | None = None,
    calls: int | None = None,
    on_calls: Callable[[int], None] | None = None,
) -> Portfolio:
    """Project every service of ``files`` (in that order) and plan them together. Month 1 is
    ``start`` for all (``--at`` typed), else the files' shared `start:`, else ``at``."""
    scenarios = [load_scenario(path) for path in files]
    named: dict[str, str] = {}
    for path, scenario in zip(files, scenarios, strict=True):
        if scenario.name in named:
            raise InputError(
                f"{path}: name: {scenario.name!r} is also the name of {named[scenario.name]}; "
                "give each service its own `name:`"
            )
        named[scenario.name] = path
    day = pricing_day(at)
    starts = {path: start or s.start or day for path, s in zip(files, scenarios, strict=True)}
    if len(set(starts.values())) > 1:
        given = ", ".join(f"{path} {first}" for path, first in starts.items())
        raise InputError(
            f"the services start on different days ({given}): give them one `start:`, or "
            "--at DATE to start them all then"
        )
    first_day = next(iter(starts.values()))
    horizon = min(s.horizon_months for s in scenarios)
    notes = [
        f"{s.name} plans {s.horizon_months} months; the portfolio covers the {horizon} every "
        "service plans"
        for s in scenarios
        if s.horizon_months != horizon
    ]
    services = []
    for path, scenario in zip(files, scenarios, strict=True):
        if len(scenario.models) > 1:
            others = ", ".join(model_label(m.name, m.variant) for m in scenario.models[1:])
            notes.append(
                f"{scenario.name} is billed on {model_label(*_first(scenario))}, the first "
                f"model it lists (alternatives not added: {others})"
            )
        scenario = _aligned(scenario, first_day, horizon)
        projection = project(scenario, catalog, calls=calls, at=day, on_calls=on_calls)
        services.append(Service(scenario.name, path, projection, planned_bill(projection)))
    months = tuple(
        Month(
            parts[0].name,
            sum((m.usd for m in parts), Decimal(0)),
            parts[0].first_day,
        )
        for parts in zip(*(s.months for s in services), strict=True)
    )
    limits, disagreements = shared_limits(services)
    notes += disagreements
    if limits:
        notes.append(
            "each service's peak minute is its month's average minute x its peak factor; "
            "the peaks are added as if they fell in the same minute"
        )
    return Portfolio(tuple(services), months, tuple(limits), tuple(notes), first_day)


def _first(scenario: Scenario) -> tuple[str, str | None]:
    return scenario.models[0].name, scenario.models[0].variant


def _aligned(scenario: Scenario, start: dt.date, horizon: int) -> Scenario:
    """The scenario's plan (its first model: the alternatives are not projected) starting on
    ``start`` over ``horizon`` months, set in its document, so the ends of its ranges
    (projected from the document) are the same plan over the same months."""

    def edit(doc: Document) -> None:
        doc.set(("start",), start, "the portfolio's month 1")
        doc.set(("horizon_months",), horizon, "the portfolio's horizon")
        if isinstance(doc.data.get("models"), list):
            doc.data["models"] = doc.data["models"][:1]  # models.0 keeps its place and limits

    if scenario.document is None:
        plan = scenario.models[:1]
        return dataclasses.replace(scenario, models=plan, start=start, horizon_months=horizon)
    return check_scenario(scenario.document, scenario.path, edit=edit)


def shared_limits(services: Sequence[Service]) -> tuple[list[SharedLimit], list[str]]:
    """Each provider's limits against the sum of its services' needs (module docstring), and
    a note for every limit the services disagree about."""
    by_provider: dict[str, list[Service]] = {}
    for service in services:
        by_provider.setdefault(service.plan.model.provider, []).append(service)
    found, notes = [], []
    for provider, members in by_provider.items():
        for limit in limits_of(provider):
            given = tuple(
                (s.name, getattr(s.plan.rate_limits, limit))
                for s in members
                if getattr(s.plan.rate_limits, limit) is not None
            )
            if not given:
                continue
            allowed = min(value for _, value in given)
            if len({value for _, value in given}) > 1:
                said = ", ".join(f"{name} {value:,}" for name, value in given)
                notes.append(
                    f"the services disagree about {provider}'s {limit} ({said}): judged "
                    f"against the smallest, {allowed:,}"
                )
            found.append(_judge(provider, limit, allowed, given, members))
    return found, notes


def _judge(
    provider: str,
    limit: str,
    allowed: int,
    given: tuple[tuple[str, int], ...],
    members: Sequence[Service],
) -> SharedLimit:
    needs = [_monthly_needs(s.projection.scenario, s.plan, limit) for s in members]
    totals = [sum(month) for month in zip(*needs, strict=True)]
    over = [m for m, total in enumerate(totals) if total > allowed]
    month = over[0] if over else max(range(len(totals)), key=totals.__getitem__)
    tipped_by, running = None, 0.0
    for service, need in zip(members, needs, strict=True):
        running += need[month]
        if running > allowed:
            tipped_by = service.name
            break
    return SharedLimit(
        provider,
        limit,
        allowed,
        given,
        f"month-{month + 1:02d}",
        tuple((s.name, need[month]) for s, need in zip(members, needs, strict=True)),
        tipped_by,
    )


def _monthly_needs(scenario: Scenario, item: ModelProjection, limit: str) -> list[float]:
    """The live (non-batch) calls' need of ``limit`` at each month's peak minute."""
    per_call = item.shape.per_call(limit, item.model.provider)
    return [
        peak_calls_per_minute(per_day * item.live_share, scenario.traffic.peak_factor) * per_call
        for per_day in month_calls_per_day(scenario, item.calls_per_unit)
    ]


def bill_name(projection: Projection) -> str:
    """What a scenario's bill is called: the service and its planned model."""
    first = projection.models[0].model
    return f"{projection.scenario.name} ({model_label(first.id, first.variant)})"


def plan_verdicts(
    projection: Projection, table: pd.DataFrame, command_line: Budget | None
) -> list[Verdict]:
    """The gate for one scenario's report: its bill (:func:`planned_bill`) against
    ``--fail-above``, else its ``budget: {monthly_usd}``; empty where neither is given."""
    s = projection.scenario
    budget = chosen_budget(command_line, s.monthly_budget_usd, s.locate("budget.monthly_usd"))
    if budget is None:
        return []
    return [judge(bill_name(projection), planned_bill(projection, table), budget)]


def portfolio_verdicts(portfolio: Portfolio, command_line: Budget | None) -> list[Verdict]:
    """The gate for a portfolio: ``--fail-above`` on the combined bill; each service's own
    ``budget: {monthly_usd}`` on its bill."""
    verdicts = []
    if command_line is not None:
        verdicts.append(judge("all services", portfolio.months, command_line))
    for service in portfolio.services:
        s = service.projection.scenario
        own = chosen_budget(None, s.monthly_budget_usd, s.locate("budget.monthly_usd"))
        if own is not None:
            verdicts.append(judge(bill_name(service.projection), service.months, own))
    return verdicts
