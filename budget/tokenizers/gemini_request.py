"""A chat request counted the way Google's google-genai SDK counts it locally.

``google.genai.local_tokenizer.LocalTokenizer.count_tokens`` collects texts and tokenizes
each one on its own, then adds the counts; nothing is added per message or per request.
The texts, in its ``_TextsAccumulator``:

* every part's ``text`` (in ``contents`` and in ``systemInstruction``);
* a ``functionCall``: its ``name``, then its ``args`` walked: every key, every string value;
* a ``functionResponse``: its ``name``, then its ``response`` walked the same way;
* each tool's ``functionDeclarations``: ``name``, ``description``, and the ``parameters`` and
  ``response`` schemas: a schema's ``format``, ``description``, each ``enum`` value, each
  ``required`` name, each property name (and that property's schema), ``items``, and the
  strings of ``example``. A schema's ``type``, ``title`` and ``default`` are not text.

The SDK refuses images, audio, video and files (``inlineData``, ``fileData``); here each is
estimated (Google: 258 tokens for an image up to 384 pixels a side; audio is 32 tokens a
second and video 263, which a request does not say) and the count is labelled not exact.
The SDK's count of tools and function calls is their text, not the layout the API gives
them, so those are labelled not exact either. Messages in the OpenAI or Anthropic shape (no
``parts``) are taken apart as ``structure.request_parts`` does and their text counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from budget.tokenizers.protocol import Request, RequestCount
from budget.tokenizers.structure import request_parts

MEDIA_TOKENS = 258  # Google's count for one image up to 384 x 384 pixels
MEDIA_KEYS = ("inlineData", "inline_data", "fileData", "file_data")
CALL_KEYS = ("functionCall", "function_call")
RESPONSE_KEYS = ("functionResponse", "function_response")
DECLARATION_KEYS = ("functionDeclarations", "function_declarations")


@dataclass
class GeminiTexts:
    texts: list[str] = field(default_factory=list)
    media: int = 0  # images, audio, video and files: not counted by the SDK
    structured: int = 0  # function calls, responses and declarations
    other_shape: bool = False  # messages without Gemini parts
    skipped: set[str] = field(default_factory=set)  # part and tool kinds the SDK leaves out


def _first(mapping: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in mapping:
            return mapping[key]
    return None


def _walk(found: GeminiTexts, value: Any) -> None:
    """A function call's args or a response: every key and every string, in order."""
    if isinstance(value, str):
        found.texts.append(value)
    elif isinstance(value, dict):
        found.texts.extend(str(key) for key in value)
        for item in value.values():
            _walk(found, item)
    elif isinstance(value, list):
        for item in value:
            _walk(found, item)


def _schema(found: GeminiTexts, schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    for key in ("format", "description"):
        if isinstance(schema.get(key), str) and schema[key]:
            found.texts.append(schema[key])
    for key in ("enum", "required"):
        if isinstance(schema.get(key), list):
            found.texts.extend(str(item) for item in schema[key])
    _schema(found, schema.get("items"))
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, value in properties.items():
            found.texts.append(str(name))
            _schema(found, value)
    if schema.get("example"):
        _walk(found, schema["example"])


def _named(found: GeminiTexts, value: Any, body_key: str) -> None:
    """A function call (``args``) or response (``response``): its name, then its body."""
    found.structured += 1
    if not isinstance(value, dict):
        return
    if isinstance(value.get("name"), str) and value["name"]:
        found.texts.append(value["name"])
    if value.get(body_key):
        _walk(found, value[body_key])


def _parts(found: GeminiTexts, parts: Any) -> None:
    if isinstance(parts, str):  # a system instruction given as a string
        found.texts.append(parts)
        return
    for part in parts or []:
        if not isinstance(part, dict):
            continue
        if _first(part, MEDIA_KEYS) is not None:
            found.media += 1
        call = _first(part, CALL_KEYS)
        if call is not None:
            _named(found, call, "args")
        response = _first(part, RESPONSE_KEYS)
        if response is not None:
            _named(found, response, "response")
        if isinstance(part.get("text"), str):
            found.texts.append(part["text"])
        found.skipped.update(
            key
            for key in part
            if key not in ("text", "videoMetadata", "video_metadata", "thought", "type")
            and key not in MEDIA_KEYS + CALL_KEYS + RESPONSE_KEYS
        )


def _tools(found: GeminiTexts, tools: list[dict[str, Any]]) -> None:
    for tool in tools:
        declarations = _first(tool, DECLARATION_KEYS) if isinstance(tool, dict) else None
        if declarations is None:
            found.skipped.update(tool if isinstance(tool, dict) else ["tool"])
            continue
        for declaration in declarations or []:
            if not isinstance(declaration, dict):
                continue
            found.structured += 1
            for key in ("name", "description"):
                if isinstance(declaration.get(key), str) and declaration[key]:
                    found.texts.append(declaration[key])
            _schema(found, declaration.get("parameters"))
            _schema(found, declaration.get("response"))


def _is_gemini(request: Request) -> bool:
    """Gemini ``contents`` (every message has ``parts``), and no OpenAI or Anthropic tool."""
    return all(isinstance(m, dict) and "parts" in m for m in request.messages) and not any(
        isinstance(tool, dict) and ("function" in tool or "input_schema" in tool)
        for tool in request.tools or []
    )


def gemini_texts(request: Request) -> GeminiTexts:
    """The texts Google's LocalTokenizer would tokenize for this request, and what it skips."""
    found = GeminiTexts()
    if not _is_gemini(request):
        parts = request_parts(request)
        found.texts, found.media, found.other_shape = parts.texts, len(parts.images), True
        return found
    for content in request.messages:
        _parts(found, content.get("parts"))
    if request.tools:
        _tools(found, request.tools)
    if request.system is not None:
        _parts(found, request.system)
    return found


def gemini_request_tokens(
    count_many: Callable[[list[str]], list[int]], request: Request
) -> RequestCount:
    """Input tokens of a request as the SDK counts them, with what is estimated said."""
    found = gemini_texts(request)
    texts = [text for text in found.texts if text]
    tokens = sum(count_many(texts)) if texts else 0
    notes = []
    if found.media:
        tokens += found.media * MEDIA_TOKENS
        notes.append(
            f"images, audio, video: {MEDIA_TOKENS} tokens assumed per part "
            f"({found.media:,} part(s); Google's figure for an image up to 384 px, more for "
            "larger ones, 32 tokens a second of audio, 263 of video)"
        )
    if found.other_shape:
        notes.append(
            "not in Gemini's shape (contents/parts): the messages' text counted exactly, "
            "their layout as Gemini would take it not counted"
        )
    elif found.structured:
        notes.append(
            "tools and function calls: their names, descriptions and schema text counted as "
            "Google's SDK counts them; the API's layout of them is not published"
        )
    if found.skipped:
        kinds = ", ".join(sorted(found.skipped))
        notes.append(f"not counted (Google's SDK does not count them either): {kinds}")
    return RequestCount(tokens, exact=not notes, notes=tuple(notes))
