"""A priced log's calls kept as columns, for `budget fit` and the backtest of `budget report
--against`: what each call was (model, tokens, finish reason, tools), when it was made and
what it cost.

The log is read and priced by :func:`budget.usage.price.cost_logs` (the one reader and the
one logged-call rule, :mod:`pricing.logged`); this module only listens to its rows (a
:class:`budget.usage.price.RowSink`), so a fitted scenario and `budget usage` can never
disagree on which model a call was, what it cost or on which day. Calls that could not be
priced stay in the usage report (``report.unpriced``), not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from budget.usage.price import UsageReport, cost_logs
from budget.usage.read import Rows
from budget.usage.rows import MONEY_COLUMNS, Priced
from pricing.catalog import Catalog
from pricing.dates import EPOCH

TOTAL_USD = MONEY_COLUMNS.index("total_usd")
NO_MINUTE = -1  # a call whose record gives no time of day
NO_TOOLS: Mapping[str, int] = MappingProxyType({})  # shared by every call without tools


@dataclass(frozen=True)
class LoggedTraffic:
    """Every priced call of the logs, one entry per call in log order."""

    report: UsageReport  # what `budget usage` says of the same logs
    models: np.ndarray  # catalog id per call (str objects)
    day: np.ndarray  # day number since 1970 that priced the call (its own, or --at)
    minute: np.ndarray  # UTC minute since 1970, NO_MINUTE without a time of day
    dated: np.ndarray  # bool: the record says when (else priced at --at)
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    cache_read_tokens: np.ndarray
    cache_write_tokens: np.ndarray  # 5-minute and 1-hour writes together
    truncated: np.ndarray  # bool: finish reason `length` / `max_tokens` / ...
    batch: np.ndarray  # bool
    usd: np.ndarray  # float64 total per call (tool fees included)
    tool_uses: tuple[Mapping[str, int], ...]  # built-in tool uses per call (NO_TOOLS: none)
    conversations: tuple[str | None, ...]  # the conversation of each call, where the log says

    def __len__(self) -> int:
        return len(self.models)

    def select(self, keep: np.ndarray) -> LoggedTraffic:
        """The calls where ``keep`` is true (same report)."""
        picked = np.flatnonzero(keep).tolist()
        arrays = {
            name: getattr(self, name)[keep]
            for name in self.__dataclass_fields__
            if name not in ("report", "tool_uses", "conversations")
        }
        return LoggedTraffic(
            self.report,
            **arrays,
            tool_uses=tuple(self.tool_uses[i] for i in picked),
            conversations=tuple(self.conversations[i] for i in picked),
        )

    @property
    def first_day(self) -> dt.date:
        return EPOCH + dt.timedelta(days=int(self.day.min()))

    @property
    def last_day(self) -> dt.date:
        return EPOCH + dt.timedelta(days=int(self.day.max()))


class _Collect:
    """The per-row sink: keeps the columns of every priced row."""

    def __init__(self) -> None:
        self.parts: list[dict] = []

    def write(self, chunk: Rows, model_ids: list, usd: np.ndarray, priced: Priced) -> None:
        total = usd[:, TOTAL_USD]
        # a streamed Anthropic call is two rows; the second (calls 0) completes the first
        keep = ~np.isnan(total) & (chunk.column("calls") > 0)
        rows = np.flatnonzero(keep)
        if not len(rows):
            return
        picked = rows.tolist()
        times = chunk.times or [None] * len(chunk)
        minutes = np.array(
            [t if isinstance(t, int) else NO_MINUTE for t in (times[i] for i in picked)],
            dtype=np.int64,
        )
        days = np.array([(priced.days[i] - EPOCH).days for i in picked], dtype=np.int64)
        self.parts.append(
            {
                "models": np.array([model_ids[i] for i in picked], dtype=object),
                "day": days,
                "minute": minutes,
                "dated": np.array([times[i] is not None for i in picked], dtype=bool),
                "input_tokens": chunk.column("input_tokens")[rows],
                "output_tokens": chunk.column("output_tokens")[rows],
                "cache_read_tokens": chunk.column("cache_read_tokens")[rows],
                "cache_write_tokens": (
                    chunk.column("cache_write_tokens") + chunk.column("cache_write_1h_tokens")
                )[rows],
                "truncated": chunk.column("truncated")[rows].astype(bool),
                "batch": chunk.column("batch")[rows].astype(bool),
                "usd": total[rows],
                "tool_uses": tuple(
                    (chunk.tool_calls[i] or NO_TOOLS) if chunk.tool_calls is not None else NO_TOOLS
                    for i in picked
                ),
                "conversations": tuple(
                    chunk.conversations[i] if chunk.conversations is not None else None
                    for i in picked
                ),
            }
        )
        # Anthropic streaming: the output sits on the completing row (calls 0), which
        # carries no input; its tokens belong to the call before it.
        completing = np.flatnonzero(~np.isnan(total) & (chunk.column("calls") == 0))
        if len(completing):
            part = self.parts[-1]
            for row in completing.tolist():
                before = int(np.searchsorted(rows, row)) - 1
                if before >= 0:
                    part["output_tokens"][before] += chunk.column("output_tokens")[row]
                    part["usd"][before] += total[row]
                    part["truncated"][before] |= bool(chunk.column("truncated")[row])

    def traffic(self, report: UsageReport) -> LoggedTraffic:
        if not self.parts:
            empty = {name: np.zeros(0, dtype=np.int64) for name in _ARRAYS}
            return LoggedTraffic(
                report,
                **{**empty, "models": np.zeros(0, dtype=object)},
                tool_uses=(),
                conversations=(),
            )
        joined = {name: np.concatenate([p[name] for p in self.parts]) for name in _ARRAYS}
        joined["models"] = np.concatenate([p["models"] for p in self.parts])
        uses = tuple(use for p in self.parts for use in p["tool_uses"])
        threads = tuple(thread for p in self.parts for thread in p["conversations"])
        return LoggedTraffic(report, **joined, tool_uses=uses, conversations=threads)


_ARRAYS = (
    "day",
    "minute",
    "dated",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "truncated",
    "batch",
    "usd",
)


def logged_traffic(
    paths: Iterable[str], catalog: Catalog, *, at: dt.date | None = None, model: str | None = None
) -> LoggedTraffic:
    """Read and price the logs as `budget usage` does, keeping every priced call."""
    sink = _Collect()
    report = cost_logs(list(paths), catalog, rows_out=sink, at=at, model=model)
    return sink.traffic(report)
