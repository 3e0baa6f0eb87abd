"""Dates as the catalog and the command line write them: ``YYYY-MM-DD``, checked; and the
one clock (:func:`pricing_day`): the only place in the code that reads today's date."""

from __future__ import annotations

import datetime as dt
import os
from collections import namedtuple
from functools import lru_cache

from pricing.errors import InputError


def parse_day(value: object) -> dt.date:
    """A calendar date from ``YYYY-MM-DD`` text or a YAML date; ``ValueError`` otherwise
    (``2026-13-45`` included)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or len(value.strip()) != 10:
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None


# The day to price at when no `at` is given: `--at` on the command line reads it too.
AT_ENV_VAR = "TOKEN_BUDGET_AT"


def pricing_day(at: dt.date | str | None = None) -> dt.date:
    """The day to price at: ``at`` when given (a date or ``YYYY-MM-DD``), else
    ``$TOKEN_BUDGET_AT``, else today in UTC (providers date their price changes in UTC).

    This is the one clock: every command (``--at``), the library (``at=``) and the variable go
    through it, so a notebook, a script and the CLI price the same call on the same day alike.
    """
    if at is not None:
        return parse_day(at)
    pinned = os.environ.get(AT_ENV_VAR, "").strip()
    if pinned:
        try:
            return parse_day(pinned)
        except ValueError:
            raise ValueError(f"${AT_ENV_VAR}: expected a date YYYY-MM-DD, got {pinned!r}") from None
    return _utc_today()


def _utc_today() -> dt.date:
    # The real clock, read here and nowhere else (tests move it with monkeypatch or faketime).
    return dt.datetime.now(dt.timezone.utc).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later (clamped to the month's last day); an
    InputError past the calendar's end (9999-12-31) or before its start."""
    import calendar  # for month lengths: projections only, not price queries

    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        edge = "past 9999-12-31, the last" if year > dt.MAXYEAR else "before 0001-01-01, the first"
        raise InputError(f"{day.isoformat()} + {months} months is {edge} date there is")
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


class CallTime(namedtuple("CallTime", "day week_minute")):  # not typing's: start-up time
    """When a logged call was made, in UTC: its ``day`` (a date), and the minute of its week
    (Monday 00:00 is 0), ``week_minute``, when the log gives the time of day (``None`` for a
    bare date)."""

    __slots__ = ()

    @classmethod
    def of(cls, stamp: int | dt.date) -> CallTime:
        """From a :func:`call_stamp`."""
        if stamp.__class__ is int:
            days, minute = divmod(stamp, 1440)
            return cls(_epoch_day(days), ((days + 3) % 7) * 1440 + minute)
        return cls(stamp, None)

    @property
    def stamp(self) -> int | dt.date:
        """This time as :func:`call_stamp` writes it (UTC minutes since 1970, or the date)."""
        if self.week_minute is None:
            return self.day
        return (self.day - EPOCH).days * 1440 + self.week_minute % 1440


def call_stamp(value: object) -> int | dt.date:
    """A logged time, compactly: UTC minutes since 1970 when the time of day is known, else
    the date. Read from unix seconds (OpenAI's ``created``; milliseconds when too large for
    seconds) or ISO 8601 text (``2026-05-01``, ``2026-05-01T12:00:00Z``; no zone = UTC).
    ``ValueError`` otherwise. (Plain ints and dates: millions of them cost no GC time.)"""
    if value.__class__ is int and 0 <= value < 100_000_000_000:  # the common case: seconds
        return value // 60
    if isinstance(value, bool):
        raise ValueError(f"expected unix seconds or an ISO 8601 time, got {value!r}")
    if isinstance(value, dt.datetime):  # a Parquet timestamp column (no zone: UTC)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return int(value.timestamp() // 60)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit():
        value = float(value)
    if isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) >= 100_000_000_000 else value  # ms from ~1973
        try:
            dt.datetime.fromtimestamp(seconds, dt.timezone.utc)  # in range?
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"expected unix seconds, got {value!r}") from None
        return int(seconds // 60)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        if len(text) == 10:
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"expected unix seconds or an ISO 8601 time, got {value!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return int(moment.timestamp() // 60)
    raise ValueError(f"expected unix seconds or an ISO 8601 time, got {value!r}")


def call_time(value: object) -> CallTime:
    """A logged time as a :class:`CallTime` (see :func:`call_stamp`)."""
    return CallTime.of(call_stamp(value))


EPOCH = dt.date(1970, 1, 1)  # day 0 of the stamps (UTC)


@lru_cache(maxsize=4096)
def _epoch_day(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=days)
