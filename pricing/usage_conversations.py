"""Which conversation (session, thread) a logged call belongs to, as its record says (budget
fit's turns per conversation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
