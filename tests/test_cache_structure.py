"""Cache from structure: read and write tokens per provider from the prefix and the traffic."""

from __future__ import annotations

import math
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.workload.cache import cached_prefix, hit_rate, lifetime_seconds
from budget.workload.projection import project
from budget.workload.report import markdown_summary
from budget.workload.scenario import load_scenario
from pricing.catalog import load_catalog
from pricing.rules import PromptCacheRule, prompt_cache_rule

CATALOG = load_catalog()

PREFIX = """\
name: prefix
models: [gpt-5.2, claude-sonnet-4-5, claude-haiku-4-5, gemini-2.5-pro]
traffic: {calls_per_day: 144}
input_tokens: 8000
output_tokens: 100
cache: {prefix_tokens: 2000, ttl: 5m}
max_tokens: 1000
horizon_months: 1
simulated_calls: 10
"""


def write(tmp_path: Path, text: str = PREFIX) -> Path:
    path = tmp_path / "prefix.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_the_provider_rules():
    # OpenAI: from 1,024 tokens, in steps of 128: 2,000 caches as 15 x 128 = 1,920
    openai = prompt_cache_rule(CATALOG.resolve("gpt-5.2"))
    assert cached_prefix(2000, openai) == 1920 and cached_prefix(1023, openai) == 0
    assert cached_prefix(2000, PromptCacheRule(1024, 1, 300, "", "")) == 2000
    minimum = {
        name: prompt_cache_rule(CATALOG.resolve(name)).min_tokens
        for name in ("claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash")
    }
    assert minimum == {
        "claude-sonnet-4-5": 1024,
        "claude-haiku-4-5": 4096,
        "gemini-2.5-pro": 4096,
        "gemini-2.5-flash": 1024,
    }
    # the lifetime: the provider's (5 minutes in the rules), or an hour with ttl: 1h
    assert lifetime_seconds(openai, "5m") == 300 and lifetime_seconds(openai, "1h") == 3600
    # 0.1 calls a minute with a 5-minute lifetime: 1 - e^-0.5 = 39.35% find it warm
    assert hit_rate(0.1 / 60, 300) == pytest.approx(1 - math.exp(-0.5))
    assert hit_rate(40_000 / 86_400, 300) > 0.999999  # a busy service: nearly always warm


def test_shares_from_prefix_and_arrival_rate(tmp_path):
    table = (project(load_scenario(write(tmp_path)), CATALOG)).exact_table
    day = table[table["period"] == "day"].set_index("model")
    # 144 calls a day = 0.1 a minute; hit rate 1 - e^-0.5 = 0.393469 (floor to a millionth).
    # gpt-5.2 caches 1,920: reads 1,920 x 393,469 // 1,000,000 = 755 a call, writes 1,165.
    gpt = day.loc["gpt-5.2"]
    assert (gpt["cached_tokens"], gpt["cache_write_tokens"]) == (755 * 144, 1165 * 144)
    assert gpt["cache_prefix_cached"] == 1920 and gpt["cache_hit_rate"] == 0.393469
    # claude-sonnet-4-5 caches all 2,000 (minimum 1,024): reads 786, writes 1,214 (5m).
    sonnet = day.loc["claude-sonnet-4-5"]
    assert (sonnet["cached_tokens"], sonnet["cache_write_tokens"]) == (786 * 144, 1214 * 144)
    # $3 input, $0.30 read, $3.75 5m write, $15 output per MTok, 144 calls:
    # (6,000 x 3 + 786 x 0.30 + 1,214 x 3.75 + 100 x 15) = 24,288.3 micro-dollars a call
    assert sonnet["total_usd"] == Decimal("3.497515")  # x 144 = $3.4975152
    assert sonnet["cache_read_share"] == round(786 / 8000, 6)
    # claude-haiku-4-5 and gemini-2.5-pro need 4,096: a 2,000-token prefix caches nothing
    for model in ("claude-haiku-4-5", "gemini-2.5-pro"):
        assert (day.loc[model, "cached_tokens"], day.loc[model, "cache_write_tokens"]) == (0, 0)


def test_markdown_says_what_each_model_caches(tmp_path):
    text = markdown_summary(project(load_scenario(write(tmp_path)), CATALOG))
    assert "a shared prefix of 2,000 tokens kept 5m" in text
    assert "gpt-5.2: prefix 2,000 tokens, 1,920 cached, warm for 39.3% of calls" in text
    assert "claude-haiku-4-5: prefix 2,000 tokens, below its minimum of 4,096" in text


@pytest.mark.parametrize(
    "cache, message",
    [
        (
            "{prefix_tokens: 2000, read_share: 0.5}",
            "prefix.yaml:6:42: cache.read_share: give the cache either as prefix_tokens "
            "(and ttl) or as shares, not both",
        ),
        ("{prefix_tokens: 2000, ttl: 10m}", "prefix.yaml:6:35: cache.ttl: expected 5m or 1h"),
        ("{read_share: 0.5, ttl: 1h}", "prefix.yaml:6:31: cache.ttl: goes with prefix_tokens"),
    ],
)
def test_bad_cache_structure_is_one_line(tmp_path, cache, message):
    path = write(tmp_path, PREFIX.replace("{prefix_tokens: 2000, ttl: 5m}", cache))
    result = CliRunner().invoke(cli, ["report", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {tmp_path}/{message}")
