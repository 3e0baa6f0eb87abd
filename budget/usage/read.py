"""Reading usage logs in chunks into columns of normalized token counts.

Every record goes through :func:`pricing.usage.read_call`, the one reader compiled from the
provider table in :mod:`pricing.usage_shapes` (the per-call path uses the same function; a block
of lines is read by the same table compiled to C where that was built, :func:`c_loop`, which
hands this reader whatever it cannot read exactly as it would), and its counts become int64
columns: a JSON line, and a CSV or Parquet row alike (a row is the record its columns spell,
:func:`pricing.usage.column_record`; no column is read any other way). A record that cannot be
read (a count that is not a whole number, parts larger than their
whole, no usage at all) is not an error that stops the log: it is kept as an unpriced call
with its reason. Only text that is not JSON, or a table without usage columns, is bad input.

`budget usage`, `plan --samples`, a scenario's ``usage_log`` and `cost --usage` read logs
here.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import gc
import io
import itertools
import os
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

import numpy as np
import orjson

from budget.inputs.files import STDIN, expand_paths
from budget.inputs.records import csv_rows, loads, records
from budget.inputs.sniff import FileKind, open_sniffed, sniff
from pricing.arrays import TokenArrays
from pricing.dates import CallTime
from pricing.engine import Usage
from pricing.errors import FailedRequest, InputError
from pricing.textfile import is_url
from pricing.usage import (
    CONVERSATION_KEYS,
    COUNTS,
    MODEL_NAMED_BEFORE,
    OTLP,
    STANDARD_SERVICE_TIERS,
    TIME_FIELDS,
    TRUNCATION_REASONS,
    ObservedCall,
    call_fields,
    column_problem,
    column_record,
    expand,
    is_true,
    may_report_tools,
    named_model,
    record_conversation,
    record_stamp,
    record_tool_calls,
)

# int64 columns of a chunk, in this order
FIELDS = (*COUNTS, "truncated", "batch", "calls")
_COLUMN = {name: i for i, name in enumerate(FIELDS)}


def token_arrays(counts: np.ndarray, batch: np.ndarray) -> TokenArrays:
    """Calls' token counts (columns in :data:`COUNTS` order first) as the pricing engine's
    arrays; a modality or batch no call uses is None (priced without it)."""
    modal = {name: counts[:, COUNTS.index(name)] for name in COUNTS[6:]}
    return TokenArrays(
        input_tokens=counts[:, 0],
        output_tokens=counts[:, 1],
        cache_read_tokens=counts[:, 2],
        cache_write_tokens=counts[:, 3],
        cache_write_1h_tokens=counts[:, 4],
        batch=batch if batch.any() else None,
        **{name: (column if column.any() else None) for name, column in modal.items()},
    )


CHUNK_LINES = 50_000  # lines (rows) read, normalized and priced at a time
KEEP_LOCATIONS = 20  # file:line of skipped lines kept for the report (all are counted)
_BLANK = frozenset(b" \t\r\n\f\v")  # first bytes of a line that may be blank


@dataclass(frozen=True)
class Unpriced:
    """A call that could not be read or priced, with why."""

    where: str  # file:line
    model: str | None
    reason: str  # short, for grouping
    detail: str  # the whole message
    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 1


@dataclass(frozen=True)
class Rows:
    """Normalized rows of one chunk of one file, as columns."""

    file: str
    lines: list[int]
    models: list[str | None]
    apis: list[str]
    finish_reasons: list[str | None]
    data: np.ndarray  # (rows, len(FIELDS)) int64
    service_tiers: list[str | None]  # flex, priority, fast, ... as the record reports it
    failed: int = 0  # batch result lines of failed requests (not billed), left out
    unpriced: list[Unpriced] = field(default_factory=list)  # unreadable usage
    events: int = 0  # streaming events without usage: not calls
    skipped: list[str] = field(default_factory=list)  # file:line of invalid JSON skipped
    # Built-in tool uses per row ({"web_search": 2}); None: no row of the chunk used a tool.
    tool_calls: list[dict[str, int]] | None = None
    # when each call was made, if the log says: pricing.dates.call_stamp (UTC minutes or a date)
    times: list[int | dt.date | None] | None = None
    # the conversation (session) of each call, where the log says (budget fit's turns)
    conversations: list[str | None] | None = None
    # the model named last by the end of the chunk (or before it): the next chunk's streamed
    # calls that complete an earlier event's call (Anthropic's message_delta) are of it
    last_model: str | None = None

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def files(self) -> Iterator[str]:
        return itertools.repeat(self.file, len(self))

    def column(self, name: str) -> np.ndarray:
        return self.data[:, _COLUMN[name]]

    def where(self, row: int) -> str:
        return f"{self.file}:{self.lines[row]}"

    def tokens(self, index: np.ndarray) -> TokenArrays:
        part = self.data[index]
        return token_arrays(part, part[:, _COLUMN["batch"]].astype(bool))

    def select(self, index: np.ndarray) -> Rows:
        pick = index.tolist()
        return Rows(
            self.file,
            [self.lines[i] for i in pick],
            [self.models[i] for i in pick],
            [self.apis[i] for i in pick],
            [self.finish_reasons[i] for i in pick],
            self.data[index],
            [self.service_tiers[i] for i in pick],
            self.failed,
            self.unpriced,
            self.events,
            self.skipped,
            None if self.tool_calls is None else [self.tool_calls[i] for i in pick],
            times=[self.times[i] for i in pick] if self.times else None,
            conversations=[self.conversations[i] for i in pick] if self.conversations else None,
            last_model=self.last_model,
        )


def malformed(where: str, record: object, exc: Exception) -> Unpriced:
    """An unreadable usage record as an unpriced call: grouped by the field it names."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if not isinstance(exc, InputError):
        message = f"unreadable record ({message})"
    model = record.get("model") if isinstance(record, dict) else None
    return Unpriced(
        where,
        model if isinstance(model, str) else None,
        "malformed usage: " + message.split(": ")[0],
        message,
    )


