"""The table's paths (``usage.prompt_tokens_details.cached_tokens``, ``choices.0``,
``promptTokensDetails[modality=AUDIO].tokenCount``): their steps, and their values in a
record, for the few readers that walk them at run time (envelopes, diagnostics); dotted
names nested into a record (a table's columns, OTLP attributes).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


def path_steps(path: str) -> list[tuple[str, Any]]:
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


def join_path(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix and path else prefix or path


EMPTY: Mapping = MappingProxyType({})  # an absent object (read-only)


def find_element(value: Any, key: str, wanted: str) -> Any:
    """The element of a list whose ``key`` is ``wanted`` (``EMPTY`` when none)."""
    if value.__class__ is list:
        for item in value:
            if item.__class__ is dict and item.get(key) == wanted:
                return item
    return EMPTY


def path_value(record: Any, path: str) -> Any:
    """A value by dotted path (for envelopes: a few per record, not per count)."""
    value = record
    for kind, arg in path_steps(path):
        if kind == "key":
            value = value.get(arg) if value.__class__ is dict else None
        elif kind == "index":
            value = value[arg] if value.__class__ is list and len(value) > arg else None
        else:
            value = find_element(value, arg[0], arg[1]) or None
        if value is None:
            return None
    return value


def holds(record: dict, test: str) -> bool:
    path, eq, value = test.partition("=")
    found = path_value(record, path)
    return found is not None and (not eq or str(found).lower() == value.lower())


def nest(record: dict, key: str, value: Any) -> None:
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
