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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np

from budget.usage.read import FIELDS, KEEP_LOCATIONS, Rows, Unpriced, csv_chunks, jsonl_chunks
from pricing.arrays import CostTotals, price_arrays, refusals
from pricing.catalog import Catalog, Model
from pricing.errors import InputError, UnpricedError
from pricing.usage import resolve_logged, serving_variant

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
    """Normalized rows, chunk by chunk, with the count of lines skipped in each chunk."""
    for path in paths:
        file = Path(path)
        if not file.is_file():
            raise InputError(f"{path}: file not found")
        if file.suffix.lower() in (".csv", ".tsv"):
            yield from csv_chunks(file, path, skip_invalid, chunk_lines)
        else:
            yield from jsonl_chunks(file, path, skip_invalid, chunk_lines)


@dataclass(frozen=True)
class OutputLengths:
    """Output tokens of every logged reply, and how many replies were cut at max_tokens."""

    lengths: np.ndarray  # reasoning included
    truncated: int  # finish reason length / max_tokens / MAX_TOKENS / max_output_tokens

    @property
    def cut_share(self) -> float:
        return self.truncated / len(self.lengths) if len(self.lengths) else 0.0


def observed_outputs(paths: Iterable[str]) -> OutputLengths:
    """The logs' output lengths for resampling; a cut reply's length is only a lower bound."""
    chunks = [rows for rows, _ in read_rows(paths)]
    if not chunks:
        return OutputLengths(np.zeros(0, dtype=np.int64), 0)
    return OutputLengths(
        np.concatenate([rows.column("output_tokens") for rows in chunks]),
        int(sum(rows.column("truncated").sum() for rows in chunks)),
    )


def output_lengths(paths: Iterable[str]) -> np.ndarray:
    """Output tokens (reasoning included) of every row of the logs, for resampling."""
    return observed_outputs(paths).lengths


class _Resolver:
    """Model names as the log writes them -> catalog models (or why not), once per name."""

    def __init__(self, catalog: Catalog, fallback: str | None):
        self.catalog, self.fallback = catalog, fallback
        self.known: dict[str | None, Model | UnpricedError] = {}

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


