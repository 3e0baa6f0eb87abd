"""Reading usage logs in chunks into columns of normalized token counts.

JSONL lines go through :func:`pricing.usage.normalize`, except for the three commonest shapes
(OpenAI Chat Completions and Responses objects, Anthropic Messages) which a fast path reads
directly: same fields, same rules, and any value it is not sure of (a missing or odd field,
a count that is not a plain integer, parts larger than the whole) sends the record to
``normalize`` so errors and edge cases are handled in one place. A test checks both paths
agree on every fixture shape.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from budget.inputs.records import file_records, kind_of, loads, open_input, peek, records
from pricing.arrays import TokenArrays
from pricing.engine import MAX_TOKEN_COUNT
from pricing.errors import FailedRequest, InputError, clip
from pricing.usage import (
    STANDARD_SERVICE_TIERS,
    TRUNCATION_REASONS,
    ObservedCall,
    normalize,
    record_tool_calls,
)

# int64 columns of a chunk, in this order
FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "truncated",
    "batch",
)
CSV_ALIASES = {
    "prompt_tokens": "input_tokens",
    "completion_tokens": "output_tokens",
    "cached_tokens": "cache_read_tokens",
    "cached_input_tokens": "cache_read_tokens",
    "stop_reason": "finish_reason",
}


@dataclass(frozen=True)
class Rows:
    """Normalized rows of one chunk of one file, as columns."""

    file: str
    lines: list[int]
    models: list[str | None]
    apis: list[str]
    finish_reasons: list[str | None]
    data: np.ndarray  # (rows, len(FIELDS)) int64
    service_tiers: list[str | None]  # flex, priority, ... as the record reports it
    failed: int = 0  # batch result lines of failed requests (not billed), left out
    # Built-in tool uses per row ({"web_search": 2}); None: no row of the chunk used a tool.
    tool_calls: list[dict[str, int]] | None = None

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def files(self) -> Iterator[str]:
        return itertools.repeat(self.file, len(self))

    def column(self, name: str) -> np.ndarray:
        return self.data[:, FIELDS.index(name)]

    def where(self, row: int) -> str:
        return f"{self.file}:{self.lines[row]}"

    def tokens(self, index: np.ndarray) -> TokenArrays:
        part = self.data[index]
        batch = part[:, 7].astype(bool)
        return TokenArrays(
            input_tokens=part[:, 0],
            output_tokens=part[:, 1],
            cache_read_tokens=part[:, 2],
            cache_write_tokens=part[:, 3],
            cache_write_1h_tokens=part[:, 4],
            batch=batch if batch.any() else None,
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
            tool_calls=None if self.tool_calls is None else [self.tool_calls[i] for i in pick],
        )


def _count(mapping: dict, key: str) -> int | None:
    value = mapping.get(key)
    if value is None:
        return 0
    return value if value.__class__ is int and 0 <= value <= MAX_TOKEN_COUNT else None


def fast_record(record: dict) -> tuple | None:
    """(model, api, finish, input, output, read, write_5m, write_1h, reasoning) for a plain
    response object of the commonest shapes; None: let ``normalize`` read it."""
    usage = record.get("usage")
    if usage.__class__ is not dict or "response" in record or "result" in record:
        return None
    if "usageMetadata" in record or "usage_metadata" in record:
        return None
    tier = record.get("service_tier") or usage.get("service_tier")
    if tier is not None and (
        tier.__class__ is not str or tier.lower() not in STANDARD_SERVICE_TIERS
    ):
        return None  # flex, priority, Anthropic's "batch": the general path reads them
    model = record.get("model") or record.get("modelVersion") or record.get("model_version")
    if "prompt_tokens" in usage:
        api, finish = "openai-chat", None
        choices = record.get("choices")
        if choices and choices.__class__ is list and choices[0].__class__ is dict:
            finish = choices[0].get("finish_reason")
        details = usage.get("prompt_tokens_details") or {}
        completion = usage.get("completion_tokens_details") or {}
        if details.__class__ is not dict or completion.__class__ is not dict:
            return None
        if details.get("cached_tokens") is not None:
            cached = _count(details, "cached_tokens")
        else:  # DeepSeek: prompt_cache_hit_tokens, as normalize reads it
            cached = _count(usage, "prompt_cache_hit_tokens")
        counts = (
            _count(usage, "prompt_tokens"),
            _count(usage, "completion_tokens"),
            cached,
            0,
            0,
            _count(completion, "reasoning_tokens"),
        )
    elif (
        record.get("type") == "message"
        or "cache_read_input_tokens" in usage
        or "cache_creation_input_tokens" in usage
    ):
        if usage.get("cache_creation"):
            return None  # 5-minute / 1-hour split: the general path
        api, finish = "anthropic", record.get("stop_reason")
        uncached = _count(usage, "input_tokens")
        read = _count(usage, "cache_read_input_tokens")
        written = _count(usage, "cache_creation_input_tokens")
        if uncached is None or read is None or written is None:
            return None
        counts = (uncached + read + written, _count(usage, "output_tokens"), read, written, 0, 0)
    elif "input_tokens" in usage:
        api, finish = "openai-responses", record.get("status")
        if finish == "incomplete":
            return None
        details = usage.get("input_tokens_details") or {}
        output = usage.get("output_tokens_details") or {}
        if details.__class__ is not dict or output.__class__ is not dict:
            return None
        counts = (
            _count(usage, "input_tokens"),
            _count(usage, "output_tokens"),
            _count(details, "cached_tokens"),
            0,
            0,
            _count(output, "reasoning_tokens"),
        )
    else:
        return None
    if None in counts or counts[2] + counts[3] > counts[0] or counts[5] > counts[1]:
        return None
    finish = None if finish is None else str(finish)
    return (None if model is None else str(model), api, finish, *counts)


def _general(record: object) -> tuple:
    call = normalize(record)
    u = call.usage
    return (
        call.model,
        call.api,
        call.finish_reason,
        u.input_tokens,
        u.output_tokens,
        u.cache_read_tokens,
        u.cache_write_tokens,
        u.cache_write_1h_tokens,
        u.reasoning_tokens,
        call.batch,
        call.service_tier,
    )


def read_record(record: object) -> tuple:
    """One parsed JSON record -> (model, api, finish, input, output, read, w5m, w1h,
    reasoning, batch, service tier)."""
    if record.__class__ is dict:
        fast = fast_record(record)
        if fast is not None:
            return (*fast, False, None)
    return _general(record)


def jsonl_chunks(
    file: Path, label: str, skip_invalid: bool, chunk_lines: int
) -> Iterator[tuple[Rows, int]]:
    with open_input(str(file)) as raw:
        head, handle = peek(raw)
        if kind_of(label, head) == "json":  # one document: small, read whole
            values = [value for _, value in records(handle, label, "json")]
            yield _rows(label, enumerate(values, start=1), skip_invalid)
            return
        number = 0
        while True:
            block = list(itertools.islice(handle, chunk_lines))
            if not block:
                return
            yield _rows(label, enumerate(block, start=number + 1), skip_invalid)
            number += len(block)


def _rows(label: str, lines, skip_invalid: bool) -> tuple[Rows, int]:
    numbers, values, skipped, failed, tools = [], [], 0, 0, []
    for number, line in lines:
        if isinstance(line, bytes) and not line.strip():
            continue
        try:
            record = loads(line, f"{label}:{number}") if isinstance(line, bytes) else line
        except InputError:
            if skip_invalid:
                skipped += 1
                continue
            raise
        try:
            values.append(read_record(record))
            numbers.append(number)
            tools.append(record_tool_calls(record))
        except FailedRequest:
            failed += 1  # the provider billed nothing for it
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if skip_invalid:
                skipped += 1
                continue
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if not isinstance(exc, InputError):
                message = f"unreadable record ({message})"
            raise InputError(f"{label}:{number}: {message}") from None
    if not values:
        empty = np.zeros((0, len(FIELDS)), dtype=np.int64)
        return Rows(label, [], [], [], [], empty, [], failed), skipped
    models, apis, finishes, *counts, tiers = zip(*values, strict=True)
    data = np.array(list(zip(*counts, strict=True)), dtype=np.int64)
    truncated = np.array([f in TRUNCATION_REASONS for f in finishes], dtype=np.int64)
    data = np.column_stack([data[:, :6], truncated, data[:, 6]])
    rows = Rows(label, numbers, list(models), list(apis), list(finishes), data, list(tiers), failed)
    if any(tools):
        rows = dataclasses.replace(rows, tool_calls=tools)
    return rows, skipped


def csv_chunks(
    file: Path, label: str, skip_invalid: bool, chunk_lines: int
) -> Iterator[tuple[Rows, int]]:
    """CSV with token columns; rows are numbered by line (the header is line 1)."""
    import pandas as pd

    reader = None
    try:
        reader = pd.read_csv(
            file,
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


def _check_aliases(columns: list[str], label: str) -> None:
    """Two header columns that mean the same field (``cached_tokens`` and
    ``cache_read_tokens``) are ambiguous: name them rather than guess."""
    for canonical in dict.fromkeys(CSV_ALIASES.values()):
        same = [c for c in columns if CSV_ALIASES.get(c, c) == canonical]
        if len(same) > 1:
            raise InputError(f"{label}:1: {canonical}: given twice ({', '.join(same)})")


def _csv_rows(frame, label: str, start: int, skip_invalid: bool) -> tuple[Rows, int]:
    import pandas as pd

    for required in ("input_tokens", "output_tokens"):
        if required not in frame.columns:
            raise InputError(
                f"{label}:1: {required}: missing column (columns: {clip(list(frame.columns))})"
            )
    n = len(frame)
    bad = np.zeros(n, dtype=bool)
    reason = {}
    columns = {}
    for name in FIELDS[:6]:
        if name not in frame.columns:
            columns[name] = np.zeros(n, dtype=np.int64)
            continue
        values = pd.to_numeric(frame[name], errors="coerce")
        if name not in ("input_tokens", "output_tokens"):
            values = values.where(frame[name].notna(), 0)
        wrong = (
            values.isna() | (values < 0) | (values > MAX_TOKEN_COUNT) | (values % 1 != 0)
        ).to_numpy()
        for row in np.flatnonzero(wrong & ~bad)[:1]:
            reason.setdefault(
                int(row),
                f"{name}: expected a token count >= 0 and <= {MAX_TOKEN_COUNT:,}, "
                f"got {clip(frame[name].iloc[row])}",
            )
        bad |= wrong
        columns[name] = values.where(~wrong, 0).to_numpy(dtype=np.int64)  # no inf cast
    cached = (
        columns["cache_read_tokens"]
        + columns["cache_write_tokens"]
        + columns["cache_write_1h_tokens"]
    )
    over = (cached > columns["input_tokens"]) | (
        columns["reasoning_tokens"] > columns["output_tokens"]
    )
    for row in np.flatnonzero(over & ~bad)[:1]:
        reason.setdefault(
            int(row), "cached parts exceed input_tokens or reasoning exceeds output_tokens"
        )
    bad |= over
    if bad.any() and not skip_invalid:
        row = min(reason)
        raise InputError(f"{label}:{start + row}: {reason[row]}")
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
    truncated = np.array([f in TRUNCATION_REASONS for f in finishes], dtype=np.int64)
    data = np.column_stack(
        [columns[name] for name in FIELDS[:6]] + [truncated, np.zeros(n, dtype=np.int64)]
    )
    lines = list(range(start, start + n))
    rows = Rows(label, lines, models, ["tokens"] * n, finishes, data, [None] * n)
    keep = np.flatnonzero(~bad)
    return (rows.select(keep) if bad.any() else rows), int(bad.sum())


@dataclass(frozen=True)
class UsageFile:
    calls: list[ObservedCall]
    failed: int  # batch results of failed requests: billed nothing, left out


def read_usage_file(path: str) -> UsageFile:
    """A small file of usage: one JSON object (response or usage), a JSON list, or JSONL."""
    calls, failed, seen = [], 0, False
    for where, record in file_records(path):
        seen = True
        try:
            calls.append(normalize(record))
        except FailedRequest:
            failed += 1
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
    if not seen:
        raise InputError(f"{path}: file is empty (expected a usage object or response JSON)")
    if not calls:
        raise InputError(f"{path}: no usage to price ({failed} failed batch requests)")
    return UsageFile(calls, failed)