# Checks of the parts against their wholes, on whole columns (the engine's Usage checks).
_INVARIANTS = (
    (
        "cache reads and writes exceed input_tokens",
        lambda d: d[:, 2] + d[:, 3] + d[:, 4] > d[:, 0],
    ),
    ("reasoning_tokens exceed output_tokens", lambda d: d[:, 5] > d[:, 1]),
    (
        "audio, image and video input exceed the uncached input",
        lambda d: d[:, 6] + d[:, 7] + d[:, 8] > d[:, 0] - d[:, 2] - d[:, 3] - d[:, 4],
    ),
    ("audio_output_tokens exceed output_tokens", lambda d: d[:, 9] > d[:, 1]),
    (
        "cached audio and image input exceed cache_read_tokens",
        lambda d: d[:, 11] + d[:, 12] > d[:, 2],
    ),
)


def check_parts(rows: Rows) -> Rows:
    """Rows whose parts exceed their whole leave as unpriced (malformed usage)."""
    if not len(rows):
        return rows
    bad = np.zeros(len(rows), dtype=bool)
    unpriced = list(rows.unpriced)
    for reason, test in _INVARIANTS:
        wrong = test(rows.data) & ~bad
        for row in np.flatnonzero(wrong).tolist():
            unpriced.append(
                Unpriced(
                    rows.where(row),
                    rows.models[row],
                    f"malformed usage: {reason}",
                    reason,
                    int(rows.data[row, 0]),
                    int(rows.data[row, 1]),
                    int(rows.data[row, _COLUMN["calls"]]),
                )
            )
        bad |= wrong
    if not bad.any():
        return rows
    kept = rows.select(np.flatnonzero(~bad))
    return Rows(**{**kept.__dict__, "unpriced": unpriced})


@dataclass(frozen=True)
class LogPart:
    """A log file, or a byte range of a JSONL file (from a line start to a line start)."""

    path: str
    start: int = 0
    end: int | None = None  # None: to the end
    first_line: int = 1  # the line number of the range's first line
    row_groups: tuple[int, ...] | None = None  # Parquet: only these row groups


