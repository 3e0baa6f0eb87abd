"""What a max_tokens setting costs, from the pricing engine (:func:`pricing.engine.cost`):

* worst case: the input plus a reply of exactly max_tokens;
* expected: the input plus the expected reply, capped at max_tokens (a longer reply is cut
  and billed at max_tokens). The expected reply is the given ``expected_output``, a task
  preset's midpoint, or the mean over samples; the reasoning budget is assumed spent in full;
* continuation: for each sample longer than max_tokens, one more call that re-sends the input
  plus the cut reply (input + max_tokens) and generates the rest (length - max_tokens);
  continuation_cost_usd is the sum of those costs divided by the number of samples, i.e.
  truncation rate x the mean cost of a continuation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from budget.inputs.samples import OutputSamples
from pricing.catalog import Model
from pricing.engine import Usage, cost


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
) -> Truncation:
    """How often replies of these lengths exceed max_tokens, and the continuation cost per
    call. A reply cut in the log at length L is longer than L: it exceeds max_tokens for
    sure when L >= max_tokens, and is unknown (not counted) when L < max_tokens."""
    if lengths is None or samples is None:
        return Truncation(None, False, None)
    excesses: Counter[int] = Counter()
    unknown = 0
    for length, cut in zip(lengths, samples.truncated, strict=True):
        if cut and length < max_tokens:
            unknown += 1
        elif cut:
            excesses[max(1, length - max_tokens)] += 1
        elif length > max_tokens:
            excesses[length - max_tokens] += 1
    total = sum(excesses.values())
    continuation = sum(
        (
            cost(model, Usage(input_tokens + max_tokens, excess)).total_usd * count
            for excess, count in excesses.items()
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