def cost_logs(
    paths: Iterable[str],
    catalog: Catalog,
    *,
    model: str | None = None,
    skip_invalid: bool = False,
    strict: bool = False,
    rows_out: IO[str] | None = None,
    rows_frame: bool = False,
    chunk_lines: int = CHUNK_LINES,
) -> UsageReport:
    """Price every call of the logs, line by line: a call the catalog cannot price (unknown
    model, no rate for its service tier, cliff or modality, malformed usage) is counted in
    ``unpriced`` by model and reason and the rest are priced; ``strict`` stops at the first
    such call instead (InputError naming file:line). Per-row CSV goes to ``rows_out``;
    ``rows_frame`` keeps the rows as a DataFrame on the report."""
    paths = tuple(paths)
    resolve = _Resolver(catalog, model)
    by_model: dict[str, ModelUsage] = {}
    unpriced = _Unpriced()
    rows = skipped = failed = events = 0
    skipped_lines: list[str] = []
    inferred: dict[tuple[str, str, int], int] = {}  # (model, variant, limit) -> calls
    frames: list = []
    writer = None
    if rows_out is not None:
        writer = csv.writer(rows_out, lineterminator="\n")
        writer.writerow(ROW_COLUMNS)
    for chunk, chunk_skipped in read_rows(
        paths, skip_invalid=skip_invalid, chunk_lines=chunk_lines
    ):
        skipped += chunk_skipped
        skipped_lines += chunk.skipped[: KEEP_LOCATIONS - len(skipped_lines)]
        failed += chunk.failed
        events += chunk.events
        refused: list[tuple[int, str | None, str, str]] = []  # (row, model, reason, detail)
        usd = np.full((len(chunk), 5), np.nan)
        ids: list[str | None] = list(chunk.models)
        codes: dict[tuple[str | None, str | None], int] = {}
        code = np.fromiter(
            (
                codes.setdefault(key, len(codes))
                for key in zip(chunk.models, chunk.service_tiers, strict=True)
            ),
            dtype=np.int64,
            count=len(chunk),
        )
        inputs, outputs = chunk.column("input_tokens"), chunk.column("output_tokens")
        for (name, tier), number in codes.items():
            index = np.flatnonzero(code == number) if len(codes) > 1 else np.arange(len(chunk))
            found = resolve(name)
            if isinstance(found, UnpricedError):
                refused += [(row, name, found.reason, str(found)) for row in index.tolist()]
                continue
            for variant, part in _by_variant(found, index, inputs, outputs):
                priced = found.with_variant(variant)
                if variant is not None and variant != found.variant:
                    key = (found.id, variant, found.max_input_tokens)
                    inferred[key] = inferred.get(key, 0) + len(part)
                part = _price_group(chunk, part, priced, tier, by_model, usd, refused)
                for row in part.tolist():
                    ids[row] = priced.id
        problems = [
            Unpriced(
                chunk.where(row),
                name,
                reason,
                detail,
                int(inputs[row]),
                int(outputs[row]),
                int(chunk.column("calls")[row]),
            )
            for row, name, reason, detail in refused
        ] + chunk.unpriced
        problems.sort(key=lambda item: int(item.where.rsplit(":", 1)[1]))
        if strict and problems:
            first = problems[0]
            raise InputError(f"{first.where}: {first.detail}")
        for item in problems:
            tokens = (item.input_tokens, item.output_tokens, item.calls)
            unpriced.add(item.model, item.reason, item.where, item.detail, tokens)
        if writer is not None:
            _write_rows(writer, chunk, ids, usd)
        if rows_frame:
            frames.append(_frame(chunk, ids, usd))
    groups = tuple(sorted(unpriced.groups.values(), key=lambda g: (-g.calls, g.model, g.reason)))
    rows = sum(m.totals.calls for m in by_model.values())
    if rows == 0 and not groups:
        where = ", ".join(paths)
        left_out = [f"{skipped} skipped"] if skipped else []
        left_out += [f"{failed} failed requests"] if failed else []
        raise InputError(
            f"{where}: no usage rows found" + (f" ({', '.join(left_out)})" if left_out else "")
        )
    total = sum((m.totals.total_usd for m in by_model.values()), Decimal(0))
    notes = tuple(
        f"{calls:,} call{'s' if calls != 1 else ''} of {name} above {limit:,} input tokens "
        f"priced as its {variant!r} variant (the only one that serves such calls)"
        for (name, variant, limit), calls in inferred.items()
    )
    if failed:
        notes += (
            f"{failed:,} batch result{'s' if failed != 1 else ''} of failed requests left out "
            "(providers bill nothing for them)",
        )
    if events:
        notes += (f"{events:,} streaming events without usage (not calls) left out",)
    frame = None
    if rows_frame:
        import pandas as pd

        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return UsageReport(
        rows,
        skipped,
        total,
        dict(sorted(by_model.items())),
        paths,
        notes,
        failed,
        groups,
        tuple(skipped_lines),
        events,
        frame,
    )


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
    entry = by_model.setdefault(model.id, ModelUsage(model.id, model.variant))
    entry.totals = entry.totals + totals
    usd[index] = np.column_stack(
        [
            priced.input_usd,
            priced.cache_read_usd,
            priced.cache_write_usd,
            priced.output_usd,
            priced.total_usd,
        ]
    )
    return index


def _frame(chunk: Rows, ids: list, usd: np.ndarray):
    import pandas as pd

    frame = pd.DataFrame(chunk.data, columns=list(FIELDS))
    frame.insert(0, "file", chunk.file)
    frame.insert(1, "line", chunk.lines)
    frame.insert(2, "model", ids)
    frame.insert(3, "api", chunk.apis)
    frame.insert(4, "service_tier", chunk.service_tiers)
    frame["finish_reason"] = chunk.finish_reasons
    for i, name in enumerate(ROW_COLUMNS[-5:]):
        frame[name] = usd[:, i]
    return frame


def _write_rows(writer, chunk: Rows, model_ids: list, usd: np.ndarray) -> None:
    """One CSV row per row of the chunk; the money cells of an unpriced call are empty."""
    columns = {name: chunk.column(name).tolist() for name in FIELDS}
    money = [["" if x != x else f"{x:.10f}" for x in usd[:, i].tolist()] for i in range(5)]
    writes = [
        a + b
        for a, b in zip(
            columns["cache_write_tokens"], columns["cache_write_1h_tokens"], strict=True
        )
    ]
    writer.writerows(
        zip(
            chunk.files,
            chunk.lines,
            model_ids,
            chunk.apis,
            columns["batch"],
            columns["input_tokens"],
            columns["cache_read_tokens"],
            writes,
            columns["output_tokens"],
            columns["reasoning_tokens"],
            chunk.finish_reasons,
            columns["truncated"],
            *money,
            strict=True,
        )
    )
