"""The same traffic on another model: what a log's calls would have cost on MODEL.

`budget usage LOG --as MODEL` prices every call of the log as usual and, beside it, the same
call on MODEL (:class:`Retarget`, a row sink of :func:`budget.usage.price.cost_logs`, so the
log is read once, standard input included):

* token counts: where MODEL counts with the logged model's tokenizer (the catalog's
  ``tokenizer`` reference) they carry over, exact. Otherwise they are converted: by the
  record's own text where it holds some (request messages, reply content), counted with both
  tokenizers; else by the ratio measured on the reference corpus
  (:mod:`budget.tokenizers.conversion`), whose spread over the corpus is the band the
  estimate carries. Input and output convert apart; audio, image and video tokens are not
  text and carry over; cache reads and writes keep their share of the prompt, a batch call
  stays a batch call, a service tier stays where MODEL offers it (else standard rates);
* the call is priced on MODEL by :mod:`pricing.logged` (the one rule for a logged call: the
  day it was made, the serving variant, the tier) at the converted counts;
* a call MODEL could not serve (over its context window, input limit or output ceiling; a
  modality, the batch API, a tier or a built-in tool the catalog has no rate for on MODEL)
  is named with its count and reason, never dropped;
* calls the log itself could not price are left out (`budget usage` lists them).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import orjson

from budget.inputs.files import STDIN
from budget.inputs.sniff import open_sniffed, sniff
from budget.tokenizers import current_options, tokenizer_for
from budget.tokenizers.conversion import Conversion, measure, same_tokenizer
from budget.tokenizers.protocol import Request, Tokenizer
from budget.tokenizers.structure import request_parts
from budget.usage.read import FIELDS, Rows, token_arrays
from pricing.catalog import Catalog, Model
from pricing.logged import LoggedCalls
from pricing.usage import COUNTS

SAME, TEXT, CORPUS = "same tokenizer", "log text", "reference corpus"
METHODS = (SAME, TEXT, CORPUS)

# Where a record holds the text of its call (paths as pricing.usage writes them; ``*``: each
# element of a list). The reply: OpenAI Chat (and OpenAI-format APIs), Anthropic Messages,
# OpenAI Responses, Gemini; inside the envelopes that wrap a response (batch lines, LiteLLM's
# spend logs). The request: chat messages, where a log keeps them (LiteLLM, gateways).
ENVELOPES = ("response.body", "result.message", "response", "message")
REPLY_TEXT = (
    "choices.*.message.content",
    "content.*.text",
    "output.*.content.*.text",
    "candidates.*.content.parts.*.text",
)
REQUEST_MESSAGES = ("messages", "request.messages", "request.body.messages", "body.messages")
MIN_TEXT_TOKENS = 1  # a text counted as nothing by the logged model's tokenizer says nothing


@dataclass(frozen=True)
class CallText:
    """The text a logged call holds: its request's and its reply's (None: not in the record)."""

    request: str | None = None
    reply: str | None = None


_STEPS = {path: tuple(path.split(".")) for path in (*ENVELOPES, *REPLY_TEXT, *REQUEST_MESSAGES)}
_FIRST_KEYS = frozenset(path.split(".")[0] for path in _STEPS)  # a record without any: no text


def call_text(record: Any) -> CallText:
    """The request and reply text of one record, as far as it holds them."""
    if record.__class__ is not dict or record.keys().isdisjoint(_FIRST_KEYS):
        return CallText()
    request = None
    for path in REQUEST_MESSAGES:
        messages = _at(record, path)
        if isinstance(messages, list) and messages:
            try:
                parts = request_parts(
                    Request(messages=[m for m in messages if isinstance(m, dict)])
                )
            except (TypeError, ValueError, AttributeError):
                continue
            request = "\n".join(text for text in parts.texts if isinstance(text, str)) or None
            break
    reply = None
    for inner in (record, *(_at(record, path) for path in ENVELOPES)):
        if not isinstance(inner, dict):
            continue
        texts = [
            text
            for path in REPLY_TEXT
            if _STEPS[path][0] in inner
            for text in _texts(inner, _STEPS[path])
        ]
        if texts:
            reply = "\n".join(texts)
            break
    return CallText(request, reply)


def _at(record: Any, path: str) -> Any:
    steps = _STEPS[path]
    if steps[0] not in record:
        return None
    for key in steps:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def _texts(value: Any, steps: tuple[str, ...]) -> Iterator[str]:
    if not steps:
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):  # content parts: [{"type": "text", "text": ...}]
            for part in value:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    yield part["text"]
        return
    step, rest = steps[0], steps[1:]
    if step == "*":
        if isinstance(value, list):
            for item in value:
                yield from _texts(item, rest)
    elif isinstance(value, dict) and step in value:
        yield from _texts(value[step], rest)


class LogTexts:
    """The records of the log files being priced, read again beside the usage reader to
    find their text: JSON and JSONL files that can be read twice (standard input, CSV, TSV
    and Parquet convert by the reference corpus). Lines are asked for in order."""

    def __init__(self) -> None:
        self._file: str | None = None
        self._stack = contextlib.ExitStack()
        self._lines: Iterator[tuple[int, Any]] | None = None
        self._at = 0
        self._line: Any = None

    def texts(self, chunk: Rows, rows: Sequence[int]) -> list[CallText]:
        if chunk.file != self._file:
            self._open(chunk.file)
        if self._lines is None:
            return [CallText()] * len(rows)
        found = []
        for row in rows:
            number = chunk.lines[row]
            while self._at < number:
                try:
                    self._at, self._line = next(self._lines)
                except StopIteration:
                    self._at, self._line = number + 1, None
            found.append(call_text(self._record()) if self._at == number else CallText())
        return found

    def _record(self) -> Any:
        line = self._line
        if isinstance(line, bytes):
            try:
                self._line = line = orjson.loads(line)
            except orjson.JSONDecodeError:
                self._line = line = None
        return line

    def _open(self, path: str) -> None:
        self.close()
        self._file = path
        kind = None if path == STDIN else sniff(path)  # standard input cannot be read again
        if kind is None or kind.format not in ("json", "jsonl"):
            return
        kind, stream = self._stack.enter_context(open_sniffed(path, "usage log"))
        if kind.format == "jsonl":
            self._lines = enumerate(stream, start=1)
        else:
            from budget.inputs.records import records

            values = [value for _, value in records(stream, path, "json")]
            self._lines = enumerate(values, start=1)

    def close(self) -> None:
        self._stack.close()
        self._stack = contextlib.ExitStack()
        self._file, self._lines, self._at, self._line = None, None, 0, None


@dataclass
class NotServed:
    """Calls of one logged model that MODEL could not serve, for one reason."""

    model: str
    reason: str
    calls: int = 0
    cost_usd: float = 0.0  # what they cost as logged
    first: str = ""  # file:line of the first

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "reason": self.reason,
            "calls": self.calls,
            "cost_usd": _decimal(self.cost_usd),
            "first": self.first,
        }


@dataclass
class Comparison:
    """One logged model's calls that MODEL could serve: what they cost, what they would."""

    model: str  # the logged model (catalog id)
    calls: int = 0
    cost: float = 0.0  # as logged (float sum of the rows; exact from the report when all served)
    as_usd: Decimal = Decimal(0)
    as_low: Decimal = Decimal(0)
    as_high: Decimal = Decimal(0)
    input_tokens: int = 0
    output_tokens: int = 0
    as_input_tokens: int = 0
    as_output_tokens: int = 0
    # calls whose input / output counts were converted each way
    input_by: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METHODS, 0))
    output_by: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METHODS, 0))
    conversion: Conversion | None = None
    cost_usd: Decimal = Decimal(0)  # set by Retarget.result

    @property
    def exact(self) -> bool:
        """Every count carried over unchanged: the dollars are exact, no band."""
        return self.input_by[SAME] == self.calls_counted and self.output_by[SAME] == (
            self.calls_counted
        )

    @property
    def calls_counted(self) -> int:
        return sum(self.input_by.values())

    def as_dict(self) -> dict:
        change = self.as_usd - self.cost_usd
        return {
            "model": self.model,
            "calls": self.calls,
            "cost_usd": self.cost_usd,
            "as_usd": self.as_usd,
            "as_usd_low": self.as_low,
            "as_usd_high": self.as_high,
            "change_usd": change,
            "change_pct": _percent(change, self.cost_usd),
            "exact": self.exact,
            "label": "exact" if self.exact else "estimate",
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "as_input_tokens": self.as_input_tokens,
            "as_output_tokens": self.as_output_tokens,
            "input_converted_by": dict(self.input_by),
            "output_converted_by": dict(self.output_by),
            "conversion": None if self.conversion is None else self.conversion.as_dict(),
        }


