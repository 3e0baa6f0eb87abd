"""Costing provider usage logs: what real traffic cost, per row and per model.

A log is JSONL (one provider response, batch output line or bare usage object per line, as
:func:`pricing.usage.normalize` reads them) or CSV with token columns (``input_tokens``,
``output_tokens`` and optionally ``cached_tokens``/``cache_read_tokens``,
``cache_write_tokens``, ``cache_write_1h_tokens``, ``reasoning_tokens``, ``finish_reason``,
``model``; ``prompt_tokens``/``completion_tokens`` are read as input/output).

Each call is priced at the prices in force on the day it was made: the record's ``created``
(OpenAI Chat, unix seconds), ``created_at`` (Responses), ``createTime`` or ``timestamp``
(a CSV column of that name too); records that say nothing are priced at ``at`` (default
today). Where the time of day is known and the provider bills by the clock (DeepSeek's
off-peak hours, a service tier with ``when_utc``), that tier prices the call. The per-row
CSV names the day, the catalog price period and the service tier of each row.

Files are read in chunks (``CHUNK_LINES`` lines), so memory stays bounded whatever the size:
each chunk is normalized, priced with numpy per model (:mod:`pricing.arrays`, exact sums),
written out as per-row CSV if asked, and only per-model totals are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np

from budget.inputs.files import expand_paths, is_url
from budget.inputs.samples import model_replies
from budget.usage.read import (
    FIELDS,
    KEEP_LOCATIONS,
    LogPart,
    Rows,
    Unpriced,
    part_chunks,
    split_log,
)
from budget.usage.rows import MONEY_COLUMNS, CsvRows, Priced
from pricing.arrays import CostTotals, price_arrays, refusals
from pricing.catalog import Catalog, Model
from pricing.dates import CallTime, pricing_day, stamp_day
from pricing.errors import InputError, UnpricedError
from pricing.rules import tools_usd
from pricing.usage import resolve_logged, serving_variant

CHUNK_LINES = 50_000


@dataclass
class ModelUsage:
    model: str
    variant: str | None
    totals: CostTotals = field(default_factory=CostTotals)

    @property
    def truncation_rate(self) -> float:
        return self.totals.truncated / self.totals.calls if self.totals.calls else 0.0

    def as_dict(self) -> dict:
        t = self.totals
        return {
            "model": self.model,
            "variant": self.variant,
            "calls": t.calls,
            "input_tokens": t.input_tokens,
            "cache_read_tokens": t.cache_read_tokens,
            "cache_write_tokens": t.cache_write_tokens,
            "output_tokens": t.output_tokens,
            "input_usd": t.input_usd,
            "cache_read_usd": t.cache_read_usd,
            "cache_write_usd": t.cache_write_usd,
            "output_usd": t.output_usd,
            "total_usd": t.total_usd,
            "tool_calls": t.tool_calls,
            "tool_usd": t.tool_usd,
            "per_call_usd": t.total_usd / t.calls if t.calls else Decimal(0),
            "truncated": t.truncated,
            "truncation_rate": self.truncation_rate,
        }


@dataclass
class UnpricedGroup:
    """Calls of one model the catalog could not price for one reason."""

    model: str
    reason: str
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    first: str = ""  # file:line of the first such call
    detail: str = ""  # the first call's whole message

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "reason": self.reason,
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "first": self.first,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class UsageReport:
    rows: int
    skipped: int
    total_usd: Decimal
    by_model: dict[str, ModelUsage]
    files: tuple[str, ...]
    notes: tuple[str, ...] = ()
    failed: int = 0  # batch results of failed requests: not billed, left out
    unpriced: tuple[UnpricedGroup, ...] = ()  # calls the catalog could not price
    skipped_lines: tuple[str, ...] = ()  # file:line of the first skipped lines
    events: int = 0  # streaming events without usage (not calls)
    rows_frame: Any = None  # per-call DataFrame, when cost_logs was asked for it

    @property
    def unpriced_calls(self) -> int:
        return sum(group.calls for group in self.unpriced)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "skipped": self.skipped,
            "skipped_lines": list(self.skipped_lines),
            "failed_requests": self.failed,
            "total_usd": self.total_usd,
            "by_model": {name: usage.as_dict() for name, usage in self.by_model.items()},
            "unpriced": [group.as_dict() for group in self.unpriced],
            "files": list(self.files),
            "notes": list(self.notes),
        }

    def frame(self):
        """Totals by model as a pandas DataFrame: float USD columns for analysis, and the
        exact Decimal total beside them (``total_usd_exact``)."""
        import pandas as pd

        records = []
        for usage in self.by_model.values():
            row = usage.as_dict()
            exact = row["total_usd"]
            for key in ("input_usd", "cache_read_usd", "cache_write_usd", "output_usd"):
                row[key] = float(row[key])
            row["total_usd"] = float(exact)
            row["per_call_usd"] = float(row["per_call_usd"])
            row["total_usd_exact"] = exact
            records.append(row)
        columns = [*ModelUsage("", None).as_dict(), "total_usd_exact"]
        return pd.DataFrame.from_records(records, columns=columns).set_index("model")


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
        if not is_url(path) and not Path(path).exists():  # a FIFO or <(...) is read like a file
            raise InputError(f"{path}: file not found")
    return files


@dataclass(frozen=True)
class OutputLengths:
    """Output tokens of every logged reply, and how many replies were cut at max_tokens."""

    lengths: np.ndarray  # reasoning included
    truncated: int  # finish reason length / max_tokens / MAX_TOKENS / max_output_tokens
    note: str | None = None  # which replies were taken (one model's, or all of them)

    @property
    def cut_share(self) -> float:
        return self.truncated / len(self.lengths) if len(self.lengths) else 0.0


def observed_outputs(paths: Iterable[str], model: Model | None = None) -> OutputLengths:
    """The logs' output lengths for resampling; a cut reply's length is only a lower bound.
    With ``model``: only its replies where the log names models, as `plan --samples` takes
    them (:func:`budget.inputs.samples.model_replies`)."""
    chunks = [rows for rows, _ in read_rows(paths)]
    if not chunks:
        return OutputLengths(np.zeros(0, dtype=np.int64), 0)
    # A streamed Anthropic call is two rows: message_start (calls 1, no output yet) and
    # message_delta (calls 0, the output): its length is the delta's.
    kept = [rows.select(np.flatnonzero(_one_length(rows))) for rows in chunks]
    lengths = np.concatenate([rows.column("output_tokens") for rows in kept])
    truncated = np.concatenate([rows.column("truncated") for rows in kept])
    note = None
    if model is not None:
        picked = model_replies([name for rows in kept for name in rows.models], model)
        lengths, truncated, note = lengths[picked.rows], truncated[picked.rows], picked.note
    return OutputLengths(lengths, int(truncated.sum()), note)


def _one_length(rows: Rows) -> np.ndarray:
    streamed = np.array([api == "anthropic-stream" for api in rows.apis], dtype=bool)
    return ~streamed | (rows.column("calls") == 0)


def output_lengths(paths: Iterable[str]) -> np.ndarray:
    """Output tokens (reasoning included) of every row of the logs, for resampling."""
    return observed_outputs(paths).lengths


class _Resolver:
    """Model names as the log writes them -> catalog models (or why not), once per name."""

    def __init__(self, catalog: Catalog, fallback: str | None):
        self.catalog, self.fallback = catalog, fallback
        self.known: dict[str | None, Model | UnpricedError] = {}
        self.dated: dict[tuple[str | None, dt.date], Model] = {}
        self.by_clock: dict[int, bool] = {}  # id(model) -> billed by the clock

    def clocked(self, model: Model) -> bool:
        """Whether the model has a service tier billed by the clock (cached per model)."""
        key = id(model)
        if key not in self.by_clock:
            self.by_clock[key] = any(level.when_utc for level in model.service_tiers.values())
        return self.by_clock[key]

    def at(self, name: str | None, day: dt.date) -> Model:
        """The model a (known) name means, at the prices in force on ``day``."""
        key = (name, day)
        if key not in self.dated:
            found = self(name)
            assert isinstance(found, Model)  # unpriced names are never asked for
            self.dated[key] = found.at(day)
        return self.dated[key]

    def __call__(self, name: str | None) -> Model | UnpricedError:
        if name not in self.known:
            wanted = name or self.fallback
            if wanted is None:
                found: Model | UnpricedError = UnpricedError(
                    "no model in the record; pass --model", "no model in the record"
                )
            else:
                try:
                    found = resolve_logged(self.catalog, wanted)
                except UnpricedError as exc:
                    found = exc
                except InputError as exc:
                    found = UnpricedError(str(exc), "unknown model")
            self.known[name] = found
        return self.known[name]


class _Unpriced:
    """Unpriced calls grouped by model and reason (bounded: one entry per group)."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], UnpricedGroup] = {}

    def add(self, model: str | None, reason: str, where: str, detail: str, tokens=(0, 0, 1)):
        key = (model or "(none)", reason)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = UnpricedGroup(key[0], reason, first=where, detail=detail)
        group.input_tokens += tokens[0]
        group.output_tokens += tokens[1]
        group.calls += tokens[2]


