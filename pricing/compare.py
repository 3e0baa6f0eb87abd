"""Our catalog against a price dataset a maintainer has at hand, so a refresh is a reviewed diff.

Two formats are read, told apart by shape:

* genai-prices' ``data.json``: a list of providers, each with ``models`` whose ``prices`` are
  ``{input_mtok, output_mtok, cache_read_mtok, cache_write_mtok}`` (a number, or
  ``{base, tiers}``), or a list of such prices under a ``constraint`` (``start_date``, time of
  day); ``context_window``; ``deprecated: true``.
* LiteLLM's ``model_prices_and_context_window.json``: an object of model name to
  ``{litellm_provider, mode, input_cost_per_token, output_cost_per_token,
  cache_read_input_token_cost, cache_creation_input_token_cost, max_input_tokens,
  max_output_tokens, deprecation_date}``.

Only the providers this catalog covers are compared (hosts such as Bedrock, Vertex AI and
Azure are not modelled). Prices are compared at a day (the dataset's price in force then, and
ours), per million tokens.

Long-context cliff tiers (genai-prices' ``{base, tiers: [{start, price}]}``, LiteLLM's
``*_above_200k_tokens``) are compared with our ``tiers`` at the same threshold (fields
``above_200000.input``, ...), a variant's tiers included. Beyond the standard rates, the
datasets' tier entries are compared with what the catalog
bills: genai-prices' ``price_variants`` (``service_tier`` flex / priority, ``fast`` read as
priority, ``ultrafast``; ``processing: batch``) resolved as genai-prices resolves them (a
variant overrides the prices it gives), LiteLLM's ``*_flex``, ``*_priority`` and ``*_batches``
costs, against our ``service_tiers`` and our batch rates (batch discount and
``batch_full_price``) — fields ``flex.input``, ``batch.cache_read``, ... . Time of day
(DeepSeek): genai-prices' daily windows are compared window by window with the rate we bill
then (our ``off-peak`` service tier where its ``when_utc`` covers it), on a weekday since
genai-prices has no day-of-week condition (it bills weekends like weekdays, an upper bound);
LiteLLM's ``off_peak_pricing`` against our ``off-peak`` tier, windows included.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pricing.catalog import Catalog, Model
from pricing.dates import parse_day
from pricing.engine import CACHED_MODALITY_RATES, RATE_NAMES, billed_rates
from pricing.errors import InputError
from pricing.textfile import read_text

# Dataset provider name -> ours.
GENAI_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "mistral": "mistral",
    "x-ai": "xai",
    "deepseek": "deepseek",
    "together": "together",
}
LITELLM_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "mistral": "mistral",
    "xai": "xai",
    "deepseek": "deepseek",
    "together_ai": "together",
}
LITELLM_MODES = ("chat", "responses", "completion", None)
# Their price field -> ours (per million tokens).
GENAI_PRICES = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write_5m",
    "cache_audio_read_mtok": "cache_read_audio",
}
LITELLM_PRICES = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write_5m",
    "cache_read_input_audio_token_cost": "cache_read_audio",
    "cache_read_input_image_token_cost": "cache_read_image",
}
MILLION = Decimal(1_000_000)
# genai-prices' service_tier values -> our service tier names ("fast" is OpenAI's priority
# tier under its other name; "default" is the standard rate).
GENAI_TIERS = {"flex": "flex", "priority": "priority", "fast": "priority", "ultrafast": "ultrafast"}
# LiteLLM's cost-key suffixes -> our tier names ("batch" is the Batch API).
LITELLM_TIERS = {
    "_flex": "flex",
    "_priority": "priority",
    "_ultrafast": "ultrafast",
    "_batches": "batch",
}
# LiteLLM's long-context keys: input_cost_per_token_above_200k_tokens (service-tier and
# cache-retention variants of them are not read)
LITELLM_CLIFF = re.compile(r"(\w+?)_above_(\d+)k_tokens")
OFF_PEAK = "off-peak"
DAY_MINUTES = 1440
WEEKDAY = 2  # Wednesday: time-of-day windows are compared on a weekday (see the docstring)


@dataclass(frozen=True)
class Difference:
    name: str  # as the dataset writes it
    model: str  # our id
    field: str  # input, output, cache_read, cache_write_5m, context_window, ...
    ours: Any
    theirs: Any


@dataclass(frozen=True)
class Comparison:
    dataset: str  # genai-prices | litellm
    path: str
    day: dt.date
    compared: int  # dataset entries matched to one of our models
    differences: tuple[Difference, ...] = ()
    missing: tuple[tuple[str, str], ...] = ()  # (provider, name) the dataset has and we lack
    retirements: tuple[tuple[str, str, str], ...] = field(default=())  # (name, model, what)

    def as_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "path": self.path,
            "day": self.day,
            "compared": self.compared,
            "differences": [d.__dict__ for d in self.differences],
            "missing": [{"provider": p, "name": n} for p, n in self.missing],
            "retirements": [{"name": n, "model": m, "what": w} for n, m, w in self.retirements],
        }


def compare_file(path: str | Path, catalog: Catalog, day: dt.date) -> Comparison:
    """Compare a genai-prices or LiteLLM data file with ``catalog`` at ``day``."""
    dataset, entries = read_dataset(path, day)
    return compare_entries(str(path), dataset, entries, catalog, day)


def read_dataset(path: str | Path, day: dt.date) -> tuple[str, list[_Entry]]:
    """The dataset's name (genai-prices | litellm) and its entries for the providers we cover,
    in our terms, with the prices in force at ``day``."""
    text = read_text(Path(path), "price dataset JSON")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if isinstance(document, list):
        return "genai-prices", list(_genai_entries(document, str(path), day))
    if isinstance(document, dict):
        return "litellm", list(_litellm_entries(document, str(path)))
    raise InputError(
        f"{path}: expected genai-prices' data.json (a list of providers) or LiteLLM's "
        "model_prices_and_context_window.json (an object of models)"
    )


@dataclass(frozen=True)
class _Entry:
    """One dataset model, in our terms."""

    provider: str
    name: str
    prices: dict[str, Decimal]  # our price field -> USD per million
    limits: dict[str, int]  # context_window, max_input_tokens, max_output_tokens
    retired: dt.date | None = None  # the dataset's retirement date
    deprecated: bool = False  # the dataset marks it deprecated (no date)
    # tier name (flex, priority, batch, off-peak, ...) -> its prices, in our field names
    tiers: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    # daily windows [start, end) in minutes of a UTC day -> prices in force then; empty when
    # the dataset has no time-of-day prices (``prices`` then holds the one standard rate)
    by_time: dict[tuple[int, int], dict[str, Decimal]] = field(default_factory=dict)
    # LiteLLM's off-peak windows, [start, end) minutes of the UTC week (Monday 00:00 = 0)
    off_peak_week: tuple[tuple[int, int], ...] | None = None
    # long-context cliff tiers of the standard rate: above N input tokens -> prices
    cliffs: dict[int, dict[str, Decimal]] = field(default_factory=dict)
    # genai-prices' dated standard prices: (first day or None, prices), oldest first
    dated: tuple[tuple[dt.date | None, dict[str, Decimal]], ...] = ()
    where: str = ""  # the file and the entry, to cite as a change's source


def compare_entries(
    path: str, dataset: str, entries: Iterable[_Entry], catalog: Catalog, day: dt.date
) -> Comparison:
    differences: list[Difference] = []
    missing: list[tuple[str, str]] = []
    retirements: list[tuple[str, str, str]] = []
    compared = 0
    for entry in entries:
        model = _ours(catalog, entry, day)
        if model is None:
            if not (entry.deprecated or (entry.retired and entry.retired <= day)):
                missing.append((entry.provider, entry.name))
            continue
        compared += 1
        differences += _price_differences(entry, model)
        if entry.off_peak_week is not None:
            level = model.service_tiers.get(OFF_PEAK)
            ours_only, theirs_only = _week_differences(level.when_utc if level else (), entry)
            if ours_only or theirs_only:  # say only where the hours differ
                differences.append(
                    Difference(
                        entry.name,
                        model.id,
                        OFF_PEAK + ".when_utc (only in)",
                        _week_label(ours_only),
                        _week_label(theirs_only),
                    )
                )
        for name, theirs in entry.limits.items():
            ours = getattr(model, name)
            if ours != theirs:
                differences.append(Difference(entry.name, model.id, name, ours, theirs))
        if entry.retired and entry.retired != model.retired:
            what = f"retires {entry.retired} there; here " + (
                str(model.retired) if model.retired else "no date"
            )
            retirements.append((entry.name, model.id, what))
        elif entry.deprecated and model.retired is None and model.deprecated is None:
            retirements.append((entry.name, model.id, "deprecated there; current here"))
    return Comparison(
        dataset,
        path,
        day,
        compared,
        tuple(differences),
        tuple(sorted(set(missing))),
        tuple(retirements),
    )


def _price_differences(entry: _Entry, model: Model) -> list[Difference]:
    """Every rate the dataset gives for ``entry`` that ``model`` does not match."""
    differences = []
    if entry.by_time:
        differences += _time_of_day(entry, model)
    else:
        differences += _differ(entry, model, "", _price_map(model.prices), entry.prices)
    for tier, theirs in entry.tiers.items():
        differences += _differ(entry, model, tier + ".", _tier_prices(model, tier), theirs)
    for above, theirs in sorted(entry.cliffs.items()):
        ours = _cliff_prices(model, above)
        differences += _differ(entry, model, f"above_{above}.", ours, theirs)
    return differences


def _differ(
    entry: _Entry, model: Model, prefix: str, ours: Mapping[str, Decimal | None], theirs: Mapping
) -> list[Difference]:
    """A Difference for each price the dataset gives that ours does not match."""
    found = []
    for name, value in theirs.items():
        mine = ours.get(name)
        if mine is None or mine.normalize() != value.normalize():
            found.append(Difference(entry.name, model.id, prefix + name, mine, _plain(value)))
    return found


def _price_map(prices: Any) -> dict[str, Decimal | None]:
    """Our prices by field; cached audio and image without a rate of their own at the cached
    text rate (what we bill for them)."""
    found = {
        name: getattr(prices, name) for name in (*GENAI_PRICES.values(), *LITELLM_PRICES.values())
    }
    for name in CACHED_MODALITY_RATES:
        if found[name] is None:
            found[name] = prices.cache_read
    return found


def _tier_prices(model: Model, tier: str) -> dict[str, Decimal | None]:
    """What we bill at a dataset's tier: the batch rates we charge (discount and
    batch_full_price applied), or the service tier's prices; {} where we offer no such tier."""
    if tier == "batch":
        if model.batch_discount is None:
            return {}
        billed = dict(zip(RATE_NAMES, billed_rates(model, model.prices, batch=True), strict=True))
        return {name: billed[name] for name in (*GENAI_PRICES.values(), *LITELLM_PRICES.values())}
    level = model.service_tiers.get(tier)
    return _price_map(level.prices) if level else {}


