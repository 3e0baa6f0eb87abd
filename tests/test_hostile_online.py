"""--online: the key goes only to the provider over https, never along a redirect, never back
out in an error; odd replies (HTML, huge numbers, a stall) are one-line errors. No network:
every reply comes from a fake handler plugged into urllib's real opener chain."""

from __future__ import annotations

import email.message
import io
import urllib.error
import urllib.request

import pytest

from budget.tokenizers.online import (
    AnthropicCounter,
    GeminiCounter,
    _opener,
    _RefuseRedirects,
    http_post,
    redact,
)
from pricing.errors import InputError

KEY = "sk-ant-api03-SECRETSECRETSECRET-abcdef"
ANTHROPIC = "https://api.anthropic.com/v1/messages/count_tokens"


class FakeHTTPS(urllib.request.BaseHandler):
    """Answers every https request with one canned reply; remembers what was sent where."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None):
        self.status, self.body, self.headers = status, body, headers or {}
        self.sent: list[tuple[str, dict]] = []

    def https_open(self, request):
        self.sent.append((request.full_url, dict(request.header_items())))
        header = email.message.Message()
        for name, value in self.headers.items():
            header[name] = value
        response = urllib.response.addinfourl(
            io.BytesIO(self.body), header, request.full_url, self.status
        )
        response.msg = "fake"
        return response


def opener_with(handler: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """urllib's opener as http_post builds it (errors, our redirect refusal), with the fake in
    place of every handler that could reach the network."""
    opener = urllib.request.OpenerDirector()
    for part in (
        handler,
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        _RefuseRedirects(),
    ):
        opener.add_handler(part)
    return opener


def test_the_real_opener_refuses_redirects():
    assert any(isinstance(h, _RefuseRedirects) for h in _opener().handlers)
    assert not any(type(h) is urllib.request.HTTPRedirectHandler for h in _opener().handlers)


def post(handler: FakeHTTPS, url: str = ANTHROPIC) -> dict:
    return http_post(url, {"x-api-key": KEY}, {"model": "m"}, opener=opener_with(handler))


def test_a_good_reply():
    handler = FakeHTTPS(200, b'{"input_tokens": 12}')
    assert post(handler) == {"input_tokens": 12}
    assert handler.sent[0][0] == ANTHROPIC


def test_a_redirect_is_not_followed_with_the_key():
    handler = FakeHTTPS(307, b"", {"Location": "http://evil.example/steal"})
    with pytest.raises(InputError, match="redirect to 'evil.example'; not following"):
        post(handler)
    assert len(handler.sent) == 1  # nothing was sent to the new host


@pytest.mark.parametrize(
    "url",
    [
        "http://api.anthropic.com/v1/messages/count_tokens",  # plain text
        "https://api.anthropic.com.evil.example/v1/messages/count_tokens",
        "https://user@api.anthropic.com/v1/messages/count_tokens",
        "https://evil.example/v1/messages/count_tokens",
    ],
)
def test_only_https_to_the_providers_host(url):
    handler = FakeHTTPS(200, b'{"input_tokens": 12}')
    with pytest.raises(InputError, match="refusing to send an API key"):
        post(handler, url)
    assert handler.sent == []


def test_an_error_body_echoing_the_key_is_redacted():
    body = (
        '{"error": {"message": "invalid x-api-key ' + KEY + '", "other": "AIzaSyA1234567890'
        'abcdefghijklmnopqrstu", "auth": "Bearer abc.def"}}'
    ).encode()
    handler = FakeHTTPS(401, body)
    with pytest.raises(InputError) as caught:
        post(handler)
    message = str(caught.value)
    assert message.startswith("count-tokens endpoint: HTTP 401: ")
    assert "SECRET" not in message and "AIza" not in message and "abc.def" not in message
    assert message.count("[redacted]") == 3
    assert "\n" not in message


def test_redact_leaves_ordinary_words():
    assert redact("model not found: claude-x", "k") == "model not found: claude-x"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>Bad gateway</body></html>", "the reply is not JSON ('<html><body>"),
        (b'{"input_tokens": 1000000000000000000000000000000}', "unexpected reply"),
        (b'{"input_tokens": -5}', "unexpected reply"),
        (b'{"input_tokens": true}', "unexpected reply"),
        (b"[1, 2]", "unexpected reply [1, 2]"),
        (b"[" * 5000 + b"]" * 5000, "not JSON"),
    ],
)
def test_odd_replies_are_one_line_errors(body, message):
    counter = AnthropicCounter(
        "claude-x",
        KEY,
        post=lambda url, headers, sent: http_post(
            url, headers, sent, opener=opener_with(FakeHTTPS(200, body))
        ),
    )
    with pytest.raises(InputError, match="count-tokens endpoint") as caught:
        counter.count_text("hi")
    assert message in str(caught.value)
    assert len(str(caught.value)) < 400


class Stalled(urllib.request.BaseHandler):
    def https_open(self, request):
        raise urllib.error.URLError(TimeoutError("timed out"))


class StalledRead(FakeHTTPS):
    """Headers arrive, then the body read times out."""

    def https_open(self, request):
        response = super().https_open(request)

        def read(*_):
            raise TimeoutError("timed out")

        response.read = read
        return response


def test_a_stalled_reply_is_a_one_line_error():
    opener = opener_with(Stalled())
    with pytest.raises(InputError, match="count-tokens endpoint: timed out"):
        http_post(ANTHROPIC, {"x-api-key": KEY}, {}, opener=opener)
    with pytest.raises(InputError, match="no complete reply within 30 s"):
        post(StalledRead(200, b""))


def test_gemini_model_ids_stay_in_the_path():
    sent = []
    counter = GeminiCounter(
        "evil.example/x?key=", KEY, post=lambda url, h, b: sent.append(url) or {"totalTokens": 3}
    )
    assert counter.count_text("hi") == 3
    assert sent[0].startswith("https://generativelanguage.googleapis.com/v1beta/models/evil.")
    assert "%2Fx%3Fkey%3D:countTokens" in sent[0]
