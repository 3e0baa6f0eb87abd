"""Provider usage objects -> the one convention (:class:`pricing.engine.Usage`), from one table.

Every provider shape is a row of data below (:data:`SHAPES`, :data:`ENVELOPES`): where the
counts sit and how they add up. The table is compiled once into one plain Python function
(:func:`read_call`), and both the per-call path (:func:`normalize` -> :mod:`pricing.engine`)
and the columnar path (``budget/usage/read.py`` -> :mod:`pricing.arrays`) call that function,
so the two cannot read a field differently. Column-shaped logs (CSV, Parquet, LiteLLM
exports) too: a row is the record its columns spell (:func:`column_record`), read by the
same function. What bills a call once read (model, variant, tier, day) is
:mod:`pricing.logged`'s.

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
* Streaming: a call is billed once, at the standard rate. OpenAI's ``response.completed``
  event carries the response under ``response`` (it is NOT a batch result); chat chunks
  carry usage only on the last chunk; Anthropic's ``message_start`` carries the input side
  and ``message_delta`` the final (cumulative) output count; Gemini's last chunk (the one
  with a ``finishReason``) carries the totals. Events without usage are not calls.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from pricing.dates import CallTime, call_stamp
from pricing.engine import MAX_TOKEN_COUNT, Usage, token_count
from pricing.errors import FailedRequest, InputError, clip

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
)


class Call(NamedTuple):
    """One call as :func:`read_call` reads it from a record."""

    model: str | None  # as the record names it
    api: str  # the shape that read it: openai-chat, anthropic, gemini, ..., tokens
    finish: str | None  # finish / stop reason
    tier: str | None  # a service tier other than standard, as reported (flex, priority, fast)
    batch: bool  # a batch API call
    calls: int  # 1; 0 for a streaming event that completes another event's call
    counts: tuple[int, ...]  # in COUNTS order


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


_INPUT_SIDE = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens")

# In order: the first envelope whose `when` all hold applies (once; no nesting).
ENVELOPES: tuple[Envelope, ...] = (
    # OpenAI Responses streaming: the final event carries the whole response
    Envelope("openai-stream", ("type=response.completed",), inner="response"),
    Envelope("openai-stream", ("type=response.incomplete",), inner="response"),
    # Anthropic streaming: message_start has the input side (its output_tokens is a
    # placeholder), message_delta the final, cumulative output count
    Envelope(
        "anthropic-stream",
        ("type=message_start",),
        inner="message",
        shape="anthropic",
        keep=_INPUT_SIDE,
    ),
    Envelope(
        "anthropic-stream",
        ("type=message_delta",),
        shape="anthropic",
        keep=("output_tokens",),
        calls=0,
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

# Streaming events that never carry a call's usage (Anthropic's content blocks, OpenAI's
# deltas, chat chunks before the last, Gemini chunks before the one with a finishReason).
_NO_USAGE_EVENTS = ("message_stop", "ping", "content_block_", "response.", "error")


# ------------------------------------------------------------------ the compiler
# The table above is compiled into Python source (see `table_source()`): one function per
# shape (`_read_N(r)`, returning read_call's tuple, or None for a stream chunk before the
# last), one dispatcher (`_shape(r)`) trying the shapes' `when` in order, and `_read(r)`,
# which is read_call: records outside any envelope go straight to the dispatcher.


class _Source:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names = 0

    def var(self) -> str:
        self.names += 1
        return f"v{self.names}"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def _steps(path: str) -> list[tuple[str, Any]]:
    """``a.b[k=V].c.0`` -> [("key", "a"), ("key", "b"), ("find", ("k", "V")), ("key", "c"),
    ("index", 0)]."""
    steps: list[tuple[str, Any]] = []
    for part in path.split("."):
        if "[" in part:
            name, _, rest = part.partition("[")
            key, _, value = rest.rstrip("]").partition("=")
            steps.append(("key", name))
            steps.append(("find", (key, value)))
        elif part.isdigit():
            steps.append(("index", int(part)))
        elif part:
            steps.append(("key", part))
    return steps


def _lookup(src: _Source, depth: int, root: str, path: str, cache: dict) -> str:
    """Emit the lookups of ``path`` from variable ``root``; return an expression of its
    value (None when absent). Objects on the way are looked up once (``cache``) and held as
    the object or ``_E`` (an empty dict) when absent; a value that is not an object where
    one is expected raises AttributeError, which the reader turns into a message naming the
    field (:func:`_diagnose`)."""
    steps = _steps(path)
    current = root
    for i, (kind, arg) in enumerate(steps[:-1]):
        key = (root, tuple(steps[: i + 1]))
        if key in cache:
            current = cache[key]
            continue
        target = src.var()
        if kind == "key" and current == root:
            src.emit(depth, f"{target} = {current}.get({arg!r}) or _E")
        elif kind == "key":  # an absent (empty) object is not searched
            src.emit(depth, f"{target} = {current} and {current}.get({arg!r}) or _E")
        elif kind == "index":
            src.emit(
                depth,
                f"{target} = {current}[{arg}] if {current}.__class__ is list "
                f"and len({current}) > {arg} else _E",
            )
        else:
            src.emit(depth, f"{target} = _find({current}, {arg[0]!r}, {arg[1]!r})")
        cache[key] = current = target
    kind, arg = steps[-1]
    if kind == "key":
        return f"{current}.get({arg!r})"
    if kind == "index":
        present = f"{current}.__class__ is list and len({current}) > {arg}"
        return f"({current}[{arg}] if {present} else None)"
    raise ValueError(f"{path}: a [key=value] step must be followed by a field")


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix and path else prefix or path


def _first(src: _Source, depth: int, root: str, paths: tuple[str, ...], cache: dict) -> str:
    """A variable holding the first present value of ``paths`` (``a|b`` flattened too)."""
    out = src.var()
    alternatives = [alt for p in paths for alt in p.split("|")]
    src.emit(depth, f"{out} = {_lookup(src, depth, root, alternatives[0], cache)}")
    for path in alternatives[1:]:
        value = _lookup(src, depth, root, path, cache)
        src.emit(depth, f"if {out} is None: {out} = {value}")
    return out


def _compile_shape(src: _Source, number: int, shape: Shape, root_path: str) -> None:
    """Emit ``def _read_N(r)``: read ``shape`` from ``r``, its usage object at ``root_path``."""
    src.emit(0, f"def _read_{number}(r):")
    src.emit(1, "try:")
    cache: dict = {}
    usage = "r"
    if root_path:
        usage = src.var()
        src.emit(2, f"{usage} = {_lookup(src, 2, 'r', root_path, cache)} or _E")
    if shape.final:
        marker, final = (_lookup(src, 2, "r", path, cache) for path in shape.final)
        src.emit(2, f"if {marker} and {final} is None: return None  # a stream chunk")
    terms: dict[str, str] = {}  # term -> variable: a term used twice is read once
    fields = []
    for count in COUNTS:
        parts = []
        for term in shape.counts.get(count, ()):
            sign = "-" if term.startswith("-") else "+"
            name = term.lstrip("-")
            if name not in terms:
                terms[name] = _count_term(src, number, usage, name, shape.required, cache)
            parts.append(f"{sign} {terms[name]}")
        fields.append(" ".join(parts).removeprefix("+ ") or "0")
    src.emit(2, f"counts = ({', '.join(fields)},)")
    # A negative value read, parts larger than their whole, a sum out of range: _bad says
    # which. A value that is a count alone shows in `counts`; the others are checked too.
    alone = {field for field in fields if field.isidentifier()}
    hidden = [name for name in terms.values() if name not in alone]
    negative = "min(counts) < 0" + "".join(f" or {name} < 0" for name in hidden)
    src.emit(2, f"if {negative} or max(counts) > {MAX_TOKEN_COUNT}:")
    src.emit(3, f"raise _bad({number}, r, counts)")
    model = _first(src, 2, "r", shape.model, cache)
    finish = _first(src, 2, "r", shape.finish, cache) if shape.finish else "None"
    tier = "None"
    if shape.tier:
        tier = src.var()
        src.emit(2, f"{tier} = None")
        for path in shape.tier:
            value = src.var()
            src.emit(2, f"{value} = {_lookup(src, 2, 'r', path, cache)}")
            src.emit(
                2,
                f"if {tier} is None and {value}.__class__ is str "
                f"and {value}.lower() not in _STANDARD: {tier} = {value}.lower()",
            )
    batch = "False"
    if shape.batch:
        batch = src.var()
        src.emit(2, f"{batch} = False")
        for path in shape.batch:
            value = src.var()
            src.emit(2, f"{value} = {_lookup(src, 2, 'r', path, cache)}")
            src.emit(2, f"if {value} is not None and not {batch}: {batch} = _is_true({value})")
    src.emit(1, "except (AttributeError, TypeError):")
    src.emit(2, f"raise _diagnose({number}, r) from None")
    # the whole result, as call_fields returns it for a record outside any envelope: the
    # fields of a Call, as a plain tuple (no object of a class per log line)
    text = "{0} if {0}.__class__ is str else _text({0})"
    head = f"{text.format(model)}, {shape.api!r}, {text.format(finish)}"
    if shape.tier:
        src.emit(1, f"if {tier} == 'batch':")
        src.emit(2, f"return ({head}, None, True, 1, counts)")
    if shape.batch:
        src.emit(1, f"if {batch}:")
        src.emit(2, f"return ({head}, None, True, 1, counts)")
    src.emit(1, f"return ({head}, {tier}, False, 1, counts)")
    src.emit(0, "")


def _count_term(
    src: _Source, number: int, usage: str, term: str, required: tuple[str, ...], cache: dict
) -> str:
    """Emit the reading of one term (``a|b``: the first present and not 0) into a variable;
    each value read must be an int (a bool is not one): else ``_refuse`` names it (and the
    caller checks it is not negative). An absent field is 0, and so is null unless the field
    is ``required``. (One test per value on the common paths: this runs per log line.)"""
    out = src.var()
    # every object on the way is looked up at the top (a lookup inside an `if` below would
    # leave its variable unset for a later term that shares it)
    values = [_lookup(src, 2, usage, alt, cache) for alt in term.split("|")]
    depth = 2
    for i, (alt, value) in enumerate(zip(term.split("|"), values, strict=True)):
        assert value.endswith(")"), alt  # a field, not a list index: absent reads as 0
        node = value.partition(".get(")[0]
        # an absent object (most records lack most details) is not searched
        value = value[:-1] + ", 0)" if node == "r" else f"{value[:-1]}, 0) if {node} else 0"
        if alt in required:  # null is not 0
            otherwise = f"_refuse({number}, r)"
        else:
            otherwise = f"0 if {out} is None else _refuse({number}, r)"
        src.emit(depth, f"{out} = {value}")
        src.emit(depth, f"if {out}.__class__ is not int: {out} = {otherwise}")
        if i < len(values) - 1:
            src.emit(depth, f"if not {out}:")
            depth += 1
    return out


def _bare_when(shape: Shape) -> tuple[str, ...]:
    """The `when` of a shape's usage object alone: its paths under the root, less the root."""
    if shape.bare_when:
        return shape.bare_when
    prefix = shape.root + "."
    return tuple(test[len(prefix) :] for test in shape.when if test.startswith(prefix))


