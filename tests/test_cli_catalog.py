"""`budget models`, `budget limits`, `budget cost` through the CLI, as a script would use them."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli

PRIVATE = str(Path(__file__).parent / "fixtures" / "catalog" / "private.yaml")


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_limits_json_has_the_contract_keys():
    result = run("limits", "gpt-5.2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["model"] == "gpt-5.2"
    assert (data["context_window"], data["max_input_tokens"], data["max_output_tokens"]) == (
        400_000,
        272_000,
        128_000,
    )
    assert data["output_param"] == "max_completion_tokens"
    assert data["as_of"] and data["source"].startswith("https://")


def test_limits_of_a_variant_and_names_people_write():
    data = json.loads(
        run(
            "limits", "anthropic/claude-sonnet-4-5-20250929", "--variant", "1m-context", "--json"
        ).output
    )
    assert data["model"] == "claude-sonnet-4-5"
    assert data["context_window"] == 1_000_000 and data["max_output_tokens"] == 64_000
    assert data["request_headers"] == {"anthropic-beta": "context-1m-2025-08-07"}


def test_cost_json_contract_and_calls():
    result = run(
        "cost",
        "--model",
        "gpt-5.2",
        "--input",
        "12000",
        "--output",
        "800",
        "--calls",
        "1000",
        "--json",
    )
    data = json.loads(result.output)
    assert data["per_call_usd"] == pytest.approx(0.0322)
    assert data["total_usd"] == pytest.approx(32.2)
    assert data["breakdown"]["output_usd"] == pytest.approx(11.2)
    assert data["calls"] == 1000


def test_cost_batch_halves_and_cache_parts():
    base = [
        "cost",
        "--model",
        "claude-sonnet-4-5",
        "--input",
        "50000",
        "--cached-input",
        "40000",
        "--output",
        "1000",
        "--json",
    ]
    standard = json.loads(run(*base).output)
    batch = json.loads(run(*base, "--batch").output)
    # 10,000 x $3 + 40,000 x $0.30 + 1,000 x $15 per million
    assert standard["total_usd"] == pytest.approx(0.03 + 0.012 + 0.015)
    assert batch["total_usd"] == pytest.approx(standard["total_usd"] / 2)


def test_cost_from_a_provider_usage_object(tmp_path):
    response = {
        "type": "message",
        "model": "claude-sonnet-4-5-20250929",
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1000, "cache_read_input_tokens": 9000, "output_tokens": 100},
    }
    path = tmp_path / "response.json"
    path.write_text(json.dumps(response))
    data = json.loads(run("cost", "--usage", str(path), "--json").output)
    assert data["usage"]["input_tokens"] == 10_000
    assert data["total_usd"] == pytest.approx(0.003 + 0.0027 + 0.0015)


def test_models_lists_and_filters():
    data = json.loads(run("models", "--provider", "openai", "--json").output)
    assert data and {m["provider"] for m in data} == {"openai"}
    assert any(m["model"] == "gpt-5.2" for m in data)
    assert "gpt-5.2" in run("models", "gpt-5.2").output


def test_catalog_override_from_option_and_environment():
    by_option = run("--catalog", PRIVATE, "limits", "acme-large", "--json")
    assert json.loads(by_option.output)["max_output_tokens"] == 16_000
    by_env = run("limits", "acme-large", "--json", env={"TOKEN_BUDGET_CATALOG": PRIVATE})
    assert json.loads(by_env.output)["context_window"] == 128_000


@pytest.mark.parametrize(
    "args, message",
    [
        (["limits", "gpt-5.22x"], "unknown model 'gpt-5.22x'; did you mean"),
        (
            ["cost", "--model", "gpt-5.2", "--input", "-5", "--output", "1"],
            "--input: expected a token count >= 0, got -5",
        ),
        (
            ["cost", "--model", "gpt-5.2", "--input", "ten", "--output", "1"],
            "--input: expected a whole number of tokens, got 'ten'",
        ),
        (
            ["cost", "--model", "gpt-5.2", "--input", "5", "--cached-input", "6", "--output", "1"],
            "exceed input_tokens",
        ),
        (["cost", "--model", "gpt-5.2", "--input", "5"], "give --input and --output"),
        (["--catalog", "/nonexistent.yaml", "limits", "gpt-5.2"], "catalog file not found"),
        (["limits", "claude-sonnet-4-5", "--variant", "2m"], "no variant '2m'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    if "unknown model" in message:  # the one error line, then how to add it (--catalog)
        lines = lines[: lines.index(next(x for x in lines if x.startswith("To price it")))]
    assert len(lines) == 1 and message in lines[0], result.output
    assert "Traceback" not in result.output


def test_malformed_override_yaml_is_exit_2_naming_the_file(tmp_path):
    bad = tmp_path / "deal.yaml"
    bad.write_text("provider: x\nsource: s\nas_of: 2026-01-01\nmodels:\n  - id: [oops\n")
    result = run("--catalog", str(bad), "limits", "gpt-5.2")
    assert result.exit_code == 2
    assert f"{bad}:6:1: invalid YAML" in result.output
    assert "flow sequence at line 5" in result.output


def test_price_commands_do_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from budget.cli import cli\n"
        "for args in (['cost','--model','gpt-5.2','--input','1','--output','1','--json'],"
        " ['limits','gpt-5.2','--json'], ['models']):\n"
        "    assert CliRunner().invoke(cli, args).exit_code == 0\n"
        "print(sorted(m for m in ('pandas','tiktoken','tokenizers','numpy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cost_refuses_absurd_token_counts():
    result = run("cost", "--model", "gpt-5.2", "--input", str(10**13), "--output", "1")
    assert result.exit_code == 2 and "--input" in result.output


def test_cost_usage_prices_the_service_tier_the_response_reports(tmp_path):
    response = {
        "model": "gpt-5.2",
        "service_tier": "flex",
        "choices": [{"finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 0},
    }
    path = tmp_path / "flex.json"
    path.write_text(json.dumps(response))
    flex = json.loads(run("cost", "--usage", str(path), "--json").output)
    standard = json.loads(
        run("cost", "--model", "gpt-5.2", "--input", "1000000", "--output", "0", "--json").stdout
    )
    assert flex["service_tier"] == "flex"
    assert flex["total_usd"] < standard["total_usd"] == pytest.approx(1.75)


def test_cost_compares_several_models_on_the_same_calls():
    args = [
        "cost",
        "-m",
        "gpt-5.2",
        "-m",
        "claude-sonnet-4-5",
        "--input",
        "20000",
        "--output",
        "1000",
    ]
    records = json.loads(run(*args, "--json").output)
    assert [r["model"] for r in records] == ["gpt-5.2", "claude-sonnet-4-5"]  # order given
    # 20,000 x $1.75 + 1,000 x $14 and 20,000 x $3 + 1,000 x $15, per million
    assert [r["total_usd"] for r in records] == [pytest.approx(0.049), pytest.approx(0.075)]
    table = run(*args).stdout.splitlines()  # (stderr: claude-sonnet-4-5 retires 2026-11-30)
    assert table[2].startswith("gpt-5.2") and "+$0 " in table[2]  # cheapest first
    assert table[3].startswith("claude-sonnet-4-5") and "+53.1%" in table[3]


def test_cost_of_a_call_that_cannot_be_sent_says_why_and_which_variant_fits():
    result = run(
        "cost", "-m", "claude-sonnet-4-5", "--input", "300000", "--output", "1000", "--json"
    )
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["fits"] is False
    assert any("exceeds max input 200,000" in p for p in record["problems"])
    assert any("1m-context would fit" in p for p in record["problems"])
    assert "warning: claude-sonnet-4-5: input 300,000 exceeds" in result.stderr
    fits = json.loads(
        run("cost", "-m", "gpt-5.2", "--input", "1000", "--output", "10", "--json").stdout
    )
    assert fits["fits"] is True and fits["problems"] == []


def test_cost_compares_each_model_once_and_empty_names_are_bad_input():
    records = json.loads(
        run(
            "cost",
            "-m",
            "gpt-5.2",
            "-m",
            "openai/gpt-5.2",
            "-m",
            "claude-haiku-4-5",
            "--input",
            "100",
            "--output",
            "10",
            "--json",
        ).stdout
    )
    assert [r["model"] for r in records] == ["gpt-5.2", "claude-haiku-4-5"]
    empty = run("cost", "-m", "", "--input", "1", "--output", "1")
    assert empty.exit_code == 2 and "model: no name given" in empty.output
    assert run("limits", "").exit_code == 2


@pytest.mark.parametrize("written", ["claude-sonnet-4.5", "openrouter/anthropic/claude-sonnet-4.5"])
def test_dotted_claude_versions_resolve(written):
    assert json.loads(run("limits", written, "--json").stdout)["model"] == "claude-sonnet-4-5"


def test_limits_and_stops_agree_on_models_that_reject_stop_sequences():
    data = json.loads(run("limits", "gpt-5.2", "--json").stdout)
    assert data["supports_stop"] is False and data["stop_sequences_max"] == 0
    assert json.loads(run("limits", "gpt-4.1", "--json").stdout)["stop_sequences_max"] == 4


def test_models_finds_names_as_people_write_them_and_shows_long_context_prices():
    assert "gpt-5.2" in run("models", "openai/gpt-5.2").stdout
    rows = run("models", "gemini-2.5-pro").stdout.splitlines()
    line = next(row for row in rows if row.split()[0] == "gemini-2.5-pro")  # not -tts
    assert ">200K $2.5/$15" in line
    nothing = run("models", "zzz")
    assert nothing.exit_code == 0 and "no model matches 'zzz'" in nothing.stderr
