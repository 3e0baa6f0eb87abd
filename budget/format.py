"""How results read: money, token counts and model labels for people; JSON for machines.

One definition each, for the terminal tables, the Markdown and CSV reports and ``--json``:
a number the table prints and the number the report prints are formatted alike.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal

from pricing.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any


def usd_places(amount: Decimal | float) -> int:
    """Places that show an amount: 2 from $100, 4 from a cent, 6 below."""
    size = abs(Decimal(str(amount)))
    return 2 if size >= 100 else 4 if size >= Decimal("0.01") else 6


def column_places(amounts: Iterable[Decimal | float | None], *, fine: bool = False) -> int:
    """One number of places for a whole column, so its figures line up and read alike: what
    its largest amount needs (totals, differences), or with ``fine`` its smallest non-zero one
    (per-call costs, where a sub-cent figure must not round to $0.0000)."""
    sizes = [abs(Decimal(str(a))) for a in amounts if a is not None and a != 0]
    if not sizes:
        return 2
    return usd_places(min(sizes) if fine else max(sizes))


def format_usd(
    amount: Decimal | float | None, *, sign: bool = False, places: int | None = None
) -> str:
    """Dollars with enough places to show sub-cent per-call costs: ``$1,234.57`` from $100,
    ``$0.0322`` from a cent, ``$0.000112`` below (:func:`usd_places`), or ``places`` chosen
    once for a column (:func:`column_places`). ``sign``: ``+$73.76`` / ``-$609.78`` for
    differences, the same for both signs."""
    if amount is None:
        return "-"
    amount = Decimal(str(amount))
    prefix = ("-" if amount < 0 else "+") if sign else ("-" if amount < 0 else "")
    size = abs(amount)
    if size == 0 and places is None:
        return f"{'+' if sign else ''}$0"
    places = usd_places(size) if places is None else places
    return f"{prefix}${size:,.{places}f}"


def format_tokens(count: int | None) -> str:
    return "-" if count is None else f"{count:,}"


def format_estimate(count: int, error_band: float | None) -> str:
    """A count as people should read it: ``2,170`` when exact, ``~2,170 (+/-15%)`` when an
    estimate with its expected error."""
    if error_band is None:
        return format_tokens(count)
    return f"~{count:,} (+/-{error_band:.0%})"


MAX_CELL = 100  # characters of one value in a table: a 20 MB model name is not a 20 MB row

# Control characters in a user's value (a newline, a terminal escape) shown as escapes, so
# that one value stays one line of one cell and cannot drive the terminal.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}


def clip_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with its full length said
    (``xxxx... (20,000,000 characters)``); shorter text as it is."""
    if len(text) <= limit:
        return text
    return f"{text[: max(limit - 30, 1)]}... ({len(text):,} characters)"


def clip_cell(value: object, limit: int = MAX_CELL) -> str:
    """A value as a table shows it: cut short (:func:`clip_text`), control characters
    escaped."""
    return clip_text("" if value is None else str(value), limit).translate(_CONTROLS)


def model_label(model_id: str, variant: str | None) -> str:
    """``claude-sonnet-4-5 [1m-context]``: a model as tables and messages name it."""
    return f"{model_id} [{variant}]" if variant else model_id


def to_jsonable(value: Any) -> Any:
    """Records and dataclasses (through their ``as_dict`` where they have one), Decimals and
    tuples as plain JSON values; money as numbers."""
    if isinstance(value, Record):
        return to_jsonable(value.as_dict())
    if hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type):
        if hasattr(value, "as_dict"):
            return to_jsonable(value.as_dict())
        import dataclasses  # loaded already: value is a dataclass

        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    # A table's empty cells (NaN, pandas' NA) are null: NaN is not JSON.
    if isinstance(value, float) and value != value or type(value).__name__ == "NAType":
        return None
    return value


def to_json(value: Any) -> str:
    """The ``--json`` text of a result."""
    return json.dumps(to_jsonable(value), indent=2, ensure_ascii=False)