def _cliff_prices(model: Model, above: int) -> dict[str, Decimal | None]:
    """Our long-context tier at a dataset's threshold: the model's own, else one a variant
    brings (Anthropic's 1M-context beta), {} where we have none. A threshold one token lower
    is the same tier written for ">= N" (xAI: 199999 here for "200K or more")."""
    for candidate in (model, *(model.with_variant(name) for name in model.variants)):
        for tier in candidate.tiers:
            if tier.above_input_tokens in (above, above - 1):
                return _price_map(tier.prices)
    return {}


def _time_of_day(entry: _Entry, model: Model) -> list[Difference]:
    """Each of the dataset's daily windows against the rate we bill then (on a weekday)."""
    found = []
    for (start, end), theirs in sorted(entry.by_time.items()):
        tier = model.service_tier_at(WEEKDAY * DAY_MINUTES + start)
        prices = model.service_tiers[tier].prices if tier else model.prices
        label = f" ({_clock(start)}-{_clock(end)} UTC)"
        for d in _differ(entry, model, "", _price_map(prices), theirs):
            found.append(dataclasses.replace(d, field=d.field + label))
    return found


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _week_differences(ours: Any, entry: _Entry) -> tuple[list, list]:
    """The off-peak hours of the week only we bill off-peak, and only the dataset does."""
    week = 7 * DAY_MINUTES

    def minutes(windows: Any) -> list[bool]:
        covered = [False] * week
        for start, end in windows:
            for minute in range(start, min(end, week)):
                covered[minute] = True
        return covered

    mine, theirs = minutes(ours), minutes(entry.off_peak_week or ())
    return (
        _runs([a and not b for a, b in zip(mine, theirs, strict=True)]),
        _runs([b and not a for a, b in zip(mine, theirs, strict=True)]),
    )


