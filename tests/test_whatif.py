"""`budget whatif`: a grid of variants, each against the baseline, cheapest first."""

from __future__ import annotations

import csv
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.workload.whatif import parse_vary, what_if
from pricing.catalog import load_catalog
from pricing.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "workload"
CATALOG_FILE = str(FIXTURES / "catalog.yaml")
CATALOG = load_catalog([CATALOG_FILE])

SCENARIO = """\
name: bot
model: acme-chat
traffic: {calls_per_day: 1000}
input_tokens: {p50: 2000, p95: 5000}
output_tokens: {p50: 300, p95: 900}
max_tokens: 1000
horizon_months: 2
simulated_calls: 2000
"""


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(textwrap.dedent(SCENARIO))
    return path


def test_values_split_on_commas_outside_braces():
    vary = parse_vary("output={p50: 100, p95: 300},{fixed: 50}")
    assert vary.key == "output_tokens"
    assert vary.values == ("{p50: 100, p95: 300}", "{fixed: 50}")
    assert parse_vary("cache_share=0,0.5").key == "cache.read_share"


def test_batch_for_every_call_halves_the_bill(scenario):
    result = what_if(scenario, [parse_vary("batch_share=0,1")], CATALOG)
    table = result.exact_table
    assert len(table) == 2  # batch_share=0 is the file as written: it is the baseline row
    half = table.iloc[0]
    assert half["batch_share"] == "1"
    assert half["diff_pct"] == -50.0  # same draws, every token at half price
    assert half["total_usd"] * 2 == result.baseline_usd
    same = table[table["batch_share"] == "0"].iloc[0]
    assert same["baseline"] and same["diff_usd"] == 0


def test_grid_is_every_combination_cheapest_first(scenario):
    varies = [parse_vary("model=acme-chat,acme-mini"), parse_vary("max_tokens=500,1000")]
    table = what_if(scenario, varies, CATALOG).exact_table
    assert len(table) == 4  # acme-chat at the file's max_tokens is the baseline, listed once
    assert table["baseline"].sum() == 1
    assert list(table["total_usd"]) == sorted(table["total_usd"])
    cheapest = table.iloc[0]
    # 500 bills fewer output tokens on the first call, but cuts more replies, and each cut
    # reply's continuation re-sends the ~2,000-token input: 1,000 is the cheaper choice.
    assert (cheapest["model"], cheapest["max_tokens"]) == ("acme-mini", 1000)
    mini = table[table["model"] == "acme-mini"].set_index("max_tokens")
    assert mini.loc[500, "truncation_rate"] > mini.loc[1000, "truncation_rate"]
    assert mini.loc[500, "continuation_usd"] > mini.loc[1000, "continuation_usd"]
    base = table[table["baseline"]].iloc[0]
    assert (base["model"], base["diff_usd"], base["diff_pct"]) == ("acme-chat", 0, 0.0)
    expensive = table.iloc[-1]
    expected_pct = float((expensive["total_usd"] / base["total_usd"] - 1) * 100)
    assert expensive["diff_pct"] == pytest.approx(expected_pct, abs=0.01)


def test_bad_vary_values_fail_like_bad_files(scenario):
    with pytest.raises(InputError, match=r"--vary batch_share=2: batch_share: must be a share"):
        what_if(scenario, [parse_vary("batch_share=0,2")], CATALOG)
    with pytest.raises(
        InputError, match=r"--vary max_token: unknown key; did you mean 'max_tokens'"
    ):
        parse_vary("max_token=100")
    with pytest.raises(InputError, match="expected KEY=VALUE1,VALUE2"):
        parse_vary("max_tokens")


def test_cli_writes_the_grid_csv(scenario, tmp_path):
    out = tmp_path / "grid.csv"
    args = ["--catalog", CATALOG_FILE, "whatif", str(scenario), "--vary", "cache_share=0,0.5"]
    result = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert {"cache_share", "model", "total_usd", "diff_usd", "diff_pct", "baseline"} <= set(rows[0])
    assert rows[0]["cache_share"] == "0.5"  # caching half the prompt is cheapest
    as_json = CliRunner().invoke(cli, [*args, "--json"])
    data = json.loads(as_json.output)
    assert len(data["rows"]) == 2 and data["scenario"] == "bot"


def test_baseline_outside_the_grid_gets_its_own_row(scenario):
    table = what_if(scenario, [parse_vary("batch_share=0.5,1")], CATALOG).exact_table
    assert len(table) == 3
    assert list(table[table["baseline"]]["batch_share"]) == ["0"]  # the default, not in the file


