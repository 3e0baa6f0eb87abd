"""Hand-checked figures in the files the code writes itself (README outputs, reports/).

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


def row(scenario: str, model: str, period: str) -> dict[str, str]:
    with open(REPORTS / f"{scenario}.csv", newline="") as handle:
        for found in csv.DictReader(handle):
            if found["model"] == model and found["period"] == period:
                return found
    raise AssertionError(f"no {model} {period} row in {scenario}.csv")


def usd(text: str) -> Decimal:
    return Decimal(text)


def test_readme_cost_of_100k_gpt_5_2_calls():
    # GPT-5.2 list price $1.75 / $14 per MTok: 12,000 x 1.75 + 800 x 14 = 21,000 + 11,200
    # micro-dollars = $0.0322 a call, $3,220 for 100,000 calls.
    readme = (ROOT / "README.md").read_text()
    block = readme.split("$ budget cost --model gpt-5.2 --input 12000 --output 800 --calls 100000")[
        1
    ]
    block = block.split("```")[0]
    assert "total         $3,220.00" in block
    assert "per call      $0.0322" in block


def test_support_bot_month_1_on_gpt_5_mini():
    # gpt-5-mini: $0.25 input, $0.025 cached input, $2 output per MTok. 40,000 calls a day
    # over an average month of 365/12 days = 1,216,666.7 calls, shown rounded.
    found = row("support-bot", "gpt-5-mini", "month-01")
    assert found["calls"] == "1216667"
    uncached = int(found["input_tokens"]) - int(found["cached_tokens"])
    assert usd(found["input_usd"]) == round(uncached * Decimal("0.25") / MILLION, 6)
    cached = int(found["cached_tokens"])
    assert usd(found["cache_usd"]) == round(cached * Decimal("0.025") / MILLION, 6)
    assert usd(found["output_usd"]) == round(int(found["output_tokens"]) * 2 / MILLION, 6)
    # 70% of input is read from cache (cache.read_share: 0.7), a whole number of tokens per
    # call rounded down: a little under 70% overall
    assert 0.699 < cached / int(found["input_tokens"]) <= 0.7
    markdown = (REPORTS / "support-bot.md").read_text()
    assert f"${usd(found['total_usd']):,.2f}" == "$1,104.50"
    assert "| gpt-5-mini | 1,000 (scenario) | $0.000908 |" in markdown


def test_rag_service_month_1_on_claude_sonnet_4_5():
    # Claude Sonnet 4.5: $3 input, $0.30 cache read, $3.75 5-minute cache write per MTok;
    # 250,000 calls in month 1 (calls_per_month).
    found = row("rag-service", "claude-sonnet-4-5", "month-01")
    assert found["calls"] == "250000"
    read, write = int(found["cached_tokens"]), int(found["cache_write_tokens"])
    uncached = int(found["input_tokens"]) - read - write
    assert usd(found["input_usd"]) == round(uncached * 3 / MILLION, 6)
    cache = read * Decimal("0.30") / MILLION + write * Decimal("3.75") / MILLION
    assert usd(found["cache_usd"]) == round(cache, 6)


def test_nightly_batch_month_1_on_gpt_4_1_mini_at_half_price():
    # gpt-4.1-mini: $0.40 input, $1.60 output per MTok, half price through the Batch API.
    # The prompt file is 302 tokens (o200k_base), every call the same: 300,000 x 302.
    found = row("nightly-batch", "gpt-4.1-mini", "month-01")
    assert found["input_tokens"] == str(300_000 * 302)
    assert usd(found["input_usd"]) == Decimal("18.120000")  # 90.6M x 0.40 / 2
    output = int(found["output_tokens"])
    assert usd(found["output_usd"]) == round(output * Decimal("1.60") / 2 / MILLION, 6)
