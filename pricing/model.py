"""What the catalog holds for a model: limits, prices, tiers, variants, provenance."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Mapping
from decimal import Decimal

from pricing.errors import InputError, UnpricedError
from pricing.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

# A model retiring within this many days of the day planned for gets a warning.
RETIRES_SOON_DAYS = 90


class Prices(Record):
    """USD per million tokens. ``None``: not offered (billed at the input rate)."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_write_5m: Decimal | None = None
    cache_write_1h: Decimal | None = None
    # Non-text modalities where the provider prices them apart (Gemini 2.5 Flash audio
    # input). ``None``: no published rate (see ``Model.text_rate_modalities``).
    input_audio: Decimal | None = None
    input_image: Decimal | None = None
    input_video: Decimal | None = None
    output_audio: Decimal | None = None
    output_image: Decimal | None = None  # generated images (Gemini image models)
    # Cached audio and image input where priced apart from cached text (OpenAI's realtime
    # and image models, Gemini's audio context cache). ``None``: at ``cache_read``.
    cache_read_audio: Decimal | None = None
    cache_read_image: Decimal | None = None


class Tier(Record):
    """A cliff tier: a request with more input tokens than the threshold is priced whole here."""

    above_input_tokens: int
    prices: Prices


class ServiceTier(Record):
    """A provider service level (OpenAI flex, priority) with its own prices."""

    name: str
    prices: Prices
    tiers: tuple[Tier, ...] = ()
    # When the provider bills every call at this tier by the clock (DeepSeek's off-peak
    # hours): [start, end) minutes of the UTC week, Monday 00:00 = 0.
    when_utc: tuple[tuple[int, int], ...] = ()

    def applies_at(self, week_minute):
        """Whether calls at this minute of the UTC week are billed at this tier: for one
        minute (an int) or many (a numpy array of them) alike."""
        found = False
        for start, end in self.when_utc:
            found = found | ((start <= week_minute) & (week_minute < end))
        return found


class PricePeriod(Record):
    """The prices in force from ``start`` (inclusive) until ``end`` (exclusive); ``None``: open.

    A model's ``prices``/``tiers``/``service_tiers`` are the period in force on its ``as_of``
    date; ``price_periods`` in the YAML hold the others (earlier prices, scheduled changes).
    """

    start: dt.date | None
    end: dt.date | None
    prices: Prices
    tiers: tuple[Tier, ...]
    service_tiers: Mapping[str, ServiceTier]
    source: str
    notes: str | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)

    @property
    def label(self) -> str:
        """``2025-06-10..`` (from), ``..2025-06-10`` (before), ``A..B``, or ``all dates``."""
        if self.start is None and self.end is None:
            return "all dates"
        return f"{self.start or ''}..{self.end or ''}"


class FineTuning(Record):
    """What the provider bills to run a fine-tune of a model (``ft:gpt-4o-mini-...:org::id``):
    rates of its own, on the base model's limits. Training is billed apart and not modelled."""

    period: PricePeriod  # the one in force on ``as_of``
    price_periods: tuple[PricePeriod, ...]
    batch_discount: Decimal | None
    # Other names a fine-tune may give as its base (snapshots the catalog does not list as
    # the model, e.g. gpt-3.5-turbo-0613 and -1106 fine-tunes bill at gpt-3.5-turbo's rates).
    bases: tuple[str, ...]
    source: str
    as_of: str
    notes: str | None = None


class Variant(Record):
    """An opt-in mode that changes limits or prices (Anthropic's 1M-context beta, say)."""

    name: str
    description: str
    request_headers: Mapping[str, str]
    overrides: Mapping[str, Any]


