"""The simulation's error: how far a projection's mean could be from the exact one, and how
much a period's real bill spreads around it.

A projection's money is the mean cost of a unit of traffic (simulated) times the units of a
period; the error comes from the units drawn, so it is measured over units that are drawn
independently of each other:

* A call, in a scenario of calls: its continuation or retry (if cut) and its tool fees are
  counted with it, since they follow from the same draw.
* A whole conversation, in a conversation scenario: its turns share one drawn length, one
  history and one cache prefix, so they are not independent; a conversation's cost (every
  turn, summary and follow-up) is the unit. Traffic counts conversations, so a period's total
  is its conversations x the mean cost of one, and no ratio to calls enters the error.
* Cache from structure (``cache: {prefix_tokens}``) gives each call its expected reads, not a
  coin flip, so it adds no correlation.

Batch calls are a fixed share of the calls, not a draw: the spread is taken within the batch
calls and within the live ones (strata), as the count of each is fixed. Taken over all calls
at once, the difference between batch and live prices would count as noise (a scenario of
fixed lengths, half batch, would state an error where the simulation is exact).

Every period (a day, a month, the horizon) is the same simulated mean scaled by its units, so
its error is the same share of its total; where a price change moves a month's money, the
share is taken to move with it.

Checked over seeds per kind of scenario in tests/test_bands.py (``python
tests/test_bands.py`` prints each kind's coverage of the exact total).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from budget.workload.draws import Z95

Z95_TWO_SIDED = 1.959963984540054  # a band of +/- this many standard errors covers 95%


@dataclass(frozen=True)
class Spread:
    """The simulated units' costs: how many, their mean, and their standard deviation within
    strata (batch and live calls apart)."""

    units: int = 0
    mean_usd: float = 0.0
    std_usd: float = 0.0

    @property
    def relative_error(self) -> float:
        """The standard error of the mean, as a share of the mean."""
        if self.units == 0 or self.mean_usd == 0:
            return 0.0
        return self.std_usd / math.sqrt(self.units) / self.mean_usd

    def simulation_error(self, total_usd: Decimal) -> Decimal:
        """The +/- 95% (two-sided) error of a period's ``total_usd`` from simulating a finite
        sample."""
        return Decimal(repr(Z95_TWO_SIDED * self.relative_error)) * total_usd

    def p95_above_mean(self, units: float) -> Decimal:
        """How far above its mean a period of ``units`` real units goes one time in 20
        (one-sided 95%): the units' own spread, not the simulation's."""
        return Decimal(repr(Z95 * self.std_usd * math.sqrt(units)))


class SpreadSums:
    """Count, mean and sum of squared deviations per stratum, merged chunk by chunk (Chan,
    Golub and LeVeque), so the spread of all units is found without keeping them."""

    def __init__(self) -> None:
        self.strata: dict[bool, tuple[int, float, float]] = {}

    def add(self, costs: np.ndarray, batch: np.ndarray | None = None) -> None:
        """Each unit's cost; ``batch``: which of them went through the batch API."""
        if batch is None:
            groups = [(False, costs)]
        else:
            groups = [(True, costs[batch]), (False, costs[~batch])]
        for key, values in groups:
            if len(values) == 0:
                continue
            count, mean, squares = self.strata.get(key, (0, 0.0, 0.0))
            size = len(values)
            chunk_mean = float(np.mean(values))
            chunk_squares = float(np.sum((values - chunk_mean) ** 2))
            seen = count + size
            delta = chunk_mean - mean
            squares += chunk_squares + delta * delta * count * size / seen
            mean += delta * size / seen
            self.strata[key] = (seen, mean, squares)

    def spread(self) -> Spread:
        units = sum(count for count, _, _ in self.strata.values())
        if units == 0:
            return Spread()
        mean = sum(count * m for count, m, _ in self.strata.values()) / units
        squares = sum(s for _, _, s in self.strata.values())
        return Spread(units, mean, math.sqrt(squares / units))
