"""`budget catalog update`: a price dataset turned into a catalog patch a maintainer reviews.

The patch is YAML in the catalog's own terms (docs/catalog.md), one entry per change, each
with the dataset entry it comes from:

* ``new model``: a model the dataset prices and the catalog lacks, as a catalog entry (prices
  in force on the day compared, the dataset's dated prices as ``price_periods``, long-context
  ``tiers``, flex / priority / ultrafast ``service_tiers``); what the dataset cannot say
  (the tokenizer, often the output limit) is left ``null`` and listed under ``review``;
* ``new price period``: prices that differ from ours, as a period holding our prices with
  theirs put in, ``from`` the day genai-prices gives for the price (``start_date``), else the
  day compared (LiteLLM never dates a price: the maintainer dates it from the provider's
  page); prices genai-prices schedules after that day are compared on their own first day;
* ``limits``: a context window or output limit that differs;
* ``retirement``: a shutdown date the dataset gives and we lack or date otherwise;
* ``review``: what the catalog cannot take as it stands (a batch rate that is not the
  model's discount, time-of-day windows that differ): said in words.

Nothing is applied: the bundled YAML is never written. Names the dataset lists for one of our
models with the same changes (LiteLLM's ``xai/grok-4.3`` and ``xai/grok-4.3-latest``) are one
change naming all of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pricing.catalog import Catalog, Model
from pricing.compare import (
    GENAI_PRICES,
    OFF_PEAK,
    Difference,
    _clock,
    _Entry,
    _ours,
    _plain,
    compare_entries,
    read_dataset,
)

LIMITS = ("context_window", "max_input_tokens", "max_output_tokens")
SERVICE_TIERS = ("flex", "priority", "ultrafast")  # the dataset tiers a model entry can hold
KINDS = ("new model", "new price period", "limits", "retirement", "review")
COUNTED = ("new models", "new price periods", "limits", "retirements", "to review")
HEADER = """\
# Proposed catalog changes: NOT applied. budget never edits its bundled catalog.
# For each change: check it against the provider's own page, then copy what holds into
# pricing/data/<provider>.yaml with that page as `source` and the day as `as_of`; where the
# page and the dataset disagree, keep the page's figure and say so in `notes` and in
# pricing/data/SOURCES.md. `null` fields and `review` lines need a person.
"""


@dataclass(frozen=True)
class Change:
    provider: str
    kind: str  # one of KINDS
    model: str  # our id (a new model: the id proposed)
    names: tuple[str, ...]  # as the dataset writes them
    source: str  # the dataset file and entry
    proposal: Mapping[str, Any] = field(default_factory=dict)  # YAML in the catalog's schema
    review: tuple[str, ...] = ()  # what a person must decide

    def as_dict(self) -> dict:
        return {
            "provider": self.provider,
            "change": self.kind,
            "model": self.model,
            "their_names": list(self.names),
            "source": self.source,
            **({"proposal": dict(self.proposal)} if self.proposal else {}),
            **({"review": list(self.review)} if self.review else {}),
        }


@dataclass(frozen=True)
class Patch:
    dataset: str  # genai-prices | litellm
    path: str
    sha256: str
    day: dt.date
    changes: tuple[Change, ...]

    def counts(self) -> dict[str, int]:
        return {
            label: sum(c.kind == kind for c in self.changes)
            for kind, label in zip(KINDS, COUNTED, strict=True)
        }

    def as_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "file": self.path,
            "sha256": self.sha256,
            "compared_on": self.day,
            "summary": self.counts(),
            "changes": [change.as_dict() for change in self.changes],
        }

    def to_yaml(self) -> str:
        import yaml

        class Dumper(yaml.SafeDumper):
            def ignore_aliases(self, data: Any) -> bool:
                return True  # a date written twice is written twice, not as &id001 / *id001

        def decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
            text = format(_plain(value), "f")
            tag = "int" if "." not in text else "float"
            return dumper.represent_scalar(f"tag:yaml.org,2002:{tag}", text)

        Dumper.add_representer(Decimal, decimal)
        body = yaml.dump(
            self.as_dict(), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=96
        )
        return HEADER + body


def update_patch(path: str | Path, catalog: Catalog, day: dt.date) -> Patch:
    """The changes ``path`` (genai-prices' data.json or LiteLLM's price file) proposes to
    ``catalog``, compared at ``day``."""
    dataset, entries = read_dataset(path, day)
    comparison = compare_entries(str(path), dataset, entries, catalog, day)
    by_name = {(entry.provider, entry.name): entry for entry in entries}
    found: list[Change] = []
    for provider, name in comparison.missing:
        found.append(_new_model(by_name[provider, name], dataset, day))
    by_model: dict[tuple[str, str], list[Difference]] = {}
    for difference in comparison.differences:
        by_model.setdefault((difference.name, difference.model), []).append(difference)
    for (name, model_id), differences in by_model.items():
        entry = next(e for (_, n), e in by_name.items() if n == name)
        model = _ours(catalog, entry, day)  # as compared: a retired model on its last day
        assert model is not None and model.id == model_id
        found += _changed(entry, model, differences, day)
    for name, model_id, what in comparison.retirements:
        entry = next(e for (_, n), e in by_name.items() if n == name)
        found.append(_retirement(entry, model_id, what))
    found += _scheduled(path, dataset, entries, catalog, day)
    return Patch(
        dataset,
        str(path),
        hashlib.sha256(Path(path).read_bytes()).hexdigest(),
        day,
        tuple(_merged(found)),
    )


def _scheduled(
    path: str | Path, dataset: str, entries: list[_Entry], catalog: Catalog, day: dt.date
) -> list[Change]:
    """Prices genai-prices dates after ``day`` (a scheduled change) that we do not bill then,
    each compared on its own first day."""
    found: list[Change] = []
    starts = sorted({start for e in entries for start, _ in e.dated if start and start > day})
    for start in starts:
        _, later = read_dataset(path, start)
        dated = {e.name for e in entries if any(s == start for s, _ in e.dated)}
        later = [e for e in later if e.name in dated]
        comparison = compare_entries(str(path), dataset, later, catalog, start)
        by_model: dict[str, list[Difference]] = {}
        for difference in comparison.differences:
            by_model.setdefault(difference.name, []).append(difference)
        for name, differences in by_model.items():
            entry = next(e for e in later if e.name == name)
            model = _ours(catalog, entry, start)
            assert model is not None
            found += [
                change
                for change in _changed(entry, model, differences, start, dated=start)
                if change.kind == "new price period"  # limits and the rest: seen at the day
            ]
    return found


# --- new models -------------------------------------------------------------------------


def _new_model(entry: _Entry, dataset: str, day: dt.date) -> Change:
    model_id = entry.name.rsplit("/", 1)[-1]  # LiteLLM's gemini/NAME
    review = ["tokenizer: name the tokenizer (docs/catalog.md, 'Tokenizer references')"]
    # LiteLLM gives the input and output limits, not the window they share
    window = entry.limits.get("context_window")
    proposal: dict[str, Any] = {"id": model_id, "name": model_id, "context_window": window}
    if entry.limits.get("max_input_tokens"):
        proposal["max_input_tokens"] = entry.limits["max_input_tokens"]
    proposal["max_output_tokens"] = entry.limits.get("max_output_tokens")
    proposal["tokenizer"] = None
    if window is None:
        review.append("context_window: the dataset gives none; take it from the model page")
    if proposal["max_output_tokens"] is None:
        review.append("max_output_tokens: the dataset gives none; take it from the model page")
    if entry.by_time:
        review.append(
            "time-of-day prices: "
            + "; ".join(
                f"{_clock(a)}-{_clock(b)} UTC {_rates(p)}" for (a, b), p in entry.by_time.items()
            )
            + " (write the peak rate as `prices`, the other as an `off-peak` service tier)"
        )
        proposal["prices"] = next(iter(entry.by_time.values()))
    else:
        proposal["prices"] = entry.prices
    if entry.cliffs:
        cliffs = sorted(entry.cliffs.items())
        proposal["tiers"] = [{"above_input_tokens": a, **_ordered(p)} for a, p in cliffs]
    levels = {t: p for t, p in entry.tiers.items() if t in SERVICE_TIERS}
    if levels:
        proposal["service_tiers"] = levels
    review += _batch_review(entry)
    if OFF_PEAK in entry.tiers:
        review.append(f"off-peak rates {_rates(entry.tiers[OFF_PEAK])}: an `off-peak` tier")
    periods = _periods(entry, day)
    if periods:
        proposal["price_periods"] = periods
        if entry.cliffs:
            review.append("price_periods: give each period its own `tiers` (the dataset's)")
    if entry.retired:
        proposal["retired"] = entry.retired
    proposal["source"] = None
    proposal["as_of"] = day
    proposal["notes"] = f"Only {dataset} checked so far ({entry.where})."
    review.append("source: the provider's page that confirms these figures")
    return Change(
        entry.provider, "new model", model_id, (entry.name,), entry.where, proposal, tuple(review)
    )


def _periods(entry: _Entry, day: dt.date) -> list[dict]:
    """genai-prices' dated prices other than the one in force at ``day``, as price periods."""
    dated = list(entry.dated)
    periods = []
    for number, (start, prices) in enumerate(dated):
        end = dated[number + 1][0] if number + 1 < len(dated) else None
        if (start is None or start <= day) and (end is None or day < end):
            continue  # in force on the day compared: the entry's `prices`
        period: dict[str, Any] = {}
        if start is not None:
            period["from"] = start
        if end is not None:
            period["until"] = end
        period["prices"] = prices
        period["source"] = None
        periods.append(period)
    return periods