def _runs(covered: list[bool]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for minute, on in enumerate(covered):
        if on and runs and runs[-1][1] == minute:
            runs[-1] = (runs[-1][0], minute + 1)
        elif on:
            runs.append((minute, minute + 1))
    return runs


def _week_label(windows: Any) -> str:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

    def at(minute: int) -> str:
        return f"{days[(minute // DAY_MINUTES) % 7]} {_clock(minute % DAY_MINUTES)}"

    return ", ".join(f"{at(a)}-{at(b)}" for a, b in windows) or "none"


def _ours(catalog: Catalog, entry: _Entry, day: dt.date) -> Model | None:
    """Our model for a dataset's entry (None: we lack it), as ``compare`` and ``update`` set
    it against the entry. A retired name has two prices to match: its own last one (LiteLLM
    keeps xAI's retired names at theirs) and the rates its calls are billed at after a
    redirect (genai-prices lists deepseek-v4-flash at deepseek-flash's): the redirect's where
    the dataset matches it in every rate, else its own last price."""
    try:
        model = catalog.resolve(entry.name, at=day)
    except InputError:
        return None
    if model.provider != entry.provider:
        return None
    if model.retired is not None and day >= model.retired:
        if not _price_differences(entry, model):
            return model
        return model.at(model.retired - dt.timedelta(days=1))
    return model


# --- genai-prices -------------------------------------------------------------------------


def _genai_entries(document: list, path: str, day: dt.date) -> Iterator[_Entry]:
    for number, provider in enumerate(document):
        if not isinstance(provider, Mapping) or not isinstance(provider.get("models"), list):
            raise InputError(f"{path}: [{number}]: expected a provider with a list of models")
        ours = GENAI_PROVIDERS.get(str(provider.get("id")))
        if ours is None:
            continue
        for model in provider["models"]:
            if not isinstance(model, Mapping) or not model.get("id"):
                raise InputError(f"{path}: provider {provider.get('id')!r}: a model without id")
            where = f"{path}: {provider['id']}/{model['id']}"
            raw = model.get("prices")
            windows = _genai_windows(raw, where)
            if windows:  # time of day: the prices in force in each window of the day
                by_time = {w: _genai_prices_at(raw, day, w[0], where) for w in windows}
                prices = {}
            else:
                by_time, prices = {}, _genai_prices_at(raw, day, None, where)
            limits = {}
            if isinstance(model.get("context_window"), int):
                limits["context_window"] = model["context_window"]
            chosen = _genai_chosen(raw, day, None, where) if not windows else {}
            yield _Entry(
                ours,
                str(model["id"]),
                prices,
                limits,
                deprecated=bool(model.get("deprecated")),
                tiers=_genai_tiers(model.get("price_variants"), prices, by_time, day, where),
                by_time=by_time,
                cliffs=_genai_cliffs(chosen, where),
                dated=() if windows else _genai_dated(raw, where),
                where=where,
            )


def _genai_items(raw: Any, where: str) -> list[Mapping]:
    """The conditional prices of a model: [{constraint, prices}, ...] (a bare mapping is one)."""
    if raw is None:
        return []
    if isinstance(raw, Mapping):
        return [{"prices": raw}]
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        raise InputError(f"{where}: prices: expected a mapping or a list of {{constraint, prices}}")
    return raw


def _genai_active(constraint: Any, day: dt.date, minute: int | None, where: str) -> bool:
    """Whether a genai-prices constraint holds on ``day`` at ``minute`` of it (UTC; None: at
    no particular time, so daily windows do not hold)."""
    if not constraint:
        return True
    if not isinstance(constraint, Mapping):
        raise InputError(f"{where}: constraint: expected a mapping, got {constraint!r}")
    if "start_date" in constraint:
        try:
            return day >= parse_day(constraint["start_date"])
        except ValueError:
            raise InputError(f"{where}: start_date: {constraint['start_date']!r}") from None
    if minute is None:
        return False
    start, end = (_genai_minute(constraint.get(k), where) for k in ("start_time", "end_time"))
    return start <= minute < end if start <= end else minute >= start or minute < end


def _genai_minute(value: Any, where: str) -> int:
    """ "16:30:00Z" -> 990 (minutes of the UTC day)."""
    text = str(value or "")
    try:
        hours, minutes = int(text[0:2]), int(text[3:5])
    except ValueError:
        raise InputError(f"{where}: time of day: expected HH:MM:SSZ, got {value!r}") from None
    if text[2:3] != ":" or hours > 24 or minutes > 59:
        raise InputError(f"{where}: time of day: expected HH:MM:SSZ, got {value!r}")
    return hours * 60 + minutes


def _genai_windows(raw: Any, where: str) -> list[tuple[int, int]]:
    """The day cut at every time-of-day boundary the prices name ([] when none do)."""
    cuts = set()
    for item in _genai_items(raw, where):
        constraint = item.get("constraint") or {}
        if isinstance(constraint, Mapping) and "start_time" in constraint:
            cuts |= {_genai_minute(constraint.get(k), where) for k in ("start_time", "end_time")}
    if not cuts:
        return []
    edges = sorted(cuts | {0, DAY_MINUTES})
    return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if a < b]