def _when(src: _Source, tests: tuple[str, ...], shape: Shape, cache: dict) -> str:
    conditions = []
    for test in tests:
        path, eq, value = test.partition("=")
        found = _lookup(src, 2, "r", path, cache)
        conditions.append(f"{found} == {value!r}" if eq else f"{found} is not None")
    condition = " or ".join(conditions) or "False"
    if shape.model_prefix:
        model = _first(src, 2, "r", shape.model, cache)
        condition = (
            f"({condition}) and {model}.__class__ is str "
            f"and {model}.lower().startswith({tuple(shape.model_prefix)!r})"
        )
    return condition


def _order() -> list[tuple[Shape, str, tuple[str, ...]]]:
    """(shape, usage root, when) in the order the dispatcher tries them: whole responses,
    then usage objects alone, then our flat convention."""
    whole = [(s, s.root, s.when) for s in SHAPES if not s.fallback]
    bare = [(s, "", _bare_when(s)) for s in SHAPES if s.bare and s.root and not s.fallback]
    last = [(s, s.root, s.when) for s in SHAPES if s.fallback]
    return whole + bare + last


_ORDER = _order()


def _compile() -> str:
    src = _Source()
    for i, (shape, root, _) in enumerate(_ORDER):
        _compile_shape(src, i, shape, root)
    # read_call itself: records outside any envelope (nearly all) go straight to a shape,
    # found by the same tests as _shape's (written out here too: a call less per record)
    src.emit(0, "def _read(r):")
    src.emit(1, "if r.__class__ is not dict or not _ENVELOPE_KEYS.isdisjoint(r):")
    src.emit(2, "return _enveloped(r)")
    _dispatch(src)
    src.emit(1, "return _no_shape(r)")
    src.emit(0, "")
    src.emit(0, "def _shape(r):")
    _dispatch(src)
    src.emit(1, "return _NO_SHAPE")
    src.emit(0, "")
    by_api = {shape.api: i for i, (shape, root, _) in reversed(list(enumerate(_ORDER)))}
    src.emit(0, "_BY_API = {" + ", ".join(f"{a!r}: _read_{i}" for a, i in by_api.items()) + "}")
    return "\n".join(src.lines)


