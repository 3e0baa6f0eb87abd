"""How every command prints: lines to standard output or error, JSON, plain tables and
``key  value`` pairs, and the stale-catalog warning.

No click at import: the price and limit queries' quick path (:mod:`budget.cli.quick`) runs
their answers through here without loading it. Under click, every line goes through
``click.echo``; under the quick path, lines are kept in order (:func:`kept_lines`) and
written only once the whole answer is ready, or handed back to click untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar

from budget.format import clip_cell, to_json
from pricing.dates import pricing_day

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

    from pricing.catalog import Catalog

# The lines printed while the quick path runs an answer, as (to stderr?, text); None: print
# through click. A context variable: each thread and each run has its own.
_KEPT: ContextVar[list[tuple[bool, str]] | None] = ContextVar("budget_kept_lines", default=None)


@contextlib.contextmanager
def kept_lines() -> Iterator[list[tuple[bool, str]]]:
    """Keep the lines printed inside the block, in order, instead of printing them."""
    lines: list[tuple[bool, str]] = []
    token = _KEPT.set(lines)
    try:
        yield lines
    finally:
        _KEPT.reset(token)


def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """One line (``nl``) on standard output, or on standard error (``err``)."""
    text = f"{message}\n" if nl else str(message)
    kept = _KEPT.get()
    if kept is not None:
        kept.append((err, text))
        return
    import click  # loaded already: every command but the quick path's runs under click

    click.echo(text, err=err, nl=False)


def warn(message: str) -> None:
    echo(message, err=True)


def print_json(value: Any) -> None:
    echo(to_json(value))


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain aligned table; numbers right-aligned; every cell at most ``MAX_CELL`` wide
    (:func:`budget.format.clip_cell`), so a row stays a row whatever the data holds."""
    text_rows = [[clip_cell(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in text_rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]

    def is_number(cell: str) -> bool:
        return bool(cell) and (cell[0].isdigit() or cell[0] == "$" or cell[:2] == "-$")

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if is_number(cell) else cell.ljust(width)
            for cell, width in zip(cells, widths, strict=False)
        ]
        return "  ".join(parts).rstrip()

    echo(line(headers))
    echo("  ".join("-" * w for w in widths))
    for row in text_rows:
        echo(line(row))


MAX_PAIR_VALUE = 1_000  # a value on its own line (notes, a long path) may run wider than a cell


def print_pairs(pairs: Iterable[tuple[str, Any]]) -> None:
    """`key  value` lines for a single result."""
    pairs = [(k, clip_cell(v, MAX_PAIR_VALUE)) for k, v in pairs]
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        echo(f"{key.ljust(width)}  {value}")


def checked_pricing_day(catalog: Catalog, at: dt.date | None) -> dt.date:
    """The day to price at (``--at`` or today); warns once when the catalog is stale for it."""
    day = pricing_day(at)
    stale = catalog.staleness(day)
    if stale:
        warn(stale)
    return day
