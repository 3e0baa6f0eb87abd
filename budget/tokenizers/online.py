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
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from budget.tokenizers.protocol import Request, RequestCount
from budget.tokenizers.structure import request_parts
from pricing.errors import InputError, clip

Post = Callable[[str, dict[str, str], dict[str, Any]], dict[str, Any]]

# The only places a key is ever sent: https, these hosts, no redirects.
HOSTS = ("api.anthropic.com", "generativelanguage.googleapis.com")
TIMEOUT_SECONDS = 30  # the whole reply, not each read: a trickling server is cut off too
MAX_REPLY_BYTES = 1 << 20  # a count is a few bytes of JSON
MAX_COUNT = 100_000_000  # tokens in one request: 10x the largest context window

# Anything in an echoed error body that looks like a credential: provider key formats
# (sk-ant-..., sk-..., AIza...), bearer tokens, and long runs of key-like characters.
_KEYISH = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|(?i:bearer)\s+\S+|[A-Za-z0-9_\-]{32,})"
)


def redact(text: str, *secrets: str) -> str:
    """``text`` with the given secrets, and anything else that looks like a key, replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEYISH.sub("[redacted]", text)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would re-send the key to wherever it points: stop instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        host = urllib.parse.urlsplit(newurl).hostname or newurl
        raise InputError(
            f"count-tokens endpoint: HTTP {code} redirect to {clip(host)}; "
            "not following it with your API key"
        )


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_RefuseRedirects())


def check_url(url: str) -> None:
    """Only https, only to a provider's own host: the key goes nowhere else."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or parts.hostname not in HOSTS or parts.username or parts.port:
        raise InputError(f"count-tokens endpoint: refusing to send an API key to {clip(url)}")


def http_post(
    url: str,
    headers: dict[str, str],
    body: dict[str, Any],
    opener: urllib.request.OpenerDirector | None = None,
) -> dict[str, Any]:
    """POST ``body`` as JSON; the reply's JSON object, or a one-line InputError (HTTP error
    with its body redacted, redirect, timeout, not JSON). ``opener``: tests pass a fake."""
    check_url(url)
    secrets = tuple(headers.values())
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"content-type": "application/json", **headers},
        method="POST",
    )
    try:
        with (opener or _opener()).open(request, timeout=TIMEOUT_SECONDS) as response:
            data = _read_all(response)
    except urllib.error.HTTPError as exc:
        detail = redact(_read_all(exc, 2000).decode("utf-8", "replace"), *secrets)
        detail = " ".join(detail.split())[:200]
        raise InputError(f"count-tokens endpoint: HTTP {exc.code}: {detail}") from None
    except urllib.error.URLError as exc:
        reason = " ".join(redact(str(exc.reason), *secrets).split())[:200]
        raise InputError(f"count-tokens endpoint: {reason}") from None
    except TimeoutError:
        raise InputError(
            f"count-tokens endpoint: no complete reply within {TIMEOUT_SECONDS} s"
        ) from None
    except OSError as exc:
        raise InputError(f"count-tokens endpoint: {exc.strerror or exc}") from None
    try:
        reply = json.loads(data)
    except (ValueError, RecursionError):
        text = redact(data[:200].decode("utf-8", "replace"), *secrets)
        raise InputError(f"count-tokens endpoint: the reply is not JSON ({clip(text)})") from None
    if not isinstance(reply, dict):
        raise InputError(f"count-tokens endpoint: unexpected reply {clip(reply)}")
    return reply


def _read_all(response: Any, limit: int = MAX_REPLY_BYTES) -> bytes:
    """The reply's bytes, at most ``limit``, within TIMEOUT_SECONDS overall."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    chunks, size = [], 0
    while size < limit:
        chunk = response.read(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            raise TimeoutError
    return b"".join(chunks)


def _count(reply: dict[str, Any], key: str) -> int:
    """The count in a reply: a whole number of tokens no request could exceed."""
    value = reply.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise InputError(f"count-tokens endpoint: unexpected reply {clip(reply)}")
    return value


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
        return RequestCount(_count(self.post(self.url, headers, body), "input_tokens"), exact=True)

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
        url = self.url.format(model=urllib.parse.quote(self.model_id, safe=""))
        reply = self.post(url, {"x-goog-api-key": self.api_key}, {"contents": contents})
        simple = parts.messages <= 1 and not parts.images and not parts.tools
        return RequestCount(_count(reply, "totalTokens"), exact=simple)


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