def _dispatch(src: _Source) -> None:
    """Emit the tests of each shape in order, each returning its reader's result."""
    src.emit(1, "try:")
    cache: dict = {}
    for i, (shape, _, tests) in enumerate(_ORDER):
        src.emit(2, f"if {_when(src, tests, shape, cache)}:")
        src.emit(3, f"return _read_{i}(r)")
    src.emit(1, "except AttributeError:")
    src.emit(2, "raise _diagnose(None, r) from None")


def _diagnose(number: int | None, record: dict) -> InputError:
    """The message for a record the compiled reader stopped at: the first path (of shape
    ``number``, or of any shape's tests) that holds something other than what it should."""
    shapes = _ORDER if number is None else [_ORDER[number]]
    for shape, root, tests in shapes:
        paths = [(test.partition("=")[0], False) for test in tests] if number is None else []
        if number is not None:
            paths = [
                (_join(root, alt), alt in shape.required)
                for terms in shape.counts.values()
                for term in terms
                for alt in term.lstrip("-").split("|")
            ]
        for path, required in paths:
            value, where, present = record, [], True
            for kind, arg in _steps(path):
                if value is None:
                    present = False
                    break
                if kind == "key":
                    if value.__class__ is not dict:
                        return _not_object(".".join(where) or "record", value)
                    present = arg in value
                    value = value.get(arg)
                elif kind == "index":
                    value = value[arg] if value.__class__ is list and len(value) > arg else None
                else:
                    if value.__class__ is not list:
                        return _not_object(".".join(where), value, "a list")
                    value = _find(value, arg[0], arg[1]) or None
                where.append(str(arg) if kind != "find" else f"[{arg[0]}={arg[1]}]")
            if number is None or not present:
                continue
            if (value is None and required) or (
                value is not None
                and (value.__class__ is not int or not 0 <= value <= MAX_TOKEN_COUNT)
            ):
                return _not_a_count(path, value)
    return InputError("usage: unreadable usage object")


