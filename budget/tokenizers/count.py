"""Count the input tokens of files for a model: texts, chat requests, batch files, CSV.

Input is streamed in blocks of a few MB (``budget.inputs.files``), so memory stays bounded
whatever the file size; with ``jobs > 1`` blocks are counted by worker processes (forked,
so each has the tokenizer already built), at most two blocks per worker in flight, results
taken in order so errors and per-record rows come out as in the file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from budget.inputs.files import (
    MAX_UNSPLIT,
    STDIN,
    Block,
    check_format,
    count_format,
    decode,
    expand_paths,
    json_file_record,
    known_format,
    line_blocks,
    record_of,
    text_blocks,
)
from budget.inputs.records import csv_rows, loads, open_range
from budget.inputs.sniff import DELIMITERS, sniff_stream
from budget.outputs import signals_held
from budget.tokenizers import Request, RequestCount, Tokenizer, TokenizerOptions, tokenizer_for
from budget.tokenizers.bands import band_of
from budget.tokenizers.estimate import EstimateTokenizer
from pricing.errors import MAX_QUOTED, InputError, clip
from pricing.textfile import open_input

CSV_ROWS_PER_BLOCK = 2000
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class RecordCount:
    path: str
    line: int  # line (JSONL), row (CSV, 1 = first data row) or 0 (a whole file)
    custom_id: str | None
    tokens: int
    exact: bool
    error_band: float | None = None  # an estimate's expected error (0.15: +/-15%)


@dataclass
class FileCount:
    path: str
    format: str
    tokens: int = 0
    records: int = 0
    skipped: int = 0
    exact: bool = True
    notes: list[str] = field(default_factory=list)  # which request parts were estimated


@dataclass
class CountResult:
    model: str
    tokenizer: str
    method: str
    exact: bool
    tokens: int
    records: int
    skipped: int
    files: list[FileCount] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why not exact, beyond the method
    warnings: list[str] = field(default_factory=list)  # for stderr (e.g. --online, no key)
    error_band: float | None = None  # an estimate's expected error: 0.15 = +/-15%
    error_band_basis: str | None = None  # where that figure comes from

    @classmethod
    def start(cls, model_id: str, tokenizer: Tokenizer) -> CountResult:
        """An empty result for counting with ``tokenizer``, with its error band if it estimates."""
        band = band_of(tokenizer)
        return cls(
            model_id,
            tokenizer.name,
            tokenizer.method,
            tokenizer.exact,
            0,
            0,
            0,
            error_band=band.fraction if band else None,
            error_band_basis=band.basis if band else None,
        )

    def as_dict(self) -> dict[str, Any]:
        """The `budget count --json` record (warnings go to stderr, not here)."""
        keys = ("model", "tokenizer", "exact", "method", "notes", "tokens", "error_band")
        keys += ("error_band_basis", "records", "skipped")
        return {**{key: getattr(self, key) for key in keys}, "files": self.files}


def add_counts(total: FileCount | CountResult, part: FileCount) -> None:
    """Add a file's counts (or a range of a file's) to a running total."""
    total.tokens += part.tokens
    total.records += part.records
    total.skipped += part.skipped
    total.exact = total.exact and part.exact
    total.notes.extend(n for n in part.notes if n not in total.notes)


@dataclass
class _BlockResult:
    tokens: int = 0
    records: int = 0
    skipped: int = 0
    exact: bool = True
    rows: list[tuple[int, str | None, int, bool]] | None = None
    notes: dict[str, None] = field(default_factory=dict)  # ordered set
    size: int = 0
    characters: int = 0  # text blocks: characters decoded


@dataclass(frozen=True)
class _Job:
    kind: str  # "text" | "lines" | "csv"
    path: str
    fmt: str
    errors: str
    skip_invalid: bool
    want_rows: bool


# The tokenizer of a --jobs worker process, set once by the pool's initializer. The caller's
# process never writes it (it passes its tokenizer along), so library callers in several
# threads do not share one.
_worker_tokenizer: Tokenizer | None = None


def _start_worker(tokenizer: Tokenizer, parent: int | None = None) -> None:
    global _worker_tokenizer
    _worker_tokenizer = tokenizer
    if parent is not None:
        _tie_to_parent(parent)


def _count_in_worker(job: _Job, block: Block, forced_cut: bool) -> _BlockResult:
    assert _worker_tokenizer is not None, "started by _start_worker"
    return _count_block(job, block, _worker_tokenizer, forced_cut)


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def capped_jobs(jobs: int) -> tuple[int, str | None]:
    """``jobs`` at most the CPUs available, with a message when it was cut: more workers than
    CPUs only add memory and forks (``-j 100000`` would stall the machine)."""
    cpus = available_cpus()
    if jobs <= cpus:
        return jobs, None
    return cpus, f"--jobs {clip(jobs)} capped at {cpus}, the CPUs available"


def _tie_to_parent(parent: int) -> None:
    """In each worker: die with the parent, and leave SIGINT to it (the parent stops the pool).

    On Linux the kernel sends SIGKILL to the worker when the parent dies, however it dies
    (prctl PR_SET_PDEATHSIG); a parent already gone by now is checked after asking.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler raises in its place
    if hasattr(signal, "pthread_sigmask"):  # blocked across the fork (_stop_signals_blocked)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """SIGINT and SIGTERM blocked in this thread (so in the processes it forks) meanwhile;
    one that arrived is acted on at the end."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _count_lines(job: _Job, block: Block, tokenizer: Tokenizer) -> _BlockResult:
    result = _BlockResult(rows=[] if job.want_rows else None, size=len(block.data))
    text = decode(block.data, job.path, block.offset, job.errors)
    for number, line in enumerate(text.split("\n"), block.first_line):
        if not line.strip():
            continue
        where = f"{job.path}:{number}"
        try:
            record, custom_id = record_of(loads(line, where), where, job.fmt)
        except InputError:
            if not job.skip_invalid:
                raise
            result.skipped += 1
            continue
        _add(result, tokenizer, record, number, custom_id)
    return result


