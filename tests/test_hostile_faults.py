"""The faults issue 25 found still getting through, one section per class: formulas in every
CSV, widths and counts bounded, deadlines on cluster calls, one-line errors with their cause
where a traceback was masked, --skip-invalid on a first line, leftover part directories.

Where a hang or a blow-up is the failure, the CLI runs in a subprocess with a timeout and an
address-space limit, so a regression fails the test instead of stalling the suite."""

from __future__ import annotations

import csv
import io
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli

BUDGET = [sys.executable, "-c", "from budget.cli import main; main()"]
MEMORY_LIMIT = 1 << 30  # bytes of address space: the 20 MB model name took 936 MB
LINE = '{"model": "%s", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}\n'
CATALOG = """\
provider: acme
source: https://acme.example/prices
as_of: 2026-11-01
models:
  - {id: "=cmd", name: "=cmd", context_window: 128000, max_output_tokens: 8192,
     tokenizer: "estimate:generic", prices: {input: 1.0, output: 2.0}}
"""
SCENARIO = """\
name: tiny
models: ["=cmd"]
traffic: {calls_per_day: 1000}
input_tokens: 500
output_tokens: {p50: 100, p95: 300}
horizon_months: 2
simulated_calls: 500
seed: 3
"""


def run(*args, input: str | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def bounded(*args, timeout: float = 60, memory: int = MEMORY_LIMIT, **kwargs):
    """The CLI in a subprocess that may not run past ``timeout`` seconds (TimeoutExpired
    fails the test) nor map more than ``memory`` bytes (a MemoryError is a failure too)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [*BUDGET, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        **kwargs,
    )


def one_line_error(stderr: str, *parts: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "this is a bug" not in stderr and "Traceback" not in stderr, stderr
    for part in parts:
        assert part in lines[0], stderr


# --- 2. formulas: every CSV we write, every text cell ---------------------------------------------


@pytest.fixture
def formula_model(tmp_path) -> tuple[Path, Path]:
    catalog = tmp_path / "acme.yaml"
    catalog.write_text(CATALOG)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    return catalog, scenario


def cells(path: Path, column: str) -> list[str]:
    return [row[column] for row in csv.DictReader(io.StringIO(path.read_text()))]


def test_a_catalog_model_id_is_quoted_in_report_and_whatif_csvs(tmp_path, formula_model):
    catalog, scenario = formula_model
    report = tmp_path / "report.csv"
    assert run("--catalog", catalog, "report", scenario, "-o", report).exit_code == 0
    assert set(cells(report, "model")) == {"'=cmd"}  # was =cmd: run as a formula
    grid = tmp_path / "grid.csv"
    vary = "model=gpt-4o-mini,=cmd"
    assert run("--catalog", catalog, "whatif", scenario, "--vary", vary, "-o", grid).exit_code == 0
    assert cells(grid, "model") == ["gpt-4o-mini", "'=cmd"]  # cheapest first
    # money stays a number, negative or not: gpt-4o-mini saves against the =cmd baseline
    saving = cells(grid, "diff_usd")[0]
    assert saving.startswith("-") and float(saving) < 0


def test_usage_rows_and_per_record_rows_quote_every_text_cell(tmp_path, monkeypatch, formula_model):
    catalog, _ = formula_model
    monkeypatch.chdir(tmp_path)
    log = Path("=log.jsonl")  # a file name is text from the user too
    log.write_text(LINE % "=cmd" + LINE % " @SUM(A1)")
    rows = tmp_path / "rows.csv"
    result = run("--catalog", catalog, "usage", log, "-o", rows)
    assert result.exit_code == 1, result.output  # " @SUM(A1)" is no model we know
    assert cells(rows, "model") == ["'=cmd", "' @SUM(A1)"]
    assert cells(rows, "file") == ["'=log.jsonl", "'=log.jsonl"]
    assert cells(rows, "total_usd")[0] == "0.0000140000"  # 10 in at $1/M + 2 out at $2/M
    per_record = tmp_path / "records.csv"
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        '{"custom_id": "\\n=1+2", "body": {"messages": [{"role": "user", "content": "hi"}]}}\n'
        '{"custom_id": "|calc", "body": {"messages": [{"role": "user", "content": "hi"}]}}\n'
    )
    assert run("count", batch, "-m", "gpt-4o", "--per-record", per_record).exit_code == 0
    assert cells(per_record, "custom_id") == ["'\n=1+2", "'|calc"]
