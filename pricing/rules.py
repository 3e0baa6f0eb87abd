"""Provider rules that are not per-token prices: prompt-cache behaviour, built-in tool fees and
what an API refuses in a request's parameters.

All are data (``pricing/data/rules/*.yaml``), each entry with its source and date. An entry
names a provider and, optionally, the model ids it applies to (``models: [prefix, ...]``); the
entry that names the model wins over the provider's default.

* ``prompt_cache.yaml``: how a provider caches a repeated prompt prefix: the shortest prefix
  it caches (``min_tokens``), the unit cached prefixes are counted in (``step_tokens``: OpenAI
  caches in 128-token steps) and how long an unused prefix lives (``lifetime_seconds``).
* ``tool_fees.yaml``: built-in tools billed per use on top of tokens (web search, file
  search), in USD per 1,000 uses; ``per: call`` counts every search the response reports,
  ``per: request`` counts a request that used the tool once (Gemini 2.5 grounding).
* ``request_rules.yaml``: the thinking modes a model takes (Anthropic's thinking.type,
  Gemini's thinkingBudget range and thinkingLevel values), the smallest thinking budget, which
  sampling parameters it refuses or ignores and other fields it refuses (read by ``budget
  check --messages`` and by ``budget plan``, which writes the form each model takes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pricing.errors import InputError
from pricing.model import Model

RULES_DIR = Path(__file__).with_name("data") / "rules"
TOOL_UNITS = ("call", "request")
THINKING_MODES = ("enabled", "adaptive", "budget", "level")
THINKING_LEVELS = ("minimal", "low", "medium", "high", "xhigh")
SAMPLING = (
    "free",
    "default_only",
    "ignored",
    "default_temperature",
    "default_temperature_while_reasoning",
)
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
REFUSABLE = ("frequencyPenalty", "presencePenalty", "last_turn_model")
# The fields each rules file's entries must give, beside provider, source and as_of.
REQUIRED = {
    "prompt_cache.yaml": ("min_tokens", "lifetime_seconds"),
    "tool_fees.yaml": ("tool", "usd_per_1k"),
    "request_rules.yaml": ("thinking", "sampling"),
}


@dataclass(frozen=True)
class PromptCacheRule:
    min_tokens: int  # prefixes shorter than this are not cached
    step_tokens: int  # cached prefixes count in whole steps (1: exact)
    lifetime_seconds: int  # an unused prefix is gone after this long
    source: str
    as_of: str
    notes: str | None = None


@dataclass(frozen=True)
class ToolFee:
    tool: str  # web_search, file_search
    usd_per_1k: Decimal
    per: str  # call | request
    source: str
    as_of: str
    notes: str | None = None

    def usd(self, uses: int) -> Decimal:
        """The fee for one request's ``uses`` (a per-request fee counts a request once)."""
        billed = min(uses, 1) if self.per == "request" else uses
        return billed * self.usd_per_1k / 1000


@dataclass(frozen=True)
class RequestRule:
    """What a model's API refuses in a request's parameters (beside the catalog's limits)."""

    # Thinking controls taken: Anthropic's thinking.type enabled / adaptive; Gemini's
    # thinkingConfig budget (thinkingBudget) / level (thinkingLevel). None: no thinking.
    thinking: tuple[str, ...]
    thinking_min_budget: int | None  # the smallest thinking.budget_tokens accepted
    thinking_deprecated: tuple[str, ...]  # modes still taken, but on their way out
    sampling: str  # free | default_only (temperature 1 alone; nothing else) | ignored
    # While thinking.type is enabled: temperature 1 only, no top_k, top_p 0.95-1, no forced tool.
    with_thinking: bool
    source: str
    as_of: str
    thinking_budget_range: tuple[int, int] | None = None  # Gemini thinkingBudget (-1 aside)
    thinking_budget_off: bool = False  # thinkingBudget 0 (no thinking) accepted
    thinking_levels: tuple[str, ...] = ()  # thinkingLevel values taken (empty: not checked)
    thinking_default_level: str | None = None  # the model's own default level
    refuses: tuple[str, ...] = ()  # frequencyPenalty, presencePenalty, last_turn_model
    reasoning_efforts: tuple[str, ...] = ()  # OpenAI reasoning effort values (empty: any)


def _matches(entry: Mapping, model: Model) -> int:
    """0: no match; 1: the provider's default; above 1: the entry names this model, the
    longer the prefix the higher (gemini-2.5-flash-lite over gemini-2.5-flash), its whole id
    (``ids:``) highest."""
    if str(entry.get("provider", "")).lower() != model.provider:
        return 0
    prefixes = entry.get("models")
    ids = entry.get("ids")
    if not prefixes and not ids:
        return 1
    named = [len(str(p)) for p in prefixes or () if model.id.startswith(str(p))]
    named += [len(model.id) + 1 for i in ids or () if str(i) == model.id]
    return 2 + max(named) if named else 0


def _best(entries: tuple[Mapping, ...], model: Model) -> Mapping | None:
    ranked = [(score, entry) for entry in entries if (score := _matches(entry, model))]
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else None


def prompt_cache_rule(model: Model) -> PromptCacheRule | None:
    """How ``model``'s provider caches prompt prefixes (None: no rule and no cache price)."""
    entry = _best(_entries("prompt_cache.yaml", "rules"), model)
    if entry is None:
        return None
    return PromptCacheRule(
        min_tokens=int(entry["min_tokens"]),
        step_tokens=int(entry.get("step_tokens", 1)),
        lifetime_seconds=int(entry["lifetime_seconds"]),
        source=str(entry["source"]),
        as_of=str(entry["as_of"]),
        notes=str(entry["notes"]).strip() if entry.get("notes") else None,
    )


