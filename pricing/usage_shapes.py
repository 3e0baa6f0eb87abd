"""The provider usage table: every shape a provider reports usage in, and the envelopes
(batch lines, streaming events) around them, as data (:data:`SHAPES`, :data:`ENVELOPES`),
in the order the reader tries them. :mod:`pricing.usage_compiler` turns it into the reader.

The convention: ``input_tokens`` is the whole prompt and cache reads, cache writes and
non-text input (audio, image, video) are parts of it; ``output_tokens`` includes reasoning
and audio output. The most common bug in cost tools is reading provider fields the wrong way
round, so each shape says how its fields add up:

* OpenAI Chat Completions (also Mistral and other OpenAI-format APIs): ``prompt_tokens`` is
  the whole prompt, ``prompt_tokens_details.cached_tokens`` and ``.cache_write_tokens`` are
  parts of it (DeepSeek says ``prompt_cache_hit_tokens``); ``completion_tokens`` includes
  ``completion_tokens_details.reasoning_tokens``. Responses API: the same with
  ``input_tokens``/``output_tokens``. OpenAI cache writes (GPT-5.6 on) are 30-minute
  writes unless ``cache_write_tokens_details.ttl_12h_tokens`` says 12-hour: 30-minute
  writes go in the short-retention column (``cache_write_tokens``), 12-hour ones in the
  long-retention column (``cache_write_1h_tokens``), as the catalog stores their rates.
* xAI: ``completion_tokens`` EXCLUDES ``reasoning_tokens`` (total = prompt + completion +
  reasoning), so output = completion + reasoning.
* Anthropic (also Bedrock Converse): ``input_tokens`` is only the uncached part; cache reads
  and writes come on top (``cache_creation`` splits writes into 5-minute and 1-hour ones).
  ``usage.speed: "fast"`` is fast mode, priced at the catalog's ``fast`` service tier.
* Gemini: ``promptTokenCount`` includes ``cachedContentTokenCount``; ``thoughtsTokenCount``
  is output on top of ``candidatesTokenCount``; ``toolUsePromptTokenCount`` is input on top
  of the prompt; ``promptTokensDetails`` splits the prompt by modality.
* OpenAI audio and image APIs: Realtime ``response.done`` usage and transcription usage
  (``usage.type: tokens``) say ``input_token_details`` (singular ``token``): ``input_tokens``
  is the whole prompt, its ``audio_tokens`` / ``image_tokens`` / ``text_tokens`` and
  ``cached_tokens`` are parts of it, and ``cached_tokens_details`` splits the cached part by
  modality (cached audio is a cache read, not uncached audio). The Images API says
  ``input_tokens_details.{text_tokens,image_tokens}``; its ``output_tokens`` are image tokens
  but for ``output_tokens_details.text_tokens``. Streamed speech (``speech.audio.done``)
  reports ``output_tokens`` that are all audio.
* Streaming: a call is billed once, at the standard rate. OpenAI's ``response.completed``
  event carries the response under ``response`` (it is NOT a batch result); chat chunks
  carry usage only on the last chunk; Anthropic's ``message_start`` carries the input side
  and ``message_delta`` the final (cumulative) output count; Gemini's last chunk (the one
  with a ``finishReason``) carries the totals. Events without usage are not calls.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# finish/stop reasons that mean "cut by the output limit" (or by the context window)
TRUNCATION_REASONS = frozenset(
    {
        "length",
        "max_tokens",
        "MAX_TOKENS",
        "max_output_tokens",
        "model_context_window_exceeded",
        "MAX_TOKENS_REACHED",
    }
)
# What responses say when no special service tier applied.
STANDARD_SERVICE_TIERS = frozenset({"default", "standard", "auto", "on_demand"})
# The counts every shape yields, in this order (the columns of `budget usage`).
COUNTS = (
    "input_tokens",  # whole prompt
    "output_tokens",  # reasoning and audio output included
    "cache_read_tokens",  # part of input
    "cache_write_tokens",  # part of input: short-retention writes (Anthropic 5m, OpenAI 30m)
    "cache_write_1h_tokens",  # part of input: long-retention writes (Anthropic 1h, OpenAI 12h)
    "reasoning_tokens",  # part of output
    "audio_input_tokens",  # part of the uncached input
    "image_input_tokens",
    "video_input_tokens",
    "audio_output_tokens",  # part of output
    "image_output_tokens",  # part of output (Gemini image models)
    "cache_read_audio_tokens",  # part of cache reads: cached audio input (its own rate)
    "cache_read_image_tokens",  # part of cache reads: cached image input
)


@dataclass(frozen=True)
class Shape:
    """One provider usage shape.

    Paths are dotted keys (``usage.prompt_tokens_details.cached_tokens``); a number is a list
    index (``choices.0.finish_reason``); ``list[key=VALUE].field`` picks the list element
    whose ``key`` is ``VALUE`` (Gemini's ``promptTokensDetails[modality=AUDIO].tokenCount``).
    A count is the sum of its terms; a term ``a|b`` takes the first of ``a``, ``b`` that is
    present and not 0; ``-a`` subtracts. Every value read is a whole number >= 0 and nothing
    else: ``true``, ``12.0`` or ``"12"`` is refused, naming the field. An absent field reads as
    0, and so does ``null`` in a detail field (SDKs dump what the API did not send as null),
    but not in a field of ``required``: the totals the provider always sends (OpenAI's
    ``prompt_tokens``), where null means the count is not known, not that it is 0.
    ``when`` holds alternatives (any one suffices), each a path that must be present or
    ``path=value``. Count paths are relative to ``root`` (the usage object); ``model``,
    ``finish`` and ``tier`` paths to the record.
    """

    api: str
    root: str
    when: tuple[str, ...]
    counts: Mapping[str, tuple[str, ...]]
    model: tuple[str, ...] = ("model",)
    finish: tuple[str, ...] = ()
    # the first value that is not a standard tier: a service tier (flex, priority), "fast"
    # (Anthropic fast mode) or "batch"
    tier: tuple[str, ...] = ()
    required: tuple[str, ...] = ()  # count paths where null is refused, not read as 0
    # paths whose true value (true, 1, "yes") marks a batch API call (our flat convention)
    batch: tuple[str, ...] = ()
    model_prefix: tuple[str, ...] = ()  # only records whose model starts so (xAI: grok)
    bare: bool = True  # also read the usage object alone (a log of bare usage objects)
    bare_when: tuple[str, ...] = ()  # `when` of the usage object alone (default: derived)
    # (marker, final): a streamed chunk (marker present) without `final` is not the last
    # chunk, and not a call (Gemini: candidates without a finishReason)
    final: tuple[str, str] | None = None
    fallback: bool = False  # tried last, after the usage objects alone


def _chat(api: str, output: tuple[str, ...]) -> Shape:
    details = "prompt_tokens_details."
    writes = "prompt_tokens_details.cache_write_tokens_details.ttl_12h_tokens|"
    writes += "cache_write_tokens_details.ttl_12h_tokens"
    return Shape(
        api=api,
        root="usage",
        when=("usage.prompt_tokens",),
        counts={
            "input_tokens": ("prompt_tokens",),
            "output_tokens": output,
            # Moonshot (and our flat convention) write cached_tokens beside prompt_tokens
            "cache_read_tokens": (details + "cached_tokens|prompt_cache_hit_tokens|cached_tokens",),
            "cache_write_tokens": (details + "cache_write_tokens", "-" + writes),
            "cache_write_1h_tokens": (writes,),
            "reasoning_tokens": ("completion_tokens_details.reasoning_tokens",),
            "audio_input_tokens": (
                details + "audio_tokens",
                "-" + details + "cached_tokens_details.audio_tokens",
            ),
            "image_input_tokens": (details + "image_tokens",),
            "audio_output_tokens": ("completion_tokens_details.audio_tokens",),
            "cache_read_audio_tokens": (details + "cached_tokens_details.audio_tokens",),
        },
        finish=("choices.0.finish_reason", "finish_reason"),
        tier=("service_tier",),
        required=("prompt_tokens", "completion_tokens"),
    )


def _gemini(camel: bool) -> Shape:
    def k(name: str) -> str:  # Gemini's REST API writes camelCase, its Python SDK snake_case
        if camel:
            return name
        return "".join("_" + c.lower() if c.isupper() else c for c in name)

    def modality(details: str, name: str) -> str:
        return f"{k(details)}[modality={name}].{k('tokenCount')}"

    return Shape(
        api="gemini",
        root=k("usageMetadata"),
        when=(k("usageMetadata"),),
        counts={
            "input_tokens": (k("promptTokenCount"), k("toolUsePromptTokenCount")),
            "output_tokens": (k("candidatesTokenCount"), k("thoughtsTokenCount")),
            "cache_read_tokens": (k("cachedContentTokenCount"),),
            "reasoning_tokens": (k("thoughtsTokenCount"),),
            # uncached parts by modality: the prompt's, less the cached part's
            **{
                f"{name.lower()}_input_tokens": (
                    modality("promptTokensDetails", name),
                    "-" + modality("cacheTokensDetails", name),
                )
                for name in ("AUDIO", "IMAGE", "VIDEO")
            },
            "audio_output_tokens": (modality("candidatesTokensDetails", "AUDIO"),),
            "image_output_tokens": (modality("candidatesTokensDetails", "IMAGE"),),
            # the cached part by modality (audio has a context-caching rate of its own)
            "cache_read_audio_tokens": (modality("cacheTokensDetails", "AUDIO"),),
            "cache_read_image_tokens": (modality("cacheTokensDetails", "IMAGE"),),
        },
        model=(k("modelVersion"), "model"),
        finish=(f"candidates.0.{k('finishReason')}",),
        bare_when=(k("promptTokenCount"),),
        final=("candidates", f"candidates.0.{k('finishReason')}"),
    )


_ANTHROPIC_COUNTS = {
    "input_tokens": ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"),
    "output_tokens": ("output_tokens",),
    "cache_read_tokens": ("cache_read_input_tokens",),
    "cache_write_tokens": (
        "cache_creation_input_tokens",
        "-cache_creation.ephemeral_1h_input_tokens",
    ),
    "cache_write_1h_tokens": ("cache_creation.ephemeral_1h_input_tokens",),
}
# In order: the first shape whose `when` matches reads the record.
SHAPES: tuple[Shape, ...] = (
    _gemini(camel=True),
    _gemini(camel=False),
    # xAI's chat usage: completion_tokens exclude reasoning_tokens
    dataclasses.replace(
        _chat("xai-chat", ("completion_tokens", "completion_tokens_details.reasoning_tokens")),
        model_prefix=("grok", "xai/", "x-ai/"),
        bare=False,
    ),
    _chat("openai-chat", ("completion_tokens",)),
    Shape(
        api="anthropic",
        root="usage",
        when=(
            "type=message",
            "usage.cache_read_input_tokens",
            "usage.cache_creation_input_tokens",
        ),
        counts=_ANTHROPIC_COUNTS,
        # output_tokens is always sent; message_delta's input counts may be null (its SDK types)
        required=("output_tokens",),
        finish=("stop_reason", "delta.stop_reason"),  # message_delta: under `delta`
        tier=("usage.service_tier", "usage.speed"),
    ),
    # OpenAI Realtime (``response.done``'s response, under the envelope below) and
    # transcriptions (``usage.type: tokens``): input_token_details splits the prompt by
    # modality, cached_tokens_details the cached part (OpenAI's RealtimeResponseUsage and
    # TranscriptionUsage types). Cached audio is a cache read: taken out of the audio count.
    Shape(
        api="openai-audio",
        root="usage",
        when=("usage.input_token_details",),
        counts={
            "input_tokens": ("input_tokens",),
            "output_tokens": ("output_tokens",),
            "cache_read_tokens": ("input_token_details.cached_tokens",),
            "audio_input_tokens": (
                "input_token_details.audio_tokens",
                "-input_token_details.cached_tokens_details.audio_tokens",
            ),
            "image_input_tokens": (
                "input_token_details.image_tokens",
                "-input_token_details.cached_tokens_details.image_tokens",
            ),
            "audio_output_tokens": ("output_token_details.audio_tokens",),
            "cache_read_audio_tokens": ("input_token_details.cached_tokens_details.audio_tokens",),
            "cache_read_image_tokens": ("input_token_details.cached_tokens_details.image_tokens",),
        },
        finish=("status_details.reason", "status"),
        required=("input_tokens", "output_tokens"),
    ),
    # OpenAI Images API (generations, edits, and their streamed *.completed events):
    # input_tokens_details.image_tokens marks it (the Responses API has no such count);
    # output tokens are image tokens but for output_tokens_details.text_tokens (GPT Image 1.5).
    Shape(
        api="openai-images",
        root="usage",
        when=("usage.input_tokens_details.image_tokens",),
        counts={
            "input_tokens": ("input_tokens",),
            "output_tokens": ("output_tokens",),
            "cache_read_tokens": ("input_tokens_details.cached_tokens",),
            "image_input_tokens": (
                "input_tokens_details.image_tokens",
                "-input_tokens_details.cached_tokens_details.image_tokens",
            ),
            "image_output_tokens": ("output_tokens", "-output_tokens_details.text_tokens"),
            "cache_read_image_tokens": ("input_tokens_details.cached_tokens_details.image_tokens",),
        },
        required=("input_tokens", "output_tokens"),
        bare_when=("input_tokens_details.image_tokens",),
    ),
    # OpenAI speech (gpt-4o-mini-tts) streamed as server-sent events: the last event,
    # speech.audio.done, carries the call's usage; every output token is audio.
    Shape(
        api="openai-speech",
        root="usage",
        when=("type=speech.audio.done",),
        counts={
            "input_tokens": ("input_tokens",),
            "output_tokens": ("output_tokens",),
            "audio_output_tokens": ("output_tokens",),
        },
        required=("input_tokens", "output_tokens"),
        bare=False,
    ),
    # Bedrock Converse: inputTokens is the uncached part, as Anthropic's (AWS's own
    # example: inputTokens 4 + outputTokens 400 + cacheWriteInputTokens 1163 = totalTokens
    # 1567, docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html); cacheDetails
    # splits writes by TTL (API_runtime_TokenUsage: "Sorted by TTL duration (1h before 5m)").
    Shape(
        api="bedrock-converse",
        root="usage",
        when=("usage.inputTokens",),
        counts={
            "input_tokens": ("inputTokens", "cacheReadInputTokens", "cacheWriteInputTokens"),
            "output_tokens": ("outputTokens",),
            "cache_read_tokens": ("cacheReadInputTokens",),
            "cache_write_tokens": ("cacheWriteInputTokens", "-cacheDetails[ttl=1h].inputTokens"),
            "cache_write_1h_tokens": ("cacheDetails[ttl=1h].inputTokens",),
        },
        model=("modelId", "model"),
        finish=("stopReason",),
        required=("inputTokens", "outputTokens"),
    ),
    Shape(
        api="openai-responses",
        root="usage",
        when=("usage.input_tokens_details", "usage.input_tokens"),
        counts={
            "input_tokens": ("input_tokens",),
            "output_tokens": ("output_tokens",),
            "cache_read_tokens": ("input_tokens_details.cached_tokens",),
            "cache_write_tokens": (
                "input_tokens_details.cache_write_tokens",
                "-input_tokens_details.cache_write_tokens_details.ttl_12h_tokens"
                "|cache_write_tokens_details.ttl_12h_tokens",
            ),
            "cache_write_1h_tokens": (
                "input_tokens_details.cache_write_tokens_details.ttl_12h_tokens"
                "|cache_write_tokens_details.ttl_12h_tokens",
            ),
            "reasoning_tokens": ("output_tokens_details.reasoning_tokens",),
        },
        finish=("incomplete_details.reason", "status"),
        tier=("service_tier",),
        required=("input_tokens", "output_tokens"),
        # alone: only with its details (a bare {input_tokens, ...} is our own convention)
        bare_when=("input_tokens_details", "output_tokens_details"),
    ),
    # Cohere v2 chat (usage.billed_units) and v1 (meta.billed_units): billed units are what
    # is charged (docs.cohere.com/reference/chat).
    Shape(
        api="cohere",
        root="usage.billed_units",
        when=("usage.billed_units",),
        counts={"input_tokens": ("input_tokens",), "output_tokens": ("output_tokens",)},
        finish=("finish_reason",),
        bare=False,
    ),
    Shape(
        api="cohere",
        root="meta.billed_units",
        when=("meta.billed_units",),
        counts={"input_tokens": ("input_tokens",), "output_tokens": ("output_tokens",)},
        finish=("finish_reason",),
        bare=False,
    ),
    # LiteLLM proxy spend logs (LiteLLM_SpendLogs rows, docs.litellm.ai/docs/proxy/
    # cost_tracking): prompt_tokens is the whole prompt (LiteLLM folds Anthropic's cache
    # reads and writes into it); the provider usage, where logged, is metadata.usage_object.
    Shape(
        api="litellm",
        root="",
        when=("spend",),
        counts={
            "input_tokens": ("prompt_tokens",),
            "output_tokens": ("completion_tokens",),
            "cache_read_tokens": (
                "metadata.usage_object.prompt_tokens_details.cached_tokens"
                "|metadata.usage_object.cache_read_input_tokens",
            ),
            "cache_write_tokens": ("metadata.usage_object.cache_creation_input_tokens",),
            "reasoning_tokens": (
                "metadata.usage_object.completion_tokens_details.reasoning_tokens",
            ),
        },
        required=("prompt_tokens", "completion_tokens"),
        bare=False,
    ),
    # OpenTelemetry GenAI spans (attributes as :func:`spans` flattens them): input_tokens is
    # the whole prompt; cache reads and writes "SHOULD be included" in it
    # (opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/).
    Shape(
        api="otel-genai",
        root="gen_ai.usage",
        when=("gen_ai.usage",),
        counts={
            "input_tokens": ("input_tokens|prompt_tokens",),
            "output_tokens": ("output_tokens|completion_tokens",),
            "cache_read_tokens": ("cache_read.input_tokens|cache_read_input_tokens",),
            "cache_write_tokens": ("cache_creation.input_tokens|cache_creation_input_tokens",),
            "reasoning_tokens": ("reasoning.output_tokens|reasoning_tokens",),
        },
        model=("gen_ai.response.model", "gen_ai.request.model"),
        finish=("gen_ai.response.finish_reasons.0",),
        bare=False,
    ),
    # Our own flat convention (the columns of a CSV or Parquet log too): input is the whole
    # prompt. (A flat record with prompt_tokens is an OpenAI usage object, read above.)
    Shape(
        api="tokens",
        root="",
        when=("input_tokens",),
        counts={
            "input_tokens": ("input_tokens",),
            "output_tokens": ("output_tokens",),
            "cache_read_tokens": ("cache_read_tokens|cached_tokens|cached_input_tokens",),
            "cache_write_tokens": ("cache_write_tokens",),
            "cache_write_1h_tokens": ("cache_write_1h_tokens",),
            "reasoning_tokens": ("reasoning_tokens",),
            **{name: (name,) for name in COUNTS[6:]},
        },
        finish=("finish_reason", "stop_reason"),
        tier=("service_tier",),
        required=("input_tokens", "output_tokens"),
        batch=("batch",),
        bare=False,
        fallback=True,
    ),
)


@dataclass(frozen=True)
class Envelope:
    """A wrapper around a response: a batch output line or a streaming event.

    ``when`` as for :class:`Shape`, all of them must hold. ``inner``: where the response is
    inside (``""``: the record itself). ``keep``: the counts this event carries (the others
    are another event's: Anthropic's ``message_start`` has the input side, ``message_delta``
    the output); ``calls``: how many calls the event counts for. ``failed``: a path that,
    when present and not one of ``ok``, marks a failed request (billed nothing).
    """

    name: str
    when: tuple[str, ...]
    inner: str = ""
    shape: str | None = None  # the api whose shape reads it (None: found by `when`)
    batch: bool = False
    keep: tuple[str, ...] | None = None
    calls: int = 1
    failed: str | None = None
    ok: tuple[Any, ...] = ()
    no_call: bool = False  # an event that carries no usage: not a call
    # a call whose record names no model is of the model named last before it (by the
    # stream's first event, or by the session: NAMING_EVENTS); its api is then the envelope's
    model_named_before: bool = False


_INPUT_SIDE = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens")
# In order: the first envelope whose `when` all hold applies (once; no nesting).
ENVELOPES: tuple[Envelope, ...] = (
    # OpenAI Responses streaming: the final event carries the whole response
    Envelope("openai-stream", ("type=response.completed",), inner="response"),
    Envelope("openai-stream", ("type=response.incomplete",), inner="response"),
    # OpenAI Realtime: response.done carries the finished response and its usage (the
    # other response.* events of a session carry none)
    Envelope(
        "openai-realtime",
        ("type=response.done",),
        inner="response",
        shape="openai-audio",
        model_named_before=True,
    ),
    # Anthropic streaming: message_start has the input side (its output_tokens is a
    # placeholder), message_delta the final, cumulative output count
    Envelope(
        "anthropic-stream",
        ("type=message_start",),
        inner="message",
        shape="anthropic",
        keep=_INPUT_SIDE,
        model_named_before=True,
    ),
    Envelope(
        "anthropic-stream",
        ("type=message_delta",),
        shape="anthropic",
        keep=("output_tokens",),
        calls=0,
        model_named_before=True,
    ),
    # OpenAI Batch output lines; a failed request has response null and an error
    Envelope(
        "openai-batch",
        ("response.status_code",),
        inner="response.body",
        batch=True,
        failed="response.status_code",
        ok=(200,),
    ),
    Envelope("openai-batch", ("custom_id", "error"), failed="error"),
    # Anthropic Message Batches results
    Envelope(
        "anthropic-batch",
        ("custom_id", "result"),
        inner="result.message",
        batch=True,
        failed="result.type",
        ok=("succeeded",),
    ),
    # Gemini Batch output lines ({"key": ..., "response": {...}} or {"key": ..., "error"})
    Envelope("gemini-batch", ("key", "response"), inner="response", batch=True),
    Envelope("gemini-batch", ("key", "error"), failed="error"),
    # LiteLLM spend logs: failed calls and cache hits cost nothing at the provider
    Envelope("litellm", ("spend", "status=failure"), failed="status", ok=()),
    Envelope("litellm", ("spend", "cache_hit=true"), no_call=True),
)
# Events that are not calls but name the model of the calls after them: (test, where the model
# is). OpenAI Realtime's session events (response.done's response names no model).
NAMING_EVENTS = (
    ("type=session.created", "session.model"),
    ("type=session.updated", "session.model"),
)
# the envelopes whose calls may take the model named before them, by the api they read as
MODEL_NAMED_BEFORE = frozenset(e.name for e in ENVELOPES if e.model_named_before)
# Streaming events that never carry a call's usage (Anthropic's content blocks, OpenAI's
# deltas, chat chunks before the last, Gemini chunks before the one with a finishReason;
# OpenAI Realtime session events, speech, transcription and image deltas).
NO_USAGE_EVENTS = (
    "message_stop",
    "ping",
    "content_block_",
    "response.",
    "error",
    "session.",
    "conversation.",
    "input_audio_buffer.",
    "output_audio_buffer.",
    "rate_limits.updated",
    "speech.audio.delta",
    "transcript.text.delta",
    "image_generation.partial_image",
    "image_edit.partial_image",
)


def _bare_when(shape: Shape) -> tuple[str, ...]:
    """The `when` of a shape's usage object alone: its paths under the root, less the root."""
    if shape.bare_when:
        return shape.bare_when
    prefix = shape.root + "."
    return tuple(test[len(prefix) :] for test in shape.when if test.startswith(prefix))


def _order() -> list[tuple[Shape, str, tuple[str, ...]]]:
    """(shape, usage root, when) in the order the dispatcher tries them: whole responses,
    then usage objects alone, then our flat convention."""
    whole = [(s, s.root, s.when) for s in SHAPES if not s.fallback]
    bare = [(s, "", _bare_when(s)) for s in SHAPES if s.bare and s.root and not s.fallback]
    last = [(s, s.root, s.when) for s in SHAPES if s.fallback]
    return whole + bare + last


READ_ORDER = _order()
