"""What a reader must act on reaches every output: each warning `report` and `whatif` print
on stderr is also in their `--json` (a rate limit exceeded, a retirement, a price change, a
stale catalog)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from budget.cli import cli

# gemini-4-argon: prices double on 2026-12-01 (month 2); gpt-5 retires on 2026-12-11 (month
# 1); 1,000 calls a day at a peak factor of 3 = 2.1 calls a minute against an rpm of 1.
SCENARIO = """\
name: warned
models: [gemini-4-argon, gpt-5]
traffic: {calls_per_day: 1000, peak_factor: 3}
input_tokens: 1000
output_tokens: 100
max_tokens: 100
rate_limits: {rpm: 1}
horizon_months: 3
simulated_calls: 100
start: START
"""
COMMANDS = {
    "report": ["report"],
    "whatif": ["whatif", "--vary", "max_tokens=100,200"],
}


def stderr_warnings(stderr: str) -> list[str]:
    return [line.removeprefix("warning: ") for line in stderr.splitlines() if "warning:" in line]


def run(tmp_path, command: str, start: str) -> tuple[list[str], list[str]]:
    path = tmp_path / "warned.yaml"
    path.write_text(SCENARIO.replace("START", start))
    args = COMMANDS[command]
    shown = CliRunner().invoke(cli, [args[0], str(path), *args[1:]])
    as_json = CliRunner().invoke(cli, [args[0], str(path), *args[1:], "--json"])
    assert shown.exit_code == as_json.exit_code == 0, shown.output + as_json.output
    said = stderr_warnings(shown.stderr) + stderr_warnings(as_json.stderr)
    return said, json.loads(as_json.stdout)["warnings"]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_json_carries_the_limit_the_retirement_and_the_price_change(tmp_path, command):
    said, carried = run(tmp_path, command, "2026-11-01")
    kinds = ["rate limits do not carry the peak", "gpt-5 retires on 2026-12-11", "prices change"]
    for kind in kinds:
        assert any(kind in note for note in said), (kind, said)
        assert any(kind in note for note in carried), (kind, carried)
    assert set(said) <= set(carried)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_json_carries_a_stale_catalog(tmp_path, command):
    # Priced from 2028-06-01, the bundled catalog is more than its 90 days old.
    said, carried = run(tmp_path, command, "2028-06-01")
    assert any("the price catalog is dated" in note for note in said), said
    assert set(said) <= set(carried), set(said) - set(carried)
