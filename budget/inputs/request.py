"""A chat request as every API takes it: what the input readers make and the tokenizers count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Request:
    """One chat request as the APIs take it.

    ``messages`` are OpenAI or Anthropic messages (``content`` a string or a list of content
    blocks); ``system`` is Anthropic's top-level system prompt (a string or text blocks);
    ``tools`` are tool definitions in either API's shape.
    """

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None
    system: Any = None
