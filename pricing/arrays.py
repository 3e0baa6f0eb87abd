"""Vectorized pricing: arrays of calls -> per-call costs (float64) and exact Decimal sums.

The same rules as :func:`pricing.engine.cost`, applied to many calls at once: the cliff tier
is chosen per call from its input tokens (``rates_for``), absent cache prices fall back to the
input rate and batch calls get the batch discount (``billed_rates``). Per-call costs are float64
(good to ~1e-15 relative, far inside a micro-dollar); sums are exact: tokens are summed per
(tier, batch) group as integers and multiplied once by the Decimal rate.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

import numpy as np

from pricing.catalog import Model, Tier
from pricing.engine import (
    MODALITY_RATES,
    PER_MILLION,
    billed_rates,
    missing_rate,
    rates_for,
    uncached_input_tokens,
)
from pricing.errors import InputError, UnpricedError

# The parts of a call each billed at one rate (``pricing.engine.RATE_NAMES`` in order):
# text input and text output are what is left once the modalities are taken out.
PARTS = (
    "text_uncached",
    "cache_read",
    "cache_write",
    "cache_write_1h",
    "text_output",
    "audio_input",
    "image_input",
    "video_input",
    "audio_output",
    "image_output",
    "audio_cache_read",  # cached audio and image input, apart from cached text
    "image_cache_read",
)


@dataclass(frozen=True)
class TokenArrays:
    """Token counts of many calls, in the one usage convention (int64 arrays of equal length)."""

    input_tokens: np.ndarray  # whole prompt
    output_tokens: np.ndarray  # billed output, reasoning included
    cache_read_tokens: np.ndarray  # part of input
    cache_write_tokens: np.ndarray  # part of input, 5-minute writes
    cache_write_1h_tokens: np.ndarray  # part of input, 1-hour writes
    batch: np.ndarray | None = None  # bool per call; None: no call is batch
    # parts of the uncached input / of the output by modality; None: all zero
    audio_input_tokens: np.ndarray | None = None
    image_input_tokens: np.ndarray | None = None
    video_input_tokens: np.ndarray | None = None
    audio_output_tokens: np.ndarray | None = None
    image_output_tokens: np.ndarray | None = None
    # parts of the cache reads by modality; None: all zero
    cache_read_audio_tokens: np.ndarray | None = None
    cache_read_image_tokens: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.input_tokens)

    def modalities(self) -> list[np.ndarray | None]:
        return [
            self.audio_input_tokens,
            self.image_input_tokens,
            self.video_input_tokens,
            self.audio_output_tokens,
            self.image_output_tokens,
        ]

    def parts(self) -> list[np.ndarray]:
        """Token counts per billed part, in ``PARTS`` order."""
        zero = np.zeros(len(self), dtype=np.int64)
        audio, image, video, audio_out, image_out = (
            zero if m is None else m for m in self.modalities()
        )
        read_audio, read_image = (
            zero if m is None else m
            for m in (self.cache_read_audio_tokens, self.cache_read_image_tokens)
        )
        return [
            uncached_input_tokens(self) - audio - image - video,
            self.cache_read_tokens - read_audio - read_image,
            self.cache_write_tokens,
            self.cache_write_1h_tokens,
            self.output_tokens - audio_out - image_out,
            audio,
            image,
            video,
            audio_out,
            image_out,
            read_audio,
            read_image,
        ]


@dataclass(frozen=True)
class CostTotals:
    """Exact sums over calls: tokens as ints, dollars as Decimals."""

    calls: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0  # 5-minute and 1-hour writes together
    output_tokens: int = 0
    truncated: int = 0
    input_usd: Decimal = Decimal(0)  # uncached input
    cache_read_usd: Decimal = Decimal(0)
    cache_write_usd: Decimal = Decimal(0)
    output_usd: Decimal = Decimal(0)
    total_usd: Decimal = Decimal(0)  # tool fees included
    tool_calls: int = 0  # built-in tool uses billed (web search, file search)
    tool_usd: Decimal = Decimal(0)

    def __add__(self, other: CostTotals) -> CostTotals:
        return CostTotals(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


@dataclass(frozen=True)
class ArrayCosts:
    input_usd: np.ndarray  # float64 per call, uncached input
    cache_read_usd: np.ndarray
    cache_write_usd: np.ndarray
    output_usd: np.ndarray
    total_usd: np.ndarray
    totals: CostTotals


def _cliff_tiers(model: Model, service_tier: str | None) -> tuple[Tier, ...]:
    return model.tiers if service_tier is None else model.service_tiers[service_tier].tiers


def tier_index(
    model: Model, input_tokens: np.ndarray, service_tier: str | None = None
) -> np.ndarray | None:
    """Per call, how many cliff thresholds its input is above (0 = base rates); None: no tiers."""
    tiers = _cliff_tiers(model, service_tier)
    if not tiers:
        return None
    thresholds = np.array([tier.above_input_tokens for tier in tiers], dtype=np.int64)
    return np.searchsorted(thresholds, input_tokens, side="left")


def group_rates(
    model: Model, tier: int, batch: bool, service_tier: str | None = None
) -> tuple[Decimal, ...]:
    """Per-token-million rates (``PARTS`` order) with batch applied; None: no published rate."""
    tiers = _cliff_tiers(model, service_tier)
    probe = 0 if tier == 0 else tiers[tier - 1].above_input_tokens + 1
    prices, _ = rates_for(model, probe, service_tier)
    return billed_rates(model, prices, batch)


EXACT_FLOAT = 2**53  # integers below this add up exactly in float64


def _group_sums(array: np.ndarray, group: np.ndarray, groups: int, single: bool) -> list[int]:
    """Exact integer sum of ``array`` per group (bincount when float64 sums stay exact)."""
    if single:
        return [int(array.sum())] * groups
    if len(array) and int(array.max()) * len(array) < EXACT_FLOAT:
        return [int(x) for x in np.bincount(group, weights=array, minlength=groups)]
    return [int(array[group == g].sum()) for g in range(groups)]


def price_arrays(
    model: Model,
    tokens: TokenArrays,
    *,
    per_call: bool = True,
    service_tier: str | None = None,
) -> ArrayCosts | CostTotals:
    """Price every call (at ``service_tier``'s rates if given); ``per_call=False`` returns
    only the exact :class:`CostTotals`."""
    n = len(tokens)
    if service_tier is not None:
        if tokens.batch is not None and tokens.batch.any():
            raise InputError("choose either batch or a service tier, not both")
        if n:  # the engine's checks: a tier the model offers, with a rate for the longest input
            rates_for(model, int(tokens.input_tokens.max()), service_tier)
    parts = tokens.parts()
    tiers = tier_index(model, tokens.input_tokens, service_tier)
    group = np.zeros(n, dtype=np.int64) if tiers is None else tiers * 2
    if tokens.batch is not None:
        group = group + tokens.batch
    mixed = tiers is not None or tokens.batch is not None
    counts = np.bincount(group) if mixed and n else np.array([n])
    present = [int(g) for g in np.flatnonzero(counts)] or [0]
    sums = [_group_sums(array, group, len(counts), len(present) == 1) for array in parts]

    usd = [Decimal(0)] * len(PARTS)
    rate_table = np.zeros((max(present) + 1, len(PARTS)))
    for g in present:
        rates = group_rates(model, g // 2, bool(g % 2), service_tier)
        for i, rate in enumerate(rates):
            if rate is None:
                if sums[i][g]:
                    raise missing_rate(model, MODALITY_RATES[i - 5])
                continue
            rate_table[g, i] = float(rate)
            usd[i] += sums[i][g] * rate / PER_MILLION
    totals = CostTotals(
        calls=n,
        input_tokens=int(tokens.input_tokens.sum()),
        cache_read_tokens=int(tokens.cache_read_tokens.sum()),
        cache_write_tokens=int(
            tokens.cache_write_tokens.sum() + tokens.cache_write_1h_tokens.sum()
        ),
        output_tokens=int(tokens.output_tokens.sum()),
        input_usd=usd[0] + usd[5] + usd[6] + usd[7],
        cache_read_usd=usd[1] + usd[10] + usd[11],
        cache_write_usd=usd[2] + usd[3],
        output_usd=usd[4] + usd[8] + usd[9],
        total_usd=sum(usd, Decimal(0)),
    )
    if not per_call:
        return totals
    if len(present) == 1:
        rates = rate_table[present[0]]
        per_part = [array * (rate / 1e6) for array, rate in zip(parts, rates, strict=True)]
    else:
        per_part = [array * (rate_table[group, i] / 1e6) for i, array in enumerate(parts)]
    input_usd = per_part[0] + per_part[5] + per_part[6] + per_part[7]
    cache_read = per_part[1] + per_part[10] + per_part[11]
    cache_write = per_part[2] + per_part[3]
    output_usd = per_part[4] + per_part[8] + per_part[9]
    return ArrayCosts(
        input_usd=input_usd,
        cache_read_usd=cache_read,
        cache_write_usd=cache_write,
        output_usd=output_usd,
        total_usd=input_usd + cache_read + cache_write + output_usd,
        totals=totals,
    )


def refusals(
    model: Model, tokens: TokenArrays, service_tier: str | None = None
) -> tuple[np.ndarray, list[str]]:
    """Which calls the catalog cannot price, and why: per call 0 (priced) or 1 + an index
    into the reasons (the engine's :class:`~pricing.errors.UnpricedError` reasons)."""
    n = len(tokens)
    code = np.zeros(n, dtype=np.int64)
    reasons: list[str] = []

    def refuse(mask: np.ndarray, reason: str) -> None:
        mask = mask & (code == 0)
        if mask.any():
            if reason not in reasons:
                reasons.append(reason)
            code[mask] = reasons.index(reason) + 1

    everything = np.ones(n, dtype=bool)
    if service_tier is not None:
        try:
            rates_for(model, 0, service_tier)
        except UnpricedError as exc:
            refuse(everything, exc.reason)
            return code, reasons
        if model.tiers and not model.service_tiers[service_tier].tiers:
            above = model.tiers[0].above_input_tokens
            try:
                rates_for(model, above + 1, service_tier)
            except UnpricedError as exc:
                refuse(tokens.input_tokens > above, exc.reason)
    if tokens.batch is not None and model.batch_discount is None:
        refuse(tokens.batch, "no batch price in the catalog")
    modal = tokens.modalities()
    if any(m is not None and m.any() for m in modal):
        tiers = tier_index(model, tokens.input_tokens, service_tier)
        levels = [0] if tiers is None else sorted(set(tiers.tolist()))
        for level in levels:
            rows = everything if tiers is None else tiers == level
            try:
                rates = group_rates(model, level, False, service_tier)
            except UnpricedError:
                continue  # refused above
            for name, column, rate in zip(MODALITY_RATES, modal, rates[5:10], strict=True):
                if column is not None and rate is None:
                    refuse(rows & (column > 0), missing_rate(model, name).reason)
    return code, reasons
