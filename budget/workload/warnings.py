"""What a projection's reader must not miss, one sentence each (stderr and the Markdown).

* Inputs above a model's ``max_input_tokens`` are priced capped there: a call could not be
  sent bigger, but models with different maxima are then not compared on the same prompts.
* A peak the rate limits do not carry: a projection is not a check (exit code 0), so it is
  said out loud rather than only in the ``headroom`` column.
* Output lengths resampled from a usage log where some replies were cut (finish reason
  ``length``/``max_tokens``): those lengths are lower bounds of what the calls wanted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from budget.format import model_label
from budget.workload.capacity import Capacity
from budget.workload.scenario import Scenario
from budget.workload.table import month_calls_per_day

if TYPE_CHECKING:
    from budget.workload.projection import ModelProjection, Projection


def label(item: ModelProjection) -> str:
    return model_label(item.model.id, item.model.variant)


def need(amount: float) -> str:
    """A peak need: one decimal below 100 (26.5 calls/min is not 26), whole numbers above."""
    return f"{amount:,.1f}" if amount < 100 else f"{amount:,.0f}"


def busiest_peak(scenario: Scenario, item: ModelProjection) -> Capacity:
    """The need at the peak minute of the busiest month against the scenario's limits."""
    busiest = max(month_calls_per_day(scenario, item.calls_per_unit))
    return item.capacity(busiest, scenario.traffic.peak_factor, scenario.rate_limits)


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


def log_replies_note(projection: Projection) -> str | None:
    """Which replies of the scenario's usage_log the outputs are drawn from."""
    log = projection.output_log
    if log is None or log.note is None:
        return None
    return f"output_tokens: {log.path.name}: {log.note}"


def projection_warnings(projection: Projection) -> list[str]:
    """Every note for the projection, in the order a reader meets the models."""
    notes = [log_replies_note(projection), cut_replies_note(projection)]
    for item in projection.models:
        notes += [capped_input_note(item), over_limits_note(projection.scenario, item)]
    return [note for note in notes if note]