def _genai_prices_at(raw: Any, day: dt.date, minute: int | None, where: str) -> dict[str, Decimal]:
    """The dataset's prices in force on ``day`` at ``minute``, in our field names."""
    return _genai_price_map(_genai_chosen(raw, day, minute, where), where)


def _genai_chosen(raw: Any, day: dt.date, minute: int | None, where: str) -> Mapping:
    """The dataset's price mapping in force on ``day`` at ``minute``, as genai-prices picks it:
    the last entry whose constraint holds wins (the first entry when none does)."""
    items = _genai_items(raw, where)
    if not items:
        return {}
    chosen = items[0].get("prices")
    for item in reversed(items):
        if _genai_active(item.get("constraint"), day, minute, where):
            chosen = item.get("prices")
            break
    return chosen if isinstance(chosen, Mapping) else {}


def _genai_cliffs(raw: Mapping, where: str) -> dict[int, dict[str, Decimal]]:
    """``{base, tiers: [{start, price}]}`` prices as cliff tiers: above ``start`` -> prices."""
    cliffs: dict[int, dict[str, Decimal]] = {}
    for theirs, ours in GENAI_PRICES.items():
        value = raw.get(theirs)
        if not isinstance(value, Mapping):
            continue
        for tier in value.get("tiers") or ():
            start = tier.get("start") if isinstance(tier, Mapping) else None
            if isinstance(start, bool) or not isinstance(start, int):
                raise InputError(f"{where}: {theirs}: tiers: expected {{start, price}}")
            cliffs.setdefault(start, {})[ours] = _decimal(tier.get("price"), f"{where}: {theirs}")
    return cliffs


