"""Chat overhead of OpenAI's Chat Completions API, as OpenAI's cookbook publishes it.

"How to count tokens with tiktoken" (openai-cookbook) gives the rules its examples check
against the API's ``usage.prompt_tokens``:

* every message costs 3 tokens (``<|start|>{role}<|message|>...<|end|>``) plus the tokens of
  each of its string values (role, content, name); a ``name`` costs 1 more;
* every reply is primed with ``<|start|>assistant<|message|>``: 3 tokens per request;
* tool definitions: ``func_init`` per function plus ``name:description`` (a final period
  dropped), ``prop_init`` once if it has properties, ``prop_key`` plus ``name:type:description``
  per property, ``enum_init`` plus ``enum_item`` and the item's tokens per enum value, and
  ``func_end`` once for the tool list. The constants differ by model family and live with
  the encoding (``tiktoken_backend.ENCODINGS``).

Those are the shapes the cookbook verified; anything beyond them (images, tool calls in
assistant messages, nested parameter schemas) is counted as its JSON text and the request is
labelled not exact.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from budget.tokenizers.protocol import Request, RequestCount

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
# Image inputs, when the size is not known: "low" detail is a flat 85 tokens; otherwise the
# 85 + 170 per 512px tile of a 1024x1024 image (4 tiles) = 765, OpenAI's vision guide example.
IMAGE_LOW_DETAIL = 85
IMAGE_DEFAULT = 765
STANDARD_KEYS = {"role", "content", "name"}
IMAGE_NOTE = (
    f"images: no size given, so {IMAGE_DEFAULT} tokens assumed per image "
    "(a 1024x1024 image at high detail: 85 + 4 tiles x 170)"
)
LOW_DETAIL_NOTE = f"low-detail images: {IMAGE_LOW_DETAIL} tokens each, OpenAI's flat rate"
PARTS_NOTE = "content parts other than text and images counted as their JSON text"
NESTED_NOTE = (
    "tool definitions with nested schemas (properties, items or anyOf inside a parameter) "
    "counted as their JSON text: OpenAI publishes no layout for them"
)


@dataclass(frozen=True)
class ToolConstants:
    func_init: int
    prop_init: int
    prop_key: int
    enum_init: int
    enum_item: int
    func_end: int


def as_json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _content_tokens(count: Callable[[str], int], content: Any, notes: dict[str, None]) -> int:
    """Tokens of a message's content; what is estimated goes into ``notes`` (ordered set)."""
    if content is None:
        return 0
    if isinstance(content, str):
        return count(content)
    if not isinstance(content, list):
        notes[PARTS_NOTE] = None
        return count(as_json_text(content))
    tokens = 0
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("text", "input_text") and isinstance(part.get("text"), str):
            tokens += count(part["text"])
        elif kind in ("image_url", "input_image", "image"):
            detail = (part.get("image_url") or {}).get("detail") if kind == "image_url" else None
            tokens += IMAGE_LOW_DETAIL if detail == "low" else IMAGE_DEFAULT
            notes[LOW_DETAIL_NOTE if detail == "low" else IMAGE_NOTE] = None
        else:
            tokens += count(as_json_text(part))
            notes[PARTS_NOTE] = None
    return tokens


def _system_text(system: Any) -> str:
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return "\n".join(block.get("text", "") for block in system if isinstance(block, dict))
    return as_json_text(system)


def messages_tokens(count: Callable[[str], int], request: Request) -> tuple[int, tuple[str, ...]]:
    """Messages plus reply priming (the cookbook's ``num_tokens_from_messages``), and notes on
    the parts estimated (none: exact)."""
    messages = list(request.messages)
    if request.system:
        messages.insert(0, {"role": "system", "content": _system_text(request.system)})
    tokens, notes, other_keys = 0, dict[str, None](), set()
    for message in messages:
        tokens += TOKENS_PER_MESSAGE
        for key, value in message.items():
            if key not in STANDARD_KEYS or (key != "content" and not isinstance(value, str)):
                other_keys.add(key)
            if key == "content":
                tokens += _content_tokens(count, value, notes)
            elif not isinstance(value, str):  # tool_calls, ...: the note is other_keys'
                tokens += _content_tokens(count, value, {})
            else:
                tokens += count(value)
            if key == "name":
                tokens += TOKENS_PER_NAME
    if other_keys:
        notes[
            f"message fields {', '.join(sorted(other_keys))} counted as their JSON text "
            "(OpenAI's cookbook covers role, content and name)"
        ] = None
    return tokens + REPLY_PRIMING, tuple(notes)


def _as_function(tool: dict[str, Any]) -> dict[str, Any]:
    """OpenAI ``{"type": "function", "function": {...}}``, flat Responses-API tools and
    Anthropic ``{"name", "description", "input_schema"}`` as one shape."""
    if isinstance(tool.get("function"), dict):
        return tool["function"]
    return {
        "name": tool.get("name", ""),
        "description": tool.get("description", ""),
        "parameters": tool.get("parameters", tool.get("input_schema", {})),
    }


def _strip_period(text: str) -> str:
    return text[:-1] if text.endswith(".") else text


def tools_tokens(
    count: Callable[[str], int], tools: list[dict[str, Any]], constants: ToolConstants
) -> tuple[int, bool]:
    """Tool definitions (the cookbook's ``num_tokens_for_tools`` without the messages)."""
    if not tools:
        return 0, True
    tokens, exact = 0, True
    for tool in tools:
        function = _as_function(tool)
        tokens += constants.func_init
        description = _strip_period(function.get("description") or "")
        tokens += count(f"{function.get('name', '')}:{description}")
        properties = (function.get("parameters") or {}).get("properties") or {}
        if properties:
            tokens += constants.prop_init
        for key, schema in properties.items():
            tokens += constants.prop_key
            if "enum" in schema:
                tokens += constants.enum_init
                for item in schema["enum"]:
                    tokens += constants.enum_item + count(str(item))
            kind = schema.get("type", "")
            nested = {k: v for k, v in schema.items() if k in ("properties", "items", "anyOf")}
            if nested or not isinstance(kind, str):
                tokens += count(as_json_text(nested or kind))
                exact = False
            property_description = _strip_period(schema.get("description") or "")
            tokens += count(f"{key}:{kind}:{property_description}")
    return tokens + constants.func_end, exact


def openai_request_tokens(
    count: Callable[[str], int], request: Request, constants: ToolConstants
) -> RequestCount:
    message_tokens, notes = messages_tokens(count, request)
    tool_tokens, tools_exact = tools_tokens(count, request.tools or [], constants)
    if not tools_exact:
        notes += (NESTED_NOTE,)
    return RequestCount(message_tokens + tool_tokens, not notes, notes)
