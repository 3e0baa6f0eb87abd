"""The model catalog: limits and prices per model, read from one YAML file per provider.

The bundled files live in ``pricing/data``; ``SCHEMA.md`` beside this module describes them.
User files (``--catalog FILE`` or ``TOKEN_BUDGET_CATALOG``) are merged over the bundled ones.
Every file is validated as it loads; a bad entry fails with file, line, model and field.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pricing.errors import InputError
from pricing.names import NameIndex
from pricing.yamlfile import read_yaml

DATA_DIR = Path(__file__).with_name("data")
ENV_VAR = "TOKEN_BUDGET_CATALOG"

OUTPUT_PARAMS = ("max_tokens", "max_completion_tokens", "max_output_tokens", "maxOutputTokens")
PRICE_FIELDS = ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h")
FILE_FIELDS = {
    "provider",
    "source",
    "as_of",
    "batch_discount",
    "output_param",
    "stop_sequences_max",
    "models",
    "notes",
}
# Fields a model may carry; file-level defaults are copied into each model before checking.
MODEL_FIELDS = {
    "id",
    "name",
    "provider",
    "aliases",
    "context_window",
    "max_input_tokens",
    "max_output_tokens",
    "output_param",
    "reasoning",
    "supports_stop",
    "stop_sequences_max",
    "tokenizer",
    "prices",
    "tiers",
    "service_tiers",
    "batch_discount",
    "variants",
    "deprecated",
    "as_of",
    "source",
    "notes",
}
VARIANT_FIELDS = {
    "name",
    "description",
    "request_headers",
    "context_window",
    "max_input_tokens",
    "max_output_tokens",
    "prices",
    "tiers",
}
TOKENIZER_KINDS = ("tiktoken:", "hf:", "estimate:")


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
    output_param: str
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


class Catalog:
    """All models, with name resolution as people write model names."""

    def __init__(self, models: Iterable[Model]):
        self.models: tuple[Model, ...] = tuple(models)
        self._index = NameIndex((m.id, m.aliases, m) for m in self.models)

    def resolve(self, name: str, variant: str | None = None) -> Model:
        return self._index.resolve(name).with_variant(variant)

    def search(self, query: str | None = None, provider: str | None = None) -> list[Model]:
        needle = (query or "").lower()
        return [
            m
            for m in self.models
            if (provider is None or m.provider == provider.lower())
            and (
                not needle
                or needle in m.id.lower()
                or needle in m.name.lower()
                or any(needle in alias.lower() for alias in m.aliases)
            )
        ]

    @property
    def providers(self) -> list[str]:
        return sorted({m.provider for m in self.models})


def load_catalog(extra_files: Iterable[str] | None = None) -> Catalog:
    """The bundled catalog with user files merged over it (default: ``$TOKEN_BUDGET_CATALOG``)."""
    if extra_files is None:
        extra_files = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    return _load(tuple(str(p) for p in extra_files))


@lru_cache(maxsize=8)
def _load(extra_files: tuple[str, ...]) -> Catalog:
    entries: dict[str, dict] = {}  # canonical id -> raw model with file defaults filled in
    where: dict[str, str] = {}  # canonical id -> "file:line" for error messages
    for path in sorted(DATA_DIR.glob("*.yaml")):
        for raw, place in _raw_models(path):
            if raw["id"] in entries:
                raise InputError(
                    f"{place}: model {raw['id']!r}: id already defined at {where[raw['id']]}"
                )
            entries[raw["id"]], where[raw["id"]] = raw, place
    for name in extra_files:
        _merge_user_file(Path(name), entries, where)
    return Catalog(_build_model(raw, where[key]) for key, raw in entries.items())


def _raw_models(path: Path) -> list[tuple[dict, str]]:
    document = read_yaml(path)
    if not isinstance(document, dict):
        raise InputError(f"{path}: expected a mapping with provider, source, as_of and models")
    unknown = set(document) - FILE_FIELDS
    if unknown:
        raise InputError(f"{path}: unknown top-level field {sorted(unknown)[0]!r}")
    for key in ("provider", "source", "as_of"):
        if not document.get(key):
            raise InputError(f"{path}: field {key!r}: required (every number needs its provenance)")
    models = document.get("models")
    if not isinstance(models, list):
        raise InputError(f"{path}: field 'models': expected a list of models")
    defaults = {
        "provider": str(document["provider"]),
        "source": str(document["source"]),
        "as_of": str(document["as_of"]),
        "batch_discount": document.get("batch_discount"),
        "output_param": document.get("output_param", "max_tokens"),
        "stop_sequences_max": document.get("stop_sequences_max"),
    }
    out = []
    for raw in models:
        line = getattr(raw, "line", None)
        place = f"{path}:{line}" if line else str(path)
        if not isinstance(raw, dict) or not raw.get("id"):
            raise InputError(f"{place}: each model needs an 'id'")
        raw = dict(raw)
        raw["id"] = str(raw["id"])
        for key, value in defaults.items():
            raw.setdefault(key, value)
        out.append((raw, place))
    return out


def _merge_user_file(path: Path, entries: dict[str, dict], where: dict[str, str]) -> None:
    """Merge a user's catalog file: known ids are updated field by field, new ids added."""
    if not path.is_file():
        raise InputError(f"{path}: catalog file not found")
    known = Catalog(_build_model(raw, where[key]) for key, raw in entries.items())
    for raw, place in _raw_models(path):
        try:
            existing = known.resolve(raw["id"]).id
        except InputError:
            existing = None
        if existing is None:
            entries[raw["id"]], where[raw["id"]] = raw, place
            continue
        merged = _deep_merge(entries[existing], {k: v for k, v in raw.items() if k != "id"})
        entries[existing], where[existing] = merged, place


