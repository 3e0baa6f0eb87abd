"""deepseek-v4-flash (and -pro) from launch to today, settled 2026-12-06 (issue 21).

deepseek-v4-flash was an alias of deepseek-flash (V4.1 Flash, GA 2026-09-10), so a call made
on 2026-05-01 was priced at V4.1's $0.30 / $1.20 peak. It is now its own entry: V4 Flash's
prices until 2026-09-10, routed to deepseek-flash from then (DeepSeek's pricing page, captures
of August and 2026-11-15; genai-prices 0.2.5 agrees). Figures below are worked by hand from
the rates per 1M tokens in pricing/data/deepseek.yaml.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.usage.price import cost_logs
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost

CATALOG = load_catalog(())
# 1M prompt tokens of which 600K cache hits, 200K out: 0.4 x input + 0.6 x cache hit + 0.2 x
# output, with the rates per 1M read as dollars.
CALL = Usage(input_tokens=1_000_000, cache_read_tokens=600_000, output_tokens=200_000)


def usd(name: str, day: str) -> Decimal:
    return cost(CATALOG.resolve(name, at=dt.date.fromisoformat(day)), CALL).total_usd


def test_a_call_on_launch_weekend_pays_the_launch_cache_price():
    # 2026-04-25: $0.14 / $0.28, cache hit $0.028 (DeepSeek's page archived that day)
    # 0.4 x 0.14 + 0.6 x 0.028 + 0.2 x 0.28 = 0.056 + 0.0168 + 0.056
    assert usd("deepseek-v4-flash", "2026-04-25") == Decimal("0.1288")


def test_on_2026_05_01_the_name_costs_what_deepseek_chat_costs_not_v4_1s_price():
    # cache hit a tenth from 2026-04-26: 0.056 + 0.6 x 0.0028 + 0.056
    assert usd("deepseek-v4-flash", "2026-05-01") == Decimal("0.11368")
    # deepseek-chat was V4 Flash's non-thinking mode then: the same call, the same dollars
    assert usd("deepseek-chat", "2026-05-01") == Decimal("0.11368")
    # the old alias priced it as deepseek-flash: 0.4 x 0.30 + 0.6 x 0.006 + 0.2 x 1.20
    assert usd("deepseek-flash", "2026-05-01") == Decimal("0.3636")


def test_no_day_before_v4_1s_release_is_priced_at_its_rates():
    flash = CATALOG.resolve("deepseek-flash").prices
    day, checked = dt.date(2026, 4, 24), 0
    while day < dt.date(2026, 9, 10):
        model = CATALOG.resolve("deepseek-v4-flash", at=day)
        assert model.priced_as() == "deepseek-v4-flash", day
        assert model.prices.input != flash.input and model.prices.output != flash.output, day
        day, checked = day + dt.timedelta(days=1), checked + 1
    assert checked == 139  # 2026-04-24 .. 2026-09-09


def test_from_2026_09_10_the_name_is_routed_to_v4_1_flash_at_its_rates():
    model = CATALOG.resolve("deepseek-v4-flash", at=dt.date(2026, 9, 11))
    assert model.priced_as() == "deepseek-flash"
    assert model.prices == CATALOG.resolve("deepseek-flash").prices
    assert "routes its calls to deepseek-flash" in model.retirement_pricing(dt.date(2026, 9, 11))
    assert usd("deepseek-v4-flash", "2026-09-11") == Decimal("0.3636")  # V4.1's peak
    # the day before, still V4 Flash at its own peak: 0.4 x 0.44 + 0.6 x 0.014 + 0.2 x 1.32
    assert usd("deepseek-v4-flash", "2026-09-09") == Decimal("0.4484")


def test_the_vision_name_shares_v4_flashs_history():
    vision = CATALOG.resolve("deepseek-v4-flash-vision-exp", at=dt.date(2026, 8, 28))
    assert vision.id == "deepseek-v4-flash"
    assert vision.prices.input == Decimal("0.44") and vision.prices.output == Decimal("1.32")


def logged(tmp_path, calls: list[tuple[str, str]]) -> list[dict]:
    """Price (model, created) calls of CALL's size as a usage log; the per-call CSV rows."""
    log = tmp_path / "deepseek.jsonl"
    usage = {
        "prompt_tokens": 1_000_000,
        "completion_tokens": 200_000,
        "prompt_cache_hit_tokens": 600_000,
        "prompt_cache_miss_tokens": 400_000,
    }
    lines = [json.dumps({"model": m, "created": when, "usage": usage}) for m, when in calls]
    log.write_text("\n".join(lines) + "\n")
    rows = io.StringIO()
    cost_logs([str(log)], CATALOG, rows_out=rows)
    return list(csv.DictReader(io.StringIO(rows.getvalue())))