class _Costing:
    """Running totals of the logs read so far: what one process (or one worker, on its part
    of a file) keeps. Bounded whatever the log size: totals per model, one entry per
    unpriced (model, reason) group."""

    def __init__(self, catalog: Catalog, model: str | None, strict: bool, day: dt.date):
        self.resolve = _Resolver(catalog, model)
        self.strict = strict
        self.day = day  # prices for calls whose record does not say when they were made
        self.by_model: dict[str, ModelUsage] = {}
        self.unpriced = _Unpriced()
        self.skipped = self.failed = self.events = 0
        self.skipped_lines: list[str] = []
        self.inferred: dict[tuple[str, str, int], int] = {}  # (model, variant, limit) -> calls

    def add(self, chunk: Rows, skipped: int) -> tuple[list, np.ndarray, Priced]:
        """Price one chunk; returns the model id per row, the USD per row (NaN: unpriced) and
        when, at which price period and service tier each row was priced."""
        self.skipped += skipped
        self.skipped_lines += chunk.skipped[: KEEP_LOCATIONS - len(self.skipped_lines)]
        self.failed += chunk.failed
        self.events += chunk.events
        refused: list[tuple[int, str | None, str, str]] = []  # (row, model, reason, detail)
        usd = np.full((len(chunk), len(MONEY_COLUMNS)), np.nan)
        ids: list[str | None] = list(chunk.models)
        keys, priced_at = self._keys(chunk)
        codes = {key: number for number, key in enumerate(dict.fromkeys(keys))}
        code = np.fromiter(map(codes.__getitem__, keys), dtype=np.int64, count=len(keys))
        inputs, outputs = chunk.column("input_tokens"), chunk.column("output_tokens")
        periods: list[str] = [""] * len(chunk)
        tiers: list[str | None] = list(chunk.service_tiers)
        for (name, tier, day), number in codes.items():
            index = np.flatnonzero(code == number) if len(codes) > 1 else np.arange(len(chunk))
            found = self.resolve(name)
            if isinstance(found, UnpricedError):
                refused += [(row, name, found.reason, str(found)) for row in index.tolist()]
                continue
            found = self.resolve.at(name, day)
            label = found.period.label if found.period else ""
            for row in index.tolist():
                periods[row], tiers[row] = label, tier
            for variant, part in _by_variant(found, index, inputs, outputs):
                priced = found.with_variant(variant)
                if variant is not None and variant != found.variant:
                    key = (found.id, variant, found.max_input_tokens)
                    self.inferred[key] = self.inferred.get(key, 0) + len(part)
                part = _price_group(chunk, part, priced, tier, self.by_model, usd, refused)
                for row in part.tolist():
                    ids[row] = priced.id
        calls = chunk.column("calls")
        problems = [
            Unpriced(
                chunk.where(row),
                name,
                reason,
                detail,
                int(inputs[row]),
                int(outputs[row]),
                int(calls[row]),
            )
            for row, name, reason, detail in refused
        ] + chunk.unpriced
        problems.sort(key=lambda item: int(item.where.rsplit(":", 1)[1]))
        if self.strict and problems:
            raise InputError(f"{problems[0].where}: {problems[0].detail}")
        for item in problems:
            tokens = (item.input_tokens, item.output_tokens, item.calls)
            self.unpriced.add(item.model, item.reason, item.where, item.detail, tokens)
        return ids, usd, Priced(priced_at, periods, tiers)

    def _keys(self, chunk: Rows) -> tuple[list[tuple], list[dt.date]]:
        """Each row's pricing group (model name, service tier, a day of its price period) and
        the day it was made. The tier is the one the record reports, else the one its time of
        day bills (DeepSeek off-peak); rows of one price period share the period's day."""
        if chunk.times is None:
            return [
                (n, t, self.day) for n, t in zip(chunk.models, chunk.service_tiers, strict=True)
            ], [self.day] * len(chunk)
        keys, days = [], []
        first_day: dict[tuple[str | None, int], dt.date] = {}  # (name, id(period)) -> a day
        # Rows of one model, tier and day share a key, unless the model bills by the clock:
        # worked out once per (name, tier, day), not once per row.
        known: dict[tuple, tuple | None] = {}
        for name, tier, stamp in zip(chunk.models, chunk.service_tiers, chunk.times, strict=True):
            day = self.day if stamp is None else stamp_day(stamp)
            days.append(day)
            key = known.get((name, tier, day))
            if key is not None:
                keys.append(key)
                continue
            found = self.resolve(name)
            if isinstance(found, UnpricedError):
                key = known[name, tier, day] = (name, tier, self.day)
                keys.append(key)
                continue
            model = self.resolve.at(name, day)
            clocked = tier is None and stamp is not None and self.resolve.clocked(model)
            if clocked:
                tier = model.service_tier_at(CallTime.of(stamp).week_minute)
            key = (name, tier, first_day.setdefault((name, id(model.period)), day))
            if not clocked:
                known[name, tier, day] = key
            keys.append(key)
        return keys, days

    def merge(self, other: _Costing) -> None:
        """Add the totals of a later part of the logs."""
        for name, usage in other.by_model.items():
            entry = self.by_model.setdefault(name, ModelUsage(usage.model, usage.variant))
            entry.totals = entry.totals + usage.totals
        for key, group in other.unpriced.groups.items():
            mine = self.unpriced.groups.get(key)
            if mine is None:
                self.unpriced.groups[key] = group
            else:
                mine.calls += group.calls
                mine.input_tokens += group.input_tokens
                mine.output_tokens += group.output_tokens
        self.skipped += other.skipped
        self.skipped_lines += other.skipped_lines[: KEEP_LOCATIONS - len(self.skipped_lines)]
        self.failed += other.failed
        self.events += other.events
        for key, calls in other.inferred.items():
            self.inferred[key] = self.inferred.get(key, 0) + calls

    def report(self, paths: tuple[str, ...], frame: Any = None) -> UsageReport:
        groups = tuple(
            sorted(self.unpriced.groups.values(), key=lambda g: (-g.calls, g.model, g.reason))
        )
        rows = sum(m.totals.calls for m in self.by_model.values())
        if rows == 0 and not groups:
            where = ", ".join(paths)
            left_out = [f"{self.skipped} skipped"] if self.skipped else []
            left_out += [f"{self.failed} failed requests"] if self.failed else []
            raise InputError(
                f"{where}: no usage rows found" + (f" ({', '.join(left_out)})" if left_out else "")
            )
        total = sum((m.totals.total_usd for m in self.by_model.values()), Decimal(0))
        notes = tuple(
            f"{calls:,} call{'s' if calls != 1 else ''} of {name} above {limit:,} input tokens "
            f"priced as its {variant!r} variant (the only one that serves such calls)"
            for (name, variant, limit), calls in self.inferred.items()
        )
        if self.failed:
            notes += (
                f"{self.failed:,} failed request{'s' if self.failed != 1 else ''} left out "
                "(batch results or logged failures: providers bill nothing for them)",
            )
        if self.events:
            notes += (
                f"{self.events:,} record{'s' if self.events != 1 else ''} not billed "
                "as calls left out (streaming events without usage, proxy cache hits)",
            )
        return UsageReport(
            rows,
            self.skipped,
            total,
            dict(sorted(self.by_model.items())),
            paths,
            notes,
            self.failed,
            groups,
            tuple(self.skipped_lines),
            self.events,
            frame,
        )


