"""When a logged call was made, as its record says (priced at the prices of that day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pricing.dates import CallTime, call_stamp
from pricing.errors import InputError

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
