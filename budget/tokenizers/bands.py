"""How wrong an estimate may be: each estimate family's expected error band, and where it
comes from.

A band of 0.15 means the estimate is expected within +/-15% of the real count for 9 in 10
typical texts. Typical: prose in a Latin script, code and Markdown (the ``TYPICAL_KINDS`` of
the corpus). Numbers, logs, emoji-heavy chat and Chinese, Japanese or Korean text run far
more tokens per character than any characters-per-token rule assumes: there an estimate can
be 30-70% low, which is what ``budget calibrate`` on your own logs is for.

Derivation (``measure_bands``, re-run by the tests): the bundled corpus
``data/band_corpus.jsonl`` (24 samples: this project's own prose, code, YAML, JSON, CSV and
logs, and short texts in German, French, Spanish, Chinese, Japanese and Korean written for
it) is counted by each estimate and by the exact tokenizers this package ships; the error of
a sample is estimate / exact - 1; the band is the 90th percentile (nearest rank) of the
absolute errors over the typical samples, rounded up to the next 5%.

* ``gemini`` (4 characters a token) against the Gemma 3 vocabulary, the nearest published
  relative of the Gemini models still estimated (Gemma 4 and Gemma 2 vocabularies).
* ``generic`` (4 characters a token) against o200k_base and cl100k_base.
* ``anthropic`` (3.5 characters a token): Claude's tokenizer is not public. Published
  comparisons put its count 16% (English articles) to 30% (Python code) above GPT-4o's
  o200k_base (Lavanya Gupta, VentureBeat, 2025-05-01, ``ANTHROPIC_SOURCE``); the exact
  reference is o200k_base times 1.16 and times 1.30, each sample's worse error. Anthropic
  says the tokenizer of Claude Opus 4.7 and later uses 1.0-1.35x the tokens of earlier
  models, which this band does not cover: calibrate for those.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "data" / "band_corpus.jsonl"
TYPICAL_KINDS = frozenset(
    {"english prose", "english markdown", "python code", "markdown table"}
    | {"german", "french", "spanish"}
)
ANTHROPIC_SOURCE = (
    "https://venturebeat.com/ai/hidden-costs-in-ai-deployment-why-claude-models-may-be-20-30-"
    "more-expensive-than-gpt-in-enterprise-settings/"
)
ANTHROPIC_RATIOS = (1.16, 1.30)  # Claude tokens per o200k_base token, English .. Python code
COVERAGE = 0.9  # the share of typical texts inside the band


@dataclass(frozen=True)
class Band:
    fraction: float  # 0.15: the estimate is expected within +/-15% of the real count
    basis: str  # where the figure comes from, for people


BANDS: dict[str, Band] = {
    "gemini": Band(
        0.15,
        "9 in 10 typical texts (prose, code, Markdown) of the bundled corpus against the "
        "Gemma 3 vocabulary; numbers, logs and CJK text can be 30-70% low",
    ),
    "anthropic": Band(
        0.20,
        "9 in 10 typical texts of the bundled corpus against o200k_base x 1.16-1.30, the "
        f"published Claude/GPT-4o ratio ({ANTHROPIC_SOURCE}); numbers, logs and CJK text can "
        "be 30-70% low, and Claude Opus 4.7 and later count up to 35% more",
    ),
    "generic": Band(
        0.15,
        "9 in 10 typical texts (prose, code, Markdown) of the bundled corpus against "
        "o200k_base and cl100k_base; numbers, logs and CJK text can be 30-70% low",
    ),
}


def band_for(family: str) -> Band:
    return BANDS.get(family, BANDS["generic"])


def band_of(tokenizer: object) -> Band | None:
    """The error band of a tokenizer's counts: None when it is exact."""
    return None if getattr(tokenizer, "exact", True) else getattr(tokenizer, "band", None)


def rounded_up(fraction: float, step: float = 0.05) -> float:
    """``fraction`` rounded up to the next multiple of ``step`` (0.131 -> 0.15)."""
    return round(math.ceil(round(fraction / step, 9)) * step, 4)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with ``share`` of the values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def corpus_samples(path: Path = CORPUS) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return [(row["kind"], row["text"]) for row in map(json.loads, handle)]