def test_cli_bad_value_exits_2_without_output(scenario, tmp_path):
    out = tmp_path / "grid.csv"
    args = ["--catalog", CATALOG_FILE, "whatif", str(scenario), "--vary", "calls_per_day=-1"]
    result = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert result.exit_code == 2
    assert "--vary calls_per_day=-1: traffic.calls_per_day: must be >= 0, got -1" in result.output
    assert not out.exists()


def test_horizon_calls_are_rounded_once(tmp_path):
    path = tmp_path / "flat.yaml"
    path.write_text(
        SCENARIO.replace("horizon_months: 2", "horizon_months: 12").replace(
            "{p50: 2000, p95: 5000}", "1000"
        )
    )
    table = what_if(path, [parse_vary("cache_share=0")], CATALOG).exact_table
    assert list(table["calls"]) == [365_000]  # not 12 x round(30,416.67) = 365,004


def test_baseline_cells_read_as_the_yaml_the_user_writes(scenario):
    table = what_if(scenario, [parse_vary("output={fixed: 50}")], CATALOG).exact_table
    base = table[table["baseline"]].iloc[0]
    assert base["output"] == "{p50: 300, p95: 900}"  # not the Python {'p50': 300, 'p95': 900}


def test_varying_calls_per_month_shows_the_files_calls_per_day(scenario):
    table = what_if(scenario, [parse_vary("calls_per_month=60000")], CATALOG).exact_table
    base = table[table["baseline"]].iloc[0]
    assert base["calls_per_month"] == "calls_per_day 1000"  # what the file sets, not (default)
    varied = table[~table["baseline"]].iloc[0]
    assert varied["calls"] == 120_000  # 60,000 a month for two months


