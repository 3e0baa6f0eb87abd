"""JSON, JSONL, CSV and TSV records from a user's file, parsed in one place.

Which of them a file is, :mod:`budget.inputs.sniff` decides (and decompresses). Records, for
every command that reads them (count, samples, usage logs, calibration):

* JSONL: one record per non-blank line (``FILE:LINE`` in messages);
* JSON: a document that is an array has its elements as records (``FILE[i]``); any other
  document is one record (``FILE:1``), pretty-printed or not;
* CSV and TSV: one record per row, as a mapping from the header's names (``FILE:LINE``).

Every parse goes through :func:`loads`: invalid JSON and JSON nested deeper than
``MAX_DEPTH`` are one-line :class:`InputError` naming the place, never a RecursionError.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import IO, Any

import orjson

from budget.inputs.sniff import DELIMITERS, open_sniffed, sniff_stream
from pricing.errors import InputError
from pricing.textfile import open_input, strip_bom

MAX_DEPTH = 64  # objects and arrays inside each other; real requests and logs use under 20


def loads(data: bytes | str, where: str, document: bool = False, bounded: bool = True) -> Any:
    """One JSON value, or a one-line error at ``where`` (invalid, or nested too deep).

    ``document``: ``where`` is a whole file, so an error adds the line it is on. ``bounded``
    (default) refuses nesting past ``MAX_DEPTH`` for callers that walk the value (requests,
    samples); usage logs are read by fixed field paths, so orjson's own bound (1,024) serves
    them and the walk is skipped."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if str(exc).lower().startswith(("depth", "recursion")):
            line = f":{exc.lineno}" if document else ""
            raise InputError(f"{where}{line}: JSON nested more than {MAX_DEPTH} deep") from None
        if isinstance(data, bytes):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise InputError(f"{where}: not UTF-8 text at byte {bad.start}") from None
        reason, lineno = _reason(data, exc)
        line = f":{lineno}" if document else ""
        raise InputError(f"{where}{line}: invalid JSON ({reason})") from None
    # orjson stops at 1,024 levels; the code that walks a request recurses, so bound it here.
    # Counting brackets first keeps the walk off the common, shallow path.
    if (
        bounded
        and value.__class__ in (dict, list)
        and _brackets(data) > MAX_DEPTH
        and _depth(value) > MAX_DEPTH
    ):
        raise InputError(f"{where}: JSON nested more than {MAX_DEPTH} deep")
    return value


def _reason(data: bytes | str, exc: orjson.JSONDecodeError) -> tuple[str, int]:
    """The standard library's wording (``Expecting value``), which users search for, and
    the line of the error."""
    try:
        json.loads(data)
    except json.JSONDecodeError as std:
        return std.msg, std.lineno
    except (RecursionError, ValueError):
        pass
    return str(exc).split(":")[0], exc.lineno


def _brackets(data: bytes | str) -> int:
    if isinstance(data, str):
        return data.count("{") + data.count("[")
    return data.count(b"{") + data.count(b"[")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def open_range(path: str, start: int, end: int | None) -> IO[bytes]:
    """Bytes ``[start, end)`` of a local file (``end`` None: to the end), as a stream: a
    partition that a Dask worker reads alone."""
    handle = open_input(path)
    handle.seek(start)
    return io.BufferedReader(_Range(handle, None if end is None else end - start), 1 << 20)


class _Range(io.RawIOBase):
    """At most ``left`` bytes of a stream (None: all of it); closing it closes the stream."""

    def __init__(self, handle: IO[bytes], left: int | None):
        self.handle, self.left = handle, left

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        want = len(buffer) if self.left is None else min(len(buffer), self.left)
        data = self.handle.read(want)
        buffer[: len(data)] = data
        if self.left is not None:
            self.left -= len(data)
        return len(data)

    def close(self) -> None:
        self.handle.close()
        super().close()


def file_records(path: str, fmt: str | None = None) -> Iterator[tuple[str, Any]]:
    """:func:`records` of the file at ``path`` (``-``: standard input), decompressed;
    ``fmt`` overrides the format :mod:`budget.inputs.sniff` finds."""
    with open_sniffed(path) as (kind, stream):
        yield from records(stream, path, fmt or kind.format)


def records(handle: IO[bytes], label: str, fmt: str | None = None) -> Iterator[tuple[str, Any]]:
    """``(where, value)`` of every record of an open binary file, streaming JSONL, CSV and
    TSV. ``fmt`` (``json``, ``jsonl``, ``csv``, ``tsv``): the format already known; else
    :func:`budget.inputs.sniff.sniff_stream` decides."""
    if fmt is None:
        kind, handle = sniff_stream(handle, label)
        fmt = kind.format
    if fmt in DELIMITERS:
        yield from csv_records(handle, label, DELIMITERS[fmt])
        return
    if fmt == "jsonl":
        for number, line in numbered_lines(handle, label):
            yield f"{label}:{number}", loads(line, f"{label}:{number}")
        return
    if fmt != "json":
        raise InputError(f"{label}: {fmt} file; expected JSON, JSONL, CSV or TSV records")
    data, _ = strip_bom(handle.read(), label)
    if not data.strip():
        return
    value = loads(data, label, document=True)
    if isinstance(value, list):
        yield from ((f"{label}[{index}]", item) for index, item in enumerate(value))
    else:
        yield f"{label}:1", value


def numbered_lines(handle: IO[bytes], label: str) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` of the non-blank lines of a binary file, a BOM dropped."""
    for number, line in enumerate(handle, start=1):
        if number == 1:
            line, _ = strip_bom(line, label)
        if line.strip():
            yield number, line


def csv_records(
    handle: IO[bytes], label: str, delimiter: str = ","
) -> Iterator[tuple[str, dict[str, str]]]:
    """``(FILE:LINE, {column: value})`` per CSV (or TSV) row; a row with more or fewer fields
    than the header is an error (an unquoted comma shifts the columns)."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            return
        for number, row in csv_rows(reader, label, header):
            yield f"{label}:{number}", dict(zip(header, row, strict=True))
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise InputError(f"{label}:{reader.line_num}: invalid CSV ({exc})") from None
    finally:
        text.detach()


def csv_rows(reader: Any, label: str, header: list[str]) -> Iterator[tuple[int, list]]:
    """(line number, row) of a ``csv.reader`` past its header, blank lines skipped."""
    for row in reader:
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(
                f"{label}:{reader.line_num}: expected {len(header)} fields as in the header, "
                f"got {len(row)}"
            )
        yield reader.line_num, row
