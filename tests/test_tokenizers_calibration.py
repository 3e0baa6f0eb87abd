"""Calibrating an estimate from logs, and text cut into blocks counting like the whole."""

from __future__ import annotations

import io
import json
import math
from types import SimpleNamespace

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from budget.cli import cli
from budget.inputs.files import text_blocks
from budget.tokenizers import TokenizerOptions, tokenizer_for
from budget.tokenizers.calibration import fit, read_log
from budget.tokenizers.estimate import EstimateTokenizer

CLAUDE = SimpleNamespace(
    id="claude-sonnet-4-5", provider="anthropic", tokenizer="estimate:anthropic"
)


def write_log(path, chars_per_token: float) -> None:
    """Calls whose real count is exactly text/chars_per_token plus the family's fixed costs."""
    lines = []
    for size in (200, 1000, 5000, 12000):
        text = "word " * (size // 5)
        real = math.ceil(len(text) / chars_per_token) + 3  # one message
        lines.append(json.dumps({"text": text, "usage": {"input_tokens": real}}))
    messages = [{"role": "user", "content": "y" * 3000}, {"role": "assistant", "content": "ok"}]
    real = math.ceil(3002 / chars_per_token) + 6
    lines.append(json.dumps({"messages": messages, "input_tokens": real}))
    path.write_text("\n".join(lines) + "\n\n")


def test_fit_recovers_the_factor_of_the_logs(tmp_path):
    log = tmp_path / "calls.jsonl"
    write_log(log, 3.0)
    result = fit("claude-sonnet-4-5", EstimateTokenizer("anthropic"), read_log(str(log)))
    assert result.records == 5
    assert abs(result.chars_per_token - 3.0) < 0.01
    assert result.mean_abs_error_fitted < 0.01 < result.mean_abs_error_default


def test_calibrate_saves_and_count_uses_it(tmp_path):
    log = tmp_path / "calls.jsonl"
    write_log(log, 2.5)
    calibration = tmp_path / "calibration.json"
    runner = CliRunner()
    args = [
        "calibrate",
        str(log),
        "--model",
        "claude-sonnet-4-5",
        "--calibration",
        str(calibration),
    ]
    shown = runner.invoke(cli, [*args, "--json"])
    assert shown.exit_code == 0, shown.output
    assert abs(json.loads(shown.output)["chars_per_token"] - 2.5) < 0.01
    assert not calibration.exists()  # printing is not saving
    saved = runner.invoke(cli, [*args, "--save"])
    assert saved.exit_code == 0, saved.output
    assert json.loads(calibration.read_text())["models"]["claude-sonnet-4-5"]["records"] == 5
    tokenizer = tokenizer_for(CLAUDE, options=TokenizerOptions(calibration_file=str(calibration)))
    assert not tokenizer.exact and "calibrated from 5 calls" in tokenizer.method
    assert tokenizer.count_text("x" * 250) == 100


def test_calibrate_refuses_exact_models_and_bad_logs(tmp_path):
    runner = CliRunner()
    log = tmp_path / "calls.jsonl"
    log.write_text('{"text": "hello", "input_tokens": 3}\n{"text": "hi"}\n')
    exact = runner.invoke(cli, ["calibrate", str(log), "--model", "gpt-4o"])
    assert exact.exit_code == 2 and "counted exactly" in exact.output
    missing = runner.invoke(cli, ["calibrate", str(log), "--model", "claude-sonnet-4-5"])
    assert missing.exit_code == 2
    assert f"{log}:2: usage: no usage found (expected usage" in missing.output


def test_a_broken_calibration_file_is_named(tmp_path):
    calibration = tmp_path / "calibration.json"
    calibration.write_text('{"models": {"claude-sonnet-4-5": {"chars_per_token": 0}}}')
    options = TokenizerOptions(calibration_file=str(calibration))
    try:
        tokenizer_for(CLAUDE, options=options)
    except ValueError as exc:
        assert str(calibration) in str(exc) and "chars_per_token" in str(exc)
    else:
        raise AssertionError("a zero factor was accepted")


PIECES = [
    "\n",
    "\n\n",
    "\r\n",
    " ",
    "  ",
    "\t",
    "/",
    "//",
    ".",
    "a",
    "b",
    "Ab",
    "word",
    "x/y",
    "12345",
    "'s",
    "é",
    "日本",
    "\u00a0",
    "#",
    "-",
    "😀",
    "<|endoftext|>",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=0, max_size=300), st.integers(8, 64))
def test_blocks_count_like_the_whole_text(pieces, block_size):
    text = "".join(pieces)
    for model in ("tiktoken:o200k_base", "tiktoken:cl100k_base"):
        tokenizer = tokenizer_for(SimpleNamespace(id="m", provider="openai", tokenizer=model))
        blocks = list(text_blocks(io.BytesIO(text.encode()), block_size=block_size))
        assert b"".join(block.data for block, _ in blocks) == text.encode()
        total = sum(tokenizer.count_text(block.data.decode()) for block, _ in blocks)
        assert total == tokenizer.count_text(text)
