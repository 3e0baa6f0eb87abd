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
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pricing.catalog import Catalog, Model
from pricing.dates import parse_day
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
}
LITELLM_PRICES = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write_5m",
}
MILLION = Decimal(1_000_000)


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
    text = read_text(Path(path), "price dataset JSON")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if isinstance(document, list):
        return _compare(
            str(path), "genai-prices", _genai_entries(document, str(path), day), catalog, day
        )
    if isinstance(document, dict):
        return _compare(str(path), "litellm", _litellm_entries(document, str(path)), catalog, day)
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


def _compare(
    path: str, dataset: str, entries: Iterator[_Entry], catalog: Catalog, day: dt.date
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
        for name, theirs in entry.prices.items():
            ours = getattr(model.prices, name)
            if ours is None or ours.normalize() != theirs.normalize():
                differences.append(Difference(entry.name, model.id, name, ours, _plain(theirs)))
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


def _ours(catalog: Catalog, entry: _Entry, day: dt.date) -> Model | None:
    try:
        model = catalog.resolve(entry.name, at=day)
    except InputError:
        return None
    if model.retired is not None and day >= model.retired:
        # Datasets list a retired model's own last price, not what its name is billed as
        # after a redirect (xAI's retired names are billed as grok-4.3).
        model = model.at(model.retired - dt.timedelta(days=1))
    return model if model.provider == entry.provider else None


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
            prices = _genai_prices_at(model.get("prices"), day, where)
            limits = {}
            if isinstance(model.get("context_window"), int):
                limits["context_window"] = model["context_window"]
            yield _Entry(
                ours, str(model["id"]), prices, limits, deprecated=bool(model.get("deprecated"))
            )


def _genai_prices_at(raw: Any, day: dt.date, where: str) -> dict[str, Decimal]:
    """The dataset's prices in force on ``day`` (date constraints; time-of-day ones skipped:
    the unconstrained price is the standard-hours one)."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return _genai_price_map(raw, where)
    if not isinstance(raw, list):
        raise InputError(f"{where}: prices: expected a mapping or a list, got {raw!r}")
    chosen, chosen_start = None, dt.date.min
    for item in raw:
        if not isinstance(item, Mapping):
            raise InputError(f"{where}: prices: expected a list of {{constraint, prices}}")
        constraint = item.get("constraint") or {}
        if constraint and "start_date" not in constraint:
            continue  # time of day: not a period
        start = dt.date.min
        if "start_date" in constraint:
            try:
                start = parse_day(constraint["start_date"])
            except ValueError:
                raise InputError(f"{where}: start_date: {constraint['start_date']!r}") from None
        if start <= day and (chosen is None or start >= chosen_start):
            chosen, chosen_start = item.get("prices"), start
    return _genai_price_map(chosen or {}, where)


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
        retired = None
        if spec.get("deprecation_date"):
            try:
                retired = parse_day(spec["deprecation_date"])
            except ValueError:
                raise InputError(
                    f"{where}: deprecation_date: expected YYYY-MM-DD, "
                    f"got {spec['deprecation_date']!r}"
                ) from None
        yield _Entry(ours, name, prices, limits, retired=retired)


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
