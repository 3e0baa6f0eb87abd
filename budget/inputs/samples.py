"""Observed output lengths: the evidence `budget plan --samples FILE` plans from.

A samples file is one of (detected, or named with ``fmt``):

- ``integers``: one token count per line (blank lines and ``#`` comments skipped).
- ``usage``: a provider usage log, JSONL (or a JSON array) of responses, streaming events or
  usage objects, read as `budget usage` reads it (:func:`budget.usage.read.observed_outputs`:
  the same reader, so a log `budget usage` prices is a log this plans from). Output tokens
  include reasoning tokens, and a reply that ended on the output limit (finish_reason
  ``length``, Anthropic ``max_tokens``, Gemini ``MAX_TOKENS``) is *censored*: its true
  length is at least what was observed.
- ``jsonl``: JSONL (or a JSON array) of output texts, in field ``column`` or the first of
  ``text``, ``output``, ``content``, ``completion``, ``response``; counted with the model's
  tokenizer.
- ``csv``: a CSV (or TSV) with a header; a text column as above, or a numeric column
  (``output_tokens``, ``completion_tokens``, ``tokens``, ``length``) read as counts.
- ``text``: plain text. Samples are separated by lines holding only ``---``; a file without
  such a line holds one sample per non-blank line. Use JSONL for multi-paragraph replies.

Which of JSON, CSV or text a file is, :mod:`budget.inputs.sniff` decides (a compressed file is
read decompressed); a text file holds counts when its first value is a whole number. A JSON
file is a usage log when its first record is one the usage reader reads (a call, or a
streaming event; and no ``column`` is named); otherwise it is read as texts from the text
field.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from budget.inputs.records import csv_rows, records
from budget.inputs.sniff import JSON_FORMATS, FileKind, json_format, read_sniffed
from pricing.engine import token_count
from pricing.errors import InputError

FORMATS = ("integers", "usage", "jsonl", "csv", "text")
TEXT_FIELDS = ("text", "output", "content", "completion", "response")
COUNT_FIELDS = ("output_tokens", "completion_tokens", "tokens", "length")
TEXT_SEPARATOR = "---"


@dataclass(frozen=True)
class OutputSamples:
    """Output lengths in tokens, one per observed reply."""

    lengths: tuple[int, ...]
    truncated: tuple[bool, ...]  # True where the reply was cut by its output limit
    kind: str  # integers | usage | jsonl | csv | text | list
    source: str | None = None
    exact: bool = True  # False when texts were counted with an estimating tokenizer
    tokenizer: str | None = None  # the tokenizer that counted texts, None for counts
    note: str | None = None  # how the samples were chosen, when that needs saying
    other_models: bool = False  # the log had no replies from the model: others' replies used

    def __post_init__(self) -> None:
        if len(self.lengths) != len(self.truncated):
            raise InputError("samples: lengths and truncated flags differ in number")
        if not self.lengths:
            where = f"{self.source}: " if self.source else ""
            raise InputError(f"{where}samples: no output lengths found (need at least one)")
        for length in self.lengths:
            token_count(length, "samples")

    @property
    def count(self) -> int:
        return len(self.lengths)

    @property
    def censored(self) -> bool:
        """Some replies were cut, so their true lengths are only known from below."""
        return any(self.truncated)

    @property
    def observed_truncation_rate(self) -> float:
        return sum(self.truncated) / self.count

    @property
    def includes_reasoning(self) -> bool:
        """Usage logs count hidden reasoning inside output tokens; texts and counts do not."""
        return self.kind == "usage"


def samples_from_lengths(
    lengths: Sequence[int], truncated: Sequence[bool] | None = None
) -> OutputSamples:
    """Samples from counts already in hand (library use)."""
    flags = tuple(bool(t) for t in truncated) if truncated is not None else (False,) * len(lengths)
    return OutputSamples(lengths=tuple(lengths), truncated=flags, kind="list")


def nearest_rank(p: float, count: int) -> int:
    """The rank (1 = smallest) of the P-th percentile among ``count`` values, as
    :func:`percentile` takes it; for percentiles of values too many to hold at once."""
    if not 0 < p <= 100:
        raise InputError(f"--percentile: expected a number in (0, 100], got {p}")
    if count == 0:
        raise InputError("samples: no output lengths found (need at least one)")
    # Round away float noise first: 95/100*20 is 19.000000000000004, which must be rank 19.
    return max(1, math.ceil(round(p / 100 * count, 9)))


def percentile(values: Sequence[Any], p: float) -> Any:
    """The nearest-rank P-th percentile: the smallest value with at least P% of the values at
    or below it. Always an observed value (P=100 is the maximum), never an interpolation.

    The one definition, for a plan's sample lengths and a projection's drawn calls alike; a
    numpy array is ranked with ``np.partition`` instead of a full sort."""
    rank = nearest_rank(p, len(values))
    if hasattr(values, "dtype"):  # numpy
        import numpy as np

        return np.partition(values, rank - 1)[rank - 1].item()
    return sorted(values)[rank - 1]


@dataclass(frozen=True)
class SampleTexts:
    """Reply texts read from a samples file, to be counted with a model's tokenizer
    (:func:`budget.tokenizers.samples.read_samples`)."""

    texts: tuple[str, ...]
    kind: str  # "text" | "jsonl" | "csv"
    source: str


def read_sample_file(
    path: str | Path,
    model: Any,
    *,
    fmt: str | None = None,
    column: str | None = None,
) -> OutputSamples | SampleTexts:
    """Observed output lengths from a file, or its reply texts still to be counted. ``model``
        picks its own replies from a usage log that names models
    (:func:`budget.usage.read.model_replies`)."""
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"--samples-format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    kind, raw = read_sniffed(path, "samples")
    if not raw.strip():
        raise InputError(f"{path}: samples file is empty (need at least one output length)")

    fmt = fmt or _detect(kind, raw)
    if fmt == "integers":
        return _integers(path, raw)
    if fmt == "csv":
        return _csv(path, raw, model, column, kind.delimiter if kind.table else ",")
    if fmt == "text":
        return _texts(path, _split_text(raw), "text")
    records = _json_records(path, raw)
    return _records(path, records, model, column, forced_usage=(fmt == "usage"))


def _detect(kind: FileKind, raw: str) -> str:
    if kind.table:
        return "csv"
    if kind.format in JSON_FORMATS:
        return "jsonl"
    # A text file. The first value decides: a stray non-number further down is then an error
    # on its line, not a silent switch to counting every line as a text of one or two tokens.
    lines = [line.strip() for line in raw.splitlines()]
    first = next((line for line in lines if line and not line.startswith("#")), "")
    if first.lstrip("-").isdigit() and not any(line == TEXT_SEPARATOR for line in lines):
        return "integers"
    return "text"


def _integers(path: Path, raw: str) -> OutputSamples:
    lengths = []
    for number, line in enumerate(raw.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        lengths.append(_count(line, f"{path}:{number}"))
    return OutputSamples(tuple(lengths), (False,) * len(lengths), "integers", str(path))


def _count(value: Any, where: str, field: str = "output length") -> int:
    return token_count(value.strip() if isinstance(value, str) else value, f"{where}: {field}")


def _split_text(raw: str) -> list[str]:
    lines = raw.splitlines()
    if any(line.strip() == TEXT_SEPARATOR for line in lines):
        blocks, current = [], []
        for line in lines:
            if line.strip() == TEXT_SEPARATOR:
                blocks.append("\n".join(current))
                current = []
            else:
                current.append(line)
        blocks.append("\n".join(current))
        return [block.strip("\n") for block in blocks if block.strip()]
    return [line for line in lines if line.strip()]


def _json_records(path: Path, raw: str) -> list[tuple[str, Any]]:
    """(location, value) pairs from JSONL, one JSON array, or one JSON object."""
    data = raw.encode()
    return list(records(io.BytesIO(data), str(path), json_format(path, data)))


def _text_field(record: dict, column: str | None) -> str | None:
    if column is not None:
        return column if column in record else None
    return next((name for name in TEXT_FIELDS if isinstance(record.get(name), str)), None)


def _records(
    path: Path, records: list[tuple[str, Any]], model: Any, column: str | None, forced_usage: bool
) -> OutputSamples | SampleTexts:
    if not records:
        raise InputError(f"{path}: samples file is empty (need at least one output length)")
    first_where, first = records[0]
    if isinstance(first, int) and not isinstance(first, bool):
        lengths = [_count(value, where) for where, value in records]
        return OutputSamples(tuple(lengths), (False,) * len(lengths), "integers", str(path))
    if not isinstance(first, dict):
        raise InputError(f"{first_where}: expected a JSON object or a token count")
    if column is not None and not forced_usage and column not in first:
        fields = ", ".join(first)
        raise InputError(f"{first_where}: {column}: no such field (fields: {fields})")
    if not forced_usage and _text_field(first, column) is not None and not _is_usage(first, column):
        texts = []
        for where, record in records:
            name = _text_field(record, column) if isinstance(record, dict) else None
            if name is None or not isinstance(record[name], str):
                wanted = column or "/".join(TEXT_FIELDS)
                raise InputError(f"{where}: {wanted}: expected a text field")
            texts.append(record[name])
        return _texts(path, texts, "jsonl")
    return _usage_log(path, records, model)


def _is_usage(record: dict, column: str | None) -> bool:
    """A record with usage counts (or a streaming event of a usage log) is read as a usage
    log (exact) unless a text column is named."""
    if column is not None:
        return False
    from pricing.usage import read_call

    try:
        read_call(record)
    except InputError:
        return False
    return True


def _usage_log(path: Path, records: list[tuple[str, Any]], model: Any) -> OutputSamples:
    """Output lengths from a usage log, read by the usage reader (`budget usage`'s: streaming
    events, batch lines and failed requests as it reads them); where the log names models,
    only ``model``'s replies."""
    from budget.usage.read import outputs_of_records  # numpy: only for usage logs

    found = outputs_of_records(
        str(path),
        ((_line(where, index), record) for index, (where, record) in enumerate(records)),
        model,
    )
    return OutputSamples(
        tuple(found.lengths.tolist()),
        tuple(found.cut.tolist()),
        "usage",
        str(path),
        note=found.note,
        other_models=found.other_models,
    )


