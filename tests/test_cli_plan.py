"""`budget check`, `budget plan` and `budget stops` driven as a user would, through click."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.tokenizers import tokenizer_for
from pricing.catalog import load_catalog

FIXTURES = Path(__file__).parent / "fixtures" / "plan"


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def run_json(*args: str):
    result = run(*args, "--json")
    return result, json.loads(result.output)


# --- check -----------------------------------------------------------------------------------


def test_check_fits_exit_0_with_the_contract_keys():
    result, data = run_json(
        "check", "--model", "gpt-5.2", "--input", "250000", "--max-tokens", "128000"
    )
    assert result.exit_code == 0
    assert data["fits"] is True
    assert data["available_output"] == 128_000
    for key in ("input_tokens", "max_tokens", "context_window", "max_output_tokens", "problems"):
        assert key in data
    assert data["context_window"] == 400_000 and data["max_output_tokens"] == 128_000


def test_check_does_not_fit_exit_1_with_numbers():
    result, data = run_json(
        "check", "--model", "gpt-5.2", "--input", "300000", "--max-tokens", "1000"
    )
    assert result.exit_code == 1
    assert data["fits"] is False
    assert data["problems"][0].startswith("input 300,000 exceeds max input 272,000 by 28,000")


def test_check_human_output_names_the_variant_that_fits():
    result = run(
        "check", "--model", "claude-sonnet-4-5", "--input", "190000", "--max-tokens", "20000"
    )
    assert result.exit_code == 1
    assert "fits              no" in result.output
    assert "variant 1m-context would fit (--variant 1m-context)" in result.output
    fixed = run(
        "check",
        "--model",
        "claude-sonnet-4-5",
        "--variant",
        "1m-context",
        "--input",
        "190000",
        "--max-tokens",
        "20000",
    )
    assert fixed.exit_code == 0


def test_check_counts_a_prompt_file_with_the_model_tokenizer():
    prompt = FIXTURES / "prompt.txt"
    model = load_catalog().resolve("gpt-5.2")
    expected = tokenizer_for(model).count_text(prompt.read_text(encoding="utf-8"))
    result, data = run_json("check", "--model", "gpt-5.2", "--prompt", prompt, "--max-tokens", 500)
    assert result.exit_code == 0
    assert data["input_tokens"] == expected
    assert data["exact"] is True and data["tokenizer"] == "tiktoken:o200k_base"


def test_check_messages_file_is_labelled_estimate_for_claude():
    result, data = run_json(
        "check",
        "--model",
        "claude-sonnet-4-5",
        "--messages",
        FIXTURES / "chat.json",
        "--max-tokens",
        1000,
    )
    assert result.exit_code == 0
    assert data["exact"] is False and data["tokenizer"] == "estimate:anthropic"
    assert data["input_tokens"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--input", "-5", "--max-tokens", "10"],
            "Error: --input: expected a token count >= 0, got -5",
        ),
        (["--input", "ten", "--max-tokens", "10"], "Error: --input: expected a whole number"),
        (["--input", "10", "--max-tokens", "1.5"], "Error: --max-tokens: expected a whole number"),
    ],
)
def test_check_bad_numbers_exit_2_on_one_line(args, message):
    result = run("check", "--model", "gpt-5.2", *args)
    assert result.exit_code == 2
    assert result.output.strip().startswith(message)
    assert len(result.output.strip().splitlines()) == 1


def test_check_needs_exactly_one_input():
    result = run("check", "--model", "gpt-5.2", "--max-tokens", "10")
    assert result.exit_code == 2
    assert "exactly one of --input N, --prompt FILE or --messages FILE" in result.output


# --- plan ------------------------------------------------------------------------------------


def test_plan_json_has_the_contract_keys_and_the_seed_number():
    result, data = run_json(
        "plan", "--model", "gpt-5.2", "--input", "12000", "--expected-output", "800"
    )
    assert result.exit_code == 0
    assert data["max_tokens"] == 1000
    assert data["param"] == "max_completion_tokens"
    assert data["request"]["max_completion_tokens"] == 1000
    for key in ("fits", "expected_cost_usd", "worst_case_cost_usd", "continuation_cost_usd"):
        assert key in data
    assert data["truncation_rate"] is None


def test_plan_buffer_as_percent():
    _, data = run_json(
        "plan",
        "--model",
        "gpt-5.2",
        "--input",
        "100",
        "--expected-output",
        "800",
        "--buffer",
        "50%",
    )
    assert data["max_tokens"] == 1200


def test_plan_from_a_censored_usage_log():
    result, data = run_json(
        "plan",
        "--model",
        "gpt-5.2",
        "--input",
        "1200",
        "--samples",
        FIXTURES / "openai_usage_log.jsonl",
    )
    assert result.exit_code == 0
    assert data["sample_count"] == 10
    assert data["observed_truncation_rate"] == 0.2
    assert data["percentile_is_lower_bound"] is True
    assert data["chosen_output_tokens"] == 1000  # p95 of 10 is the 10th: a cut reply
    assert data["max_tokens"] == 1300


def test_plan_human_output_shows_the_param_and_the_request():
    result = run(
        "plan",
        "--model",
        "claude-sonnet-4-5",
        "--messages",
        FIXTURES / "chat.json",
        "--task",
        "qa",
        "--reasoning",
        "2000",
    )
    assert result.exit_code == 0, result.output
    assert "max_tokens       2,400  (+25% buffer + 2,000 reasoning, rounded up)" in result.output
    assert '"budget_tokens": 2000' in result.output
    assert '"system": "You answer in one short paragraph."' in result.output


def test_plan_samples_of_integers_with_a_percentile():
    _, data = run_json(
        "plan",
        "--model",
        "gpt-4.1",
        "--input",
        "500",
        "--samples",
        FIXTURES / "lengths.txt",
        "--percentile",
        "50",
        "--buffer",
        "0",
    )
    assert data["chosen_output_tokens"] == 250  # sorted 180, 250, 310, 420: rank 2
    assert data["max_tokens"] == 250
    assert data["truncation_rate"] == 0.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--samples", "EMPTY", "--percentile", "95"], "samples file is empty"),
        (
            ["--samples", "LENGTHS", "--percentile", "0"],
            "--percentile: expected a number in (0, 100]",
        ),
        (["--samples", "LENGTHS", "--percentile", "101"], "--percentile: expected a number"),
        (["--expected-output", "800", "--buffer", "-0.1"], "--buffer: expected a number from 0"),
        (["--expected-output", "800", "--buffer", "lots"], "--buffer: expected a number from 0"),
        (["--expected-output", "-800"], "--expected-output: expected a token count >= 0"),
        (["--task", "qa", "--reasoning", "500"], None),  # fine for OpenAI: no minimum budget
    ],
)
def test_plan_bad_input_exit_2(tmp_path, args, message):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    swap = {"EMPTY": str(empty), "LENGTHS": str(FIXTURES / "lengths.txt")}
    args = [swap.get(a, a) for a in args]
    result = run("plan", "--model", "gpt-5.2", "--input", "100", *args)
    if message is None:
        assert result.exit_code == 0
        return
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_plan_anthropic_thinking_below_1024_exit_2():
    result = run(
        "plan",
        "--model",
        "claude-sonnet-4-5",
        "--input",
        "100",
        "--task",
        "qa",
        "--reasoning",
        "500",
    )
    assert result.exit_code == 2
    assert "budget_tokens >= 1,024" in result.output


def test_plan_needs_exactly_one_basis():
    result = run(
        "plan", "--model", "gpt-5.2", "--input", "100", "--task", "qa", "--expected-output", "5"
    )
    assert result.exit_code == 2
    assert "exactly one of --expected-output" in result.output


# --- stops -----------------------------------------------------------------------------------


def test_stops_ok_exit_0():
    result, data = run_json("stops", "--model", "gpt-4.1", "</answer>")
    assert result.exit_code == 0
    assert data["ok"] is True and data["problems"] == []


def test_stops_too_many_for_openai_exit_1():
    result, data = run_json("stops", "--model", "gpt-4.1", "<a>", "<b>", "<c>", "<d>", "<e>")
    assert result.exit_code == 1
    assert data["problems"] == ["5 stop sequences given; gpt-4.1 takes at most 4 (drop 1)"]


def test_stops_for_a_model_that_takes_none_does_not_offer_a_limit_of_four():
    # GPT-5.2 (a reasoning model) rejects `stop`: the catalog's 4 is the Chat API's limit for
    # models that take them, so "takes at most 4 ... (drop 1)" would send the user astray.
    result, data = run_json("stops", "--model", "gpt-5.2", "<a>", "<b>", "<c>", "<d>", "<e>")
    assert result.exit_code == 1
    assert data["problems"] == ["gpt-5.2 does not accept stop sequences"]
    assert data["stop_sequences_max"] == 0
    table = run("stops", "--model", "gpt-5.2", "</answer>")
    assert table.output.splitlines()[0] == "model  gpt-5.2  (takes no stop sequences)"


def test_stops_sample_scan_reports_hits_and_near_misses():
    result, data = run_json(
        "stops", "--model", "gpt-4.1", "END", "--sample", FIXTURES / "weekend.txt"
    )
    assert result.exit_code == 1
    assert [(h["line"], h["column"]) for h in data["hits"]] == [(2, 20)]
    assert [(h["line"], h["column"]) for h in data["near_misses"]] == [(1, 19), (2, 49)]


def test_stops_backslash_escapes_and_raw():
    result, data = run_json("stops", "--model", "gpt-4.1", "\\n")
    assert data["sequences"][0]["sequence"] == "\n"
    assert "whitespace only" in data["problems"][0]
    _, raw = run_json("stops", "--model", "gpt-4.1", "--raw", "\\n")
    assert raw["sequences"][0]["sequence"] == "\\n"


def test_stops_missing_sample_file_exit_2(tmp_path):
    result = run("stops", "--model", "gpt-4.1", "</a>", "--sample", tmp_path / "nope.txt")
    assert result.exit_code == 2
    assert "nope.txt: no such file" in result.output


# --- fresh-user review: mistakes that must not pass silently --------------------------------


@pytest.mark.parametrize("buffer", ["25", "10", "5.5"])
def test_plan_bare_buffer_above_5_is_a_one_line_error(buffer):
    result = run(
        "plan", "-m", "gpt-5.2", "--input", "1000", "--expected-output", "800", "--buffer", buffer
    )
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    percent = f"{float(buffer) * 100:,.0f}%"
    assert f"--buffer {buffer} would add {percent}" in result.output
    assert f"for {buffer}% write {float(buffer) / 100:g} or {buffer}%" in result.output


@pytest.mark.parametrize(("buffer", "max_tokens"), [("0.25", 1000), ("25%", 1000), ("1.5", 2000)])
def test_plan_buffer_forms_that_stay_valid(buffer, max_tokens):
    result, data = run_json(
        "plan", "-m", "gpt-5.2", "--input", "1000", "--expected-output", "800", "--buffer", buffer
    )
    assert result.exit_code == 0
    assert data["max_tokens"] == max_tokens


def test_plan_with_no_room_for_output_has_no_request_body():
    # exit 0 all the same: a plan is advice, `check` is the gate (tests/test_cli_contract.py)
    args = ("plan", "-m", "gpt-4o", "--input", "200000", "--expected-output", "100")
    result, data = run_json(*args)
    assert result.exit_code == 0
    assert data["fits"] is False
    assert data["request"] is None
    assert any("no room for output" in p for p in data["problems"])
    human = run(*args)
    assert "fits             no" in human.output
    assert '"max_tokens": 0' not in human.output
    assert "request: none (no room for output; see problems)" in human.output


def test_plan_clamped_below_the_planned_output_keeps_a_usable_body():
    # 127,000 input leaves 1,000 of gpt-4o's 128,000: the 2,000 planned does not fit
    result, data = run_json(
        "plan", "-m", "gpt-4o", "--input", "127000", "--expected-output", "2000"
    )
    assert data["fits"] is False
    assert data["max_tokens"] == 1000
    assert data["request"]["max_tokens"] == 1000


def test_plan_expected_output_0_recommends_one_rounding_step():
    result, data = run_json("plan", "-m", "gpt-4o", "--input", "200", "--expected-output", "0")
    assert result.exit_code == 0
    assert data["max_tokens"] == 50
    assert data["request"]["max_tokens"] == 50


def test_check_max_tokens_0_does_not_fit():
    result, data = run_json("check", "-m", "gpt-4o", "--input", "100", "--max-tokens", "0")
    assert result.exit_code == 1
    assert data["fits"] is False
    assert data["problems"] == ["max_tokens must be at least 1, got 0"]
    assert data["variants_that_fit"] == []


def test_plan_messages_jsonl_says_to_use_check(tmp_path):
    jsonl = tmp_path / "requests.jsonl"
    line = json.dumps({"messages": [{"role": "user", "content": "hi"}]})
    jsonl.write_text(f"{line}\n{line}\n", encoding="utf-8")
    result = run("plan", "-m", "gpt-4o", "--messages", jsonl, "--expected-output", "10")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "--messages takes one chat request (a .json file)" in result.output
    assert "for a JSONL of requests use budget check --messages" in result.output
    assert "Extra data" not in result.output


GPT4 = str(Path(__file__).parent / "fixtures" / "count" / "gpt4_catalog.yaml")


def batch_line(custom_id: str, words: int, max_tokens: int | None) -> str:
    body = {
        "model": "gpt-4-0613",
        "messages": [{"role": "user", "content": " ".join(["hello"] * words)}],
    }
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    return json.dumps(
        {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}
    )


@pytest.fixture
def batch(tmp_path) -> Path:
    path = tmp_path / "batch.jsonl"
    lines = [
        batch_line("fits", 1000, 1000),
        batch_line("long-input", 7000, 2000),
        batch_line("no-cap", 1000, None),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_check_a_batch_file_one_row_per_request_exit_1(batch):
    # gpt-4-0613 (cl100k_base): "hello" then " hello" are one token each, so N words are N
    # tokens, plus 7 of chat overhead (3 per message, 1 for the role, 3 priming the reply).
    # Context window 8,192:
    #   fits:       1,007 + 1,000 = 2,007, room left 8,192 - 1,007 - 1,000 = +6,185
    #   long-input: 7,007 + its own 2,000 = 9,007: over by 815
    #   no-cap:     sets no max_tokens, so --max-tokens 8,000: 1,007 + 8,000 = 9,007, over by 815
    result, rows = run_json(
        "check", "-m", "gpt-4-0613", "--catalog", GPT4, "--messages", batch, "--max-tokens", "8000"
    )
    assert result.exit_code == 1
    assert isinstance(rows, list)
    assert [(r["custom_id"], r["line"], r["input_tokens"]) for r in rows] == [
        ("fits", 1, 1007),
        ("long-input", 2, 7007),
        ("no-cap", 3, 1007),
    ]
    assert [r["fits"] for r in rows] == [True, False, False]
    assert [r["room_left"] for r in rows] == [6185, -815, -815]
    assert [r["max_tokens_from"] for r in rows] == ["request", "request", "option"]
    assert "lower max_tokens to 1,185 or cut the input by 815" in rows[1]["problems"][0]
    assert "lower max_tokens to 7,185" in rows[2]["problems"][0]
    table = run(
        "check", "-m", "gpt-4-0613", "--catalog", GPT4, "--messages", batch, "--max-tokens", "8000"
    )
    assert table.exit_code == 1
    # gpt-4-0613 is an alias of the bundled (retired) gpt-4: the file updates that entry
    assert "1 of 3 requests fit gpt-4 (" in table.output
    assert "8,000 (--max-tokens)" in table.output


def test_check_a_batch_file_all_fitting_exit_0(tmp_path):
    path = tmp_path / "ok.jsonl"
    path.write_text(batch_line("a", 10, 100) + "\n" + batch_line("b", 20, 200) + "\n")
    result = run("check", "-m", "gpt-4-0613", "--catalog", GPT4, "--messages", path)
    assert result.exit_code == 0, result.output
    assert "2 of 2 requests fit" in result.output


def test_check_a_request_without_max_tokens_and_no_option_exit_2(batch):
    result = run("check", "-m", "gpt-4-0613", "--catalog", GPT4, "--messages", batch)
    assert result.exit_code == 2
    assert f"{batch}:3: max_tokens: the request sets none; give --max-tokens N" in result.output


def test_check_a_single_request_still_needs_max_tokens():
    result = run("check", "-m", "gpt-4o", "--input", "100")
    assert result.exit_code == 2
    assert "give --max-tokens N" in result.output


def test_plan_samples_from_other_models_warns_on_stderr():
    args = ("plan", "-m", "gpt-4.1", "--input", "900", "--samples")
    result = run(*args, FIXTURES / "anthropic_gemini_log.jsonl")
    assert result.exit_code == 0, result.output
    assert "the log has no replies from gpt-4.1" in result.stderr
    assert "the log has no replies from gpt-4.1" in result.stdout  # still among the notes
    quiet = run(
        "plan", "-m", "gpt-5.2", "--input", "900", "--samples", FIXTURES / "openai_usage_log.jsonl"
    )
    assert quiet.exit_code == 0
    assert quiet.stderr == ""


def test_check_messages_with_an_image_says_what_was_assumed(tmp_path):
    request = tmp_path / "image.json"
    image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    content = [{"type": "text", "text": "What is this?"}, image]
    request.write_text(json.dumps({"messages": [{"role": "user", "content": content}]}))
    args = ("check", "-m", "gpt-4o", "--messages", request, "--max-tokens", "100")
    result, data = run_json(*args)
    assert data["exact"] is False
    assert data["input_notes"] == [
        "images: no size given, so 765 tokens assumed per image "
        "(a 1024x1024 image at high detail: 85 + 4 tiles x 170)"
    ]
    assert "estimated         images: no size given, so 765 tokens" in run(*args).output


def test_check_prompt_online_without_a_key_warns(tmp_path):
    prompt = tmp_path / "hi.txt"
    prompt.write_text("hi there\n", encoding="utf-8")
    args = ["check", "-m", "claude-sonnet-4-5", "--prompt", str(prompt), "--max-tokens", "100"]
    env = {"ANTHROPIC_API_KEY": None}
    result = CliRunner().invoke(cli, [*args, "--online"], env=env)
    assert result.exit_code == 0
    assert "ANTHROPIC_API_KEY is not set, so the count is an estimate" in result.stderr
    assert "ANTHROPIC_API_KEY" not in CliRunner().invoke(cli, args, env=env).stderr


# --- plan: what a cut reply costs, and the request written to a file ---------------------------


@pytest.mark.parametrize(
    "on_truncation, continuation",
    [
        # gpt-5.2: $1.75 input, $14 output per MTok. 19 replies of 100 tokens and one of 2,000:
        # p95 is 100, +25% = 125, rounded up to max_completion_tokens 150; one sample in 20 cut.
        # continue: (10,000 + 150) x 1.75 + (2,000 - 150) x 14 = 43,662.5 micro-dollars / 20
        ("continue", 0.002183125),
        # retry: 10,000 x 1.75 + 2,000 x 14 = 45,500 / 20 = 2,275 micro-dollars
        ("retry", 0.002275),
    ],
)
def test_plan_continuation_cost_continue_or_retry(tmp_path, on_truncation, continuation):
    samples = tmp_path / "lengths.txt"
    samples.write_text("100\n" * 19 + "2000\n")
    args = ("plan", "-m", "gpt-5.2", "--input", "10000", "--samples", samples)
    result, data = run_json(*args, "--on-truncation", on_truncation)
    assert result.exit_code == 0, result.output
    assert data["max_tokens"] == 150 and data["truncation_rate"] == 0.05
    assert data["continuation_cost_usd"] == continuation
    assert data["on_truncation"] == on_truncation
    assert data["expected_total_usd"] == pytest.approx(
        data["expected_cost_usd"] + continuation, abs=1e-12
    )


def test_plan_messages_summarises_a_long_request_and_writes_it_with_request_out(tmp_path):
    messages = tmp_path / "chat.json"
    long_text = "The quick brown fox jumps over the lazy dog. " * 600  # ~27,000 characters
    body = {
        "messages": [{"role": "system", "content": long_text}, {"role": "user", "content": "hi"}]
    }
    messages.write_text(json.dumps(body), encoding="utf-8")
    args = ("plan", "-m", "gpt-5.2", "--messages", messages, "--expected-output", "300")
    shown = run(*args)
    assert shown.exit_code == 0, shown.output
    assert len(shown.output) < 3_000  # a summary, not the 27,000-character body
    assert "2 messages" in shown.output and "--request-out FILE" in shown.output
    out = tmp_path / "request.json"
    written = run(*args, "--request-out", out)
    assert written.exit_code == 0, written.output
    assert f"request: written to {out}" in written.output
    request = json.loads(out.read_text(encoding="utf-8"))
    assert request["messages"][0]["content"] == long_text
    assert request["max_completion_tokens"] == 400  # 300 x 1.25 = 375, up to a step of 50


def test_plan_request_out_into_a_missing_directory_exit_2(tmp_path):
    result = run(
        "plan", "-m", "gpt-5.2", "--input", "100", "--expected-output", "50",
        "--request-out", tmp_path / "nowhere" / "r.json",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_check_an_anthropic_message_batch_uses_each_params_max_tokens(tmp_path):
    path = tmp_path / "claude.jsonl"
    lines = [
        {"custom_id": f"r{cap}", "params": {"model": "claude-sonnet-4-5", "max_tokens": cap,
         "messages": [{"role": "user", "content": "Summarise the attached notes."}]}}
        for cap in (64_000, 64_001)  # Sonnet 4.5's output ceiling is 64,000
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result, rows = run_json("check", "-m", "claude-sonnet-4-5", "--messages", path)
    assert result.exit_code == 1
    assert [(r["custom_id"], r["max_tokens"], r["fits"]) for r in rows] == [
        ("r64000", 64_000, True),
        ("r64001", 64_001, False),
    ]
    assert all(r["exact"] is False for r in rows)  # Claude's tokenizer is not public


def test_plan_request_out_with_no_room_for_output_writes_nothing_exit_2(tmp_path):
    out = tmp_path / "r.json"
    # gpt-5.2: 400,000 context; 400,000 input leaves no room for output, so no request
    result = run(
        "plan", "-m", "gpt-5.2", "--input", "400000", "--expected-output", "50",
        "--request-out", out,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "no request to write" in result.output and not out.exists()
