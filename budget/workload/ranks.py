"""Nearest-rank percentiles of more values than memory holds, exactly.

A projection of 100M calls prices them a chunk at a time and keeps none; its p50 and p95 per
call are still the observed values :func:`budget.inputs.samples.percentile` would pick from
the whole array. Integers (token counts) are counted value by value. Money (non-negative
float64) is found by its bits, whose order is the order of the numbers: a first pass counts
values per leading 20 bits, the next passes look only inside the bucket holding the wanted
rank (16 bits a pass), until few enough values are left to keep and rank directly. The
caller replays the same chunks for each further pass (a projection redraws them from its
seed).

The same calls priced at several price periods are several *sources* of values; a report
row whose days fall in more than one period ranks a *mix* of them, each source weighted by
the share of the row's calls made at its prices (:class:`MixedRanks`). One source with all
the weight is the plain nearest rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from budget.inputs.samples import nearest_rank

BITS = 20  # bits of the key resolved by the first pass (a 2^20 histogram per source: 8 MB)
NARROW_BITS = 16  # bits resolved by each later pass (a histogram per target: 512 KB)
KEEP = 4_000_000  # values kept (over all targets) to rank directly: 32 MB
# A mix's shares as integers summing to about 2^30: every weighted count is an exact int64
# (2^30 x the 10^9 values a projection may draw stays below 2^63).
SHARE_SCALE = 1 << 30
FEW = 1 << 16  # values (over all sources) sorted at once rather than counted in a histogram


class IntCounts:
    """How often each integer occurred, merged chunk by chunk (memory: distinct values)."""

    def __init__(self) -> None:
        self.values = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(0, dtype=np.int64)

    def add(self, values: np.ndarray) -> None:
        seen, counts = np.unique(values, return_counts=True)
        merged, where = np.unique(np.concatenate([self.values, seen]), return_inverse=True)
        total = np.zeros(len(merged), dtype=np.int64)
        np.add.at(total, where, np.concatenate([self.counts, counts]))
        self.values, self.counts = merged, total

    def ranked(self, rank: int) -> int:
        """The ``rank``-th smallest value (1 = the smallest)."""
        return int(self.values[np.searchsorted(np.cumsum(self.counts), rank)])


@dataclass
class _Target:
    percentile: float
    shares: tuple[int, ...]  # per source, integers (SHARE_SCALE); 0: the source is not in it
    rank: int = 0  # weighted rank still wanted inside the bucket ``prefix``
    prefix: int = 0  # leading bits known so far
    known: int = 0  # how many bits are known
    collect: bool = False  # this pass keeps the bucket's values instead of counting them
    value: float | None = None

    def states(self) -> list[tuple[int, int, int, bool]]:
        """What this pass must gather for this target: (source, known, prefix, collect)."""
        return [
            (source, self.known, self.prefix, self.collect)
            for source, share in enumerate(self.shares)
            if share
        ]


def _inside(keys: np.ndarray, known: int, prefix: int) -> np.ndarray:
    """The keys whose leading ``known`` bits are ``prefix`` (all of them: none known)."""
    if not known:
        return keys
    return keys[(keys >> np.uint64(64 - known)) == np.uint64(prefix)]


def _integer_shares(mix: Sequence[float]) -> tuple[int, ...]:
    total = float(sum(mix))
    if not total > 0:
        raise ValueError(f"a mix needs a positive share, got {tuple(mix)}")
    return tuple(round(share / total * SHARE_SCALE) for share in mix)


class MixedRanks:
    """Nearest-rank percentiles of mixes of several sources of non-negative floats, seen over
    one or more passes.

    Every source holds the same number of values n (the same calls, priced another way). A
    mix takes source s with share w_s (shares summing to 1): its P-th percentile is the
    smallest value x with sum_s w_s x #{values of s <= x} >= nearest_rank(P, n), so that at
    least P% of the mix's calls cost x or less. ``add`` every chunk (one array per source,
    None for a source :attr:`sources` does not list), then ``end_pass``; while it returns
    False, replay the same chunks. How many values there are is learnt in the first pass (a
    conversation's calls are only counted once drawn). Histograms and kept values are shared
    by targets that look at the same bucket of the same source."""

    def __init__(
        self,
        percentiles: Sequence[float],
        mixes: Sequence[Sequence[float]],
        values: int | None = None,
    ):
        self.percentiles = list(percentiles)
        # ``values`` per source known up front and few: kept and ranked in the first pass (a
        # 2^20 histogram per source costs more than sorting them)
        few = bool(mixes) and values is not None and values * len(mixes[0]) <= FEW
        self.targets = [
            _Target(p, _integer_shares(mix), collect=few) for mix in mixes for p in self.percentiles
        ]
        self.count = 0  # values per source seen in the first pass
        self.first = True
        self._start_pass()

    @property
    def sources(self) -> set[int]:
        """The sources this pass still needs values of."""
        return {state[0] for state in self.counts} | {state[0] for state in self.kept}

    def _start_pass(self) -> None:
        open_ = [t for t in self.targets if t.value is None]
        states = {state for target in open_ for state in target.states()}
        self.counts = {
            state: np.zeros(1 << self._step(state[1]), dtype=np.int64)
            for state in states
            if not state[3]
        }
        self.kept: dict[tuple, list[np.ndarray]] = {state: [] for state in states if state[3]}

    @staticmethod
    def _step(known: int) -> int:
        return min(BITS if known == 0 else NARROW_BITS, 64 - known)

    def add(self, sources: Sequence[np.ndarray | None]) -> None:
        if self.first:
            self.count += len(next(s for s in sources if s is not None))
        keys = {
            source: (sources[source] + 0.0).view(np.uint64)  # + 0.0: -0.0 sorts as 0.0
            for source in self.sources
        }
        for (source, known, prefix, _), kept in self.kept.items():
            kept.append(_inside(keys[source], known, prefix))
        for (source, known, prefix, _), counts in self.counts.items():
            inside = _inside(keys[source], known, prefix)
            step = self._step(known)
            digits = (inside >> np.uint64(64 - known - step)) & np.uint64((1 << step) - 1)
            counts += np.bincount(digits.astype(np.int64), minlength=1 << step)

    def end_pass(self) -> bool:
        """Narrow every target down; True when all values are found."""
        if self.first:
            self.first = False
            for target in self.targets:
                target.rank = nearest_rank(target.percentile, self.count) * sum(target.shares)
        open_ = [t for t in self.targets if t.value is None]
        inside: dict[int, int] = {}  # values left in each narrowed target's bucket
        for target in open_:
            if target.collect:
                target.value = self._ranked(target)
                continue
            step = self._step(target.known)
            weighted = sum(
                share * self.counts[state]
                for share, state in zip(
                    (s for s in target.shares if s), target.states(), strict=True
                )
            )
            cumulative = np.cumsum(weighted)
            digit = int(np.searchsorted(cumulative, target.rank))
            target.rank -= int(cumulative[digit - 1]) if digit else 0
            left = sum(int(self.counts[state][digit]) for state in target.states())
            target.prefix = (target.prefix << step) | digit
            target.known += step
            if target.known == 64:
                key = np.array([target.prefix], dtype=np.uint64)
                target.value = float(key.view(np.float64)[0])
            else:
                inside[id(target)] = left
        # The smallest buckets are kept next pass, as many as KEEP values hold (memory stays
        # bounded however many targets there are); the others are narrowed again.
        kept = 0
        for target in sorted(open_, key=lambda t: inside.get(id(t), 0)):
            if id(target) in inside and kept + inside[id(target)] <= KEEP:
                target.collect, kept = True, kept + inside[id(target)]
        self._start_pass()
        return all(t.value is not None for t in self.targets)

    def _ranked(self, target: _Target) -> float:
        """The wanted value among the values kept from the target's bucket."""
        keys, weights = [], []
        for share, state in zip((s for s in target.shares if s), target.states(), strict=True):
            kept = np.concatenate(self.kept[state])
            keys.append(kept)
            weights.append(np.full(len(kept), share, dtype=np.int64))
        key_array = np.concatenate(keys)
        order = np.argsort(key_array, kind="stable")
        cumulative = np.cumsum(np.concatenate(weights)[order])
        key = key_array[order[int(np.searchsorted(cumulative, target.rank))]]
        return float(np.array([key], dtype=np.uint64).view(np.float64)[0])

    def values_of(self, mix: int) -> list[float]:
        """The percentiles of the ``mix``-th mix, in the order asked for."""
        start = mix * len(self.percentiles)
        return [t.value for t in self.targets[start : start + len(self.percentiles)]]  # type: ignore[misc]


class FloatRanks(MixedRanks):
    """The nearest-rank percentiles of one source of non-negative floats (see
    :class:`MixedRanks`): ``add`` takes the chunk's values."""

    def __init__(self, percentiles: Sequence[float]):
        super().__init__(percentiles, [(1.0,)])

    def add(self, values: np.ndarray) -> None:  # type: ignore[override]
        super().add([values])

    @property
    def values(self) -> list[float]:
        return self.values_of(0)
