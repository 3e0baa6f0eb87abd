"""Built-in tool uses (web search, file search) a logged call reports, billed per use on top
of its tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pricing.engine import token_count

# Kept apart from the token fields (pricing.usage_shapes): each provider reports them
# somewhere else.
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
            add(tool, _tool_count(server, key, "usage.server_tool_use."))
    for candidate in record.get("candidates") or []:
        meta = candidate.get("groundingMetadata") or candidate.get("grounding_metadata")
        if isinstance(meta, Mapping):
            queries = meta.get("webSearchQueries") or meta.get("web_search_queries") or []
            add("web_search", len(queries) if isinstance(queries, list) else 0)
    flat = record.get("tool_calls")
    if isinstance(flat, Mapping):
        for tool in flat:
            add(str(tool), _tool_count(flat, tool, "tool_calls."))
    return found


def may_report_tools(raw: bytes) -> bool:
    """Whether a raw JSON line could report built-in tool uses: every field tool_calls() reads
    has "search" or "Search" (Gemini's ``webSearchQueries``) or "tool_calls" in its name or
    value, so a line without "earch" or "tool_calls" is not searched (the Python loop's
    shortcut; the C loop reads the fields themselves)."""
    return b"earch" in raw or b"tool_calls" in raw


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


def _tool_count(mapping: Mapping, key: Any, prefix: str) -> int:
    value = mapping.get(key)
    return 0 if value is None else token_count(value, f"{prefix}{key}", limit=None)