@dataclass
class TargetResult:
    """The log's calls on one model: per logged model, in total, and those it could not serve."""

    model: str  # the catalog id of MODEL
    asked: str  # as the user wrote it
    tokenizer: str
    tokenizer_method: str
    by_model: dict[str, Comparison]
    not_served: list[NotServed]

    @property
    def calls(self) -> int:
        return sum(c.calls for c in self.by_model.values())

    def _usd(self, field: str) -> Decimal:
        return sum((getattr(c, field) for c in self.by_model.values()), Decimal(0))

    @property
    def cost_usd(self) -> Decimal:
        return self._usd("cost_usd")

    @property
    def as_usd(self) -> Decimal:
        return self._usd("as_usd")

    @property
    def as_low(self) -> Decimal:
        return self._usd("as_low")

    @property
    def as_high(self) -> Decimal:
        return self._usd("as_high")

    @property
    def exact(self) -> bool:
        return all(c.exact for c in self.by_model.values())

    @property
    def not_served_calls(self) -> int:
        return sum(group.calls for group in self.not_served)

    def as_dict(self) -> dict:
        change = self.as_usd - self.cost_usd
        return {
            "model": self.model,
            "asked": self.asked,
            "tokenizer": self.tokenizer,
            "tokenizer_method": self.tokenizer_method,
            "label": "exact" if self.exact else "estimate",
            "exact": self.exact,
            "calls": self.calls,
            "cost_usd": self.cost_usd,
            "as_usd": self.as_usd,
            "as_usd_low": self.as_low,
            "as_usd_high": self.as_high,
            "change_usd": change,
            "change_pct": _percent(change, self.cost_usd),
            "by_model": {name: c.as_dict() for name, c in sorted(self.by_model.items())},
            "not_served_calls": self.not_served_calls,
            "not_served": [group.as_dict() for group in self.not_served],
        }


