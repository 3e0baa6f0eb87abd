"""Per-row output of `budget usage`: one row per call, as CSV (the default, for people) or
Parquet (``-o rows.parquet``, for the next program). The columns are the same in both; Parquet
keeps token counts as int64 and dollars as float64 (null where a call could not be priced,
where the CSV cell is empty)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from typing import IO

import numpy as np

from budget.inputs.sniff import name_format
from budget.outputs import spreadsheet_safe_column
from budget.usage.read import Rows

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
    "priced_at",  # the day the call was made (or --at for records that do not say)
    "price_period",  # the catalog price period that priced it
    "service_tier",  # the tier that priced it (reported by the record, or by its time of day)
)
MONEY_COLUMNS = ROW_COLUMNS[ROW_COLUMNS.index("input_usd") : ROW_COLUMNS.index("tool_usd") + 1]
TEXT_COLUMNS = (
    "file",
    "model",
    "api",
    "finish_reason",
    "priced_at",
    "price_period",
    "service_tier",
)


@dataclass(frozen=True)
class Priced:
    """When, at which catalog price period and service tier each row of a chunk was priced."""

    days: list[dt.date]
    periods: list[str]  # "" for a row not priced
    tiers: list[str | None]


def row_columns(chunk: Rows, model_ids: list, usd: np.ndarray, priced: Priced) -> dict[str, list]:
    """One chunk's rows, column by column; money as float64 per call (NaN: not priced)."""
    writes = chunk.column("cache_write_tokens") + chunk.column("cache_write_1h_tokens")
    columns = {
        "file": [chunk.file] * len(chunk),
        "line": chunk.lines,
        "model": model_ids,
        "api": chunk.apis,
        "batch": chunk.column("batch").tolist(),
        "input_tokens": chunk.column("input_tokens").tolist(),
        "cache_read_tokens": chunk.column("cache_read_tokens").tolist(),
        "cache_write_tokens": writes.tolist(),
        "output_tokens": chunk.column("output_tokens").tolist(),
        "reasoning_tokens": chunk.column("reasoning_tokens").tolist(),
        "finish_reason": chunk.finish_reasons,
        "truncated": chunk.column("truncated").tolist(),
    }
    for number, name in enumerate(MONEY_COLUMNS):
        columns[name] = usd[:, number].tolist()
    columns["priced_at"] = [day.isoformat() for day in priced.days]
    columns["price_period"] = priced.periods
    columns["service_tier"] = [tier or "" for tier in priced.tiers]
    return columns


class CsvRows:
    """Per-row CSV; dollars to 10 decimal places, empty where a call was not priced."""

    def __init__(self, handle: IO[str], header: bool = True):
        self.writer = csv.writer(handle, lineterminator="\n")
        if header:
            self.writer.writerow(ROW_COLUMNS)

    def write(self, chunk: Rows, model_ids: list, usd: np.ndarray, priced: Priced) -> None:
        columns = row_columns(chunk, model_ids, usd, priced)
        for name in MONEY_COLUMNS:
            columns[name] = ["" if x != x else f"{x:.10f}" for x in columns[name]]
        for name in TEXT_COLUMNS:  # a log's text (and a user catalog's): safe in a spreadsheet
            columns[name] = spreadsheet_safe_column(columns[name])
        self.writer.writerows(zip(*columns.values(), strict=True))

    def close(self) -> None:
        pass


def parquet_schema():
    import pyarrow as pa

    types = {name: pa.string() for name in TEXT_COLUMNS}
    types.update({name: pa.float64() for name in MONEY_COLUMNS})
    return pa.schema([(name, types.get(name, pa.int64())) for name in ROW_COLUMNS])


class ParquetRows:
    """Per-row Parquet, one row group per chunk, into a binary handle (an atomic write)."""

    def __init__(self, handle: IO[bytes]):
        import pyarrow.parquet as pq

        self.schema = parquet_schema()
        self.writer = pq.ParquetWriter(handle, self.schema)

    def write(self, chunk: Rows, model_ids: list, usd: np.ndarray, priced: Priced) -> None:
        import pyarrow as pa

        columns = row_columns(chunk, model_ids, usd, priced)
        arrays = [
            pa.array(columns[field.name], field.type, from_pandas=True) for field in self.schema
        ]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


def is_parquet_name(path: str) -> bool:
    """Per-row output is Parquet when its name says so (``-o rows.parquet``)."""
    return name_format(path) == "parquet"