def split_log(path: str, parts: int) -> list[LogPart]:
    """A JSONL log cut into ``parts`` ranges at line starts, for as many processes; a log of
    any other kind (CSV, TSV, Parquet, one JSON document, a compressed file: a range of it
    cannot be read alone), a pipe, a URL or a small file stays whole."""
    file = Path(path)
    whole = [LogPart(path)]
    if parts < 2 or is_url(path) or not file.is_file():
        return whole
    size = file.stat().st_size
    if size < parts * 2**20 or sniff(path) != FileKind("jsonl"):
        return whole
    cuts = [0]
    with open(file, "rb") as handle:
        for k in range(1, parts):
            handle.seek(max(size * k // parts, cuts[-1]))
            handle.readline()  # to the next line start
            cuts.append(min(handle.tell(), size))
        cuts.append(size)
        # line numbers: count the newlines before each cut (one pass, in C)
        handle.seek(0)
        firsts, lines, position = [1], 1, 0
        for cut in cuts[1:-1]:
            while position < cut:
                block = handle.read(min(2**23, cut - position))
                if not block:
                    break
                lines += block.count(b"\n")
                position += len(block)
            firsts.append(lines)
    return [
        LogPart(path, start, end, first)
        for start, end, first in zip(cuts, cuts[1:], firsts, strict=False)
        if end > start
    ]


LOOK_BACK_BYTES = 2**20  # how far before a part's start the model of a stream is sought


def model_before(path: str, offset: int) -> str | None:
    """The model named last before byte ``offset`` of a JSONL log (a line start), as one
    process reading the log from its start would know it there: a part of a log that starts
    on an Anthropic ``message_delta`` completes the call of the ``message_start`` before
    it, in another part. Sought back line by line, at most ``LOOK_BACK_BYTES``."""
    start = max(0, offset - LOOK_BACK_BYTES)
    with open(path, "rb") as handle:
        handle.seek(start)
        lines = handle.read(offset - start).split(b"\n")
    if start:
        lines = lines[1:]  # the first may be the end of a line begun before the window
    for line in reversed(lines):
        if not line.strip():
            continue
        try:
            record = _parse(line)
            items = (
                list(expand(record)) if record.__class__ is dict and OTLP in record else [record]
            )
            for item in reversed(items):
                found = call_fields(item)
                named = named_model(item) if found is None else found[0]
                if named is not None:
                    return named
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, FailedRequest):
            continue  # not JSON, or no call: the reader says so where it reads the line
    return None


def part_chunks(part: LogPart, skip_invalid: bool, chunk_lines: int) -> Iterator[tuple[Rows, int]]:
    """The chunks of one part of a log: row groups of a Parquet file, a line range of a JSONL
    file (both cut by a kind :mod:`budget.inputs.sniff` decided), or a whole log of any kind
    it names (read decompressed)."""
    label = part.path  # a URL is passed on as given (a Path would merge its slashes)
    if part.row_groups is not None:
        yield from parquet_chunks(label, label, skip_invalid, chunk_lines, list(part.row_groups))
        return
    if part.start != 0 or part.end is not None:
        yield from _range_chunks(part, skip_invalid, chunk_lines)
        return
    with open_sniffed(label, "usage log") as (kind, stream):
        read = LOG_READERS.get(kind.format)
        if read is None:
            raise InputError(
                f"{label}: {kind.format}, not a usage log (expected JSON, JSONL, CSV, TSV or "
                "Parquet)"
            )
        yield from read(stream, kind, label, skip_invalid, chunk_lines)


def _range_chunks(
    part: LogPart, skip_invalid: bool, chunk_lines: int
) -> Iterator[tuple[Rows, int]]:
    """The chunks of bytes [start, end) of a JSONL file, lines numbered from its first."""
    end = Path(part.path).stat().st_size if part.end is None else part.end
    model = model_before(part.path, part.start) if part.start else None
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        blocks = _blocks_within(handle, chunk_lines, end - part.start)
        yield from _block_rows(part.path, blocks, part.first_line, skip_invalid, model)


def _blocks_within(handle: IO[bytes], chunk_lines: int, remaining: int) -> Iterator[list]:
    """Blocks of ``chunk_lines`` lines, up to ``remaining`` bytes (a line start)."""
    while remaining > 0:
        block = list(itertools.islice(handle, chunk_lines))
        if not block:
            return
        size = sum(map(len, block))
        if size > remaining:  # the range ends inside this block, at a line start
            total = 0
            for count, line in enumerate(block, start=1):
                total += len(line)
                if total >= remaining:
                    block = block[:count]
                    break
            size = remaining
        remaining -= size
        yield block


def _block_rows(
    label: str, blocks: Iterable[list], first_line: int, skip_invalid: bool, model: str | None
) -> Iterator[tuple[Rows, int]]:
    """Each block of JSONL lines read, numbered on from ``first_line``; the model a stream
    named carried from block to block (a streamed call's chunks may straddle two)."""
    number = first_line - 1
    # the C loop reads a record's tool fields, not its text: no block is searched for it
    c_reads_tools = c_loop() is not None
    for block in blocks:
        rows, skipped = _rows(
            label,
            enumerate(block, start=number + 1),
            skip_invalid,
            model,
            c_reads_tools or _block_may_use_tools(block),
        )
        model = rows.last_model
        yield rows, skipped
        number += len(block)


def json_chunks(
    stream: IO[bytes], kind: FileKind, label: str, skip_invalid: bool, chunk_lines: int
) -> Iterator[tuple[Rows, int]]:
    """JSONL, ``chunk_lines`` lines at a time; one JSON document (small) read whole."""
    if kind.format == "json":
        values = [value for _, value in records(stream, label, "json")]
        yield _rows(label, enumerate(values, start=1), skip_invalid)
        return
    blocks = iter(lambda: list(itertools.islice(stream, chunk_lines)), [])
    yield from _block_rows(label, blocks, 1, skip_invalid, None)


def _block_may_use_tools(block: list[bytes]) -> bool:
    """Whether any line of a block of raw JSON lines may report built-in tool uses: asked of
    the whole block at once (one search in C), so no line of a block without any is searched."""
    return may_report_tools(b"".join(block))


def _rows(
    label: str, lines, skip_invalid: bool, model: str | None = None, may_use_tools: bool = True
) -> tuple[Rows, int]:
    # Parsed records are acyclic: the cyclic collector would only rescan the chunk's
    # growing lists (a sixth of the time), so it waits until the chunk is read.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _read_rows(label, lines, skip_invalid, model, may_use_tools)
    finally:
        if paused:
            gc.enable()


_NO_TOOLS: Mapping[str, int] = MappingProxyType({})  # the rows that use no tool share it
_parse = orjson.loads  # budget.inputs.records.loads, less its message work on every line
_PACK = struct.Struct(f"={len(FIELDS)}q").pack  # a row of FIELDS as int64, for the row buffer
PYTHON_READER = "TOKEN_BUDGET_PYTHON_READER"  # set (to anything): the Python loop reads logs

try:  # the C loop (budget/usage/_scan.c, built at install where a C compiler is found)
    from budget.usage import _scan
except ImportError:  # pragma: no cover - the Python loop reads the same, slower
    _scan = None


@functools.cache
def c_loop() -> Callable | None:
    """The C loop over a block of lines (``budget.usage._scan.scan``), configured with the
    Python reader's parts; None where it was not built, was built from another table than
    today's (a stale build is never used: :func:`budget.usage.cscan.source_digest`), or
    ``TOKEN_BUDGET_PYTHON_READER`` is set. Either loop reads a log to the same rows."""
    if _scan is None or os.environ.get(PYTHON_READER):
        return None
    from budget.usage.cscan import envelope_index, naming_events, source_digest

    if getattr(_scan, "SOURCE_DIGEST", None) != source_digest():
        return None
    _scan.configure(
        _parse,
        call_fields,
        envelope_index(),
        record_stamp,
        record_tool_calls,
        record_conversation,
        is_true,
        _NO_TOOLS,
        STANDARD_SERVICE_TIERS,
        OTLP,
        TIME_FIELDS,
        tuple(CONVERSATION_KEYS),
        TRUNCATION_REASONS,
        naming_events(),
        named_model,
        MODEL_NAMED_BEFORE,
    )
    return _scan.scan


def _read_rows(
    label: str, lines, skip_invalid: bool, last_model: str | None, may_use_tools: bool
) -> tuple[Rows, int]:
    numbers: list[int] = []
    models: list[str | None] = []
    apis: list[str] = []
    finishes: list[str | None] = []
    tiers: list[str | None] = []
    data = bytearray()  # int64 rows of FIELDS
    tools: list[Mapping[str, int]] = []  # built-in tool uses per row
    stamps: list[int | dt.date | None] = []  # when each call was made (pricing.dates.call_stamp)
    threads: list[str | None] = []  # the conversation of each call, where the record says
    unpriced: list[Unpriced] = []
    skipped: list[str] = []
    failed = events = skips = 0

    def read_line(number: int, line: Any, last_model: str | None) -> str | None:
        """One line (raw JSON or a record) read onto the columns; the model named last."""
        nonlocal failed, events, skips
        if line.__class__ is bytes:
            if line[0] in _BLANK and not line.strip():
                return last_model
            try:
                try:
                    record = _parse(line)  # usage is read by fixed paths: no depth walk
                except ValueError:  # again, for the message with its line
                    record = loads(line, f"{label}:{number}", bounded=False)
            except InputError:
                if skip_invalid:
                    skips += 1
                    if len(skipped) < KEEP_LOCATIONS:
                        skipped.append(f"{label}:{number}")
                    return last_model
                raise
        else:
            record = line
        # an OTLP document holds many calls
        many = record.__class__ is dict and OTLP in record
        items = list(expand(record)) if many else (record,)
        # a raw line is searched for tool uses only where its block may hold some
        searched = line.__class__ is not bytes or (may_use_tools and may_report_tools(line))
        for item in items:
            try:
                found = call_fields(item)  # a Call's fields, as a plain tuple
                uses = record_tool_calls(item) if searched else _NO_TOOLS
                stamp = None if found is None else record_stamp(item)
            except FailedRequest:
                failed += 1  # the provider billed nothing for it
                continue
            except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
                unpriced.append(malformed(f"{label}:{number}", item, exc))
                continue
            if found is None:
                events += 1
                named = named_model(item)  # a Realtime session names the model of its calls
                if named is not None:
                    last_model = named
                continue
            model, api, finish, tier, batch, count, counts = found
            if model is not None:
                last_model = model
            elif api in MODEL_NAMED_BEFORE:  # Anthropic's message_delta, a Realtime response
                model = last_model
            numbers.append(number)
            models.append(model)
            apis.append(api)
            finishes.append(finish)
            tiers.append(tier)
            data.extend(_PACK(*counts, finish in TRUNCATION_REASONS, batch, count))
            tools.append(uses)
            stamps.append(stamp)
            # most logs name no conversation: decided here in C, without a call
            named = item.__class__ is dict and not item.keys().isdisjoint(CONVERSATION_KEYS)
            threads.append(record_conversation(item) if named else None)
        return last_model

    scan = c_loop()
    if scan is not None:  # what C cannot read exactly as read_line would, read_line reads
        out = (numbers, models, apis, finishes, tiers, data, tools, stamps, threads)
        last_model, read_events = scan(lines, last_model, read_line, out)
        events += read_events
    else:
        for number, line in lines:
            last_model = read_line(number, line, last_model)
    n = len(numbers)
    if not n:
        empty = np.zeros((0, len(FIELDS)), dtype=np.int64)
        rows = Rows(label, [], [], [], [], empty, [], failed, unpriced, events, skipped)
        return dataclasses.replace(rows, last_model=last_model), skips
    rows = Rows(
        label,
        numbers,
        models,
        apis,
        finishes,
        np.frombuffer(data, dtype=np.int64).reshape(n, len(FIELDS)),
        tiers,
        failed,
        unpriced,
        events,
        skipped,
        times=stamps if stamps.count(None) < n else None,
        conversations=threads if threads.count(None) < n else None,
        last_model=last_model,
    )
    if any(tools):
        rows = dataclasses.replace(rows, tool_calls=tools)
    return check_parts(rows), skips


def csv_chunks(
    stream: IO[bytes], kind: FileKind, label: str, skip_invalid: bool, chunk_lines: int
) -> Iterator[tuple[Rows, int]]:
    """A CSV or TSV log: each row is the record its header spells, read as a JSON line is
    (rows are numbered by line, the header is line 1)."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=kind.delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise InputError(f"{label}: empty CSV (expected a header with token columns)")
        problem = column_problem(header)
        if problem is not None:
            raise InputError(f"{label}:1: {problem}")
        spell = column_record(header)
        rows, model = csv_rows(reader, label, header), None
        while block := list(itertools.islice(rows, chunk_lines)):
            chunk = _rows(label, [(number, spell(cells)) for number, cells in block], False, model)
            model = chunk[0].last_model
            yield chunk
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    except csv.Error as exc:
        raise InputError(f"{label}:{reader.line_num}: invalid CSV ({exc})") from None
    finally:
        text.detach()


def parquet_chunks(
    path: str, label: str, skip_invalid: bool, chunk_lines: int, row_groups: list[int] | None = None
) -> Iterator[tuple[Rows, int]]:
    """A Parquet log: each row is the record its columns spell (struct columns nest), read
    as a JSON line is; rows are numbered from 1 (the first row of the file), chunks never
    cross a row group (so a Dask partition of row groups reads the same chunks as the whole
    file read here)."""
    from budget.inputs.parquet import parquet_rows

    spell = model = None
    for start, header, values in parquet_rows(path, chunk_lines, row_groups):
        if spell is None:
            problem = column_problem(header)
            if problem is not None:
                raise InputError(f"{label}:1: {problem}")
            spell = column_record(header, typed=True)
        numbered = [(n, spell(row)) for n, row in enumerate(values, start=start)]
        chunk = _rows(label, numbered, False, model)
        model = chunk[0].last_model
        yield chunk


def _parquet_log(
    stream: IO[bytes], kind: FileKind, label: str, skip_invalid: bool, chunk_lines: int
) -> Iterator[tuple[Rows, int]]:
    """A whole Parquet log: pyarrow reads it from its path (at random, by row group)."""
    stream.close()
    if label == STDIN:
        raise InputError(
            "-: Parquet on standard input is not read (it is read at random); give the file's name"
        )
    yield from parquet_chunks(label, label, skip_invalid, chunk_lines)


# How each kind of file named by the sniffer is read as a log (text is not a log).
LOG_READERS = {
    "json": json_chunks,
    "jsonl": json_chunks,
    "csv": csv_chunks,
    "tsv": csv_chunks,
    "parquet": _parquet_log,
}


def read_rows(
    paths: Iterable[str], *, skip_invalid: bool = False, chunk_lines: int = CHUNK_LINES
) -> Iterator[tuple[Rows, int]]:
    """Normalized rows, chunk by chunk, with the count of lines skipped in each chunk.
    Paths may be files, directories (every file under them), globs and URLs."""
    for path in log_files(paths):
        yield from part_chunks(LogPart(path), skip_invalid, chunk_lines)


def log_files(paths: Iterable[str]) -> list[str]:
    """The log files named by ``paths`` (directories, globs expanded), checked to exist."""
    files = expand_paths(list(paths), "log file")
    for path in files:
        if (
            path != STDIN and not is_url(path) and not Path(path).exists()
        ):  # a FIFO or <(...) is read like a file
            raise InputError(f"{path}: file not found")
    return files


@dataclass(frozen=True)
class OutputLengths:
    """Output tokens of every logged reply, and which replies were cut at max_tokens."""

    lengths: np.ndarray  # reasoning included
    cut: np.ndarray  # bool per reply: finish reason length / max_tokens / MAX_TOKENS / ...
    note: str | None = None  # which replies were taken (one model's, or all of them)
    other_models: bool = False  # the log had no reply of the model: others' replies taken

    @property
    def truncated(self) -> int:
        return int(self.cut.sum())

    @property
    def cut_share(self) -> float:
        return self.truncated / len(self.lengths) if len(self.lengths) else 0.0


def observed_outputs(paths: Iterable[str], model: Any = None) -> OutputLengths:
    """The logs' output lengths for resampling (a scenario's ``usage_log``, `plan --samples`);
    a cut reply's length is only a lower bound. With ``model``: only its replies where the
    log names models (:func:`model_replies`). A record whose usage
    cannot be read is bad input here (a length cannot be guessed): the error names it."""
    return _outputs([rows for rows, _ in read_rows(paths)], model)


def outputs_of_records(
    label: str, numbered: Iterable[tuple[int, Any]], model: Any = None
) -> OutputLengths:
    """:func:`observed_outputs` of records already parsed, numbered by line (a file read
    whole elsewhere, such as standard input): the same reader and the same rules."""
    rows, _ = _rows(label, list(numbered), False)
    return _outputs([rows], model)


def _outputs(chunks: list[Rows], model: Any) -> OutputLengths:
    for rows in chunks:
        if rows.unpriced:
            first = rows.unpriced[0]
            raise InputError(f"{first.where}: {first.detail}")
    if not chunks:
        return OutputLengths(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))
    # A streamed Anthropic call is two rows: message_start (calls 1, no output yet) and
    # message_delta (calls 0, the output): its length is the delta's.
    kept = [rows.select(np.flatnonzero(_one_length(rows))) for rows in chunks]
    lengths = np.concatenate([rows.column("output_tokens") for rows in kept])
    cut = np.concatenate([rows.column("truncated") for rows in kept]).astype(bool)
    if model is None:
        return OutputLengths(lengths, cut)
    picked = model_replies([name for rows in kept for name in rows.models], model)
    return OutputLengths(lengths[picked.rows], cut[picked.rows], picked.note, picked.other_models)


@dataclass(frozen=True)
class ModelReplies:
    """Which logged replies stand for a model's replies, and what to tell the user."""

    rows: list[int]
    note: str | None
    other_models: bool  # no reply came from the model: these are other models' replies


