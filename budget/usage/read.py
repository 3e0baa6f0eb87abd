"""Reading usage logs in chunks into columns of normalized token counts.

Every JSON record goes through :func:`pricing.usage.read_call`, the one reader compiled from
the provider table in :mod:`pricing.usage` (the per-call path uses the same function), and
its counts become int64 columns. A record that cannot be read (a count that is not a whole
number, parts larger than their whole, no usage at all) is not an error that stops the log:
it is kept as an unpriced call with its reason. Only text that is not JSON is bad input.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import IO

import numpy as np

from budget.inputs.records import file_records, loads, records
from budget.inputs.sniff import FileKind, open_sniffed, sniff
from pricing.arrays import TokenArrays
from pricing.dates import call_stamp
from pricing.engine import MAX_TOKEN_COUNT
from pricing.errors import FailedRequest, InputError, clip
from pricing.textfile import is_url
from pricing.usage import (
    COUNTS,
    OTLP,
    TIME_FIELDS,
    TRUNCATION_REASONS,
    ObservedCall,
    expand,
    may_report_tools,
    observed,
    read_call,
    record_stamp,
    record_tool_calls,
)

# int64 columns of a chunk, in this order
FIELDS = (*COUNTS, "truncated", "batch", "calls")
CSV_ALIASES = {
    "prompt_tokens": "input_tokens",
    "completion_tokens": "output_tokens",
    "cached_tokens": "cache_read_tokens",
    "cached_input_tokens": "cache_read_tokens",
    "stop_reason": "finish_reason",
}
_COLUMN = {name: i for i, name in enumerate(FIELDS)}
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
        batch = part[:, _COLUMN["batch"]].astype(bool)
        modal = [part[:, _COLUMN[name]] for name in COUNTS[6:]]
        return TokenArrays(
            input_tokens=part[:, 0],
            output_tokens=part[:, 1],
            cache_read_tokens=part[:, 2],
            cache_write_tokens=part[:, 3],
            cache_write_1h_tokens=part[:, 4],
            batch=batch if batch.any() else None,
            **{
                name: (column if column.any() else None)
                for name, column in zip(COUNTS[6:], modal, strict=True)
            },
        )

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
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        remaining = end - part.start
        number = part.first_line - 1
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
            yield _rows(part.path, enumerate(block, start=number + 1), skip_invalid)
            number += len(block)


def json_chunks(
    stream: IO[bytes], kind: FileKind, label: str, skip_invalid: bool, chunk_lines: int
) -> Iterator[tuple[Rows, int]]:
    """JSONL, ``chunk_lines`` lines at a time; one JSON document (small) read whole."""
    if kind.format == "json":
        values = [value for _, value in records(stream, label, "json")]
        yield _rows(label, enumerate(values, start=1), skip_invalid)
        return
    number = 0
    while True:
        block = list(itertools.islice(stream, chunk_lines))
        if not block:
            return
        yield _rows(label, enumerate(block, start=number + 1), skip_invalid)
        number += len(block)


def _rows(label: str, lines, skip_invalid: bool) -> tuple[Rows, int]:
    # Parsed records are acyclic: the cyclic collector would only rescan the chunk's
    # growing lists (a sixth of the time), so it waits until the chunk is read.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _read_rows(label, lines, skip_invalid)
    finally:
        if paused:
            gc.enable()


_NO_TOOLS: Mapping[str, int] = MappingProxyType({})  # the rows that use no tool share it


def _read_rows(label: str, lines, skip_invalid: bool) -> tuple[Rows, int]:
    numbers: list[int] = []
    metas: list[tuple] = []
    flat: list[int] = []
    unpriced: list[Unpriced] = []
    skipped: list[str] = []
    failed = events = skips = 0
    last_model = None
    tools: list[dict[str, int]] = []  # built-in tool uses per row
    stamps: list[int | dt.date | None] = []  # when each call was made (pricing.dates.call_stamp)
    add_stamp = stamps.append
    add_number, add_meta, add_counts = numbers.append, metas.append, flat.extend
    for number, line in lines:
        if line.__class__ is bytes:
            if line[0] in _BLANK and not line.strip():
                continue
            try:
                try:
                    record = loads(line, label, bounded=False)
                except InputError:  # again, for the message with its line
                    record = loads(line, f"{label}:{number}", bounded=False)
            except InputError:
                if skip_invalid:
                    skips += 1
                    if len(skipped) < KEEP_LOCATIONS:
                        skipped.append(f"{label}:{number}")
                    continue
                raise
        else:
            record = line
        # an OTLP document holds many calls
        many = record.__class__ is dict and OTLP in record
        items = list(expand(record)) if many else (record,)
        searched = line.__class__ is not bytes or may_report_tools(line)
        for item in items:
            try:
                found = read_call(item)
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
                continue
            if found[0] is not None:
                last_model = found[0]
            elif found[5] == 0:  # Anthropic's message_delta: the model its message_start named
                found = (last_model, *found[1:])
            add_number(number)
            add_meta(found)
            add_counts(found[6])
            tools.append(uses)
            add_stamp(stamp)
    n = len(numbers)
    if not n:
        empty = np.zeros((0, len(FIELDS)), dtype=np.int64)
        rows = Rows(label, [], [], [], [], empty, [], failed, unpriced, events, skipped)
        return rows, skips
    models, apis, finishes, tiers, batch, calls, _ = zip(*metas, strict=True)
    counts = np.fromiter(flat, dtype=np.int64, count=n * len(COUNTS)).reshape(n, len(COUNTS))
    truncated = np.fromiter(map(TRUNCATION_REASONS.__contains__, finishes), dtype=np.int64, count=n)
    data = np.column_stack(
        [
            counts,
            truncated,
            np.fromiter(batch, dtype=np.int64, count=n),
            np.fromiter(calls, dtype=np.int64, count=n),
        ]
    )
    rows = Rows(
        label,
        numbers,
        list(models),
        list(apis),
        list(finishes),
        data,
        list(tiers),
        failed,
        unpriced,
        events,
        skipped,
        times=stamps if any(t is not None for t in stamps) else None,
    )
    if any(tools):
        rows = dataclasses.replace(rows, tool_calls=tools)
    return check_parts(rows), skips


def csv_chunks(
    stream: IO[bytes], kind: FileKind, label: str, skip_invalid: bool, chunk_lines: int
) -> Iterator[tuple[Rows, int]]:
    """CSV or TSV with token columns; rows are numbered by line (the header is line 1)."""
    import pandas as pd

    reader = None
    try:
        reader = pd.read_csv(
            stream,
            sep=kind.delimiter,
            chunksize=chunk_lines,
            dtype={"model": str, "finish_reason": str, "stop_reason": str},
            keep_default_na=False,
            na_values=[""],
        )
        start = 2
        for frame in reader:
            if start == 2:
                _check_aliases(list(frame.columns), label)
            frame = frame.rename(columns=CSV_ALIASES)
            yield _csv_rows(frame, label, start, skip_invalid)
            start += len(frame)
    except pd.errors.ParserError as exc:
        raise InputError(f"{label}: unreadable CSV ({str(exc).splitlines()[0]})") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{label}: empty CSV (expected a header with token columns)") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not UTF-8 text ({exc.reason}); save the CSV as UTF-8") from None
    finally:
        if reader is not None:
            reader.close()  # also when a row was bad: no open file left behind


def parquet_chunks(
    path: str, label: str, skip_invalid: bool, chunk_lines: int, row_groups: list[int] | None = None
) -> Iterator[tuple[Rows, int]]:
    """Parquet with the CSV's token columns; rows are numbered from 1 (the first row of the
    file), chunks never cross a row group (so a Dask partition of row groups reads the same
    chunks as the whole file read here)."""
    from budget.inputs.parquet import parquet_frames

    checked = False
    for start, frame in parquet_frames(path, chunk_lines, row_groups):
        if not checked:
            _check_aliases(list(frame.columns), label)
            checked = True
        yield _csv_rows(frame.rename(columns=CSV_ALIASES), label, start, skip_invalid)


def _parquet_log(
    stream: IO[bytes], kind: FileKind, label: str, skip_invalid: bool, chunk_lines: int
) -> Iterator[tuple[Rows, int]]:
    """A whole Parquet log: pyarrow reads it from its path (at random, by row group)."""
    stream.close()
    yield from parquet_chunks(label, label, skip_invalid, chunk_lines)


# How each kind of file named by the sniffer is read as a log (text is not a log).
LOG_READERS = {
    "json": json_chunks,
    "jsonl": json_chunks,
    "csv": csv_chunks,
    "tsv": csv_chunks,
    "parquet": _parquet_log,
}


def _check_aliases(columns: list[str], label: str) -> None:
    """Two header columns that mean the same field (``cached_tokens`` and
    ``cache_read_tokens``) are ambiguous: name them rather than guess."""
    for canonical in dict.fromkeys(CSV_ALIASES.values()):
        same = [c for c in columns if CSV_ALIASES.get(c, c) == canonical]
        if len(same) > 1:
            raise InputError(f"{label}:1: {canonical}: given twice ({', '.join(same)})")


def _csv_rows(frame, label: str, start: int, skip_invalid: bool) -> tuple[Rows, int]:
    """A CSV chunk: a cell that is not a token count makes its row an unpriced call."""
    import pandas as pd

    for required in ("input_tokens", "output_tokens"):
        if required not in frame.columns:
            raise InputError(
                f"{label}:1: {required}: missing column (columns: {clip(list(frame.columns))})"
            )
    n = len(frame)
    bad = np.zeros(n, dtype=bool)
    reasons: dict[int, tuple[str, str]] = {}
    columns = {}
    for name in COUNTS:
        if name not in frame.columns:
            columns[name] = np.zeros(n, dtype=np.int64)
            continue
        values = pd.to_numeric(frame[name], errors="coerce")
        if name not in ("input_tokens", "output_tokens"):
            values = values.where(frame[name].notna(), 0)
        wrong = (
            values.isna() | (values < 0) | (values > MAX_TOKEN_COUNT) | (values % 1 != 0)
        ).to_numpy()
        for row in np.flatnonzero(wrong & ~bad).tolist():
            reasons[row] = (
                name,
                f"{name}: expected a token count >= 0 and <= {MAX_TOKEN_COUNT:,}, "
                f"got {clip(frame[name].iloc[row])}",
            )
        bad |= wrong
        columns[name] = values.where(~wrong, 0).to_numpy(dtype=np.int64)  # no inf cast
    finishes = (
        [None if pd.isna(v) else str(v) for v in frame["finish_reason"]]
        if "finish_reason" in frame.columns
        else [None] * n
    )
    models = (
        [None if pd.isna(v) else str(v) for v in frame["model"]]
        if "model" in frame.columns
        else [None] * n
    )
    tiers = (
        [
            None if pd.isna(v) or str(v).lower() in ("", "default", "standard") else str(v).lower()
            for v in frame["service_tier"]
        ]
        if "service_tier" in frame.columns
        else [None] * n
    )
    truncated = np.array([f in TRUNCATION_REASONS for f in finishes], dtype=np.int64)
    batch = np.zeros(n, dtype=np.int64)
    if "batch" in frame.columns:
        batch = frame["batch"].astype(str).str.lower().isin(["1", "true", "yes"]).to_numpy()
    data = np.column_stack(
        [columns[name] for name in COUNTS]
        + [truncated, batch.astype(np.int64), np.ones(n, dtype=np.int64)]
    )
    # LiteLLM spend-log exports: failed calls and proxy cache hits cost nothing upstream
    dropped = np.zeros(n, dtype=bool)
    if "status" in frame.columns:
        dropped |= frame["status"].astype(str).str.lower().eq("failure").to_numpy()
    failed = int(dropped.sum())
    if "cache_hit" in frame.columns:
        hits = frame["cache_hit"].astype(str).str.lower().isin(["true", "1"]).to_numpy()
        dropped |= hits
    events = int(dropped.sum()) - failed
    lines = list(range(start, start + n))
    times = _csv_times(frame, bad, reasons)
    unpriced = [
        Unpriced(
            f"{label}:{start + row}",
            models[row],
            f"malformed usage: {reasons[row][0]}",
            reasons[row][1],
        )
        for row in sorted(reasons)
        if not dropped[row]
    ]
    api = "litellm" if "spend" in frame.columns else "tokens"
    rows = Rows(
        label,
        lines,
        models,
        [api] * n,
        finishes,
        data,
        tiers,
        failed,
        unpriced,
        events,
        times=times,
    )
    if bad.any() or dropped.any():
        rows = rows.select(np.flatnonzero(~bad & ~dropped))
    return check_parts(rows), 0


def _csv_times(frame, bad: np.ndarray, reasons: dict[int, tuple[str, str]]):
    """When each row's call was made, from the first time column present (``created``,
    ``created_at``, ``timestamp``, ...); an unreadable time makes the row unpriced."""
    import pandas as pd

    name = next((c for c in TIME_FIELDS if c in frame.columns), None)
    if name is None:
        return None
    times: list[int | dt.date | None] = []
    for row, value in enumerate(frame[name]):
        if pd.isna(value):
            times.append(None)
            continue
        try:
            times.append(call_stamp(value.item() if hasattr(value, "item") else value))
        except ValueError as exc:
            if not bad[row]:
                reasons[row] = (name, f"{name}: {exc}")
            bad[row] = True
            times.append(None)
    return times


@dataclass(frozen=True)
class UsageFile:
    calls: list[ObservedCall]
    failed: int  # batch results of failed requests: billed nothing, left out
    wheres: list[str] = field(default_factory=list)  # file:line of each call
    unreadable: list[Unpriced] = field(default_factory=list)  # malformed usage, not priced


def read_usage_file(path: str) -> UsageFile:
    """A small file of usage: one JSON object (response or usage), a JSON list, or JSONL
    (OTLP documents give one call per GenAI span; streaming events without usage are not
    calls)."""
    calls, wheres, unreadable, failed, seen = [], [], [], 0, False
    for where, record in file_records(path):
        seen = True
        items = expand(record) if record.__class__ is dict and OTLP in record else (record,)
        for item in items:
            try:
                found = read_call(item)
                if found is not None:
                    calls.append(observed(found, item))
                    wheres.append(where)
            except FailedRequest:
                failed += 1
            except InputError as exc:
                unreadable.append(malformed(where, item, exc))
    if not seen:
        raise InputError(f"{path}: file is empty (expected a usage object or response JSON)")
    if not calls and unreadable:
        raise InputError(f"{unreadable[0].where}: {unreadable[0].detail}")
    if not calls:
        raise InputError(f"{path}: no usage to price ({failed} failed batch requests)")
    return UsageFile(calls, failed, wheres, unreadable)
