"""`--format focus`: the bill as FinOps FOCUS rows, from a usage log (what was paid) and from
a projection (what will be, marked as such)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

from click.testing import CliRunner

from budget.cli import cli
from budget.focus import COLUMNS

# Column names as the FOCUS specification (1.2 and 1.3) spells them.
SPEC_NAMES = {
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingCurrency",
    "BillingAccountId",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ConsumedQuantity",
    "ConsumedUnit",
    "PricingQuantity",
    "PricingUnit",
    "PricingCategory",
    "ListUnitPrice",
    "ServiceCategory",
    "ServiceName",
    "ServiceProviderName",
    "HostProviderName",
    "InvoiceIssuerName",
    "SkuMeter",
    "SkuPriceDetails",
}
DAY = 86_400
NOV_20 = 1_795_132_800  # 2026-11-20T00:00:00Z


def chat(created: int, model: str = "gpt-5.2") -> dict:
    """An OpenAI Chat Completions response: 10,000 prompt tokens, 8,000 of them cached."""
    return {
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"content": "ok"}}],
        "usage": {
            "prompt_tokens": 10_000,
            "completion_tokens": 500,
            "prompt_tokens_details": {"cached_tokens": 8_000},
        },
    }


# Anthropic responses carry no time: priced at --at. 1,000 uncached + 5,000 read + 2,000
# written input tokens, 300 output.
CLAUDE = {
    "type": "message",
    "model": "claude-sonnet-4-6",
    "content": [{"type": "text", "text": "ok"}],
    "stop_reason": "end_turn",
    "usage": {
        "input_tokens": 1_000,
        "cache_read_input_tokens": 5_000,
        "cache_creation_input_tokens": 2_000,
        "output_tokens": 300,
    },
}


def read(path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_usage_bill_sums_to_the_usage_total(tmp_path):
    log = tmp_path / "log.jsonl"
    records = [chat(NOV_20 + day * DAY + hour * 3600) for day in range(3) for hour in (1, 9)]
    log.write_text("\n".join(json.dumps(r) for r in [*records, CLAUDE]) + "\n")
    bill = tmp_path / "bill.csv"
    args = ["usage", str(log), "--at", "2026-11-25"]
    result = CliRunner().invoke(cli, [*args, "--format", "focus", "-o", str(bill)])
    assert result.exit_code == 0, result.output
    total = Decimal(json.loads(CliRunner().invoke(cli, [*args, "--json"]).output)["total_usd"])
    rows = read(bill)
    billed = sum(Decimal(r["BilledCost"]) for r in rows)
    # to the cent, and far closer: BilledCost keeps ten places
    assert billed.quantize(Decimal("0.01")) == total.quantize(Decimal("0.01"))
    assert abs(billed - total) < Decimal("0.000000001")
    # gpt-5.2 at $1.75 / $0.175 cached / $14 per million: a call is 2,000 x 1.75 + 8,000 x
    # 0.175 + 500 x 14 micro-dollars = $0.0119; six calls $0.0714. Claude Sonnet 4.6 at $3
    # / $0.30 read / $3.75 write / $15: 0.003 + 0.0015 + 0.0075 + 0.0045 = $0.0165.
    assert total.quantize(Decimal("0.000001")) == Decimal("0.087900")
    assert set(rows[0]) >= SPEC_NAMES and list(rows[0]) == list(COLUMNS)
    gpt = [r for r in rows if r["x_Model"] == "gpt-5.2"]
    assert len(gpt) == 9  # 3 days x (input, cached input, output)
    first = {r["SkuMeter"]: r for r in gpt if r["ChargePeriodStart"] == "2026-11-20T00:00:00Z"}
    assert set(first) == {"input", "cached input", "output"}
    cached = first["cached input"]
    assert (cached["ConsumedQuantity"], cached["ConsumedUnit"]) == ("16000", "Tokens")
    assert Decimal(cached["BilledCost"]) == Decimal("0.0028")  # 2 calls x 8,000 x $0.175/M
    assert (cached["PricingQuantity"], cached["PricingUnit"]) == ("0.016", "1000000 Tokens")
    assert cached["ListUnitPrice"] == "0.175"
    assert cached["ChargePeriodEnd"] == "2026-11-21T00:00:00Z"
    assert cached["BillingPeriodStart"] == "2026-11-01T00:00:00Z"
    assert json.loads(cached["SkuPriceDetails"]) == {
        "Model": "gpt-5.2",
        "TokenType": "cached input",
    }
    assert (cached["ServiceProviderName"], cached["InvoiceIssuerName"]) == ("OpenAI", "OpenAI")
    assert cached["ServiceCategory"] == "AI and Machine Learning"
    assert {r["x_Projected"] for r in rows} == {"false"}
    assert {r["ChargeCategory"] for r in rows} == {"Usage"}
    claude = {r["SkuMeter"]: r for r in rows if r["x_Model"] == "claude-sonnet-4-6"}
    assert claude["cache write"]["BilledCost"] == "0.0075000000"  # 2,000 x $3.75 per million
    assert claude["input"]["ChargePeriodStart"] == "2026-11-25T00:00:00Z"  # at --at


# gemini-4-argon: $0.003 a call before 2026-12-01, $0.006 from then (tests/test_finance_csv.py)
SCENARIO = """\
name: argon-bot
models: [gemini-4-argon, gpt-5.2]
traffic: {calls_per_day: 1000}
input_tokens: {fixed: 1000}
output_tokens: {fixed: 100}
max_tokens: 100
horizon_months: 3
simulated_calls: 100
start: 2026-11-15
"""


def test_a_projected_bill_is_marked_and_sums_to_the_first_model_s_total(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    bill = tmp_path / "bill.csv"
    args = ["report", str(scenario), "--format", "focus", "-o", str(bill)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = read(bill)
    # the first model only (an alternative is not on the bill), 92 days x input and output
    assert {r["x_Model"] for r in rows} == {"gemini-4-argon"}
    assert len(rows) == 92 * 2
    # 30,416.67 calls a month: month 1 at $0.0044 on average, months 2 and 3 at $0.006
    assert abs(sum(Decimal(r["BilledCost"]) for r in rows) - Decimal("498.833333")) < Decimal(
        "0.000001"
    )
    assert {r["x_Projected"] for r in rows} == {"true"}
    assert all(r["ChargeDescription"].startswith("Projection of argon-bot: ") for r in rows)
    nov = [r for r in rows if r["ChargePeriodStart"] == "2026-11-15T00:00:00Z"]
    # 30,416.67 calls over month 1's 30 days: 1,013.89 calls x 1,000 input tokens x $2/M
    input_day = next(r for r in nov if r["SkuMeter"] == "input")
    assert input_day["BilledCost"] == "2.0277777778"
    assert input_day["ListUnitPrice"] == "2"
    assert input_day["ServiceProviderName"] == "Google"
    dec = next(
        r
        for r in rows
        if r["ChargePeriodStart"] == "2026-12-01T00:00:00Z" and r["SkuMeter"] == "input"
    )
    assert dec["ListUnitPrice"] == "4" and dec["x_PricePeriod"] == "2026-12-01.."


def test_focus_needs_an_output_file(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(chat(NOV_20)) + "\n")
    result = CliRunner().invoke(cli, ["usage", str(log), "--format", "focus"])
    assert result.exit_code == 2 and "--format focus writes the -o file" in result.output


def test_a_projected_bill_is_one_row_per_day(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    args = ["report", str(scenario), "--format", "focus", "--rows", "total"]
    result = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "bill.csv")])
    assert result.exit_code == 2 and "one row per day (no --rows)" in result.output
    assert not (tmp_path / "bill.csv").exists()
