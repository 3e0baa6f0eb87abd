"""The parts of a chat request that cost input tokens, for tokenizers without a chat format.

Anthropic (and Gemini) do not publish how a request is laid out in tokens, so a request is
taken apart into what it is made of: the text the model reads (system prompt, text blocks,
tool calls and tool results as their JSON, tool definitions as their JSON), how many
messages and tool definitions carry it, and its images. The estimate backend prices each
part with its family's factors; an HF backend counts the same text exactly.

Accepted shapes: Anthropic Messages (``system`` string or text blocks; ``content`` string or
blocks of type text, image, document, tool_use, tool_result, thinking), OpenAI chat messages
(``content`` string or parts, ``tool_calls``) and Gemini ``contents`` (``parts`` with ``text``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from budget.tokenizers.protocol import Request


@dataclass
class RequestParts:
    texts: list[str] = field(default_factory=list)
    messages: int = 0
    tools: int = 0
    images: list[tuple[int, int] | None] = field(default_factory=list)  # (width, height) if known


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _image_size(block: dict[str, Any]) -> tuple[int, int] | None:
    width, height = block.get("width"), block.get("height")
    if isinstance(width, int) and isinstance(height, int):
        return width, height
    return None


def _add_block(parts: RequestParts, block: Any) -> None:
    if isinstance(block, str):
        parts.texts.append(block)
        return
    if not isinstance(block, dict):
        parts.texts.append(_json(block))
        return
    kind = block.get("type")
    if kind in ("text", "input_text") or (kind is None and isinstance(block.get("text"), str)):
        parts.texts.append(block.get("text") or "")
    elif kind in ("image", "image_url", "input_image") or "inline_data" in block:
        parts.images.append(_image_size(block))
    elif kind == "tool_use":
        parts.texts.append(block.get("name", ""))
        parts.texts.append(_json(block.get("input", {})))
    elif kind == "tool_result":
        _add_content(parts, block.get("content", ""))
    elif kind == "thinking":
        parts.texts.append(block.get("thinking", ""))
    elif kind == "document" and isinstance(block.get("source"), dict):
        source = block["source"]
        if source.get("type") == "text":
            parts.texts.append(source.get("data", ""))
        else:
            parts.texts.append(_json({k: v for k, v in source.items() if k != "data"}))
    elif "function_call" in block or "functionCall" in block:
        parts.texts.append(_json(block.get("function_call") or block.get("functionCall")))
    else:
        parts.texts.append(_json(block))


def _add_content(parts: RequestParts, content: Any) -> None:
    if content is None:
        return
    if isinstance(content, list):
        for block in content:
            _add_block(parts, block)
    else:
        _add_block(parts, content)


def request_parts(request: Request) -> RequestParts:
    parts = RequestParts()
    if request.system:
        _add_content(parts, request.system)
    for message in request.messages:
        parts.messages += 1
        if not isinstance(message, dict):
            _add_block(parts, message)
            continue
        _add_content(parts, message.get("content"))
        _add_content(parts, message.get("parts"))
        for call in message.get("tool_calls") or []:
            parts.texts.append(
                _json(call.get("function", call) if isinstance(call, dict) else call)
            )
        if isinstance(message.get("name"), str):
            parts.texts.append(message["name"])
    for tool in request.tools or []:
        parts.tools += 1
        parts.texts.append(_json(tool))
    return parts