class _Target:
    """One ``--as`` model: its tokenizer, its pricing, and the running comparison."""

    def __init__(self, owner: Retarget, asked: str):
        self.owner, self.asked = owner, asked
        self.model = owner.catalog.resolve(asked, at=owner.day)
        self.tokenizer = owner.tokenizer(self.model)
        # priced as a logged call named so would be (its day, variant, tier), at MODEL
        self.logged = LoggedCalls(owner.catalog, at=owner.day)
        self.conversions: dict[str, Conversion] = {}
        self.by_model: dict[str, Comparison] = {}
        self.not_served: dict[tuple[str, str], NotServed] = {}

    def conversion(self, reference: str, source: Tokenizer) -> Conversion:
        """From the counts of the catalog's tokenizer ``reference`` (counted by ``source``)."""
        if reference not in self.conversions:
            if reference == self.model.tokenizer:  # the catalog says: the same tokenizer
                self.conversions[reference] = same_tokenizer(reference)
            else:
                self.conversions[reference] = measure(source, self.tokenizer)
        return self.conversions[reference]

    def add(self, chunk: Rows, ids: list, usd: np.ndarray, rows: np.ndarray, texts) -> None:
        data = chunk.data[rows]
        n = len(rows)
        sources = [ids[row] for row in rows.tolist()]
        ratios = np.ones((3, 2, n))  # (central, low, high) x (input, output) per row
        how = np.zeros((2, n), dtype=np.int64)  # index into METHODS, per side
        by_source: dict[str, np.ndarray] = {}
        for position, name in enumerate(sources):
            by_source.setdefault(name, []).append(position)
        by_source = {name: np.array(found, dtype=np.int64) for name, found in by_source.items()}
        for source, positions in by_source.items():
            reference, tokenizer = self.owner.source_tokenizer(source)
            conversion = self.conversion(reference, tokenizer)
            entry = self.by_model.setdefault(source, Comparison(source))
            entry.conversion = conversion
            if conversion.exact:
                continue
            for side in (0, 1):
                ratios[0, side, positions] = conversion.ratio
                ratios[1, side, positions] = conversion.low
                ratios[2, side, positions] = conversion.high
                how[side, positions] = METHODS.index(CORPUS)
            for position in positions.tolist():
                text = texts[position]
                for side, words in enumerate((text.request, text.reply)):
                    if not words:
                        continue
                    mine = tokenizer.count_text(words)
                    if mine < MIN_TEXT_TOKENS:
                        continue
                    ratio = self.tokenizer.count_text(words) / mine
                    ratios[:, side, position] = ratio
                    how[side, position] = METHODS.index(TEXT)
        counts = [_converted(data, ratios[k, 0], ratios[k, 1]) for k in range(3)]
        tiers = [
            tier if tier in self.model.service_tiers else None
            for tier in (chunk.service_tiers[row] for row in rows.tolist())
        ]
        times = None if chunk.times is None else [chunk.times[row] for row in rows.tolist()]
        tools = None
        if chunk.tool_calls is not None:
            tools = [chunk.tool_calls[row] for row in rows.tolist()]
        batch = data[:, FIELDS.index("batch")].astype(bool)
        calls = data[:, FIELDS.index("calls")]
        served, totals = self._price(counts, tiers, times, batch, tools, sources)
        logged_usd = usd[rows, 4]
        for position, reason in enumerate(served):  # the calls MODEL could not serve: few
            if reason is not None:
                group = self.not_served.setdefault(
                    (sources[position], reason), NotServed(sources[position], reason)
                )
                group.first = group.first or chunk.where(int(rows[position]))
                group.calls += int(calls[position])
                group.cost_usd += float(logged_usd[position])
        ok = np.array([reason is None for reason in served], dtype=bool)
        for source, positions in by_source.items():
            kept = positions[ok[positions]]
            entry = self.by_model[source]
            entry.calls += int(calls[kept].sum())
            entry.cost += float(logged_usd[kept].sum())
            entry.input_tokens += int(data[kept, 0].sum())
            entry.output_tokens += int(data[kept, 1].sum())
            entry.as_input_tokens += int(counts[0][kept, 0].sum())
            entry.as_output_tokens += int(counts[0][kept, 1].sum())
            for side, tally in enumerate((entry.input_by, entry.output_by)):
                found = np.bincount(how[side, kept], minlength=len(METHODS)).tolist()
                for method, number in zip(METHODS, found, strict=True):
                    tally[method] += number
        for source, (central, low, high) in totals.items():
            entry = self.by_model[source]
            entry.as_usd += central
            entry.as_low += low
            entry.as_high += high

    def _price(self, counts, tiers, times, batch, tools, sources):
        """Per row the reason MODEL could not serve it (None: served), and the exact dollars
        of the served rows on MODEL by logged model: (central, low, high)."""
        n = len(tiers)
        central = counts[0]
        found = self.logged.resolve(
            [self.asked] * n,
            tiers,
            times,
            central[:, 0],
            central[:, 1],
            batch if batch.any() else None,
        )
        reasons: list[str | None] = [None] * n
        for refusal in found.refused:
            reasons[refusal.row] = refusal.reason
        totals: dict[str, list[Decimal]] = {}
        for group in found.groups:
            fits = group.model.fits(central[group.rows, 0], central[group.rows, 1])
            for row in group.rows[~fits].tolist():
                reasons[row] = _too_long(group.model, int(central[row, 0]), int(central[row, 1]))
            kept = group.rows[fits].tolist()
            for source in dict.fromkeys(sources[row] for row in kept):
                rows = np.array([row for row in kept if sources[row] == source], dtype=np.int64)
                money = totals.setdefault(source, [Decimal(0)] * 3)
                for k, tokens in enumerate(counts):
                    if k:  # the band: the rows served at the central counts
                        rows = rows[[reasons[row] is None for row in rows.tolist()]]
                    if not len(rows):
                        break
                    used = None if tools is None else [tools[row] for row in rows.tolist()]
                    priced, refused = self.logged.price(
                        dataclasses.replace(group, rows=rows),
                        token_arrays(tokens[rows], batch[rows]),
                        used,
                    )
                    if k == 0:
                        for refusal in refused:
                            reasons[refusal.row] = refusal.reason
                    money[k] += priced.totals.total_usd
        return reasons, {name: tuple(money) for name, money in totals.items()}


