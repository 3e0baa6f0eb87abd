"""Costing provider usage logs: what real traffic cost, per row and per model.

A log is JSONL (one provider response, batch output line or bare usage object per line), or
CSV or Parquet whose columns spell such records (``input_tokens``, ``output_tokens``,
``cached_tokens``, ..., ``model``, ``service_tier``, a time column): every row is read by
:func:`pricing.usage.read_call` (:mod:`budget.usage.read`), and every call is priced by
:mod:`pricing.logged`, the one rule of which model, variant, service tier, price period and
day bill a logged call, on every path (one process, ``--jobs``, Dask, ``cost --usage``).

Each call is priced at the prices in force on the day it was made: the record's ``created``
(OpenAI Chat, unix seconds), ``created_at`` (Responses), ``createTime``, ``startTime``
(LiteLLM) or ``timestamp``; records that say nothing are priced at ``at`` (the pricing day,
:func:`pricing.dates.pricing_day`), and the report says how many and warns where their
models changed price or retired in the 90 days before that day. Where the time of day is
known and the provider bills by the clock (DeepSeek's off-peak hours), that tier prices the
call. The per-row CSV names the day, the catalog price period and the service tier of each
row; totals by model name the model whose rates priced them (a routed retirement's
successor) and how a retirement changed the price.

Files are read in chunks (``CHUNK_LINES`` lines), so memory stays bounded whatever the size:
each chunk is normalized, priced with numpy per group (:mod:`pricing.arrays`, exact sums),
written out as per-row CSV if asked, and only per-model totals are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np

from budget.usage.read import (
    CHUNK_LINES,
    FIELDS,
    KEEP_LOCATIONS,
    LogPart,
    Rows,
    Unpriced,
    log_files,
    observed_outputs,
    part_chunks,
    read_rows,
    split_log,
)
from budget.usage.rows import MONEY_COLUMNS, CsvRows, Priced
from pricing.arrays import CostTotals
from pricing.catalog import Catalog
from pricing.dates import pricing_day
from pricing.errors import InputError
from pricing.logged import RECENT_CHANGE_DAYS, LoggedCalls, recent_changes

# read here once, and still found here by the Dask engine, benches and notebooks
__all__ = ["CHUNK_LINES", "UsageReport", "cost_logs", "log_files", "observed_outputs", "read_rows"]


TOTAL_COLUMN = MONEY_COLUMNS.index("total_usd")
MICRO_DOLLAR = Decimal("0.000001")
SEVERAL = "(several)"  # a model's calls priced under more than one variant (1M context)


@dataclass
class ModelUsage:
    model: str
    variant: str | None  # SEVERAL when its calls were priced under more than one
    totals: CostTotals = field(default_factory=CostTotals)
    # the models whose rates priced the calls: the model itself, and the one a routed
    # retirement sends its calls to (Google's retired Gemini models)
    priced_as: list[str] = field(default_factory=list)
    retirement_pricing: list[str] = field(default_factory=list)  # sentences, when it applied

    def priced_by(
        self, models: list[str], retirement: list[str], variant: str | None = None
    ) -> None:
        # the same whatever the order of reading (parts of a log merge in any grouping):
        # the model itself first
        self.priced_as = sorted({*self.priced_as, *models}, key=lambda m: (m != self.model, m))
        self.retirement_pricing = sorted({*self.retirement_pricing, *retirement})
        if variant != self.variant:
            self.variant = SEVERAL

    def merge(self, other: ModelUsage) -> None:
        self.totals = self.totals + other.totals
        self.priced_by(other.priced_as, other.retirement_pricing, other.variant)

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
            "priced_as": " + ".join(self.priced_as) or self.model,
            "retirement_pricing": "; ".join(self.retirement_pricing) or None,
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
class Undated:
    """Calls whose record gives no time: priced at the pricing day (``--at``, else today),
    and what changed their models' prices in the days before it."""

    calls: int = 0
    day: dt.date | None = None  # the day that priced them
    recent_changes: tuple[str, ...] = ()  # price changes and retirements before ``day``

    @property
    def warning(self) -> str | None:
        """Said where the bill is shown: the day chosen may change it."""
        if not self.calls or not self.recent_changes:
            return None
        calls = f"{self.calls:,} calls were" if self.calls != 1 else "1 call was"
        return (
            f"warning: {calls} priced at {self.day} for want of a time, but within the "
            f"{RECENT_CHANGE_DAYS} days before it {'; '.join(self.recent_changes)}: if they "
            "were made earlier, pass --at DATE (the day they were made) to price them then"
        )

    def as_dict(self) -> dict:
        return {
            "calls": self.calls,
            "priced_at": self.day if self.calls else None,
            "recent_changes": list(self.recent_changes),
            "warning": self.warning,
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
    undated: Undated | None = None  # calls whose record gives no time
    # calendar month ("2026-11", of the day each call was priced at) -> USD (the budget gate)
    by_month: dict[str, Decimal] = field(default_factory=dict)

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
            "undated": (self.undated or Undated()).as_dict(),
            "by_month": dict(self.by_month),
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


def _per_row(values: list, group: np.ndarray, otherwise: list) -> list:
    """Each row's value: its group's, or its own from ``otherwise`` for rows of no group."""
    found = np.array([*values, None], dtype=object)[group].tolist()
    if len(values) and (group == len(values)).any():
        for row in np.flatnonzero(group == len(values)).tolist():
            found[row] = otherwise[row]
    elif not values:
        return list(otherwise)
    return found


# Unpriced (model, reason) groups kept one by one: ten times the 1,000 that --json lists. A log
# of a million distinct unknown names would otherwise keep a million groups; the calls of
# groups first met once this many are kept go to one OTHER group, so the totals stay exact.
MAX_UNPRICED_GROUPS = 10_000
OTHER = ("(other models)", "more (model, reason) groups than are kept one by one")


class _Unpriced:
    """Unpriced calls grouped by model and reason, bounded: the first ``limit`` groups met,
    each exact, and the calls of any later group summed in one OTHER group."""

    def __init__(self, limit: int | None = None) -> None:
        self.groups: dict[tuple[str, str], UnpricedGroup] = {}
        self.limit = MAX_UNPRICED_GROUPS if limit is None else limit

    def add(self, model: str | None, reason: str, where: str, detail: str, tokens=(0, 0, 1)):
        key = (model or "(none)", reason)
        group = self.groups.get(key)
        if group is None:
            group = self._new(key, where, detail)
        group.input_tokens += tokens[0]
        group.output_tokens += tokens[1]
        group.calls += tokens[2]

    def merge(self, other: _Unpriced) -> None:
        """Add a later part's groups (in order: a group's first call stays the earliest).
        A group one part folded into OTHER and another kept is counted partly in each: the
        totals stay exact, its own figure is then a lower bound."""
        for key, theirs in other.groups.items():
            mine = self.groups.get(key)
            if mine is None:
                mine = self._new(key, theirs.first, theirs.detail)
            mine.calls += theirs.calls
            mine.input_tokens += theirs.input_tokens
            mine.output_tokens += theirs.output_tokens

    def _new(self, key: tuple[str, str], where: str, detail: str) -> UnpricedGroup:
        if key != OTHER and len(self.groups) - (OTHER in self.groups) >= self.limit:
            key, detail = OTHER, f"{OTHER[1]} ({self.limit:,}); first: {detail}"
            if key in self.groups:
                return self.groups[key]
        group = self.groups[key] = UnpricedGroup(key[0], key[1], first=where, detail=detail)
        return group

    def ordered(self) -> tuple[UnpricedGroup, ...]:
        """Most calls first; the OTHER group last."""
        kept = [group for key, group in self.groups.items() if key != OTHER]
        kept.sort(key=lambda g: (-g.calls, g.model, g.reason))
        return (*kept, *([self.groups[OTHER]] if OTHER in self.groups else []))


class _Costing:
    """Running totals of the logs read so far: what one process (or one worker, on its part
    of a file) keeps. Bounded whatever the log size: totals per model, at most
    ``MAX_UNPRICED_GROUPS`` unpriced (model, reason) groups and one for the rest."""

    def __init__(self, catalog: Catalog, model: str | None, strict: bool, day: dt.date | None):
        self.logged: LoggedCalls | None = LoggedCalls(catalog, model=model, at=day)
        self.day = self.logged.day  # prices for calls whose record does not say when
        self.strict = strict
        self.by_model: dict[str, ModelUsage] = {}
        self.unpriced = _Unpriced()
        self.skipped = self.failed = self.events = self.undated = 0
        self.skipped_lines: list[str] = []
        self.inferred: dict[tuple[str, str, int], int] = {}  # (model, variant, limit) -> calls
        self.changes: dict[str, list[str]] = {}  # model id -> recent changes (undated calls)
        self.by_month: dict[int, Decimal] = {}  # year x 12 + month - 1 -> USD (add_months)

    def add(self, chunk: Rows, skipped: int) -> tuple[list, np.ndarray, Priced]:
        """Price one chunk; returns the model id per row, the USD per row (NaN: unpriced) and
        when, at which price period and service tier each row was priced."""
        assert self.logged is not None, "a part's totals are for merging, not for reading"
        self.skipped += skipped
        self.skipped_lines += chunk.skipped[: KEEP_LOCATIONS - len(self.skipped_lines)]
        self.failed += chunk.failed
        self.events += chunk.events
        inputs, outputs = chunk.column("input_tokens"), chunk.column("output_tokens")
        calls, truncated = chunk.column("calls"), chunk.column("truncated")
        resolved = self.logged.resolve(
            chunk.models, chunk.service_tiers, chunk.times, inputs, outputs, chunk.column("batch")
        )
        self.undated += int(calls[resolved.undated].sum())
        refused = list(resolved.refused)
        usd = np.full((len(chunk), len(MONEY_COLUMNS)), np.nan)
        # per row: its group (the period and tier that priced it), and whether it was priced
        # (then named by its catalog id): the last entry stands for rows of no group
        in_group = np.full(len(chunk), len(resolved.groups), dtype=np.int64)
        priced_in = np.full(len(chunk), len(resolved.groups), dtype=np.int64)
        for number, group in enumerate(resolved.groups):
            in_group[group.rows] = number
            model = group.model
            if group.too_long_for is not None:
                key = (model.id, str(model.variant), group.too_long_for.max_input_tokens)
                self.inferred[key] = self.inferred.get(key, 0) + len(group.rows)
            if group.undated and model.id not in self.changes:
                self.changes[model.id] = recent_changes(model, self.day)
            tools = None
            if chunk.tool_calls is not None:
                tools = [chunk.tool_calls[row] for row in group.rows.tolist()]
            priced, more = self.logged.price(group, chunk.tokens(group.rows), tools)
            refused += more
            if not len(priced.rows):
                continue
            totals = dataclasses.replace(
                priced.totals,
                calls=int(calls[priced.rows].sum()),
                truncated=int(truncated[priced.rows].sum()),
            )
            key = model.id + (f" ({model.host} {model.endpoint})" if model.host else "")
            entry = self.by_model.setdefault(key, ModelUsage(model.id, model.variant))
            entry.totals = entry.totals + totals
            retirement = group.retirement_pricing
            entry.priced_by(
                [group.priced_as], [] if retirement is None else [retirement], model.variant
            )
            usd[priced.rows] = priced.usd
            priced_in[priced.rows] = number
        problems = [
            Unpriced(
                chunk.where(item.row),
                item.model,
                item.reason,
                item.detail,
                int(inputs[item.row]),
                int(outputs[item.row]),
                int(calls[item.row]),
            )
            for item in refused
        ] + chunk.unpriced
        problems.sort(key=lambda item: int(item.where.rsplit(":", 1)[1]))
        if self.strict and problems:
            raise InputError(f"{problems[0].where}: {problems[0].detail}")
        for item in problems:
            tokens = (item.input_tokens, item.output_tokens, item.calls)
            self.unpriced.add(item.model, item.reason, item.where, item.detail, tokens)
        self.add_months(resolved.days, usd[:, TOTAL_COLUMN])
        groups = resolved.groups
        ids = _per_row([g.model.id for g in groups], priced_in, chunk.models)
        tiers = _per_row([g.service_tier for g in groups], in_group, chunk.service_tiers)
        labels = [g.model.period.label if g.model.period else "" for g in groups]
        periods = _per_row(labels, in_group, [""] * len(chunk))
        return ids, usd, Priced(resolved.days, periods, tiers)

    def add_months(self, days: list[dt.date], usd: np.ndarray) -> None:
        """Each calendar month's dollars: the rows' dollars summed exactly (``math.fsum``)
        per month and chunk, then as Decimals, so the months agree with the exact total to
        the micro-dollar however the log is cut into chunks or partitions."""
        priced = ~np.isnan(usd)
        if not priced.any():
            return
        # a chunk holds few distinct days (one date object each): months looked up per day
        code = {day: day.year * 12 + day.month - 1 for day in set(days)}
        if len(set(code.values())) == 1:  # the usual chunk: one month
            sums = {next(iter(code.values())): usd[priced]}
        else:
            months = np.fromiter(map(code.__getitem__, days), np.int64, len(days))[priced]
            usd = usd[priced]
            sums = {month: usd[months == month] for month in np.unique(months).tolist()}
        for month, values in sums.items():
            amount = Decimal(repr(math.fsum(values)))
            self.by_month[month] = self.by_month.get(month, Decimal(0)) + amount

    def merge(self, other: _Costing) -> None:
        """Add the totals of a later part of the logs."""
        for month, amount in other.by_month.items():
            self.by_month[month] = self.by_month.get(month, Decimal(0)) + amount
        for name, usage in other.by_model.items():
            entry = self.by_model.setdefault(name, ModelUsage(usage.model, usage.variant))
            entry.merge(usage)
        self.unpriced.merge(other.unpriced)
        self.skipped += other.skipped
        self.skipped_lines += other.skipped_lines[: KEEP_LOCATIONS - len(self.skipped_lines)]
        self.failed += other.failed
        self.events += other.events
        self.undated += other.undated
        for key, calls in other.inferred.items():
            self.inferred[key] = self.inferred.get(key, 0) + calls
        for model, changes in other.changes.items():
            self.changes.setdefault(model, changes)

    def report(self, paths: tuple[str, ...], frame: Any = None) -> UsageReport:
        groups = self.unpriced.ordered()
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
        changes = tuple(change for found in self.changes.values() for change in found)
        months = {
            f"{code // 12}-{code % 12 + 1:02d}": amount.quantize(MICRO_DOLLAR)
            for code, amount in sorted(self.by_month.items())
        }
        if len(months) == 1:  # one month: the exact total
            months = dict.fromkeys(months, total)
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
            Undated(self.undated, self.day, changes),
            months,
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
    day = pricing_day(at)  # one day for every part: workers do not read the clock
    if jobs > 1 and rows_out is None and not rows_frame:
        parts = [part for path in files for part in split_log(path, jobs)]
        if len(parts) > 1:
            return _cost_parallel(parts, paths, catalog, model, skip_invalid, strict, jobs, day)
    costing = _Costing(catalog, model, strict, day)
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
    size = sum(Path(path).stat().st_size for path in paths if Path(path).is_file())
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
    costing = _Costing(catalog, model, strict, day)
    for chunk, skipped in part_chunks(part, skip_invalid, chunk_lines):
        ids, usd, priced = costing.add(chunk, skipped)
        if rows_out is not None:
            rows_out.write(chunk, ids, usd, priced)
    costing.logged = None  # the catalog stays with the caller
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
