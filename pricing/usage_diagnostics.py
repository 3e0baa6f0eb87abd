"""What is wrong with a record the usage reader stopped at, in one line naming the field: a
value that is not a count, parts larger than their whole, a total written as null, no
usage at all (and which streaming events carry none, so are not calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pricing.engine import MAX_TOKEN_COUNT
from pricing.errors import InputError, clip
from pricing.usage_paths import find_element, join_path, path_steps, path_value
from pricing.usage_shapes import COUNTS, NO_USAGE_EVENTS, READ_ORDER


def diagnose(number: int | None, record: dict) -> InputError:
    """The message for a record the compiled reader stopped at: the first path (of shape
    ``number``, or of any shape's tests) that holds something other than what it should."""
    shapes = READ_ORDER if number is None else [READ_ORDER[number]]
    for shape, root, tests in shapes:
        paths = [(test.partition("=")[0], False) for test in tests] if number is None else []
        if number is not None:
            paths = [
                (join_path(root, alt), alt in shape.required)
                for terms in shape.counts.values()
                for term in terms
                for alt in term.lstrip("-").split("|")
            ]
        for path, required in paths:
            value, where, present = record, [], True
            for kind, arg in path_steps(path):
                if value is None:
                    present = False
                    break
                if kind == "key":
                    if value.__class__ is not dict:
                        return not_object(".".join(where) or "record", value)
                    present = arg in value
                    value = value.get(arg)
                elif kind == "index":
                    value = value[arg] if value.__class__ is list and len(value) > arg else None
                else:
                    if value.__class__ is not list:
                        return not_object(".".join(where), value, "a list")
                    value = find_element(value, arg[0], arg[1]) or None
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


def refuse(number: int, record: dict) -> int:
    """For the compiled reader: a value read as a count is not one; raise, naming it."""
    raise diagnose(number, record)


def bad_counts(number: int, record: dict, counts: tuple) -> InputError:
    """A count that is not one (named), else parts larger than their whole."""
    found = diagnose(number, record)
    if found.args[0] != "usage: unreadable usage object":
        return found
    if min(counts) < 0:
        return negative_parts(counts, READ_ORDER[number][0].api)
    return found


def not_object(label: str, value: Any, what: str = "an object") -> InputError:
    return InputError(f"{label}: expected {what}, got {clip(value)}")


def negative_parts(counts: tuple, api: str) -> InputError:
    named = [name for name, value in zip(COUNTS, counts, strict=True) if value < 0]
    return InputError(
        f"usage: {api} parts exceed their whole ({', '.join(named)} would be negative)"
    )


def no_shape(record: dict) -> None:
    """None for a streaming event that carries no usage; else the error."""
    if _is_usage_free_event(record):
        return None
    # a total written as null ({"usage": {"prompt_tokens": null, ...}}): name it
    for shape, root, tests in READ_ORDER:
        for test in tests:
            path = test.partition("=")[0]
            parent, _, last = path.rpartition(".")
            holder = path_value(record, parent) if parent else record
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


def short_status(status: Any) -> Any:
    if isinstance(status, Mapping):
        return status.get("code") or status.get("type") or status.get("message") or "error"
    return status


def _is_usage_free_event(record: dict) -> bool:
    """A streaming event or chunk that carries no usage: not a call, nothing to bill."""
    kind = record.get("type")
    if isinstance(kind, str) and kind.startswith(NO_USAGE_EVENTS):
        return True
    return record.get("object") == "chat.completion.chunk" and record.get("usage") is None