def model_replies(logged: Sequence[str | None], model: Any) -> ModelReplies:
    """The one sampling rule for `plan --samples LOG` and a scenario's ``usage_log``: where
    the log names models, only ``model``'s replies; failing any, every reply, with a note."""
    mine = [i for i, name in enumerate(logged) if name and _is_model(name, model)]
    named = sorted({name for name in logged if name})
    if mine:
        note = None
        if len(mine) < len(logged):
            note = (
                f"used the {len(mine):,} of {len(logged):,} logged replies that came from "
                f"{model.id}"
            )
        return ModelReplies(mine, note, False)
    note = None
    if named:
        note = (
            f"the log has no replies from {model.id}; used all {len(logged):,} replies of "
            f"{', '.join(named[:3])}{' ...' if len(named) > 3 else ''}"
        )
    return ModelReplies(list(range(len(logged))), note, bool(named))


def _is_model(logged: str, model: Any) -> bool:
    """Whether a model name from a log (a dated snapshot, say) names ``model``."""
    from pricing.names import candidates

    names = {name.lower() for name in (model.id, *getattr(model, "aliases", ()))}
    return any(form in names for form in candidates(logged))


def _one_length(rows: Rows) -> np.ndarray:
    streamed = np.array([api == "anthropic-stream" for api in rows.apis], dtype=bool)
    return ~streamed | (rows.column("calls") == 0)


