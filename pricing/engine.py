"""Usage -> cost, in Decimal USD.

One convention inside: ``input_tokens`` is the whole prompt, and cache reads and cache writes
are parts of it; ``output_tokens`` includes reasoning tokens. Provider usage objects are turned
into this shape by :mod:`pricing.usage` before they get here.

Long-context tiers are cliff tiers (as Anthropic and Google bill them): a request whose input
is above a tier's threshold is priced whole at that tier's rates, output included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from pricing.errors import InputError, UnpricedError, clip
from pricing.model import Model, Prices
from pricing.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

PER_MILLION = Decimal(1_000_000)
# The largest token count one call may be given: context windows are millions, so a trillion
# is a typo (or a unit mix-up), not a plan.
MAX_TOKEN_COUNT = 10**12
# The most tokens one call of a plan (a scenario) or a calibration log may hold: 10x the
# largest context window. (MAX_TOKEN_COUNT above bounds what a log may report at all.)
MAX_CALL_TOKENS = 100_000_000


def token_count(value: Any, field: str, limit: int | None = MAX_TOKEN_COUNT) -> int:
    """The one check of a token count from a user, a file or a log: a whole number from 0 to
    ``limit`` (None: no limit, for sums of many calls). Text may use ``_`` or ``,`` between
    digits (``12_000``). ``field`` names the value in the message (``FILE:LINE: field``)."""
    if isinstance(value, str):
        text = value.strip().replace("_", "").replace(",", "")
        if not text.lstrip("-").isdigit() or len(text) > 40:
            raise InputError(f"{field}: expected a whole number of tokens, got {clip(value)}")
        value = int(text)
    elif isinstance(value, bool) or not hasattr(value, "__index__"):  # 12.0 is not a count
        raise InputError(f"{field}: expected a whole number of tokens, got {clip(value)}")
    count = int(value)  # numpy integers too: messages show plain numbers, not np.int64(...)
    if count < 0:
        raise InputError(f"{field}: expected a token count >= 0, got {count}")
    if limit is not None and count > limit:
        raise InputError(
            f"{field}: expected at most {limit:,} tokens (no model comes near), got {clip(count)}"
        )
    return count


class Usage(Record):
    """Tokens of one call (or a sum of calls) in the one convention."""

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0  # part of input_tokens
    cache_write_tokens: int = 0  # part of input_tokens: 5-minute cache writes
    cache_write_1h_tokens: int = 0  # part of input_tokens: 1-hour cache writes
    reasoning_tokens: int = 0  # part of output_tokens
    audio_input_tokens: int = 0  # part of the uncached input
    image_input_tokens: int = 0  # part of the uncached input
    video_input_tokens: int = 0  # part of the uncached input
    audio_output_tokens: int = 0  # part of output_tokens
    image_output_tokens: int = 0  # part of output_tokens (generated images)
    cache_read_audio_tokens: int = 0  # part of cache_read_tokens
    cache_read_image_tokens: int = 0  # part of cache_read_tokens

    def __post_init__(self) -> None:
        for name in self.field_names():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):  # 1.5 is not a count
                raise InputError(f"{name}: expected a whole number of tokens, got {value!r}")
            token_count(value, name, limit=None)  # a sum of calls may pass a trillion
        cached = self.cache_read_tokens + self.cache_write_tokens + self.cache_write_1h_tokens
        if cached > self.input_tokens:
            raise InputError(
                f"cache reads and writes ({cached:,}) exceed input_tokens ({self.input_tokens:,}): "
                "input is the whole prompt and cached tokens are part of it"
            )
        if self.reasoning_tokens > self.output_tokens:
            raise InputError(
                f"reasoning_tokens ({self.reasoning_tokens:,}) exceed output_tokens "
                f"({self.output_tokens:,}): output includes reasoning"
            )
        cached_modal = self.cache_read_audio_tokens + self.cache_read_image_tokens
        if cached_modal > self.cache_read_tokens:
            raise InputError(
                f"cached audio and image input ({cached_modal:,}) exceed cache_read_tokens "
                f"({self.cache_read_tokens:,})"
            )
        modal = self.audio_input_tokens + self.image_input_tokens + self.video_input_tokens
        if modal > self.uncached_input_tokens:
            raise InputError(
                f"audio, image and video input ({modal:,}) exceed the uncached input "
                f"({self.uncached_input_tokens:,})"
            )
        modal_out = self.audio_output_tokens + self.image_output_tokens
        if modal_out > self.output_tokens:
            raise InputError(
                f"audio and image output ({modal_out:,}) exceed output_tokens "
                f"({self.output_tokens:,})"
            )

    @property
    def uncached_input_tokens(self) -> int:
        return uncached_input_tokens(self)


def uncached_input_tokens(tokens: Any) -> Any:
    """The part of the prompt neither read from nor written to a cache, of a :class:`Usage`
    or of :class:`pricing.arrays.TokenArrays` alike (one call, or numpy arrays of many)."""
    return (
        tokens.input_tokens
        - tokens.cache_read_tokens
        - tokens.cache_write_tokens
        - tokens.cache_write_1h_tokens
    )


class CostBreakdown(Record):
    model: str
    variant: str | None
    usage: Usage
    input_usd: Decimal  # the uncached part of the input
    cache_read_usd: Decimal
    cache_write_usd: Decimal
    output_usd: Decimal
    total_usd: Decimal
    batch: bool
    service_tier: str | None
    tier_threshold: int | None  # above_input_tokens of the cliff tier applied; None = base rates
    rates: Prices  # per-million rates applied, before any batch discount
    # Built-in tool uses ({"web_search": 3}) and their fees (pricing/data/rules/tool_fees.yaml),
    # billed per use on top of tokens and included in total_usd.
    tool_calls: Mapping[str, int] = {}
    tool_usd: Decimal = Decimal(0)
    # When: the day the model was resolved for (Catalog.resolve's ``at``, through the one
    # clock), the catalog price period that priced it, and the model whose rates those are
    # (a retired name's routed successor).
    priced_at: dt.date | None = None
    price_period: str | None = None
    priced_as: str | None = None

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "variant": self.variant,
            "input_usd": self.input_usd,
            "cache_read_usd": self.cache_read_usd,
            "cache_write_usd": self.cache_write_usd,
            "output_usd": self.output_usd,
            "total_usd": self.total_usd,
            "batch": self.batch,
            "service_tier": self.service_tier,
            "tier_threshold": self.tier_threshold,
            "tool_calls": dict(self.tool_calls),
            "tool_usd": self.tool_usd,
            "priced_at": self.priced_at,
            "price_period": self.price_period,
            "priced_as": self.priced_as,
        }


def rates_for(
    model: Model, input_tokens: int, service_tier: str | None = None
) -> tuple[Prices, int | None]:
    """The per-million rates for a request of ``input_tokens``, and the cliff tier applied.

    Raises :class:`UnpricedError` when the catalog has no rate for the request: a service
    tier the model does not offer, or one without a published rate above a cliff."""
    prices, tiers = model.prices, model.tiers
    if service_tier is not None:
        try:
            level = model.service_tiers[service_tier]
        except KeyError:
            offered = ", ".join(model.service_tiers) or "none"
            raise UnpricedError(
                f"model {model.id!r} has no service tier {service_tier!r} (offered: {offered})",
                f"no {service_tier!r} service tier in the catalog",
            ) from None
        unpublished = [t for t in model.tiers if input_tokens > t.above_input_tokens]
        if unpublished and not level.tiers:
            # Guessing would understate the bill: the provider prices long prompts higher.
            above = unpublished[-1].above_input_tokens
            raise UnpricedError(
                f"model {model.id!r}: no published {service_tier} price above {above:,} "
                f"input tokens (this request has {input_tokens:,})",
                f"no published {service_tier} price above {above:,} input tokens",
            )
        prices, tiers = level.prices, level.tiers
    threshold = None
    for tier in tiers:
        if input_tokens > tier.above_input_tokens:
            prices, threshold = tier.prices, tier.above_input_tokens
    return prices, threshold


RATE_NAMES = (
    "input",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "output",
    "input_audio",
    "input_image",
    "input_video",
    "output_audio",
    "output_image",
    "cache_read_audio",
    "cache_read_image",
)
MODALITY_RATES = ("input_audio", "input_image", "input_video", "output_audio", "output_image")
CACHED_MODALITY_RATES = ("cache_read_audio", "cache_read_image")  # absent: the cache_read rate


def effective_rates(
    prices: Prices, text_rate_modalities: frozenset[str] = frozenset()
) -> tuple[Decimal | None, ...]:
    """Rates per million in ``RATE_NAMES`` order, with absent cache prices billed at the
    input rate (as providers without a cache discount do). A modality without a rate of its
    own is billed at the text rate only if the provider says so (``text_rate_modalities``);
    otherwise its rate is None: the catalog cannot price it."""
    read = prices.input if prices.cache_read is None else prices.cache_read
    write_5m = prices.input if prices.cache_write_5m is None else prices.cache_write_5m
    write_1h = write_5m if prices.cache_write_1h is None else prices.cache_write_1h
    modal = []
    for name in MODALITY_RATES:
        rate = getattr(prices, name)
        side, kind = name.split("_")
        # the text rate stands in for input only ("Input price (text / image / video)")
        if rate is None and side == "input" and kind in text_rate_modalities:
            rate = prices.input
        modal.append(rate)
    cached = (
        read if getattr(prices, name) is None else getattr(prices, name)
        for name in CACHED_MODALITY_RATES
    )
    return (prices.input, read, write_5m, write_1h, prices.output, *modal, *cached)


def billed_rates(model: Model, prices: Prices, batch: bool) -> tuple[Decimal | None, ...]:
    """The rates of ``effective_rates`` with the batch discount applied where it applies
    (not to the prices in ``model.batch_full_price``, e.g. Gemini's batch cache reads)."""
    rates = effective_rates(prices, model.text_rate_modalities)
    if not batch:
        return rates
    if model.batch_discount is None:
        raise UnpricedError(
            f"model {model.id!r} has no batch API in the catalog (batch_discount)",
            "no batch price in the catalog",
        )
    factor = 1 - model.batch_discount
    full = set(model.batch_full_price)
    if "cache_read" in full:  # cached audio and image follow cached text
        full.update(CACHED_MODALITY_RATES)
    return tuple(
        rate if rate is None or name in full else rate * factor
        for name, rate in zip(RATE_NAMES, rates, strict=True)
    )


def modality_parts(usage: Usage) -> tuple[int, int, int, int, int]:
    return (
        usage.audio_input_tokens,
        usage.image_input_tokens,
        usage.video_input_tokens,
        usage.audio_output_tokens,
        usage.image_output_tokens,
    )


def missing_rate(model: Model, name: str) -> UnpricedError:
    """The error for tokens of a modality the catalog has no rate for."""
    what = {
        "input_audio": "audio input",
        "input_image": "image input",
        "input_video": "video input",
        "output_audio": "audio output",
        "output_image": "image output",
    }[name]
    return UnpricedError(
        f"model {model.id!r}: no published {what} rate in the catalog", f"no {what} rate"
    )


def cost(
    model: Model,
    usage: Usage,
    *,
    batch: bool = False,
    service_tier: str | None = None,
    tool_calls: Mapping[str, int] | None = None,
) -> CostBreakdown:
    """Price one request (tiers apply per request) in Decimal USD; ``tool_calls`` counts the
    built-in tool uses it made ({"web_search": 2}), billed at the catalog's fee per use."""
    if batch and service_tier is not None:
        raise InputError("choose either batch or a service tier, not both")
    prices, threshold = rates_for(model, usage.input_tokens, service_tier)
    rates = billed_rates(model, prices, batch)
    input_rate, read_rate, write_5m_rate, write_1h_rate, output_rate = rates[:5]
    modal = modality_parts(usage)
    for name, tokens, rate in zip(MODALITY_RATES, modal, rates[5:10], strict=True):
        if tokens and rate is None:
            raise missing_rate(model, name)

    def usd(tokens: int, rate: Decimal | None) -> Decimal:
        return Decimal(0) if rate is None else tokens * rate / PER_MILLION

    audio_in, image_in, video_in, audio_out, image_out = modal
    text_input = usage.uncached_input_tokens - audio_in - image_in - video_in
    input_usd = (
        usd(text_input, input_rate)
        + usd(audio_in, rates[5])
        + usd(image_in, rates[6])
        + usd(video_in, rates[7])
    )
    read_audio, read_image = usage.cache_read_audio_tokens, usage.cache_read_image_tokens
    cache_read_usd = (
        usd(usage.cache_read_tokens - read_audio - read_image, read_rate)
        + usd(read_audio, rates[10])
        + usd(read_image, rates[11])
    )
    cache_write_usd = usd(usage.cache_write_tokens, write_5m_rate) + usd(
        usage.cache_write_1h_tokens, write_1h_rate
    )
    output_usd = (
        usd(usage.output_tokens - audio_out - image_out, output_rate)
        + usd(audio_out, rates[8])
        + usd(image_out, rates[9])
    )
    uses = {tool: token_count(n, tool, limit=None) for tool, n in (tool_calls or {}).items() if n}
    if uses:
        from pricing.rules import tools_usd  # the fee tables: only for calls that used tools

        tool_usd = tools_usd(model, uses)
    else:
        tool_usd = Decimal(0)
    return CostBreakdown(
        model=model.id,
        variant=model.variant,
        usage=usage,
        input_usd=input_usd,
        cache_read_usd=cache_read_usd,
        cache_write_usd=cache_write_usd,
        output_usd=output_usd,
        total_usd=input_usd + cache_read_usd + cache_write_usd + output_usd + tool_usd,
        batch=batch,
        service_tier=service_tier,
        tier_threshold=threshold,
        rates=prices,
        tool_calls=uses,
        tool_usd=tool_usd,
        priced_at=model.priced_on,
        price_period=model.period_label,
        priced_as=model.priced_as(),
    )


def add_up(breakdowns: list[CostBreakdown], calls: int = 1) -> CostBreakdown:
    """The sum of several priced calls (each priced on its own, so tiers apply per request),
    optionally repeated ``calls`` times."""
    if not breakdowns:
        raise InputError("nothing to add up: no calls")
    first = breakdowns[0]
    if len(breakdowns) == 1 and calls == 1:
        return first

    def total(name: str) -> Decimal:
        return sum((getattr(b, name) for b in breakdowns), Decimal(0)) * calls

    usage = Usage(
        **{
            name: sum(getattr(b.usage, name) for b in breakdowns) * calls
            for name in Usage.field_names()
        }
    )
    tiers = {b.tier_threshold for b in breakdowns}
    uses: dict[str, int] = {}
    for b in breakdowns:
        for tool, n in b.tool_calls.items():
            uses[tool] = uses.get(tool, 0) + n * calls
    return CostBreakdown(
        model=first.model if len({b.model for b in breakdowns}) == 1 else "(several)",
        variant=first.variant,
        usage=usage,
        input_usd=total("input_usd"),
        cache_read_usd=total("cache_read_usd"),
        cache_write_usd=total("cache_write_usd"),
        output_usd=total("output_usd"),
        total_usd=total("total_usd"),
        batch=first.batch,
        service_tier=first.service_tier,
        tier_threshold=tiers.pop() if len(tiers) == 1 else None,
        rates=first.rates,
        tool_calls=uses,
        tool_usd=total("tool_usd"),
        priced_at=first.priced_at if len({b.priced_at for b in breakdowns}) == 1 else None,
        price_period=" + ".join(dict.fromkeys(b.price_period or "" for b in breakdowns)) or None,
        priced_as=first.priced_as if len({b.priced_as for b in breakdowns}) == 1 else None,
    )
