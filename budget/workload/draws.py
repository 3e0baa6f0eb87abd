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
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from budget.workload.scenario import Fixed, LogNormal, Observed, PromptFiles, Scenario, TokenSpec
from pricing.catalog import Model
from pricing.errors import InputError

Z95 = 1.6448536269514722  # one-sided 95% point of the standard normal


def lognormal_sigma(p50: float, p95: float) -> float:
    return math.log(p95 / p50) / Z95


@dataclass(frozen=True)
class Pool:
    """Observed token counts that calls are drawn among, read before the simulation."""

    counts: np.ndarray  # int64
    cut_share: float = 0.0  # replies cut at their max_tokens (a usage log): lower bounds
    note: str | None = None  # which logged replies were taken (one model's, or all)
    exact: bool = True  # False: texts counted with an estimating tokenizer
    tokenizer: str | None = None  # what counted texts (None: counts given or provider-reported)
    method: str | None = None  # how an estimate was made ("1 token per 3.5 characters ...")


def draw_tokens(spec: TokenSpec, n: int, rng: np.random.Generator, pool: Pool | None) -> np.ndarray:
    """``n`` token counts (int64). Always consumes the same random stream for a spec, so every
    model of a scenario sees the same calls. Files are read before (``pool``), never here."""
    if isinstance(spec, Fixed):
        return np.full(n, spec.tokens, dtype=np.int64)
    if isinstance(spec, LogNormal):
        sigma = lognormal_sigma(spec.p50, spec.p95)
        values = np.rint(rng.lognormal(math.log(spec.p50), sigma, n))
        return np.maximum(values, 1).astype(np.int64)
    if pool is None:  # pragma: no cover - callers read the pool of every file-backed spec
        raise ValueError(f"{spec!r} needs its pool read first (PoolReader)")
    return pool.counts[rng.integers(0, len(pool.counts), n)]


@dataclass(frozen=True)
class ObservedLog:
    """A usage log that output lengths are resampled from, and its share of cut replies."""

    path: Path
    cut_share: float  # replies cut at their max_tokens: their lengths are lower bounds
    note: str | None = None  # which logged replies were taken (one model's, or all)


def output_log(scenario: Scenario, pool: Pool | None) -> ObservedLog | None:
    """The scenario's ``output_tokens: {usage_log: FILE}`` with its cut share, else None."""
    spec = scenario.output_tokens
    if pool is None or not (isinstance(spec, Observed) and spec.kind == "usage_log"):
        return None
    return ObservedLog(spec.path, pool.cut_share, pool.note)


class PoolReader:
    """Reads the files a scenario draws from: prompt files counted with a model's tokenizer,
    samples and usage logs read. Each file once per tokenizer for as long as the reader
    lives: one projection, or one what-if grid. Nothing is kept between them."""

    def __init__(self) -> None:
        self._read: dict[tuple[TokenSpec, str], Pool] = {}  # (spec, whose) -> pool

    def pool(self, spec: TokenSpec, model: Model, scenario: Scenario, key: str) -> Pool | None:
        """The pool of a file-backed spec (None for ``fixed`` and ``p50/p95``)."""
        if isinstance(spec, Fixed | LogNormal):
            return None
        # Prompt files depend on the model's tokenizer only; samples and logs on the model
        # (only its replies where a log names models, texts counted with its tokenizer).
        whose = (
            model.tokenizer if isinstance(spec, PromptFiles) else f"{model.id} {model.tokenizer}"
        )
        if (spec, whose) not in self._read:
            self._read[spec, whose] = _read_pool(spec, model, scenario, key)
        return self._read[spec, whose]


def _read_pool(spec: TokenSpec, model: Model, scenario: Scenario, key: str) -> Pool:
    cut_share, note = 0.0, None
    exact, tokenizer, method = True, None, None
    try:
        if isinstance(spec, PromptFiles):
            counts, exact, tokenizer, method = _prompt_counts(spec, model)
        elif isinstance(spec, Observed) and spec.kind == "usage_log":
            from budget.usage.price import observed_outputs

            outputs = observed_outputs([str(spec.path)], model)
            counts, cut_share, note = outputs.lengths, outputs.cut_share, outputs.note
        elif isinstance(spec, Observed):
            from budget.tokenizers.samples import read_samples

            samples = read_samples(spec.path, model)
            counts = np.array(samples.lengths, dtype=np.int64)
            exact, tokenizer = samples.exact, samples.tokenizer
        else:  # pragma: no cover - the scenario checker admits no other form
            raise InputError(f"unsupported token specification {spec!r}")
    except InputError as exc:
        raise scenario.error(key, str(exc)) from None
    if len(counts) == 0:
        raise scenario.error(key, "no token counts found")
    return Pool(counts, cut_share, note, exact, tokenizer, method)


def _prompt_counts(spec: PromptFiles, model: Model) -> tuple[np.ndarray, bool, str, str]:
    """One count per prompt (a text file is one prompt, a JSONL or CSV file one per record),
    whether every count is exact, the tokenizer and its method."""
    from budget.tokenizers.count import count_paths

    counts: list[int] = []
    exact, tokenizer, method = True, model.tokenizer, ""
    for path in spec.paths:
        records: list[int] = []
        result = count_paths([str(path)], model, on_record=_collect(records))
        counts.extend(records or [result.tokens])
        exact, tokenizer, method = exact and result.exact, result.tokenizer, result.method
    return np.array(counts, dtype=np.int64), exact, tokenizer, method


def _collect(into: list[int]):
    return lambda record: into.append(record.tokens)


def with_system_prompt_counted(scenario: Scenario, model: Model, reader: PoolReader) -> Scenario:
    """A conversation whose system prompt is a file (`system_tokens: {prompt_file: ...}`),
    with the file counted by ``model``'s tokenizer: the whole file is the one prompt every
    turn re-sends. Other scenarios are returned as they are."""
    talk = scenario.conversation
    if talk is None or not isinstance(talk.system_tokens, PromptFiles):
        return scenario
    pool = reader.pool(talk.system_tokens, model, scenario, "conversation.system_tokens")
    tokens = int(pool.counts.sum())
    return replace(scenario, conversation=replace(talk, system_tokens=tokens))
