"""The catalog schema, checked: raw YAML entries become :class:`~pricing.catalog.Model` objects,
or fail with ``FILE:LINE: model 'ID': field 'FIELD': expected ..., got ...``.

The fields, their types, allowed values and bounds are those of the catalog's JSON Schema
(pricing/data/catalog.schema.json, via :func:`tables`); the code here keeps the wording of the
errors and the rules that span fields. docs/catalog.md ("The schema") describes the fields.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pricing.dates import parse_day
from pricing.errors import InputError, clip
from pricing.formats import Format, catalog_format
from pricing.model import FineTuning, Model, PricePeriod, Prices, ServiceTier, Tier, Variant

_HOURS = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")


class _Tables:
    """The keys, allowed values and bounds of a catalog file, from its JSON Schema
    (pricing/data/catalog.schema.json, read by :mod:`pricing.formats`): the one place they
    are written. Bounds are far above any real model, so that a typo or a hostile file cannot
    make every cost astronomical or overflow the int64 arrays of a projection."""

    def __init__(self, schema: Format):
        self.output_params = schema.enum("$defs/output_param")
        self.price_fields = schema.keys("$defs/price_fields")
        self.required_prices = schema.required("$defs/prices")
        self.modalities = schema.enum("$defs/model/properties/text_rate_modalities")
        # fields a model may carry; file-level defaults are copied into each model first
        self.model_fields = frozenset(schema.keys("$defs/model"))
        self.fine_tuned_fields = frozenset(schema.keys("$defs/fine_tuned"))
        self.model_kinds = schema.enum("$defs/model/properties/kind")
        self.variant_fields = frozenset(schema.keys("$defs/variant"))
        self.period_fields = frozenset(schema.keys("$defs/period"))
        self.tokenizer = re.compile(schema.pattern("$defs/model/properties/tokenizer"))
        self.weekdays = schema.enum("$defs/week_window/properties/days")
        self.window_fields = frozenset(schema.keys("$defs/week_window"))
        model = schema.node("$defs/model")["properties"]
        self.flags = tuple(k for k, v in model.items() if v.get("type") == "boolean")
        self.max_tokens = schema.bounds("$defs/tokens")["maximum"]  # largest today: 10M
        # USD per million tokens (the dearest published rates: ~$600)
        self.max_price = Decimal(schema.bounds("$defs/price")["maximum"])


@functools.cache
def tables() -> _Tables:
    return _Tables(catalog_format())


class _Checker:
    def __init__(self, place: str, model_id: str, prefix: str = ""):
        # prefix: where a nested block sits (`fine_tuned.`), so errors name the whole path
        self.place, self.model_id, self.prefix = place, model_id, prefix

    def within(self, block: str) -> _Checker:
        return _Checker(self.place, self.model_id, f"{self.prefix}{block}.")

    def fail(self, field_name: str, expected: str, got: Any) -> InputError:
        return InputError(
            f"{self.place}: model {self.model_id!r}: field {self.prefix + field_name!r}: "
            f"expected {expected}, got {clip(got)}"
        )

    def count(
        self, raw: Mapping, key: str, *, required: bool = True, label: str = ""
    ) -> int | None:
        value = raw.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(label + key, "a positive whole number of tokens", value)
        if value > tables().max_tokens:
            raise self.fail(label + key, f"at most {tables().max_tokens:,} tokens", value)
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
        if amount > tables().max_price:
            raise self.fail(
                label + key, f"at most {tables().max_price:,} USD per million tokens", value
            )
        return amount

    def prices(self, raw: Any, label: str, also: frozenset = frozenset()) -> Prices:
        """Prices from a mapping; ``also`` names the other keys that mapping may hold."""
        if not isinstance(raw, Mapping):
            raise self.fail(label.rstrip("."), "a mapping of prices (input, output, ...)", raw)
        unknown = set(raw) - set(tables().price_fields) - also
        if unknown:
            key = sorted(unknown)[0]
            raise self.fail(label + key, f"a price field ({', '.join(tables().price_fields)})", key)
        values = {
            key: self.money(raw, key, required=key in tables().required_prices, label=label)
            for key in tables().price_fields
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

    def day(self, raw: Mapping, key: str, label: str = "") -> dt.date | None:
        value = raw.get(key)
        if value is None:
            return None
        try:
            return parse_day(value)
        except ValueError:
            raise self.fail(label + key, "a date YYYY-MM-DD", value) from None

    def service_tiers(self, raw: Any, label: str) -> dict[str, ServiceTier]:
        service = raw or {}
        if not isinstance(service, Mapping):
            raise self.fail(label, "a mapping of tier name to prices", service)
        return {
            str(name): ServiceTier(
                str(name),
                self.prices(spec, f"{label}.{name}.", frozenset({"tiers", "when_utc"})),
                self.tiers(spec.get("tiers"), f"{label}.{name}.tiers"),
                self.week_windows(spec.get("when_utc"), f"{label}.{name}.when_utc"),
            )
            for name, spec in service.items()
        }

    def week_windows(self, raw: Any, label: str) -> tuple[tuple[int, int], ...]:
        """``[{days: [mon, tue], hours: ["16:30-00:30"]}]`` -> [start, end) minutes of the
        UTC week; a window past midnight runs into the next day (Sunday into Monday)."""
        if raw is None:
            return ()
        expected = "a list of {days: [mon, ...], hours: [HH:MM-HH:MM, ...]} (UTC)"
        if not isinstance(raw, list):
            raise self.fail(label, expected, raw)
        windows: list[tuple[int, int]] = []
        for entry in raw:
            if not isinstance(entry, Mapping) or set(entry) - tables().window_fields:
                raise self.fail(label, expected, entry)
            days = entry.get("days") or list(tables().weekdays)
            hours = entry.get("hours") or ["00:00-24:00"]
            if not all(day in tables().weekdays for day in days):
                raise self.fail(
                    label + ".days", f"days of the week ({', '.join(tables().weekdays)})", days
                )
            for text in hours:
                match = _HOURS.fullmatch(str(text))
                if not match:
                    raise self.fail(label + ".hours", "HH:MM-HH:MM (UTC)", text)
                h1, m1, h2, m2 = (int(x) for x in match.groups())
                start, end = h1 * 60 + m1, h2 * 60 + m2
                if start > 1440 or end > 1440 or m1 > 59 or m2 > 59 or start == end:
                    raise self.fail(label + ".hours", "HH:MM-HH:MM (UTC)", text)
                for day in days:
                    base = tables().weekdays.index(day) * 1440
                    if start < end:
                        windows.append((base + start, base + end))
                    else:  # past midnight
                        windows.append((base + start, base + 1440))
                        following = (base + 1440) % (7 * 1440)
                        windows.append((following, following + end))
        return tuple(sorted(windows))

    def fraction(self, raw: Mapping, key: str) -> Decimal | None:
        value = raw.get(key)
        if value is None:
            return None
        amount = self.money(raw, key, required=True, label="")
        if amount is None or amount >= 1:
            raise self.fail(key, "a share between 0 and 1 (0.5 = half price)", value)
        return amount


def build_model(raw: dict, place: str) -> Model:
    check = _Checker(place, raw["id"])
    unknown = set(raw) - tables().model_fields
    if unknown:
        key = sorted(unknown)[0]
        raise check.fail(key, f"a known field ({', '.join(sorted(tables().model_fields))})", key)
    for key in ("name", "tokenizer"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise check.fail(key, "a non-empty string", raw.get(key))
    if not tables().tokenizer.match(raw["tokenizer"]):
        raise check.fail(
            "tokenizer", "tiktoken:NAME, hf:REPO, gemma:NAME or estimate:FAMILY", raw["tokenizer"]
        )
    kind = raw.get("kind", "chat")
    if kind not in tables().model_kinds:
        raise check.fail("kind", " | ".join(tables().model_kinds), kind)
    embedding = kind == "embedding"
    if raw["output_param"] not in tables().output_params and not embedding:
        raise check.fail("output_param", " | ".join(tables().output_params), raw["output_param"])
    context = check.count(raw, "context_window")
    max_input = check.count(raw, "max_input_tokens", required=False) or context
    # An embedding model returns a vector: no output tokens, so no output ceiling.
    max_output = 0 if embedding else check.count(raw, "max_output_tokens")
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
    for key in tables().flags:
        if not isinstance(raw.get(key, False), bool):
            raise check.fail(key, "true or false", raw.get(key))
    service_tiers = check.service_tiers(raw.get("service_tiers"), "service_tiers")
    prices = check.prices(
        _embedding_prices(raw.get("prices")) if embedding else raw.get("prices"), "prices."
    )
    tiers = check.tiers(raw.get("tiers"), "tiers")
    deprecated, retired = check.day(raw, "deprecated"), check.day(raw, "retired")
    if deprecated and retired and deprecated > retired:
        raise check.fail("deprecated", f"a date on or before retired ({retired})", str(deprecated))
    replacement = raw.get("replacement")
    if replacement is not None and (not isinstance(replacement, str) or not replacement):
        raise check.fail("replacement", "a model id", replacement)
    routed_to = raw.get("routed_to")
    if routed_to is not None and (not isinstance(routed_to, str) or not routed_to or not retired):
        raise check.fail("routed_to", "a model id, with a `retired` date", routed_to)
    as_of = check.day(raw, "as_of")
    if as_of is None:
        raise check.fail("as_of", "a date YYYY-MM-DD", raw.get("as_of"))
    current, periods = _price_periods(
        raw, check, as_of, PricePeriod(None, None, prices, tiers, service_tiers, str(raw["source"]))
    )
    if retired and routed_to is None:
        after = [p for p in periods if p.start is not None and p.start >= retired]
        if after:  # nobody could be billed then: the name's calls fail after retirement
            raise check.fail(
                "price_periods",
                f"no period starting on or after retired ({retired}) unless `routed_to` names "
                "the model that then serves the name",
                f"a period from {after[0].start}",
            )
    return Model(
        id=raw["id"],
        name=raw["name"],
        provider=str(raw["provider"]).lower(),
        aliases=tuple(aliases),
        context_window=context,
        max_input_tokens=max_input,
        max_output_tokens=max_output,
        output_param=None if embedding else raw["output_param"],
        reasoning=raw.get("reasoning", False),
        supports_stop=raw.get("supports_stop", True),
        stop_sequences_max=stops,
        tokenizer=raw["tokenizer"],
        prices=prices,
        tiers=tiers,
        batch_discount=check.fraction(raw, "batch_discount"),
        batch_full_price=_price_names(raw.get("batch_full_price"), check),
        text_rate_modalities=_modalities(raw.get("text_rate_modalities"), check),
        as_of=str(as_of),
        source=str(raw["source"]),
        notes=(str(raw["notes"]).strip() if raw.get("notes") else None),
        deprecated=deprecated,
        retired=retired,
        replacement=replacement,
        routed_to=routed_to,
        listed_snapshots_only=raw.get("listed_snapshots_only", False),
        price_periods=periods,
        period=current,
        service_tiers=service_tiers,
        variant_specs=_variants(raw.get("variants"), check),
        kind=kind,
        fine_tuning=_fine_tuning(raw, check, as_of, bool(tiers)),
    )


def _fine_tuning(
    raw: dict, check: _Checker, model_as_of: dt.date, tiered: bool
) -> FineTuning | None:
    """The model's `fine_tuned:` block: its own prices (and periods, batch discount, source and
    date: the model's where not written; `batch_discount: null` = no batch for fine-tunes)."""
    block = raw.get("fine_tuned")
    if block is None:
        return None
    model_batch = check.fraction(raw, "batch_discount")
    if not isinstance(block, Mapping):
        raise check.fail("fine_tuned", "a mapping (prices, source, as_of, ...)", block)
    check = check.within("fine_tuned")
    unknown = set(block) - tables().fine_tuned_fields
    if unknown:
        key = sorted(unknown)[0]
        raise check.fail(
            key, f"a fine_tuned field ({', '.join(sorted(tables().fine_tuned_fields))})", key
        )
    if tiered and "tiers" not in block:
        # Flat rates for a model billed by cliff tiers would understate long prompts.
        raise check.fail("tiers", "the fine-tune's long-context tiers (or [])", None)
    as_of = check.day(block, "as_of") or model_as_of
    source = block.get("source", raw["source"])
    if not isinstance(source, str) or not source.strip():
        raise check.fail("source", "where the fine-tune rates were published (a URL)", source)
    prices = check.prices(block.get("prices"), "prices.")
    tiers = check.tiers(block.get("tiers"), "tiers")
    current, periods = _price_periods(
        block, check, as_of, PricePeriod(None, None, prices, tiers, {}, source.strip())
    )
    bases = block.get("bases") or []
    if not isinstance(bases, list) or not all(isinstance(b, str) and b for b in bases):
        raise check.fail("bases", "a list of model names", bases)
    written = "batch_discount" in block
    return FineTuning(
        period=current,
        price_periods=periods,
        batch_discount=check.fraction(block, "batch_discount") if written else model_batch,
        bases=tuple(b.lower() for b in bases),
        source=source.strip(),
        as_of=str(as_of),
        notes=str(block["notes"]).strip() if block.get("notes") else None,
    )


