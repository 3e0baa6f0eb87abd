"""Estimates for models whose tokenizer is not public (Claude, Gemini, unknown models).

Method, per family: input tokens = ceil(characters / characters_per_token) + a fixed cost per
message, per image and for tool use. Every count made here is labelled ``exact: false``.

Factors and their sources (the defaults; ``budget calibrate`` fits your own):

* ``anthropic``: 3.5 characters per token. Anthropic's own guidance put a Claude token at
  about 3.5 English characters, and Claude's tokenizer splits English text into more
  tokens than OpenAI's o200k_base (about 4 characters per token), so 3.5 errs on the side of
  more tokens. Images: Anthropic documents ``tokens = width * height / 750``; an image
  of unknown size is taken at 1,600 tokens, about the most one costs after Anthropic's
  resize to 1.15 megapixels. Tool use: Anthropic documents a tool-use system prompt of 346
  tokens (Claude 4 models, tool_choice auto) on top of the definitions themselves.
* ``gemini``: 4 characters per token, Google's "a token is about 4 characters" for Gemini
  models. Images: 258 tokens each, Google's figure for an image up to 384 pixels a side
  (larger ones are tiled, so this is a floor).
* ``generic`` and any unknown family: 4 characters per token, the usual rule of thumb for
  English with a modern BPE tokenizer.

Per-message cost: 3 tokens, the role and delimiter tokens OpenAI publishes for its chat
format; no other provider publishes theirs, so this is an assumption, small beside the text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from budget.tokenizers.bands import (
    ANTHROPIC_RATIOS,
    BANDS,
    CORPUS,
    COVERAGE,
    TYPICAL_KINDS,
    Band,
    band_for,
    corpus_samples,
    percentile,
    rounded_up,
)
from budget.tokenizers.protocol import Request, RequestCount
from budget.tokenizers.structure import RequestParts, request_parts


@dataclass(frozen=True)
class Family:
    chars_per_token: float
    per_message: int
    image_pixels_per_token: float | None  # None: a flat cost per image
    image_tokens: int  # per image of unknown size (or every image, if flat)
    tool_use_overhead: int
    label: str


FAMILIES: dict[str, Family] = {
    "anthropic": Family(3.5, 3, 750.0, 1600, 346, "Anthropic"),
    "gemini": Family(4.0, 3, None, 258, 0, "Gemini"),
    "generic": Family(4.0, 3, None, 765, 0, "generic"),
}


class EstimateTokenizer:
    """Characters-per-token estimate with a family's structure costs; never exact."""

    exact = False
    chunk_safe = True  # character counts add up (round once: tokens_for_characters)
    warning: str | None = None  # for stderr: why an --online count is an estimate after all

    def __init__(
        self,
        family: str,
        *,
        chars_per_token: float | None = None,
        calibration_note: str | None = None,
        band: Band | None = None,
    ):
        self.family_name = family
        self.family = FAMILIES.get(family, FAMILIES["generic"])
        self.chars_per_token = chars_per_token or self.family.chars_per_token
        self.name = f"estimate:{family}"
        source = calibration_note or f"{self.family.label} default"
        self.method = f"estimate: 1 token per {self.chars_per_token:g} characters ({source})"
        # the expected error: a calibration's own, else the family's (budget.tokenizers.bands)
        self.band = band or band_for(family)

    def _tokens_for_chars(self, characters: int) -> int:
        return math.ceil(characters / self.chars_per_token) if characters else 0

    def tokens_for_characters(self, characters: int) -> int:
        """The estimate of a text of that many characters (a text counted in pieces is
        rounded up once, from the sum of their lengths)."""
        return self._tokens_for_chars(characters)

    def count_text(self, text: str) -> int:
        return self._tokens_for_chars(len(text))

    def count_many(self, texts: list[str]) -> list[int]:
        return [self._tokens_for_chars(len(text)) for text in texts]

    def fixed_tokens(self, request: Request) -> tuple[int, int]:
        """(characters of text, tokens that do not depend on the text) for one request."""
        return self._fixed(request_parts(request))

    def _fixed(self, parts: RequestParts) -> tuple[int, int]:
        fixed = parts.messages * self.family.per_message
        if parts.tools:
            fixed += self.family.tool_use_overhead
        for size in parts.images:
            if size is not None and self.family.image_pixels_per_token:
                fixed += math.ceil(size[0] * size[1] / self.family.image_pixels_per_token)
            else:
                fixed += self.family.image_tokens
        return sum(len(text) for text in parts.texts), fixed

    def count_request(self, request: Request) -> RequestCount:
        parts = request_parts(request)
        characters, fixed = self._fixed(parts)
        return RequestCount(
            self._tokens_for_chars(characters) + fixed, exact=False, notes=self._notes(parts)
        )

    def _notes(self, parts: RequestParts) -> tuple[str, ...]:
        """The assumptions beyond characters per token that went into a request's count."""
        notes = []
        family = self.family
        if family.image_pixels_per_token and None in parts.images:
            notes.append(
                f"images: no size given, so {family.image_tokens:,} tokens assumed per image "
                f"({family.label} estimate; width x height / {family.image_pixels_per_token:g} "
                "when the size is given)"
            )
        elif parts.images and not family.image_pixels_per_token:
            notes.append(
                f"images: {family.image_tokens:,} tokens assumed per image "
                f"({family.label} estimate)"
            )
        if parts.tools and self.family.tool_use_overhead:
            notes.append(
                f"tool use: {self.family.tool_use_overhead:,} tokens assumed for the "
                f"tool-use system prompt ({self.family.label})"
            )
        return tuple(notes)

    def count_messages(self, messages: list[dict], tools: list[dict] | None = None) -> int:
        return self.count_request(Request(messages=messages, tools=tools)).tokens


def measure_bands(path: Path = CORPUS) -> dict[str, float]:
    """Each family's band from the bundled corpus, as :data:`budget.tokenizers.bands.BANDS`
    records it (loads tiktoken and the Gemma vocabulary: for tests and maintainers)."""
    from budget.tokenizers.gemma_backend import load_vocabulary
    from budget.tokenizers.tiktoken_backend import load_encoding

    o200k, cl100k = load_encoding("o200k_base"), load_encoding("cl100k_base")
    gemma = load_vocabulary("gemma3")
    errors: dict[str, list[float]] = {family: [] for family in BANDS}
    for kind, text in corpus_samples(path):
        if kind not in TYPICAL_KINDS:
            continue

        def estimate(family: str, text: str = text) -> int:
            return math.ceil(len(text) / FAMILIES[family].chars_per_token)

        o200k_count = len(o200k.encode_ordinary(text))
        gemma_count = len(gemma.encode(text, add_special_tokens=False))
        errors["gemini"].append(abs(estimate("gemini") / gemma_count - 1))
        for exact in (o200k_count, len(cl100k.encode_ordinary(text))):
            errors["generic"].append(abs(estimate("generic") / exact - 1))
        errors["anthropic"].append(
            max(abs(estimate("anthropic") / (o200k_count * r) - 1) for r in ANTHROPIC_RATIOS)
        )
    return {family: rounded_up(percentile(found, COVERAGE)) for family, found in errors.items()}
