"""One rule for JSON, JSONL and CSV records, shared by count, samples, usage and calibrate."""

from __future__ import annotations

import io
import os

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.inputs.records import MAX_DEPTH, file_records, loads, records
from budget.inputs.sniff import format_of
from pricing.errors import InputError


def values(data: bytes, label: str = "f.json") -> list[tuple[str, object]]:
    return list(records(io.BytesIO(data), label))


def test_the_one_rule_decides_json_jsonl_and_csv():
    assert format_of("log.csv", b"model,input_tokens\n") == "csv"  # the name says CSV
    assert format_of("log.csv", b'{"a": 1}\n{"a": 2}\n') == "jsonl"  # ... and lies
    assert format_of("x", b'\n  [{"a": 1},\n {"a": 2}]') == "json"  # an array
    assert format_of("x", b'{"a": 1}\n{"a": 2}\n') == "jsonl"  # whole values on lines
    assert format_of("x", b'{\n  "a": 1\n}\n') == "json"  # one document, pretty-printed
    assert format_of("x", b'{"a": 1}\n\n') == "json"  # one line, nothing after it


def test_records_say_where_each_value_is():
    assert values(b'[{"a": 1}, {"a": 2}]') == [("f.json[0]", {"a": 1}), ("f.json[1]", {"a": 2})]
    assert values(b'{"a": 1}\n\n{"a": 2}\n', "f.jsonl") == [
        ("f.jsonl:1", {"a": 1}),
        ("f.jsonl:3", {"a": 2}),
    ]
    assert values(b'\xef\xbb\xbf{\n "a": 1\n}') == [("f.json:1", {"a": 1})]
    assert values(b"model,input_tokens\nx,5\n", "u.csv") == [
        ("u.csv:2", {"model": "x", "input_tokens": "5"})
    ]


def test_bad_json_is_a_one_line_error_at_its_line():
    with pytest.raises(InputError, match=r"^f.jsonl:2: invalid JSON \(Expecting value\)$"):
        values(b'{"a": 1}\n{"a": \n', "f.jsonl")
    with pytest.raises(InputError, match=r"^f.json:3: invalid JSON"):
        values(b'{\n "a": 1,\n}', "f.json")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deep_nesting_is_refused_not_a_recursion_error(depth):
    deep = b'{"a": ' * depth + b"1" + b"}" * depth
    with pytest.raises(InputError, match=f"f.json: JSON nested more than {MAX_DEPTH} deep"):
        loads(deep, "f.json")
    assert loads(b'{"a": ' * 10 + b"1" + b"}" * 10, "f.json")  # ordinary nesting reads


@pytest.mark.parametrize(
    "args",
    [
        ["count", "{path}", "-m", "gpt-5.2", "--format", "jsonl"],
        ["usage", "{path}"],
        ["cost", "-m", "gpt-5.2", "--usage", "{path}"],
        ["plan", "-m", "gpt-5.2", "--input", "100", "--samples", "{path}"],
        ["calibrate", "{path}", "-m", "claude-sonnet-4-5"],
    ],
)
def test_every_json_reader_refuses_deep_nesting_in_one_line(tmp_path, args):
    path = tmp_path / "deep.jsonl"
    path.write_bytes(b'{"usage": ' + b"[" * 5000 + b"]" * 5000 + b"}\n")
    result = CliRunner().invoke(cli, [a.replace("{path}", str(path)) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{path}:1: JSON nested more than {MAX_DEPTH} deep" in result.output


def test_a_fifo_is_read_once_like_a_file(tmp_path):
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    pid = os.fork()
    if pid == 0:  # the writer, as a shell's <(...) would be
        with open(fifo, "wb") as out:
            out.write(b'{"a": 1}\n{"a": 2}\n')
        os._exit(0)
    try:
        assert [v for _, v in file_records(str(fifo))] == [{"a": 1}, {"a": 2}]
    finally:
        os.waitpid(pid, 0)