def _deep_merge(base: dict, update: dict) -> dict:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# --- validation: raw YAML -> Model, failing with file, model and field -------------------------


class _Checker:
    def __init__(self, place: str, model_id: str):
        self.place, self.model_id = place, model_id

    def fail(self, field_name: str, expected: str, got: Any) -> InputError:
        return InputError(
            f"{self.place}: model {self.model_id!r}: field {field_name!r}: "
            f"expected {expected}, got {got!r}"
        )

    def count(
        self, raw: Mapping, key: str, *, required: bool = True, label: str = ""
    ) -> int | None:
        value = raw.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(label + key, "a positive whole number of tokens", value)
        return value

    def money(self, raw: Mapping, key: str, *, required: bool, label: str) -> Decimal | None:
        value = raw.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(label + key, "a price in USD per million tokens", value)
        try:
            amount = Decimal(str(value))
        except ArithmeticError:
            raise self.fail(label + key, "a price in USD per million tokens", value) from None
        if not amount.is_finite() or amount < 0:
            raise self.fail(label + key, "a price >= 0 in USD per million tokens", value)
        return amount

    def prices(self, raw: Any, label: str, also: frozenset = frozenset()) -> Prices:
        """Prices from a mapping; ``also`` names the other keys that mapping may hold."""
        if not isinstance(raw, Mapping):
            raise self.fail(label.rstrip("."), "a mapping of prices (input, output, ...)", raw)
        unknown = set(raw) - set(PRICE_FIELDS) - also
        if unknown:
            key = sorted(unknown)[0]
            raise self.fail(label + key, f"a price field ({', '.join(PRICE_FIELDS)})", key)
        values = {
            key: self.money(raw, key, required=key in ("input", "output"), label=label)
            for key in PRICE_FIELDS
        }
        return Prices(**values)

    def tiers(self, raw: Any, label: str) -> tuple[Tier, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            raise self.fail(label, "a list of tiers", raw)
        tiers = []
        for number, entry in enumerate(raw):
            where = f"{label}[{number}]."
            if not isinstance(entry, Mapping):
                raise self.fail(where.rstrip("."), "a tier mapping", entry)
            threshold = self.count(entry, "above_input_tokens", label=where)
            tiers.append(
                Tier(threshold, self.prices(entry, where, frozenset({"above_input_tokens"})))
            )
        thresholds = [t.above_input_tokens for t in tiers]
        if thresholds != sorted(set(thresholds)):
            raise self.fail(label, "tiers in ascending order of above_input_tokens", thresholds)
        return tuple(tiers)

    def fraction(self, raw: Mapping, key: str) -> Decimal | None:
        value = raw.get(key)
        if value is None:
            return None
        amount = self.money(raw, key, required=True, label="")
        if amount is None or amount >= 1:
            raise self.fail(key, "a share between 0 and 1 (0.5 = half price)", value)
        return amount


def _build_model(raw: dict, place: str) -> Model:
    check = _Checker(place, raw["id"])
    unknown = set(raw) - MODEL_FIELDS
    if unknown:
        key = sorted(unknown)[0]
        raise check.fail(key, f"a known field ({', '.join(sorted(MODEL_FIELDS))})", key)
    for key in ("name", "tokenizer"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise check.fail(key, "a non-empty string", raw.get(key))
    if not raw["tokenizer"].startswith(TOKENIZER_KINDS):
        raise check.fail("tokenizer", "tiktoken:NAME, hf:REPO or estimate:FAMILY", raw["tokenizer"])
    if raw["output_param"] not in OUTPUT_PARAMS:
        raise check.fail("output_param", " | ".join(OUTPUT_PARAMS), raw["output_param"])
    context = check.count(raw, "context_window")
    max_input = check.count(raw, "max_input_tokens", required=False) or context
    max_output = check.count(raw, "max_output_tokens")
    if max_input > context:
        raise check.fail("max_input_tokens", f"at most context_window ({context})", max_input)
    if max_output > context:
        raise check.fail("max_output_tokens", f"at most context_window ({context})", max_output)
    stops = raw.get("stop_sequences_max")
    if stops is not None:
        stops = check.count(raw, "stop_sequences_max")
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise check.fail("aliases", "a list of names", aliases)
    for key in ("reasoning", "supports_stop"):
        if not isinstance(raw.get(key, False), bool):
            raise check.fail(key, "true or false", raw.get(key))
    service = raw.get("service_tiers") or {}
    if not isinstance(service, Mapping):
        raise check.fail("service_tiers", "a mapping of tier name to prices", service)
    service_tiers = {
        str(name): ServiceTier(
            str(name),
            check.prices(spec, f"service_tiers.{name}.", frozenset({"tiers"})),
            check.tiers(spec.get("tiers"), f"service_tiers.{name}.tiers"),
        )
        for name, spec in service.items()
    }
    return Model(
        id=raw["id"],
        name=raw["name"],
        provider=str(raw["provider"]).lower(),
        aliases=tuple(aliases),
        context_window=context,
        max_input_tokens=max_input,
        max_output_tokens=max_output,
        output_param=raw["output_param"],
        reasoning=raw.get("reasoning", False),
        supports_stop=raw.get("supports_stop", True),
        stop_sequences_max=stops,
        tokenizer=raw["tokenizer"],
        prices=check.prices(raw.get("prices"), "prices."),
        tiers=check.tiers(raw.get("tiers"), "tiers"),
        batch_discount=check.fraction(raw, "batch_discount"),
        as_of=str(raw["as_of"]),
        source=str(raw["source"]),
        notes=(str(raw["notes"]).strip() if raw.get("notes") else None),
        deprecated=(str(raw["deprecated"]) if raw.get("deprecated") else None),
        service_tiers=service_tiers,
        variant_specs=_variants(raw.get("variants"), check, context),
    )


def _variants(raw: Any, check: _Checker, base_context: int) -> tuple[Variant, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise check.fail("variants", "a list of variants", raw)
    specs = []
    for number, entry in enumerate(raw):
        label = f"variants[{number}]."
        if not isinstance(entry, Mapping) or not entry.get("name"):
            raise check.fail(label + "name", "a variant with a name", entry)
        unknown = set(entry) - VARIANT_FIELDS
        if unknown:
            raise check.fail(label + sorted(unknown)[0], "a known variant field", "?")
        overrides: dict[str, Any] = {}
        for key in ("context_window", "max_input_tokens", "max_output_tokens"):
            if key in entry:
                overrides[key] = check.count(entry, key, label=label)
        if "context_window" in overrides and "max_input_tokens" not in overrides:
            overrides["max_input_tokens"] = overrides["context_window"]
        if "prices" in entry:
            overrides["prices"] = check.prices(entry["prices"], label + "prices.")
        if "tiers" in entry:
            overrides["tiers"] = check.tiers(entry["tiers"], label + "tiers")
        headers = entry.get("request_headers") or {}
        specs.append(
            Variant(
                name=str(entry["name"]),
                description=str(entry.get("description", "")),
                request_headers={str(k): str(v) for k, v in headers.items()},
                overrides=overrides,
            )
        )
    return tuple(specs)
