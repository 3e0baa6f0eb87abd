"""The model catalog: limits and prices per model, read from one YAML file per provider.

The bundled files live in ``pricing/data``; docs/catalog.md describes them.
User files (``--catalog FILE`` or ``TOKEN_BUDGET_CATALOG``) are merged over the bundled ones.
Every file is validated as it loads; a bad entry fails with file, line, model and field.
The checked result is kept compiled (:mod:`pricing.catalog_cache`) and served from there for
as long as the files are byte for byte the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from pricing.dates import parse_day, pricing_day
from pricing.errors import InputError, UnknownModelError, UnpricedError, clip
from pricing.model import Model, PricePeriod, Prices, ServiceTier, Summary, Tier, Variant
from pricing.names import NameIndex, fine_tuned_base

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from pricing.hosts import Host

__all__ = [
    "Catalog",
    "Model",
    "PricePeriod",
    "Prices",
    "ServiceTier",
    "Tier",
    "Variant",
    "load_catalog",
]

DATA_DIR = Path(__file__).with_name("data")
ENV_VAR = "TOKEN_BUDGET_CATALOG"
# Past this many days after the catalog's date, prices may have changed: commands say so.
STALE_AFTER_DAYS = 90


class Catalog:
    """All models, with name resolution as people write model names.

    ``models`` may also be a sequence that builds each model when first asked for, with
    ``summaries`` (one per model, in order): the compiled catalog is served that way, so a
    query builds the one model it names, not all of them.
    """

    def __init__(
        self,
        models: Iterable[Model],
        hosts: Iterable[Host] = (),
        summaries: Sequence[Summary] | None = None,
    ):
        if summaries is None:
            models = tuple(models)
            summaries = tuple(Summary.of(model) for model in models)
        self._models: Sequence[Model] = models  # type: ignore[assignment]
        self.summaries: Sequence[Summary] = summaries
        self.hosts: tuple[Host, ...] = tuple(hosts)

    @functools.cached_property
    def models(self) -> tuple[Model, ...]:
        return tuple(self._models)

    # Built at the first name resolved (a catalog merged over, or listed whole, never needs
    # them), to positions in ``_models``.
    @functools.cached_property
    def _index(self) -> NameIndex:
        return NameIndex(
            ((s.id, s.aliases, number) for number, s in enumerate(self.summaries)),
            listed_snapshots_only=[s.id for s in self.summaries if s.listed_snapshots_only],
            providers={number: s.provider for number, s in enumerate(self.summaries)},
        )

    @functools.cached_property
    def _tuned_bases(self) -> dict[str, int]:
        # Base names a fine-tune may give that the model does not answer to by itself
        # (ft:gpt-3.5-turbo-0613:... bills at gpt-3.5-turbo's fine-tune rates).
        found: dict[str, int] = {}
        for number, summary in enumerate(self.summaries):
            for base in summary.fine_tune_bases:
                found.setdefault(base, number)
        return found

    def resolve(
        self,
        name: str,
        variant: str | None = None,
        at: dt.date | None = None,
        *,
        suggest: bool = True,
    ) -> Model:
        """The model a name means, with the prices in force on ``at`` (``None``: today), on the
        host the name is written for (``bedrock/...``, ``vertex_ai/...``, ``azure/...``) and
        with the variant applied. A fine-tune's name (``ft:gpt-4o-mini-2024-07-18:org::id``)
        means its base model at the fine-tune rates, or raises :class:`UnpricedError`.
        ``suggest=False``: an unknown name's error carries no did-you-mean (a log of a million
        unknown names would spend minutes on suggestions nobody reads)."""
        day = pricing_day(at)
        found = self._index.find(name)
        if found is None:
            tuned = self._fine_tune(name, day)
            if tuned is None:
                raise UnknownModelError(name, self._index.suggest(name) if suggest else [])
            return tuned.with_variant(variant)
        model = self._models[found].at(day)
        host, endpoint = self._host_of(model, name)
        if host is not None:
            model = host.serve(model, endpoint)
        return model.with_variant(variant)

    def _host_of(self, model: Model, name: str) -> tuple[Host | None, str]:
        for host in self.hosts:
            if host.provider == model.provider:
                endpoint = host.endpoint_of(name)
                if endpoint is not None:
                    return host, endpoint
        return None, ""

    def _fine_tune(self, name: str, day: dt.date) -> Model | None:
        """The fine-tune a name means (None: the name is not a fine-tune's)."""
        base, host = fine_tuned_base(name), None
        if base is None:  # a host's own naming: Azure's BASE.ft-JOBID
            host = next((h for h in self.hosts if h.fine_tuned_base(name)), None)
            if host is None:
                return None
        else:
            found = self._tuned_bases.get(base)
            if found is None:
                try:
                    found = self._index.resolve(base)
                except UnknownModelError as exc:
                    raise UnknownModelError(
                        name,
                        exc.suggestions,
                        reason=f"a fine-tune of {base!r}, a model not in the catalog",
                    ) from None
            model = self._models[found]
            host, _ = self._host_of(model, name)
        if host is not None:
            # No host's fine-tune rates are in the catalog: the provider's would misprice.
            reason = f"fine-tuned inference on {host.name} has no published rate in the catalog"
            raise UnpricedError(
                f"{reason} ({host.name} bills the fine-tunes it hosts at rates of its own, "
                f"{host.source}); pass --catalog FILE with a model whose alias is {name!r}",
                reason,
            )
        return model.fine_tune().at(day)

    @functools.cached_property
    def as_of(self) -> dt.date:
        """The date the newest figures were checked: the catalog's date."""
        return max(parse_day(s.as_of) for s in self.summaries)

    def staleness(self, day: dt.date) -> str | None:
        """A warning when the catalog is more than STALE_AFTER_DAYS older than ``day``."""
        age = (day - self.as_of).days
        if age <= STALE_AFTER_DAYS:
            return None
        return (
            f"warning: the price catalog is dated {self.as_of}, {age} days before {day}; "
            "prices may have changed since (update token-budget or pass --catalog FILE)"
        )

    def search(self, query: str | None = None, provider: str | None = None) -> list[Model]:
        needle = (query or "").lower()
        return [
            self._models[number]
            for number, s in enumerate(self.summaries)
            if (provider is None or s.provider == provider.lower())
            and (
                not needle
                or needle in s.id.lower()
                or needle in s.name.lower()
                or (s.kind != "chat" and needle in s.kind)  # `budget models embed`
                or any(needle in alias.lower() for alias in s.aliases)
            )
        ]

    @property
    def providers(self) -> list[str]:
        return sorted({s.provider for s in self.summaries})


def load_catalog(extra_files: Iterable[str] | None = None) -> Catalog:
    """The bundled catalog with user files merged over it (default: ``$TOKEN_BUDGET_CATALOG``)."""
    if extra_files is None:
        extra_files = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    files = tuple(str(p) for p in extra_files)
    # Modification times and sizes are part of the cache key: an edited override file is read
    # again (a notebook that changes its prices must not get the old ones).
    return _load(files, tuple(_mtime(name) for name in files))


def _mtime(name: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(name)
        return stat.st_mtime_ns, stat.st_size
    except OSError:
        return None  # reported as not found by _merge_user_file


@functools.lru_cache(maxsize=8)
def _load(extra_files: tuple[str, ...], mtimes: tuple[tuple[int, int] | None, ...]) -> Catalog:
    """The catalog compiled from these very files when the cache holds it, else read from the
    YAML (and compiled for the next time): see :mod:`pricing.catalog_cache`."""
    from pricing import catalog_cache

    files = [*bundled_files(), *(Path(name) for name in extra_files)]
    key, folder = catalog_cache.catalog_key(files), catalog_cache.cache_dir()
    compiled = catalog_cache.load(key, folder) if key else None
    if compiled is not None:
        return Catalog(*compiled)
    catalog = _from_yaml(extra_files)
    if key:
        catalog_cache.save(key, folder, catalog)
    return catalog


def bundled_files() -> list[Path]:
    """The bundled catalog files in name order (a directory listing: Path.glob compiles a
    pattern first, a cost every price query would pay)."""
    return sorted(DATA_DIR / name for name in os.listdir(DATA_DIR) if name.endswith(".yaml"))


def _from_yaml(extra_files: tuple[str, ...]) -> Catalog:
    """The bundled catalog files, checked, with the user's merged over them."""
    from pricing.schema import build_model  # the YAML path: only when the cache cannot serve

    entries: dict[str, dict] = {}  # canonical id -> raw model with file defaults filled in
    where: dict[str, str] = {}  # canonical id -> "file:line" for error messages
    hosts: list[Host] = []
    for path in bundled_files():
        for raw, place, _ in _raw_models(path, hosts):
            if raw["id"] in entries:
                raise InputError(
                    f"{place}: model {raw['id']!r}: id already defined at {where[raw['id']]}"
                )
            entries[raw["id"]], where[raw["id"]] = raw, place
    for name in extra_files:
        _merge_user_file(Path(name), entries, where, hosts)
    return Catalog((build_model(raw, where[key]) for key, raw in entries.items()), hosts)


def _raw_models(path: Path, hosts: list[Host]) -> list[tuple[dict, str, frozenset[str]]]:
    """(model with file defaults filled in, "file:line", the fields filled from defaults the
    file never wrote); the file's hosts are added to ``hosts``."""
    from pricing.formats import catalog_format  # the YAML path only, as the two below
    from pricing.hosts import read_hosts  # the YAML path only: a compiled catalog needs neither
    from pricing.yamlfile import read_yaml

    document = read_yaml(path)
    if not isinstance(document, dict):
        raise InputError(f"{path}: expected a mapping with provider, source, as_of and models")
    unknown = set(document) - set(catalog_format().keys(""))  # pricing/data/catalog.schema.json
    if unknown:
        raise InputError(f"{path}: unknown top-level field {sorted(unknown)[0]!r}")
    for key in ("provider", "source", "as_of"):
        if not document.get(key):
            raise InputError(f"{path}: field {key!r}: required (every number needs its provenance)")
    models = document.get("models")
    if not isinstance(models, list):
        raise InputError(f"{path}: field 'models': expected a list of models")
    hosts += read_hosts(document.get("hosts"), str(document["provider"]).lower(), str(path))
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
        unwritten = frozenset(k for k in defaults if k not in raw and k not in document)
        for key, value in defaults.items():
            raw.setdefault(key, value)
        out.append((raw, place, unwritten))
    return out


def _merge_user_file(
    path: Path, entries: dict[str, dict], where: dict[str, str], hosts: list[Host]
) -> None:
    """Merge a user's catalog file: known ids are updated field by field, new ids added."""
    from pricing.schema import build_model  # the YAML path only, as in _from_yaml

    if not path.exists():  # a FIFO or <(...) is read like a file
        raise InputError(f"{path}: catalog file not found")
    known = Catalog(build_model(raw, where[key]) for key, raw in entries.items())
    seen: dict[str, str] = {}  # id -> where this file first gave it
    for raw, place, unwritten in _raw_models(path, hosts):
        if raw["id"] in seen:
            raise InputError(
                f"{place}: model {clip(raw['id'])}: given twice in this file (first at "
                f"{seen[raw['id']]}); merge the two entries"
            )
        seen[raw["id"]] = place
        try:
            existing = known.resolve(raw["id"]).id
        except InputError:
            existing = None
        if existing is None:
            entries[raw["id"]], where[raw["id"]] = raw, place
            continue
        # A default the file never wrote (output_param, batch_discount, ...) must not reset
        # the bundled model's value: only what the user wrote overrides.
        update = {k: v for k, v in raw.items() if k != "id" and k not in unwritten}
        bundled = entries[existing]
        merged = _deep_merge(bundled, update)
        if "prices" in update and "price_periods" not in update:
            # A price of one's own (a contract) holds on every date: the list price history
            # and scheduled changes are the provider's, not the user's.
            merged.pop("price_periods", None)
        tuned = update.get("fine_tuned")
        if (
            isinstance(tuned, dict)
            and "prices" in tuned
            and isinstance(bundled.get("fine_tuned"), dict)
        ):
            # The same for fine-tune rates of one's own: the bundled block's history and
            # provenance described the bundled rates.
            dropped = {"price_periods", "source", "as_of", "notes"} - set(tuned)
            merged["fine_tuned"] = {
                k: v for k, v in merged["fine_tuned"].items() if k not in dropped
            }
        # The file's source and date label the whole model from now on: say which numbers
        # are the user's and which are still the bundled catalog's.
        if "notes" not in update:
            changed = _changed(update, bundled, skip={"source", "as_of", "notes"})
            written = ", ".join(sorted(changed)) or "no number"
            merged["notes"] = (
                f"{path} sets {written} (as of {merged['as_of']}); everything else is the "
                f"bundled catalog's ({bundled['source']}, as of {bundled['as_of']})."
                + (f" {bundled['notes']}" if bundled.get("notes") else "")
            )
        entries[existing], where[existing] = merged, place


def _changed(update: dict, base: dict, skip: set[str], prefix: str = "") -> list[str]:
    """Dotted keys (`prices.input`) whose value ``update`` changes from ``base``."""
    found = []
    for key, value in update.items():
        if key in skip:
            continue
        old = base.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            found += _changed(value, old, set(), f"{prefix}{key}.")
        elif value != old:
            found.append(f"{prefix}{key}")
    return found


def _deep_merge(base: dict, update: dict) -> dict:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