class Model(Record, hidden=("price_periods", "period", "variant_specs", "fine_tuning")):
    """A model as the catalog holds it (its limits, prices, lifecycle and provenance), or as
    resolved for a day, a host, a variant or a fine-tune (:meth:`at`, :meth:`with_variant`,
    :meth:`fine_tune`)."""

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
    deprecated: dt.date | None = None  # the provider announced its end (legacy from this day)
    retired: dt.date | None = None  # the provider stopped serving it (kept here for old logs)
    replacement: str | None = None  # the model the provider points users to
    # From ``retired`` on, the provider serves this name with this model (Google routes
    # retired Gemini models, xAI redirects old slugs); ``None``: a retired name's calls fail.
    routed_to: str | None = None
    # Dated names resolve here only as listed in aliases (other snapshots had other prices).
    listed_snapshots_only: bool = False
    host: str | None = None  # bedrock, vertex_ai, azure: a cloud host serving the model
    endpoint: str | None = None  # global | regional, on a host
    # Every price period, in date order, the one in force on ``as_of`` included.
    price_periods: tuple[PricePeriod, ...] = ()
    period: PricePeriod | None = None  # the one ``prices`` hold
    service_tiers: Mapping[str, ServiceTier] = {}
    variant: str | None = None
    # The day this model was resolved for (``at``): priced results say it. ``None``: as held.
    priced_on: dt.date | None = None
    variant_specs: tuple[Variant, ...] = ()
    request_headers: Mapping[str, str] = {}
    # Prices the batch discount leaves alone (Google's Batch table: cached input "Same as
    # Standard"): names from ``input, cache_read, cache_write_5m, cache_write_1h, output``.
    batch_full_price: frozenset[str] = frozenset()
    # "chat" (text out, priced per output token) or "embedding" (vectors out: no output
    # tokens, no output ceiling, no max_tokens to plan).
    kind: str = "chat"
    # On a base model: the rates of its fine-tunes (None: no published rate). On a fine-tune
    # (``fine_tuned_from`` set): None.
    fine_tuning: FineTuning | None = None
    fine_tuned_from: str | None = None  # the base model's id, on a fine-tune

    @property
    def fine_tuned(self) -> bool:
        return self.fine_tuned_from is not None

    @property
    def is_embedding(self) -> bool:
        return self.kind == "embedding"

    # Modalities (audio, image, video) the provider bills at the text rate where no rate of
    # their own is given (Google: "Input price (text / image / video)"); any other
    # modality without a rate is unpriced.
    text_rate_modalities: frozenset[str] = frozenset()

    def at(self, day: dt.date | None) -> Model:
        """This model with the prices in force on ``day`` (``None``: as held, i.e. ``as_of``);
        after a retirement without routing, the prices of its last live day (see
        :meth:`price_day`)."""
        if day is None:
            return self
        model = self._at_period(self.price_day(day))
        return model if model.priced_on == day else model.replace(priced_on=day)

    def _at_period(self, day: dt.date) -> Model:
        if self.period is not None and self.period.covers(day):
            return self
        for period in self.price_periods:
            if period.covers(day):
                return self.with_period(period)
        return self  # unreachable for a checked model: its periods cover every day

    def with_period(self, period: PricePeriod) -> Model:
        """This model at one of its price periods (a variant's own prices still apply)."""
        if period is self.period:
            return self
        moved = self.replace(
            prices=period.prices,
            tiers=period.tiers,
            service_tiers=period.service_tiers,
            period=period,
        )
        for spec in self.variant_specs:
            if spec.name == self.variant:
                moved = _apply(moved, spec)
        return moved

    def price_day(self, day: dt.date) -> dt.date:
        """The day whose prices a call on ``day`` is billed at: ``day``, except after a
        retirement without routing. Then the provider refused the name, so a call on record
        was made by its last live day at the latest (a log dated later has a wrong clock)."""
        if self.retired is not None and day >= self.retired and self.routed_to is None:
            return self.retired - dt.timedelta(days=1)
        return day

    def priced_as(self, day: dt.date | None = None) -> str:
        """The model whose rates bill a call to this name on ``day`` (default: the day it was
        resolved for): the model a retired name is routed to, else this model."""
        day = day or self.priced_on
        if self.routed_to is not None and day is not None and day >= self.retired:
            return self.routed_to
        return self.id

    @property
    def period_label(self) -> str | None:
        """The price period these prices belong to (``2025-06-10..``), if known."""
        return self.period.label if self.period else None

    def retirement_pricing(self, day: dt.date) -> str | None:
        """How a retirement changes the price of a call on ``day``, said where the price is
        shown (``None`` while the model is served)."""
        if self.retired is None or day < self.retired:
            return None
        if self.routed_to is not None:
            return (
                f"{self.id} was retired on {self.retired}; the provider routes its calls to "
                f"{self.routed_to}, priced at {self.routed_to}'s rates"
            )
        return (
            f"{self.id} was retired on {self.retired} without routing (its calls fail since); "
            f"priced at its last live day, {self.price_day(day)}"
        )

    def overruns(self, input_tokens, output_tokens) -> dict[str, Any]:
        """How many tokens a call is over each of the model's limits (0 or less: within it), by
        limit: the one rule of "too long for this model", for one call (ints) or many (numpy
        arrays) alike. ``output_tokens`` is the reply, or the max_tokens reserved for it."""
        return {
            "max_input_tokens": input_tokens - self.max_input_tokens,
            "max_output_tokens": output_tokens - self.max_output_tokens,
            "context_window": input_tokens + output_tokens - self.context_window,
        }

    def fits(self, input_tokens, output_tokens):
        """Whether a call is within every limit (a bool, or a bool array for arrays)."""
        over = self.overruns(input_tokens, output_tokens)
        return (
            (over["max_input_tokens"] <= 0)
            & (over["max_output_tokens"] <= 0)
            & (over["context_window"] <= 0)
        )

    def periods_between(self, first: dt.date, end: dt.date) -> list[tuple[PricePeriod, int]]:
        """The periods in force from ``first`` until ``end`` (exclusive), with their days."""
        found = []
        for period in self.price_periods:
            low = max(first, period.start or first)
            high = min(end, period.end or end)
            if low < high:
                found.append((period, (high - low).days))
        return found

    def service_tier_at(self, week_minute: int | None) -> str | None:
        """The service tier the provider bills a call at by its time of day (DeepSeek's
        off-peak hours), or None (standard rates, or the time is not known)."""
        if week_minute is None:
            return None
        for name, level in self.service_tiers.items():
            if level.applies_at(week_minute):
                return name
        return None

    def lifecycle_on(self, day: dt.date) -> str | None:
        """``retired``, ``deprecated`` or ``None`` (served and not deprecated) on ``day``."""
        if self.retired is not None and day >= self.retired:
            return "retired"
        if self.deprecated is not None and day >= self.deprecated:
            return "deprecated"
        return None

    def lifecycle_note(self, day: dt.date, soon_days: int = RETIRES_SOON_DAYS) -> str | None:
        """For planning a deployment on ``day``: why this model is a poor choice (retired,
        retiring within ``soon_days``, deprecated), naming the replacement; ``None`` if fine."""
        instead = f"; the provider's replacement is {self.replacement}" if self.replacement else ""
        state = self.lifecycle_on(day)
        if state == "retired":
            return f"{self.id} was retired on {self.retired}{instead}"
        if self.retired is not None and (self.retired - day).days <= soon_days:
            return f"{self.id} retires on {self.retired}{instead}"
        if state == "deprecated":
            return f"{self.id} is deprecated since {self.deprecated}{instead}"
        return None

    def fine_tune(self) -> Model:
        """A fine-tune of this model: the base model's limits, billed at its fine-tune rates
        (never at the base rates: a fine-tune without a published rate is unpriced)."""
        spec = self.fine_tuning
        if spec is None:
            reason = f"fine-tuned inference on {self.id} has no published rate in the catalog"
            raise UnpricedError(
                f"{reason}; pass --catalog FILE with a `fine_tuned:` block (prices, source, "
                f'as_of) for {self.id} (see "Fine-tunes" in docs/catalog.md)',
                reason,
            )
        about = (
            f"A fine-tune of {self.id}: its limits ({self.source}), billed at the fine-tune "
            "rates (training is billed apart)."
        )
        return self.replace(
            id=f"ft:{self.id}",
            name=f"{self.name}, fine-tuned",
            # `ft:` + a dated name of the base: a logged snapshot date stays recognised
            aliases=tuple(f"ft:{name}" for name in (*self.aliases, *spec.bases)),
            prices=spec.period.prices,
            tiers=spec.period.tiers,
            service_tiers=spec.period.service_tiers,
            period=spec.period,
            price_periods=spec.price_periods,
            batch_discount=spec.batch_discount,
            source=spec.source,
            as_of=spec.as_of,
            notes=f"{about} {spec.notes}" if spec.notes else about,
            listed_snapshots_only=False,
            variant=None,
            variant_specs=(),
            request_headers={},
            fine_tuning=None,
            fine_tuned_from=self.id,
        )

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.variant_specs)

    def with_variant(self, name: str | None) -> Model:
        """This model with a variant's limits and prices applied (``None``: the base model)."""
        if name is None or name == self.variant:
            return self
        for spec in self.variant_specs:
            if spec.name == name:
                return _apply(
                    self.replace(variant=name, request_headers=dict(spec.request_headers)), spec
                )
        offered = ", ".join(self.variants) or "none"
        raise InputError(f"model {self.id!r} has no variant {name!r} (variants: {offered})")


