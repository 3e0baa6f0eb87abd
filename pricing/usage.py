"""Provider usage objects -> the one convention (:class:`pricing.engine.Usage`).

The most common bug in cost tools is reading these the wrong way round:

* OpenAI Chat Completions: ``prompt_tokens`` is the whole prompt and
  ``prompt_tokens_details.cached_tokens`` is a part of it (DeepSeek's OpenAI-format usage
  says ``prompt_cache_hit_tokens`` instead); ``completion_tokens`` includes
  ``completion_tokens_details.reasoning_tokens``. Responses API: the same with
  ``input_tokens``/``output_tokens`` and ``*_details``.
* Anthropic: ``input_tokens`` is only the uncached part; ``cache_read_input_tokens`` and
  ``cache_creation_input_tokens`` come on top (``cache_creation`` splits writes into 5-minute
  and 1-hour ones).
* Gemini: ``promptTokenCount`` includes ``cachedContentTokenCount``; ``thoughtsTokenCount`` is
  billed as output but not part of ``candidatesTokenCount``; ``toolUsePromptTokenCount`` is
  input on top of the prompt.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pricing.engine import MAX_TOKEN_COUNT, Usage
from pricing.errors import FailedRequest, InputError

# finish/stop reasons that mean "cut by the output limit" (or by the context window)
TRUNCATION_REASONS = frozenset(
    {"length", "max_tokens", "MAX_TOKENS", "max_output_tokens", "model_context_window_exceeded"}
)


@dataclass(frozen=True)
class ObservedCall:
    usage: Usage
    model: str | None
    api: str  # openai-chat | openai-responses | anthropic | gemini | tokens
    finish_reason: str | None
    truncated: bool
    batch: bool = False  # read from a batch API's output file
    service_tier: str | None = None  # flex, priority, ... as the response reports it
    # Built-in tool uses billed per use ({"web_search": 2}): see tool_calls() below.
    tool_calls: Mapping[str, int] = dataclasses.field(default_factory=dict)


def normalize(record: Mapping[str, Any]) -> ObservedCall:
    """Read one provider response, batch output line or bare usage object."""
    if not isinstance(record, Mapping):
        raise InputError(f"expected a JSON object, got {type(record).__name__}")
    batch = False
    # Batch output wrappers: OpenAI {"response": {"body": ...}}, Anthropic {"result": {"message"}},
    # Gemini {"key": ..., "response": {...}}.
    if isinstance(record.get("response"), Mapping):
        inner = record["response"]
        if inner.get("status_code") not in (None, 200):
            raise FailedRequest(
                f"response: batch request failed (status {inner.get('status_code')})"
            )
        record, batch = (inner.get("body", inner)), True
    elif "custom_id" in record and record.get("error") and record.get("response") is None:
        raise FailedRequest(f"error: batch request failed ({_error_text(record['error'])})")
    elif isinstance(record.get("result"), Mapping) and "custom_id" in record:
        result = record["result"]
        if result.get("type") != "succeeded":
            raise FailedRequest(
                f"result.type: batch request did not succeed ({result.get('type')})"
            )
        record, batch = result["message"], True
    call = _normalize_response(record)
    tier = _service_tier(record)
    return dataclasses.replace(
        call,
        batch=batch or tier == "batch",
        service_tier=None if tier == "batch" else tier,
        tool_calls=tool_calls(record),
    )


def _error_text(error: Any) -> str:
    if isinstance(error, Mapping):
        return str(error.get("code") or error.get("message") or "error")
    return str(error)


# What responses say when no special service tier applied.
STANDARD_SERVICE_TIERS = frozenset({"default", "standard", "auto", "on_demand"})


def _service_tier(record: Mapping[str, Any]) -> str | None:
    """OpenAI puts `service_tier` on the response, Anthropic inside `usage`."""
    usage = record.get("usage")
    tier = record.get("service_tier") or (
        usage.get("service_tier") if isinstance(usage, Mapping) else None
    )
    if not isinstance(tier, str) or tier.lower() in STANDARD_SERVICE_TIERS:
        return None
    return tier.lower()


def _normalize_response(record: Mapping[str, Any]) -> ObservedCall:
    model = record.get("model") or record.get("modelVersion") or record.get("model_version")
    gemini_usage = record.get("usageMetadata") or record.get("usage_metadata")
    if isinstance(gemini_usage, Mapping):
        finish = _first_choice(record, "candidates", "finishReason") or _first_choice(
            record, "candidates", "finish_reason"
        )
        return _observed(_gemini(_snake_keys(gemini_usage)), model, "gemini", finish)
    if isinstance(record.get("usage"), Mapping):
        usage = record["usage"]
        if "prompt_tokens" in usage:
            finish = _first_choice(record, "choices", "finish_reason")
            return _observed(_openai_chat(usage), model, "openai-chat", finish)
        if record.get("type") == "message" or _is_anthropic(usage):
            return _observed(_anthropic(usage), model, "anthropic", record.get("stop_reason"))
        if "input_tokens" in usage:
            finish = record.get("status")
            if finish == "incomplete":
                finish = (record.get("incomplete_details") or {}).get("reason", "incomplete")
            return _observed(_openai_responses(usage), model, "openai-responses", finish)
        raise InputError(f"usage: unrecognized usage object with keys {sorted(usage)}")
    # A bare usage object.
    if "promptTokenCount" in record or "prompt_token_count" in record:
        return _observed(_gemini(_snake_keys(record)), model, "gemini", None)
    if "prompt_tokens" in record:
        return _observed(_openai_chat(record), model, "openai-chat", None)
    if _is_anthropic(record):
        return _observed(_anthropic(record), model, "anthropic", None)
    if "input_tokens_details" in record:
        return _observed(_openai_responses(record), model, "openai-responses", None)
    if "input_tokens" in record:
        finish = record.get("finish_reason") or record.get("stop_reason")
        return _observed(_tokens(record), model, "tokens", finish)
    raise InputError(
        "usage: no usage found (expected usage, usageMetadata, prompt_tokens or input_tokens)"
    )


def _observed(usage: Usage, model: Any, api: str, finish: Any) -> ObservedCall:
    finish = None if finish is None else str(finish)
    return ObservedCall(
        usage, None if model is None else str(model), api, finish, finish in TRUNCATION_REASONS
    )


def _is_anthropic(usage: Mapping) -> bool:
    return "cache_read_input_tokens" in usage or "cache_creation_input_tokens" in usage


def _openai_chat(usage: Mapping) -> Usage:
    details = usage.get("prompt_tokens_details") or {}
    completion = usage.get("completion_tokens_details") or {}
    cached = _count(details, "cached_tokens", "prompt_tokens_details.")
    if details.get("cached_tokens") is None:
        # DeepSeek's OpenAI-format usage: prompt_tokens = cache hits + misses
        cached = _count(usage, "prompt_cache_hit_tokens")
    return Usage(
        input_tokens=_count(usage, "prompt_tokens"),
        output_tokens=_count(usage, "completion_tokens"),
        cache_read_tokens=cached,
        reasoning_tokens=_count(completion, "reasoning_tokens", "completion_tokens_details."),
    )


def _openai_responses(usage: Mapping) -> Usage:
    details = usage.get("input_tokens_details") or {}
    output = usage.get("output_tokens_details") or {}
    return Usage(
        input_tokens=_count(usage, "input_tokens"),
        output_tokens=_count(usage, "output_tokens"),
        cache_read_tokens=_count(details, "cached_tokens", "input_tokens_details."),
        reasoning_tokens=_count(output, "reasoning_tokens", "output_tokens_details."),
    )


def _anthropic(usage: Mapping) -> Usage:
    uncached = _count(usage, "input_tokens")
    read = _count(usage, "cache_read_input_tokens")
    written = _count(usage, "cache_creation_input_tokens")
    split = usage.get("cache_creation") or {}
    write_1h = _count(split, "ephemeral_1h_input_tokens", "cache_creation.")
    write_5m = written - write_1h if split else written
    if write_5m < 0:
        raise InputError("cache_creation: 1-hour writes exceed cache_creation_input_tokens")
    return Usage(
        input_tokens=uncached + read + written,
        output_tokens=_count(usage, "output_tokens"),
        cache_read_tokens=read,
        cache_write_tokens=write_5m,
        cache_write_1h_tokens=write_1h,
    )


def _gemini(usage: Mapping) -> Usage:
    thoughts = _count(usage, "thoughts_token_count")
    return Usage(
        input_tokens=_count(usage, "prompt_token_count")
        + _count(usage, "tool_use_prompt_token_count"),
        output_tokens=_count(usage, "candidates_token_count") + thoughts,
        cache_read_tokens=_count(usage, "cached_content_token_count"),
        reasoning_tokens=thoughts,
    )


def _tokens(usage: Mapping) -> Usage:
    """Our own flat convention (also CSV rows): input is the whole prompt."""
    return Usage(
        input_tokens=_count(usage, "input_tokens"),
        output_tokens=_count(usage, "output_tokens"),
        cache_read_tokens=_count(usage, "cache_read_tokens") or _count(usage, "cached_tokens"),
        cache_write_tokens=_count(usage, "cache_write_tokens"),
        cache_write_1h_tokens=_count(usage, "cache_write_1h_tokens"),
        reasoning_tokens=_count(usage, "reasoning_tokens"),
    )


def _count(mapping: Mapping, key: str, prefix: str = "") -> int:
    value = mapping.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKEN_COUNT:
        raise InputError(
            f"{prefix}{key}: expected a token count >= 0 and <= {MAX_TOKEN_COUNT:,}, got {value!r}"
        )
    return value


def _first_choice(record: Mapping, key: str, field: str) -> Any:
    items = record.get(key) or []
    return items[0].get(field) if items and isinstance(items[0], Mapping) else None


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _snake_keys(usage: Mapping) -> dict:
    """Gemini's REST API writes camelCase, its SDK snake_case: read both as snake_case."""
    return {_CAMEL.sub("_", key).lower(): value for key, value in usage.items()}


