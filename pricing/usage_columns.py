"""Column-shaped logs (CSV, Parquet, LiteLLM exports) read by the same table: each row becomes
the record its columns spell (``usage.prompt_tokens`` nests; a cell holding a JSON object
is that object), and read_call reads it as it reads a JSON line.
"""

from __future__ import annotations

import json
from typing import Any

from pricing.errors import clip
from pricing.usage_paths import join_path, nest
from pricing.usage_shapes import ENVELOPES, READ_ORDER


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
            nest(record, name, cell)
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
    for shape, root, tests in READ_ORDER:
        if not any(holds(test.partition("=")[0]) for test in tests):
            continue
        readable = True
        for terms in shape.counts.values():
            for term in terms:
                wanted = [join_path(root, alt) for alt in term.lstrip("-").split("|")]
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
