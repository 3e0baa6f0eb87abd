"""Input files for `budget count`: which format a file is, how it is cut into blocks that can be
counted apart (streaming, in parallel), and how one JSON record becomes a text or a request.

Formats: ``text`` (one record per file), ``json`` (one chat request per file), ``jsonl`` (one
request or text per line; OpenAI Batch and Anthropic Message Batches lines are recognised),
``openai-batch`` and ``anthropic-batch`` (JSONL that must have that shape), ``csv`` (one text
per row, from ``--column``).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from budget.tokenizers.protocol import Request
from pricing.errors import InputError

FORMATS = ("text", "json", "jsonl", "openai-batch", "anthropic-batch", "csv")
EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
BLOCK_SIZE = 4 << 20  # bytes read at a time; also the unit of work for --jobs
MAX_UNSPLIT = 64 << 20  # a text with no safe cut in this many bytes is cut anyway
STDIN = "-"
MESSAGE_KEYS = {"role", "content", "parts"}  # OpenAI / Anthropic messages, Gemini contents


def expand_paths(paths: list[str]) -> list[str]:
    """Globs expanded (for shells that did not), in order; ``-`` is standard input."""
    expanded: list[str] = []
    for path in paths or [STDIN]:
        if path == STDIN or os.path.exists(path):
            if os.path.isdir(path):
                raise InputError(f"{path}: is a directory (give files or a glob like {path}/*.txt)")
            expanded.append(path)
            continue
        matches = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
        if not matches:
            raise InputError(f"{path}: no such file")
        expanded.extend(matches)
    return expanded


def detect_format(path: str, fmt: str | None, column: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise InputError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
        chosen = fmt
    elif column:
        chosen = "csv"
    else:
        chosen = EXTENSIONS.get(os.path.splitext(path)[1].lower(), "text")
    if chosen == "csv" and not column:
        raise InputError(f"{path}: CSV input needs --column NAME (the column holding the text)")
    return chosen


@dataclass(frozen=True)
class Block:
    data: bytes
    first_line: int  # 1-based line number of the block's first line
    offset: int  # byte offset of the block in its file
    rows: list[tuple[int, str]] | None = None  # CSV: (row number, text), already decoded


def _safe_text_cut(buffer: bytes) -> int:
    """An index where the text can be cut without changing its token count, or -1.

    After a newline that is followed by a printable ASCII character other than ``/``, no
    pre-token of o200k_base, cl100k_base or a byte-level BPE spans the cut (their patterns
    never join a newline to a following non-space; o200k's punctuation run may take a
    ``/``). Failing that, a space between two ASCII letters: a word ends before it and the
    next one starts with it.
    """
    end = len(buffer)
    for _ in range(10_000):
        newline = buffer.rfind(b"\n", 0, end - 1)
        if newline < 0:
            break
        following = buffer[newline + 1]
        if 0x21 <= following <= 0x7E and following != 0x2F:
            return newline + 1
        end = newline + 1
    end = len(buffer)
    for _ in range(10_000):
        space = buffer.rfind(b" ", 1, end - 1)
        if space < 0:
            break
        if (
            bytes(buffer[space - 1 : space]).isalpha()
            and bytes(buffer[space + 1 : space + 2]).isalpha()
        ):
            return space
        end = space
    return -1


def _char_boundary(buffer: bytes, index: int) -> int:
    while index > 0 and 0x80 <= buffer[index] <= 0xBF:  # a UTF-8 continuation byte
        index -= 1
    return index


def text_blocks(stream: IO[bytes], block_size: int = BLOCK_SIZE) -> Iterator[tuple[Block, bool]]:
    """Blocks cut where the token count is unchanged; the flag says a cut was forced."""
    pending = b""
    offset = 0
    while True:
        chunk = stream.read(block_size)
        if chunk:
            pending += chunk
            if len(pending) < block_size:
                continue
            cut = _safe_text_cut(pending)
            forced = False
            if cut <= 0:
                if len(pending) < MAX_UNSPLIT:
                    continue
                cut, forced = _char_boundary(pending, len(pending) - 1), True
            yield Block(pending[:cut], 0, offset), forced
            offset += cut
            pending = pending[cut:]
        else:
            if pending or offset == 0:
                yield Block(pending, 0, offset), False
            return


def line_blocks(stream: IO[bytes], block_size: int = BLOCK_SIZE) -> Iterator[Block]:
    """Blocks of whole lines, with the number of their first line."""
    pending = b""
    line = 1
    offset = 0
    while True:
        chunk = stream.read(block_size)
        if not chunk:
            if pending:
                yield Block(pending, line, offset)
            return
        pending += chunk
        cut = pending.rfind(b"\n") + 1
        if cut == 0:
            continue
        block = pending[:cut]
        yield Block(block, line, offset)
        line += block.count(b"\n")
        offset += cut
        pending = pending[cut:]


def decode(data: bytes, where: str, offset: int, errors: str) -> str:
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}: not valid UTF-8 at byte {offset + exc.start} (use --errors replace)"
        ) from None


def _messages(value: Any, where: str, field: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
        raise InputError(f"{where}: {field}: expected a list of message objects")
    for index, message in enumerate(value):
        if not MESSAGE_KEYS & message.keys():
            raise InputError(f"{where}: {field}[{index}]: expected a message with role and content")
    return value


def _request(body: dict[str, Any], where: str, field: str) -> Request:
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise InputError(f"{where}: {field}tools: expected a list of tool definitions")
    return Request(
        _messages(body["messages"], where, f"{field}messages"), tools, body.get("system")
    )


def record_of(value: Any, where: str, fmt: str) -> tuple[str | Request, str | None]:
    """(text or request, custom_id) for one JSON record in any accepted shape."""
    if fmt == "openai-batch" and not (
        isinstance(value, dict) and isinstance(value.get("body"), dict)
    ):
        raise InputError(f"{where}: body: expected an OpenAI Batch request line with a body")
    if fmt == "anthropic-batch" and not (
        isinstance(value, dict) and isinstance(value.get("params"), dict)
    ):
        raise InputError(f"{where}: params: expected an Anthropic Message Batches request")
    if isinstance(value, str):
        return value, None
    if isinstance(value, list):
        return Request(_messages(value, where, "messages")), None
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected a chat request or a text, got {type(value).__name__}")
    custom_id = value.get("custom_id")
    for key in ("body", "params"):  # OpenAI Batch, Anthropic Message Batches
        body = value.get(key)
        if isinstance(body, dict):
            if "messages" in body:
                return _request(body, where, f"{key}."), custom_id
            if isinstance(body.get("input"), list):  # Responses API
                return Request(
                    _messages(body["input"], where, f"{key}.input"),
                    body.get("tools"),
                    body.get("instructions"),
                ), custom_id
            if isinstance(body.get("input"), str):
                return Request(
                    [{"role": "user", "content": body["input"]}],
                    body.get("tools"),
                    body.get("instructions"),
                ), custom_id
            if isinstance(body.get("prompt"), str):
                return body["prompt"], custom_id
            raise InputError(f"{where}: {key}.messages: expected a list of message objects")
    if "messages" in value:
        return _request(value, where, ""), custom_id
    if isinstance(value.get("contents"), list):  # Gemini
        return Request(
            _messages(value["contents"], where, "contents"),
            value.get("tools"),
            value.get("systemInstruction"),
        ), custom_id
    for key in ("text", "prompt", "input"):
        if isinstance(value.get(key), str):
            return value[key], custom_id
    raise InputError(
        f"{where}: expected messages, body.messages (OpenAI Batch), params.messages "
        "(Anthropic batch) or text"
    )
