"""Each bad input found by the hostile-input run is one line naming where, exit 2, never a
traceback: huge numbers, impossible dates, a model given twice, invalid UTF-8, absurd
calibrations, and the last resort for anything not foreseen."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.inputs.samples import OutputSamples

BIG = "1" + "0" * 30  # 10**30

SCENARIO = """\
name: tiny
models: [gpt-4o-mini]
traffic: {calls_per_day: 1000}
input_tokens: 500
output_tokens: {p50: 100, p95: 300}
horizon_months: 2
simulated_calls: 2000
seed: 3
"""

CATALOG = """\
provider: acme
source: https://wiki.acme.example/contract
as_of: 2026-11-01
models:
  - id: acme-large
    name: ACME Large
    context_window: 128000
    max_output_tokens: 16000
    tokenizer: estimate:generic
    prices: {input: 0.5, output: 1.5}
"""


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def assert_bad(result, *messages: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Warning: " not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert len(result.stderr) < 400, result.stderr
    for message in messages:
        assert message in result.stderr, result.stderr


def write(path: Path, text: str | bytes) -> Path:
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


# --- scenarios and --vary -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "messages"),
    [
        # was decimal.InvalidOperation in the report table
        ("calls_per_day: 1000", f"calls_per_day: {BIG}", ["3:26: traffic.calls_per_day"]),
        ("calls_per_day: 1000", "calls_per_day: 20000000000", ["must be <= 1e+10, got 2e+10"]),
        # was OverflowError in numpy (np.full of an int64)
        ("input_tokens: 500", f"input_tokens: {BIG}", ["input_tokens: expected a whole number"]),
        ("input_tokens: 500", "input_tokens: 200000000", ["must be <= 1e+08"]),
        # was a numpy RuntimeWarning and "got -9223372036854775808"
        ("p95: 300", f"p95: {BIG}", ["output_tokens.p95"]),
        ("seed: 3", "seed: " + "9" * 400, ["seed:", "(400 characters)"]),  # was OverflowError
        ("seed: 3", "seed: 2026-13-45", ["8:7: '2026-13-45': not a valid value"]),
        (
            "calls_per_day: 1000}",
            "calls_per_day: 1000, monthly_growth: 10}",
            ["traffic.monthly_growth: 10 a month over 2 months reaches 11000"],
        ),
    ],
)
def test_scenario_numbers_and_dates(tmp_path, old, new, messages):
    text = SCENARIO.replace(old, new)
    if "11000" in messages[0]:  # growth only bites over a long horizon
        text = text.replace("horizon_months: 2", "horizon_months: 120")
        messages = ["traffic.monthly_growth: 10 a month over 120 months reaches 8.43e+126"]
    scenario = write(tmp_path / "s.yaml", text)
    assert_bad(run("report", scenario), *messages)


def test_a_conversation_system_prompt_is_a_token_count_of_one_call(tmp_path):
    scenario = write(
        tmp_path / "s.yaml",
        "models: [gpt-4o-mini]\ntraffic: {conversations_per_day: 100}\n"
        "conversation: {turns: 3, system_tokens: 100000000000000, user_tokens: 50}\n"
        "output_tokens: 100\nsimulated_calls: 500\n",
    )
    assert_bad(run("report", scenario), "3:41: conversation.system_tokens: must be <= 1e+08")


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        (f"calls_per_day={BIG}", "--vary calls_per_day="),
        (f"input_tokens={BIG}", "input_tokens: expected a whole number of at most 1e+15"),
        ("seed=2026-13-45", "--vary seed=2026-13-45: '2026-13-45': not a valid value"),
        (f"seed={BIG}", "seed: expected a whole number of at most 1e+15"),
        ("max_tokens=[&a [1,1], &b [*a,*a], &c [*b,*b]]", "max_tokens"),
    ],
)
def test_vary_values(tmp_path, vary, message):
    scenario = write(tmp_path / "s.yaml", SCENARIO)
    assert_bad(run("whatif", scenario, "--vary", vary), message)


# --- catalogs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("context_window: 128000", f"context_window: {BIG}", "at most 1,000,000,000 tokens"),
        ("input: 0.5", f"input: {BIG}", "at most 100,000 USD per million tokens"),
        ("input: 0.5", "input: '1e400'", "at most 100,000 USD per million tokens"),
        ("as_of: 2026-11-01", "as_of: 2026-13-45", "3:8: '2026-13-45': not a valid value"),
    ],
)
def test_catalog_fields(tmp_path, old, new, message):
    catalog = write(tmp_path / "c.yaml", CATALOG.replace(old, new))
    assert_bad(run("--catalog", catalog, "limits", "acme-large"), message)


def test_a_model_given_twice_in_one_catalog_is_an_error(tmp_path):
    twice = CATALOG + CATALOG[CATALOG.index("  - id:") :].replace("0.5", "0.7")
    catalog = write(tmp_path / "c.yaml", twice)
    assert_bad(
        run("--catalog", catalog, "limits", "acme-large"),
        "c.yaml:11: model 'acme-large': given twice in this file (first at",
    )


# --- logs and samples -----------------------------------------------------------------------------


def test_invalid_utf8_in_a_usage_csv(tmp_path):
    log = write(tmp_path / "u.csv", b"model,input_tokens,output_tokens\ngpt-4o,10,\xff\xfe\n")
    assert_bad(run("usage", log), "u.csv: not UTF-8 text")


def test_a_usage_detail_that_is_a_string(tmp_path):
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "completion_tokens_details": "oops"}
    log = write(tmp_path / "u.jsonl", json.dumps({"model": "gpt-4o", "usage": usage}) + "\n")
    # Malformed usage is an unpriced call named by its field and line (exit 1), not a crash.
    result = run("usage", log, "--json")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (unpriced,) = json.loads(result.stdout)["unpriced"]
    assert unpriced["reason"] == "malformed usage: usage.completion_tokens_details"
    assert unpriced["first"].endswith("u.jsonl:1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{BIG}\n100\n", "s.txt:1: output length: expected at most 1,000,000,000,000 tokens"),
        ("9" * 5000 + "\n", "expected a whole number of tokens"),  # past int()'s 4,300 digits
        ("-5\n", "s.txt:1: output length: expected a token count >= 0, got -5"),
    ],
)
def test_plan_samples_refuse_impossible_lengths(tmp_path, text, message):
    samples = write(tmp_path / "s.txt", text)
    result = run("plan", "--model", "gpt-4o", "--input", "100", "--samples", samples)
    assert_bad(result, message)


def test_numpy_integers_do_not_leak_into_messages():
    with pytest.raises(ValueError) as caught:
        OutputSamples((np.int64(-5),), (False,), "integers")
    assert str(caught.value) == "samples: expected a token count >= 0, got -5"


# --- calibration ----------------------------------------------------------------------------------


def test_calibrate_refuses_an_absurd_fit(tmp_path):
    # 4,000 characters billed as 10**7 tokens: 0.0004 characters a token, far below any text.
    log = write(
        tmp_path / "calls.jsonl", json.dumps({"text": "word " * 800, "input_tokens": 10**7}) + "\n"
    )
    saved = tmp_path / "cal.json"
    result = run("calibrate", log, "-m", "claude-haiku-4-5", "--save", "--calibration", saved)
    assert_bad(result, "outside 0.2..20")
    assert not saved.exists()


def test_a_bad_calibration_file_is_named_then_replaced_by_save(tmp_path):
    saved = write(tmp_path / "cal.json", '{"models": {"claude-haiku-4-5": {"chars_per_token": 0}}}')
    text = write(tmp_path / "t.txt", "hello world " * 50)
    result = run("count", text, "-m", "claude-haiku-4-5", "--calibration", saved)
    assert_bad(result, "cal.json: calibration file", "replace it with `budget calibrate")
    # 600 characters billed as 150 tokens (+ the message overhead): 4 characters a token
    log = write(
        tmp_path / "calls.jsonl", json.dumps({"text": "hello world " * 50, "input_tokens": 157})
    )
    result = run("calibrate", log, "-m", "claude-haiku-4-5", "--save", "--calibration", saved)
    assert result.exit_code == 0, result.output
    assert "replaced the unreadable calibration file" in result.stderr
    factor = json.loads(saved.read_text())["models"]["claude-haiku-4-5"]["chars_per_token"]
    assert 3 < factor < 5
    assert run("count", text, "-m", "claude-haiku-4-5", "--calibration", saved).exit_code == 0


@pytest.mark.parametrize(
    "content",
    [
        '{"models": {"m": {"chars_per_token": 1e999}}}',
        '{"models": {"m": {"chars_per_token": "4"}}}',
        '{"models": []}',
        "[" * 5000,
        "not json",
    ],
)
def test_calibration_files_that_cannot_be_used(tmp_path, content):
    saved = write(tmp_path / "cal.json", content)
    text = write(tmp_path / "t.txt", "hello")
    assert_bad(run("count", text, "-m", "claude-haiku-4-5", "--calibration", saved), "cal.json")


# --- the last resort ------------------------------------------------------------------------------


@pytest.fixture
def command():
    """A command added to the group for one test."""
    added = []

    def add(callback):
        cli.add_command(click.Command("boom", callback=callback))
        added.append("boom")

    yield add
    for name in added:
        cli.commands.pop(name, None)


def test_an_unexpected_exception_is_one_line(command, monkeypatch):
    monkeypatch.delenv("BUDGET_TRACEBACK", raising=False)

    def boom():
        raise KeyError("x" * 10_000)

    command(boom)
    assert_bad(run("boom"), "unexpected KeyError", "this is a bug in budget")


def test_a_numpy_warning_is_one_line(command):
    # code in budget's own modules that overflows: the warning would print a source line
    namespace = {"__name__": "budget.fake", "np": np}
    exec("def boom():\n    return np.array([1e308]) * 10", namespace)
    command(namespace["boom"])
    assert_bad(run("boom"), "unexpected RuntimeWarning (overflow encountered in multiply)")


# --- long values in messages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["limits", "x" * 5000],  # our message
        ["cost", "--model", "gpt-4o", "--input", "x" * 5000, "--output", "1"],  # click's
        ["plan", "--model", "gpt-4o", "--input", "100", "--task", "x" * 5000],
    ],
)
def test_a_long_value_is_quoted_cut_short(args):
    result = run(*args)
    assert_bad(result, "... (5,0")


def test_clip_words_keeps_short_words():
    from pricing.errors import clip_words

    assert clip_words("a b " + "c" * 300) == "a b " + "c" * 160 + "... (300 characters)"
    assert clip_words("plain message") == "plain message"
