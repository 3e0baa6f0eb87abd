"""``budget usage --engine dask``: usage logs priced partition by partition on a Dask cluster.

Each partition (a line range of a JSONL file, a whole CSV or JSON file, row groups of a
Parquet file) goes through :func:`partition_totals`, which runs the local engine's own chunk
pipeline (:func:`budget.usage.price.cost_part`: the same reader, normalizer and vectorized
pricing) and returns exact sums: integers and Decimals, never floats, so partitions merged in
file order give the local engine's totals, by model, and its unpriced calls, to the
micro-dollar. JSONL files are cut at multiples of the local engine's chunk size, so the chunks
(and which error ``--strict`` meets first) are the same in both engines; errors name the file
and line as the local engine does.

Per-row output: each partition writes its part beside the destination (the workers and this
process must share that directory, as a local cluster does); CSV parts are joined in order
into the one CSV, Parquet parts become a directory of ``part-NNNNN.parquet`` files. Either
appears whole or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from budget.cluster import in_order
from budget.inputs.files import STDIN, is_url
from budget.inputs.parquet import row_group_sizes
from budget.inputs.sniff import FileKind, sniff
from budget.outputs import OutputSet, parts_folder, read_back, temporary_prefix
from budget.usage.price import CHUNK_LINES, UsageReport, cost_part, log_files
from budget.usage.read import LogPart
from budget.usage.rows import ROW_COLUMNS, CsvRows, ParquetRows, is_parquet_name
from pricing.catalog import Catalog
from pricing.dates import pricing_day
from pricing.errors import InputError

PARTITION_BYTES = 16 << 20  # JSONL bytes per partition, at least (whole chunks)
PARTITION_ROWS = 1_000_000  # Parquet rows per partition (whole row groups)
SCAN_BYTES = 16 << 20


def partitions(
    paths: list[str] | tuple[str, ...],
    chunk_lines: int = CHUNK_LINES,
    partition_bytes: int = PARTITION_BYTES,
    partition_rows: int = PARTITION_ROWS,
) -> list[LogPart]:
    """The partitions of the logs, in file order, by their kind (:mod:`budget.inputs.sniff`):
    local JSONL files cut into line ranges of about ``partition_bytes`` (whole chunks), local
    Parquet files into row groups of about ``partition_rows`` rows; anything else (CSV, TSV,
    one JSON document, a compressed file, a URL, a pipe) whole."""
    found: list[LogPart] = []
    for path in log_files(paths):
        if path == STDIN:  # a worker has no standard input of ours to read
            raise InputError("-: standard input is not read under --engine dask; give a file")
        kind = None if is_url(path) else sniff(path)
        if kind == FileKind("parquet"):
            found.extend(_row_group_partitions(path, partition_rows))
        elif kind == FileKind("jsonl"):
            found.extend(_line_partitions(path, chunk_lines, partition_bytes))
        else:
            found.append(LogPart(path))
    return found


def _row_group_partitions(path: str, partition_rows: int) -> Iterator[LogPart]:
    group: list[int] = []
    rows = 0
    for number, size in enumerate(row_group_sizes(path)):
        group.append(number)
        rows += size
        if rows >= partition_rows:
            yield LogPart(path, row_groups=tuple(group))
            group, rows = [], 0
    if group or rows == 0:
        yield LogPart(path, row_groups=tuple(group))


def chunk_starts(path: str, chunk_lines: int) -> list[int]:
    """Byte offsets where the local engine's chunks of ``chunk_lines`` lines start (the
    first is 0), found by counting newlines, a few MB at a time."""
    starts = [0]
    lines = offset = 0
    with open(path, "rb") as handle:
        while block := handle.read(SCAN_BYTES):
            newlines = block.count(b"\n")
            following = (len(starts)) * chunk_lines  # the newline that ends the next chunk
            if lines + newlines >= following:
                ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
                while lines + newlines >= following:
                    starts.append(offset + int(ends[following - lines - 1]) + 1)
                    following += chunk_lines
            lines += newlines
            offset += len(block)
    if starts[-1] >= offset and len(starts) > 1:
        starts.pop()  # the file ends on a chunk boundary
    return starts


def _line_partitions(path: str, chunk_lines: int, partition_bytes: int) -> list[LogPart]:
    starts = chunk_starts(path, chunk_lines)
    total = os.path.getsize(path)
    found = []
    first = 0  # index of the first chunk of the partition being built
    for index in range(1, len(starts) + 1):
        end = starts[index] if index < len(starts) else total
        if index == len(starts) or end - starts[first] >= partition_bytes:
            found.append(LogPart(path, starts[first], end, first * chunk_lines + 1))
            first = index
    return found if len(found) > 1 else [LogPart(path)]


def partition_totals(
    partition: LogPart,
    catalog: Catalog,
    model: str | None,
    skip_invalid: bool,
    strict: bool,
    chunk_lines: int = CHUNK_LINES,
    part: str | None = None,
    day: dt.date | None = None,
):
    """One partition priced on a worker: exact totals by model, unpriced calls by model
    and reason, skipped and failed counts; its per-row output written to ``part`` (CSV
    without a header, or Parquet)."""
    if part is None:
        return cost_part(partition, catalog, model, skip_invalid, strict, chunk_lines, None, day)
    with open(part, "wb") as raw:
        if is_parquet_name(part):
            sink = ParquetRows(raw)
            try:
                return cost_part(
                    partition, catalog, model, skip_invalid, strict, chunk_lines, sink, day
                )
            finally:
                sink.close()
        with io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            rows = CsvRows(text, header=False)
            return cost_part(
                partition, catalog, model, skip_invalid, strict, chunk_lines, rows, day
            )


def cost_logs_dask(
    paths: list[str] | tuple[str, ...],
    catalog: Catalog,
    client: Any,
    *,
    model: str | None = None,
    skip_invalid: bool = False,
    strict: bool = False,
    output: str | None = None,
    inputs: Iterable[str] = (),
    chunk_lines: int = CHUNK_LINES,
    partition_bytes: int = PARTITION_BYTES,
    partition_rows: int = PARTITION_ROWS,
    on_partitions: Callable[[int], None] | None = None,
    on_done: Callable[[int], None] | None = None,
    at: dt.date | None = None,
) -> UsageReport:
    """:func:`budget.usage.price.cost_logs` on a Dask cluster: the same report, to the
    micro-dollar. ``output``: per-row CSV (one file, written as part of an
    :class:`budget.outputs.OutputSet`: checked first, replaced whole at the end), or Parquet
    (a directory of parts) if the name ends in ``.parquet``; it may not be any of the logs
    or ``inputs`` (catalog files)."""
    paths = tuple(paths)
    day = pricing_day(at)  # the workers price undated calls at the caller's day
    pieces = partitions(paths, chunk_lines, partition_bytes, partition_rows)
    csv_output = output is not None and not is_parquet_name(output)
    with contextlib.ExitStack() as stack:
        outputs = None
        if csv_output:
            logs = [piece.path for piece in pieces if not is_url(piece.path)]
            outputs = stack.enter_context(OutputSet({"-o": output}, [*logs, *inputs]))
        elif output is not None:
            _check_parts_directory(output, [*paths, *(piece.path for piece in pieces), *inputs])
        if on_partitions is not None:
            on_partitions(len(pieces))
        folder = None if output is None else stack.enter_context(parts_folder(output))
        suffix = ".csv" if csv_output else ".parquet"
        parts = [
            None if folder is None else os.path.join(folder, f"part-{n:05d}{suffix}")
            for n in range(len(pieces))
        ]
        # A task that yields the catalog, not scattered data: scattered data has no recipe, so
        # when the only worker holding it dies, every partition needing it is cancelled; a
        # task's result is computed again on another worker.
        shared = client.submit(_the, catalog, pure=False)
        futures = [
            client.submit(
                partition_totals,
                piece,
                shared,
                model,
                skip_invalid,
                strict,
                chunk_lines,
                part,
                day,
                pure=False,
            )
            for piece, part in zip(pieces, parts, strict=True)
        ]
        results = in_order(futures, on_done)
        totals = next(results)
        for other in results:
            totals.merge(other)
        report = totals.report(paths)
        if outputs is not None:
            handle = outputs.open(output, "wb")
            handle.write((",".join(ROW_COLUMNS) + "\n").encode())
            for part in parts:
                with open(part or "", "rb") as piece:
                    shutil.copyfileobj(piece, handle, 1 << 20)
        elif output is not None:
            _publish_parts(parts, output)
    return report


def _the(value: Any) -> Any:
    """The value itself, as a task (see :func:`cost_logs_dask`)."""
    return value


def check_output(paths: Iterable[str], output: str | None, inputs: Iterable[str] = ()) -> None:
    """The output checks :func:`cost_logs_dask` makes, made before a cluster is started: an
    output that is one of the inputs (a file, inside a directory or glob read) is refused
    without spending a cluster's start-up on it."""
    if output is None:
        return
    sources = [*paths, *inputs]
    if is_parquet_name(output):
        _check_parts_directory(output, sources)
        return
    for source in sources:
        reason = read_back(output, source)
        if reason:
            raise InputError(f"-o {output}: {reason}")


