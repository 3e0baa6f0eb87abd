"""The budget gate for CI: `budget: {monthly_usd}` in a scenario or `--fail-above USD` on
report, whatif and usage; the month a bill first goes over, by how much, and exit code 1."""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli

# gpt-5.2 at $1.75 input and $14 output per million (README, "What a call costs"): a call of
# 1,000 input and 100 output tokens (never cut: max_tokens 1,000) costs
# 1,000 x 1.75e-6 + 100 x 14e-6 = $0.00175 + $0.0014 = $0.00315.
# Month 1: 1,000 calls a day x 365/12 days = 30,416.67 calls x $0.00315 = $95.8125; +10% a
# month: month 2 $105.39375, month 3 $115.933125, month 4 $127.5264375, month 5 $140.2790813.
# Against $120 a month, month 4 is the first over: $127.53, $7.53 over.
GROWING = """\
name: chat
model: gpt-5.2
start: 2026-11-25
traffic: {calls_per_day: 1000, monthly_growth: 0.1}
input_tokens: 1000
output_tokens: 100
max_tokens: 1000
horizon_months: 6
"""


def write(tmp_path, text: str, name: str = "chat.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def run(*args: str):
    return CliRunner().invoke(cli, [*args])


def test_scenario_budget_fails_at_the_first_month_over(tmp_path):
    path = write(tmp_path, GROWING + "budget: {monthly_usd: 120}\n")
    result = run("report", str(path))
    assert result.exit_code == 1, result.output
    line = result.stdout.strip().splitlines()[-1]
    assert line == (
        f"chat (gpt-5.2): OVER budget $120.00 a month ({path}:9:23 budget.monthly_usd) in "
        "month-04 (from 2027-02-25): $127.53, $7.53 over"
    )


def test_json_names_the_month_and_the_amount(tmp_path):
    path = write(tmp_path, GROWING + "budget: {monthly_usd: 120}\n")
    result = run("report", str(path), "--json")
    assert result.exit_code == 1
    gate = json.loads(result.stdout)["budget"]
    assert gate["over"] is True
    (bill,) = gate["bills"]
    assert bill["first_month_over"] == "month-04"
    assert bill["first_month_over_starts"] == "2027-02-25"
    assert Decimal(str(bill["first_month_over_usd"])).quantize(Decimal("0.01")) == Decimal("127.53")
    assert Decimal(str(bill["over_by_usd"])).quantize(Decimal("0.01")) == Decimal("7.53")


def test_under_budget_exits_0_and_says_the_room_left(tmp_path):
    # the largest month is month 6: $95.8125 x 1.1^5 = $154.306989; $200 leaves $45.69
    path = write(tmp_path, GROWING + "budget: {monthly_usd: 200}\n")
    result = run("report", str(path))
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.strip()
        .splitlines()[-1]
        .endswith(
            "within budget $200.00 a month "
            f"({path}:9:23 budget.monthly_usd); its largest month month-06 (from 2027-04-25): "
            "$154.31, $45.69 to spare"
        )
    )


def test_fail_above_wins_over_the_scenario_budget(tmp_path):
    # $100 a month: month 2 ($105.39) is the first over, by $5.39
    path = write(tmp_path, GROWING + "budget: {monthly_usd: 200}\n")
    result = run("report", str(path), "--fail-above", "100")
    assert result.exit_code == 1
    assert "(--fail-above) in month-02 (from 2026-12-25): $105.39, $5.39 over" in result.stdout


def test_no_budget_no_gate_and_no_new_output(tmp_path):
    path = write(tmp_path, GROWING)
    result = run("report", str(path), "--json")
    assert result.exit_code == 0
    assert "budget" not in json.loads(result.stdout)
    assert "budget" not in run("report", str(path)).stdout


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("{monthly_usd: -5}", ":9:23: budget.monthly_usd: must be > 0, got -5"),
        ("{monthly_usd: lots}", ":9:23: budget.monthly_usd: expected a number, got 'lots'"),
        ("{monthly_usd: 0}", ":9:23: budget.monthly_usd: must be > 0, got 0"),
        ("{montly_usd: 5}", ":9:10: budget.montly_usd: unknown key; did you mean 'monthly_usd'?"),
        ("{}", ":9:9: budget: monthly_usd: required"),
        ("5000", ":9:9: budget: expected a mapping, got 5000"),
    ],
)
def test_a_bad_budget_is_a_one_line_error(tmp_path, budget, message):
    path = write(tmp_path, GROWING + f"budget: {budget}\n")
    result = run("report", str(path))
    assert result.exit_code == 2
    error = result.stderr.strip()
    assert len(error.splitlines()) == 1
    assert error.startswith(f"Error: {path}{message}"), error


@pytest.mark.parametrize("amount", ["-5", "abc", "0", "nan", "inf", ""])
def test_a_bad_fail_above_is_a_one_line_error(tmp_path, amount):
    path = write(tmp_path, GROWING)
    result = run("report", str(path), "--fail-above", amount)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: --fail-above: expected a positive amount of USD a month (e.g. 5000), "
        f"got {amount!r}"
    )