def _batch_review(entry: _Entry) -> list[str]:
    """A batch rate the provider's 50% discount would not give, in words."""
    batch = entry.tiers.get("batch")
    if not batch:
        return []
    halves = all(value == entry.prices.get(name, Decimal(0)) / 2 for name, value in batch.items())
    if halves:
        return []  # the provider files' batch_discount 0.5 gives it
    return [
        f"batch rates {_rates(batch)} are not half the standard ones: set batch_discount or "
        "batch_full_price"
    ]


# --- models we have -----------------------------------------------------------------------


def _changed(
    entry: _Entry,
    model: Model,
    differences: list[Difference],
    day: dt.date,
    dated: dt.date | None = None,
) -> list[Change]:
    """What differs for a model we have, compared on ``day``; ``dated``: the day the dataset
    says its price starts (genai-prices' start_date), else the period starts ``day``."""
    dated = dated or _start_in_force(entry, day)
    prices: dict[str, Decimal] = {}
    levels: dict[str, dict[str, Decimal]] = {}
    cliffs: dict[int, dict[str, Decimal]] = {}
    limits: dict[str, Any] = {}
    in_period: list[Difference] = []
    review: list[str] = []
    for d in differences:
        prefix, _, rate = d.field.partition(".")
        if d.field in LIMITS:
            limits[d.field] = d.theirs
            continue
        if " (" in d.field or not (  # a time-of-day window, off-peak hours; batch
            not rate or prefix.startswith("above_") or prefix in SERVICE_TIERS
        ):
            review.append(f"{d.field}: ours {_show(d.ours)}, theirs {_show(d.theirs)}")
            continue
        in_period.append(d)
        if not rate:
            prices[d.field] = d.theirs
        elif prefix in SERVICE_TIERS:
            levels.setdefault(prefix, {})[rate] = d.theirs
        else:
            cliffs.setdefault(int(prefix.removeprefix("above_")), {})[rate] = d.theirs
    found = []
    if in_period and model.retired is not None and model.retired <= day:
        # no new price for a model that is gone: its last price is disputed, not changed
        review += [f"{d.field}: ours {_show(d.ours)}, theirs {_show(d.theirs)}" for d in in_period]
        review.append(f"retired {model.retired}: if theirs is right, correct the last period")
    elif in_period:
        was = "; ".join(f"{d.field} {_show(d.ours)} -> {_show(d.theirs)}" for d in in_period)
        if dated:
            notes = [f"from: {dated}, the day the dataset gives for this price"]
        else:
            notes = [f"from: the dataset does not date the change; {day} is the day compared"]
        notes.append(f"changed: {was}")
        if any(level.when_utc for level in model.service_tiers.values()):
            notes.append("copy the off-peak tier (with its when_utc) into this period")
        period = _period(model, prices, levels, cliffs, dated or day)
        proposal = {"id": model.id, "price_periods": [period]}
        found.append(
            Change(
                entry.provider,
                "new price period",
                model.id,
                (entry.name,),
                entry.where,
                proposal,
                tuple(notes),
            )
        )
    if limits:
        was = "; ".join(f"{name} {getattr(model, name)}" for name in limits)
        proposal = {"id": model.id, **limits}
        found.append(
            Change(
                entry.provider,
                "limits",
                model.id,
                (entry.name,),
                entry.where,
                proposal,
                (f"ours: {was}",),
            )
        )
    if review:
        found.append(
            Change(
                entry.provider, "review", model.id, (entry.name,), entry.where, {}, tuple(review)
            )
        )
    return found


