"""Input files for `budget count`: which format it reads a file as, how a file is cut into
blocks that can be counted apart (streaming, in parallel), and how one JSON record becomes a
text or a request.

Formats: ``text`` (one record per file), ``json`` (one chat request per file), ``jsonl`` (one
request or text per line; OpenAI Batch and Anthropic Message Batches lines are recognised),
``openai-batch`` and ``anthropic-batch`` (JSONL that must have that shape), ``csv`` and
``tsv`` (one text per row, from ``--column``). Unless ``--format`` says, the file's kind
(:mod:`budget.inputs.sniff`) decides.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from budget.inputs.records import loads, records
from budget.inputs.request import Request
from budget.inputs.sniff import DELIMITERS, FileKind, json_format, open_sniffed, read_sniffed
from pricing.errors import InputError
from pricing.textfile import check_url, decode_text, is_url, strip_bom

FORMATS = ("text", "json", "jsonl", "openai-batch", "anthropic-batch", "csv", "tsv")
BATCH_FORMATS = {"openai-batch": "jsonl", "anthropic-batch": "jsonl"}
BLOCK_SIZE = 4 << 20  # bytes read at a time; also the unit of work for --jobs
# a text with no safe cut in this many bytes is cut anyway (and counted in pieces: a tokenizer
# given 64 MB of one "word" took 3.4 GB and minutes)
MAX_UNSPLIT = BLOCK_SIZE
STDIN = "-"
MESSAGE_KEYS = {"role", "content", "parts"}  # OpenAI / Anthropic messages, Gemini contents


def expand_paths(paths: list[str] | tuple[str, ...], what: str = "file") -> list[str]:
    """The files named, in order, for count and usage alike: ``-`` is standard input; a URL
    (``s3://...``) of a scheme we read passes through (opened with fsspec), a URL glob its
    sorted matches (listed by fsspec); a directory
    stands for every file below it, sorted (names starting with ``.`` or ``_``, such as
    ``_SUCCESS``, left out: a partitioned dataset reads as its parts); a glob (for shells
    that did not) its sorted matches."""
    expanded: list[str] = []
    for path in paths or [STDIN]:
        if path == STDIN:
            expanded.append(path)
        elif is_url(path):
            check_url(path)  # a scheme we read (pricing.textfile.URL_SCHEMES), before any network
            expanded.extend(_url_matches(path) if _is_url_glob(path) else [path])
        elif os.path.isdir(path):
            found = _files_below(path)
            if not found:
                raise InputError(f"{path}: is a directory with no {what}s in it")
            expanded.extend(found)
        elif os.path.exists(path) or not glob.has_magic(path):
            expanded.append(path)  # a FIFO or <(...) too; a missing file fails when opened
        else:
            matches = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
            if not matches:
                raise InputError(f"{path}: no such file")
            expanded.extend(matches)
    return expanded


def _is_url_glob(path: str) -> bool:
    return glob.has_magic(path) and "::" not in path  # not a chained URL (zip://...::file://)


def _url_matches(pattern: str) -> list[str]:
    """The files a URL glob (``s3://bucket/logs/*.jsonl``) matches, sorted, as URLs: listed
    by fsspec, as a shell lists a local glob."""
    try:
        import fsspec

        fs, stripped = fsspec.core.url_to_fs(pattern)
        found = fs.glob(stripped, detail=True)
    except ImportError as exc:
        raise InputError(f"{pattern}: reading URLs needs fsspec ({exc})") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{pattern}: cannot list ({exc})") from None
    matches = sorted(
        fs.unstrip_protocol(name) for name, info in found.items() if info.get("type") == "file"
    )
    if not matches:
        raise InputError(f"{pattern}: no such file")
    return matches


def _files_below(directory: str) -> list[str]:
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        found.extend(
            os.path.join(root, name) for name in sorted(files) if not name.startswith((".", "_"))
        )
    return [path for path in found if os.path.isfile(path)]


def check_format(fmt: str | None) -> None:
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")


def known_format(fmt: str | None, column: str | None) -> str | None:
    """What `budget count` tells the sniffer a file is: its ``--format`` (a batch file is
    JSONL), a table when only ``--column`` is given, else nothing."""
    if fmt is not None:
        return BATCH_FORMATS.get(fmt, fmt)
    return "table" if column else None


def count_format(path: str, kind: FileKind, fmt: str | None, column: str | None) -> str:
    """The format `budget count` reads a file as: ``fmt`` if given, else the file's kind
    (sniffed as a table when ``column`` is named)."""
    chosen = fmt or kind.format
    if chosen == "parquet":
        raise InputError(f"{path}: Parquet; budget count reads text, JSON, JSONL, CSV and TSV")
    if chosen in DELIMITERS and not column:
        raise InputError(
            f"{path}: {chosen.upper()} input needs --column NAME (the column holding the text)"
        )
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


def line_blocks(
    stream: IO[bytes], block_size: int = BLOCK_SIZE, first_line: int = 1, offset: int = 0
) -> Iterator[Block]:
    """Blocks of whole lines, with the number of their first line (a stream that starts at
    line ``first_line``, byte ``offset`` of its file: a range cut by :func:`line_ranges`)."""
    pending = b""
    line = first_line
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


def line_ranges(path: str, size: int) -> list[tuple[int, int | None, int]]:
    """A local file cut into ranges of whole lines of about ``size`` bytes: (start, end or
    None for the last, number of the first line), found by counting newlines."""
    ranges: list[tuple[int, int | None, int]] = []
    start, first_line, line, offset = 0, 1, 1, 0
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK_SIZE):
            target = start + size
            while offset + len(block) > target:
                cut = block.find(b"\n", max(0, target - offset)) + 1
                if cut == 0:
                    break
                line_at_cut = line + block.count(b"\n", 0, cut)
                ranges.append((start, offset + cut, first_line))
                start, first_line = offset + cut, line_at_cut
                target = start + size
            line += block.count(b"\n")
            offset += len(block)
    if ranges and start >= offset:  # the last cut fell at the very end
        ranges[-1] = (ranges[-1][0], None, ranges[-1][2])
    else:
        ranges.append((start, None, first_line))
    return ranges


def decode(data: bytes, where: str, offset: int, errors: str) -> str:
    """A block of a file as UTF-8; the first block (offset 0) may start with a BOM."""
    dropped = 0
    if offset == 0:
        data, dropped = strip_bom(data, where)
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}: not valid UTF-8 at byte {offset + dropped + exc.start} "
            "(use --errors replace)"
        ) from None


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _check_content(content: Any, where: str, field: str) -> None:
    """A string, null (assistant turns with tool calls) or a list of content blocks."""
    if content is None or isinstance(content, str):
        return
    if not isinstance(content, list):
        raise InputError(
            f"{where}: {field}: expected a string or a list of content blocks, "
            f"got {_type_name(content)}"
        )
    for index, block in enumerate(content):
        if not isinstance(block, dict):
            raise InputError(
                f"{where}: {field}[{index}]: expected a content block object, "
                f"got {_type_name(block)}"
            )
        if block.get("type") in ("text", "input_text") and not isinstance(block.get("text"), str):
            raise InputError(f"{where}: {field}[{index}].text: expected a string")


def _check_message(message: Any, where: str, field: str) -> None:
    if not isinstance(message, dict):
        raise InputError(f"{where}: {field}: expected a message object, got {_type_name(message)}")
    if not MESSAGE_KEYS & message.keys():
        raise InputError(f"{where}: {field}: expected a message with role and content")
    if "role" in message and not isinstance(message["role"], str):
        raise InputError(f"{where}: {field}.role: expected a string such as user or assistant")
    if "content" in message:
        if "role" not in message:
            raise InputError(f"{where}: {field}.role: missing (expected user, assistant, ...)")
        _check_content(message["content"], where, f"{field}.content")
    if "parts" in message:  # Gemini
        _check_content(message["parts"], where, f"{field}.parts")
    if "name" in message and not isinstance(message["name"], str):
        raise InputError(f"{where}: {field}.name: expected a string")


def _messages(value: Any, where: str, field: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InputError(f"{where}: {field}: expected a list of message objects")
    if not value:
        raise InputError(f"{where}: {field}: expected at least one message, got an empty list")
    for index, message in enumerate(value):
        _check_message(message, where, f"{field}[{index}]")
    return value


def _tools(tools: Any, where: str, field: str) -> list[dict[str, Any]] | None:
    """Tool definitions: OpenAI ``{"type": "function", "function": {...}}``, flat Responses
    tools, Anthropic ``{"name", "input_schema"}``; parameters must be JSON Schema objects."""
    if tools is None:
        return None
    if not isinstance(tools, list):
        raise InputError(f"{where}: {field}: expected a list of tool definitions")
    for index, tool in enumerate(tools):
        at = f"{field}[{index}]"
        if not isinstance(tool, dict):
            raise InputError(f"{where}: {at}: expected a tool object, got {_type_name(tool)}")
        function = tool.get("function", tool)
        if not isinstance(function, dict):
            raise InputError(f"{where}: {at}.function: expected an object")
        for key in ("parameters", "input_schema"):
            schema = function.get(key)
            if schema is None:
                continue
            if not isinstance(schema, dict):
                raise InputError(f"{where}: {at}.{key}: expected a JSON Schema object")
            properties = schema.get("properties", {})
            if not isinstance(properties, dict) or not all(
                isinstance(v, dict) for v in properties.values()
            ):
                raise InputError(
                    f"{where}: {at}.{key}.properties: expected an object of property schemas"
                )
    return tools


def _system(system: Any, where: str, field: str) -> Any:
    """Anthropic's top-level system prompt: a string or a list of text blocks."""
    if system is not None and not isinstance(system, str):
        _check_content(system, where, field)
    return system


def _gemini_system(system: Any, where: str, field: str) -> Any:
    """Gemini's system instruction: a Content object (``{"parts": [...]}``) or a string."""
    if isinstance(system, dict):
        _check_content(system.get("parts"), where, f"{field}.parts")
        return system.get("parts")
    return _system(system, where, field)


def _request(body: dict[str, Any], where: str, field: str) -> Request:
    return Request(
        _messages(body["messages"], where, f"{field}messages"),
        _tools(body.get("tools"), where, f"{field}tools"),
        _system(body.get("system"), where, f"{field}system"),
    )


def _embedding_input(value: Any, where: str, field: str) -> str | list[str]:
    """``/v1/embeddings`` input: a text or a list of texts, billed without chat overhead."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise InputError(f"{where}: {field}: expected a text or a list of texts")


# Batch files wrap each request, with the field naming the line: OpenAI Batch `body`
# (custom_id), Anthropic Message Batches `params` (custom_id), Gemini Batch `request` (key),
# Bedrock batch inference `modelInput` (recordId).
BATCH_ENVELOPES = {
    "body": "custom_id",
    "params": "custom_id",
    "request": "key",
    "modelInput": "recordId",
}


def batch_envelope(value: Any) -> tuple[str, dict] | None:
    """(the envelope's field, the request inside) of a batch file's line, or None."""
    if isinstance(value, dict):
        for key in BATCH_ENVELOPES:
            if isinstance(value.get(key), dict):
                return key, value[key]
    return None


def record_of(value: Any, where: str, fmt: str) -> tuple[str | list[str] | Request, str | None]:
    """(text, texts or request; custom_id) for one JSON record in any accepted shape."""
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
    envelope = batch_envelope(value)
    if envelope is not None:
        key, body = envelope
        custom_id = value.get(BATCH_ENVELOPES[key])
        if str(value.get("url", "")).endswith("/embeddings"):
            return _embedding_input(body.get("input"), where, f"{key}.input"), custom_id
        found = _request_in(body, where, f"{key}.", batched=True)
        if found is None:
            listed = "contents" if key == "request" else "messages"
            raise InputError(f"{where}: {key}.{listed}: expected a list of message objects")
        return found, custom_id
    found = _request_in(value, where, "", batched=False)
    if found is None:
        raise InputError(
            f"{where}: expected messages, body.messages (OpenAI Batch), params.messages "
            "(Anthropic batch), request.contents (Gemini Batch) or text"
        )
    return found, value.get("custom_id")


def _request_in(
    body: dict, where: str, prefix: str, batched: bool
) -> str | list[str] | Request | None:
    """The request (or text) a record or a batch line's body holds: Chat Completions or
    Messages `messages`, Responses `input`, Gemini `contents`; None where it holds none."""
    if "messages" in body:
        return _request(body, where, prefix)
    if isinstance(body.get("input"), list) or (batched and isinstance(body.get("input"), str)):
        # the Responses API (a batch line's string input is its one user turn)
        turns = body["input"]
        return Request(
            _messages(turns, where, f"{prefix}input")
            if isinstance(turns, list)
            else [{"role": "user", "content": turns}],
            _tools(body.get("tools"), where, f"{prefix}tools"),
            _system(body.get("instructions"), where, f"{prefix}instructions"),
        )
    if isinstance(body.get("contents"), list):  # Gemini (REST takes both spellings)
        system_key = "systemInstruction" if "systemInstruction" in body else "system_instruction"
        return Request(
            _messages(body["contents"], where, f"{prefix}contents"),
            _tools(body.get("tools"), where, f"{prefix}tools"),
            _gemini_system(body.get(system_key), where, f"{prefix}{system_key}"),
        )
    for key in ("prompt",) if batched else ("text", "prompt", "input"):
        if isinstance(body.get(key), str):
            return body[key]
    return None


def json_file_record(
    text: str, path: str, fmt: str = "json"
) -> tuple[str | list[str] | Request, str | None]:
    """The one record of a whole JSON file (a chat request, or a text), as ``record_of``."""
    if not text.strip():
        raise InputError(f"{path}: empty file, expected a chat request JSON")
    if json_format(path, text.encode()) == "jsonl":
        raise InputError(
            f"{path}: one JSON value per line (JSONL), expected one chat request; "
            "count it with --format jsonl"
        )
    return record_of(loads(text, path, document=True), path, fmt)


@dataclass(frozen=True)
class RequestSource:
    """A ``--messages`` file opened once: a JSONL of requests (``records``, streamed) or one
    chat request (its ``text``). Read once, so a FIFO or ``<(...)`` works like a file."""

    path: str
    records: Iterator[tuple[str, Any]] | None
    text: str | None


@contextmanager
def request_source(path: str) -> Iterator[RequestSource]:
    with open_sniffed(path, "chat request JSON") as (kind, stream):
        if kind.format == "jsonl":
            yield RequestSource(path, records(stream, path, "jsonl"), None)
        else:
            yield RequestSource(path, None, decode_text(stream.read(), path, "chat request JSON"))


def read_request(path: str, text: str | None = None) -> Request:
    """One chat request from a JSON file (a list of messages, or an object with messages);
    ``text``: the file's text, already read."""
    if text is None:
        _, text = read_sniffed(path, "chat request JSON")
    if json_format(path, text.encode()) == "jsonl":
        raise InputError(
            f"{path}: one JSON value per line (JSONL): --messages takes one chat request "
            "(a .json file); for a JSONL of requests use budget check --messages (one row "
            "each) or budget count --per-record"
        )
    record, _ = json_file_record(text, path)
    if not isinstance(record, Request):
        raise InputError(f"{path}: messages: expected a chat request, got a text (use --prompt)")
    return record