# --- built-in tool uses (web search, file search), billed per use on top of tokens -----------
# Kept apart from the token fields above: each provider reports them somewhere else.
# OpenAI Responses: one `web_search_call` / `file_search_call` item in `output` per search.
# Anthropic: usage.server_tool_use.web_search_requests. Gemini: the search queries in each
# candidate's groundingMetadata.webSearchQueries (Gemini 2.5 bills the grounded prompt once,
# whatever the count: pricing/data/rules/tool_fees.yaml says `per: request`). Our flat
# convention: {"tool_calls": {"web_search": N}}.
OPENAI_TOOL_ITEMS = {"web_search_call": "web_search", "file_search_call": "file_search"}
ANTHROPIC_SERVER_TOOLS = {"web_search_requests": "web_search"}  # web_fetch has no fee


def tool_calls(record: Mapping[str, Any]) -> dict[str, int]:
    """Built-in tool uses one response reports, by tool name (empty: none)."""
    found: dict[str, int] = {}

    def add(tool: str, n: int) -> None:
        if n:
            found[tool] = found.get(tool, 0) + n

    output = record.get("output")
    if isinstance(output, list):
        for item in output:
            if isinstance(item, Mapping) and item.get("type") in OPENAI_TOOL_ITEMS:
                add(OPENAI_TOOL_ITEMS[item["type"]], 1)
    usage = record.get("usage")
    server = usage.get("server_tool_use") if isinstance(usage, Mapping) else None
    if isinstance(server, Mapping):
        for key, tool in ANTHROPIC_SERVER_TOOLS.items():
            add(tool, _count(server, key, "usage.server_tool_use."))
    for candidate in record.get("candidates") or []:
        meta = candidate.get("groundingMetadata") or candidate.get("grounding_metadata")
        if isinstance(meta, Mapping):
            queries = meta.get("webSearchQueries") or meta.get("web_search_queries") or []
            add("web_search", len(queries) if isinstance(queries, list) else 0)
    flat = record.get("tool_calls")
    if isinstance(flat, Mapping):
        for tool in flat:
            add(str(tool), _count(flat, tool, "tool_calls."))
    return found


def record_tool_calls(record: Any) -> dict[str, int]:
    """:func:`tool_calls` of a provider response, a batch output line or a bare usage object
    (what :func:`normalize` reads): for log readers that take tokens another way."""
    if not isinstance(record, Mapping):
        return {}
    if isinstance(record.get("response"), Mapping):
        record = record["response"].get("body", record["response"])
    elif isinstance(record.get("result"), Mapping):
        record = record["result"].get("message") or {}
    return tool_calls(record) if isinstance(record, Mapping) else {}
