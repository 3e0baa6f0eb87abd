"""Provider usage objects -> the one convention (:class:`pricing.engine.Usage`), from one table.

Every provider shape is a row of data (:data:`SHAPES`, :data:`ENVELOPES`, in
:mod:`pricing.usage_shapes`): where the counts sit and how they add up. The table is
compiled once into one plain Python function (:func:`read_call`), and both the per-call
path (:func:`normalize` -> :mod:`pricing.engine`) and the columnar path
(``budget/usage/read.py`` -> :mod:`pricing.arrays`) call that function, so the two cannot
read a field differently. The columnar path's loop also has the table compiled to C
(``budget/usage/cscan.py``, step for step as this one), which hands this function every
record it cannot read exactly as it would; a test holds the two to the same answers.
Column-shaped logs (CSV, Parquet, LiteLLM exports) too: a row is
the record its columns spell (:func:`column_record`), read by the same function. What bills
a call once read (model, variant, tier, day) is :mod:`pricing.logged`'s.

The parts, one idea each: the table (:mod:`pricing.usage_shapes`, with the convention
every shape is read into), its paths (:mod:`pricing.usage_paths`), the compiler
(:mod:`pricing.usage_compiler`), the messages for what cannot be read
(:mod:`pricing.usage_diagnostics`), envelopes (:mod:`pricing.usage_envelopes`), column-shaped
logs (:mod:`pricing.usage_columns`), OTLP documents (:mod:`pricing.otlp`), when a call was
made (:mod:`pricing.usage_times`), which conversation it is of
(:mod:`pricing.usage_conversations`) and built-in tool uses (:mod:`pricing.tool_uses`). This
module runs the compiled reader and keeps every public name importable from here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NamedTuple

from pricing.engine import Usage
from pricing.errors import FailedRequest, InputError, clip
from pricing.observed import ObservedCall
from pricing.otlp import OTLP, expand, spans
from pricing.tool_uses import (
    ANTHROPIC_SERVER_TOOLS,
    OPENAI_TOOL_ITEMS,
    may_report_tools,
    record_tool_calls,
    tool_calls,
)
from pricing.usage_columns import cell_value, column_problem, column_record, typed_value
from pricing.usage_compiler import table_source
from pricing.usage_conversations import CONVERSATION_KEYS, CONVERSATION_PATHS, record_conversation
from pricing.usage_diagnostics import (
    bad_counts,
    diagnose,
    no_shape,
    not_object,
    refuse,
    short_status,
)
from pricing.usage_envelopes import ENVELOPE_KEYS, KEPT_COUNTS, envelope_of, named_model
from pricing.usage_paths import EMPTY, find_element, path_value
from pricing.usage_shapes import (
    COUNTS,
    ENVELOPES,
    MODEL_NAMED_BEFORE,
    SHAPES,
    STANDARD_SERVICE_TIERS,
    TRUNCATION_REASONS,
    Envelope,
    Shape,
)
from pricing.usage_times import TIME_FIELDS, record_stamp, record_time

# names read from here by the library, the log readers and the tests
__all__ = [
    "ANTHROPIC_SERVER_TOOLS",
    "CONVERSATION_KEYS",
    "CONVERSATION_PATHS",
    "COUNTS",
    "ENVELOPES",
    "MODEL_NAMED_BEFORE",
    "OPENAI_TOOL_ITEMS",
    "OTLP",
    "SHAPES",
    "STANDARD_SERVICE_TIERS",
    "TIME_FIELDS",
    "TRUNCATION_REASONS",
    "Call",
    "Envelope",
    "ObservedCall",
    "Shape",
    "cell_value",
    "column_problem",
    "column_record",
    "expand",
    "is_true",
    "may_report_tools",
    "named_model",
    "normalize",
    "observed",
    "read_call",
    "record_conversation",
    "record_stamp",
    "record_time",
    "record_tool_calls",
    "spans",
    "table_source",
    "tool_calls",
    "typed_value",
]


class Call(NamedTuple):
    """One call as :func:`read_call` reads it from a record."""

    model: str | None  # as the record names it
    api: str  # the shape that read it: openai-chat, anthropic, gemini, ..., tokens
    finish: str | None  # finish / stop reason
    tier: str | None  # a service tier other than standard, as reported (flex, priority, fast)
    batch: bool  # a batch API call
    calls: int  # 1; 0 for a streaming event that completes another event's call
    counts: tuple[int, ...]  # in COUNTS order


def is_true(value: Any) -> bool:
    """A flag as logs write it: true, 1, or the text true / yes / 1 (a CSV cell)."""
    if value.__class__ is str:
        return value.strip().lower() in ("true", "yes", "1")
    return value is True or (value.__class__ is int and value == 1)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


_NO_SHAPE = object()


def _enveloped(record: Any) -> tuple | None:
    """:func:`read_call` for a record that may be a batch line or a streaming event."""
    if record.__class__ is not dict:
        raise not_object("record", record)
    envelope = envelope_of(record)
    if envelope is None:
        found = _compiled()["_shape"](record)
        return found if found is not _NO_SHAPE else no_shape(record)
    if envelope.no_call:
        return None
    if envelope.failed is not None:
        status = path_value(record, envelope.failed)
        if status is not None and status not in envelope.ok:
            raise FailedRequest(
                f"{envelope.failed}: request failed (status {clip(short_status(status))})"
            )
    inner = path_value(record, envelope.inner) if envelope.inner else record
    if inner is None:
        raise FailedRequest(f"{envelope.failed or envelope.inner}: request failed")
    if inner.__class__ is not dict:
        raise not_object(envelope.inner, inner)
    compiled = _compiled()
    found = compiled["_BY_API"][envelope.shape] if envelope.shape else compiled["_shape"]
    found = found(inner)
    if found is _NO_SHAPE:
        return no_shape(inner)
    if found is None:  # a stream chunk before the last
        return None
    model, api, finish, tier, batch, _, counts = found
    if envelope.keep is not None:
        kept = KEPT_COUNTS[envelope.keep]
        counts = tuple(value if i in kept else 0 for i, value in enumerate(counts))
    if envelope.batch or batch:
        batch, tier = True, None
    if envelope.keep is not None or envelope.model_named_before:  # a part of a stream or session
        api = envelope.name
    return (model, api, finish, tier, batch, envelope.calls, counts)


@functools.cache
def _compiled() -> dict[str, Any]:
    """The table compiled (once per process, on first use: `budget cost` without --usage
    never pays for it): the namespace holding ``_read``, ``_shape`` and ``_BY_API``. The
    generated source calls its helpers by short underscored names of its own (``_E`` is
    :data:`pricing.usage_paths.EMPTY`, ``_refuse`` :func:`pricing.usage_diagnostics.refuse`)."""
    namespace: dict[str, Any] = {
        "_STANDARD": STANDARD_SERVICE_TIERS,
        "_NO_SHAPE": _NO_SHAPE,
        "_E": EMPTY,
        "_find": find_element,
        "_diagnose": diagnose,
        "_bad": bad_counts,
        "_refuse": refuse,
        "_is_true": is_true,
        "_text": _text,
        "_ENVELOPE_KEYS": ENVELOPE_KEYS,
        "_enveloped": _enveloped,
        "_no_shape": no_shape,
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
