"""What a max_tokens setting costs, from the pricing engine (:func:`pricing.engine.cost`):

* worst case: the input plus a reply of exactly max_tokens;
* expected: the input plus the expected reply, capped at max_tokens (a longer reply is cut
  and billed at max_tokens). The expected reply is the given ``expected_output``, a task
  preset's midpoint, or the mean over samples; the reasoning budget is assumed spent in full;
* continuation: what a cut reply costs on top, by :func:`follow_up_tokens`, the one rule for
  ``plan`` (per call, Decimal) and ``report``/``whatif`` (numpy arrays over simulated calls):

  - ``continue`` (the default): one more call that re-sends the input plus the cut reply
    (input + max_tokens) and generates the rest (wanted - max_tokens);
  - ``retry``: the call is sent again (the input re-sent) with room for the whole reply,
    which is generated again (wanted).

  The follow-up reads from cache what the first call read (the same prefix, seconds later) and
  writes nothing new; it goes through the batch API when the first call did. One follow-up
  per cut reply: a rest longer than max_tokens is assumed sent with room for it.
  continuation_cost_usd is the sum of those costs divided by the number of calls, i.e.
  truncation rate x the mean cost of a follow-up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from budget.inputs.samples import OutputSamples
from pricing.catalog import Model
from pricing.engine import Usage, cost

ON_TRUNCATION = ("continue", "retry")
DEFAULT_ON_TRUNCATION = "continue"

Count = TypeVar("Count")  # an int (one call) or an int64 numpy array (many calls)


def follow_up_tokens(
    input_tokens: Count,
    cache_read_tokens: Count,
    wanted: Count,
    max_tokens: int,
    on_truncation: str = DEFAULT_ON_TRUNCATION,
) -> tuple[Count, Count, Count]:
    """(input, cache read, output) tokens of the call that follows a cut reply; zeros where
    the reply fit (``wanted <= max_tokens``). Plain arithmetic, so the same lines serve one
    call (ints, priced with Decimals) and a projection (numpy arrays, priced in bulk)."""
    if on_truncation not in ON_TRUNCATION:
        raise ValueError(f"on_truncation: expected one of {ON_TRUNCATION}, got {on_truncation!r}")
    cut = wanted > max_tokens  # a bool, or a bool array
    if on_truncation == "continue":
        sent, generated = input_tokens + max_tokens, wanted - max_tokens
    else:
        sent, generated = input_tokens, wanted
    return sent * cut, cache_read_tokens * cut, generated * cut


def follow_up_usage(
    input_tokens: int,
    wanted: int,
    max_tokens: int,
    on_truncation: str = DEFAULT_ON_TRUNCATION,
    cache_read_tokens: int = 0,
) -> Usage:
    """The follow-up of one cut call as a :class:`Usage` (all zeros when it was not cut)."""
    sent, read, generated = follow_up_tokens(
        input_tokens, cache_read_tokens, wanted, max_tokens, on_truncation
    )
    return Usage(int(sent), int(generated), cache_read_tokens=int(read))


def worst_case_cost(model: Model, input_tokens: int, max_tokens: int) -> Decimal:
    """The input plus a reply of exactly max_tokens."""
    return cost(model, Usage(input_tokens, max_tokens)).total_usd


@dataclass(frozen=True)
class Truncation:
    rate: float | None  # share of samples longer than max_tokens; None without samples
    is_lower_bound: bool  # some replies cut in the log may or may not fit now
    continuation_cost_usd: Decimal | None  # per call, averaged over all samples


def truncation(
    model: Model,
    input_tokens: int,
    max_tokens: int,
    lengths: list[int] | None,
    samples: OutputSamples | None,
    on_truncation: str = DEFAULT_ON_TRUNCATION,
) -> Truncation:
    """How often replies of these lengths exceed max_tokens, and the continuation cost per
    call. A reply cut in the log at length L is longer than L: it exceeds max_tokens for
    sure when L >= max_tokens (taken as wanting at least one token more), and is unknown
    (not counted) when L < max_tokens."""
    if lengths is None or samples is None:
        return Truncation(None, False, None)
    wanted: Counter[int] = Counter()
    unknown = 0
    for length, cut in zip(lengths, samples.truncated, strict=True):
        if cut and length < max_tokens:
            unknown += 1
        elif cut:
            wanted[max(max_tokens + 1, length)] += 1
        elif length > max_tokens:
            wanted[length] += 1
    total = sum(wanted.values())
    continuation = sum(
        (
            cost(model, follow_up_usage(input_tokens, length, max_tokens, on_truncation)).total_usd
            * count
            for length, count in wanted.items()
        ),
        Decimal(0),
    ) / len(lengths)
    return Truncation(total / len(lengths), unknown > 0, continuation)


def expected_cost(
    model: Model, input_tokens: int, max_tokens: int, lengths: list[int] | None, typical: int
) -> tuple[Decimal, Decimal]:
    """(expected billed output tokens, expected cost) with replies capped at max_tokens."""
    if lengths is None:
        output = min(typical, max_tokens)
        return Decimal(output), cost(model, Usage(input_tokens, output)).total_usd
    counts = Counter(min(length, max_tokens) for length in lengths)
    total = sum(
        (cost(model, Usage(input_tokens, out)).total_usd * n for out, n in counts.items()),
        Decimal(0),
    )
    mean_output = Decimal(sum(out * n for out, n in counts.items())) / len(lengths)
    return mean_output, total / len(lengths)