def _check_parts_directory(output: str, logs: list[str]) -> None:
    """Parquet under Dask is a directory of parts: refuse a file there, a directory holding
    anything but parts, a missing parent, or one holding a log being read."""
    target = Path(output)
    if target.exists() and not target.is_dir():
        raise InputError(f"{output}: a file; Parquet under --engine dask is a directory of parts")
    if not (target.parent if str(target.parent) else Path(".")).is_dir():
        raise InputError(f"{output}: directory {target.parent} does not exist")
    if target.is_dir():
        if any(not p.name.startswith("part-") for p in target.iterdir()):
            raise InputError(f"{output}: a directory with other files in it; not replaced")
        inside = target.resolve()
        for log in logs:
            if not is_url(log) and inside in Path(log).resolve().parents:
                raise InputError(f"{output}: holds the input {log}; writing would destroy it")
    for log in logs:  # a part read back as a log by the next run (inside a log folder, say)
        reason = read_back(os.path.join(output, "part-00000.parquet"), log)
        if reason:
            raise InputError(f"-o {output}: {reason}")


def _publish_parts(parts: list[str | None], output: str) -> None:
    """The parts moved into a new directory, renamed into place (an earlier directory of
    parts replaced)."""
    target = Path(output)
    parent = target.parent if str(target.parent) else Path(".")
    final = Path(tempfile.mkdtemp(prefix=temporary_prefix(target.name, parent), dir=parent))
    for part in parts:
        os.replace(part or "", final / Path(part or "").name)
    old = None
    if target.is_dir():
        old = Path(tempfile.mkdtemp(prefix=temporary_prefix(target.name, parent), dir=parent))
        os.replace(target, old / "previous")
    os.chmod(final, 0o777 & ~_umask())
    os.replace(final, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