def _price_periods(
    raw: dict, check: _Checker, as_of: dt.date, current: PricePeriod
) -> tuple[PricePeriod, tuple[PricePeriod, ...]]:
    """(the period ``prices`` hold, every period in date order). The written periods may not
    overlap or cover ``as_of`` (the ``prices`` block is the price on that day); the model's own
    prices fill every day they leave uncovered around ``as_of``."""
    entries = raw.get("price_periods")
    if entries is None:
        return current, (current,)
    if not isinstance(entries, list):
        raise check.fail("price_periods", "a list of periods (from/until, prices, source)", entries)
    written = []
    for number, entry in enumerate(entries):
        label = f"price_periods[{number}]."
        if not isinstance(entry, Mapping):
            raise check.fail(label.rstrip("."), "a period mapping", entry)
        unknown = set(entry) - tables().period_fields
        if unknown:
            key = sorted(unknown)[0]
            fields = ", ".join(sorted(tables().period_fields))
            raise check.fail(label + key, f"a period field ({fields})", key)
        start, end = check.day(entry, "from", label), check.day(entry, "until", label)
        if start is None and end is None:
            raise check.fail(label + "from", "a date (from and/or until)", None)
        if start and end and start >= end:
            raise check.fail(label + "until", f"a date after from ({start})", str(end))
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise check.fail(label + "source", "where this price was published (a URL)", source)
        if current.tiers and "tiers" not in entry:
            # Inheriting today's long-context rates would guess; an empty list says "none".
            raise check.fail(label + "tiers", "the period's long-context tiers (or [])", None)
        period = PricePeriod(
            start,
            end,
            check.prices(entry.get("prices"), label + "prices."),
            check.tiers(entry.get("tiers"), label + "tiers"),
            check.service_tiers(entry.get("service_tiers"), label + "service_tiers"),
            source.strip(),
            str(entry["notes"]).strip() if entry.get("notes") else None,
        )
        if period.covers(as_of):
            raise check.fail(
                label + ("from" if start else "until"),
                f"a period that leaves out as_of ({as_of}): `prices` holds the price on that day",
                str(start or end),
            )
        written.append((number, period))
    before = [p for _, p in written if p.end is not None and p.end <= as_of]
    after = [p for _, p in written if p.start is not None and p.start > as_of]
    current = PricePeriod(
        max((p.end for p in before), default=None),
        min((p.start for p in after), default=None),
        current.prices,
        current.tiers,
        current.service_tiers,
        current.source,
    )
    periods = sorted([p for _, p in written] + [current], key=_period_order)
    for earlier, later in zip(periods, periods[1:], strict=False):
        if earlier.end is None or later.start is None or earlier.end != later.start:
            raise check.fail(
                "price_periods",
                "periods that meet end to end (each until is the next from)",
                f"{earlier.label} then {later.label}",
            )
    if periods[0].start is not None or periods[-1].end is not None:
        raise check.fail(
            "price_periods",
            "an open first period (no from) and an open last one (no until)",
            f"{periods[0].label} ... {periods[-1].label}",
        )
    return current, tuple(periods)


def _period_order(period: PricePeriod) -> dt.date:
    return period.start or dt.date.min


def _embedding_prices(raw: Any) -> Any:
    """An embedding model's prices: output is 0 (it returns vectors, billed by input only)."""
    if isinstance(raw, Mapping) and "output" not in raw:
        return {**raw, "output": 0}
    return raw


def _variants(raw: Any, check: _Checker) -> tuple[Variant, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise check.fail("variants", "a list of variants", raw)
    specs = []
    for number, entry in enumerate(raw):
        label = f"variants[{number}]."
        if not isinstance(entry, Mapping) or not entry.get("name"):
            raise check.fail(label + "name", "a variant with a name", entry)
        unknown = set(entry) - tables().variant_fields
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


def _price_names(raw: Any, check: _Checker) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(name in tables().price_fields for name in raw):
        raise check.fail(
            "batch_full_price", f"a list of price fields ({', '.join(tables().price_fields)})", raw
        )
    return frozenset(raw)


def _modalities(raw: Any, check: _Checker) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(name in tables().modalities for name in raw):
        raise check.fail(
            "text_rate_modalities", f"a list of ({', '.join(tables().modalities)})", raw
        )
    return frozenset(raw)