def _genai_dated(raw: Any, where: str) -> tuple[tuple[dt.date | None, dict[str, Decimal]], ...]:
    """The standard prices by the day they start (None: the undated first entry)."""
    dated = []
    for item in _genai_items(raw, where):
        constraint = item.get("constraint") or {}
        start = None
        if isinstance(constraint, Mapping) and "start_date" in constraint:
            _genai_active(constraint, dt.date.min, None, where)  # checks the date
            start = parse_day(constraint["start_date"])
        elif constraint:
            continue  # other kinds of condition: not a price period
        dated.append((start, _genai_price_map(item.get("prices") or {}, where)))
    return tuple(sorted(dated, key=lambda d: d[0] or dt.date.min))


def _genai_tiers(
    variants: Any,
    prices: dict[str, Decimal],
    by_time: dict[tuple[int, int], dict[str, Decimal]],
    day: dt.date,
    where: str,
) -> dict[str, dict[str, Decimal]]:
    """Tier -> prices from ``price_variants``: each key from the first variant in force that
    gives it, the standard price otherwise (genai-prices' own resolution)."""
    if not variants:
        return {}
    if not isinstance(variants, list):
        raise InputError(f"{where}: price_variants: expected a list, got {variants!r}")
    base = prices or next(iter(by_time.values()), {})
    tiers: dict[str, dict[str, Decimal]] = {}
    given_by_variant: dict[str, set[str]] = {}
    for variant in variants:
        if not isinstance(variant, Mapping) or not isinstance(variant.get("when"), Mapping):
            raise InputError(f"{where}: price_variants: expected {{when, prices}} entries")
        when = variant["when"]
        if when.get("processing") == "batch":
            tier = "batch"
        else:
            tier = GENAI_TIERS.get(str(when.get("service_tier")))
        if tier is None or not _genai_active(variant.get("constraint"), day, None, where):
            continue  # the standard rate, another kind of context (route, speed), not yet
        resolved = tiers.setdefault(tier, dict(base))
        taken = given_by_variant.setdefault(tier, set())
        for name, value in _genai_price_map(variant.get("prices") or {}, where).items():
            if name not in taken:  # an earlier variant of the tier already set it
                resolved[name] = value
                taken.add(name)
    return tiers


