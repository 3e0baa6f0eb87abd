"""JSON, JSONL and CSV records from a user's file, decided and parsed in one place.

The rule, for every command that reads records (count, samples, usage logs, calibration):

* a file whose first non-blank byte is ``[`` is one JSON array: its elements are the records
  (``FILE[i]`` in messages);
* otherwise, when its first line is a whole JSON value and more follows, it is JSONL: one
  record per non-blank line (``FILE:LINE``);
* otherwise it is one JSON document: one record (``FILE:1``), pretty-printed or not;
* ``.csv`` files are CSV: one record per row, as a mapping from the header's names.

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


def kind_of(path: str, head: bytes) -> str:
    """``json``, ``jsonl`` or ``csv`` for a file named ``path`` that starts with ``head`` (at
    least its first line)."""
    if path.lower().endswith(".csv"):
        return "csv"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"[":
        return "json"
    first, newline, rest = text.partition(b"\n")
    if newline and rest.strip():
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            return "json"  # a document spread over lines
        return "jsonl"
    return "json"


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


def peek(handle: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The start of a file (its first non-blank line and a little more) and a stream that
    still yields the whole file. Nothing is sought: pipes and FIFOs are read once."""
    head = b""
    while True:
        line = handle.readline()
        head += line
        if not line or line.strip():
            break
    head += handle.read(256)
    return head, io.BufferedReader(_Prefixed(head, handle), buffer_size=1 << 20)


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of the stream."""

    def __init__(self, prefix: bytes, rest: IO[bytes]):
        self.prefix, self.rest = memoryview(prefix), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.prefix:
            n = min(len(buffer), len(self.prefix))
            buffer[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
            return n
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def file_records(path: str, kind: str | None = None) -> Iterator[tuple[str, Any]]:
    """:func:`records` of the file at ``path`` (``-``: standard input)."""
    with open_input(path) as handle:
        yield from records(handle, path, kind)


def records(handle: IO[bytes], label: str, kind: str | None = None) -> Iterator[tuple[str, Any]]:
    """``(where, value)`` of every record of an open binary file, streaming JSONL and CSV.

    ``kind`` (``json``, ``jsonl``, ``csv``) overrides the sniffing of :func:`kind_of`.
    """
    if kind is None:
        head, handle = peek(handle)
        kind = kind_of(label, head)
    if kind == "csv":
        yield from csv_records(handle, label)
        return
    if kind == "jsonl":
        for number, line in numbered_lines(handle, label):
            yield f"{label}:{number}", loads(line, f"{label}:{number}")
        return
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


def csv_records(handle: IO[bytes], label: str) -> Iterator[tuple[str, dict[str, str]]]:
    """``(FILE:LINE, {column: value})`` per CSV row; a row with more or fewer fields than the
    header is an error (an unquoted comma shifts the columns)."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
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
