"""Scenario YAML: what a feature's traffic looks like, read and checked with line numbers.

A scenario names one or more models, the traffic (calls per day or per month, growth, peak
factor), how many input and output tokens a call takes (fixed, a p50/p95 distribution,
prompt files, observed samples or a usage log), the cache and batch shares, the max_tokens
policy, the rate limits and the horizon. docs/scenarios.md documents the format.

Every problem is reported as ``FILE:LINE:COL: key.path: what was expected``. The YAML is
composed into nodes first so each value keeps its position; ``--vary`` overrides from
``budget whatif`` replace values before checking (``Document.set``) and errors about them
name ``--vary KEY=VALUE``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pricing.dates import parse_day
from pricing.errors import InputError, clip
from pricing.formats import Format, load_format
from pricing.textfile import read_text
from pricing.yamlfile import Document, KeyPath, did_you_mean, read_document

DAYS_PER_MONTH = 365 / 12  # average month, so calls_per_month and calls_per_day agree
DEFAULT_HORIZON_MONTHS = 12
DEFAULT_SIMULATED_CALLS = 100_000
# Bounds that keep every figure finite and exact (Decimal money, int64 token arrays):
MAX_NUMBER = 10**15  # any number in a scenario
MAX_CALLS_PER_DAY = 10**10  # in any month of the horizon: above any service's traffic

DEFAULT_GAP_SECONDS = 60  # between a reply and the next turn: a person reading and typing
# The keys, allowed values and bounds of a scenario: its JSON Schema, the one place they are
# written (scenario.schema.json beside this file; docs/scenarios.md's tables and `budget init`
# come from it too). The checker below keeps the wording of its errors and the rules that
# span keys. Read on first use: `_KEY_TABLES` name -> the schema's mapping whose keys it lists.
SCHEMA = Path(__file__).with_name("scenario.schema.json")
_KEY_TABLES = {
    "TOP_KEYS": "",
    "TRAFFIC_KEYS": "properties/traffic",
    "CONVERSATION_KEYS": "$defs/conversation",
    "HISTORY_FORMS": "$defs/history_forms",
    "TOOL_KEYS": "$defs/tool_use",
    "EMBEDDING_KEYS": "$defs/embeddings",
    "CACHE_KEYS": "$defs/cache",
    "LIMIT_KEYS": "$defs/limit_values",
    "MODEL_KEYS": "$defs/model_choice",
    "RANGE_KEYS": "$defs/range",
    "INPUT_FORMS": "$defs/input_forms",
    "OUTPUT_FORMS": "$defs/output_forms",
    "DISTRIBUTION_FORMS": "$defs/distribution_forms",
    "SYSTEM_PROMPT_FORMS": "$defs/system_prompt_file",
}


def schema() -> Format:
    """The scenario's JSON Schema, read once."""
    return load_format(SCHEMA)


