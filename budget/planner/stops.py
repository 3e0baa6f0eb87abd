"""Stop-sequence lint: will these stop sequences be accepted, and will they fire too early?

Providers match stop sequences case-sensitively on the generated text, anywhere in it (not on
word boundaries): "END" does not fire inside "weekend", but "end" does. With a sample of
legitimate output, every exact occurrence is a place the reply would have been cut; case-folded
occurrences that do not match exactly are listed as near misses (they do not fire).

Limits on how many sequences an API takes come from the catalog (``stop_sequences_max``):
OpenAI 4, Gemini 5; Anthropic's Messages API documents no limit (None: not checked).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pricing.errors import InputError

# A stop sequence this short, or one of these words, turns up in ordinary prose and code.
SHORT_SEQUENCE_CHARS = 2
MAX_TOKENS_PER_SEQUENCE = 5  # more than this and a sequence is probably a sentence, not a marker
CONTEXT_CHARS = 20  # characters shown either side of a hit
HITS_LISTED_PER_PROBLEM = 3

_COMMON_WORDS_TEXT = """
    a about after all also an and answer any are as at be because been but by can could
    day do done end even first for from get give go good have he her here him his how i if
    in into is it its just know like look make me most my new no not now of on one only or
    other our out over people say see she so some stop take than that the their them then
    there these they think this time to two up us use want way we well what when which who
    will with work would year you your yes ok okay