def request_rule(model: Model) -> RequestRule | None:
    """What ``model``'s API refuses beside its limits (None: no rule for its provider)."""
    entry = _best(_entries("request_rules.yaml", "rules"), model)
    if entry is None:
        return None
    budget = entry.get("thinking_min_budget")
    budget_range = entry.get("thinking_budget_range")
    default_level = entry.get("thinking_default_level")
    return RequestRule(
        thinking=tuple(str(mode) for mode in entry["thinking"]),
        thinking_min_budget=None if budget is None else int(budget),
        thinking_deprecated=tuple(str(mode) for mode in entry.get("thinking_deprecated", ())),
        sampling=str(entry["sampling"]),
        with_thinking=bool(entry.get("with_thinking", False)),
        source=str(entry["source"]),
        as_of=str(entry["as_of"]),
        thinking_budget_range=None
        if budget_range is None
        else (
            int(budget_range[0]),
            int(budget_range[1]),
        ),
        thinking_budget_off=bool(entry.get("thinking_budget_off", False)),
        thinking_levels=tuple(str(level) for level in entry.get("thinking_levels", ())),
        thinking_default_level=None if default_level is None else str(default_level),
        refuses=tuple(str(name) for name in entry.get("refuses", ())),
        reasoning_efforts=tuple(str(e) for e in entry.get("reasoning_efforts", ())),
    )


def tool_fees(model: Model) -> dict[str, ToolFee]:
    """The built-in tools ``model`` bills per use, by tool name."""
    found: dict[str, tuple[int, ToolFee]] = {}
    for entry in _entries("tool_fees.yaml", "tools"):
        score = _matches(entry, model)
        tool = str(entry["tool"])
        if score and score >= found.get(tool, (0, None))[0]:
            fee = ToolFee(
                tool=tool,
                usd_per_1k=Decimal(str(entry["usd_per_1k"])),
                per=str(entry.get("per", "call")),
                source=str(entry["source"]),
                as_of=str(entry["as_of"]),
                notes=str(entry["notes"]).strip() if entry.get("notes") else None,
            )
            found[tool] = (score, fee)
    return {tool: fee for tool, (_, fee) in found.items()}


def tool_fee(model: Model, tool: str) -> ToolFee:
    """The fee for one tool, or an error naming the tools the model's provider bills."""
    fees = tool_fees(model)
    if tool not in fees:
        offered = ", ".join(sorted(fees)) or "none in the catalog"
        raise InputError(f"{model.id} has no published {tool} fee (tools: {offered})")
    return fees[tool]


def tools_usd(model: Model, uses: Mapping[str, int]) -> Decimal:
    """USD for one request's built-in tool uses ({tool: count}) on ``model``."""
    fees = (tool_fee(model, tool).usd(count) for tool, count in uses.items() if count)
    return sum(fees, Decimal(0))


@lru_cache(maxsize=4)
def _entries(name: str, key: str) -> tuple[Mapping, ...]:
    from pricing.yamlfile import read_yaml  # the YAML reader: only when a rule is asked for

    path = RULES_DIR / name
    document = read_yaml(path)
    entries = document.get(key) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{path}: expected `{key}:` with a list of entries")
    for entry in entries:
        _check(entry, path, REQUIRED[name])
    return tuple(entries)


def _check(entry: Any, path: Path, required: tuple[str, ...]) -> None:
    line = getattr(entry, "line", None)
    place = f"{path}:{line}" if line else str(path)
    if not isinstance(entry, dict):
        raise InputError(f"{place}: expected a mapping")
    for field in ("provider", "source", "as_of", *required):
        if entry.get(field) in (None, ""):
            raise InputError(f"{place}: field {field!r}: required")
    if "tool" in required and str(entry.get("per", "call")) not in TOOL_UNITS:
        raise InputError(f"{place}: field 'per': expected call or request, got {entry['per']!r}")
    if "thinking" in required:
        _list_of(entry, "thinking", THINKING_MODES, place)
        if entry["sampling"] not in SAMPLING:
            raise InputError(
                f"{place}: field 'sampling': expected {' or '.join(SAMPLING)}, "
                f"got {entry['sampling']!r}"
            )
        _check_gemini_thinking(entry, place)


def _list_of(entry: dict, field: str, allowed: tuple[str, ...], place: str) -> list:
    """``entry[field]``, a list of names from ``allowed`` (absent: empty), or a one-line error."""
    values = entry.get(field, [])
    if not isinstance(values, list) or any(value not in allowed for value in values):
        raise InputError(f"{place}: field '{field}': expected a list of {' | '.join(allowed)}")
    return values


def _check_gemini_thinking(entry: dict, place: str) -> None:
    """The Gemini fields of a request rule: a [least, most] budget range, known levels (the
    default among them) and known refused fields."""
    budget_range = entry.get("thinking_budget_range")
    if budget_range is not None and not (
        isinstance(budget_range, list)
        and len(budget_range) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in budget_range)
        and 0 <= budget_range[0] <= budget_range[1]
    ):
        raise InputError(
            f"{place}: field 'thinking_budget_range': expected [least, most] whole numbers"
        )
    levels = _list_of(entry, "thinking_levels", THINKING_LEVELS, place)
    default = entry.get("thinking_default_level")
    if default is not None and default not in (levels or THINKING_LEVELS):
        raise InputError(
            f"{place}: field 'thinking_default_level': {default!r} is not among thinking_levels"
        )
    _list_of(entry, "reasoning_efforts", REASONING_EFFORTS, place)
    _list_of(entry, "refuses", REFUSABLE, place)
