"""A scenario fitted from real traffic (`budget fit LOG... -o scenario.yaml`).

The log is read and priced once, as `budget usage` prices it (:mod:`budget.usage.traffic`);
each model of the log gets a scenario of its own, in the format `budget report` reads
(:mod:`budget.workload.scenario`: a scenario's ``models`` are alternatives that each carry
all of the traffic, so a log that mixes models is several services, one file each). Every
value is written with a comment saying what it came from (how many calls, which days).

What is fitted, and how:

* calls per day: the calls of the log's period (first..last day, every calendar day counted,
  idle ones too) less one per reply cut at max_tokens: the scenario adds a continuation for
  each cut reply (``on_truncation: continue``), and the log is taken to hold it already. The
  95% interval of the daily mean is written as a range, so the report's low and high totals
  carry the fit's own uncertainty;
* growth: where the log spans 14 days or more, the slope of log daily calls (least
  squares), as a monthly rate; written only when it stands out of its own 95% band;
* peak factor: the busiest minute against the mean minute of the period (the busiest hour
  in the comment); only calls with a time of day count;
* input and output lengths: the median and the 95th percentile (the one percentile,
  :func:`budget.inputs.samples.percentile`), as the log-normal ``{p50, p95}`` the scenario
  takes. Where that log-normal's mean misses the log's mean by more than 1%, p95 is set so
  the mean is the log's (the bill follows the mean), and the comment gives the observed p95;
  where the log's mean is at or below its median (counts spread evenly), p50 is set instead.
  Replies cut at max_tokens are lower bounds: the output's spread is set so the log-normal
  cuts as many replies at that max_tokens as the log shows (a censored fit). The median's
  95% interval is written as a range;
* max_tokens: the length most cut replies stopped at; none is written when nothing was cut;
* cache and batch: token-weighted read and write shares, the share of batch calls;
* built-in tools: the share of calls using each and the uses per such call;
* turns per conversation, where records name their conversation (``conversation_id``,
  ``session_id``, ``metadata.conversation_id``, ...: :data:`pricing.usage.CONVERSATION_PATHS`):
  written as a remark, since the calls already carry what each turn sent.

A log whose records give no time cannot give calls per day, growth or peaks: the file says
so, and its calls per day is the log's calls as if they were one day, to be edited.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import yaml

from budget.inputs.samples import percentile
from budget.usage.traffic import NO_MINUTE, LoggedTraffic
from budget.workload.scenario import DAYS_PER_MONTH
from pricing.errors import InputError

Z95 = NormalDist().inv_cdf(0.975)  # two-sided 95%
Z_P95 = NormalDist().inv_cdf(0.95)  # the scenario's p95: mu + 1.645 sigma
GROWTH_MIN_DAYS = 14  # a slope over fewer days is mostly the week's rhythm
MEAN_TOLERANCE = 0.01  # the log-normal's mean may miss the log's by this before p95 moves
BILLED_TOOLS = ("web_search", "file_search")  # the tools a scenario's `tools:` prices
FEW_PER_MINUTE = 10  # below this mean the busiest minute is mostly a Poisson accident


@dataclass(frozen=True)
class Line:
    """One ``key: value  # comment`` line of the scenario (``key`` may be indented)."""

    key: str
    value: str | None  # None: a section heading (``traffic:``)
    comment: str = ""


@dataclass
class FittedScenario:
    """One model's scenario: its lines, and what the log could not give."""

    model: str
    calls: int
    lines: list[Line]
    cannot_fit: list[str] = field(default_factory=list)
    values: dict[str, float] = field(default_factory=dict)  # fitted figures, for tests

    def yaml(self, header: list[str]) -> str:
        width = max(len(_text(line)) for line in self.lines if line.key != "#")
        out = [f"# {text}" if text else "#" for text in header]
        for text in self.cannot_fit:
            out.append(f"# NOT FITTED: {text}")
        for line in self.lines:
            body = _text(line)
            if line.comment and line.key != "#":
                body = f"{body.ljust(width)}  # {line.comment}"
            out.append(body)
        return "\n".join(out) + "\n"