def _line(where: str, index: int) -> int:
    """The line of a record's place (``FILE:LINE``); a JSON array's element by position."""
    head, _, number = where.rpartition(":")
    return int(number) if head and number.isdigit() else index + 1


def _csv(
    path: Path, raw: str, model: Any, column: str | None, delimiter: str
) -> OutputSamples | SampleTexts:
    reader = csv.reader(io.StringIO(raw), delimiter=delimiter, strict=True)
    try:
        header = next(reader, [])
        if column is not None:
            if column not in header:
                columns = ", ".join(header)
                raise InputError(f"{path}:1: {column}: no such column (columns: {columns})")
            name = column
        else:
            name = next((h for h in (*TEXT_FIELDS, *COUNT_FIELDS) if h in header), None)
            if name is None:
                wanted = ", ".join((*TEXT_FIELDS, *COUNT_FIELDS))
                raise InputError(f"{path}:1: expected a column named one of {wanted} (or --column)")
        index = header.index(name)
        rows = [(f"{path}:{line}", row[index]) for line, row in csv_rows(reader, path, header)]
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: invalid CSV ({exc})") from None
    values = [(where, value) for where, value in rows if value.strip()]
    if not values:
        raise InputError(f"{path}: column {name!r} is empty (need at least one output length)")
    if name in COUNT_FIELDS or all(v.strip().isdigit() for _, v in values):
        lengths = [_count(value, where, name) for where, value in values]
        return OutputSamples(tuple(lengths), (False,) * len(lengths), "csv", str(path))
    return _texts(path, [value for _, value in values], "csv")


def _texts(path: Path, texts: list[str], kind: str) -> SampleTexts:
    if not texts:
        raise InputError(f"{path}: samples file is empty (need at least one output text)")
    return SampleTexts(tuple(texts), kind, str(path))