def test_json_varied_values_are_typed(scenario):
    args = ["--catalog", CATALOG_FILE, "whatif", str(scenario), "--json"]
    result = CliRunner().invoke(cli, [*args, "--vary", "cache_share=0.5", "--vary", "seed=3"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert sorted((r["cache_share"], r["seed"]) for r in rows) == [(0, 0), (0.5, 3)]
    result = CliRunner().invoke(cli, [*args, "--vary", "output={fixed: 50}"])
    outputs = [r["output"] for r in json.loads(result.stdout)["rows"]]
    assert sorted(outputs) == ["{fixed: 50}", "{p50: 300, p95: 900}"]  # not numbers: text


def test_a_varied_limit_the_peak_exceeds_is_marked_and_warned(scenario):
    # 1,000 calls/day = 0.69 calls/min, each reserving ~2,300 input + 1,000 max_tokens of TPM
    args = ["--catalog", CATALOG_FILE, "whatif", str(scenario), "--vary", "tpm=1000,100000"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0  # a projection is not a check
    over = [line for line in result.stdout.splitlines() if "OVER" in line]
    assert len(over) == 1 and over[0].split()[0] == "1000" and "tpm OVER" in over[0]
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "warning: tpm=1000: acme-chat: the rate limits do not carry the peak: 0.7 calls/min"
    )
    assert warnings[0].endswith("of 1,000; they sustain 0.3 calls/min")


def test_the_grid_varies_values_not_files(tmp_path, monkeypatch):
    # The scenario is read once and each prompt file counted once, however large the grid:
    # a FIFO (read once) works as the scenario, and the counter sees each file once.
    import os

    import budget.tokenizers.count as count_module

    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Summarise the ticket below in two sentences.\n" * 20)
    text = SCENARIO.replace(
        "input_tokens: {p50: 2000, p95: 5000}", "input_tokens: {prompt_files: [a.txt, b.txt]}"
    )
    counted: list[str] = []
    real = count_module.count_paths

    def counting(paths, *args, **kwargs):
        counted.extend(paths)
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(count_module, "count_paths", counting)
    fifo = tmp_path / "bot.yaml"
    os.mkfifo(fifo)
    pid = os.fork()
    if pid == 0:
        with open(fifo, "w") as out:
            out.write(text)
        os._exit(0)
    try:
        result = what_if(fifo, [parse_vary("batch_share=0,0.5,1"), parse_vary("seed=1,2")], CATALOG)
    finally:
        os.waitpid(pid, 0)
    assert len(result.exact_table) == 7  # six cells and the baseline (seed 0)
    assert sorted(counted) == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]


CUT_REPLIES = """\
name: cut
model: acme-chat
traffic: {calls_per_day: 1000}
input_tokens: {fixed: 10000}
output_tokens: {fixed: 800}
max_tokens: 1000
horizon_months: 2
simulated_calls: 100
"""


@pytest.mark.parametrize(
    "on_truncation, per_call, total",
    [
        # acme-chat: $2 input, $8 output per MTok. max_tokens 600 cuts every 800-token reply:
        # first call 10,000 x 2 + 600 x 8 = 24,800 micro-dollars (looks cheaper than 26,400);
        # continue: re-send 10,600 and generate the last 200: 21,200 + 1,600 = 22,800;
        # retry: send again and generate all 800: 26,400.
        # Two months of 1,000 calls/day = 365,000 / 6 calls.
        ("continue", "0.04760000", "2895.666667"),  # 47,600 x 365,000 / 6 = $2,895.666667
        ("retry", "0.05120000", "3114.666667"),  # 51,200 x 365,000 / 6 = $3,114.666667
    ],
)
def test_a_lower_max_tokens_that_cuts_replies_costs_more(tmp_path, on_truncation, per_call, total):
    path = tmp_path / "cut.yaml"
    path.write_text(CUT_REPLIES + f"on_truncation: {on_truncation}\n")
    result = what_if(path, [parse_vary("max_tokens=600,1000")], CATALOG)
    table = result.exact_table
    # the baseline (1,000: nothing cut) is cheapest: 26,400 x 365,000 / 6 = $1,606.00
    assert list(table["max_tokens"]) == [1000, 600]
    assert str(table.iloc[0]["total_usd"]) == "1606.000000"
    assert table.iloc[0]["continuation_usd"] == 0
    cut = table.iloc[1]
    assert cut["truncation_rate"] == 1.0
    assert str(cut["per_call_usd"]) == per_call
    assert str(cut["total_usd"]) == total
    follow_up = {"continue": "1387.000000", "retry": "1606.000000"}[on_truncation]
    assert str(cut["continuation_usd"]) == follow_up  # 22,800 or 26,400 x 365,000 / 6
    assert cut["diff_usd"] > 0


def test_on_truncation_must_be_continue_or_retry(tmp_path):
    path = tmp_path / "cut.yaml"
    path.write_text(CUT_REPLIES + "on_truncation: resend\n")
    result = CliRunner().invoke(
        cli, ["whatif", str(path), "--vary", "max_tokens=600", "--catalog", CATALOG_FILE]
    )
    assert result.exit_code == 2
    assert "cut.yaml:9:16: on_truncation: expected one of continue, retry, got 'resend'" in (
        result.output
    )


def test_whatif_table_prints_one_money_format_per_column(tmp_path):
    path = tmp_path / "cut.yaml"
    path.write_text(CUT_REPLIES)
    result = CliRunner().invoke(
        cli, ["whatif", str(path), "--vary", "max_tokens=600", "--catalog", CATALOG_FILE]
    )
    assert result.exit_code == 0, result.output
    # totals $1,606.00 and $2,895.67, the difference +$1,289.67 (2,895.666667 - 1,606), the
    # continuations $1,387.00 and $0.00: all with the 2 places the largest amount needs
    rows = {line.split()[1]: line.split() for line in result.output.splitlines()[2:]}
    assert rows["600"][2:6] == ["$2,895.67", "$1,387.00", "$0.0476", "+$1,289.67"]
    # per call: 4 places, the smallest figure's
    assert rows["(baseline)"][3:7] == ["$1,606.00", "$0.00", "$0.0264", "+$0.00"]


def test_library_tables_alike_float_usd_with_exact_totals_alongside(tmp_path):
    from decimal import Decimal

    from budget import load_scenario, project

    path = tmp_path / "cut.yaml"
    path.write_text(CUT_REPLIES)
    grid = what_if(path, [parse_vary("max_tokens=600")], CATALOG)
    projection = project(load_scenario(path), CATALOG)
    # both results give `.table` (an attribute-style property) with float money columns
    for table in (grid.table, projection.table):
        assert table["total_usd"].dtype == "float64"
        assert all(isinstance(v, Decimal) for v in table["total_usd_exact"])
    # the baseline: 26,400 micro-dollars x 365,000 / 6 calls = $1,606 exactly, as both say
    assert grid.table.iloc[0]["total_usd"] == 1606.0
    assert grid.table.iloc[0]["total_usd_exact"] == Decimal("1606.000000")
    total = projection.table.set_index("period").loc["total"]
    assert (total["total_usd"], total["total_usd_exact"]) == (1606.0, Decimal("1606.000000"))
    assert str(projection.exact_table.set_index("period").loc["total", "total_usd"]) == (
        "1606.000000"
    )