def test_whatif_says_which_cells_go_over(tmp_path):
    # input 500: $0.000875 + $0.0014 = $0.002275 a call x 30,416.67 = $69.20 in month 1,
    #   x 1.1^5 = $111.44 in month 6: within $120.
    # input 1000 (the baseline): month 4 $127.53, $7.53 over (as above).
    # input 2000: $0.0035 + $0.0014 = $0.0049 a call x 30,416.67 = $149.04 in month 1:
    #   $29.04 over at once.
    path = write(tmp_path, GROWING + "budget: {monthly_usd: 120}\n")
    result = run("whatif", str(path), "--vary", "input=500,1000,2000")
    assert result.exit_code == 1, result.output
    cells = {line.split()[0]: line.split()[-3:] for line in result.stdout.splitlines()[2:5]}
    assert cells["500"][-1] == "within"
    assert cells["1000"] == ["OVER", "month-04", "+$7.53"]
    assert cells["2000"] == ["OVER", "month-01", "+$29.04"]
    assert f"budget $120.00 a month ({path}:9:23 budget.monthly_usd): 2 of 3 cells go over it" in (
        result.stdout
    )


def test_whatif_fail_above_in_json_and_exit_0_when_every_cell_fits(tmp_path):
    path = write(tmp_path, GROWING)
    result = run("whatif", str(path), "--vary", "input=500,1000", "--fail-above", "160", "--json")
    assert result.exit_code == 0, result.output  # month 6 of input 1000: $154.31
    data = json.loads(result.stdout)
    assert data["budget"]["cells_over"] == 0
    assert [row["over_budget"] for row in data["rows"]] == [False, False]
    over = run("whatif", str(path), "--vary", "input=500,1000", "--fail-above", "150", "--json")
    assert over.exit_code == 1
    rows = json.loads(over.stdout)["rows"]
    assert [(r["first_month_over"], r["over_by_usd"]) for r in rows] == [
        ("", None),
        ("month-06", 4.306989),  # $154.306989 - $150
    ]


def test_whatif_without_a_budget_keeps_its_columns(tmp_path):
    path = write(tmp_path, GROWING)
    out = tmp_path / "grid.csv"
    assert run("whatif", str(path), "--vary", "input=500", "-o", str(out)).exit_code == 0
    assert "over_budget" not in out.read_text().splitlines()[0]


def usage_log(tmp_path, days: dict[str, int]):
    """OpenAI chat completions on gpt-5.2 of 200,000 prompt and 10,000 completion tokens:
    200,000 x $1.75/M + 10,000 x $14/M = $0.35 + $0.14 = $0.49 a call."""
    import datetime as dt

    lines = []
    for day, calls in days.items():
        made = int(dt.datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp())
        for number in range(calls):
            record = {
                "id": f"chatcmpl-{len(lines)}",
                "object": "chat.completion",
                "created": made + number,
                "model": "gpt-5.2",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"content": "ok"}}],
                "usage": {"prompt_tokens": 200_000, "completion_tokens": 10_000},
            }
            lines.append(json.dumps(record))
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_usage_gate_by_calendar_month(tmp_path):
    # October 3 calls = $1.47, November 5 calls = $2.45 (total $3.92)
    log = usage_log(tmp_path, {"2026-10-30": 3, "2026-11-02": 5})
    result = run("usage", log, "--fail-above", "2")
    assert result.exit_code == 1, result.output
    assert result.stdout.strip().splitlines()[-1] == (
        "the log (2 calendar months): OVER budget $2.00 a month (--fail-above) in 2026-11: "
        "$2.45, $0.45 over"
    )
    data = json.loads(run("usage", log, "--fail-above", "1", "--json").stdout)
    assert data["by_month"] == {"2026-10": 1.47, "2026-11": 2.45}
    (bill,) = data["budget"]["bills"]
    assert (bill["first_month_over"], bill["over_by_usd"]) == ("2026-10", 0.47)
    assert run("usage", log, "--fail-above", "2.45").exit_code == 0  # not above: equal


def test_usage_gate_on_a_log_of_one_month_is_its_total(tmp_path):
    log = usage_log(tmp_path, {"2026-11-02": 2, "2026-11-20": 2})  # 4 x $0.49 = $1.96
    result = run("usage", log, "--fail-above", "2")
    assert result.exit_code == 0
    assert result.stdout.strip().splitlines()[-1] == (
        "the log: within budget $2.00 a month (--fail-above); its largest month 2026-11: "
        "$1.96, $0.04 to spare"
    )
    bad = run("usage", log, "--fail-above", "two dollars")
    assert bad.exit_code == 2
    assert bad.stderr.strip() == (
        "Error: --fail-above: expected a positive amount of USD a month (e.g. 5000), "
        "got 'two dollars'"
    )
