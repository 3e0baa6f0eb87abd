"""A demanding user's bad input to count, calibrate, check, plan and stops: each case is one
line on stderr naming the file, line and field, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.tokenizers.tiktoken_backend import load_encoding

O200K = load_encoding("o200k_base")
UTF8_BOM = b"\xef\xbb\xbf"
CHAT = '{"messages": [{"role": "user", "content": "What is the capital of France?"}]}'


def run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def run_json(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_bad(result, message: str) -> None:
    """Exit 2, nothing on stdout, and exactly one line on stderr holding ``message``."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr, result.stderr


def write(path: Path, content: str | bytes) -> str:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return str(path)


# --- encodings: a UTF-8 BOM is dropped silently, UTF-16 is named -----------------------------


@pytest.mark.parametrize(
    ("name", "content", "extra"),
    [
        ("p.txt", "Hello world", []),
        ("r.json", CHAT, []),
        ("r.jsonl", '{"text": "one"}\n{"text": "two"}\n', []),
        ("t.csv", "id,text\n1,Hello world\n", ["--column", "text"]),
    ],
)
def test_count_ignores_a_utf8_bom(tmp_path, name, content, extra):
    plain = write(tmp_path / name, content)
    with_bom = write(tmp_path / f"bom-{name}", UTF8_BOM + content.encode())
    expected = run_json("count", plain, "-m", "gpt-4o", *extra)["tokens"]
    assert run_json("count", with_bom, "-m", "gpt-4o", *extra)["tokens"] == expected
    if name == "p.txt":
        assert expected == 2  # "Hello" + " world": the BOM is not a token


@pytest.mark.parametrize(
    ("name", "extra"),
    [("p.txt", []), ("r.json", []), ("r.jsonl", []), ("t.csv", ["--column", "a"])],
)
def test_count_names_utf16_files(tmp_path, name, extra):
    path = write(tmp_path / name, "a\nhello\n".encode("utf-16"))
    assert_bad(run("count", path, "-m", "gpt-4o", *extra), f"{path}: UTF-16 text (byte order mark)")


