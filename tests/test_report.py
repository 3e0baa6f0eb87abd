"""`budget report`: CSV with the documented columns, Markdown, PNG; all written atomically."""

from __future__ import annotations

import csv
import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.outputs import atomic_write

FIXTURES = Path(__file__).parent / "fixtures" / "workload"
CATALOG = str(FIXTURES / "catalog.yaml")
REQUIRED = [
    "scenario",
    "model",
    "variant",
    "period",
    "calls",
    "input_tokens",
    "cached_tokens",
    "output_tokens",
    "input_usd",
    "cache_usd",
    "output_usd",
    "total_usd",
    "per_call_usd",
    "p95_per_call_usd",
    "worst_case_per_call_usd",
    "max_tokens",
    "truncation_rate",
    "peak_rpm",
    "peak_tpm",
    "binding_limit",
]

SCENARIO = """\
name: two-models
models: [acme-chat, acme-mini]
traffic: {calls_per_day: 1000, peak_factor: 2}
input_tokens: 2000
output_tokens: 500
cache: {read_share: 0.5}
max_tokens: 1000
rate_limits: {rpm: 100, tpm: 50000}
horizon_months: 2
simulated_calls: 1000
"""


def run(*args: str):
    return CliRunner().invoke(cli, ["--catalog", CATALOG, *args])


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "two.yaml"
    path.write_text(textwrap.dedent(SCENARIO))
    return path


def test_csv_has_the_documented_columns_and_hand_checked_numbers(tmp_path, scenario):
    out = tmp_path / "out.csv"
    # the projection table (--rows periods); the finance CSV: tests/test_finance_csv.py
    result = run("report", str(scenario), "-o", str(out), "--rows", "periods")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert set(REQUIRED) <= set(rows[0])
    assert [r["period"] for r in rows[:4]] == ["day", "month-01", "month-02", "total"]
    mini = {r["period"]: r for r in rows if r["model"] == "acme-mini"}
    # acme-mini: 1,000 uncached x $0.4 + 1,000 cached x $0.1 + 500 x $1.6 per million
    per_call = (1000 * Decimal("0.4") + 1000 * Decimal("0.1") + 500 * Decimal("1.6")) / 10**6
    assert Decimal(mini["day"]["per_call_usd"]) == per_call
    assert Decimal(mini["day"]["total_usd"]) == per_call * 1000
    assert int(mini["month-01"]["calls"]) == 30417  # 1,000 a day x 365/12 days, rounded
    # billed for the exact 30,416.67 calls: $0.0013 x 30,416.67 = $39.541667
    assert Decimal(mini["month-01"]["total_usd"]) == Decimal("39.541667")
    assert mini["day"]["truncation_rate"] == "0.0"
    # peak: 1,000/1,440 x 2 = 1.389 calls/min; TPM reserves 2,000 + 1,000 per call
    assert mini["day"]["peak_rpm"] == "1.389"
    assert mini["day"]["peak_tpm"] == str(round(1000 / 1440 * 2 * 3000))
    assert mini["day"]["binding_limit"] == "tpm"  # 50,000 / 3,000 = 16.7 < 100 rpm