@dataclass(frozen=True)
class UsageFile:
    calls: list[ObservedCall]
    failed: int  # batch results of failed requests: billed nothing, left out
    wheres: list[str] = field(default_factory=list)  # file:line of each call
    unreadable: list[Unpriced] = field(default_factory=list)  # malformed usage, not priced


def read_usage_file(path: str) -> UsageFile:
    """A small file of usage (`budget cost --usage`): any log `budget usage` reads (one JSON
    object, a JSON list, JSONL, CSV, TSV, Parquet, compressed, ``-``), read by the same
    chunk reader, so a call costs the same on both roads."""
    calls: list[ObservedCall] = []
    wheres: list[str] = []
    unreadable: list[Unpriced] = []
    failed = events = 0
    for rows, _ in part_chunks(LogPart(path), False, CHUNK_LINES):
        failed += rows.failed
        events += rows.events
        unreadable += rows.unpriced
        calls += observed_calls(rows)
        wheres += [rows.where(row) for row in range(len(rows))]
    unreadable.sort(key=lambda item: int(item.where.rsplit(":", 1)[1]))
    if not (calls or unreadable or failed or events):
        raise InputError(f"{path}: file is empty (expected a usage object or response JSON)")
    if not calls and unreadable:
        raise InputError(f"{unreadable[0].where}: {unreadable[0].detail}")
    if not calls:
        raise InputError(f"{path}: no usage to price ({failed} failed batch requests)")
    return UsageFile(calls, failed, wheres, unreadable)


def observed_calls(rows: Rows) -> list[ObservedCall]:
    """The calls of a chunk one by one (:class:`ObservedCall`), for pricing call by call."""
    found = []
    counts = rows.data[:, : len(COUNTS)].tolist()
    batch, calls = rows.column("batch").tolist(), rows.column("calls").tolist()
    for row in range(len(rows)):
        finish = rows.finish_reasons[row]
        stamp = rows.times[row] if rows.times else None
        found.append(
            ObservedCall(
                Usage(**dict(zip(COUNTS, counts[row], strict=True))),
                rows.models[row],
                rows.apis[row],
                finish,
                finish in TRUNCATION_REASONS,
                bool(batch[row]),
                rows.service_tiers[row],
                calls[row],
                rows.tool_calls[row] if rows.tool_calls else {},
                None if stamp is None else CallTime.of(stamp),
            )
        )
    return found
