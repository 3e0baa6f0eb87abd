"""Token counts per simulated call, drawn from a scenario's input or output specification.

* ``{fixed: N}``: every call N tokens.
* ``{p50: A, p95: B}``: log-normal with median A and 95th percentile B
  (mu = ln A, sigma = ln(B / A) / 1.6449), rounded to whole tokens, at least 1.
* ``{prompt_files: [...]}``: each file is one prompt, counted with the model's tokenizer;
  calls draw among the files uniformly.
* ``{samples: FILE}`` / ``{usage_log: FILE}``: observed output lengths, resampled with
  replacement (usage logs count reasoning inside output tokens).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from budget.workload.scenario import Fixed, LogNormal, Observed, PromptFiles, Scenario, TokenSpec
from pricing.catalog import Model
from pricing.errors import InputError

Z95 = 1.6448536269514722  # one-sided 95% point of the standard normal

# (spec, tokenizer, file mtimes) -> (counts, share of cut replies): several models of one
# scenario read a file once
_observed_cache: dict[tuple, tuple[np.ndarray, float]] = {}


def lognormal_sigma(p50: float, p95: float) -> float:
    return math.log(p95 / p50) / Z95


def draw_tokens(
    spec: TokenSpec, n: int, rng: np.random.Generator, model: Model, scenario: Scenario, key: str
) -> np.ndarray:
    """``n`` token counts (int64). Always consumes the same random stream for a spec, so every
    model of a scenario sees the same calls."""
    if isinstance(spec, Fixed):
        return np.full(n, spec.tokens, dtype=np.int64)
    if isinstance(spec, LogNormal):
        sigma = lognormal_sigma(spec.p50, spec.p95)
        values = np.rint(rng.lognormal(math.log(spec.p50), sigma, n))
        return np.maximum(values, 1).astype(np.int64)
    pool = observed_pool(spec, model, scenario, key)
    return pool[rng.integers(0, len(pool), n)]


@dataclass(frozen=True)
class ObservedLog:
    """A usage log that output lengths are resampled from, and its share of cut replies."""

    path: Path
    cut_share: float  # replies cut at their max_tokens: their lengths are lower bounds


def observed_pool(spec: TokenSpec, model: Model, scenario: Scenario, key: str) -> np.ndarray:
    """The token counts calls are drawn among (files counted, samples or log read)."""
    return _observed(spec, model, scenario, key)[0]


def output_log(scenario: Scenario, model: Model) -> ObservedLog | None:
    """The scenario's ``output_tokens: {usage_log: FILE}`` with its cut share, else None."""
    spec = scenario.output_tokens
    if not (isinstance(spec, Observed) and spec.kind == "usage_log"):
        return None
    return ObservedLog(spec.path, _observed(spec, model, scenario, "output_tokens")[1])


def _observed(
    spec: TokenSpec, model: Model, scenario: Scenario, key: str
) -> tuple[np.ndarray, float]:
    paths = spec.paths if isinstance(spec, PromptFiles) else (spec.path,)
    cache_key = (repr(spec), model.tokenizer, tuple(p.stat().st_mtime_ns for p in paths))
    if cache_key in _observed_cache:
        return _observed_cache[cache_key]
    cut_share = 0.0
    try:
        if isinstance(spec, PromptFiles):
            pool = _prompt_counts(spec, model)
        elif isinstance(spec, Observed) and spec.kind == "usage_log":
            from budget.usage.price import observed_outputs

            outputs = observed_outputs([str(spec.path)])
            pool, cut_share = outputs.lengths, outputs.cut_share
        elif isinstance(spec, Observed):
            from budget.inputs.samples import read_samples

            pool = np.array(read_samples(spec.path, model).lengths, dtype=np.int64)
        else:  # pragma: no cover - the scenario checker admits no other form
            raise InputError(f"unsupported token specification {spec!r}")
    except InputError as exc:
        raise scenario.error(key, str(exc)) from None
    if len(pool) == 0:
        raise scenario.error(key, "no token counts found")
    _observed_cache[cache_key] = pool, cut_share
    return pool, cut_share


def _prompt_counts(spec: PromptFiles, model: Model) -> np.ndarray:
    """One count per prompt: a text file is one prompt, a JSONL or CSV file one per record."""
    from budget.tokenizers.count import count_paths

    counts: list[int] = []
    for path in spec.paths:
        records: list[int] = []
        result = count_paths([str(path)], model, on_record=_collect(records))
        counts.extend(records or [result.tokens])
    return np.array(counts, dtype=np.int64)


def _collect(into: list[int]):
    return lambda record: into.append(record.tokens)