def cost_logs(
    paths: Iterable[str],
    catalog: Catalog,
    *,
    model: str | None = None,
    skip_invalid: bool = False,
    strict: bool = False,
    rows_out: IO[str] | RowSink | None = None,
    rows_frame: bool = False,
    chunk_lines: int = CHUNK_LINES,
    at: dt.date | None = None,
    jobs: int = 1,
    on_rows: Callable[[int], None] | None = None,
) -> UsageReport:
    """Price every call of the logs, line by line: a call the catalog cannot price (unknown
    model, no rate for its service tier, cliff or modality, malformed usage) is counted in
    ``unpriced`` by model and reason and the rest are priced; ``strict`` stops at the first
    such call instead (InputError naming file:line). Per-row CSV goes to ``rows_out`` (a
    text handle; or any :class:`RowSink`, such as :class:`budget.usage.rows.ParquetRows`);
    ``rows_frame`` keeps the rows as a DataFrame on the report. ``jobs`` > 1 reads large
    JSONL files in that many processes (totals only: not with ``rows_out``/``rows_frame``);
    0 picks a number from the CPUs and the logs' size. ``on_rows`` hears how many rows
    each chunk read (progress)."""
    paths = tuple(paths)
    files = log_files(paths)
    if jobs == 0:
        jobs = auto_jobs(files)
    if jobs > 1 and rows_out is None and not rows_frame:
        parts = [part for path in files for part in split_log(path, jobs)]
        if len(parts) > 1:
            day = pricing_day(at)
            return _cost_parallel(parts, paths, catalog, model, skip_invalid, strict, jobs, day)
    costing = _Costing(catalog, model, strict, pricing_day(at))
    frames: list = []
    sink = CsvRows(rows_out) if isinstance(rows_out, io.TextIOBase) else rows_out
    for chunk, chunk_skipped in read_rows(
        files, skip_invalid=skip_invalid, chunk_lines=chunk_lines
    ):
        ids, usd, priced = costing.add(chunk, chunk_skipped)
        if sink is not None:
            sink.write(chunk, ids, usd, priced)
        if rows_frame:
            frames.append(_frame(chunk, ids, usd, priced))
        if on_rows is not None:
            on_rows(len(chunk) + chunk_skipped)
    frame = None
    if rows_frame:
        import pandas as pd

        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return costing.report(paths, frame)


