"""Observed output lengths for `budget plan --samples` and a scenario's samples: the file read
by :mod:`budget.inputs.samples`, reply texts counted with the model's tokenizer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from budget.inputs.samples import OutputSamples, read_sample_file
from budget.tokenizers import tokenizer_for


def read_samples(
    path: str | Path,
    model: Any,
    *,
    fmt: str | None = None,
    column: str | None = None,
) -> OutputSamples:
    """Output lengths from a samples file (counts, a usage log, or reply texts counted with
    ``model``'s tokenizer)."""
    found = read_sample_file(path, model, fmt=fmt, column=column)
    if isinstance(found, OutputSamples):
        return found
    tokenizer = tokenizer_for(model)
    lengths = tokenizer.count_many(list(found.texts))
    return OutputSamples(
        tuple(lengths),
        (False,) * len(lengths),
        found.kind,
        found.source,
        exact=tokenizer.exact,
        tokenizer=tokenizer.name,
    )
