"""Hand-checked figures in the files the code writes itself (docs outputs, reports/).

test_readme.py and test_reports_drift.py prove those files are what the code makes today;
they cannot prove the code is right, since regenerating rewrites them. These figures were
worked out by hand from published prices (written here as numbers, not read from the
catalog), so a wrong number cannot be regenerated into place.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"
MILLION = Decimal(1_000_000)
EMBED = "text-embedding-3-small"


def row(scenario: str, model: str, period: str, line: str = "generation") -> dict[str, str]:
    with open(REPORTS / f"{scenario}.periods.csv", newline="") as handle:
        for found in csv.DictReader(handle):
            if (found["model"], found["period"], found["line"]) == (model, period, line):
                return found
    raise AssertionError(f"no {model} {period} {line} row in {scenario}.periods.csv")


def usd(text: str) -> Decimal:
    return Decimal(text)


def test_cost_page_100k_gpt_5_2_calls():
    # GPT-5.2 list price $1.75 / $14 per MTok: 12,000 x 1.75 + 800 x 14 = 21,000 + 11,200
    # micro-dollars = $0.0322 a call, $3,220 for 100,000 calls.
    page = (ROOT / "docs" / "cost.md").read_text()
    block = page.split("$ budget cost --model gpt-5.2 --input 12000 --output 800 --calls 100000")[1]
    block = block.split("```")[0]
    assert "total         $3,220.00" in block
    assert "per call      $0.0322" in block


def test_support_bot_month_1_on_gpt_5_4_mini():
    # gpt-5.4-mini: $0.75 input, $0.075 cached input, $4.50 output per MTok. 40,000 calls a day
    # over an average month of 365/12 days = 1,216,666.7 calls, shown rounded.
    found = row("support-bot", "gpt-5.4-mini", "month-01")
    assert found["calls"] == "1216667"
    uncached = int(found["input_tokens"]) - int(found["cached_tokens"])
    assert usd(found["input_usd"]) == round(uncached * Decimal("0.75") / MILLION, 6)
    cached = int(found["cached_tokens"])
    assert usd(found["cache_usd"]) == round(cached * Decimal("0.075") / MILLION, 6)
    output_usd = round(int(found["output_tokens"]) * Decimal("4.5") / MILLION, 6)
    assert usd(found["output_usd"]) == output_usd
    # 70% of input is read from cache (cache.read_share: 0.7), a whole number of tokens per
    # call rounded down: a little under 70% overall
    assert 0.699 < cached / int(found["input_tokens"]) <= 0.7
    markdown = (REPORTS / "support-bot.md").read_text()
    # The first calls cost $2,808.69: on gpt-5-mini the same draws cost $1,104.50, of which
    # $431.42 input and cache and $673.07 output; gpt-5.4-mini's rates are 3x and 2.25x
    # those: 3 x 431.42 + 2.25 x 673.07 = 2,808.69. The total adds the continuations of the
    # 1.55% of replies cut at max_tokens 1,000.
    first_calls = usd(found["input_usd"]) + usd(found["cache_usd"]) + usd(found["output_usd"])
    assert f"${first_calls:,.2f}" == "$2,808.69"
    continuations = usd(found["continuation_usd"])
    assert abs(usd(found["total_usd"]) - first_calls - continuations) <= Decimal("0.000003")
    # Bounds by hand: 1.55% of 1,216,667 calls = 18,858 continuations, each re-sending at
    # least the 1,000-token cut reply (1,000 x $0.75/MTok = $0.00075) plus a cached prompt:
    # more than 18,858 x $0.00075 = $14.14; less than the whole first-call bill.
    assert Decimal("14.14") < continuations < first_calls
    # per call with continuations: $2,870.39 / 1,216,667 calls = $0.002359
    assert f"${usd(found['total_usd']):,.2f}" == "$2,870.39"
    assert "| gpt-5.4-mini | 1,000 (scenario) | $0.002359 |" in markdown


def test_rag_service_month_1_on_claude_sonnet_4_6():
    # Claude Sonnet 4.6: $3 input, $0.30 cache read, $3.75 5-minute cache write per MTok;
    # 250,000 calls in month 1 (calls_per_month).
    found = row("rag-service", "claude-sonnet-4-6", "month-01")
    assert found["calls"] == "250000"
    read, write = int(found["cached_tokens"]), int(found["cache_write_tokens"])
    uncached = int(found["input_tokens"]) - read - write
    assert usd(found["input_usd"]) == round(uncached * 3 / MILLION, 6)
    cache = read * Decimal("0.30") / MILLION + write * Decimal("3.75") / MILLION
    assert usd(found["cache_usd"]) == round(cache, 6)


def test_nightly_batch_month_1_on_gpt_6_luna_at_half_price():
    # gpt-6-luna: $0.10 input, $0.50 output per MTok, half price through the Batch API.
    # The prompt file is 302 tokens (o200k_base), every call the same: 300,000 x 302.
    found = row("nightly-batch", "gpt-6-luna", "month-01")
    assert found["input_tokens"] == str(300_000 * 302)
    assert usd(found["input_usd"]) == Decimal("4.530000")  # 90.6M x 0.10 / 2
    output = int(found["output_tokens"])
    assert usd(found["output_usd"]) == round(output * Decimal("0.50") / 2 / MILLION, 6)


def test_rag_service_embeds_its_corpus_and_every_question():
    # text-embedding-3-small: $0.02 per MTok, half through the Batch API. The 400M-token
    # corpus: 400 x $0.01 = $4.00 in month 1; a quarter of it again in month 4: $1.00.
    corpus = row("rag-service", EMBED, "month-01", "embedding corpus")
    assert corpus["model"] == "text-embedding-3-small"
    assert corpus["input_tokens"] == "400000000" and usd(corpus["total_usd"]) == Decimal("4")
    again = row("rag-service", EMBED, "month-04", "embedding corpus")
    assert again["input_tokens"] == "100000000" and usd(again["total_usd"]) == Decimal("1")
    assert usd(row("rag-service", EMBED, "month-02", "embedding corpus")["total_usd"]) == 0
    # Every one of month 1's 250,000 questions is embedded at the interactive $0.02 per MTok.
    queries = row("rag-service", EMBED, "month-01", "embedding queries")
    assert queries["calls"] == "250000"
    tokens = int(queries["input_tokens"])
    assert usd(queries["total_usd"]) == round(tokens * Decimal("0.02") / MILLION, 6)
    assert 30 <= tokens / 250_000 <= 40  # p50 30, p95 90: a log-normal mean of about 37.5


def test_support_chat_counts_every_turn_and_each_conversation():
    # 8,000 conversations a day over 365/12 days = 243,333.3 conversations in month 1.
    found = row("support-chat", "gpt-5.4-mini", "month-01")
    assert found["conversations"] == "243333"
    calls = int(found["calls"])
    assert 4.5 < calls / 243_333 < 5.5  # turns: p50 4, p95 12 (log-normal mean ~5)
    # Every turn re-sends the 3,000-token system prompt: at least 3,000 + 1 input tokens a call
    assert int(found["input_tokens"]) / calls > 3_001
    # gpt-5.4-mini: $0.75 input, $0.075 cached input per MTok; no cache-write fee
    uncached = int(found["input_tokens"]) - int(found["cached_tokens"])
    assert found["cache_write_tokens"] == "0"
    assert abs(usd(found["input_usd"]) - uncached * Decimal("0.75") / MILLION) < Decimal("0.001")
    cached = int(found["cached_tokens"])
    assert abs(usd(found["cache_usd"]) - cached * Decimal("0.075") / MILLION) < Decimal("0.001")
    # per conversation x conversations is the month's cost
    month = usd(found["per_conversation_usd"]) * Decimal(8000 * 365) / 12
    assert abs(month - usd(found["total_usd"])) < Decimal("0.01")


def test_research_agent_pays_ten_dollars_per_thousand_web_searches():
    # Anthropic web search: $10 per 1,000 searches, on 40% of the agent's calls.
    found = row("research-agent", "claude-sonnet-4-6", "month-01")
    searches, calls = int(found["tool_calls"]), int(found["calls"])
    assert abs(searches / calls - 0.4) < 0.005
    assert abs(usd(found["tool_usd"]) - searches * Decimal("0.01")) < Decimal("0.01")
    # Sonnet 4.6 cache: read $0.30, 5-minute write $3.75 per MTok
    read, write = int(found["cached_tokens"]), int(found["cache_write_tokens"])
    cache = read * Decimal("0.30") / MILLION + write * Decimal("3.75") / MILLION
    assert abs(usd(found["cache_usd"]) - cache) < Decimal("0.01")
