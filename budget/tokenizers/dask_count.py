"""``budget count --engine dask``: files counted on a Dask cluster, one task per file, or
per range of about ``PARTITION_BYTES`` of lines for a large JSONL file (so one big batch file
spreads over the workers too).

Each worker builds a model's tokenizer once, on its first file, and keeps it in a worker
plugin (:class:`TokenizerCache`) for every later file: nothing is pickled per file but the
path. Results come back in file order, so totals, per-record rows and the first error are
those of the local engine (:func:`budget.tokenizers.count.count_paths`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from distributed import WorkerPlugin, get_worker

from budget.cluster import in_order
from budget.inputs.files import (
    STDIN,
    check_format,
    count_format,
    expand_paths,
    is_url,
    known_format,
    line_ranges,
)
from budget.inputs.sniff import FileKind, sniff
from budget.tokenizers import Tokenizer, TokenizerOptions, options_in_force, tokenizer_for
from budget.tokenizers.count import CountResult, FileCount, RecordCount, add_counts, count_file
from pricing.errors import InputError

PLUGIN = "token-budget-tokenizers"
PARTITION_BYTES = 32 << 20  # a JSONL file larger than this is counted in ranges of this size
TASK_BYTES = 8 << 20  # small files are grouped into tasks of about this many bytes
LINE_FORMATS = ("jsonl", "openai-batch", "anthropic-batch")


class TokenizerCache(WorkerPlugin):
    """A Dask worker plugin: the tokenizers this worker has built, by model and options."""

    name = PLUGIN

    def __init__(self) -> None:
        self.tokenizers: dict[tuple, Tokenizer] = {}

    def setup(self, worker: Any) -> None:
        self.tokenizers = {}

    def tokenizer(self, model: Any, options: TokenizerOptions) -> Tokenizer:
        key = (model.id, model.variant, model.tokenizer, options)
        if key not in self.tokenizers:
            self.tokenizers[key] = tokenizer_for(model, options=options)
        return self.tokenizers[key]


Piece = tuple[str, str, "tuple[int, int | None, int] | None"]  # path, format, line range


def count_partition(
    pieces: list[Piece],
    model: Any,
    options: TokenizerOptions,
    column: str | None,
    errors: str,
    skip_invalid: bool,
    want_rows: bool,
) -> list[tuple[FileCount, list[RecordCount] | None]]:
    """Files (or the lines of a range of one) counted on a worker, in order, with the
    worker's tokenizer for the model."""
    tokenizer = get_worker().plugins[PLUGIN].tokenizer(model, options)
    results = []
    for path, file_format, span in pieces:
        rows: list[RecordCount] | None = [] if want_rows else None
        counted = count_file(
            path,
            file_format,
            tokenizer,
            column=column,
            errors=errors,
            skip_invalid=skip_invalid,
            on_record=None if rows is None else rows.append,
            span=span,
        )
        results.append((counted, rows))
    return results


def tasks(pieces: list[Piece], size: int) -> list[list[Piece]]:
    """Consecutive pieces grouped into tasks of about ``size`` bytes (many small files per
    task: a task costs the scheduler about a millisecond, a small file less)."""
    groups: list[list[Piece]] = [[]]
    held = 0
    for piece in pieces:
        path, _, span = piece
        piece_bytes = _size(path) if span is None else (span[1] or _size(path)) - span[0]
        if groups[-1] and held + piece_bytes > size:
            groups.append([])
            held = 0
        groups[-1].append(piece)
        held += piece_bytes
    return [group for group in groups if group]


def spans(
    path: str, file_format: str, kind: FileKind, size: int
) -> list[tuple[int, int | None, int] | None]:
    """The pieces of a file counted apart: line ranges of a large local JSONL file (not
    compressed: a range of a compressed file cannot be read alone), else the whole file
    (None)."""
    if (
        file_format not in LINE_FORMATS
        or kind.compression is not None
        or is_url(path)  # one piece: its ranges would need its store's own seeks
        or _size(path) <= size
    ):
        return [None]
    return list(line_ranges(path, size))


def _kind(path: str, fmt: str | None, column: str | None) -> FileKind:
    found = sniff(path, known_format(fmt, column), "text")
    if found is None:  # read once, it could not be cut into tasks
        raise InputError(f"{path}: --engine dask counts files, not pipes")
    return found


def _size(path: str) -> int:
    """Bytes of a file or a URL (fsspec asks the store; 0 when it cannot say)."""
    if not is_url(path):
        return os.path.getsize(path)
    import fsspec

    try:
        with fsspec.open(path, "rb") as handle:
            return int(handle.size or 0)
    except (OSError, AttributeError, TypeError, ValueError):
        return 0


def count_paths_dask(
    paths: list[str],
    model: Any,
    client: Any,
    *,
    fmt: str | None = None,
    column: str | None = None,
    errors: str = "strict",
    skip_invalid: bool = False,
    online: bool = False,
    options: TokenizerOptions | None = None,
    on_record: Callable[[RecordCount], None] | None = None,
    on_partitions: Callable[[int], None] | None = None,
    on_done: Callable[[int], None] | None = None,
    partition_bytes: int = PARTITION_BYTES,
    task_bytes: int = TASK_BYTES,
) -> CountResult:
    """:func:`budget.tokenizers.count.count_paths` with one Dask task per file (or per
    range of lines of a large JSONL file)."""
    if errors not in ("strict", "replace"):
        raise InputError(f"--errors: expected strict or replace, got {errors!r}")
    check_format(fmt)
    files = expand_paths(paths)
    if STDIN in files:
        raise InputError("-: --engine dask counts files, not standard input")
    kinds = [_kind(path, fmt, column) for path in files]
    formats = [
        count_format(path, kind, fmt, column) for path, kind in zip(files, kinds, strict=True)
    ]
    options = options_in_force(online, options)
    tokenizer = tokenizer_for(model, options=options)  # its name, method and warnings
    result = CountResult.start(model.id, tokenizer)
    warning = getattr(tokenizer, "warning", None)
    if warning:
        result.warnings.append(warning)
    client.register_plugin(TokenizerCache(), name=PLUGIN)
    pieces = [
        (path, file_format, span)
        for path, file_format, kind in zip(files, formats, kinds, strict=True)
        for span in spans(path, file_format, kind, partition_bytes)
    ]
    groups = tasks(pieces, task_bytes)
    if on_partitions is not None:
        on_partitions(len(groups))
    # a task's result, not scattered data: computed again if the worker holding it dies
    shared = client.submit(_the, model, pure=False)
    futures = [
        client.submit(
            count_partition,
            group,
            shared,
            options,
            column,
            errors,
            skip_invalid,
            on_record is not None,
            pure=False,
        )
        for group in groups
    ]
    done = (result for results in in_order(futures, on_done) for result in results)
    for (_, _, span), (counted, rows) in zip(pieces, done, strict=True):
        if span is not None and span[0] > 0:  # a further range of the file before
            add_counts(result.files[-1], counted)
        else:
            result.files.append(counted)
        add_counts(result, counted)
        if on_record is not None:
            for row in rows or []:
                on_record(row)
    return result


def _the(value: Any) -> Any:
    """The value itself, as a task: a lost copy is computed again."""
    return value
