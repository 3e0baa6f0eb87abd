"""Conversations and agent loops: every turn is a call that re-sends what came before.

Turn t of a conversation sends the system prompt, the history (every earlier user message and
reply, or what the ``history`` policy keeps of them) and the new message; its reply is the
scenario's ``output_tokens``, capped at max_tokens. Worked by hand (docs/scenarios.md, tests):
system 1,000, user 100, reply 200, 3 turns, full history: inputs 1,100, 1,400 and 1,700 tokens.

Caching follows the provider's rules (pricing/data/rules/prompt_cache.yaml): when this turn's
prompt begins with the previous turn's whole prompt (nothing was cut or summarised in
between) and the gap between turns is within the cache lifetime, the previous prompt is read
from cache; otherwise only the system prompt is, if it is long enough. The system prompt of
the first turn is read from cache when conversations arrive faster than the cache lifetime
(another conversation keeps it warm). A prefix shorter than the provider's minimum is not
cached; cached tokens count in the provider's steps (OpenAI: 128). Where the model bills cache
writes (Anthropic; OpenAI from GPT-5.6), the rest of a cacheable prompt is written.

Context limits bind: a turn may send at most min(max_input_tokens, context_window -
max_tokens) tokens; a history that would not fit loses its oldest tokens (a sliding window,
which also breaks the cached prefix), and the conversation counts as cut. ``summarised at N``
replaces the history by a summary of ``summary_tokens`` whenever it reaches N tokens; the
summary is written by an extra call to the same model (input: system + history, output: the
summary), which counts as a call.

Everything is vectorized over conversations: one numpy step per turn position. A projection
builds the conversations a chunk at a time (projection.py); ``conversation`` numbers
conversations within the chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from budget.workload.draws import lognormal_sigma
from budget.workload.scenario import Conversation, Fixed
from pricing.arrays import TokenArrays
from pricing.catalog import Model
from pricing.rules import PromptCacheRule

MAX_TURNS = 1_000  # turns drawn above this are capped (a p95 of 12 turns never comes near)


@dataclass(frozen=True)
class TurnDraws:
    """Simulated conversations as calls: one row per call (turns, then summary calls)."""

    tokens: TokenArrays
    output_wanted: np.ndarray  # each call's reply before the max_tokens cap
    conversation: np.ndarray  # int64: which simulated conversation each call belongs to
    conversations: int
    cut_share: float  # share of conversations whose history was cut to fit the context
    summary_calls: int  # extra calls that wrote a summary


def simulate_conversations(
    spec: Conversation,
    model: Model,
    rule: PromptCacheRule | None,
    turns: np.ndarray,
    user: np.ndarray,
    wanted: np.ndarray,
    max_tokens: int,
    *,
    warm_system: bool,
) -> TurnDraws:
    """Build every turn's tokens. ``turns`` (one per conversation) and the flat ``user`` and
    ``wanted`` (one per turn, conversation by conversation) are the draws; nothing random
    happens here. ``warm_system``: other conversations keep the system prompt cached."""
    turns = np.minimum(turns, MAX_TURNS).astype(np.int64)
    conversations = len(turns)
    calls = int(turns.sum())
    start = np.zeros(conversations, dtype=np.int64)
    np.cumsum(turns[:-1], out=start[1:])
    user, wanted = user[:calls].astype(np.int64), wanted[:calls].astype(np.int64)
    reply = np.minimum(wanted, max_tokens)
    # Exclusive running total of (user + reply) over the flat turns: the history of turn j of
    # a conversation starting at s is said[s + j] - said[s].
    said = np.zeros(calls + 1, dtype=np.int64)
    np.cumsum(user + reply, out=said[1:])

    system = spec.system_tokens
    room = min(model.max_input_tokens, model.context_window - max_tokens)
    caching = spec.cache == "auto" and rule is not None and model.prices.cache_read is not None
    lifetime_ok = caching and spec.gap_seconds <= rule.lifetime_seconds
    writes_billed = model.prices.cache_write_5m is not None

    out = {name: np.zeros(calls, dtype=np.int64) for name in ("input", "read", "write")}
    prev_prompt = np.zeros(conversations, dtype=np.int64)
    prev_dropped = np.zeros(conversations, dtype=np.int64)
    cut = np.zeros(conversations, dtype=bool)
    summary_from = start.copy()  # flat index where the raw (unsummarised) history begins
    summary_len = np.zeros(conversations, dtype=np.int64)
    summaries: list[tuple[np.ndarray, np.ndarray]] = []  # (conversation ids, summary input)

    for j in range(int(turns.max()) if conversations else 0):
        active = np.flatnonzero(turns > j)
        at = start[active] + j
        new = user[at]
        history = spec.history
        if history.policy == "last":
            first = start[active] + np.maximum(0, j - history.last_turns)
            kept = said[at] - said[first]
        elif history.policy == "summarised":
            kept = summary_len[active] + said[at] - said[summary_from[active]]
            due = kept > history.summarise_at
            summarised_now = np.zeros(len(active), dtype=bool)
            if due.any():
                ids = active[due]
                summary_input = system + np.minimum(kept[due], max(room - system, 0))
                summaries.append((ids, summary_input))
                summary_len[ids] = history.summary_tokens
                summary_from[ids] = at[due]
                kept = np.where(due, history.summary_tokens, kept)
                summarised_now = due
        else:
            kept = said[at] - said[start[active]]
        fits = np.maximum(room - system - new, 0)
        sent = np.minimum(kept, fits)
        cut[active] |= sent < kept
        prompt = system + sent + new
        out["input"][at] = prompt
        if caching:
            # Tokens of history no longer sent (slid out or replaced by a summary).
            dropped = said[at] - said[start[active]] - sent
            extends = (j > 0) & (dropped == prev_dropped[active]) & lifetime_ok
            if history.policy == "summarised":
                extends &= ~summarised_now
            system_cached = warm_system if j == 0 else (lifetime_ok or warm_system)
            shared = np.where(extends, prev_prompt[active], system if system_cached else 0)
            shared = np.minimum(shared, prompt)
            read = np.where(shared >= rule.min_tokens, shared // rule.step_tokens, 0)
            read *= rule.step_tokens
            out["read"][at] = read
            if writes_billed:
                out["write"][at] = np.where(prompt >= rule.min_tokens, prompt - read, 0)
            prev_dropped[active] = dropped
        prev_prompt[active] = prompt

    output = reply
    conversation = np.repeat(np.arange(conversations, dtype=np.int64), turns)
    extra = 0
    if summaries:
        ids = np.concatenate([ids for ids, _ in summaries])
        inputs = np.concatenate([inputs for _, inputs in summaries])
        extra = len(ids)
        size = np.full(extra, spec.history.summary_tokens, dtype=np.int64)
        pad = np.zeros(extra, np.int64)
        out = {name: np.concatenate([array, pad]) for name, array in out.items()}
        out["input"][calls:] = inputs
        output = np.concatenate([reply, np.minimum(size, max_tokens)])
        wanted = np.concatenate([wanted, size])
        conversation = np.concatenate([conversation, ids])
    zeros = np.zeros(len(output), dtype=np.int64)
    tokens = TokenArrays(
        input_tokens=out["input"],
        output_tokens=output,
        cache_read_tokens=out["read"],
        cache_write_tokens=out["write"],
        cache_write_1h_tokens=zeros,
    )
    return TurnDraws(
        tokens=tokens,
        output_wanted=wanted,
        conversation=conversation,
        conversations=conversations,
        cut_share=float(np.mean(cut)) if conversations else 0.0,
        summary_calls=extra,
    )


def expected_turns(spec: Conversation) -> float:
    """Mean turns per conversation, to size the simulation (fixed, or the log-normal mean)."""
    if isinstance(spec.turns, Fixed):
        return float(spec.turns.tokens)
    sigma = lognormal_sigma(spec.turns.p50, spec.turns.p95)
    return float(min(spec.turns.p50 * np.exp(sigma**2 / 2), MAX_TURNS))


@dataclass(frozen=True)
class ConversationStats:
    """What a projection reports per conversation, beside the per-call figures."""

    conversations: int  # simulated
    calls_per_conversation: float  # turns and summary calls, on average
    per_conversation_usd: Decimal  # mean (exact: the calls' exact sum / conversations)
    p50_per_conversation_usd: Decimal
    p95_per_conversation_usd: Decimal
    cut_share: float  # conversations cut to fit the context window
    summary_calls: int
