"""The lines of a scenario's bill beyond the generation tokens: built-in tool fees per call
and a RAG service's embedding lines (the corpus, re-indexing, the query of every call).

Tool fees: each call uses a tool with the scenario's ``share`` (drawn per call after every
other draw, so adding a tool does not move the token draws), ``per_call`` times; a fee per
request (Gemini 2.5 grounding) counts a call once. Fees are the catalog's
(pricing/data/rules/tool_fees.yaml); sums are exact: uses x the Decimal fee per 1,000.

Embeddings: the corpus is embedded in month 1 and again every ``reindex_every_months``
(``reindex_share`` of it); every generation call embeds its query (``query_tokens``). Each
is priced like ``budget cost`` on the embedding model (the corpus at the batch rate when
``corpus_batch``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from budget.workload.draws import draw_tokens
from budget.workload.scenario import Scenario
from pricing.arrays import ArrayCosts
from pricing.catalog import Catalog, Model
from pricing.engine import Usage, cost
from pricing.errors import InputError
from pricing.rules import tool_fee


def add_tool_fees(
    costs: ArrayCosts,
    scenario: Scenario,
    model: Model,
    rng: np.random.Generator | list[np.random.Generator],
    calls: int | None = None,
) -> ArrayCosts:
    """``costs`` with each call's built-in tool fees added (per call and in the totals);
    ``rng``: the draw's generator, or one per tool (a chunk of a larger draw); ``calls``: only
    the first ones use tools (a conversation's turns, not the calls that write summaries)."""
    if not scenario.tools:
        return costs
    n = len(costs.total_usd) if calls is None else calls
    fees = np.zeros(len(costs.total_usd))
    uses_total, usd_total = 0, Decimal(0)
    for number, use in enumerate(scenario.tools):
        try:
            fee = tool_fee(model, use.tool)
        except InputError as exc:
            raise scenario.error(f"tools.{use.tool}", str(exc)) from None
        billed = 1 if fee.per == "request" else use.per_call
        stream = rng[number] if isinstance(rng, list) else rng
        uses = (stream.random(n) < use.share).astype(np.int64) * billed
        count = int(uses.sum())
        uses_total += count
        usd_total += fee.usd(1) * count
        fees[:n] += uses * float(fee.usd(1))
    totals = dataclasses.replace(
        costs.totals,
        tool_calls=costs.totals.tool_calls + uses_total,
        tool_usd=costs.totals.tool_usd + usd_total,
        total_usd=costs.totals.total_usd + usd_total,
    )
    return dataclasses.replace(costs, total_usd=costs.total_usd + fees, totals=totals)


@dataclass(frozen=True)
class EmbeddingLines:
    """What the embedding lines of the bill need: the model, the corpus cost and the mean
    query cost (exact Decimals)."""

    model: Model
    corpus_tokens: int
    corpus_usd: Decimal  # one full embedding of the corpus
    reindex_every_months: int
    reindex_share: float
    query_tokens_per_call: Decimal  # mean over the draws (0: no query embeddings)
    query_usd_per_call: Decimal

    def corpus_embeddings(self, month: int) -> Decimal:
        """How many corpus embeddings month ``month`` (1-based) pays for (1, a share, or 0)."""
        if month == 1:
            return Decimal(1)
        every = self.reindex_every_months
        if every and (month - 1) % every == 0:
            return Decimal(repr(self.reindex_share))
        return Decimal(0)


QUERY_DRAWS = 100_000


def embedding_lines(scenario: Scenario, catalog: Catalog) -> EmbeddingLines | None:
    spec = scenario.embeddings
    if spec is None:
        return None
    try:
        model = catalog.resolve(spec.model)
    except ValueError as exc:
        raise scenario.error("embeddings.model", str(exc)) from None
    if not model.is_embedding:
        raise scenario.error(
            "embeddings.model", f"{model.id} is not an embedding model (see `budget models embed`)"
        )
    if spec.corpus_batch and model.batch_discount is None:
        raise scenario.error(
            "embeddings.corpus_batch", f"{model.id} has no batch API in the catalog"
        )
    corpus = cost(model, Usage(spec.corpus_tokens, 0), batch=spec.corpus_batch).total_usd
    mean_query = Decimal(0)
    if spec.query_tokens is not None:
        # Its own stream (seed + 1): the generation draws stay as they were.
        rng = np.random.default_rng(scenario.seed + 1)
        drawn = draw_tokens(spec.query_tokens, QUERY_DRAWS, rng, None)
        mean_query = Decimal(int(drawn.sum())) / len(drawn)
    per_million = cost(model, Usage(1_000_000, 0)).total_usd
    return EmbeddingLines(
        model=model,
        corpus_tokens=spec.corpus_tokens,
        corpus_usd=corpus,
        reindex_every_months=spec.reindex_every_months,
        reindex_share=spec.reindex_share,
        query_tokens_per_call=mean_query,
        query_usd_per_call=mean_query * per_million / 1_000_000,
    )


def month_number(period_name: str) -> int | None:
    """``month-03`` -> 3; other periods -> None."""
    if period_name.startswith("month-"):
        return int(period_name[6:])
    return None
