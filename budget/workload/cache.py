"""Cache from structure: the cached prefix, the traffic and the cache lifetime give each
provider's read and write tokens per call (``cache: {prefix_tokens: 2000, ttl: 5m}``).

A team knows how long its shared prefix is (system prompt, tools, fixed context), how many
calls arrive and how long the provider keeps a prefix; the shares follow:

* Only a prefix at least the model's minimum is cached (the rules below); OpenAI caches
  it in 128-token steps, so 2,000 tokens cache as 1,920.
* Arrivals are taken as Poisson at the first month's average rate of calls (all of them):
  a call finds the prefix warm when another call came within the lifetime before it
  (Anthropic refreshes the lifetime on every hit; OpenAI and Gemini keep recently used
  prefixes), so the hit rate is ``1 - exp(-calls_per_second x lifetime_seconds)``. A miss
  writes the prefix. One shared prefix is assumed; traffic spread over many prefixes hits less.
* Each call reads ``hit_rate x cached prefix`` tokens and writes ``(1 - hit_rate) x cached
  prefix``, as whole tokens (the expected tokens, not a coin flip per call). Writes are billed
  at the catalog's write price where it has one (Anthropic 5m 1.25x / 1h 2x; OpenAI from
  GPT-5.6 on); where it has none they cost the input rate, which is how OpenAI before 5.6 and
  Gemini's implicit caching bill the first request. ``ttl: 1h`` uses the long-retention write
  price (Anthropic 1-hour writes, OpenAI extended retention).
* Gemini's explicit caching (a storage fee per hour) is not modelled: the catalog holds no
  storage prices (pricing/data/google.yaml); the implicit cache is what is priced here.

The rules (minimum prefix, steps, lifetime) are data, with their sources:
pricing/data/rules/prompt_cache.yaml, read by :func:`pricing.rules.prompt_cache_rule` (the
same rules conversations use). ``ttl: 1h`` keeps a prefix an hour (Anthropic 1-hour writes,
OpenAI extended retention); ``5m`` takes the provider's lifetime from the rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pricing.catalog import Model
from pricing.rules import PromptCacheRule, prompt_cache_rule

SHARE_SCALE = 1_000_000  # as the share keys: floor(tokens x rate) in integer arithmetic
ONE_HOUR = 3600


@dataclass(frozen=True)
class CacheStructure:
    """What a model caches of the scenario's prefix, and how often the cache is warm."""

    prefix_tokens: int  # as written
    cached_tokens: int  # what the provider caches of it (0: below the minimum, or no rule)
    hit_rate: float
    rule: PromptCacheRule | None

    def note(self, label: str) -> str:
        if self.rule is None:
            return f"{label}: no prompt-cache rule for this provider: nothing is cached"
        if self.cached_tokens == 0:
            what = f"below its minimum of {self.rule.min_tokens:,}: nothing is cached"
        else:
            what = (
                f"{self.cached_tokens:,} cached, warm for {self.hit_rate:.1%} of calls "
                f"(read), written on the other {1 - self.hit_rate:.1%}"
            )
        return f"{label}: prefix {self.prefix_tokens:,} tokens, {what}"


def cached_prefix(prefix_tokens: int, rule: PromptCacheRule | None) -> int:
    """The part of a prefix the provider caches: none below the minimum, then whole steps."""
    if rule is None or prefix_tokens < rule.min_tokens:
        return 0
    return prefix_tokens // rule.step_tokens * rule.step_tokens


def lifetime_seconds(rule: PromptCacheRule | None, ttl: str) -> float:
    if rule is None:
        return 0.0
    return float(ONE_HOUR if ttl == "1h" else rule.lifetime_seconds)


def hit_rate(calls_per_second: float, lifetime: float) -> float:
    """Share of calls that find the prefix warm: another call within the lifetime before."""
    return 1.0 - math.exp(-calls_per_second * lifetime)


def structure(
    model: Model, prefix_tokens: int, calls_per_second: float, ttl: str
) -> CacheStructure:
    rule = prompt_cache_rule(model)
    cached = cached_prefix(prefix_tokens, rule)
    # nothing cached (below the minimum, no rule) is never found warm: no call reads it
    warm = hit_rate(calls_per_second, lifetime_seconds(rule, ttl)) if cached else 0.0
    return CacheStructure(prefix_tokens, cached, warm, rule)


def read_write_tokens(
    input_tokens: np.ndarray, cache: CacheStructure
) -> tuple[np.ndarray, np.ndarray]:
    """Per call: (tokens read, tokens written), the cached prefix capped at the call's input."""
    cached = np.minimum(input_tokens, cache.cached_tokens)
    read_scale = math.floor(cache.hit_rate * SHARE_SCALE)
    read = cached * read_scale // SHARE_SCALE
    return read, cached - read
