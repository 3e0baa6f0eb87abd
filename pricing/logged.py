"""A logged call, priced: which model, variant, service tier, price period and day bill it.

The one place that decides it, for every path that prices calls from a log: ``budget usage``
(one process, ``--jobs``, ``--engine dask``), ``budget cost --usage`` and the library. A call
the log records is priced so:

* model: the name as the log writes it, resolved as people write names
  (:meth:`pricing.catalog.Catalog.resolve`: ids, aliases, ``provider/model``, hosts); a dated
  snapshot the catalog does not list is unpriced, never priced as its alias; a record without
  a name takes the ``--model`` fallback, else it is unpriced;
* day: the call's own time, else the pricing day (:func:`pricing.dates.pricing_day`: ``--at``,
  ``TOKEN_BUDGET_AT``, today); the prices in force that day (:meth:`Model.at`): a model retired
  without routing at its last live day, a routed retirement at the rates of the model that
  serves the name (:meth:`Model.priced_as`);
* variant: the model's own, unless the call is too long for it (:meth:`Model.fits`) and exactly
  one variant could have served it (Claude Sonnet 4.5 above 200K input: the 1M-context beta);
* service tier: the one the record reports, else the one its time of day falls in (DeepSeek's
  off-peak hours), else standard;
* and what the catalog cannot price (no rate for the tier, a modality, the batch API or a
  built-in tool) is refused with its reason, never priced at another rate.

The work is done on a chunk's columns at once (numpy); one call is a chunk of one row, through
the same code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from pricing.arrays import CostTotals, TokenArrays, price_arrays, refusals
from pricing.catalog import Catalog, Model
from pricing.dates import EPOCH, pricing_day
from pricing.engine import CostBreakdown, Usage, cost
from pricing.errors import InputError, UnpricedError
from pricing.rules import tools_usd

# Calls without a time are priced at the pricing day; a price change or retirement this many
# days before it means the day chosen may change the bill: said out loud.
RECENT_CHANGE_DAYS = 90

_UNKNOWN = -1  # a minute of the week not known (no time, or a date without one)
# A dated snapshot: -20250929, -2024-05-13 (Bedrock's -v1:0 after it)
_DATED = re.compile(r"[-@](\d{8}|\d{4}-\d{2}-\d{2})(?:-v\d+(?::\d+)?)?$")


@dataclass(frozen=True)
class Refusal:
    """A logged call the catalog cannot price, with why."""

    row: int
    model: str | None  # as the log names it, or the catalog id once resolved
    error: InputError  # an UnpricedError where the catalog lacks a rate

    @property
    def reason(self) -> str:
        """The short, call-independent reason (for grouping)."""
        return getattr(self.error, "reason", "unknown model")

    @property
    def detail(self) -> str:
        return str(self.error)


@dataclass(frozen=True)
class Group:
    """Rows of a chunk billed alike: one model at one price period, variant and tier."""

    model: Model  # as priced: its price period, host and serving variant
    service_tier: str | None
    rows: np.ndarray  # the chunk's rows
    last_day: dt.date  # the latest day a call of the group was made (or priced at)
    # the model these calls were too long for, when the variant was chosen from the token
    # counts (Claude Sonnet 4.5 above 200K input: its 1M-context variant); else None
    too_long_for: Model | None
    undated: int  # rows without a time of their own

    @property
    def priced_as(self) -> str:
        """The model whose rates bill these calls (a routed retirement's successor)."""
        return self.model.priced_as(self.last_day)

    @property
    def retirement_pricing(self) -> str | None:
        """How a retirement changes these calls' price, in a sentence (None: it does not)."""
        return self.model.retirement_pricing(self.last_day)


@dataclass(frozen=True)
class Resolved:
    """A chunk of logged calls, each to its group or refused."""

    groups: list[Group]
    refused: list[Refusal]
    days: list[dt.date]  # the day each row was made, or priced at when the log does not say
    undated: np.ndarray  # bool per row: the log gives no time


@dataclass(frozen=True)
class PricedRows:
    """A group's rows that could be priced: dollars per call (float64: input, cache read,
    cache write, output, total, built-in tool fees) and their exact sums."""

    rows: np.ndarray
    usd: np.ndarray
    totals: CostTotals


class LoggedCalls:
    """Resolves logged calls to what bills them; a name or day is worked out once and kept.

    ``model``: the model of records that name none. ``at``: the day for calls without a time
    (:func:`pricing.dates.pricing_day`). ``variant`` / ``service_tier``: as the user asked
    (`budget cost --usage --variant ...`), instead of the ones the log implies."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        model: str | None = None,
        at: dt.date | str | None = None,
        variant: str | None = None,
        service_tier: str | None = None,
    ):
        self.catalog, self.fallback = catalog, model
        self.day = pricing_day(at)
        self.variant, self.service_tier = variant, service_tier
        self._names: dict[str | None, Model | InputError] = {}
        self._suggested = 0  # unknown names given did-you-mean suggestions so far
        self._dated: dict[tuple[str | None, int], Model | InputError] = {}
        self._periods: dict[tuple[str | None, int], Model] = {}
        self._variants: dict[tuple[int, str], Any] = {}
        self._default = (self.day - EPOCH).days

    # ------------------------------------------------------------------ one call
    def call(
        self,
        model: str | None,
        usage: Usage,
        stamp: int | dt.date | None = None,
        tier: str | None = None,
        batch: bool = False,
    ) -> tuple[Model, str | None]:
        """The model (at its price period, on its host, with its serving variant) and the
        service tier one logged call is priced at: :meth:`resolve` on one row. Raises
        :class:`InputError` (an :class:`UnpricedError` where the catalog lacks a rate) for
        a call it cannot price."""
        found = self.resolve(
            [model],
            [tier],
            None if stamp is None else [stamp],
            np.array([usage.input_tokens], dtype=np.int64),
            np.array([usage.output_tokens], dtype=np.int64),
            np.array([batch]),
        )
        if found.refused:
            raise found.refused[0].error
        group = found.groups[0]
        return group.model, group.service_tier

    def price_call(
        self,
        model: str | None,
        usage: Usage,
        *,
        stamp: int | dt.date | None = None,
        tier: str | None = None,
        batch: bool = False,
        tool_calls: Any = None,
    ) -> tuple[Model, CostBreakdown]:
        """One logged call priced in exact Decimals (:func:`pricing.engine.cost`), on what
        :meth:`call` resolves it to; raises as :meth:`call` does, or for a rate the catalog
        lacks (the reasons :meth:`price` gives a chunk's rows)."""
        priced, service_tier = self.call(model, usage, stamp, tier, batch)
        breakdown = cost(
            priced, usage, batch=batch, service_tier=service_tier, tool_calls=tool_calls
        )
        return priced, breakdown

    # ------------------------------------------------------------------ a chunk
    def resolve(
        self,
        models: Sequence[str | None],
        tiers: Sequence[str | None],
        stamps: Sequence[int | dt.date | None] | None,
        input_tokens: np.ndarray,
        output_tokens: np.ndarray,
        batch: np.ndarray | None = None,
    ) -> Resolved:
        """Each row to its group (model, price period, variant, tier) or refused. ``stamps``:
        when each call was made (:func:`pricing.dates.call_stamp`), None for a log without
        times; ``tiers``: as the records report them; ``batch``: which calls went through a
        batch API (no service tier applies to those)."""
        n = len(models)
        day, minute, undated = self._times(stamps, n)
        listed = list(dict.fromkeys(models))
        names = {name: code for code, name in enumerate(listed)}
        name_code = np.fromiter(map(names.__getitem__, models), np.int64, n)

        # the model of each (name, day), worked out once: at the prices in force that day
        first_day, span = (int(day.min()), int(day.max() - day.min()) + 1) if n else (0, 1)
        pairs, which = _distinct(name_code * span + day - first_day)
        priced_models: list[Model] = []  # distinct models at their price periods
        numbers: dict[int, int] = {}  # id(model) -> its index in priced_models
        pair_model = np.full(len(pairs), -1, dtype=np.int64)
        errors: dict[int, InputError] = {}
        for index, value in enumerate(pairs.tolist()):
            code, offset = divmod(value, span)
            found = self._model_at(listed[code], first_day + offset)
            if isinstance(found, InputError):
                errors[index] = found
                continue
            number = numbers.setdefault(id(found), len(priced_models))
            if number == len(priced_models):
                priced_models.append(found)
            pair_model[index] = number
        row_model = pair_model[which]
        refused = [
            Refusal(row, models[row], errors[which[row]])
            for row in np.flatnonzero(row_model < 0).tolist()
        ]

        # the tier: as reported (or as the user asked), else the clock's
        tier_names: dict[str | None, int] = {None: 0}
        if self.service_tier is not None:
            tier_code = np.full(n, 1, dtype=np.int64)
            tier_names[self.service_tier] = 1
        else:
            for tier in dict.fromkeys(tiers):
                tier_names.setdefault(tier, len(tier_names))
            tier_code = np.fromiter(map(tier_names.__getitem__, tiers), np.int64, n)
        # the variant: the model's own (0), or 1 + the index of the one that served a call
        # too long for it
        variant_code = np.zeros(n, dtype=np.int64)
        priced = np.flatnonzero(row_model >= 0)
        for number, rows in _split(row_model[priced], len(priced_models), priced):
            model = priced_models[number]
            if self.service_tier is None and _clocked(model):
                clock = rows if batch is None else rows[~batch[rows].astype(bool)]
                self._clock_tiers(model, clock, minute, tier_code, tier_names)
            variant_code[rows] = self._serving_variants(model, rows, input_tokens, output_tokens)

        groups: list[Group] = []
        tier_list = list(tier_names)
        variant_count = 1 + max((len(m.variants) for m in priced_models), default=0)
        key = (row_model[priced] * len(tier_list) + tier_code[priced]) * variant_count
        keys, inverse = _distinct(key + variant_code[priced])
        for index, rows in _split(inverse, len(keys), priced):
            rest, variant = divmod(int(keys[index]), variant_count)
            number, tier = divmod(rest, len(tier_list))
            model = too_long_for = priced_models[number]
            if variant:
                model = self._with_variant(model, model.variants[variant - 1])
            last = EPOCH + dt.timedelta(days=int(day[rows].max()))
            dateless = int(undated[rows].sum())
            too_long_for = too_long_for if variant else None
            groups.append(Group(model, tier_list[tier], rows, last, too_long_for, dateless))
        return Resolved(groups, refused, _days(day), undated)

    def _times(self, stamps, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: the day (days since 1970), the minute of the UTC week (-1: not known),
        and whether the log gave no time (then the pricing day)."""
        day = np.full(n, self._default, dtype=np.int64)
        minute = np.full(n, _UNKNOWN, dtype=np.int64)
        undated = np.ones(n, dtype=bool)
        if stamps is None:
            return day, minute, undated
        try:  # the common case: every call's time to the minute
            minutes = np.fromiter(stamps, dtype=np.int64, count=n)
        except TypeError:  # some without a time, or with a date only
            values = np.array(stamps, dtype=object)
            missing = values == None  # noqa: E711 (element by element)
            values[missing] = _MARK
            try:
                minutes = values.astype(np.int64)
            except TypeError:  # dates without a time of day: one by one
                minutes = np.array([s if s.__class__ is int else _MARK for s in stamps])
                for row in np.flatnonzero((minutes == _MARK) & ~missing).tolist():
                    day[row] = (stamps[row] - EPOCH).days
                    undated[row] = False
            timed = minutes != _MARK
            day[timed], minute[timed] = _split_minutes(minutes[timed])
            undated[timed] = False
            return day, minute, undated
        day, minute = _split_minutes(minutes)
        return day, minute, np.zeros(n, dtype=bool)

    def _model_at(self, name: str | None, day_number: int) -> Model | InputError:
        key = (name, day_number)
        if key not in self._dated:
            found = self._model(name)
            if not isinstance(found, InputError):
                found = found.at(EPOCH + dt.timedelta(days=day_number))
                # one object per price period: the days of a period price as one group
                found = self._periods.setdefault((name, id(found.period)), found)
                if self.variant is not None:
                    found = self._with_variant(found, self.variant)
            _remember(self._dated, key, found)
            return found
        return self._dated[key]

    def _model(self, name: str | None) -> Model | InputError:
        if name not in self._names:
            wanted = name or self.fallback
            if wanted is None:
                found: Model | InputError = UnpricedError(
                    "no model in the record; pass --model", "no model in the record"
                )
            else:
                try:
                    suggest = self._suggested < MAX_SUGGESTED_NAMES
                    found = resolve_logged(self.catalog, wanted, self.day, suggest=suggest)
                except UnpricedError as exc:
                    found = exc
                except InputError as exc:
                    self._suggested += 1
                    found = UnpricedError(str(exc), "unknown model")
            _remember(self._names, name, found)
            return found
        return self._names[name]

    def _with_variant(self, model: Model, name: str) -> Any:
        key = (id(model), name)
        if key not in self._variants:
            try:
                self._variants[key] = model.with_variant(name)
            except InputError as exc:  # a --variant the model lacks
                self._variants[key] = UnpricedError(str(exc), f"no {name!r} variant")
        return self._variants[key]

    def _serving_variants(self, model, rows, input_tokens, output_tokens) -> np.ndarray:
        """Per row, 0 (the model's own variant) or 1 + the index of the one variant that
        could serve a call too long for the model (none fits, or several: its own)."""
        chosen = np.zeros(len(rows), dtype=np.int64)
        names = () if self.variant is not None else model.variants  # asked for: that one
        if not names or not len(rows):
            return chosen
        inputs, outputs = input_tokens[rows], output_tokens[rows]
        long = ~model.fits(inputs, outputs)
        if not long.any():
            return chosen
        fitting = np.zeros(len(rows), dtype=np.int64)
        for number, name in enumerate(names, start=1):
            fits = long & self._with_variant(model, name).fits(inputs, outputs)
            fitting += fits
            chosen[fits] = number
        chosen[fitting != 1] = 0
        return chosen

    def _clock_tiers(self, model, rows, minute, tier_code, tier_names) -> None:
        """The tier the clock bills (DeepSeek off-peak) for rows that report none."""
        open_rows = rows[(tier_code[rows] == 0) & (minute[rows] != _UNKNOWN)]
        if not len(open_rows):
            return
        minutes, inverse = np.unique(minute[open_rows], return_inverse=True)
        names = [model.service_tier_at(m) for m in minutes.tolist()]
        codes = [0 if t is None else tier_names.setdefault(t, len(tier_names)) for t in names]
        tier_code[open_rows] = np.array(codes, dtype=np.int64)[inverse]

    # ------------------------------------------------------------------ pricing a group
    def price(
        self,
        group: Group,
        tokens: TokenArrays,
        tool_calls: Sequence[dict[str, int]] | None = None,
    ) -> tuple[PricedRows, list[Refusal]]:
        """The rows of ``group`` priced (``tokens``: theirs, in the group's row order;
        ``tool_calls``: their built-in tool uses, None when none used any), and the rows the
        catalog cannot price: no rate for the tier, a modality, the batch API or a tool."""
        model, tier = group.model, group.service_tier
        keep = np.ones(len(group.rows), dtype=bool)
        refused: list[Refusal] = []
        fees = None
        if tool_calls is not None:
            fees = np.zeros(len(group.rows), dtype=object)
            for position, used in enumerate(tool_calls):
                if not used:
                    fees[position] = Decimal(0)
                    continue
                try:
                    fees[position] = tools_usd(model, used)
                except InputError as exc:
                    error = UnpricedError(str(exc), "no fee for a built-in tool")
                    refused.append(Refusal(int(group.rows[position]), model.id, error))
                    keep[position] = False
        code, reasons = refusals(model, _select(tokens, keep), tier)
        if reasons:
            kept = np.flatnonzero(keep)
            for position, number in zip(kept.tolist(), code.tolist(), strict=True):
                if number:
                    reason = reasons[number - 1]
                    error = UnpricedError(f"model {model.id!r}: {reason}", reason)
                    refused.append(Refusal(int(group.rows[position]), model.id, error))
                    keep[position] = False
        rows = group.rows[keep]
        if not len(rows):
            return PricedRows(rows, np.zeros((0, 6)), CostTotals()), refused
        priced = price_arrays(model, _select(tokens, keep), service_tier=tier)
        totals = priced.totals
        tool_usd = np.zeros(len(rows))
        if fees is not None:
            row_fees = fees[keep]
            uses = sum(sum(used.values()) for used, k in zip(tool_calls, keep, strict=True) if k)
            fee_total = sum(row_fees.tolist(), Decimal(0))
            totals = dataclasses.replace(
                totals, tool_calls=uses, tool_usd=fee_total, total_usd=totals.total_usd + fee_total
            )
            tool_usd = row_fees.astype(float)
        usd = np.column_stack(
            [
                priced.input_usd,
                priced.cache_read_usd,
                priced.cache_write_usd,
                priced.output_usd,
                priced.total_usd + tool_usd,
                tool_usd,
            ]
        )
        return PricedRows(rows, usd, totals), refused


def resolve_logged(
    catalog: Catalog, name: str, day: dt.date | None = None, *, suggest: bool = True
) -> Model:
    """The catalog model of a model name as a log writes it; a dated snapshot the catalog
    does not list is unpriced, never priced as its alias (``gpt-4o-2024-05-13`` was $5 / $15,
    ``gpt-4o`` is $2.50 / $10: dropping the date would misprice it)."""
    model = catalog.resolve(name, at=day, suggest=suggest)
    match = _DATED.search(name.strip().lower())
    if match:
        # the snapshot is known when one of the model's names carries its date (Vertex's
        # claude-sonnet-4-5@20250929 is the listed claude-sonnet-4-5-20250929)
        date = match.group(1).replace("-", "")
        known = (model.id, *model.aliases)
        if not any(date in known_name.replace("-", "") for known_name in known):
            raise UnpricedError(
                f"model {name!r}: dated snapshot not in the catalog (it may not cost what "
                f"{model.id} costs); add it to a --catalog file",
                f"dated snapshot not in the catalog (not priced as {model.id})",
            )
    return model


def recent_changes(model: Model, day: dt.date, days: int = RECENT_CHANGE_DAYS) -> list[str]:
    """What changed the price of ``model`` in the ``days`` before ``day`` (a new price
    period, a retirement), in words: calls priced at ``day`` for want of a time may have
    been made before the change."""
    since = day - dt.timedelta(days=days)
    found = []
    if model.retired is not None and since < model.retired <= day:
        how = (
            f"routed to {model.routed_to} at its rates"
            if model.routed_to
            else "without routing: priced at its last live day"
        )
        found.append(f"{model.id} was retired on {model.retired} ({how})")
    for period in model.price_periods:
        if period.start is not None and since < period.start <= day:
            if model.retired is not None and period.start == model.retired:
                continue  # said with the retirement
            found.append(f"{model.id}'s prices changed on {period.start}")
    return found


def _clocked(model: Model) -> bool:
    return any(level.when_utc for level in model.service_tiers.values())


_MARK = np.iinfo(np.int64).min  # no time to the minute (no time, or a date only)


def _split_minutes(minutes):
    """UTC minutes since 1970 -> (day since 1970, minute of the week; Monday 00:00 is 0)."""
    day = minutes // 1440
    return day, ((day + 3) % 7) * 1440 + minutes % 1440


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values (ascending) and each value's index among them: ``np.unique``,
    by counting where the values are few small integers (the common case: no sort)."""
    if len(values) and values.min() >= 0 and values.max() < 4 * len(values) + 1024:
        present = np.flatnonzero(np.bincount(values))
        index = np.zeros(int(values.max()) + 1, dtype=np.int64)
        index[present] = np.arange(len(present))
        return present, index[values]
    return np.unique(values, return_inverse=True)


def _split(codes: np.ndarray, count: int, rows: np.ndarray):
    """(code, the ``rows`` with that code) for each code in ``range(count)`` present."""
    if count == 1:
        if len(rows):
            yield 0, rows
        return
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(np.bincount(codes, minlength=count))
    start = 0
    for code, end in enumerate(ends.tolist()):
        if end > start:
            yield code, rows[order[start:end]]
        start = end


def _days(day: np.ndarray) -> list[dt.date]:
    """Days since 1970 as dates (one date object per distinct day)."""
    if len(day) and bool((day == day[0]).all()):
        return [EPOCH + dt.timedelta(days=int(day[0]))] * len(day)
    distinct, which = np.unique(day, return_inverse=True)
    dates = np.array([EPOCH + dt.timedelta(days=d) for d in distinct.tolist()], dtype=object)
    return dates[which].tolist()


def _select(tokens: TokenArrays, keep: np.ndarray) -> TokenArrays:
    """The calls of ``tokens`` where ``keep`` holds."""
    if keep.all():
        return tokens
    picked = {
        f.name: (None if (value := getattr(tokens, f.name)) is None else value[keep])
        for f in dataclasses.fields(tokens)
    }
    return TokenArrays(**picked)


# Names worked out, remembered per LoggedCalls: a log of a million distinct unknown names
# would otherwise keep a million errors; the oldest are forgotten (worked out again if met).
MAX_REMEMBERED = 4_096
# Unknown names that get did-you-mean suggestions (a typo is among the first few; a log of a
# million made-up names would otherwise spend minutes suggesting)
MAX_SUGGESTED_NAMES = 100


def _remember(cache: dict, key: Any, value: Any) -> None:
    if len(cache) >= MAX_REMEMBERED:
        del cache[next(iter(cache))]
    cache[key] = value