def _genai_price_map(raw: Mapping, where: str) -> dict[str, Decimal]:
    prices = {}
    for theirs, ours in GENAI_PRICES.items():
        value = raw.get(theirs)
        if isinstance(value, Mapping):  # {base, tiers}: compare the base rate
            value = value.get("base")
        if value is not None:
            prices[ours] = _decimal(value, f"{where}: {theirs}")
    return prices


# --- LiteLLM ------------------------------------------------------------------------------


def _litellm_entries(document: dict, path: str) -> Iterator[_Entry]:
    for name, spec in document.items():
        if name == "sample_spec" or name.startswith("ft:") or not isinstance(spec, Mapping):
            continue  # the spec's documentation; fine-tune price templates
        ours = LITELLM_PROVIDERS.get(str(spec.get("litellm_provider")))
        if ours is None or spec.get("mode") not in LITELLM_MODES:
            continue
        where = f"{path}: {name}"
        prices = {
            mine: _decimal(spec[theirs], f"{where}: {theirs}") * MILLION
            for theirs, mine in LITELLM_PRICES.items()
            if spec.get(theirs) is not None
        }
        limits = {
            key: spec[key]
            for key in ("max_input_tokens", "max_output_tokens")
            if isinstance(spec.get(key), int) and not isinstance(spec.get(key), bool)
        }
        tiers = {
            tier: {
                mine: _decimal(spec[theirs + suffix], f"{where}: {theirs + suffix}") * MILLION
                for theirs, mine in LITELLM_PRICES.items()
                if spec.get(theirs + suffix) is not None
            }
            for suffix, tier in LITELLM_TIERS.items()
        }
        tiers = {tier: prices for tier, prices in tiers.items() if prices}
        cliffs: dict[int, dict[str, Decimal]] = {}
        for key, value in spec.items():
            found = LITELLM_CLIFF.fullmatch(key)
            if found and found[1] in LITELLM_PRICES and value is not None:
                above = int(found[2]) * 1000
                price = _decimal(value, f"{where}: {key}") * MILLION
                cliffs.setdefault(above, {})[LITELLM_PRICES[found[1]]] = price
        off_peak_week = None
        if isinstance(spec.get("off_peak_pricing"), Mapping):
            off_peak = spec["off_peak_pricing"]
            tiers[OFF_PEAK] = {
                mine: _decimal(off_peak[theirs], f"{where}: off_peak_pricing.{theirs}") * MILLION
                for theirs, mine in LITELLM_PRICES.items()
                if off_peak.get(theirs) is not None
            }
            off_peak_week = _litellm_week(off_peak.get("windows"), f"{where}: off_peak_pricing")
        retired = None
        if spec.get("deprecation_date"):
            try:
                retired = parse_day(spec["deprecation_date"])
            except ValueError:
                raise InputError(
                    f"{where}: deprecation_date: expected YYYY-MM-DD, "
                    f"got {spec['deprecation_date']!r}"
                ) from None
        yield _Entry(
            ours,
            name,
            prices,
            limits,
            retired=retired,
            tiers=tiers,
            off_peak_week=off_peak_week,
            cliffs=cliffs,
            where=where,
        )