def test_markdown_and_chart(tmp_path, scenario):
    md, png = tmp_path / "out.md", tmp_path / "out.png"
    result = run("report", str(scenario), "--markdown", str(md), "--chart", str(png))
    assert result.exit_code == 0, result.output
    text = md.read_text()
    assert text.startswith("# two-models")
    assert "| acme-mini | 1,000 (scenario) |" in text
    assert "Binding limit **tpm**" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_json_output_has_the_rows(scenario):
    result = run("report", str(scenario), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["scenario"] == "two-models"
    assert len(data["rows"]) == 8  # 2 models x (day, 2 months, total)
    assert {r["model"] for r in data["rows"]} == {"acme-chat", "acme-mini"}


def test_human_summary(scenario):
    result = run("report", str(scenario))
    assert result.exit_code == 0
    assert "acme-chat" in result.output and "month-01" in result.output


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write("half a rep")
        raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_unknown_model_in_models_list_leaves_no_files(tmp_path, scenario):
    scenario.write_text(scenario.read_text().replace("acme-mini]", "acme-mni]"))
    out, md = tmp_path / "out.csv", tmp_path / "out.md"
    result = run("report", str(scenario), "-o", str(out), "--markdown", str(md))
    assert result.exit_code == 2
    assert f"{scenario}:2:21: models.1: unknown model 'acme-mni'" in result.output
    assert not out.exists() and not md.exists()


def test_output_directory_must_exist(scenario, tmp_path):
    result = run("report", str(scenario), "-o", str(tmp_path / "nowhere" / "out.csv"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_bad_chart_or_markdown_path_writes_no_csv_either(scenario, tmp_path):
    out = tmp_path / "out.csv"
    for option in ("--markdown", "--chart"):
        target = str(tmp_path / "no" / ("x.png" if option == "--chart" else "x.md"))
        result = run("report", str(scenario), "-o", str(out), option, target)
        assert result.exit_code == 2
        assert "does not exist" in result.output
        assert not out.exists()  # exit 2 means no report, not a CSV without its chart


def test_help_points_to_the_pages_that_document_scenarios_and_the_csv():
    result = CliRunner().invoke(cli, ["report", "--help"])
    assert result.exit_code == 0
    said = " ".join(result.output.split())
    assert "The YAML format: docs/scenarios.md; the CSV columns: docs/report.md." in said
    docs = Path(__file__).parents[1] / "docs"
    assert (docs / "scenarios.md").read_text(encoding="utf-8").startswith("# The scenario format")
    assert "| scenario, model, variant |" in (docs / "report.md").read_text(encoding="utf-8")
    # the modules' docstrings name the same page, which exists
    import budget.workload.scenario

    source = Path(budget.workload.scenario.__file__).read_text(encoding="utf-8")
    assert "docs/scenarios.md documents the format" in source


def test_markdown_shows_small_peak_needs_with_a_decimal(tmp_path, scenario):
    md = tmp_path / "out.md"
    assert run("report", str(scenario), "--markdown", str(md)).exit_code == 0
    text = md.read_text()
    # 1,000 calls/day / 1,440 x 2 = 1.39 calls/min: "rpm 1.4", not "rpm 1" (nor 26 for 26.5)
    assert "need rpm 1.4 of 100" in text
    assert "tpm 4,167 of 50,000" in text  # 1.389 x 3,000 tokens: whole numbers from 100 up


def test_a_chart_path_that_is_not_png_is_refused_before_anything_is_written(tmp_path, scenario):
    out, chart = tmp_path / "out.csv", tmp_path / "chart.jpg"
    result = run("report", str(scenario), "-o", str(out), "--chart", str(chart))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: --chart {chart}: charts are written as PNG; give a file name ending in .png"
    ]
    assert not out.exists() and not chart.exists()
    upper = tmp_path / "CHART.PNG"  # the extension's case does not matter
    assert run("report", str(scenario), "--chart", str(upper)).exit_code == 0
    assert upper.read_bytes()[:4] == b"\x89PNG"


def test_a_peak_over_the_limits_is_marked_and_warned_but_exits_0(tmp_path, scenario):
    # peak 1.389 calls/min x 3,000 TPM per call = 4,167 > 3,000
    scenario.write_text(scenario.read_text().replace("tpm: 50000", "tpm: 3000"))
    result = run("report", str(scenario))
    assert result.exit_code == 0  # a projection is not a check
    rows = [line.split() for line in result.stdout.splitlines() if "acme-mini" in line]
    assert [row[-2:] for row in rows] == [["tpm", "OVER"], ["tpm", "OVER"]]
    assert result.stderr.splitlines() == [
        f"warning: {model}: the rate limits do not carry the peak: 1.4 calls/min in the "
        "busiest month need tpm 4,167 of 3,000; they sustain 1.0 calls/min"
        for model in ("acme-chat", "acme-mini")
    ]
    scenario.write_text(scenario.read_text().replace("tpm: 3000", "tpm: 50000"))
    healthy = run("report", str(scenario))
    assert "OVER" not in healthy.stdout and healthy.stderr == ""


def test_inputs_capped_at_max_input_are_reported_per_model(tmp_path, scenario):
    # acme-mini takes 128,000 input tokens, acme-chat 400,000: P(input > 128K) ~ 13%
    text = scenario.read_text().replace(
        "input_tokens: 2000", "input_tokens: {p50: 60000, p95: 180000}"
    )
    scenario.write_text(text.replace("simulated_calls: 1000", "simulated_calls: 20000"))
    out, md = tmp_path / "out.csv", tmp_path / "out.md"
    result = run(
        "report", str(scenario), "-o", str(out), "--rows", "periods", "--markdown", str(md)
    )
    assert result.exit_code == 0, result.output
    header = out.read_text().splitlines()[0].split(",")
    # appended after sustainable_rpm_at_planned: earlier columns keep their place
    assert header[32:34] == ["sustainable_rpm_at_planned", "input_capped_share"]
    assert header[-3:] == ["price_period", "retired", "priced_as"]  # added last
    shares = {r["model"]: float(r["input_capped_share"]) for r in csv.DictReader(out.open())}
    assert shares["acme-mini"] == pytest.approx(0.128, abs=0.01)
    assert shares["acme-chat"] < 0.01  # P(input > 400K) ~ 0.2%
    warnings = [w for w in result.stderr.splitlines() if "max_input_tokens" in w]
    mini = [w for w in warnings if w.startswith("warning: acme-mini: ")]
    assert len(mini) == 1 and "its max_input_tokens (128,000) and are priced capped" in mini[0]
    percent = f"{shares['acme-mini']:.2%}"
    assert f"acme-mini: {percent} of simulated calls have more input" in mini[0]
    assert f"**Input capped**: acme-mini: {percent}" in md.read_text()
    # the same scenario within both models' input limits: nothing capped, nothing said
    scenario.write_text(text.replace("{p50: 60000, p95: 180000}", "{p50: 6000, p95: 18000}"))
    quiet = run("report", str(scenario), "-o", str(out), "--rows", "periods")
    assert "max_input_tokens" not in quiet.stderr
    assert {r["input_capped_share"] for r in csv.DictReader(out.open())} == {"0.0"}


def test_output_from_a_usage_log_with_cut_replies_is_flagged(tmp_path, scenario):
    # 9 replies, 4 cut at their max_tokens; 5 from acme-chat (the scenario's first model), 2
    # of them cut: as `plan --samples` does, a model's outputs come from its own replies.
    log = FIXTURES / "usage.jsonl"
    scenario.write_text(
        scenario.read_text().replace("output_tokens: 500", f"output_tokens: {{usage_log: {log}}}")
    )
    md = tmp_path / "out.md"
    result = run("report", str(scenario), "--markdown", str(md))
    assert result.exit_code == 0, result.output
    note = (
        "output_tokens: 40.00% of the replies in usage.jsonl were cut at their max_tokens "
        "(finish reason length); their lengths are lower bounds"
    )
    assert [w for w in result.stderr.splitlines() if "usage.jsonl" in w] == [
        "warning: output_tokens: usage.jsonl: used the 5 of 9 logged replies that came from "
        "acme-chat",
        f"warning: {note} of what those calls wanted, so truncation and output cost may be "
        "understated",
    ]
    assert f"- **Cut replies in the usage log**: {note}" in md.read_text()


def test_estimated_counts_are_marked_in_every_output(tmp_path):
    # 350 characters of prompt: Claude's tokenizer is not public, so the bundled estimate
    # (1 token per 3.5 characters) gives 100 tokens; GPT-5.2's o200k_base counts exactly.
    (tmp_path / "prompt.txt").write_text("abcdefg " * 43 + "abcdef", encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        textwrap.dedent(
            """\
            name: files
            models: [gpt-5.2, claude-sonnet-4-5]
            traffic: {calls_per_day: 1000}
            input_tokens: {prompt_files: [prompt.txt]}
            output_tokens: 100
            max_tokens: 500
            horizon_months: 1
            simulated_calls: 10
            """
        )
    )
    out, md = tmp_path / "r.csv", tmp_path / "r.md"
    result = CliRunner().invoke(
        cli,
        ["report", str(tmp_path / "s.yaml"), "-o", str(out), "--rows", "periods"]
        + ["--markdown", str(md)],
    )
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in csv.DictReader(out.open()) if r["period"] == "total"}
    claude, gpt = rows["claude-sonnet-4-5"], rows["gpt-5.2"]
    assert int(claude["input_tokens"]) == 3_041_667  # 100 x 1,000 calls x 365/12 days, rounded
    assert (claude["input_tokens_exact"], claude["output_tokens_exact"]) == ("False", "True")
    assert claude["tokenizer"] == "estimate:anthropic"
    assert (gpt["input_tokens_exact"], gpt["tokenizer"]) == ("True", "tiktoken:o200k_base")
    # the terminal table marks Claude's figures; stderr names the tokenizer and the remedy
    claude_line = next(
        line for line in result.stdout.splitlines() if line.startswith("claude-sonnet-4-5  total")
    )
    assert " ~$" in claude_line
    assert "~$" not in next(line for line in result.stdout.splitlines() if "gpt-5.2" in line)
    assert (
        "claude-sonnet-4-5: input tokens are estimates by estimate:anthropic (estimate: 1 token "
        "per 3.5 characters (Anthropic default)), not exact counts"
    ) in result.stderr
    assert "budget calibrate --model claude-sonnet-4-5 LOG.jsonl --save" in result.stderr
    text = md.read_text()
    assert "| 0.00% | input estimated |" in text and "| 0.00% | exact |" in text
    assert "- **Estimated token counts**: claude-sonnet-4-5: input tokens are estimates" in text
    data = json.loads(
        CliRunner().invoke(cli, ["report", str(tmp_path / "s.yaml"), "--json"]).stdout
    )
    assert {r["model"]: r["input_tokens_exact"] for r in data["rows"]} == {
        "gpt-5.2": True,
        "claude-sonnet-4-5": False,
    }
