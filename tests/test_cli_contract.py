"""The CLI contract of DESIGN.md for count, check, plan and stops: the JSON keys scripts rely
on, the exit codes, and numbers a user would check by hand."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from budget.cli import cli

# OpenAI cookbook "How to count tokens with tiktoken", section 6: the API reported 124 prompt
# tokens for these messages on gpt-4o and gpt-4o-mini, 129 on gpt-4-0613.
FIXTURES = Path(__file__).parent / "fixtures" / "count"
COOKBOOK = FIXTURES / "cookbook_messages.json"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def json_of(result) -> dict:
    return json.loads(result.stdout)


def test_count_json_request_reproduces_the_cookbook(tmp_path):
    path = COOKBOOK
    gpt4 = ["--catalog", str(FIXTURES / "gpt4_catalog.yaml")]
    for catalog, model, expected in (
        ([], "gpt-4o", 124),
        ([], "gpt-4o-mini", 124),
        (gpt4, "gpt-4-0613", 129),
    ):
        result = run(*catalog, "count", str(path), "--model", model, "--json")
        assert result.exit_code == 0, result.output
        data = json_of(result)
        assert {"model", "tokenizer", "exact", "tokens", "records"} <= data.keys()
        assert (data["tokens"], data["records"], data["exact"]) == (expected, 1, True), model


def test_check_with_the_messages_file_counts_as_count_does(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(json.loads(COOKBOOK.read_text())["messages"]))  # a bare list
    args = ["--model", "gpt-4o", "--messages", str(path), "--max-tokens", "500", "--json"]
    result = run("check", *args)
    assert result.exit_code == 0
    assert json_of(result)["input_tokens"] == 124 and json_of(result)["exact"] is True


def test_check_over_max_input_exits_1_with_the_numbers():
    result = run(
        "check", "--model", "gpt-5.2", "--input", "300000", "--max-tokens", "4000", "--json"
    )
    assert result.exit_code == 1
    data = json_of(result)
    keys = {"fits", "input_tokens", "max_tokens", "context_window", "max_output_tokens"}
    assert keys | {"available_output", "problems"} <= data.keys()
    assert data["fits"] is False and data["available_output"] == 0
    # 400,000 context - 128,000 output ceiling = 272,000 max input; 300,000 is 28,000 over
    assert data["problems"] == [
        "input 300,000 exceeds max input 272,000 by 28,000 tokens; cut the input by at least 28,000"
    ]


def test_plan_over_max_input_says_so_and_does_not_fit():
    result = run("plan", "--model", "gpt-5.2", "--input", "300000", "--expected-output", "800")
    assert result.exit_code == 0  # a plan is advice; `check` is the gate (exit 1)
    assert "fits                   no" in result.stdout
    assert "input 300,000 exceeds max input 272,000 by 28,000 tokens" in result.stdout


def test_plan_clamps_to_what_the_context_window_leaves():
    # gpt-4o: 128,000 context, 16,384 output. 10,000 x 1.25 = 12,500 -> 13,000 (steps of
    # 1,000 above 10,000), but 120,000 input leaves 8,000.
    result = run(
        "plan", "--model", "gpt-4o", "--input", "120000", "--expected-output", "10000", "--json"
    )
    assert result.exit_code == 0
    data = json_of(result)
    contract = {"max_tokens", "param", "fits", "expected_cost_usd", "worst_case_cost_usd"}
    assert contract | {"truncation_rate", "continuation_cost_usd", "request"} <= data.keys()
    assert (data["buffered_tokens"], data["max_tokens"]) == (13_000, 8_000)
    assert data["clamped_by"] == "context_window" and data["fits"] is False
    assert data["request"]["max_tokens"] == 8_000
    # $2.50 / MTok in, $10 / MTok out: 120,000 -> $0.30, 8,000 -> $0.08; the expected reply
    # (10,000) is cut at max_tokens, so expected and worst case are the same $0.38
    assert data["worst_case_cost_usd"] == 0.38 and data["expected_cost_usd"] == 0.38


def test_stops_json_contract():
    result = run("stops", "--model", "gpt-4.1", "</answer>", "--json")
    assert result.exit_code == 0
    data = json_of(result)
    assert data["ok"] is True and data["problems"] == []
    assert data["sequences"] == [
        {"sequence": "</answer>", "tokens": data["sequences"][0]["tokens"]}
    ]
    assert data["stop_sequences_max"] == 4