def test_logged_v4_flash_calls_by_time_of_day_across_each_change(tmp_path):
    rows = logged(
        tmp_path,
        [
            ("deepseek-v4-flash", "2026-05-01T02:00:00Z"),  # flat: no windows yet
            ("deepseek-v4-flash", "2026-08-17T02:00:00Z"),  # Monday, in 01:00-04:00: peak
            ("deepseek-v4-flash", "2026-08-17T12:00:00Z"),  # Monday noon UTC: off-peak
            ("deepseek-v4-flash", "2026-08-22T02:00:00Z"),  # Saturday of the first week: peak
            ("deepseek-v4-flash", "2026-08-24T02:00:00Z"),  # Monday after the weekend rule
            ("deepseek-v4-flash", "2026-08-29T02:00:00Z"),  # a Saturday since: off-peak
            ("deepseek-v4-flash", "2026-09-11T02:00:00Z"),  # Friday, routed: V4.1 peak
            ("deepseek-v4-flash", "2026-09-11T12:00:00Z"),  # V4.1 off-peak
        ],
    )
    got = [(r["price_period"], r["service_tier"], Decimal(r["total_usd"])) for r in rows]
    assert got == [
        ("2026-04-26..2026-08-16", "", Decimal("0.11368")),
        # peak 0.4 x 0.44 + 0.6 x 0.014 + 0.2 x 1.32; off-peak half
        ("2026-08-16..2026-08-23", "", Decimal("0.4484")),
        ("2026-08-16..2026-08-23", "off-peak", Decimal("0.2242")),
        ("2026-08-16..2026-08-23", "", Decimal("0.4484")),
        ("2026-08-23..2026-09-10", "", Decimal("0.4484")),
        ("2026-08-23..2026-09-10", "off-peak", Decimal("0.2242")),
        # 0.4 x 0.30 + 0.6 x 0.006 + 0.2 x 1.20; off-peak half
        ("2026-09-10..", "", Decimal("0.3636")),
        ("2026-09-10..", "off-peak", Decimal("0.1818")),
    ]


def test_v4_pro_peak_windows_held_on_the_first_weekend_only(tmp_path):
    rows = logged(
        tmp_path,
        [
            ("deepseek-v4-pro", "2026-08-15T02:00:00Z"),  # flat $0.435 / $0.87, $0.003625
            ("deepseek-v4-pro", "2026-08-22T02:00:00Z"),  # Saturday, first week: peak
            ("deepseek-v4-pro", "2026-08-29T02:00:00Z"),  # Saturday since: off-peak
        ],
    )
    assert [(r["service_tier"], Decimal(r["total_usd"])) for r in rows] == [
        # 0.4 x 0.435 + 0.6 x 0.003625 + 0.2 x 0.87 = 0.174 + 0.002175 + 0.174
        ("", Decimal("0.350175")),
        # 0.4 x 1.32 + 0.6 x 0.044 + 0.2 x 3.96 = 0.528 + 0.0264 + 0.792
        ("", Decimal("1.3464")),
        ("off-peak", Decimal("0.6732")),
    ]


@pytest.mark.parametrize(
    ("day", "dollars"),
    [
        ("2026-04-25", 0.0196),  # 100K x $0.14 + 20K x $0.28
        ("2026-05-01", 0.0196),
        ("2026-08-17", 0.0704),  # peak (no time of day given): 100K x $0.44 + 20K x $1.32
        ("2026-09-11", 0.054),  # deepseek-flash's peak: 100K x $0.30 + 20K x $1.20
    ],
)
def test_budget_cost_names_the_period_and_who_bills_it(day, dollars):
    result = CliRunner().invoke(
        cli,
        ["cost", "-m", "deepseek-v4-flash", "--input", "100000", "--output", "20000",
         "--at", day, "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["total_usd"] == dollars
    routed = day >= "2026-09-10"
    assert record["priced_as"] == ("deepseek-flash" if routed else "deepseek-v4-flash")


def test_the_decision_is_on_the_record():
    model = CATALOG.resolve("deepseek-v4-flash")
    assert model.retired == dt.date(2026, 9, 10) and model.routed_to == "deepseek-flash"
    assert "decided 2026-12-06" in model.notes and "genai-prices 0.2.5" in model.notes
    for period in model.price_periods:
        assert period.source.startswith("https://"), period.label
    # V4 Pro keeps its own prices; the reported reroute to V4.1 Flash is named as a dispute
    pro = CATALOG.resolve("deepseek-v4-pro")
    assert pro.routed_to is None and "2026-09-14" in pro.notes
