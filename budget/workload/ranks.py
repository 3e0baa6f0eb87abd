"""Nearest-rank percentiles of more values than memory holds, exactly.

A projection of 100M calls prices them a chunk at a time and keeps none; its p50 and p95 per
call are still the observed values :func:`budget.inputs.samples.percentile` would pick from
the whole array. Integers (token counts) are counted value by value. Money (non-negative
float64) is found by its bits, whose order is the order of the numbers: a first pass counts
values per leading 20 bits, the next pass looks only inside the bucket holding the wanted
rank, until few enough values are left to keep and rank directly. The caller replays the
same chunks for each further pass (a projection redraws them from its seed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from budget.inputs.samples import nearest_rank

BITS = 20  # bits of the key resolved per pass (a 2^20 histogram: 8 MB)
KEEP = 2_000_000  # values kept to rank directly once a bucket holds no more


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
    rank: int  # rank still wanted inside the bucket ``prefix`` (1-based)
    prefix: int = 0  # leading bits known so far
    known: int = 0  # how many bits are known
    collect: bool = False  # this pass keeps the bucket's values instead of counting them
    value: float | None = None


class FloatRanks:
    """The nearest-rank percentiles of non-negative floats seen over one or more passes.

    ``add`` every chunk, then ``end_pass``; while it returns False, replay the same chunks.
    How many values there are is learnt in the first pass (a conversation's calls are only
    counted once drawn)."""

    def __init__(self, percentiles: list[float]):
        self.percentiles = percentiles
        self.targets = [_Target(0) for _ in percentiles]
        self.count = 0  # values seen in the first pass
        self.first = True
        self._start_pass()

    def _start_pass(self) -> None:
        self.histograms = [
            None if t.value is not None or t.collect else np.zeros(1 << BITS, dtype=np.int64)
            for t in self.targets
        ]
        self.kept: list[list[np.ndarray]] = [[] for _ in self.targets]

    def add(self, values: np.ndarray) -> None:
        if self.first:
            self.count += len(values)
        keys = (values + 0.0).view(np.uint64)  # + 0.0: -0.0 sorts as 0.0
        for number, target in enumerate(self.targets):
            if target.value is not None:
                continue
            inside = keys
            if target.known:
                inside = keys[(keys >> np.uint64(64 - target.known)) == np.uint64(target.prefix)]
            if target.collect:
                self.kept[number].append(inside)
                continue
            step = min(BITS, 64 - target.known)
            digits = (inside >> np.uint64(64 - target.known - step)) & np.uint64((1 << step) - 1)
            self.histograms[number] += np.bincount(digits.astype(np.int64), minlength=1 << BITS)

    def end_pass(self) -> bool:
        """Narrow every target down; True when all values are found."""
        if self.first:
            self.first = False
            for p, target in zip(self.percentiles, self.targets, strict=True):
                target.rank = nearest_rank(p, self.count)
        for number, target in enumerate(self.targets):
            if target.value is not None:
                continue
            if target.collect:
                kept = np.concatenate(self.kept[number])
                key = np.partition(kept, target.rank - 1)[target.rank - 1]
                target.value = float(np.array([key], dtype=np.uint64).view(np.float64)[0])
                continue
            step = min(BITS, 64 - target.known)
            cumulative = np.cumsum(self.histograms[number][: 1 << step])
            digit = int(np.searchsorted(cumulative, target.rank))
            target.rank -= int(cumulative[digit - 1]) if digit else 0
            target.prefix = (target.prefix << step) | digit
            target.known += step
            inside = int(self.histograms[number][digit])
            if target.known == 64:
                key = np.array([target.prefix], dtype=np.uint64)
                target.value = float(key.view(np.float64)[0])
            else:
                target.collect = inside <= KEEP
        self._start_pass()
        return all(t.value is not None for t in self.targets)

    @property
    def values(self) -> list[float]:
        return [t.value for t in self.targets]  # type: ignore[misc]