"""
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())


@dataclass(frozen=True)
class StopHit:
    """One place in the sample text where a sequence occurs."""

    sequence: str
    line: int  # 1-based
    column: int  # 1-based, in characters
    context: str  # the text around it, on one line
    exact: bool  # True: a case-sensitive match, it would fire; False: a case-folded near miss


@dataclass(frozen=True)
class StopsResult:
    model: str
    ok: bool
    problems: tuple[str, ...]
    sequences: tuple[str, ...]
    token_counts: tuple[int, ...]  # per sequence, with the model's tokenizer
    tokenizer: str | None
    exact: bool  # whether token_counts come from the real tokenizer
    stop_sequences_max: int | None
    hits: tuple[StopHit, ...]  # would fire early
    near_misses: tuple[StopHit, ...]  # differ only in case: would not fire

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "ok": self.ok,
            "problems": list(self.problems),
            "sequences": [
                {"sequence": seq, "tokens": count}
                for seq, count in zip(self.sequences, self.token_counts, strict=True)
            ],
            "tokenizer": self.tokenizer,
            "exact": self.exact,
            "stop_sequences_max": self.stop_sequences_max,
            "hits": [_hit_dict(hit) for hit in self.hits],
            "near_misses": [_hit_dict(hit) for hit in self.near_misses],
        }


def _hit_dict(hit: StopHit) -> dict[str, Any]:
    return {
        "sequence": hit.sequence,
        "line": hit.line,
        "column": hit.column,
        "context": hit.context,
    }


def lint_stops(
    model: Any,
    sequences: Sequence[str],
    sample_text: str | None = None,
    *,
    max_tokens_per_sequence: int = MAX_TOKENS_PER_SEQUENCE,
    token_counts: Sequence[int] | None = None,
) -> StopsResult:
    """Check stop sequences for ``model`` (a catalog Model), optionally against sample output.

    ``token_counts`` may be given to skip the tokenizer (one count per sequence)."""
    sequences = tuple(sequences)
    if not sequences:
        raise InputError("stops: expected at least one stop sequence")
    problems = refused_stops(model, len(sequences))
    limit = model.stop_sequences_max if model.supports_stop else 0

    tokenizer_name, exact = None, True
    if token_counts is None:
        token_counts, tokenizer_name, exact = _count_tokens(model, sequences)
    elif len(token_counts) != len(sequences):
        raise InputError("stops: expected one token count per sequence")

    seen: set[str] = set()
    for sequence, tokens in zip(sequences, token_counts, strict=True):
        shown = _show(sequence)
        if sequence in seen:
            problems.append(f"{shown} is given twice")
        seen.add(sequence)
        problems.extend(_sequence_problems(sequence, shown, tokens, max_tokens_per_sequence, exact))

    hits: list[StopHit] = []
    near_misses: list[StopHit] = []
    if sample_text is not None:
        # Whitespace-only sequences included: "\n\n" is found between paragraphs like any other.
        for sequence in dict.fromkeys(s for s in sequences if s):
            exact_hits, misses = find_occurrences(sequence, sample_text)
            hits.extend(exact_hits)
            near_misses.extend(misses)
            if exact_hits:
                problems.append(_early_fire_problem(sequence, exact_hits))

    return StopsResult(
        model=model.id,
        ok=not problems,
        problems=tuple(problems),
        sequences=sequences,
        token_counts=tuple(token_counts),
        tokenizer=tokenizer_name,
        exact=exact,
        stop_sequences_max=limit,
        hits=tuple(hits),
        near_misses=tuple(near_misses),
    )


def refused_stops(model: Any, count: int) -> list[str]:
    """What ``model``'s API refuses about ``count`` stop sequences: any at all where it takes
    none (OpenAI's reasoning models), more than its ``stop_sequences_max`` (OpenAI 4)."""
    if not model.supports_stop:
        # It takes none: the API's usual limit is no advice here.
        return [f"{model.id} does not accept stop sequences"]
    limit = model.stop_sequences_max
    if limit is not None and count > limit:
        return [
            f"{count} stop sequences given; {model.id} takes at most {limit} (drop {count - limit})"
        ]
    return []


def _sequence_problems(
    sequence: str, shown: str, tokens: int, max_tokens: int, exact: bool
) -> list[str]:
    if sequence == "":
        return ["an empty stop sequence: providers reject it or it matches everywhere"]
    if not sequence.strip():
        # It matches only where the reply has exactly this run of whitespace ("\n\n" between
        # paragraphs, "  " in indented code); the sample, when given, says where.
        return [
            f"{shown} is whitespace only: it fires wherever the reply contains {shown} "
            "(between paragraphs, in indented code or lists), not only at its end"
        ]
    problems = []
    word = sequence.strip()
    # "end" and "End" are everyday words; "END" in capitals is a deliberate marker.
    if word.lower() in COMMON_WORDS and word in (word.lower(), word.capitalize()):
        problems.append(f"{shown} is a common word: it will fire inside ordinary text")
    elif len(word) <= SHORT_SEQUENCE_CHARS:
        problems.append(
            f"{shown} is {len(word)} character{'s' if len(word) > 1 else ''}: "
            "short strings turn up inside ordinary text and code"
        )
    if tokens > max_tokens:
        label = "" if exact else " (estimated)"
        problems.append(
            f"{shown} is {tokens} tokens{label}, more than {max_tokens}: the model is unlikely to "
            "produce it exactly; use a short distinctive marker"
        )
    return problems


def _early_fire_problem(sequence: str, hits: list[StopHit]) -> str:
    places = ", ".join(
        f"{hit.line}:{hit.column} ({hit.context!r})" for hit in hits[:HITS_LISTED_PER_PROBLEM]
    )
    more = (
        f" and {len(hits) - HITS_LISTED_PER_PROBLEM} more"
        if len(hits) > HITS_LISTED_PER_PROBLEM
        else ""
    )
    times = "once" if len(hits) == 1 else f"{len(hits)} times"
    return f"{_show(sequence)} would fire early {times} in the sample: at {places}{more}"


def find_occurrences(sequence: str, text: str) -> tuple[list[StopHit], list[StopHit]]:
    """Exact (case-sensitive) occurrences, and case-folded occurrences that are not exact."""
    if not sequence:
        return [], []
    line_starts = _line_starts(text)
    exact_positions = _positions(text, sequence)
    exact_set = set(exact_positions)
    folded_positions = []
    if sequence.lower() != sequence.upper():  # has letters, so case matters
        lowered = text.lower()
        if len(lowered) == len(text):  # lower() kept offsets (true except for rare letters)
            folded_positions = [
                p for p in _positions(lowered, sequence.lower()) if p not in exact_set
            ]
    hits = [_hit(text, line_starts, sequence, p, True) for p in exact_positions]
    misses = [_hit(text, line_starts, sequence, p, False) for p in folded_positions]
    return hits, misses


def _positions(text: str, sequence: str) -> list[int]:
    # Overlapping matches count: "==" fires at the first of "===" and after a cut at any of them.
    positions, start = [], text.find(sequence)
    while start != -1:
        positions.append(start)
        start = text.find(sequence, start + 1)
    return positions


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, char in enumerate(text) if char == "\n")
    return starts


def _hit(text: str, line_starts: list[int], sequence: str, position: int, exact: bool) -> StopHit:
    line_index = bisect.bisect_right(line_starts, position) - 1
    column = position - line_starts[line_index] + 1
    start = max(0, position - CONTEXT_CHARS)
    end = min(len(text), position + len(sequence) + CONTEXT_CHARS)
    context = text[start:end].replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return StopHit(sequence, line_index + 1, column, context, exact)


def _count_tokens(model: Any, sequences: tuple[str, ...]) -> tuple[list[int], str, bool]:
    from budget.tokenizers import tokenizer_for

    tokenizer = tokenizer_for(model)
    return [tokenizer.count_text(s) for s in sequences], tokenizer.name, tokenizer.exact


def _show(sequence: str) -> str:
    """A sequence as the user would type it, with line breaks and tabs visible."""
    return repr(sequence)
