"""What calls cost, as `budget cost` prices them: planned calls from token counts (with the
reasons a call that size could not be sent), or logged calls from a usage file (each as
:mod:`pricing.logged` prices a logged call, the rule `budget usage` follows too). The CLI
only parses and prints."""

from __future__ import annotations

import datetime as dt

from pricing.catalog import Catalog, Model
from pricing.engine import CostBreakdown, Usage, add_up
from pricing.engine import cost as price
from pricing.errors import InputError
from pricing.observed import ObservedCall
from pricing.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from pricing.logged import LoggedCalls


class Quote(Record):
    """The cost of some calls on one model (or several, for a log): the exact breakdown, the
    `--json` record, and notes for stderr."""

    breakdown: CostBreakdown
    record: dict
    notes: tuple[str, ...] = ()


def logged_calls(
    catalog: Catalog, variant: str | None, service_tier: str | None, day: dt.date
) -> LoggedCalls:
    """How `cost --usage` prices each logged call: as `budget usage` does, with the variant
    and service tier the user asked for, if any, instead of those the log implies."""
    from pricing.logged import LoggedCalls  # numpy: only for logged calls

    return LoggedCalls(catalog, at=day, variant=variant, service_tier=service_tier)


def price_logged(
    logged: LoggedCalls, call: ObservedCall, batch: bool
) -> tuple[Model, CostBreakdown]:
    """One logged call, priced (raises InputError when the catalog cannot price it)."""
    return logged.price_call(
        call.model,
        call.usage,
        stamp=None if call.created is None else call.created.stamp,
        tier=call.service_tier,
        batch=batch or call.batch,
        tool_calls=call.tool_calls,
    )


def quote(
    catalog: Catalog,
    name: str | None,
    observed: list[ObservedCall],
    *,
    variant: str | None = None,
    batch: bool = False,
    service_tier: str | None = None,
    calls: int = 1,
    day: dt.date,
    logged: bool = False,
) -> Quote:
    """The cost of ``observed`` calls, each ``calls`` times, on model ``name`` (None: the
    model each logged call names). A planned call that cannot be sent is priced all the same,
    with the reasons (the fix, a variant or a smaller prompt, changes the price); logged calls
    did happen."""
    breakdowns, notes = [], []
    periods: list[str] = []  # the price periods that priced the calls, in order met
    used: list[Model] = []  # the models as resolved (host, period, variant)
    logged_as = logged_calls(catalog, variant, service_tier, day) if name is None else None
    for call in observed:
        if logged_as is not None:
            model, breakdown = price_logged(logged_as, call, batch)
        else:  # the logged usage on another model: its reported tier may not exist there
            when = call.created.day if call.created else day
            model, tier = catalog.resolve(name, variant, when), service_tier or call.service_tier
            if tier and tier not in model.service_tiers and not service_tier:
                notes.append(
                    f"{model.id} has no {tier!r} service tier in the catalog; priced at "
                    "standard rates"
                )
                tier = None
            breakdown = price(
                model,
                call.usage,
                batch=batch or call.batch,
                service_tier=tier,
                tool_calls=call.tool_calls,
            )
        if model.period and model.period.label not in periods:
            periods.append(model.period.label)
        breakdowns.append(breakdown)
        used.append(model)
    total = add_up(breakdowns, calls)
    # a streamed Anthropic call is two records (message_start, message_delta): one call
    total_calls = max(1, sum(call.calls for call in observed)) * calls
    first = used[0]
    several = total.model == "(several)"
    # An embedding model's --input is the tokens embedded, however many inputs they span.
    planned = not logged and not first.is_embedding
    problems = fit_problems(first, observed[0].usage) if planned else []
    when = observed[0].created.day if observed[0].created else day
    record = {
        "model": total.model,
        "kind": None if several else first.kind,
        "variant": total.variant,
        # a fine-tune (`ft:gpt-4o-mini`) is its base model at the fine-tune rates
        "fine_tuned": None if several else first.fine_tuned,
        "base_model": None if several else first.fine_tuned_from,
        "calls": total_calls,
        "total_usd": total.total_usd,
        "per_call_usd": total.total_usd / total_calls,
        "breakdown": {
            "input_usd": total.input_usd,
            "cache_read_usd": total.cache_read_usd,
            "cache_write_usd": total.cache_write_usd,
            "output_usd": total.output_usd,
            "tool_usd": total.tool_usd,
        },
        "tool_calls": dict(total.tool_calls),
        "usage": total.usage,
        "batch": total.batch,
        "service_tier": total.service_tier,
        "tier_threshold": total.tier_threshold,
        "rates_per_million": None if several else total.rates,
        "batch_discount": None if several else first.batch_discount,
        "fits": not problems,
        "problems": problems,
        "as_of": None if several else first.as_of,
        "source": None if several else (first.source if first.host else first.period.source),
        "host": None if several else first.host,
        "endpoint": None if several else first.endpoint,
        "priced_at": when,
        "price_period": " + ".join(periods) or None,
        # a retired model's calls: at the model its name routes to, or at its last live day
        "price_day": None if several else first.price_day(when),
        "priced_as": None if several else first.priced_as(when),
        "retired": None if several else first.retired,
        "replacement": None if several else first.replacement,
        "retirement_pricing": None if several else first.retirement_pricing(when),
        "catalog_as_of": catalog.as_of,
        "lifecycle": None if several else first.lifecycle_on(day),
        # a planned call (not a log) on a retired or retiring model: say so, with its successor
        "lifecycle_note": None if several or logged else first.lifecycle_note(day),
    }
    return Quote(total, record, tuple(dict.fromkeys(notes)))


def priceable(
    catalog: Catalog,
    observed: list[ObservedCall],
    wheres: list[str],
    *,
    variant: str | None = None,
    service_tier: str | None = None,
    batch: bool = False,
    day: dt.date,
) -> tuple[list[ObservedCall], list[str]]:
    """The logged calls the catalog can price (each on the model it names), and the others
    as ``file:line: why`` lines."""
    kept, refused = [], []
    logged = logged_calls(catalog, variant, service_tier, day)
    for call, where in zip(observed, wheres, strict=True):
        try:
            price_logged(logged, call, batch)
        except InputError as exc:  # UnpricedError, UnknownModelError, no model
            refused.append(f"{where}: {exc}")
            continue
        kept.append(call)
    return kept, refused


def fit_problems(model: Model, usage: Usage) -> list[str]:
    """Why a call of this size could not be sent to ``model`` (empty when it could)."""
    if model.fits(usage.input_tokens, usage.output_tokens):
        return []
    from budget.planner.max_tokens import check  # only for calls that do not fit: light start

    # a priced call's output is its reply length, not a max_tokens: say "output"
    output = max(usage.output_tokens, 1)
    return list(check(model, usage.input_tokens, output, output_name="output").problems)