def count_record(tokenizer: Tokenizer, record: str | list[str] | Request) -> RequestCount:
    """One record as `budget count` counts it: a text, texts to embed (each billed as it is),
    or a chat request with its overhead."""
    if isinstance(record, str):
        return RequestCount(tokenizer.count_text(record), True)
    if isinstance(record, list):
        return RequestCount(sum(tokenizer.count_many(record)), True)
    return tokenizer.count_request(record)


def _add(
    result: _BlockResult,
    tokenizer: Tokenizer,
    record: str | list[str] | Request,
    number: int,
    custom_id: str | None,
) -> None:
    counted = count_record(tokenizer, record)
    tokens, exact = counted.tokens, counted.exact
    result.notes.update(dict.fromkeys(counted.notes))
    result.tokens += tokens
    result.records += 1
    result.exact = result.exact and exact
    if result.rows is not None:
        result.rows.append(
            (number, custom_id if isinstance(custom_id, str) else None, tokens, exact)
        )


def _count_block(
    job: _Job, block: Block, tokenizer: Tokenizer, forced_cut: bool = False
) -> _BlockResult:
    if job.kind == "lines":
        return _count_lines(job, block, tokenizer)
    if job.kind == "csv":
        result = _BlockResult(rows=[] if job.want_rows else None)
        for number, text in block.rows or []:
            _add(result, tokenizer, text, number, None)
        return result
    text = decode(block.data, job.path, block.offset, job.errors)
    result = _BlockResult(exact=not forced_cut, size=len(block.data), characters=len(text))
    if not forced_cut:
        result.tokens = tokenizer.count_text(text)
        return result
    # No place in the block where a cut leaves the count unchanged (text without newlines or
    # spaces): counted in pieces, since a tokenizer's time and memory grow faster than the
    # length of one "word". Each cut may add a token: +10 per 1,037,367 on random letters.
    pieces = range(0, len(text), FORCED_PIECE)
    result.tokens = sum(tokenizer.count_text(text[i : i + FORCED_PIECE]) for i in pieces)
    result.notes[FORCED_NOTE] = None
    return result


FORCED_PIECE = 16_384  # characters
FORCED_NOTE = (
    f"text with no newline or space between words for {MAX_UNSPLIT >> 20} MB was counted in "
    f"pieces of {FORCED_PIECE:,} characters: an estimate (each cut may add a token)"
)