def test_count_directory_and_whitespace_only_json(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_bad(run("count", str(empty), "-m", "gpt-4o"), f"{empty}: is a directory with no files")
    blank = write(tmp_path / "blank.json", "  \n\t\n")
    assert_bad(run("count", blank, "-m", "gpt-4o"), f"{blank}: empty file, expected a chat request")


# --- chat requests with the wrong types ------------------------------------------------------


@pytest.mark.parametrize(
    ("request_json", "message"),
    [
        ('[{"role": "user", "content": 5}]', "messages[0].content: expected a string or a list"),
        ('[{"content": "hi"}]', "messages[0].role: missing"),
        ('[{"role": 5, "content": "hi"}]', "messages[0].role: expected a string"),
        ('[{"role": "user", "content": "hi", "name": 5}]', "messages[0].name: expected a string"),
        (
            '[{"role": "user", "content": [{"type": "text", "text": 5}]}]',
            "messages[0].content[0].text: expected a string",
        ),
        ('[{"role": "user", "content": ["hi"]}]', "messages[0].content[0]: expected a content"),
        ('{"messages": []}', "messages: expected at least one message"),
        ('{"messages": [{"role": "user", "content": "hi"}], "tools": [5]}', "tools[0]: expected"),
        (
            '{"messages": [{"role": "user", "content": "hi"}], '
            '"tools": [{"type": "function", "function": {"name": "f", "parameters": "x"}}]}',
            "tools[0].parameters: expected a JSON Schema object",
        ),
        ('{"messages": [{"role": "user", "content": "hi"}], "system": 5}', "system: expected"),
    ],
)
def test_count_names_the_field_of_a_malformed_request(tmp_path, request_json, message):
    path = write(tmp_path / "r.json", request_json)
    assert_bad(run("count", path, "-m", "gpt-4o"), f"{path}: {message}")
    # the same request as a JSONL line names the line too, and Claude's estimate checks it alike
    lines = write(tmp_path / "r.jsonl", f'{{"text": "fine"}}\n{request_json}\n')
    assert_bad(run("count", lines, "-m", "claude-sonnet-4-5"), f"{lines}:2: ")


def test_jsonl_line_that_is_not_an_object(tmp_path):
    path = write(tmp_path / "r.jsonl", '{"text": "a"}\n[1, 2]\n')
    assert_bad(run("count", path, "-m", "gpt-4o"), f"{path}:2: messages[0]: expected a message")
    texts = write(tmp_path / "t.jsonl", '{"text": "a"}\n"just a text"\n')  # a JSON string is a text
    assert run_json("count", texts, "-m", "gpt-4o")["records"] == 2


# --- CSV -------------------------------------------------------------------------------------


def test_csv_ragged_rows_and_bad_quotes_name_the_line(tmp_path):
    ragged = write(tmp_path / "r.csv", "id,text\n1,hello\n2,a, b\n")  # an unquoted comma
    assert_bad(
        run("count", ragged, "-m", "gpt-4o", "--column", "text"),
        f"{ragged}:3: expected 2 fields as in the header, got 3",
    )
    short = write(tmp_path / "s.csv", "id,text\n1,hello\n\n2\n")
    assert_bad(run("count", short, "-m", "gpt-4o", "--column", "text"), f"{short}:4: expected 2")
    quote = write(tmp_path / "q.csv", 'id,text\n1,"never closed\n')
    assert_bad(run("count", quote, "-m", "gpt-4o", "--column", "text"), f"{quote}:2: invalid CSV")
    assert_bad(run("count", short, "-m", "gpt-4o"), f"{short}: CSV input needs --column")
    assert_bad(
        run("count", short, "-m", "gpt-4o", "--column", "body"), f"{short}:1: --column: no column"
    )


def test_blank_csv_lines_do_not_shift_row_numbers(tmp_path):
    table = write(tmp_path / "t.csv", "id,text\r\n1,hello\r\n\r\n2,world\r\n")
    rows = tmp_path / "rows.csv"
    run_json("count", table, "-m", "gpt-4o", "--column", "text", "--per-record", str(rows))
    assert [line.split(",")[1] for line in rows.read_text().splitlines()[1:]] == ["1", "2"]


# --- --per-record is written whole or not at all ---------------------------------------------


def test_per_record_failing_midway_keeps_the_previous_file(tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("from an earlier run\n")
    path = write(tmp_path / "d.jsonl", '{"text": "one"}\n' * 3 + "{broken\n")
    result = run("count", path, "-m", "gpt-4o", "--per-record", str(rows))
    assert_bad(result, f"{path}:4: invalid JSON")
    assert rows.read_text() == "from an earlier run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl", "rows.csv"]  # no temp file


def test_per_record_into_a_missing_directory(tmp_path):
    path = write(tmp_path / "d.txt", "hello")
    target = tmp_path / "nope" / "rows.csv"
    assert_bad(run("count", path, "-m", "gpt-4o", "--per-record", str(target)), "does not exist")


def test_every_command_takes_m_for_model(tmp_path):
    path = write(tmp_path / "d.txt", "hello")
    assert run("count", path, "-m", "gpt-4o").exit_code == 0
    assert run("check", "-m", "gpt-4o", "--input", "1", "--max-tokens", "1").exit_code == 0
    assert run("plan", "-m", "gpt-4o", "--input", "1", "--task", "qa").exit_code == 0
    assert run("stops", "-m", "gpt-4o", "</answer>").exit_code == 0


def test_jobs_zero_is_bad_usage(tmp_path):
    path = write(tmp_path / "d.txt", "hello")
    assert_bad(run("count", path, "-m", "gpt-4o", "--jobs", "0"), "--jobs")


# --- calibrate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"text": "hi", "input_tokens": 3}\n\xff\n', "log.jsonl:2: not UTF-8 text at byte 0"),
        ('{"text": "hi", "input_tokens": 3}\n'.encode("utf-16"), "UTF-16 text"),
        (
            b'{"messages": [{"role": "user", "content": 5}], "input_tokens": 9}\n',
            ":1: messages[0].content: expected a string or a list",
        ),
        (
            b'{"text": "hi", "input_tokens": "many"}\n',
            ":1: input_tokens: expected a token count >= 0",
        ),
        (b"", "no calls to calibrate from"),
    ],
)
def test_calibrate_bad_logs(tmp_path, content, message):
    log = write(tmp_path / "log.jsonl", content)
    assert_bad(run("calibrate", log, "-m", "claude-sonnet-4-5"), message)


