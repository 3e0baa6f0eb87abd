"""Exact counts from a provider's count-tokens endpoint: only with ``--online`` and the user's key.

* Anthropic: ``POST /v1/messages/count_tokens`` with ``$ANTHROPIC_API_KEY``; returns
  ``input_tokens`` for a whole request (system, messages, tools).
* Gemini: ``POST /v1beta/models/{model}:countTokens`` with ``$GEMINI_API_KEY`` (or
  ``$GOOGLE_API_KEY``); returns ``totalTokens``.

A bare text is sent as one user message, so its count includes that message's overhead.
The HTTP call is a small function that tests replace; nothing here runs unless asked.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from budget.tokenizers.protocol import Request, RequestCount
from budget.tokenizers.structure import request_parts
from pricing.errors import InputError

Post = Callable[[str, dict[str, str], dict[str, Any]], dict[str, Any]]


def http_post(url: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"content-type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:200].replace("\n", " ")
        raise InputError(f"count-tokens endpoint: HTTP {exc.code}: {detail}") from None
    except urllib.error.URLError as exc:
        raise InputError(f"count-tokens endpoint: {exc.reason}") from None


class AnthropicCounter:
    exact = True
    chunk_safe = False  # every piece is its own request, with its own overhead
    url = "https://api.anthropic.com/v1/messages/count_tokens"

    def __init__(self, model_id: str, api_key: str, post: Post = http_post):
        self.model_id, self.api_key, self.post = model_id, api_key, post
        self.name = "anthropic:count_tokens"
        self.method = "exact: Anthropic count_tokens endpoint (online)"

    def count_request(self, request: Request) -> RequestCount:
        body: dict[str, Any] = {"model": self.model_id, "messages": request.messages}
        if request.system:
            body["system"] = request.system
        if request.tools:
            body["tools"] = request.tools
        headers = {"x-api-key": self.api_key, "anthropic-version": "2023-06-01"}
        reply = self.post(self.url, headers, body)
        if not isinstance(reply.get("input_tokens"), int):
            raise InputError(f"count-tokens endpoint: unexpected reply {str(reply)[:200]}")
        return RequestCount(reply["input_tokens"], exact=True)

    def count_text(self, text: str) -> int:
        return self.count_request(Request([{"role": "user", "content": text}])).tokens

    def count_many(self, texts: list[str]) -> list[int]:
        return [self.count_text(text) for text in texts]

    def count_messages(self, messages: list[dict], tools: list[dict] | None = None) -> int:
        return self.count_request(Request(messages, tools)).tokens


class GeminiCounter(AnthropicCounter):
    url = "https://generativelanguage.googleapis.com/v1beta/models/{model}:countTokens"

    def __init__(self, model_id: str, api_key: str, post: Post = http_post):
        super().__init__(model_id, api_key, post)
        self.name = "gemini:countTokens"
        self.method = "exact: Gemini countTokens endpoint (online)"

    def count_request(self, request: Request) -> RequestCount:
        # Sent as one text part per piece of the request: exact for a single text, close otherwise.
        parts = request_parts(request)
        contents = [{"role": "user", "parts": [{"text": text}]} for text in parts.texts]
        url = self.url.format(model=self.model_id)
        reply = self.post(url, {"x-goog-api-key": self.api_key}, {"contents": contents})
        if not isinstance(reply.get("totalTokens"), int):
            raise InputError(f"count-tokens endpoint: unexpected reply {str(reply)[:200]}")
        simple = parts.messages <= 1 and not parts.images and not parts.tools
        return RequestCount(reply["totalTokens"], exact=simple)


def missing_key_warning(model: Any) -> str:
    """Why ``--online`` still gave an estimate for this model (no key, or no endpoint)."""
    if model.provider == "anthropic":
        return "--online: ANTHROPIC_API_KEY is not set, so the count is an estimate"
    if model.provider == "google":
        return (
            "--online: GEMINI_API_KEY (or GOOGLE_API_KEY) is not set, so the count is an estimate"
        )
    return f"--online: {model.provider} has no count-tokens endpoint, so the count is an estimate"


def online_counter(model: Any, post: Post = http_post):
    """The provider's counter for this model with the key from the environment, or None."""
    if model.provider == "anthropic" and os.environ.get("ANTHROPIC_API_KEY"):
        return AnthropicCounter(model.id, os.environ["ANTHROPIC_API_KEY"], post)
    key = os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")
    if model.provider == "google" and key:
        return GeminiCounter(model.id, key, post)
    return None