def _text(line: Line) -> str:
    if line.key == "#":  # a remark: what was not fitted here, and why
        return f"# {line.comment}"
    return f"{line.key}:" if line.value is None else f"{line.key}: {line.value}"


def fit_traffic(traffic: LoggedTraffic, name: str) -> list[FittedScenario]:
    """A scenario per model of the log, most calls first (``name`` names them; a second
    model's scenario adds the model's id)."""
    if not len(traffic):
        groups = traffic.report.unpriced
        what = "; ".join(f"{g.model}: {g.reason} ({_count(g.calls, 'call')})" for g in groups[:3])
        where = ", ".join(traffic.report.files)
        raise InputError(f"{where}: no call could be priced, nothing to fit ({what})")
    counts = Counter(traffic.models.tolist())
    ordered = sorted(counts, key=lambda m: (-counts[m], m))
    fits = []
    for model in ordered:
        calls = traffic.select(traffic.models == model)
        label = name if len(ordered) == 1 else f"{name}-{model}"
        fits.append(_fit_model(calls, model, label, counts[model] / len(traffic)))
    return fits


def _fit_model(t: LoggedTraffic, model: str, name: str, share: float) -> FittedScenario:
    n = len(t)
    cut = int(t.truncated.sum())
    dated = bool(t.dated.all())
    first, last = t.first_day, t.last_day
    span = f"{first}..{last}" if dated else "no dates"
    of = f"{_count(n, 'call')}, {span}"
    lines = [
        Line("name", _plain(name)),
        Line("model", model, f"{share:.1%} of the log's priced calls ({of})"),
    ]
    fitted = FittedScenario(model, n, lines)
    values = fitted.values
    lines.append(Line("traffic", None))
    first_calls = n - cut
    if dated:
        days = (last - first).days + 1
        per_day = np.bincount(t.day - t.day.min(), minlength=days) * (first_calls / n)
        mean = first_calls / days
        half = Z95 * float(per_day.std(ddof=1)) / math.sqrt(days) if days > 1 else 0.0
        low, high = max(0.0, mean - half), mean + half
        values["calls_per_day"] = mean
        follow = f" less {_count(cut, 'follow-up')} of cut replies" if cut else ""
        # four figures at least: 1.667 a day, not 1.7 (2% off)
        places = max(1, 3 - math.floor(math.log10(mean))) if mean > 0 else 1
        written = _range(low, mean, high, places)
        interval = "; low/high: 95% interval of the daily mean" if "low" in written else ""
        lines.append(
            Line(
                "  calls_per_day",
                written,
                f"{_count(n, 'call')}{follow} over {_count(days, 'day')} ({span}){interval}",
            )
        )
        growth = _growth(t, days)
        if growth is not None:
            rate, low, high, shown = growth
            values["monthly_growth"] = shown
            lines.append(
                Line(
                    "  monthly_growth",
                    _number(shown, 4),
                    f"daily calls' trend over {days} days: {rate:+.2%} a month "
                    f"(95%: {low:+.2%}..{high:+.2%})"
                    + ("" if shown else "; not told apart from 0, so 0"),
                )
            )
        else:
            fitted.cannot_fit.append(
                f"growth: the log spans {days} days, under the {GROWTH_MIN_DAYS} a trend needs"
            )
        peak = _peak(t, days)
        if peak is None:
            fitted.cannot_fit.append("peak_factor: the log's times have no time of day")
        else:
            minute, hour, busiest, mean_minute = peak
            values["peak_factor"], values["peak_hour_factor"] = minute, hour
            chance = (
                f"; at {mean_minute:.3g} calls a minute the busiest minute is mostly chance, "
                "the hour's factor is the steadier figure"
                if mean_minute < FEW_PER_MINUTE
                else ""
            )
            lines.append(
                Line(
                    "  peak_factor",
                    _number(minute, 2),
                    f"busiest minute {_count(busiest, 'call')} against a mean of "
                    f"{mean_minute:.3g} "
                    f"({span}); busiest hour {hour:.2f}x its mean{chance}",
                )
            )
    else:
        values["calls_per_day"] = first_calls
        lines.append(
            Line(
                "  calls_per_day",
                str(first_calls),
                f"EDIT: the log gives no times; this is its {_count(n, 'call')} as if made in "
                "one day",
            )
        )
        fitted.cannot_fit += [
            "calls_per_day: the records give no time (`created`, `timestamp`, ...); "
            "traffic.calls_per_day is the log's calls as if made in one day: edit it",
            "monthly_growth, peak_factor: no times",
        ]
    max_tokens = _max_tokens(t)
    # each follow-up re-sent its cut reply (max_tokens) on top of a first call's prompt
    resent = cut * (max_tokens or 0)
    lines += _lengths("input_tokens", t.input_tokens, of, values, resent=resent)
    lines += _lengths("output_tokens", t.output_tokens, of, values, max_tokens, cut)
    lines += _cache(t, of, values, resent)
    batch = float(t.batch.mean())
    if batch:
        values["batch_share"] = batch
        lines.append(Line("batch_share", _number(batch, 4), f"{int(t.batch.sum()):,} of {of}"))
    if max_tokens is None:
        lines.append(
            Line("#", None, f"max_tokens: no reply of the {n:,} was cut, so the log implies none")
        )
    else:
        values["max_tokens"] = max_tokens
        values["truncation_rate"] = cut / n
        lines.append(
            Line(
                "max_tokens",
                str(max_tokens),
                f"{cut:,} of {of} ended `length` ({cut / n:.2%}), most at {max_tokens:,} tokens",
            )
        )
        lines.append(
            Line("on_truncation", "continue", "the log is taken to hold each cut reply's follow-up")
        )
    lines += _tools(t, of, values)
    lines += _turns(t, values)
    start = (
        "the log's first day: month 1 begins there"
        if dated
        else "the day the log's calls were priced at (--at): the log gives no dates"
    )
    lines.append(Line("start", first.isoformat(), start))
    lines.append(Line("seed", "1"))
    return fitted


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _plain(text: str) -> str:
    """A name as YAML: as it is where it reads back as the same text, else quoted
    (``a#b``, ``yes``, ``1.0``)."""
    try:
        same = yaml.safe_load(f"name: {text}") == {"name": text}
    except yaml.YAMLError:
        same = False
    return text if same else json.dumps(text)