def _period(
    model: Model,
    prices: dict[str, Decimal],
    levels: dict[str, dict[str, Decimal]],
    cliffs: dict[int, dict[str, Decimal]],
    day: dt.date,
) -> dict:
    """A period from ``day`` holding our prices, tiers and service tiers with theirs put in
    (a period is whole: what it leaves out is not offered in it)."""
    period: dict[str, Any] = {"from": day, "prices": {**_given(model.prices), **prices}}
    tiers = {t.above_input_tokens: _given(t.prices) for t in model.tiers}
    for above, theirs in cliffs.items():
        tiers[above if above in tiers or above - 1 not in tiers else above - 1] = {
            **tiers.get(above, tiers.get(above - 1, {})),
            **theirs,
        }
    if tiers:
        period["tiers"] = [{"above_input_tokens": a, **p} for a, p in sorted(tiers.items())]
    service = {
        name: _given(level.prices)
        for name, level in model.service_tiers.items()
        if not level.when_utc
    }
    for name, theirs in levels.items():
        service[name] = {**service.get(name, {}), **theirs}
    if service:
        period["service_tiers"] = service
    period["source"] = None
    return period


def _start_in_force(entry: _Entry, day: dt.date) -> dt.date | None:
    """The start_date genai-prices gives the price it bills on ``day`` (None: undated)."""
    started = [start for start, _ in entry.dated if start is None or start <= day]
    return started[-1] if started else None