class Retarget:
    """A row sink for :func:`budget.usage.price.cost_logs` that prices each chunk's calls
    again on every ``--as`` model. ``day``: the pricing day of calls without a time."""

    def __init__(self, catalog: Catalog, models: Sequence[str], day, options=None):
        self.catalog, self.day = catalog, day
        # a tokenizer the catalog names but this machine lacks (an hf: file) estimates
        self.options = dataclasses.replace(options or current_options(), estimate_fallback=True)
        self._tokenizers: dict[str, Tokenizer] = {}
        self._sources: dict[str, tuple[str, Tokenizer]] = {}
        self.targets = [_Target(self, name) for name in dict.fromkeys(models)]
        self.texts = LogTexts()

    def tokenizer(self, model: Model) -> Tokenizer:
        if model.tokenizer not in self._tokenizers:
            self._tokenizers[model.tokenizer] = tokenizer_for(model, options=self.options)
        return self._tokenizers[model.tokenizer]

    def source_tokenizer(self, model_id: str) -> tuple[str, Tokenizer]:
        """The catalog's tokenizer reference of a logged model, and the tokenizer for it."""
        if model_id not in self._sources:
            model = self.catalog.resolve(model_id, at=self.day)
            self._sources[model_id] = (model.tokenizer, self.tokenizer(model))
        return self._sources[model_id]

    def write(self, chunk: Rows, model_ids: list, usd: np.ndarray, priced: Any) -> None:
        rows = np.flatnonzero(~np.isnan(usd[:, 4]))  # the calls the log itself priced
        if not len(rows):
            return
        texts = self.texts.texts(chunk, rows.tolist())
        for target in self.targets:
            target.add(chunk, model_ids, usd, rows, texts)

    def close(self) -> None:
        self.texts.close()

    def result(self, report: Any) -> list[TargetResult]:
        """The comparison on every model, once the log is read; ``report``: the log's own
        :class:`budget.usage.price.UsageReport` (its exact dollars per model)."""
        self.close()
        exact: dict[str, Decimal] = {}
        calls: dict[str, int] = {}
        for usage in report.by_model.values():
            exact[usage.model] = exact.get(usage.model, Decimal(0)) + usage.totals.total_usd
            calls[usage.model] = calls.get(usage.model, 0) + usage.totals.calls
        found = []
        for target in self.targets:
            for name, entry in target.by_model.items():
                all_served = entry.calls == calls.get(name) and name in exact
                entry.cost_usd = exact[name] if all_served else _decimal(entry.cost)
            not_served = sorted(
                target.not_served.values(), key=lambda g: (-g.calls, g.model, g.reason)
            )
            found.append(
                TargetResult(
                    target.model.id,
                    target.asked,
                    target.tokenizer.name,
                    target.tokenizer.method,
                    {name: c for name, c in target.by_model.items() if c.calls},
                    not_served,
                )
            )
        return found