def __getattr__(name: str) -> tuple[str, ...]:
    # the key lists as module constants (whatif, capacity and table import them)
    if name in _KEY_TABLES:
        return schema().keys(_KEY_TABLES[name])
    if name == "MAX_SIMULATED_CALLS":  # drawn in chunks: memory is flat, time is the bound
        return schema().bounds("properties/simulated_calls")["maximum"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _keys(name: str) -> tuple[str, ...]:
    return schema().keys(_KEY_TABLES[name])


def _bounds(path: str) -> dict[str, Any]:
    """A number's bounds in the schema: the keyword arguments of ``_Checker.number``."""
    return schema().bounds(path)


# Ranges whose high end makes the bill smaller (more cache reads); every other range costs
# more at its high end (more calls, more growth, longer prompts and replies, more writes).
CHEAPER_WHEN_HIGH = frozenset({"cache.read_share"})


@dataclass(frozen=True)
class Fixed:
    """Every call takes the same number of tokens."""

    tokens: int


@dataclass(frozen=True)
class LogNormal:
    """Token counts log-normally distributed with this median and 95th percentile."""

    p50: float
    p95: float


@dataclass(frozen=True)
class PromptFiles:
    """Each file is one prompt; calls draw among them, counted with the model's tokenizer."""

    paths: tuple[Path, ...]


@dataclass(frozen=True)
class Observed:
    """Observed output lengths, resampled: a samples file or a provider usage log."""

    path: Path
    kind: str  # "samples" | "usage_log"


TokenSpec = Fixed | LogNormal | PromptFiles | Observed


@dataclass(frozen=True)
class ModelChoice:
    name: str
    variant: str | None = None
    rate_limits: RateLimits | None = None  # this model's own limits (models: [{rate_limits}])


@dataclass(frozen=True)
class Traffic:
    calls_per_day: float  # per conversation when ``unit`` is "conversation"
    monthly_growth: float = 0.0  # 0.05 = +5% a month, compounding
    peak_factor: float = 1.0  # busiest minute / average minute
    unit: str = "call"  # call | conversation (conversations_per_day: each is several calls)


@dataclass(frozen=True)
class History:
    """What each turn re-sends of the earlier turns."""

    policy: str  # full | last | summarised
    last_turns: int | None = None  # last N turns (user message and reply each)
    summarise_at: int | None = None  # history tokens that trigger a summary call
    summary_tokens: int | None = None  # the summary's length, which replaces the history


@dataclass(frozen=True)
class Conversation:
    """A conversation or an agent loop: every turn is a call that re-sends the system prompt,
    the history (per ``history``) and the new message; replies are ``output_tokens``."""

    turns: TokenSpec  # calls per conversation (Fixed or LogNormal)
    # a number, or the system prompt's file, counted with each model's tokenizer
    system_tokens: int | PromptFiles
    user_tokens: TokenSpec  # new tokens each turn (an agent: the tool results)
    history: History = History("full")
    cache: str = "auto"  # auto: the provider's prompt-cache rules; none: no caching
    gap_seconds: float = DEFAULT_GAP_SECONDS  # between turns, against the cache lifetime


@dataclass(frozen=True)
class ToolUse:
    """A built-in tool (web_search, file_search) used by a share of the calls."""

    tool: str
    share: float  # share of calls that use it
    per_call: int = 1  # uses per such call


@dataclass(frozen=True)
class Embeddings:
    """A RAG service's embedding lines: the corpus (once, and at each re-index) and the
    query of every call."""

    model: str
    corpus_tokens: int = 0
    # `corpus_size: 2 GB`: corpus_tokens estimated at bytes_per_token (None: given in tokens)
    corpus_estimate: str | None = None
    reindex_every_months: int = 0  # 0: never re-indexed
    reindex_share: float = 1.0  # share of the corpus embedded again at each re-index
    corpus_batch: bool = False  # the corpus goes through the batch API
    query_tokens: TokenSpec | None = None  # embedded with every call


@dataclass(frozen=True)
class RateLimits:
    rpm: int | None = None
    tpm: int | None = None  # OpenAI: input + max_tokens reserved per request; Gemini: input
    input_tpm: int | None = None  # Anthropic style ITPM
    output_tpm: int | None = None  # Anthropic style OTPM
    # Where these limits were written: "scenario" (the flat keys), "provider openai" (a
    # provider block) or "models.1" (a model's own): the most specific block wins whole.
    scope: str = "scenario"

    def any(self) -> bool:
        return any(v is not None for v in (self.rpm, self.tpm, self.input_tpm, self.output_tpm))

    def described(self) -> str:
        """Where the limits come from, for a reader: "scenario limits", "openai limits",
        "its own limits (models.1)"."""
        if self.scope.startswith("provider "):
            return f"{self.scope.removeprefix('provider ')} limits"
        if self.scope.startswith("models."):
            return f"its own limits ({self.scope})"
        return "scenario limits"

    def given(self) -> dict[str, int]:
        """The limits set, by name, in the order of LIMIT_KEYS."""
        return {k: getattr(self, k) for k in _keys("LIMIT_KEYS") if getattr(self, k) is not None}


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    models: tuple[ModelChoice, ...]
    traffic: Traffic
    input_tokens: TokenSpec
    output_tokens: TokenSpec
    cache_read_share: float = 0.0
    cache_write_share: float = 0.0
    cache_write_ttl: str = "5m"
    # cache: {prefix_tokens, ttl}: shares worked out per model from structure (workload/cache)
    cache_prefix_tokens: int | None = None
    cache_ttl: str = "5m"
    batch_share: float = 0.0
    max_tokens: int | str | None = None  # a number, "plan", or None (the model's maximum)
    on_truncation: str = "continue"  # what a cut reply costs: continue | retry (planner/truncation)
    rate_limits: RateLimits = RateLimits()  # the flat keys: every model's default
    # rate_limits: {openai: {...}, anthropic: {...}}: limits for the models of one provider
    provider_limits: Mapping[str, RateLimits] = field(default_factory=dict)
    horizon_months: int = DEFAULT_HORIZON_MONTHS
    seed: int = 0
    simulated_calls: int = DEFAULT_SIMULATED_CALLS
    description: str | None = None
    conversation: Conversation | None = None
    tools: tuple[ToolUse, ...] = ()
    embeddings: Embeddings | None = None
    # First day of month 1 (prices in force then); None: the day the projection is run for.
    start: dt.date | None = None
    # key path ("traffic.calls_per_day") -> where its value was written, for later errors
    where: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    # What the scenario is unsure of: key path -> (low, expected, high) as written
    # (`calls_per_day: {low: 30000, expected: 40000, high: 55000}`); the fields above hold
    # the expected values. :func:`at_end` gives the scenario at one end of every range.
    # Not compared: a what-if cell that sets a range's expected value is the baseline.
    ranges: Mapping[str, tuple[float, float, float]] = field(default_factory=dict, compare=False)
    document: Document | None = field(default=None, repr=False, compare=False)

    def limits_for(self, number: int, provider: str) -> RateLimits:
        """The limits model ``number`` (its place in ``models``) is judged against: its own
        block, else its provider's block, else the scenario's flat keys; the first found wins
        whole, so Claude is never judged against an OpenAI ``tpm``."""
        own = self.models[number].rate_limits
        if own is not None:
            return own
        return self.provider_limits.get(provider, self.rate_limits)

    def input_files(self) -> tuple[Path, ...]:
        """The files this scenario reads besides itself (prompt files, samples, a usage log)."""
        files: list[Path] = []
        system = self.conversation.system_tokens if self.conversation else None
        for spec in (self.input_tokens, self.output_tokens, system):
            if isinstance(spec, PromptFiles):
                files += spec.paths
            elif isinstance(spec, Observed):
                files.append(spec.path)
        return tuple(files)

    def locate(self, key: str) -> str:
        """``FILE:LINE:COL`` (or ``--vary ...``) of a key, for errors found after loading."""
        return self.where.get(key) or str(self.path)

    def error(self, key: str, message: str) -> InputError:
        return InputError(f"{self.locate(key)}: {key}: {message}")


def at_end(scenario: Scenario, end: str, keys: Iterable[str] | None = None) -> Scenario:
    """The scenario with every range (or only those of ``keys``, the others at their expected
    values) at its ``cheap`` or ``costly`` end together (for ``cache.read_share`` the cheap
    end is the high one). Without ranges: the scenario."""
    if not scenario.ranges or scenario.document is None:
        return scenario
    if end not in ("cheap", "costly"):
        raise ValueError(f"end: expected cheap or costly, got {end!r}")

    def edit(doc: Document) -> None:
        for key, (low, _, high) in scenario.ranges.items():
            if keys is not None and key not in keys:
                continue
            high_is_cheap = key in CHEAPER_WHEN_HIGH
            value = high if (end == "cheap") == high_is_cheap else low
            parts = tuple(key.split("."))
            target = doc.data
            for part in parts[:-1]:
                target = target[part]
            target[parts[-1]] = value  # positions stay: the range was checked where written

    return check_scenario(scenario.document, scenario.path, edit=edit)


def _nothing(value: object) -> bool:
    """A setting that asks for nothing (`batch_share: 0`, `--vary batch_share=0`): harmless
    where the setting does not apply."""
    return value == 0 and not isinstance(value, bool) or value == {} or value is None


def as_scenario(scenario: Scenario | str | os.PathLike[str]) -> Scenario:
    """A checked scenario: one given passes through, a file's path is read and checked."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, os.PathLike)):
        return load_scenario(scenario)
    raise TypeError(f"expected a Scenario or a scenario file's path, got {type(scenario).__name__}")


def load_scenario(
    path: str | Path,
    *,
    name: str | None = None,
    edit: Callable[[Document], None] | None = None,
) -> Scenario:
    """Read and check a scenario file. ``name`` labels errors (default: the path as given);
    ``edit`` may change the document before it is checked (``budget whatif``)."""
    path = Path(path)
    return check_scenario(scenario_document(path, name), path, edit=edit)


def scenario_document(path: str | Path, name: str | None = None) -> Document:
    """A scenario file read once into values with their positions (``name`` labels errors;
    default: the path as given)."""
    path = Path(path)
    return read_document(read_text(path, "scenario YAML"), name or str(path), "scenario")


def check_scenario(
    doc: Document, path: str | Path, *, edit: Callable[[Document], None] | None = None
) -> Scenario:
    """The checked scenario of a document read by :func:`scenario_document`; ``edit`` changes
    a copy of it first, so one document serves a whole what-if grid."""
    path = Path(path)
    if not isinstance(doc.data, dict):
        raise InputError(f"{doc.where(())}: a scenario is a mapping of keys")
    if edit is not None:
        doc = doc.copy()
        edit(doc)
    return _Checker(doc, path.parent, path).scenario()


# --- checking: plain values -> Scenario -------------------------------------------------------


class _Checker:
    def __init__(self, doc: Document, base_dir: Path, path: Path):
        self.doc, self.base_dir, self.path = doc, base_dir, path
        self.ranges: dict[str, tuple[float, float, float]] = {}

    def fail(self, path: KeyPath, message: str) -> InputError:
        return InputError(f"{self.doc.where(path)}: {'.'.join(path)}: {message}")

    def keys(self, value: Any, path: KeyPath, allowed: Iterable[str]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {value!r}")
        allowed = tuple(allowed)
        for key in value:
            if key not in allowed:
                where = self.doc.key_at.get(path + (key,)) or self.doc.where(path + (key,))
                hint = did_you_mean(key, allowed) or f" (expected one of: {', '.join(allowed)})"
                raise InputError(f"{where}: {'.'.join(path + (key,))}: unknown key{hint}")
        return value

    def number(
        self,
        value: Any,
        path: KeyPath,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        above: float | None = None,
        whole: bool = False,
    ) -> float | int:
        kind = "a whole number" if whole else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(path, f"expected {kind}, got {clip(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(path, f"expected a finite number, got {clip(value)}")
        if abs(value) > MAX_NUMBER:
            raise self.fail(path, f"expected {kind} of at most {MAX_NUMBER:.0e}, got {clip(value)}")
        if whole and not (isinstance(value, int) or float(value).is_integer()):
            raise self.fail(path, f"expected {kind}, got {clip(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(path, f"must be >= {minimum:g}, got {value:g}")
        if above is not None and value <= above:
            raise self.fail(path, f"must be > {above:g}, got {value:g}")
        if maximum is not None and value > maximum:
            raise self.fail(path, f"must be <= {maximum:g}, got {value:g}")
        return int(value) if whole else value

    def ranged(self, value: Any, path: KeyPath, check: Callable[[Any, KeyPath], Any]) -> Any:
        """A value that may be a range ``{low, expected, high}``: each end checked like the
        value itself, low <= expected <= high; the range kept, the expected value returned."""
        if not (isinstance(value, dict) and set(value) & set(_keys("RANGE_KEYS"))):
            return check(value, path)
        value = self.keys(value, path, _keys("RANGE_KEYS"))
        missing = [k for k in _keys("RANGE_KEYS") if k not in value]
        if missing:
            raise self.fail(path, f"a range needs low, expected and high; {missing[0]} missing")
        low, expected, high = (check(value[k], path + (k,)) for k in _keys("RANGE_KEYS"))
        if not low <= expected <= high:
            raise self.fail(
                path, f"a range needs low <= expected <= high, got {low:g}, {expected:g}, {high:g}"
            )
        self.ranges[".".join(path)] = (float(low), float(expected), float(high))
        return expected

    def share(self, value: Any, path: KeyPath) -> float:
        return self.ranged(value, path, self._share)

    def _share(self, value: Any, path: KeyPath) -> float:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if number and not 0 <= value <= 1:
            raise self.fail(path, f"must be a share between 0 and 1, got {value:g}")
        return float(self.number(value, path, **_bounds("$defs/share")))

    def day(self, value: Any, path: KeyPath) -> dt.date:
        try:
            return parse_day(value)
        except ValueError:
            raise self.fail(path, f"expected a date YYYY-MM-DD, got {clip(value)}") from None

    def choice(self, value: Any, path: KeyPath, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(path, f"expected one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    def either(self, value: Any, path: KeyPath) -> str:
        """One of the values the schema allows at ``path`` (``cache.write_ttl``: 5m or 1h; a
        section's keys are in the schema's ``$defs`` under the section's name)."""
        section, key = path
        allowed = schema().enum(f"$defs/{section}/properties/{key}")
        text = str(value)
        if text not in allowed:
            raise self.fail(path, f"expected {' or '.join(allowed)}, got {text!r}")
        return text

    def text(self, value: Any, path: KeyPath) -> str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or value == "":
            raise self.fail(path, f"expected a non-empty string, got {value!r}")
        return str(value)

    def scenario(self) -> Scenario:
        data = self.keys(self.doc.data, (), _keys("TOP_KEYS"))
        name = self.text(data["name"], ("name",)) if "name" in data else self.path.stem
        conversation = self.conversation(data)
        required = schema().required("") + (() if conversation else ("input_tokens",))
        for key in required:
            if key not in data:
                raise InputError(f"{self.doc.where(())}: {key}: required")
        traffic = self.traffic(data["traffic"])
        if (traffic.unit == "conversation") != (conversation is not None):
            message = (
                "conversations_per_day/month goes with a `conversation:` section"
                if conversation is None
                else "a conversation scenario counts conversations_per_day (or _per_month)"
            )
            raise self.fail(("traffic",), message)
        if conversation is not None:
            # Each turn's cache reads and writes follow the provider's rules, and turns wait
            # for each other: shares of a stream of independent calls do not apply.
            for key, why in (
                ("cache", "set conversation.cache: auto | none instead"),
                ("batch_share", "a conversation's turns wait for each other"),
            ):
                if key in data and not _nothing(data[key]):
                    raise self.fail((key,), f"does not apply to a conversation ({why})")
        cache = self.keys(data.get("cache", {}) or {}, ("cache",), _keys("CACHE_KEYS"))
        prefix = self.cache_structure(cache)
        read_share = self.share(cache.get("read_share", 0), ("cache", "read_share"))
        write_share = self.share(cache.get("write_share", 0), ("cache", "write_share"))
        if read_share + write_share > 1:
            raise self.fail(
                ("cache",),
                f"read_share + write_share must be <= 1, got {read_share + write_share:g}",
            )
        ttl = self.either(cache.get("write_ttl", "5m"), ("cache", "write_ttl"))
        description = data.get("description")
        scenario = Scenario(
            name=name,
            path=self.path,
            models=self.models(data),
            traffic=traffic,
            # A conversation's inputs are built turn by turn (conversation.py).
            input_tokens=Fixed(0)
            if conversation
            else self.tokens(data["input_tokens"], ("input_tokens",), _keys("INPUT_FORMS")),
            output_tokens=self.tokens(
                data["output_tokens"], ("output_tokens",), _keys("OUTPUT_FORMS")
            ),
            cache_read_share=read_share,
            cache_write_share=write_share,
            cache_write_ttl=ttl,
            cache_prefix_tokens=prefix,
            cache_ttl=str(cache.get("ttl", "5m")),
            batch_share=self.share(data.get("batch_share", 0), ("batch_share",)),
            max_tokens=self.max_tokens(data.get("max_tokens")),
            on_truncation=self.choice(
                data.get("on_truncation", "continue"),
                ("on_truncation",),
                schema().enum("properties/on_truncation"),
            ),
            rate_limits=self.limits(data.get("rate_limits")),
            provider_limits=self.provider_limits(data.get("rate_limits")),
            horizon_months=int(
                self.number(
                    data.get("horizon_months", DEFAULT_HORIZON_MONTHS),
                    ("horizon_months",),
                    **_bounds("properties/horizon_months"),
                )
            ),
            seed=int(self.number(data.get("seed", 0), ("seed",), **_bounds("properties/seed"))),
            simulated_calls=int(
                self.number(
                    data.get("simulated_calls", DEFAULT_SIMULATED_CALLS),
                    ("simulated_calls",),
                    **_bounds("properties/simulated_calls"),
                )
            ),
            description=str(description) if description is not None else None,
            conversation=conversation,
            tools=self.tools(data.get("tools")),
            embeddings=self.embeddings(data.get("embeddings")),
            start=self.day(data["start"], ("start",)) if data.get("start") is not None else None,
            where={".".join(p): w for p, w in self.doc.value_at.items() if p},
            ranges=dict(self.ranges),
            document=self.doc,
        )
        self.check_growth(scenario)
        return scenario

    def cache_structure(self, cache: dict) -> int | None:
        """``cache: {prefix_tokens, ttl}``, or None where the cache is given as shares."""
        if "prefix_tokens" not in cache:
            if "ttl" in cache:
                raise self.fail(("cache", "ttl"), "goes with prefix_tokens (shares take write_ttl)")
            return None
        shares = [k for k in ("read_share", "write_share", "write_ttl") if k in cache]
        if shares:
            raise self.fail(
                ("cache", shares[0]),
                "give the cache either as prefix_tokens (and ttl) or as shares, not both",
            )
        self.either(cache.get("ttl", "5m"), ("cache", "ttl"))
        path = ("cache", "prefix_tokens")
        return int(
            self.number(
                cache["prefix_tokens"], path, **_bounds("$defs/cache/properties/prefix_tokens")
            )
        )

    def models(self, data: dict) -> tuple[ModelChoice, ...]:
        if "model" in data and "models" in data:
            raise self.fail(("models",), "give either `model` or `models`, not both")
        if "model" in data:
            variant = data.get("variant")
            return (
                ModelChoice(
                    self.text(data["model"], ("model",)),
                    self.text(variant, ("variant",)) if variant is not None else None,
                ),
            )
        if "variant" in data:
            raise self.fail(("variant",), "goes with `model`; in `models` give {name, variant}")
        if "models" not in data:
            raise InputError(f"{self.doc.where(())}: model: required (or models: [a, b])")
        items = data["models"]
        if not isinstance(items, list) or not items:
            raise self.fail(("models",), f"expected a non-empty list of models, got {items!r}")
        choices = []
        for number, item in enumerate(items):
            path = ("models", str(number))
            if isinstance(item, dict):
                item = self.keys(item, path, _keys("MODEL_KEYS"))
                if "name" not in item:
                    raise self.fail(path, "name: required")
                variant = item.get("variant")
                limits = None
                if item.get("rate_limits") is not None:
                    limits = self.limit_block(
                        item["rate_limits"], path + ("rate_limits",), f"models.{number}"
                    )
                choices.append(
                    ModelChoice(
                        self.text(item["name"], path + ("name",)),
                        self.text(variant, path + ("variant",)) if variant is not None else None,
                        limits,
                    )
                )
            else:
                choices.append(ModelChoice(self.text(item, path)))
        if len({(c.name, c.variant) for c in choices}) != len(choices):
            raise self.fail(("models",), "lists the same model twice")
        return tuple(choices)

    def traffic(self, value: Any) -> Traffic:
        path = ("traffic",)
        value = self.keys(value, path, _keys("TRAFFIC_KEYS"))
        # the schema's `oneOf`: exactly one of these rates
        rates = [one["required"][0] for one in schema().node("properties/traffic")["oneOf"]]
        given = [k for k in rates if k in value]
        if len(given) != 1:
            raise self.fail(path, "give exactly one of calls_per_day or calls_per_month")
        bounds = _bounds(f"properties/traffic/properties/{given[0]}")
        calls = self.ranged(
            value[given[0]], path + (given[0],), lambda v, p: self.number(v, p, **bounds)
        )
        per_day = calls if given[0].endswith("_per_day") else calls / DAYS_PER_MONTH
        unit = "conversation" if given[0].startswith("conversations") else "call"
        growth = self.ranged(
            value.get("monthly_growth", 0),
            path + ("monthly_growth",),
            lambda v, p: self.number(
                v, p, **_bounds("properties/traffic/properties/monthly_growth")
            ),
        )
        peak = self.ranged(
            value.get("peak_factor", 1),
            path + ("peak_factor",),
            lambda v, p: self.number(v, p, **_bounds("properties/traffic/properties/peak_factor")),
        )
        return Traffic(float(per_day), float(growth), float(peak), unit)

    def tokens(self, value: Any, path: KeyPath, forms: tuple[str, ...]) -> TokenSpec:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Fixed(self.token_count(value, path))
        if isinstance(value, dict) and value and set(value) <= set(_keys("RANGE_KEYS")):
            return Fixed(int(self.ranged(value, path, self.token_count)))  # {low, expected, high}
        value = self.keys(value, path, forms)
        if "fixed" in value:
            if len(value) > 1:
                raise self.fail(path, "`fixed` stands alone")
            return Fixed(int(self.ranged(value["fixed"], path + ("fixed",), self.token_count)))
        if "p50" in value or "p95" in value:
            if set(value) != {"p50", "p95"}:
                raise self.fail(path, "a distribution needs both p50 and p95 (and nothing else)")
            bounds = _bounds("$defs/percentile")
            positive = lambda v, p: self.number(v, p, **bounds)  # noqa: E731
            p50 = self.ranged(value["p50"], path + ("p50",), positive)
            p95 = self.ranged(value["p95"], path + ("p95",), positive)
            if p95 < p50:
                raise self.fail(path + ("p95",), f"must be >= p50 ({p50:g}), got {p95:g}")
            for end in (0, 2):  # each end of the ranges a distribution in its own right
                low_or_high = [
                    self.ranges.get(".".join(path + (k,)), (v, v, v))[end]
                    for k, v in (("p50", p50), ("p95", p95))
                ]
                if low_or_high[1] < low_or_high[0]:
                    name = _keys("RANGE_KEYS")[end]
                    raise self.fail(
                        path + ("p95",),
                        f"at the {name} end p95 ({low_or_high[1]:g}) is below p50 "
                        f"({low_or_high[0]:g})",
                    )
            return LogNormal(float(p50), float(p95))
        if len(value) != 1:
            raise self.fail(path, f"expected one of: {', '.join(forms)}")
        (form,) = value
        if form == "prompt_files":
            files = value[form]
            files = [files] if isinstance(files, str) else files
            if not isinstance(files, list) or not files:
                raise self.fail(path + (form,), "expected a list of files")
            paths = []
            for number, item in enumerate(files):
                where = path + (form, str(number))
                paths.append(self.file(self.text(item, where), where))
            return PromptFiles(tuple(paths))
        where = path + (form,)
        return Observed(self.file(self.text(value[form], where), where), form)

    def corpus(self, value: dict, path: KeyPath) -> tuple[int, str | None]:
        """The corpus in tokens: `corpus_tokens: N`, or `corpus_size: 2 GB` at
        `bytes_per_token` (default 4, English text), which is then an estimate and says so."""
        if "corpus_size" not in value:
            if "bytes_per_token" in value:
                raise self.fail(path + ("bytes_per_token",), "goes with corpus_size")
            tokens = value.get("corpus_tokens", 0)
            bounds = _bounds("$defs/embeddings/properties/corpus_tokens")
            return int(self.number(tokens, path + ("corpus_tokens",), **bounds)), None
        if "corpus_tokens" in value:
            raise self.fail(path + ("corpus_size",), "give corpus_tokens or corpus_size, not both")
        size = size_in_bytes(value["corpus_size"])
        if size is None or size > MAX_NUMBER:
            raise self.fail(
                path + ("corpus_size",),
                f"expected a size such as 2 GB, 500 MB or 1.5 GiB, got {value['corpus_size']!r}",
            )
        per_token = self.number(
            value.get("bytes_per_token", DEFAULT_BYTES_PER_TOKEN),
            path + ("bytes_per_token",),
            **_bounds("$defs/embeddings/properties/bytes_per_token"),
        )
        tokens = round(size / per_token)
        given = str(value["corpus_size"]).strip()
        return tokens, f"estimated from {given} ({size:,} bytes) at {per_token:g} bytes per token"

    def system_prompt(self, value: Any, path: KeyPath) -> int | PromptFiles:
        """`system_tokens: 1200`, or `system_tokens: {prompt_file: system.txt}`: the file
        counted with each model's tokenizer, as `input_tokens: {prompt_files: ...}` is."""
        if not isinstance(value, dict):
            return self.token_count(value, path)
        value = self.keys(value, path, _keys("SYSTEM_PROMPT_FORMS"))
        if "prompt_file" not in value:
            raise self.fail(path, "expected a number or {prompt_file: FILE}")
        where = path + ("prompt_file",)
        return PromptFiles((self.file(self.text(value["prompt_file"], where), where),))

    def token_count(self, value: Any, path: KeyPath) -> int:
        return int(self.number(value, path, **_bounds("$defs/token_count")))

    def check_growth(self, scenario: Scenario) -> None:
        """Growth compounding over the horizon must keep the last month's traffic bounded."""
        traffic = scenario.traffic
        last = traffic.calls_per_day * (1 + traffic.monthly_growth) ** (scenario.horizon_months - 1)
        if last > MAX_CALLS_PER_DAY:
            raise self.fail(
                ("traffic", "monthly_growth"),
                f"{traffic.monthly_growth:g} a month over {scenario.horizon_months} months "
                f"reaches {last:.3g} {traffic.unit}s a day; at most {MAX_CALLS_PER_DAY:.0e}",
            )

    def file(self, name: str, path: KeyPath) -> Path:
        resolved = (self.base_dir / name) if not Path(name).is_absolute() else Path(name)
        if not resolved.is_file():
            raise self.fail(path, f"file not found: {name} (paths are relative to the scenario)")
        return resolved

    def max_tokens(self, value: Any) -> int | str | None:
        if value is None:
            return None
        if value == "plan":
            return "plan"
        if isinstance(value, str):
            raise self.fail(("max_tokens",), f"expected a number or `plan`, got {value!r}")
        return int(self.number(value, ("max_tokens",), **_bounds("properties/max_tokens")))

    def limits(self, value: Any) -> RateLimits:
        """The flat keys of ``rate_limits``: the default for every model."""
        if value is None:
            return RateLimits()
        path = ("rate_limits",)
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {value!r}")
        flat = {k: v for k, v in value.items() if k in _keys("LIMIT_KEYS")}
        return self.limit_block(flat, path, "scenario")

    def provider_limits(self, value: Any) -> dict[str, RateLimits]:
        """``rate_limits: {openai: {...}}``: any other key names a provider (checked against
        the catalog when the scenario is projected)."""
        if not isinstance(value, dict):
            return {}
        blocks = {}
        for provider, block in value.items():
            if provider in _keys("LIMIT_KEYS"):
                continue
            path = ("rate_limits", str(provider))
            if not isinstance(block, dict):
                where = self.doc.key_at.get(path) or self.doc.where(path)
                raise InputError(
                    f"{where}: {'.'.join(path)}: unknown key (expected one of: "
                    f"{', '.join(_keys('LIMIT_KEYS'))}, "
                    "or a provider name with a mapping of limits)"
                )
            blocks[str(provider)] = self.limit_block(block, path, f"provider {provider}")
        return blocks

    def limit_block(self, value: Any, path: KeyPath, scope: str) -> RateLimits:
        value = self.keys(value, path, _keys("LIMIT_KEYS"))
        bounds = _bounds("$defs/limit")
        checked = {
            key: int(self.number(value[key], path + (key,), **bounds))
            for key in _keys("LIMIT_KEYS")
            if value.get(key) is not None
        }
        return RateLimits(**checked, scope=scope)

    # --- conversations, built-in tools, embeddings (issue #14) -------------------------------

    def conversation(self, data: dict) -> Conversation | None:
        if "conversation" not in data:
            return None
        path = ("conversation",)
        value = self.keys(data["conversation"], path, _keys("CONVERSATION_KEYS"))
        if "input_tokens" in data:
            raise self.fail(
                ("input_tokens",),
                "a conversation builds each turn's input (system + history + user_tokens); "
                "remove input_tokens",
            )
        for key in schema().required("$defs/conversation"):
            if key not in value:
                raise self.fail(path, f"{key}: required")
        turns = self.tokens(value["turns"], path + ("turns",), _keys("DISTRIBUTION_FORMS"))
        if isinstance(turns, Fixed) and turns.tokens < 1:
            raise self.fail(path + ("turns",), "a conversation has at least 1 turn")
        cache = self.either(value.get("cache", "auto"), path + ("cache",))
        gap = self.number(
            value.get("gap_seconds", DEFAULT_GAP_SECONDS),
            path + ("gap_seconds",),
            **_bounds("$defs/conversation/properties/gap_seconds"),
        )
        system = self.system_prompt(value["system_tokens"], path + ("system_tokens",))
        return Conversation(
            turns=turns,
            system_tokens=system,
            user_tokens=self.tokens(
                value["user_tokens"], path + ("user_tokens",), _keys("DISTRIBUTION_FORMS")
            ),
            history=self.history(value.get("history", "full"), path + ("history",)),
            cache=cache,
            gap_seconds=float(gap),
        )

    def history(self, value: Any, path: KeyPath) -> History:
        """full | last N | summarised at N (or {last: N} | {summarise_at: N, summary_tokens: S})."""
        if isinstance(value, str):
            words = value.replace("summarized", "summarised").split()
            if words == ["full"]:
                return History("full")
            if len(words) == 2 and words[0] == "last" and words[1].isdigit():
                value = {"last": int(words[1])}
            elif len(words) == 3 and words[:2] == ["summarised", "at"] and words[2].isdigit():
                value = {"summarise_at": int(words[2])}
            else:
                raise self.fail(
                    path, f"expected full, last N or summarised at N (tokens), got {value!r}"
                )
        value = self.keys(value, path, _keys("HISTORY_FORMS"))
        forms = "$defs/history_forms/properties"
        if "last" in value:
            if len(value) > 1:
                raise self.fail(path, "`last` stands alone")
            last = self.number(value["last"], path + ("last",), **_bounds(f"{forms}/last"))
            return History("last", last_turns=int(last))
        if "summarise_at" not in value:
            raise self.fail(path, "expected last or summarise_at")
        at = int(
            self.number(
                value["summarise_at"], path + ("summarise_at",), **_bounds(f"{forms}/summarise_at")
            )
        )
        summary = value.get("summary_tokens", max(1, at // 10))
        summary = int(
            self.number(summary, path + ("summary_tokens",), **_bounds(f"{forms}/summary_tokens"))
        )
        if summary >= at:
            raise self.fail(
                path + ("summary_tokens",), f"must be < summarise_at ({at}), got {summary}"
            )
        return History("summarised", summarise_at=at, summary_tokens=summary)

    def tools(self, value: Any) -> tuple[ToolUse, ...]:
        """tools: {web_search: 0.3} or {web_search: {share: 0.3, per_call: 2}}."""
        if value is None:
            return ()
        path = ("tools",)
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping of tool -> share, got {value!r}")
        uses = []
        for tool, spec in value.items():
            where = path + (str(tool),)
            if isinstance(spec, dict):
                spec = self.keys(spec, where, _keys("TOOL_KEYS"))
                share = self.share(spec.get("share", 1), where + ("share",))
                per_call = self.number(
                    spec.get("per_call", 1),
                    where + ("per_call",),
                    **_bounds("$defs/tool_use/properties/per_call"),
                )
            else:
                share, per_call = self.share(spec, where), 1
            uses.append(ToolUse(str(tool), share, int(per_call)))
        return tuple(uses)

    def embeddings(self, value: Any) -> Embeddings | None:
        if value is None:
            return None
        path = ("embeddings",)
        value = self.keys(value, path, _keys("EMBEDDING_KEYS"))
        fields = "$defs/embeddings/properties"
        if "model" not in value:
            raise self.fail(
                path, "model: required (an embedding model, e.g. text-embedding-3-small)"
            )
        corpus, estimate = self.corpus(value, path)
        every = value.get("reindex_every_months", 0)
        batch = value.get("corpus_batch", False)
        if not isinstance(batch, bool):
            raise self.fail(path + ("corpus_batch",), f"expected true or false, got {batch!r}")
        query = value.get("query_tokens")
        return Embeddings(
            model=self.text(value["model"], path + ("model",)),
            corpus_tokens=corpus,
            corpus_estimate=estimate,
            reindex_every_months=int(
                self.number(
                    every,
                    path + ("reindex_every_months",),
                    **_bounds(f"{fields}/reindex_every_months"),
                )
            ),
            reindex_share=self.share(value.get("reindex_share", 1), path + ("reindex_share",)),
            corpus_batch=batch,
            query_tokens=None
            if query is None
            else self.tokens(query, path + ("query_tokens",), _keys("DISTRIBUTION_FORMS")),
        )


# Text embedded as UTF-8: about 4 bytes of English per token (OpenAI's rule of thumb, "one
# token is roughly 4 characters of English text", help.openai.com "What are tokens and how to
# count them", read 2026-12-06; o200k and cl100k give 4.2-4.6 on English prose, fewer on code
# and far fewer on CJK). A corpus given in bytes is an estimate; `bytes_per_token` sets yours.
DEFAULT_BYTES_PER_TOKEN = 4.0
_SIZE = re.compile(r"\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[KMGT]i?B|B|bytes)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def size_in_bytes(value: object) -> int | None:
    """`2 GB`, `500MB`, `1.5 GiB`, `123456` (bytes) -> bytes; None if not a size."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if value >= 0 and math.isfinite(value) else None
    match = _SIZE.fullmatch(str(value))
    if match is None:
        return None
    return int(float(match["n"]) * _UNITS[(match["unit"] or "").lower()])


def moved_start(start: dt.date | None, file_start: dt.date | None) -> str | None:
    """What to tell a reader when ``--at`` moves month 1 away from the file's `start:`."""
    if start is None or file_start is None or start == file_start:
        return None
    return f"month 1 starts on {start} (--at), not on the scenario's start: {file_start}"
