"""OpenTelemetry OTLP JSON documents: one flat record per GenAI span, for the usage reader."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pricing.usage_paths import nest

OTLP = "resourceSpans"  # the key of an OpenTelemetry OTLP JSON document


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
                    nest(record, attribute["key"], _otlp_value(attribute.get("value")))
                if (
                    "gen_ai" in record
                    and isinstance(record["gen_ai"], dict)
                    and "usage" in record["gen_ai"]
                ):
                    yield record


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


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


def expand(record: Any) -> Iterator[Any]:
    """The calls' records inside one parsed record: an OTLP document holds many spans;
    anything else is itself."""
    if record.__class__ is dict and OTLP in record:
        yield from spans(record)
    else:
        yield record