class Both:
    """Two row sinks as one (the per-row file of ``-o`` and the ``--as`` comparison)."""

    def __init__(self, *sinks: Any):
        self.sinks = [sink for sink in sinks if sink is not None]

    def write(self, chunk: Rows, model_ids: list, usd: np.ndarray, priced: Any) -> None:
        for sink in self.sinks:
            sink.write(chunk, model_ids, usd, priced)


def _converted(data: np.ndarray, ratio_in: np.ndarray, ratio_out: np.ndarray) -> np.ndarray:
    """The counts (COUNTS order) with their text converted: every text part of the prompt
    (cache reads and writes keep their share) by ``ratio_in``, the text of the output by
    ``ratio_out``; audio, image and video tokens as they were."""
    column = {name: data[:, COUNTS.index(name)] for name in COUNTS}
    modal_in = column["audio_input_tokens"] + column["image_input_tokens"]
    modal_in = modal_in + column["video_input_tokens"]
    modal_out = column["audio_output_tokens"] + column["image_output_tokens"]
    cached = ("cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens")
    uncached_text = column["input_tokens"] - sum(column[name] for name in cached) - modal_in
    out = np.array(data[:, : len(COUNTS)], dtype=np.int64)
    # cached audio and image are tokens of their own, as uncached ones: only text is converted
    cached_modal = column["cache_read_audio_tokens"] + column["cache_read_image_tokens"]

    def scale(values: np.ndarray, ratio: np.ndarray) -> np.ndarray:
        return np.rint(values * ratio).astype(np.int64)

    for name in cached:
        out[:, COUNTS.index(name)] = scale(column[name], ratio_in)
    read = COUNTS.index("cache_read_tokens")
    out[:, read] = scale(column["cache_read_tokens"] - cached_modal, ratio_in) + cached_modal
    out[:, 0] = sum(out[:, COUNTS.index(name)] for name in cached) + modal_in
    out[:, 0] += scale(uncached_text, ratio_in)
    text_out = scale(column["output_tokens"] - modal_out, ratio_out)
    out[:, 1] = text_out + modal_out
    reasoning = COUNTS.index("reasoning_tokens")
    out[:, reasoning] = np.minimum(scale(column["reasoning_tokens"], ratio_out), text_out)
    return out


# The limits a call may be over, in the words of the report.
LIMITS = {
    "context_window": "longer than its context window",
    "max_input_tokens": "more input than it takes",
    "max_output_tokens": "more output than its ceiling",
}


def _too_long(model: Model, input_tokens: int, output_tokens: int) -> str:
    over = model.overruns(input_tokens, output_tokens)
    for limit, words in LIMITS.items():
        if over[limit] > 0:
            return f"{words} ({getattr(model, limit):,} tokens)"
    raise AssertionError("a call within every limit was called too long")


def _decimal(value: float) -> Decimal:
    return Decimal(repr(round(value, 9)))


def _percent(change: Decimal, base: Decimal) -> float | None:
    return float(change / base * 100) if base else None