def _retirement(entry: _Entry, model_id: str, what: str) -> Change:
    proposal = {"id": model_id, "retired": entry.retired} if entry.retired else {}
    review = () if entry.retired else (f"{what}: find the provider's shutdown date",)
    return Change(
        entry.provider, "retirement", model_id, (entry.name,), entry.where, proposal, review
    )


# --- helpers ------------------------------------------------------------------------------


def _merged(changes: Iterable[Change]) -> list[Change]:
    """One change per model and proposal: several dataset names for it are listed together."""
    merged: dict[tuple, Change] = {}
    for change in changes:
        key = (change.provider, change.kind, change.model, repr(change.proposal), change.review)
        if change.kind == "new model":
            key = (change.provider, change.kind, change.names)
        if key in merged:
            first = merged[key]
            merged[key] = Change(
                first.provider,
                first.kind,
                first.model,
                (*first.names, *change.names),
                first.source,
                first.proposal,
                first.review,
            )
        else:
            merged[key] = change
    order = {kind: number for number, kind in enumerate(KINDS)}
    return sorted(merged.values(), key=lambda c: (c.provider, order[c.kind], c.model))


def _given(prices: Any) -> dict[str, Decimal]:
    """Our rates that are set, in the catalog's field names."""
    names = (*GENAI_PRICES.values(), "input_audio", "input_image", "input_video")
    names = (*names, "output_audio", "output_image")
    return {name: getattr(prices, name) for name in names if getattr(prices, name) is not None}


def _ordered(prices: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Rates in the catalog's order: input, output, cache_read, cache_write_5m."""
    return {name: prices[name] for name in GENAI_PRICES.values() if name in prices}


def _rates(prices: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{name} {_show(value)}" for name, value in prices.items())


def _show(value: Any) -> str:
    return "-" if value is None else str(_plain(value) if isinstance(value, Decimal) else value)