def test_calibrate_missing_log_and_unwritable_calibration_file(tmp_path):
    missing = tmp_path / "none.jsonl"
    assert_bad(
        run("calibrate", str(missing), "-m", "claude-sonnet-4-5"), f"{missing}: no such file"
    )
    lines = [{"text": "word " * n, "input_tokens": n + 10} for n in (100, 200, 400)]
    log = write(tmp_path / "log.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    blocked = tmp_path / "log.jsonl" / "calibration.json"  # its "directory" is a file
    result = run(
        "calibrate", log, "-m", "claude-sonnet-4-5", "--save", "--calibration", str(blocked)
    )
    assert_bad(result, f"{blocked}: cannot write the calibration file")
    with_bom = write(tmp_path / "bom.jsonl", UTF8_BOM + Path(log).read_bytes())
    assert run_json("calibrate", with_bom, "-m", "claude-sonnet-4-5")["records"] == 3


# --- check / plan: numbers and files ---------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "plan"])
def test_absurd_token_counts_are_bad_input(command):
    extra = ["--max-tokens", "100"] if command == "check" else ["--expected-output", "100"]
    result = run(command, "--model", "gpt-4o", "--input", str(10**30), *extra)
    assert_bad(result, "--input: expected at most 1,000,000,000,000 tokens")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"   \n", "empty file, expected a chat request JSON"),
        (CHAT.encode("utf-16"), "UTF-16 text"),
        (b'{"messages": [{"role": "user", "content": 7}]}', "messages[0].content: expected"),
        (b'"just a string"', "messages: expected a chat request, got a text (use --prompt)"),
        (b'{"messages": [', ":1: invalid JSON"),
    ],
)
def test_check_messages_file_errors(tmp_path, content, message):
    path = write(tmp_path / "chat.json", content)
    result = run("check", "--model", "gpt-4o", "--messages", path, "--max-tokens", "100")
    assert_bad(result, f"{path}{message}" if message.startswith(":") else f"{path}: {message}")


def test_messages_file_with_bom_counts_like_without(tmp_path):
    plain = write(tmp_path / "a.json", CHAT)
    with_bom = write(tmp_path / "b.json", UTF8_BOM + CHAT.encode())
    args = ["--model", "gpt-4o", "--max-tokens", "100"]
    expected = run_json("check", *args, "--messages", plain)["input_tokens"]
    assert run_json("check", *args, "--messages", with_bom)["input_tokens"] == expected
    # the same count as `budget count` of the file: one parse, one rule
    assert run_json("count", plain, "-m", "gpt-4o")["tokens"] == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--percentile", "0"], "--percentile: expected a number in (0, 100]"),
        (["--percentile", "101"], "--percentile: expected a number in (0, 100]"),
        (["--percentile", "nan"], "--percentile: expected a number in (0, 100]"),
        (["--buffer", "-0.1"], "--buffer: expected a number from 0 to 100"),
        (["--buffer", "nan"], "--buffer: expected a number from 0 to 100"),
        (["--buffer", "inf"], "--buffer: expected a number from 0 to 100"),
        (["--buffer", "1e999999999"], "--buffer: expected a number from 0 to 100"),
        (["--buffer", "-5%"], "--buffer: expected a number from 0 to 100"),
        (["--variant", "nope"], "has no variant 'nope'"),
    ],
)
def test_plan_bad_options(tmp_path, args, message):
    samples = write(tmp_path / "lengths.txt", "300\n500\n")
    result = run("plan", "--model", "gpt-4o", "--input", "1000", "--samples", samples, *args)
    assert_bad(result, message)


def test_buffer_as_percent_is_the_same_plan():
    base = ["plan", "--model", "gpt-4o", "--input", "1000", "--expected-output", "800"]
    assert run_json(*base, "--buffer", "10%")["max_tokens"] == 900  # 800 x 1.1 = 880 -> 900
    assert run_json(*base, "--buffer", "0.1")["max_tokens"] == 900