def _litellm_week(windows: Any, where: str) -> tuple[tuple[int, int], ...]:
    """LiteLLM's off-peak windows ({hours_utc: "HH:MM-HH:MM" or a list, weekdays: 1 = Monday
    .. 7}) as [start, end) minutes of the UTC week; "00:00-00:00" is the whole day."""
    if not isinstance(windows, list):
        raise InputError(f"{where}: windows: expected a list, got {windows!r}")
    week = []
    for window in windows:
        if not isinstance(window, Mapping):
            raise InputError(f"{where}: windows: expected {{hours_utc, weekdays}}, got {window!r}")
        hours = window.get("hours_utc")
        days = window.get("weekdays") or list(range(1, 8))
        for text in [hours] if isinstance(hours, str) else hours or []:
            first, _, last = str(text).partition("-")
            start, end = _genai_minute(first, where), _genai_minute(last, where)
            end = DAY_MINUTES if end == 0 else end  # "10:00-00:00" runs to midnight
            for day in days:
                if not isinstance(day, int) or not 1 <= day <= 7:
                    raise InputError(f"{where}: weekdays: expected 1 (Monday) to 7, got {day!r}")
                base = (day - 1) * DAY_MINUTES
                if start < end:
                    week.append((base + start, base + end))
                else:  # past midnight
                    week.append((base + start, base + DAY_MINUTES))
                    following = (base + DAY_MINUTES) % (7 * DAY_MINUTES)
                    week.append((following, following + end))
    return tuple(sorted(week))


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"{where}: expected a number, got {value!r}")
    try:
        # repr: the float as written in the file (1.25e-06), not its binary expansion
        return Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise InputError(f"{where}: expected a number, got {value!r}") from None


def _plain(amount: Decimal) -> Decimal:
    """1.000000 -> 1, 0.2000000 -> 0.2 (and never 1E+1)."""
    return Decimal(format(amount.normalize(), "f"))