class RowSink(Protocol):
    """Where per-row output goes, chunk by chunk (:mod:`budget.usage.rows`)."""

    def write(self, chunk: Rows, model_ids: list, usd: np.ndarray, priced: Priced) -> None: ...


PARALLEL_MIN_BYTES = 32 * 2**20  # below this a log is read in one process
MAX_AUTO_JOBS = 4


def auto_jobs(paths: tuple[str, ...] | list[str]) -> int:
    """Processes for ``jobs=0``: one per CPU (at most 4) for large logs, else one."""
    size = sum(Path(path).stat().st_size for path in paths if not is_url(path))
    if size < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_AUTO_JOBS))


def cost_part(
    part: LogPart,
    catalog: Catalog,
    model: str | None,
    skip_invalid: bool,
    strict: bool,
    chunk_lines: int = CHUNK_LINES,
    rows_out: RowSink | None = None,
    day: dt.date | None = None,
) -> _Costing:
    """The totals of one part of the logs (a byte range of a JSONL file, row groups of a
    Parquet file, or a whole file): what a ``--jobs`` process or a Dask worker runs, the
    same chunk pipeline as :func:`cost_logs`. Its rows go to ``rows_out`` if given; calls
    whose record does not say when they were made are priced at ``day`` (default today)."""
    costing = _Costing(catalog, model, strict, pricing_day(day))
    for chunk, skipped in part_chunks(part, skip_invalid, chunk_lines):
        ids, usd, priced = costing.add(chunk, skipped)
        if rows_out is not None:
            rows_out.write(chunk, ids, usd, priced)
    costing.resolve = None  # the catalog stays with the caller
    return costing


