"""A usage log is priced call by call at the prices in force the day each call was made."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from budget.cli import cli
from budget.usage.price import cost_logs
from pricing.catalog import load_catalog
from pricing.dates import call_time

LOG = str(Path(__file__).parent / "fixtures" / "usage" / "o3_across_the_cut.jsonl")
CATALOG = load_catalog(())

# o3: $10 / $40 per million before 2025-06-10, $2 / $8 from that day (OpenAI's cut).
# Each call: 100,000 input + 10,000 output tokens -> $1.00 + $0.40 = $1.40 before,
# $0.20 + $0.08 = $0.28 after.
# Line 1: Chat `created` 1749513599 = 2025-06-09T23:59:59Z (the day before): $1.40
# Line 2: Chat `created` 1749513600 = 2025-06-10T00:00:00Z (the day of):     $0.28
# Line 3: Responses `created_at` 1749513600 (the day of):                       $0.28
# Line 4: no time: priced at --at 2025-06-01:                                   $1.40


def test_a_log_spanning_a_price_change_prices_each_call_at_its_day():
    import datetime as dt

    rows = io.StringIO()
    report = cost_logs([LOG], CATALOG, rows_out=rows, at=dt.date(2025, 6, 1))
    assert report.total_usd == Decimal("3.36")
    written = list(csv.DictReader(io.StringIO(rows.getvalue())))
    assert [r["priced_at"] for r in written] == [
        "2025-06-09",
        "2025-06-10",
        "2025-06-10",
        "2025-06-01",
    ]
    assert [r["price_period"] for r in written] == [
        "..2025-06-10",
        "2025-06-10..",
        "2025-06-10..",
        "..2025-06-10",
    ]
    assert [Decimal(r["total_usd"]) for r in written] == [
        Decimal("1.4"),
        Decimal("0.28"),
        Decimal("0.28"),
        Decimal("1.4"),
    ]


def test_records_without_a_time_take_at():
    result = CliRunner().invoke(cli, ["usage", LOG, "--at", "2026-01-01", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total_usd"] == 2.24  # 1.40 + 0.28 + 0.28 + 0.28


def test_a_csv_timestamp_column_prices_each_row_at_its_day(tmp_path):
    log = tmp_path / "calls.csv"
    log.write_text(
        "model,timestamp,input_tokens,output_tokens\n"
        "o3,2025-06-09T23:59:59Z,100000,10000\n"
        "o3,2025-06-10T00:00:00Z,100000,10000\n"
    )
    report = cost_logs([str(log)], CATALOG)
    assert report.total_usd == Decimal("1.68")  # 1.40 + 0.28


def test_an_unreadable_time_is_a_located_error(tmp_path):
    log = tmp_path / "calls.jsonl"
    log.write_text(
        '{"model": "o3", "created": "last tuesday", '
        '"usage": {"prompt_tokens": 10, "completion_tokens": 1}}\n'
    )
    # as any malformed usage: not priced, named by file:line and reason, exit 1 (--strict: 2)
    result = CliRunner().invoke(cli, ["usage", str(log), "--json"])
    assert result.exit_code == 1
    (group,) = json.loads(result.stdout)["unpriced"]
    assert group["first"] == f"{log}:1" and group["reason"] == "malformed usage: created"
    assert (
        group["detail"] == "created: expected unix seconds or an ISO 8601 time, got 'last tuesday'"
    )
    strict = CliRunner().invoke(cli, ["usage", str(log), "--strict"])
    assert strict.exit_code == 2
    assert strict.stderr.strip().splitlines() == [
        f"Error: {log}:1: created: expected unix seconds or an ISO 8601 time, got 'last tuesday'"
    ]


def test_cost_usage_prices_a_logged_call_at_its_day(tmp_path):
    first = tmp_path / "one.json"
    first.write_text(Path(LOG).read_text().splitlines()[0])
    record = json.loads(CliRunner().invoke(cli, ["cost", "--usage", str(first), "--json"]).stdout)
    assert record["total_usd"] == 1.4
    assert record["price_period"] == "..2025-06-10"
    assert record["priced_at"] == "2025-06-09"


def test_timestamps_in_the_forms_logs_write_them():
    import datetime as dt

    day = dt.date(2025, 6, 10)
    assert call_time(1749513600).day == day  # unix seconds
    assert call_time(1749513600000).day == day  # milliseconds
    assert call_time("1749513600").day == day
    assert call_time("2025-06-10").day == day
    assert call_time("2025-06-09T23:30:00-01:00").day == day  # 00:30 UTC
    # 2025-06-10 was a Tuesday: minute 1 x 1440 + 16 x 60 + 45 of the UTC week
    assert call_time("2025-06-10T16:45:00Z").week_minute == 2445
    assert call_time(1749573900).week_minute == 2445  # the same moment in unix seconds
    assert call_time("2025-06-10").week_minute is None  # a date alone: no time of day


def test_deepseek_calls_are_priced_by_their_time_of_day(tmp_path):
    # deepseek-flash: peak $0.30 / $1.20 in 01:00-04:00 and 06:00-10:00 UTC on weekdays, off-peak
    # $0.15 / $0.60 every other hour and all weekend. 1M input tokens: $0.30 or $0.15.
    def line(when: str) -> str:
        return json.dumps(
            {
                "model": "deepseek-flash",
                "created": when,
                "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 0},
            }
        )

    log = tmp_path / "deepseek.jsonl"
    times = [
        "2026-11-23T00:59:00Z",  # Monday, before the first peak window: off-peak
        "2026-11-23T01:00:00Z",  # Monday 01:00: peak
        "2026-11-23T09:59:00Z",  # Monday, end of the second window: peak
        "2026-11-23T10:00:00Z",  # Monday 10:00: off-peak again
        "2026-11-28T02:00:00Z",  # Saturday: off-peak all day
        "2026-11-23",  # a date without a time: peak, the upper bound
    ]
    log.write_text("\n".join(line(t) for t in times) + "\n")
    rows = io.StringIO()
    report = cost_logs([str(log)], CATALOG, rows_out=rows)
    written = list(csv.DictReader(io.StringIO(rows.getvalue())))
    assert [r["service_tier"] for r in written] == [
        "off-peak",
        "",
        "",
        "off-peak",
        "off-peak",
        "",
    ]
    assert report.total_usd == Decimal("1.35")  # 3 x 0.15 + 3 x 0.30


def test_the_old_off_peak_window_crosses_midnight():
    # deepseek-chat before 2025-09-05: off-peak 16:30-00:30 UTC every day
    import datetime as dt

    model = CATALOG.resolve("deepseek-chat", at=dt.date(2025, 6, 1))
    sunday = 6 * 1440
    assert model.service_tier_at(sunday + 16 * 60 + 29) is None
    assert model.service_tier_at(sunday + 16 * 60 + 30) == "off-peak"
    assert model.service_tier_at(0 + 29) == "off-peak"  # Monday 00:29, from Sunday's window
    assert model.service_tier_at(30) is None


def test_one_chunk_across_a_price_change_groups_rows_by_period(tmp_path):
    # gemini-4-argon: $2 / $10 per million until 2026-11-30, $4 / $20 from 2026-12-01.
    # 1,000,000 input + 100,000 output: $2 + $1 = $3 the day before, $4 + $2 = $6 the day of.
    def call(created: str, model: str = "gemini-4-argon") -> str:
        usage = {"prompt_tokens": 1_000_000, "completion_tokens": 100_000}
        return json.dumps({"model": model, "created": created, "usage": usage})

    log = tmp_path / "calls.jsonl"
    lines = [
        call("2026-11-30T23:59:00Z"),
        call("2026-12-01T00:00:00Z"),
        call("2026-12-01", "no-such"),
    ]
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "rows.csv"
    result = CliRunner().invoke(cli, ["usage", str(log), "-o", str(out), "--json"])
    assert result.exit_code == 1  # the unknown model is listed, not priced
    report = json.loads(result.stdout)
    assert report["total_usd"] == 9 and report["by_model"]["gemini-4-argon"]["calls"] == 2
    assert [g["reason"] for g in report["unpriced"]] == ["unknown model"]
    rows = list(csv.DictReader(out.open()))
    assert [(r["priced_at"], r["price_period"], r["total_usd"]) for r in rows[:2]] == [
        ("2026-11-30", "..2026-12-01", "3.0000000000"),
        ("2026-12-01", "2026-12-01..", "6.0000000000"),
    ]
    assert rows[2]["total_usd"] == "" and rows[2]["price_period"] == ""
