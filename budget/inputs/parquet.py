"""Parquet files and partitioned directories of them, read in bounded batches.

Parquet needs ``pyarrow`` (``pip install 'token-budget[dask]'``); it is imported only when a
Parquet file is read or written. Rows are numbered from 1 (the first row of the file), as
messages name them: ``logs/part-0.parquet:17``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pricing.errors import InputError
from pricing.textfile import is_url

DASK_EXTRA = "pip install 'token-budget[dask]'"


def open_parquet(path: str) -> Any:
    """A ``pyarrow.parquet.ParquetFile``, or a one-line error naming the file."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(f"{path}: reading Parquet needs pyarrow ({DASK_EXTRA})") from None
    try:
        if is_url(path):
            import fsspec

            return pq.ParquetFile(fsspec.open(path, "rb").open())
        return pq.ParquetFile(path)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: unreadable Parquet ({reason})") from None


def parquet_rows(
    path: str, batch_rows: int, row_groups: list[int] | None = None
) -> Iterator[tuple[int, list[str], Iterator[tuple]]]:
    """(number of the first row, column names, the rows: tuples of Python values in column
    order) per batch of at most ``batch_rows`` rows, row group by row group (``row_groups``:
    only those, as a Dask partition reads them). Values keep their Parquet types: int64 an
    int, a bool a bool, a timestamp a datetime, a struct a dict, null None."""
    parquet = open_parquet(path)
    metadata = parquet.metadata
    groups = range(metadata.num_row_groups) if row_groups is None else row_groups
    for group in groups:
        start = 1 + sum(metadata.row_group(g).num_rows for g in range(group))
        try:
            batches = parquet.iter_batches(batch_size=batch_rows, row_groups=[group])
            for batch in batches:
                columns = batch.to_pydict()
                yield start, list(columns), zip(*columns.values(), strict=True)
                start += batch.num_rows
        except (OSError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"{path}: unreadable Parquet ({reason})") from None


def row_group_sizes(path: str) -> list[int]:
    metadata = open_parquet(path).metadata
    return [metadata.row_group(g).num_rows for g in range(metadata.num_row_groups)]