# --- plan --samples --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01binary\xff\xfe", "binary data, not text"),
        ("300\n".encode("utf-16"), "UTF-16 text"),
        (b"300\n500\nabc\n", ":3: output length: expected a whole number of tokens, got 'abc'"),
        (b"output_tokens,model\n300,a\n500\n", ":3: expected 2 fields as in the header, got 1"),
        (b" \n\n", "samples file is empty"),
    ],
)
def test_bad_samples_files(tmp_path, content, message):
    suffix = ".csv" if b"output_tokens" in content else ".txt"
    path = write(tmp_path / f"samples{suffix}", content)
    result = run("plan", "--model", "gpt-4o", "--input", "1000", "--samples", path)
    assert_bad(result, f"{path}{message}" if message.startswith(":") else f"{path}: {message}")


def test_samples_column_that_is_not_there(tmp_path):
    path = write(tmp_path / "replies.jsonl", '{"text": "Paris."}\n')
    result = run("plan", "-m", "gpt-4o", "--input", "10", "--samples", path, "--column", "reply")
    assert_bad(result, f"{path}:1: reply: no such field (fields: text)")


def test_samples_with_a_bom_read_as_without(tmp_path):
    lines = '{"output": "Paris is the capital."}\n{"output": "Lyon is not."}\n'
    plain = write(tmp_path / "a.jsonl", lines)
    with_bom = write(tmp_path / "b.jsonl", UTF8_BOM + lines.encode())
    base = ["plan", "--model", "gpt-4o", "--input", "1000", "--samples"]
    assert run_json(*base, plain)["chosen_output_tokens"] == len(
        O200K.encode_ordinary("Paris is the capital.")
    )
    assert (
        run_json(*base, with_bom)["chosen_output_tokens"]
        == run_json(*base, plain)["chosen_output_tokens"]
    )
    table = write(tmp_path / "c.csv", UTF8_BOM + b"output_tokens\n300\n500\n")
    assert run_json(*base, table)["chosen_output_tokens"] == 500


def test_one_sample_plans_but_says_it_is_thin(tmp_path):
    path = write(tmp_path / "one.txt", "500\n")
    data = run_json("plan", "--model", "gpt-4o", "--input", "1000", "--samples", path)
    assert data["chosen_output_tokens"] == 500 and data["max_tokens"] == 650  # 625 -> 650
    assert "p95 of 1 sample is 500 tokens" in data["notes"]
    assert any(note.startswith("only 1 sample:") for note in data["notes"])


def test_all_truncated_samples_say_the_plan_is_a_floor(tmp_path):
    record = {
        "usage": {"prompt_tokens": 900, "completion_tokens": 400},
        "choices": [{"finish_reason": "length"}],
    }
    path = write(tmp_path / "log.jsonl", (json.dumps(record) + "\n") * 3)
    data = run_json("plan", "--model", "gpt-4o", "--input", "900", "--samples", path)
    assert data["observed_truncation_rate"] == 1.0
    # p95 is 400 -> max_tokens 500; a reply cut at 400 may or may not fit in 500: unknown
    assert data["max_tokens"] == 500
    assert data["truncation_rate"] == 0.0 and data["truncation_rate_is_lower_bound"] is True
    assert any("every one of the 3 logged replies was cut" in n for n in data["notes"])


# --- stops -----------------------------------------------------------------------------------


def test_stops_empty_sequence_and_too_many_exit_1():
    empty = run("stops", "--model", "gpt-4.1", "")
    assert empty.exit_code == 1
    assert "an empty stop sequence" in empty.stdout
    many = run("stops", "--model", "gpt-4.1", "<a>", "<b>", "<c>", "<d>", "<e>", "--json")
    assert many.exit_code == 1
    assert json.loads(many.stdout)["problems"][0].startswith("5 stop sequences given")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text at byte 0"),
        ("the END".encode("utf-16"), "UTF-16 text"),
        (b"  \n", "empty file, expected sample output text"),
    ],
)
def test_stops_bad_sample_files(tmp_path, content, message):
    path = write(tmp_path / "sample.txt", content)
    result = run("stops", "--model", "gpt-4.1", "</answer>", "--sample", path)
    assert_bad(result, f"{path}: {message}")


def test_stops_sample_with_a_bom_finds_the_hit_at_column_1(tmp_path):
    path = write(tmp_path / "sample.txt", UTF8_BOM + b"END of part one\n")
    result = run("stops", "--model", "gpt-4.1", "END", "--sample", path, "--json")
    assert result.exit_code == 1
    hits = json.loads(result.stdout)["hits"]
    assert [(h["line"], h["column"]) for h in hits] == [(1, 1)]
