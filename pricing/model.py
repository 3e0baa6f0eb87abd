"""What the catalog holds for a model: limits, prices, tiers, variants, provenance."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pricing.errors import InputError


@dataclass(frozen=True)
class Prices:
    """USD per million tokens. ``None``: not offered (billed at the input rate)."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_write_5m: Decimal | None = None
    cache_write_1h: Decimal | None = None


@dataclass(frozen=True)
class Tier:
    """A cliff tier: a request with more input tokens than the threshold is priced whole here."""

    above_input_tokens: int
    prices: Prices


@dataclass(frozen=True)
class ServiceTier:
    """A provider service level (OpenAI flex, priority) with its own prices."""

    name: str
    prices: Prices
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True)
class Variant:
    """An opt-in mode that changes limits or prices (Anthropic's 1M-context beta, say)."""

    name: str
    description: str
    request_headers: Mapping[str, str]
    overrides: Mapping[str, Any]


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    provider: str
    aliases: tuple[str, ...]
    context_window: int
    max_input_tokens: int
    max_output_tokens: int
    output_param: str | None  # None: an embedding model (no output to cap)
    reasoning: bool
    supports_stop: bool
    stop_sequences_max: int | None
    tokenizer: str
    prices: Prices
    tiers: tuple[Tier, ...]
    batch_discount: Decimal | None
    as_of: str
    source: str
    notes: str | None = None
    deprecated: str | None = None
    service_tiers: Mapping[str, ServiceTier] = field(default_factory=dict)
    variant: str | None = None
    variant_specs: tuple[Variant, ...] = field(default=(), repr=False)
    request_headers: Mapping[str, str] = field(default_factory=dict)
    # Prices the batch discount leaves alone (Google's Batch table: cached input "Same as
    # Standard"): names from ``input, cache_read, cache_write_5m, cache_write_1h, output``.
    batch_full_price: frozenset[str] = frozenset()
    # "chat" (text out, priced per output token) or "embedding" (vectors out: no output
    # tokens, no output ceiling, no max_tokens to plan).
    kind: str = "chat"

    @property
    def is_embedding(self) -> bool:
        return self.kind == "embedding"

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.variant_specs)

    def with_variant(self, name: str | None) -> Model:
        """This model with a variant's limits and prices applied (``None``: the base model)."""
        if name is None or name == self.variant:
            return self
        for spec in self.variant_specs:
            if spec.name == name:
                return dataclasses.replace(
                    self,
                    variant=name,
                    request_headers=dict(spec.request_headers),
                    **spec.overrides,
                )
        offered = ", ".join(self.variants) or "none"
        raise InputError(f"model {self.id!r} has no variant {name!r} (variants: {offered})")
