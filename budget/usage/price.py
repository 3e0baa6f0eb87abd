"""Costing provider usage logs: what real traffic cost, per row and per model.

A log is JSONL (one provider response, batch output line or bare usage object per line, as
:func:`pricing.usage.normalize` reads them) or CSV with token columns (``input_tokens``,
``output_tokens`` and optionally ``cached_tokens``/``cache_read_tokens``,
``cache_write_tokens``, ``cache_write_1h_tokens``, ``reasoning_tokens``, ``finish_reason``,
``model``; ``prompt_tokens``/``completion_tokens`` are read as input/output).

Files are read in chunks (``CHUNK_LINES`` lines), so memory stays bounded whatever the size:
each chunk is normalized, priced with numpy per model (:mod:`pricing.arrays`, exact sums),
written out as per-row CSV if asked, and only per-model totals are kept.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

import numpy as np

from budget.inputs.samples import model_replies
from budget.outputs import spreadsheet_safe_column
from budget.usage.read import FIELDS, Rows, csv_chunks, jsonl_chunks
from pricing.arrays import CostTotals, price_arrays
from pricing.catalog import Catalog, Model
from pricing.engine import rates_for
from pricing.errors import InputError
from pricing.rules import tools_usd

CHUNK_LINES = 50_000
ROW_COLUMNS = (
    "file",
    "line",
    "model",
    "api",
    "batch",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "finish_reason",
    "truncated",
    "input_usd",
    "cache_read_usd",
    "cache_write_usd",
    "output_usd",
    "total_usd",
    "tool_usd",  # built-in tool fees (web search, file search), included in total_usd
)


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


@dataclass(frozen=True)
class UsageReport:
    rows: int
    skipped: int
    total_usd: Decimal
    by_model: dict[str, ModelUsage]
    files: tuple[str, ...]
    notes: tuple[str, ...] = ()
    failed: int = 0  # batch results of failed requests: not billed, left out

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "skipped": self.skipped,
            "failed_requests": self.failed,
            "total_usd": self.total_usd,
            "by_model": {name: usage.as_dict() for name, usage in self.by_model.items()},
            "files": list(self.files),
            "notes": list(self.notes),
        }


def read_rows(
    paths: Iterable[str], *, skip_invalid: bool = False, chunk_lines: int = CHUNK_LINES
) -> Iterator[tuple[Rows, int]]:
    """Normalized rows, chunk by chunk, with the count of lines skipped in each chunk."""
    for path in paths:
        file = Path(path)
        if not file.exists():  # a FIFO or <(...) is read like a file
            raise InputError(f"{path}: file not found")
        if file.is_dir():
            raise InputError(f"{path}: is a directory, expected a usage log")
        if file.suffix.lower() in (".csv", ".tsv"):
            yield from csv_chunks(file, path, skip_invalid, chunk_lines)
        else:
            yield from jsonl_chunks(file, path, skip_invalid, chunk_lines)


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
    lengths = np.concatenate([rows.column("output_tokens") for rows in chunks])
    truncated = np.concatenate([rows.column("truncated") for rows in chunks])
    note = None
    if model is not None:
        picked = model_replies([name for rows in chunks for name in rows.models], model)
        lengths, truncated, note = lengths[picked.rows], truncated[picked.rows], picked.note
    return OutputLengths(lengths, int(truncated.sum()), note)


def output_lengths(paths: Iterable[str]) -> np.ndarray:
    """Output tokens (reasoning included) of every row of the logs, for resampling."""
    return observed_outputs(paths).lengths


class _Resolver:
    """Model names as the log writes them -> catalog models, resolved once per name."""

    def __init__(self, catalog: Catalog, fallback: str | None):
        self.catalog, self.fallback = catalog, fallback
        self.known: dict[str | None, Model | InputError] = {}

    def __call__(self, name: str | None) -> Model | InputError:
        if name not in self.known:
            wanted = name or self.fallback
            if wanted is None:
                self.known[name] = InputError("no model in the record; pass --model")
            else:
                try:
                    self.known[name] = self.catalog.resolve(wanted)
                except InputError as exc:
                    self.known[name] = exc
        return self.known[name]


def cost_logs(
    paths: Iterable[str],
    catalog: Catalog,
    *,
    model: str | None = None,
    skip_invalid: bool = False,
    rows_out: IO[str] | None = None,
    chunk_lines: int = CHUNK_LINES,
) -> UsageReport:
    """Price every row of the logs; per-row CSV goes to ``rows_out`` if given."""
    paths = tuple(paths)
    resolve = _Resolver(catalog, model)
    by_model: dict[str, ModelUsage] = {}
    rows = skipped = failed = 0
    unpriced: dict[tuple[str, str], int] = {}  # (model, service tier) -> calls at standard
    writer = None
    if rows_out is not None:
        writer = csv.writer(rows_out, lineterminator="\n")
        writer.writerow(ROW_COLUMNS)
    for chunk, chunk_skipped in read_rows(
        paths, skip_invalid=skip_invalid, chunk_lines=chunk_lines
    ):
        skipped += chunk_skipped
        failed += chunk.failed
        chunk, unknown = _drop_unknown(chunk, resolve, skip_invalid)
        skipped += unknown
        if not len(chunk):
            continue
        rows += len(chunk)
        usd = np.zeros((len(chunk), 6))
        models = [resolve(name) for name in chunk.models]
        tiers = [
            _priced_tier(m, tier, unpriced)
            for m, tier in zip(models, chunk.service_tiers, strict=True)
        ]
        codes: dict[tuple[str, str | None, str | None], int] = {}
        code = np.array(
            [
                codes.setdefault((m.id, m.variant, tier), len(codes))
                for m, tier in zip(models, tiers, strict=True)
            ],
            dtype=np.int64,
        )
        for number in range(len(codes)):
            index = np.flatnonzero(code == number)
            found, tier = models[int(index[0])], tiers[int(index[0])]
            try:
                priced = price_arrays(found, chunk.tokens(index), service_tier=tier)
            except InputError as exc:
                raise InputError(
                    f"{chunk.where(_first_refused(chunk, index, found, tier))}: {exc}"
                ) from None
            truncated = int(chunk.column("truncated")[index].sum())
            totals = CostTotals(**{**priced.totals.__dict__, "truncated": truncated})
            fees = _tool_fees(chunk, index, found)
            if fees is not None:
                uses, per_row = fees
                tool_usd = sum(per_row, Decimal(0))
                totals = dataclasses.replace(
                    totals,
                    tool_calls=uses,
                    tool_usd=tool_usd,
                    total_usd=totals.total_usd + tool_usd,
                )
            entry = by_model.setdefault(found.id, ModelUsage(found.id, found.variant))
            entry.totals = entry.totals + totals
            tool_usd = np.zeros(len(index)) if fees is None else np.array(fees[1], dtype=float)
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
        if writer is not None:
            _write_rows(writer, chunk, [m.id for m in models], usd)
    if rows == 0:
        where = ", ".join(paths)
        left_out = [f"{skipped} skipped"] if skipped else []
        left_out += [f"{failed} failed requests"] if failed else []
        raise InputError(
            f"{where}: no usage rows found" + (f" ({', '.join(left_out)})" if left_out else "")
        )
    total = sum((m.totals.total_usd for m in by_model.values()), Decimal(0))
    notes = tuple(
        f"{calls:,} call{'s' if calls != 1 else ''} of {name} at service tier {tier!r}, "
        "which the catalog does not price: priced at standard rates"
        for (name, tier), calls in unpriced.items()
    )
    if failed:
        notes += (
            f"{failed:,} batch result{'s' if failed != 1 else ''} of failed requests left out "
            "(providers bill nothing for them)",
        )
    return UsageReport(rows, skipped, total, dict(sorted(by_model.items())), paths, notes, failed)


def _tool_fees(chunk: Rows, index: np.ndarray, model: Model):
    """(tool uses, fee per row as Decimals) of a group of rows; None: no row used a tool.
    A tool the catalog has no fee for is an error at its line (nothing dropped silently)."""
    if chunk.tool_calls is None:
        return None
    uses, fees = 0, []
    for row in index.tolist():
        used = chunk.tool_calls[row]
        try:
            fees.append(tools_usd(model, used) if used else Decimal(0))
        except InputError as exc:
            raise InputError(f"{chunk.where(row)}: {exc}") from None
        uses += sum(used.values())
    return uses, fees


def _first_refused(chunk: Rows, index: np.ndarray, model: Model, tier: str | None) -> int:
    """The first row of a group the engine refuses to price (for the error's line)."""
    inputs = chunk.column("input_tokens")
    for row in index.tolist():
        try:
            rates_for(model, int(inputs[row]), tier)
        except InputError:
            return row
    return int(index[0])


def _priced_tier(model: Model, tier: str | None, unpriced: dict[tuple[str, str], int]):
    """The service tier to price a call at: the one it reports if the catalog prices it
    (as `budget cost --usage` does), else standard rates, counted for a note."""
    if tier is None or tier in model.service_tiers:
        return tier
    unpriced[model.id, tier] = unpriced.get((model.id, tier), 0) + 1
    return None


def _drop_unknown(chunk: Rows, resolve: _Resolver, skip_invalid: bool) -> tuple[Rows, int]:
    bad = [i for i, name in enumerate(chunk.models) if isinstance(resolve(name), InputError)]
    if not bad:
        return chunk, 0
    if not skip_invalid:
        first = bad[0]
        raise InputError(f"{chunk.where(first)}: model: {resolve(chunk.models[first])}")
    keep = np.ones(len(chunk), dtype=bool)
    keep[bad] = False
    return chunk.select(np.flatnonzero(keep)), len(bad)


def _write_rows(writer, chunk: Rows, model_ids: list[str], usd: np.ndarray) -> None:
    columns = [chunk.column(name).tolist() for name in FIELDS]
    money = [[f"{x:.10f}" for x in usd[:, i]] for i in range(6)]
    input_, output, read, write, write_1h, reasoning, truncated, batch = columns
    writer.writerows(
        zip(
            spreadsheet_safe_column(chunk.files),
            chunk.lines,
            spreadsheet_safe_column(model_ids),
            chunk.apis,
            batch,
            input_,
            read,
            [a + b for a, b in zip(write, write_1h, strict=True)],
            output,
            reasoning,
            spreadsheet_safe_column(chunk.finish_reasons),
            truncated,
            *money,
            strict=True,
        )
    )