def _cost_part(task: tuple) -> _Costing:
    return cost_part(*task)


def _cost_parallel(parts, paths, catalog, model, skip_invalid, strict, jobs, day) -> UsageReport:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # smaller chunks per worker: memory stays bounded with several processes
    chunk_lines = max(1_000, CHUNK_LINES // jobs)
    tasks = [(part, catalog, model, skip_invalid, strict, chunk_lines, None, day) for part in parts]
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        results = pool.map(_cost_part, tasks)  # in order: the first error by line is raised
        costing = next(results)
        for other in results:
            costing.merge(other)
    return costing.report(paths)


def _by_variant(model: Model, index: np.ndarray, inputs: np.ndarray, outputs: np.ndarray):
    """Rows of ``index`` by the variant that served them: the model's own, except calls too
    long for it that only one variant could have served (Claude Sonnet 4.5's 1M context)."""
    if not model.variant_specs:
        return [(model.variant, index)]
    too_long = (inputs[index] > model.max_input_tokens) | (
        inputs[index] + outputs[index] > model.context_window
    )
    if not too_long.any():
        return [(model.variant, index)]
    groups: dict[str | None, list[int]] = {}
    for row, long in zip(index.tolist(), too_long.tolist(), strict=True):
        variant = model.variant
        if long:
            variant = serving_variant(model, int(inputs[row]), int(outputs[row])) or variant
        groups.setdefault(variant, []).append(row)
    return [(variant, np.array(rows, dtype=np.int64)) for variant, rows in groups.items()]


def _price_group(
    chunk: Rows,
    index: np.ndarray,
    model: Model,
    tier: str | None,
    by_model: dict[str, ModelUsage],
    usd: np.ndarray,
    refused: list,
) -> np.ndarray:
    """Price the rows of ``index`` on ``model`` (rows it cannot price go to ``refused``);
    returns the rows priced."""
    fees = _tool_fees(chunk, index, model, refused)
    if fees is not None:
        index = np.array([row for row in index.tolist() if row in fees], dtype=np.int64)
        if not len(index):
            return index
    code, reasons = refusals(model, chunk.tokens(index), tier)
    if reasons:
        for row, number in zip(index.tolist(), code.tolist(), strict=True):
            if number:
                reason = reasons[number - 1]
                refused.append((row, model.id, reason, f"model {model.id!r}: {reason}"))
        index = index[code == 0]
        if not len(index):
            return index
    priced = price_arrays(model, chunk.tokens(index), service_tier=tier)
    truncated = int(chunk.column("truncated")[index].sum())
    calls = int(chunk.column("calls")[index].sum())
    totals = CostTotals(**{**priced.totals.__dict__, "truncated": truncated, "calls": calls})
    tool_usd = np.zeros(len(index))
    if fees is not None:
        row_fees = [fees[row] for row in index.tolist()]
        uses = sum(sum(chunk.tool_calls[row].values()) for row in index.tolist())
        fee_total = sum(row_fees, Decimal(0))
        totals = dataclasses.replace(
            totals, tool_calls=uses, tool_usd=fee_total, total_usd=totals.total_usd + fee_total
        )
        tool_usd = np.array(row_fees, dtype=float)
    key = model.id + (f" ({model.host} {model.endpoint})" if model.host else "")
    entry = by_model.setdefault(key, ModelUsage(model.id, model.variant))
    entry.totals = entry.totals + totals
    usd[index] = np.column_stack(
        [
            priced.input_usd,
            priced.cache_read_usd,
            priced.cache_write_usd,
            priced.output_usd,
            priced.total_usd + tool_usd,
            tool_usd,
        ]
    )
    return index


def _tool_fees(chunk: Rows, index: np.ndarray, model: Model, refused: list):
    """Each row's built-in tool fee (Decimal) by row, or None when no row used a tool. A row
    using a tool the catalog has no fee for goes to ``refused`` (unpriced, not dropped)."""
    if chunk.tool_calls is None:
        return None
    fees: dict[int, Decimal] = {}
    for row in index.tolist():
        used = chunk.tool_calls[row]
        try:
            fees[row] = tools_usd(model, used) if used else Decimal(0)
        except InputError as exc:
            refused.append((row, model.id, "no fee for a built-in tool", str(exc)))
    return fees


def _frame(chunk: Rows, ids: list, usd: np.ndarray, priced: Priced):
    import pandas as pd

    frame = pd.DataFrame(chunk.data, columns=list(FIELDS))
    frame.insert(0, "file", chunk.file)
    frame.insert(1, "line", chunk.lines)
    frame.insert(2, "model", ids)
    frame.insert(3, "api", chunk.apis)
    frame.insert(4, "service_tier", priced.tiers)
    frame["finish_reason"] = chunk.finish_reasons
    for i, name in enumerate(MONEY_COLUMNS):
        frame[name] = usd[:, i]
    frame["priced_at"] = priced.days
    frame["price_period"] = priced.periods
    return frame