def _apply(model: Model, spec: Variant) -> Model:
    """A variant's overrides; ``price_factor`` scales every price of the period in force (a
    host's regional endpoint: 1.1)."""
    overrides = dict(spec.overrides)
    factor = overrides.pop("price_factor", None)
    model = model.replace(**overrides)
    if factor is None:
        return model

    def scale(prices: Prices) -> Prices:
        values = prices.as_dict()
        return Prices(**{k: (None if v is None else v * factor) for k, v in values.items()})

    def scale_tiers(tiers: tuple[Tier, ...]) -> tuple[Tier, ...]:
        return tuple(Tier(t.above_input_tokens, scale(t.prices)) for t in tiers)

    return model.replace(
        prices=scale(model.prices),
        tiers=scale_tiers(model.tiers),
        service_tiers={
            name: ServiceTier(name, scale(level.prices), scale_tiers(level.tiers), level.when_utc)
            for name, level in model.service_tiers.items()
        },
    )


_SUMMARY_FIELDS = "id name provider kind aliases listed_snapshots_only fine_tune_bases as_of"


class Summary(namedtuple("Summary", _SUMMARY_FIELDS)):  # not typing.NamedTuple: start-up
    """What finding and listing a model takes, without the model itself: ``id``, ``name``,
    ``provider``, ``kind``, ``aliases``, ``listed_snapshots_only``, ``fine_tune_bases`` (the
    names a fine-tune may give as its base) and ``as_of``."""

    __slots__ = ()

    @classmethod
    def of(cls, model: Model) -> Summary:
        tuned = model.fine_tuning
        return cls(
            model.id,
            model.name,
            model.provider,
            model.kind,
            model.aliases,
            model.listed_snapshots_only,
            tuned.bases if tuned else (),
            model.as_of,
        )