def _not_a_count(path: str, value: Any) -> InputError:
    shown = "null" if value is None else clip(value)
    return InputError(
        f"{path}: expected a token count >= 0 and <= {MAX_TOKEN_COUNT:,}, got {shown}"
    )


def _refuse(number: int, record: dict) -> int:
    """For the compiled reader: a value read as a count is not one; raise, naming it."""
    raise _diagnose(number, record)


def _is_true(value: Any) -> bool:
    """A flag as logs write it: true, 1, or the text true / yes / 1 (a CSV cell)."""
    if value.__class__ is str:
        return value.strip().lower() in ("true", "yes", "1")
    return value is True or (value.__class__ is int and value == 1)


def _bad(number: int, record: dict, counts: tuple) -> InputError:
    """A count that is not one (named), else parts larger than their whole."""
    found = _diagnose(number, record)
    if found.args[0] != "usage: unreadable usage object":
        return found
    if min(counts) < 0:
        return _negative(counts, _ORDER[number][0].api)
    return found


def _find(value: Any, key: str, wanted: str) -> Any:
    """The element of a list whose ``key`` is ``wanted`` (``_E`` when none)."""
    if value.__class__ is list:
        for item in value:
            if item.__class__ is dict and item.get(key) == wanted:
                return item
    return _E


def _not_object(label: str, value: Any, what: str = "an object") -> InputError:
    return InputError(f"{label}: expected {what}, got {clip(value)}")


