"""Token counts of one tokenizer in another's terms, measured on a bundled reference corpus.

A count made by one tokenizer (a logged call's, say) stands for a text that another tokenizer
would split into a different number of tokens. Where the text itself is at hand it is counted
with both; where it is not, the factor comes from the reference corpus in
``data/reference`` (English prose, code, JSON, CSV, logs, Chinese, Japanese, Korean, German,
Spanish, French; see its README): every document is counted with both tokenizers, the median of
the per-document ratios (target tokens per source token) converts, and the lowest and highest
ratio are the band the conversion carries. The corpus is counted when a conversion is asked
for, with the tokenizers in force (:func:`budget.tokenizers.tokenizer_for`), so a better
tokenizer bundled later changes the factors without a change here.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from budget.tokenizers.protocol import Tokenizer

CORPUS = Path(__file__).parent / "data" / "reference"


@dataclass(frozen=True)
class DocumentRatio:
    """One reference document counted with both tokenizers."""

    name: str
    source_tokens: int
    target_tokens: int

    @property
    def ratio(self) -> float:
        return self.target_tokens / self.source_tokens


@dataclass(frozen=True)
class Conversion:
    """How counts of ``source`` convert to ``target``: ``ratio`` target tokens per source
    token, within ``low`` .. ``high`` (the spread over the reference documents)."""

    source: str  # the tokenizers' names (catalog references)
    target: str
    ratio: float
    low: float
    high: float
    documents: tuple[DocumentRatio, ...] = ()
    exact: bool = False  # the same tokenizer: counts carry over unchanged

    @property
    def method(self) -> str:
        if self.exact:
            return f"same tokenizer ({self.source})"
        if self.source == self.target:  # two tokenizers estimated alike: no band to measure
            return (
                f"both counted by {self.source} here, so carried over; how the two tokenizers "
                "differ is not known (give their tokenizer files to measure it)"
            )
        return (
            f"{self.ratio:.3f} {self.target} tokens per {self.source} token, "
            f"{self.low:.3f}..{self.high:.3f} over {len(self.documents)} reference documents"
        )

    def as_dict(self) -> dict:
        return {
            "from": self.source,
            "to": self.target,
            "exact": self.exact,
            "ratio": round(self.ratio, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "documents": {d.name: round(d.ratio, 4) for d in self.documents},
        }


def reference_documents() -> list[tuple[str, str]]:
    """(file name, text) of every document of the reference corpus, by name."""
    return [
        (path.name, path.read_text(encoding="utf-8"))
        for path in sorted(CORPUS.iterdir())
        if path.is_file() and path.name != "README.md"
    ]


def same_tokenizer(name: str) -> Conversion:
    """Counts of a tokenizer in its own terms: unchanged, exact."""
    return Conversion(name, name, 1.0, 1.0, 1.0, exact=True)


def measure(source: Tokenizer, target: Tokenizer) -> Conversion:
    """The conversion from ``source``'s counts to ``target``'s, measured on the corpus. Two
    real tokenizers of one name are one tokenizer; two estimates of one name may stand for
    different tokenizers (an ``hf:`` model without its file estimates, as another does), so
    theirs is measured, and stays an estimate."""
    if source.name == target.name and source.exact and target.exact:
        return same_tokenizer(source.name)
    documents = reference_documents()
    texts = [text for _, text in documents]
    counted = zip(source.count_many(texts), target.count_many(texts), strict=True)
    found = tuple(
        DocumentRatio(name, mine, theirs)
        for (name, _), (mine, theirs) in zip(documents, counted, strict=True)
    )
    ratios = [document.ratio for document in found]
    return Conversion(
        source.name, target.name, statistics.median(ratios), min(ratios), max(ratios), found
    )