def _range(low: float, expected: float, high: float, places: int) -> str:
    if math.isclose(low, high):
        return _number(expected, places)
    return (
        f"{{low: {_number(low, places)}, expected: {_number(expected, places)}, "
        f"high: {_number(high, places)}}}"
    )


def _number(value: float, places: int) -> str:
    text = f"{value:.{places}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text if text not in ("-0", "") else "0"


def _growth(t: LoggedTraffic, days: int) -> tuple[float, float, float, float] | None:
    """(monthly rate, its 95% interval's low and high, the rate written: 0 where the
    interval holds 0)."""
    if days < GROWTH_MIN_DAYS:
        return None
    counts = np.bincount(t.day - t.day.min(), minlength=days).astype(float)
    x = np.arange(days, dtype=float)
    y = np.log(counts + 0.5)  # an idle day is not minus infinity
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    se = math.sqrt(float(residual @ residual) / (days - 2) / float(((x - x.mean()) ** 2).sum()))
    monthly = lambda daily: math.expm1(daily * DAYS_PER_MONTH)  # noqa: E731
    rate = monthly(slope)
    shown = rate if abs(slope) > Z95 * se else 0.0
    return rate, monthly(slope - Z95 * se), monthly(slope + Z95 * se), max(shown, -0.99)


def _peak(t: LoggedTraffic, days: int) -> tuple[float, float, int, float] | None:
    """(busiest minute / mean minute, busiest hour / mean hour, the busiest minute's calls,
    the mean minute's) over the calls with a time of day."""
    minutes = t.minute[t.minute != NO_MINUTE]
    if not len(minutes):
        return None
    _, per_minute = np.unique(minutes, return_counts=True)
    _, per_hour = np.unique(minutes // 60, return_counts=True)
    mean_minute = len(minutes) / (days * 1440)
    mean_hour = len(minutes) / (days * 24)
    busiest = int(per_minute.max())
    return max(1.0, busiest / mean_minute), float(per_hour.max()) / mean_hour, busiest, mean_minute


def _max_tokens(t: LoggedTraffic) -> int | None:
    """The length most cut replies stopped at: the max_tokens the log was sent with."""
    cut = t.output_tokens[t.truncated]
    if not len(cut):
        return None
    values, counts = np.unique(cut, return_counts=True)
    return int(values[np.argmax(counts)])


def _lengths(
    key: str,
    tokens: np.ndarray,
    of: str,
    values: dict,
    max_tokens: int | None = None,
    cut: int = 0,
    resent: int = 0,
) -> list[Line]:
    """``resent``: tokens the follow-ups of cut replies sent beyond a first call's prompt,
    which the scenario adds back itself: the mean matched is a first call's."""
    n = len(tokens)
    p50, p95 = int(percentile(tokens, 50)), int(percentile(tokens, 95))
    mean = (float(tokens.sum()) - resent) / n
    values[f"{key}.p50"], values[f"{key}.mean"] = p50, mean
    if p50 == p95 == int(tokens.max()) == int(tokens.min()):
        values[f"{key}.p95"] = p95
        return [Line(key, str(p50), f"every call {p50:,} tokens ({of})")]
    p50 = max(p50, 1)
    p50_note = None
    if max_tokens is not None and 0 < cut < n / 3 and max_tokens > p50:
        # cut replies are lower bounds: the spread that cuts as many first calls at
        # max_tokens as the log shows (each cut reply's follow-up is a call of the log too)
        rate = cut / (n - cut)
        sigma = math.log(max_tokens / p50) / NormalDist().inv_cdf(1 - rate)
        fitted_p95 = p50 * math.exp(Z_P95 * sigma)
        how = (
            f"p95 {fitted_p95:,.0f}: the log-normal that cuts {rate:.2%} of first calls at "
            f"max_tokens {max_tokens:,}, as the log did (cut replies are lower bounds; "
            f"observed p95 {p95:,})"
        )
        p95_note = f"set by the cut replies (observed {p95:,})"
    else:
        sigma = math.log(max(p95, p50) / p50) / Z_P95
        fitted_p95 = float(max(p95, p50))
        how = f"observed p50 and p95, mean {mean:,.0f}"
        p95_note = "the 95th percentile observed"
        if resent:
            how += f" (a first call's: less the {resent:,} tokens follow-ups re-sent)"
        lognormal_mean = p50 * math.exp(sigma**2 / 2)
        if abs(lognormal_mean / mean - 1) > MEAN_TOLERANCE and mean > p50:
            sigma = math.sqrt(2 * math.log(mean / p50))
            fitted_p95 = p50 * math.exp(Z_P95 * sigma)
            how = (
                f"p95 set so the mean is the log's {mean:,.0f} (observed p95 {p95:,}; "
                f"p50/p95 alone would give a mean of {lognormal_mean:,.0f})"
            )
            if resent:
                how += f"; a first call's mean, less the {resent:,} tokens follow-ups re-sent"
            p95_note = f"set by the mean (observed {p95:,})"
        elif abs(lognormal_mean / mean - 1) > MEAN_TOLERANCE and p95 > mean:
            # A mean at or below the median (counts spread evenly, not skewed): no log-normal
            # with this median has it, so the median moves instead, keeping p95:
            # ln(p95 / mean) = Z sigma - sigma^2 / 2, the smaller root.
            room = Z_P95**2 - 2 * math.log(p95 / mean)
            if room >= 0:
                sigma = Z_P95 - math.sqrt(room)
                fitted_p50 = max(1, round(mean * math.exp(-(sigma**2) / 2)))
                how = (
                    f"p50 set so the mean is the log's {mean:,.0f} (observed p50 {p50:,}; "
                    f"p50/p95 alone would give a mean of {lognormal_mean:,.0f})"
                )
                if resent:
                    how += f"; a first call's mean, less the {resent:,} tokens follow-ups re-sent"
                p50_note = f"set by the mean (observed {p50:,})"
                p50 = fitted_p50
                values[f"{key}.p50"] = p50
    fitted_p95 = max(float(p50), round(fitted_p95))
    values[f"{key}.p95"] = fitted_p95
    # the median's 95% interval, by ranks (n/2 +- 1.96 sqrt(n)/2)
    low_rank = max(1, math.floor(n / 2 - Z95 * math.sqrt(n) / 2))
    high_rank = min(n, math.ceil(n / 2 + Z95 * math.sqrt(n) / 2))
    ordered = np.partition(tokens, [low_rank - 1, high_rank - 1])
    low, high = max(1, int(ordered[low_rank - 1])), int(ordered[high_rank - 1])
    low, high = min(low, p50), min(max(high, p50), int(fitted_p95))
    written = _range(low, p50, high, 0)
    interval = "low/high: 95% interval of the median" if "low" in written else "the median"
    if p50_note:
        written, interval = _number(p50, 0), p50_note
    return [
        Line(key, None, f"{of}: {how}"),
        Line("  p50", written, interval),
        Line("  p95", _number(fitted_p95, 0), p95_note),
    ]


def _cache(t: LoggedTraffic, of: str, values: dict, resent: int = 0) -> list[Line]:
    """Shares of a first call's prompt: a follow-up reads what its first call read, and the
    cut reply it re-sends (``resent`` in all) is not cached."""
    total = int(t.input_tokens.sum()) - resent
    reads, writes = int(t.cache_read_tokens.sum()), int(t.cache_write_tokens.sum())
    if total <= 0 or not (reads or writes):
        return [Line("#", None, f"cache: no reads or writes in {of}")]
    lines = [Line("cache", None)]
    less = f" (less {resent:,} follow-ups re-sent)" if resent else ""
    if reads:
        share = min(1.0, reads / total)
        values["cache.read_share"] = share
        hits = t.cache_read_tokens[t.cache_read_tokens > 0]
        common, times = Counter(hits.tolist()).most_common(1)[0]
        prefix = f"; {len(hits):,} of {len(t):,} calls read from cache"
        if times >= len(hits) / 2:  # most read the same: a shared prefix (prefix_tokens)
            prefix += f", {times:,} of them {common:,} tokens (a shared prefix of that size)"
        lines.append(
            Line(
                "  read_share",
                _number(share, 4),
                f"{reads:,} of {total:,} input tokens{less} read from cache{prefix}",
            )
        )
    if writes:
        share = min(1.0 - values.get("cache.read_share", 0.0), writes / total)
        values["cache.write_share"] = share
        lines.append(
            Line(
                "  write_share", _number(share, 4), f"{writes:,} of {total:,} input tokens written"
            )
        )
    return lines


def _turns(t: LoggedTraffic, values: dict) -> list[Line]:
    """Calls per conversation, where the records name their conversation: told, not set (a
    `conversation:` section rebuilds each turn's input from a system prompt and the history,
    which a log does not give; the calls above already carry the inputs the turns sent)."""
    named = [thread for thread in t.conversations if thread is not None]
    if not named:
        return []
    turns = np.array(list(Counter(named).values()), dtype=np.int64)
    p50, p95 = int(percentile(turns, 50)), int(percentile(turns, 95))
    values["turns.p50"], values["turns.p95"], values["turns.mean"] = p50, p95, float(turns.mean())
    return [
        Line(
            "#",
            None,
            f"turns per conversation: p50 {p50}, p95 {p95}, mean {turns.mean():.2f} "
            f"({len(turns):,} conversations, {len(named):,} of {len(t):,} calls name one); "
            "for a `conversation:` section with turns: {p50: "
            f"{p50}, p95: {max(p95, p50)}}}",
        )
    ]


def _tools(t: LoggedTraffic, of: str, values: dict) -> list[Line]:
    used: Counter = Counter()
    uses: Counter = Counter()
    for call in t.tool_uses:
        for tool, count in call.items():
            used[tool] += 1
            uses[tool] += count
    lines = []
    for tool in sorted(used):
        if tool not in BILLED_TOOLS:
            continue
        share = used[tool] / len(t)
        per_call = max(1, round(uses[tool] / used[tool]))
        values[f"tools.{tool}.share"], values[f"tools.{tool}.per_call"] = share, per_call
        if not lines:
            lines.append(Line("tools", None))
        lines.append(
            Line(
                f"  {tool}",
                f"{{share: {_number(share, 4)}, per_call: {per_call}}}",
                f"{used[tool]:,} of {of} used it, {_count(uses[tool], 'use')}",
            )
        )
    return lines