def _negative(counts: tuple, api: str) -> InputError:
    named = [name for name, value in zip(COUNTS, counts, strict=True) if value < 0]
    return InputError(
        f"usage: {api} parts exceed their whole ({', '.join(named)} would be negative)"
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


_NO_SHAPE = object()
_E: Mapping = MappingProxyType({})  # an absent object (read-only)


def _path(record: Any, path: str) -> Any:
    """A value by dotted path (for envelopes: a few per record, not per count)."""
    value = record
    for kind, arg in _steps(path):
        if kind == "key":
            value = value.get(arg) if value.__class__ is dict else None
        elif kind == "index":
            value = value[arg] if value.__class__ is list and len(value) > arg else None
        else:
            value = _find(value, arg[0], arg[1]) or None
        if value is None:
            return None
    return value


def _holds(record: dict, test: str) -> bool:
    path, eq, value = test.partition("=")
    found = _path(record, path)
    return found is not None and (not eq or str(found).lower() == value.lower())


def _envelope_index() -> list[tuple[str, dict[str, tuple[Envelope, ...]], tuple[Envelope, ...]]]:
    """Per top-level key of an envelope's first test (in table order): the envelopes by that
    key's value (as written, lower- and title-case), and those for any value."""
    index: dict[str, tuple[dict[str, list[Envelope]], list[Envelope]]] = {}
    for envelope in ENVELOPES:
        path, eq, value = envelope.when[0].partition("=")
        top = path.split(".")[0]
        by_value, any_value = index.setdefault(top, ({}, []))
        if eq and top == path:
            for form in dict.fromkeys((value, value.lower(), value.title())):
                by_value.setdefault(form, []).append(envelope)
        else:
            any_value.append(envelope)
    return [
        (key, {v: tuple(e) for v, e in by_value.items()}, tuple(any_value))
        for key, (by_value, any_value) in index.items()
    ]


_ENVELOPES = _envelope_index()
_ENVELOPE_KEYS = frozenset(key for key, _, _ in _ENVELOPES)
_KEEP = {e.keep: frozenset(COUNTS.index(name) for name in e.keep) for e in ENVELOPES if e.keep}


def _envelope(record: dict) -> Envelope | None:
    for key, by_value, any_value in _ENVELOPES:
        value = record.get(key)
        if value is None:
            continue
        if value.__class__ is str:
            for envelope in by_value.get(value, ()):
                if all(_holds(record, test) for test in envelope.when):
                    return envelope
        for envelope in any_value:
            if all(_holds(record, test) for test in envelope.when):
                return envelope
    return None


def _enveloped(record: Any) -> tuple | None:
    """:func:`read_call` for a record that may be a batch line or a streaming event."""
    if record.__class__ is not dict:
        raise _not_object("record", record)
    envelope = _envelope(record)
    if envelope is None:
        found = _compiled()["_shape"](record)
        return found if found is not _NO_SHAPE else _no_shape(record)
    if envelope.no_call:
        return None
    if envelope.failed is not None:
        status = _path(record, envelope.failed)
        if status is not None and status not in envelope.ok:
            raise FailedRequest(
                f"{envelope.failed}: request failed (status {clip(_short(status))})"
            )
    inner = _path(record, envelope.inner) if envelope.inner else record
    if inner is None:
        raise FailedRequest(f"{envelope.failed or envelope.inner}: request failed")
    if inner.__class__ is not dict:
        raise _not_object(envelope.inner, inner)
    compiled = _compiled()
    found = compiled["_BY_API"][envelope.shape] if envelope.shape else compiled["_shape"]
    found = found(inner)
    if found is _NO_SHAPE:
        return _no_shape(inner)
    if found is None:  # a stream chunk before the last
        return None
    model, api, finish, tier, batch, _, counts = found
    if envelope.keep is not None:
        kept = _KEEP[envelope.keep]
        counts = tuple(value if i in kept else 0 for i, value in enumerate(counts))
    if envelope.batch or batch:
        batch, tier = True, None
    if envelope.keep is not None:  # one part of a streamed call
        api = envelope.name
    return (model, api, finish, tier, batch, envelope.calls, counts)


def _no_shape(record: dict) -> None:
    """None for a streaming event that carries no usage; else the error."""
    if _is_usage_free_event(record):
        return None
    # a total written as null ({"usage": {"prompt_tokens": null, ...}}): name it
    for shape, root, tests in _ORDER:
        for test in tests:
            path = test.partition("=")[0]
            parent, _, last = path.rpartition(".")
            holder = _path(record, parent) if parent else record
            relative = path.removeprefix(root + ".") if root else path
            if (
                relative in shape.required
                and holder.__class__ is dict
                and last in holder
                and holder[last] is None
            ):
                raise _not_a_count(path, None)
    raise InputError(
        "usage: no usage found (expected usage, usageMetadata, prompt_tokens or "
        f"input_tokens; keys: {clip(sorted(record))})"
    )


def _short(status: Any) -> Any:
    if isinstance(status, Mapping):
        return status.get("code") or status.get("type") or status.get("message") or "error"
    return status


def _is_usage_free_event(record: dict) -> bool:
    """A streaming event or chunk that carries no usage: not a call, nothing to bill."""
    kind = record.get("type")
    if isinstance(kind, str) and kind.startswith(_NO_USAGE_EVENTS):
        return True
    return record.get("object") == "chat.completion.chunk" and record.get("usage") is None


@functools.cache
def _compiled() -> dict[str, Any]:
    """The table compiled (once per process, on first use: `budget cost` without --usage
    never pays for it): the namespace holding ``_read``, ``_shape`` and ``_BY_API``."""
    namespace: dict[str, Any] = {
        "_STANDARD": STANDARD_SERVICE_TIERS,
        "_NO_SHAPE": _NO_SHAPE,
        "_E": _E,
        "_find": _find,
        "_diagnose": _diagnose,
        "_bad": _bad,
        "_negative": _negative,
        "_refuse": _refuse,
        "_is_true": _is_true,
        "_text": _text,
        "_ENVELOPE_KEYS": _ENVELOPE_KEYS,
        "_enveloped": _enveloped,
        "_no_shape": _no_shape,
    }
    exec(compile(table_source(), "<pricing.usage table>", "exec"), namespace)  # noqa: S102
    return namespace


def read_call(record: Any) -> Call | None:
    """One record (response, batch line, streaming event, usage object) -> a :class:`Call`;
    None for an event that is not a call (a streaming delta, a cache hit). Raises
    :class:`FailedRequest` for a failed request, :class:`InputError` for malformed usage
    (naming the field). Compiled from :data:`SHAPES` and :data:`ENVELOPES` (see
    :func:`table_source`)."""
    found = _compiled()["_read"](record)
    return None if found is None else _new(Call, found)


_new = tuple.__new__


def __getattr__(name: str) -> Any:
    """``call_fields``: :func:`read_call`'s answer as a plain tuple of the :class:`Call`
    fields in order, from the compiled reader itself: for the usage reader's loop over
    millions of lines (no object per line). PEP 562: compiled when first asked for."""
    if name == "call_fields":
        return _compiled()["_read"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class ObservedCall:
    usage: Usage
    model: str | None
    api: str  # openai-chat | openai-responses | anthropic | gemini | xai-chat | ... | tokens
    finish_reason: str | None
    truncated: bool
    batch: bool = False  # read from a batch API's output file
    service_tier: str | None = None  # flex, priority, fast, ... as the response reports it
    calls: int = 1  # 0 for a streaming event that completes another event's call
    # Built-in tool uses billed per use ({"web_search": 2}): see tool_calls() below.
    tool_calls: Mapping[str, int] = dataclasses.field(default_factory=dict)
    created: CallTime | None = None  # when the call was made (UTC), if the record says


# Where a record says when the call was made: OpenAI Chat `created` (unix seconds), Responses
# `created_at`, Vertex `createTime`, LiteLLM spend logs' `startTime`, and the `timestamp` of
# logs people write themselves.
TIME_FIELDS = ("created", "created_at", "createTime", "create_time", "startTime", "timestamp")


def record_time(record: Any) -> CallTime | None:
    """When a logged call was made, in UTC (batch output lines: their response body's), or
    None when the record does not say."""
    stamp = record_stamp(record)
    return None if stamp is None else CallTime.of(stamp)


def record_stamp(record: Any) -> int | dt.date | None:
    """:func:`record_time` compactly (:func:`pricing.dates.call_stamp`), for reading logs."""
    if record.__class__ is dict:
        if "response" not in record and record.keys().isdisjoint(TIME_FIELDS):
            return None  # the common case of a log without times, decided in C
    elif not isinstance(record, Mapping):
        return None
    inner = record.get("response")
    if inner is not None and isinstance(inner, Mapping):
        body = inner.get("body")
        record = body if isinstance(body, Mapping) else inner
    for name in TIME_FIELDS:
        value = record.get(name)
        if value is not None:
            try:
                return call_stamp(value)
            except ValueError as exc:
                raise InputError(f"{name}: {exc}") from None
    return None


# Where a record says which conversation (session, thread) a call belongs to: our flat
# `conversation_id` / `session_id`, an OpenAI Responses `conversation.id`, the `metadata`
# people attach to requests and proxies log (LiteLLM `session_id`), an OpenTelemetry GenAI
# span's `gen_ai.conversation.id`. The first found names it.
CONVERSATION_PATHS = (
    ("conversation_id",),
    ("session_id",),
    ("thread_id",),
    ("conversation", "id"),
    ("metadata", "conversation_id"),
    ("metadata", "session_id"),
    ("metadata", "thread_id"),
    ("gen_ai", "conversation", "id"),
)
CONVERSATION_KEYS = frozenset(path[0] for path in CONVERSATION_PATHS)


def record_conversation(record: Any) -> str | None:
    """The conversation a logged call belongs to, or None when the record does not say (a
    value that is not text or a number is not an id)."""
    if record.__class__ is not dict or record.keys().isdisjoint(CONVERSATION_KEYS):
        return None  # the common case, decided in C
    for path in CONVERSATION_PATHS:
        value: Any = record
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
            return str(value)
    return None


def normalize(record: Mapping[str, Any]) -> ObservedCall:
    """Read one provider response, batch output line, streaming event or usage object."""
    if not isinstance(record, Mapping):
        raise InputError(f"expected a JSON object, got {type(record).__name__}")
    found = read_call(dict(record) if record.__class__ is not dict else record)
    if found is None:
        raise InputError("usage: a streaming event without usage (not a call)")
    return observed(found, record)


def observed(found: Call, record: Any = None) -> ObservedCall:
    """The :class:`ObservedCall` of a :func:`read_call` result (checks the parts); with the
    ``record`` it was read from, the built-in tool uses and the call's time it reports too."""
    model, api, finish, tier, batch, calls, counts = found
    usage = Usage(**dict(zip(COUNTS, counts, strict=True)))
    uses = record_tool_calls(record) if record is not None else {}
    created = record_time(record) if record is not None else None
    truncated = finish in TRUNCATION_REASONS
    return ObservedCall(usage, model, api, finish, truncated, batch, tier, calls, uses, created)


# ------------------------------------------------------------------ logs as users have them
# Column-shaped logs (CSV, Parquet, LiteLLM exports) are read by the same table: each row
# becomes the record its columns spell (``usage.prompt_tokens`` nests; a cell holding a JSON
# object is that object), and read_call reads it as it reads a JSON line.


def column_record(header: list[str], typed: bool = False) -> Any:
    """A function from one row of a table (its cells, in ``header`` order) to the record it
    spells: ``usage.prompt_tokens`` is ``prompt_tokens`` inside ``usage`` (an empty cell under
    a dotted name is a field the row does not have, so rows of several providers share one
    table). A CSV cell has no type, so its text says what it is (:func:`cell_value`); a typed
    cell (Parquet, ``typed``) is what it holds (:func:`typed_value`)."""
    names = list(header)
    value = typed_value if typed else cell_value
    if not any("." in name for name in names):
        return lambda cells: dict(zip(names, map(value, cells), strict=True))

    def nested(cells: Any) -> dict:
        record: dict = {}
        for name, cell in zip(names, map(value, cells), strict=True):
            if cell is None and "." in name:
                continue
            _nest(record, name, cell)
        return record

    return nested


_FLAGS = {"true": True, "false": False}


def cell_value(text: str) -> Any:
    """One CSV cell's text as the value it writes (see :func:`column_record`)."""
    if not text:
        return None
    if text.isascii() and (text.isdigit() or (text[0] == "-" and text[1:].isdigit())):
        return int(text)
    flag = _FLAGS.get(text.lower()) if len(text) in (4, 5) else None
    if flag is not None:
        return flag
    if text[0] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def typed_value(value: Any) -> Any:
    """One value of a typed column (Parquet) as a log's record holds it: a text holding a
    JSON object or list (LiteLLM's metadata column) is that value; anything else is itself
    (a float or a timestamp in a count's column is then refused as a count)."""
    if value.__class__ is str and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def column_problem(header: list[str]) -> str | None:
    """Why a column-shaped log cannot be read as calls, or None: no column any shape or
    envelope reads (``input_tokens``, ``prompt_tokens``, ``usage``, ...), or two columns one
    term reads either of (``cached_tokens`` and ``cache_read_tokens``: which to believe?)."""
    present = set(header)
    objects = {
        ".".join(name.split(".")[:i]) for name in header for i in range(1, name.count(".") + 1)
    }

    def holds(path: str) -> bool:
        # the column, a column holding the object around it (JSON), or columns inside it
        parts = path.split(".")
        around = any(".".join(parts[:i]) in present for i in range(1, len(parts) + 1))
        return around or path in objects

    readable = False
    for shape, root, tests in _ORDER:
        if not any(holds(test.partition("=")[0]) for test in tests):
            continue
        readable = True
        for terms in shape.counts.values():
            for term in terms:
                wanted = [_join(root, alt) for alt in term.lstrip("-").split("|")]
                given = [name for name in header if name in wanted]
                if len(given) > 1:
                    return f"{wanted[0]}: given twice ({', '.join(given)})"
    readable = readable or any(
        holds(test.partition("=")[0]) for envelope in ENVELOPES for test in envelope.when
    )
    if not readable:
        return (
            "no usage columns (expected input_tokens and output_tokens, or prompt_tokens and "
            f"completion_tokens; columns: {clip(list(header))})"
        )
    return None


def spans(document: Mapping[str, Any]) -> Iterator[dict]:
    """OpenTelemetry OTLP JSON (``resourceSpans`` / ``scopeSpans`` / ``spans``, as the
    OTLP file exporter writes a line) -> one flat record per GenAI span, attributes nested
    by their dotted names (``gen_ai.usage.input_tokens`` -> ``{"gen_ai": {"usage": ...}}``).
    OTLP JSON writes 64-bit integers as strings (``{"intValue": "97"}``): read as ints."""
    for resource in _list(document.get("resourceSpans")):
        for scope in _list(resource.get("scopeSpans") if isinstance(resource, dict) else None):
            for span in _list(scope.get("spans") if isinstance(scope, dict) else None):
                if not isinstance(span, dict):
                    continue
                record: dict = {}
                for attribute in _list(span.get("attributes")):
                    if not isinstance(attribute, dict) or not isinstance(attribute.get("key"), str):
                        continue
                    _nest(record, attribute["key"], _otlp_value(attribute.get("value")))
                if (
                    "gen_ai" in record
                    and isinstance(record["gen_ai"], dict)
                    and "usage" in record["gen_ai"]
                ):
                    yield record


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _nest(record: dict, key: str, value: Any) -> None:
    *parents, last = key.split(".")
    target = record
    for part in parents:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {} if child is None else {"": child}
        target = child
    if isinstance(target.get(last), dict):
        target[last][""] = value
    else:
        target[last] = value


def _otlp_value(value: Any) -> Any:
    if not isinstance(value, dict):
        return None
    if "intValue" in value:
        raw = value["intValue"]
        if isinstance(raw, str) and raw.lstrip("-").isdigit():
            return int(raw)
        return raw
    for kind in ("stringValue", "doubleValue", "boolValue"):
        if kind in value:
            return value[kind]
    if "arrayValue" in value:
        items = value["arrayValue"].get("values") if isinstance(value["arrayValue"], dict) else None
        return [_otlp_value(item) for item in _list(items)]
    return None


OTLP = "resourceSpans"  # the key of an OpenTelemetry OTLP JSON document


def expand(record: Any) -> Iterator[Any]:
    """The calls' records inside one parsed record: an OTLP document holds many spans;
    anything else is itself."""
    if record.__class__ is dict and OTLP in record:
        yield from spans(record)
    else:
        yield record


@functools.cache
def table_source() -> str:
    """The Python source the table compiles to (for reading, and for tests)."""
    return _compile()


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
    has "search" or "tool_calls" in its name or value, so a line without either is not
    searched (a third of a log's reading time)."""
    return b"search" in raw or b"tool_calls" in raw


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
