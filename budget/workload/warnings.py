"""What a projection's reader must not miss, one sentence each (stderr and the Markdown).

* Inputs above a model's ``max_input_tokens`` are priced capped there: a call could not be
  sent bigger, but models with different maxima are then not compared on the same prompts.
* A peak the rate limits do not carry: a projection is not a check (exit code 0), so it is
  said out loud rather than only in the ``headroom`` column.
* Output lengths resampled from a usage log where some replies were cut (finish reason
  ``length``/``max_tokens``): those lengths are lower bounds of what the calls wanted.
* A model retired, deprecated or retiring within the horizon: the projection keeps its last
  prices, but the calls would fail; the provider's replacement is named.
* A price change within the horizon (a scheduled rise, a cut): the month it takes effect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from budget.format import model_label
from budget.workload.capacity import Capacity
from budget.workload.scenario import Scenario
from budget.workload.table import month_calls_per_day
from pricing.dates import add_months

if TYPE_CHECKING:
    from budget.workload.projection import Projection
    from budget.workload.results import ModelProjection


def label(item: ModelProjection) -> str:
    return model_label(item.model.id, item.model.variant)


def need(amount: float) -> str:
    """A peak need: one decimal below 100 (26.5 calls/min is not 26), whole numbers above."""
    return f"{amount:,.1f}" if amount < 100 else f"{amount:,.0f}"


def busiest_peak(scenario: Scenario, item: ModelProjection) -> Capacity:
    """The need at the peak minute of the busiest month against the scenario's limits."""
    busiest = max(month_calls_per_day(scenario, item.calls_per_unit))
    return item.capacity(busiest, scenario.traffic.peak_factor)


def capped_input_note(item: ModelProjection) -> str | None:
    if item.input_capped_share <= 0:
        return None
    return (
        f"{label(item)}: {item.input_capped_share:.2%} of simulated calls have more input than "
        f"its max_input_tokens ({item.model.max_input_tokens:,}) and are priced capped there; "
        "models with other maxima are not compared on the same prompts"
    )


def over_limits_note(scenario: Scenario, item: ModelProjection) -> str | None:
    load = busiest_peak(scenario, item)
    if not load.checks or load.fits:
        return None
    over = "; ".join(
        f"{c.limit} {need(c.needed)} of {c.allowed:,}" for c in load.checks if c.headroom < 0
    )
    return (
        f"{label(item)}: the rate limits do not carry the peak: {need(load.peak_rpm)} calls/min "
        f"in the busiest month need {over}; they sustain {need(load.sustainable_rpm)} calls/min"
    )


def cut_replies_note(projection: Projection) -> str | None:
    log = projection.output_log
    if log is None or log.cut_share <= 0:
        return None
    return (
        f"output_tokens: {log.cut_share:.2%} of the replies in {log.path.name} were cut at their "
        "max_tokens (finish reason length); their lengths are lower bounds of what those "
        "calls wanted, so truncation and output cost may be understated"
    )


def lifecycle_note(projection: Projection, item: ModelProjection) -> str | None:
    """A model retired, deprecated or retiring before the horizon ends."""
    if projection.start is None:
        return None
    model = item.model
    end = add_months(projection.start, projection.scenario.horizon_months)
    instead = f"; the provider's replacement is {model.replacement}" if model.replacement else ""
    if model.retired is not None and model.retired < end:
        when = (
            f"was retired on {model.retired}, before month 1"
            if model.retired <= projection.start
            else f"retires on {model.retired} ({month_of(projection, model.retired)})"
        )
        if model.routed_to is not None:
            after = (
                f"from then on the provider routes its calls to {model.routed_to}, and later "
                f"months are priced at {model.routed_to}'s rates"
            )
        else:
            after = (
                "from then on its calls fail (the provider does not route them), so later "
                "months are priced at its last live day's rates only to show what was planned"
            )
        return f"{label(item)} {when}: {after}{instead}"
    return model.lifecycle_note(projection.start, soon_days=0)


def price_change_notes(projection: Projection, item: ModelProjection) -> list[str]:
    """Each change of price within the horizon, with the month it takes effect."""
    notes = []
    seen = [item.months[0].periods[0]] if item.months else []
    for month in item.months:
        for period in month.periods:
            if period in seen:
                continue
            before = seen[-1].prices
            when = f"{period.start} ({month_of(projection, period.start)})"
            notes.append(
                f"{label(item)}: prices change on {when}: ${before.input}/${before.output} -> "
                f"${period.prices.input}/${period.prices.output} per million input/output "
                f"({period.source})"
            )
            seen.append(period)
    return notes


def month_of(projection: Projection, day) -> str:
    """``month-03``: the month of the horizon holding ``day``."""
    start = projection.start
    month = 0
    while add_months(start, month + 1) <= day:
        month += 1
    return f"month-{month + 1:02d}"


def estimated_counts_note(item: ModelProjection) -> str | None:
    """Token counts estimated from characters: say with what, and how to do better."""
    parts = item.counting.estimated_parts()
    if not parts:
        return None
    how = f" ({item.counting.method})" if item.counting.method else ""
    return (
        f"{label(item)}: {' and '.join(parts)} tokens are estimates by {item.counting.tokenizer}"
        f"{how}, not exact counts, and so is its cost; fit a factor from a usage log with "
        f"`budget calibrate --model {item.model.id} LOG.jsonl --save`, or count with the "
        "provider's endpoint (`budget count --online`)"
    )


def log_replies_note(projection: Projection) -> str | None:
    """Which replies of the scenario's usage_log the outputs are drawn from."""
    log = projection.output_log
    if log is None or log.note is None:
        return None
    return f"output_tokens: {log.path.name}: {log.note}"


def projection_warnings(projection: Projection) -> list[str]:
    """Every note for the projection, in the order a reader meets the models."""
    notes = [log_replies_note(projection), cut_replies_note(projection)]
    embeddings = projection.scenario.embeddings
    if embeddings is not None and embeddings.corpus_estimate:
        notes.append(
            f"embeddings: the corpus of {embeddings.corpus_tokens:,} tokens is "
            f"{embeddings.corpus_estimate}: an estimate (set bytes_per_token for your text, "
            "or give corpus_tokens)"
        )
    for item in projection.models:
        notes += [
            estimated_counts_note(item),
            capped_input_note(item),
            over_limits_note(projection.scenario, item),
        ]
        notes += [lifecycle_note(projection, item), *price_change_notes(projection, item)]
    return [note for note in notes if note]