def _csv_blocks(stream: Any, job: _Job, column: str) -> Iterator[Block]:
    """Rows of the text column, numbered from 1 (the first data row); a UTF-16 file was
    named as such by the sniffer."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors=job.errors, newline="")
    reader = csv.reader(text, delimiter=DELIMITERS[job.fmt], strict=True)
    try:
        header = next(reader, None)
        if header is None or column not in header:
            names = ", ".join(header or [])
            if len(names) > MAX_QUOTED:
                names = f"{names[:MAX_QUOTED]}... ({len(header)} columns)"
            raise InputError(f"{job.path}:1: --column: no column {clip(column)} (columns: {names})")
        index = header.index(column)
        rows: list[tuple[int, str]] = []
        for number, (_, row) in enumerate(csv_rows(reader, job.path, header), 1):
            rows.append((number, row[index]))
            if len(rows) >= CSV_ROWS_PER_BLOCK:
                yield Block(b"", 0, 0, rows)
                rows = []
        if rows:
            yield Block(b"", 0, 0, rows)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{job.path}: not valid UTF-8 ({exc.reason}; use --errors replace)"
        ) from None
    except csv.Error as exc:
        raise InputError(f"{job.path}:{reader.line_num}: invalid CSV ({exc})") from None
    finally:
        with contextlib.suppress(ValueError):
            text.detach()  # the caller closes the stream


def _blocks(
    stream: Any, job: _Job, column: str | None, first_line: int = 1, offset: int = 0
) -> Iterator[tuple[Block, bool]]:
    if job.kind == "text":
        yield from text_blocks(stream)
    elif job.kind == "csv":
        for block in _csv_blocks(stream, job, column or ""):
            yield block, False
    else:
        for block in line_blocks(stream, first_line=first_line, offset=offset):
            yield block, False


# One JSON document (a chat request) is parsed whole: Python's objects for 200 MB of JSON took
# 5.1 GB. A request is at most a few MB; larger is refused, JSONL is read line by line.
MAX_JSON_DOCUMENT = 64 << 20


def _whole_json(stream: Any, job: _Job, tokenizer: Tokenizer) -> _BlockResult:
    data = stream.read(MAX_JSON_DOCUMENT + 1)
    if len(data) > MAX_JSON_DOCUMENT:
        raise InputError(
            f"{job.path}: one JSON document over {MAX_JSON_DOCUMENT >> 20} MB is not read whole; "
            "write one request or text per line (JSONL), which is read line by line"
        )
    text = decode(data, job.path, 0, job.errors)
    result = _BlockResult(rows=[] if job.want_rows else None, size=len(data))
    record, custom_id = json_file_record(text, job.path, job.fmt)
    _add(result, tokenizer, record, 0, custom_id)
    return result


def _results(
    blocks: Iterator[tuple[Block, bool]], job: _Job, tokenizer: Tokenizer, pool: Any, jobs: int
) -> Iterator[_BlockResult]:
    if pool is None:
        for block, forced in blocks:
            yield _count_block(job, block, tokenizer, forced)
        return
    pending: deque = deque()
    for block, forced in blocks:
        pending.append(pool.apply_async(_count_in_worker, (job, block, forced)))
        if len(pending) >= 2 * jobs:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _open(path: str) -> Any:
    return sys.stdin.buffer if path == STDIN else open_input(path)


def count_paths(
    paths: list[str],
    model: Any,
    *,
    fmt: str | None = None,
    column: str | None = None,
    jobs: int = 1,
    errors: str = "strict",
    skip_invalid: bool = False,
    online: bool = False,
    options: TokenizerOptions | None = None,
    on_record: Callable[[RecordCount], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> CountResult:
    """Count every file (``-`` = standard input) for ``model``; see the module docstring."""
    if errors not in ("strict", "replace"):
        raise InputError(f"--errors: expected strict or replace, got {errors!r}")
    if jobs < 1:
        raise InputError(f"--jobs: expected a positive number of processes, got {clip(jobs)}")
    jobs, capped = capped_jobs(jobs)
    check_format(fmt)
    files = expand_paths(paths)
    tokenizer = tokenizer_for(model, online=online, options=options)
    pool = None
    if jobs > 1:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # HF threads do not survive fork
        # Forked workers inherit the loaded tokenizer; nothing is pickled per block. They die
        # with this process (see _start_worker).
        # forked with SIGINT and SIGTERM blocked: until its initializer has set them, a worker
        # would run the caller's handlers (the output set's SIGTERM raises), and a
        # Pool.terminate() meeting such a worker could hang; the initializer unblocks them
        with _stop_signals_blocked():
            pool = multiprocessing.get_context("fork").Pool(
                jobs, initializer=_start_worker, initargs=(tokenizer, os.getpid())
            )
    result = CountResult.start(model.id, tokenizer)
    if capped:
        result.warnings.append(capped)
    warning = getattr(tokenizer, "warning", None)
    if warning:
        result.warnings.append(warning)
    try:
        for path in files:
            counted = _count_file(
                path,
                fmt,
                column,
                tokenizer,
                pool,
                jobs,
                errors,
                skip_invalid,
                on_record,
                on_progress,
            )
            result.files.append(counted)
            add_counts(result, counted)
    finally:
        if pool is not None:
            with signals_held():  # a signal now would leave the pool half stopped
                pool.terminate()
                pool.join()
    return result


def count_file(
    path: str,
    file_format: str | None,
    tokenizer: Tokenizer,
    *,
    column: str | None = None,
    errors: str = "strict",
    skip_invalid: bool = False,
    on_record: Callable[[RecordCount], None] | None = None,
    span: tuple[int, int | None, int] | None = None,
) -> FileCount:
    """One file counted in this process (a partition of ``count --engine dask``), read as
    ``file_format`` (None: as its kind); ``span``: only the lines in bytes [start, end), the
    first being line ``first_line`` (a JSONL file, not compressed)."""
    return _count_file(
        path,
        file_format,
        column,
        tokenizer,
        None,
        1,
        errors,
        skip_invalid,
        on_record,
        None,
        span,
    )


def _count_file(
    path: str,
    file_format: str | None,
    column: str | None,
    tokenizer: Tokenizer,
    pool: Any,
    jobs: int,
    errors: str,
    skip_invalid: bool,
    on_record: Callable[[RecordCount], None] | None,
    on_progress: Callable[[int], None] | None,
    span: tuple[int, int | None, int] | None = None,
) -> FileCount:
    found_band = band_of(tokenizer)
    band = found_band.fraction if found_band else None
    start, end, first_line = span or (0, None, 1)
    raw = _open(path) if span is None else open_range(path, start, end)
    stream = raw
    try:
        if span is None:  # a range is of a JSONL file whose format was decided
            found, stream = sniff_stream(raw, path, known_format(file_format, column), "text")
            file_format = count_format(path, found, file_format, column)
        kind = {"text": "text", "json": "json", "csv": "csv", "tsv": "csv"}.get(
            file_format or "", "lines"
        )
        job = _Job(kind, path, file_format or "", errors, skip_invalid, on_record is not None)
        counted = FileCount(path, file_format or "", exact=tokenizer.exact)
        if kind == "json":
            block_results: Iterator[_BlockResult] = iter([_whole_json(stream, job, tokenizer)])
        else:
            blocks = _blocks(stream, job, column, first_line, start)
            block_results = _results(blocks, job, tokenizer, pool, jobs)
        pieces = characters = 0
        for block_result in block_results:
            pieces += 1
            characters += block_result.characters
            counted.tokens += block_result.tokens
            counted.records += block_result.records
            counted.skipped += block_result.skipped
            counted.exact = counted.exact and block_result.exact
            counted.notes.extend(n for n in block_result.notes if n not in counted.notes)
            if on_record is not None:
                for number, custom_id, tokens, exact in block_result.rows or []:
                    on_record(
                        RecordCount(
                            path, number, custom_id, tokens, exact and tokenizer.exact, band
                        )
                    )
            if on_progress is not None:
                on_progress(block_result.size)
    finally:
        if raw is not sys.stdin.buffer:
            stream.close()
    if kind == "text":
        counted.records = 1
        if pieces > 1 and isinstance(tokenizer, EstimateTokenizer):
            # ceil(characters / factor) of the whole text, not rounded up once per block
            counted.tokens = tokenizer.tokens_for_characters(characters)
        if pieces > 1 and not tokenizer.chunk_safe:
            counted.exact = False
        if on_record is not None:
            on_record(RecordCount(path, 0, None, counted.tokens, counted.exact, band))
    return counted
