"""Standard input as a log (`budget usage -`, `cost --usage -`, `count -`) and standard output
closed early by its reader (`budget models | head -1`): issue 25."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# 1,200 input and 300 output tokens of gpt-4o ($2.50 / $10 per million): $0.003 + $0.003
LOG = '{"model": "gpt-4o", "usage": {"prompt_tokens": 1200, "completion_tokens": 300}}\n'


def budget(*args: str, stdin=None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from budget.cli import main; main()", *args],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=120,
    )


def piped(*args: str, text: str) -> subprocess.CompletedProcess:
    """A run with ``text`` on standard input, through a real pipe (click's test runner has
    no descriptor for it)."""
    return subprocess.run(
        [sys.executable, "-c", "from budget.cli import main; main()", *args],
        input=text.encode(),
        capture_output=True,
        timeout=120,
    )


def test_usage_reads_a_log_on_standard_input():
    done = piped("usage", "-", "--json", text=LOG + LOG)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["total_usd"] == 0.012  # two calls at $0.006
    assert report["files"] == ["-"]  # named as the user named it


def test_usage_names_standard_input_in_an_error():
    done = piped("usage", "-", text=LOG + "not json\n")
    assert done.returncode == 2
    assert done.stderr.decode().strip() == "Error: -:2: invalid JSON (Expecting value)"


def test_cost_usage_and_count_read_standard_input():
    cost = piped("cost", "--usage", "-", "--json", text=LOG)
    assert cost.returncode == 0, cost.stderr
    assert json.loads(cost.stdout)["total_usd"] == 0.006
    count = piped("count", "-", "-m", "gpt-4o", "--json", text="hello world")
    assert count.returncode == 0, count.stderr
    assert json.loads(count.stdout)["tokens"] == 2  # "hello", " world" in o200k_base


def test_usage_rows_onto_the_file_on_standard_input_are_refused(tmp_path):
    # `budget usage - -o log.jsonl < log.jsonl` would write its rows over the log it reads
    log = tmp_path / "log.jsonl"
    log.write_text(LOG)
    with open(log, "rb") as stdin:
        done = budget("usage", "-", "-o", str(log), stdin=stdin)
    assert done.returncode == 2
    assert b"the same file as standard input" in done.stderr
    assert log.read_text() == LOG


def test_usage_from_a_file_on_standard_input_with_rows_elsewhere(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(LOG)
    rows = tmp_path / "rows.csv"
    with open(log, "rb") as stdin:
        done = budget("usage", "-", "-o", str(rows), stdin=stdin)
    assert done.returncode == 0, done.stderr
    assert rows.read_text().splitlines()[1].startswith("'-,1,gpt-4o,")  # a leading - is neutralised


def test_standard_input_is_not_sent_to_dask_workers():
    done = piped("usage", "-", "--engine", "dask", text=LOG)
    assert done.returncode == 2
    assert b"standard input is not read under --engine dask" in done.stderr


def _closed_reader() -> tuple[int, int]:
    """A pipe whose reading end is already closed: the first write to it fails (EPIPE),
    as `budget models | head -1` meets it once head has its line."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_every_command_exits_quietly_when_its_reader_stops():
    for args in (
        ["models"],
        ["models", "--json"],
        ["limits", "gpt-4o"],
        ["cost", "-m", "gpt-5.2", "--input", "1000", "--output", "100"],
    ):
        write = _closed_reader()
        try:
            done = budget(*args, stdout=write)
        finally:
            os.close(write)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stderr == b"", (args, done.stderr)


def test_a_full_disk_is_still_an_error():
    with open("/dev/full", "wb") as full:
        done = budget("models", stdout=full)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        "Error: cannot write to standard output (No space left on device)"
    )
