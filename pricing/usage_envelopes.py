"""Which envelope (:data:`pricing.usage_shapes.ENVELOPES`: a batch output line, a streaming
event) a record is in, found through an index by the top-level key of each envelope's
first test.
"""

from __future__ import annotations

from typing import Any

from pricing.usage_paths import holds, path_value
from pricing.usage_shapes import COUNTS, ENVELOPES, NAMING_EVENTS, Envelope


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


# per top-level key: (key, {value: envelopes}, envelopes for any value), as envelope_of reads
# it (and the C log reader, budget/usage/_scan.c, to know a record is in none)
ENVELOPE_INDEX = _envelope_index()
# the top-level keys that can make a record an envelope (a record without any is not one)
ENVELOPE_KEYS = frozenset(key for key, _, _ in ENVELOPE_INDEX)
# an envelope's ``keep`` -> the indexes in COUNTS of the counts its event carries
KEPT_COUNTS = {
    e.keep: frozenset(COUNTS.index(name) for name in e.keep) for e in ENVELOPES if e.keep
}


def envelope_of(record: dict) -> Envelope | None:
    """The first envelope (table order) whose tests all hold for ``record``, or None."""
    for key, by_value, any_value in ENVELOPE_INDEX:
        value = record.get(key)
        if value is None:
            continue
        if value.__class__ is str:
            for envelope in by_value.get(value, ()):
                if all(holds(record, test) for test in envelope.when):
                    return envelope
        for envelope in any_value:
            if all(holds(record, test) for test in envelope.when):
                return envelope
    return None


def named_model(record: Any) -> str | None:
    """The model an event that is not a call names for the calls after it
    (:data:`pricing.usage_shapes.NAMING_EVENTS`: OpenAI Realtime's ``session.created`` and
    ``session.updated``), or None."""
    if record.__class__ is not dict:
        return None
    for test, path in NAMING_EVENTS:
        if holds(record, test):
            value = path_value(record, path)
            return value if isinstance(value, str) else None
    return None
