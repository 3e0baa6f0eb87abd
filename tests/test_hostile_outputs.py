"""Files we must never destroy: an output that is an input, devices and FIFOs, read-only files,
odd names, and commands with several outputs that replace all of them or none."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.outputs import (
    OutputSet,
    atomic_write,
    remove_stale_temporaries,
    spreadsheet_safe,
    temporary_prefix,
)
from pricing.errors import InputError

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


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def assert_bad(result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr, result.stderr


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    return path


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- an output that is an input is refused before anything is written ------------------------


def test_report_onto_its_own_scenario_is_refused(scenario):
    assert_bad(run("report", scenario, "-o", scenario), "the same file as the input")
    assert scenario.read_text() == SCENARIO


def test_an_input_reached_through_a_symlink_or_hard_link_is_refused(tmp_path, scenario):
    (tmp_path / "link.csv").symlink_to(scenario)
    os.link(scenario, tmp_path / "hard.csv")
    for name in ("link.csv", "hard.csv"):
        assert_bad(
            run("report", scenario, "--markdown", tmp_path / name), "writing it would destroy"
        )
    assert scenario.read_text() == SCENARIO


def test_whatif_usage_count_and_calibrate_refuse_to_overwrite_their_input(tmp_path, scenario):
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"model": "gpt-4o-mini", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}\n'
    )
    calls = tmp_path / "calls.jsonl"
    calls.write_text('{"text": "%s", "input_tokens": 40}\n' % ("hello there " * 10))
    before = {p: p.read_bytes() for p in (scenario, log, calls)}
    assert_bad(
        run("whatif", scenario, "--vary", "max_tokens=100,200", "-o", scenario), "the same file"
    )
    assert_bad(run("usage", log, "-o", log), "the same file")
    assert_bad(run("count", calls, "-m", "gpt-4o", "--per-record", calls), "the same file")
    assert_bad(
        run("calibrate", calls, "-m", "claude-haiku-4-5", "--save", "--calibration", calls),
        "the same file",
    )
    assert {p: p.read_bytes() for p in before} == before


def test_a_scenario_usage_log_is_an_input_too(tmp_path):
    log = tmp_path / "usage.jsonl"
    log.write_text(
        '{"model": "gpt-4o-mini", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}\n'
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO.replace("{p50: 100, p95: 300}", "{usage_log: usage.jsonl}"))
    assert_bad(run("report", scenario, "-o", log), "the same file as the input")
    assert log.read_text().startswith('{"model"')


def test_two_outputs_of_one_command_may_not_be_the_same_file(tmp_path, scenario):
    out = tmp_path / "r.csv"
    assert_bad(run("report", scenario, "-o", out, "--markdown", out), "the same file as -o")
    assert not out.exists()


# --- names that cannot be a file ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "empty file name"), ("newdir/", "names a directory"), (".", "is a directory")],
)
def test_names_that_are_not_files_are_errors(tmp_path, monkeypatch, scenario, name, message):
    monkeypatch.chdir(tmp_path)
    assert_bad(run("report", scenario, "-o", name), message)
    assert files_in(tmp_path) == {"s.yaml"}


def test_a_read_only_file_is_not_replaced_by_any_output_option(tmp_path, scenario):
    text = tmp_path / "in.txt"
    text.write_text("hello")
    locked = tmp_path / "locked.csv"
    locked.write_text("keep\n")
    locked.chmod(0o444)
    assert_bad(run("count", text, "-m", "gpt-4o", "--per-record", locked), "read-only")
    assert_bad(run("report", scenario, "--markdown", locked), "read-only")
    calls = tmp_path / "calls.jsonl"
    calls.write_text('{"text": "%s", "input_tokens": 40}\n' % ("hello there " * 10))
    result = run("calibrate", calls, "-m", "claude-haiku-4-5", "--save", "--calibration", locked)
    assert_bad(result, "read-only")
    assert locked.read_text() == "keep\n"


def test_a_long_output_name_is_written(tmp_path, scenario):
    # 250 characters + ".csv" = 254: legal on every common file system (NAME_MAX 255), but a
    # temporary name built by adding to it would not be.
    name = "r" * 250 + ".csv"
    result = run("report", scenario, "-o", tmp_path / name)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_text().startswith("month,")
    assert len(temporary_prefix(name, tmp_path)) + 8 <= 255
    assert files_in(tmp_path) == {"s.yaml", name}


# --- devices, FIFOs and standard output are written through ----------------------------------


def test_standard_output_as_dash(scenario):
    result = run("report", scenario, "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("month,first_day,")


def test_dev_null_stays_a_device(scenario):
    result = run("report", scenario, "-o", os.devnull, "--markdown", os.devnull + "")
    # the same device twice is one file given twice: refused like any other pair
    assert result.exit_code == 2
    result = run("report", scenario, "-o", os.devnull)
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_fifo_output_is_written_through(tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = os.open(
        fifo, os.O_RDONLY | os.O_NONBLOCK
    )  # a reader, so opening for write won't block
    try:
        with atomic_write(fifo) as handle:
            handle.write("through\n")
        assert os.read(reader, 100) == b"through\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert files_in(tmp_path) == {"out.fifo"}


def test_a_symlinked_output_stays_a_symlink(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    (tmp_path / "link.csv").symlink_to(real)
    with atomic_write(tmp_path / "link.csv") as handle:
        handle.write("new\n")
    assert (tmp_path / "link.csv").is_symlink()
    assert real.read_text() == "new\n"


# --- all outputs or none ----------------------------------------------------------------------


def test_a_failing_output_leaves_every_destination_as_it_was(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.md"
    first.write_text("old a\n")
    second.write_text("old b\n")
    with pytest.raises(RuntimeError), OutputSet({"-o": first, "--markdown": second}) as outputs:
        outputs.open(first).write("new a\n")
        outputs.open(second).write("half of b")
        raise RuntimeError("the chart failed")
    assert (first.read_text(), second.read_text()) == ("old a\n", "old b\n")
    assert files_in(tmp_path) == {"a.csv", "b.md"}


def test_report_with_an_unwritable_chart_leaves_the_csv_and_markdown_alone(tmp_path, scenario):
    csv, md = tmp_path / "r.csv", tmp_path / "r.md"
    csv.write_text("old\n")
    result = run(
        "report", scenario, "-o", csv, "--markdown", md, "--chart", tmp_path / "no" / "c.png"
    )
    assert_bad(result, "does not exist")
    assert csv.read_text() == "old\n"
    assert not md.exists()


def test_all_outputs_are_renamed_together_on_success(tmp_path, scenario):
    csv, md = tmp_path / "r.csv", tmp_path / "r.md"
    result = run("report", scenario, "-o", csv, "--markdown", md)
    assert result.exit_code == 0, result.output
    assert csv.read_text().startswith("month,") and md.read_text().startswith("# tiny")
    assert files_in(tmp_path) == {"s.yaml", "r.csv", "r.md"}


# --- temporary files left by a killed run -----------------------------------------------------


def test_stale_temporary_files_of_dead_processes_are_removed(tmp_path):
    target = tmp_path / "r.csv"
    dead = tmp_path / ".r.csv.budget-tmp-999999999-abcdefgh"  # above Linux's pid_max
    live = tmp_path / f".r.csv.budget-tmp-{os.getppid()}-abcdefgh"
    other = tmp_path / ".other.csv.budget-tmp-999999999-abcdefgh"
    for path in (dead, live, other):
        path.write_text("partial")
    assert remove_stale_temporaries(target) == [dead.name]
    assert files_in(tmp_path) == {live.name, other.name}
    with atomic_write(target) as handle:  # a write cleans up beside its own target
        handle.write("x")
    assert files_in(tmp_path) == {live.name, other.name, "r.csv"}


def test_calibration_file_write_failures_are_one_line(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        OutputSet({"--calibration": tmp_path / "missing" / "c.json"})


# --- spreadsheet formulas ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("|cmd", "'|cmd"),
        ("\rx", "'\rx"),
        (" =1+2", "' =1+2"),  # spreadsheets skip leading whitespace
        ("\n=cmd", "'\n=cmd"),
        ("\t -x", "'\t -x"),
        ("-5", "-5"),  # a number stays a number
        ("-0.5000000000", "-0.5000000000"),
        ("+1.5e3", "+1.5e3"),
        ("a=b", "a=b"),
        ("stop", "stop"),
        ("", ""),
        (-5, -5),
    ],
)
def test_spreadsheet_safe(cell, written):
    assert spreadsheet_safe(cell) == written


def test_usage_rows_quote_formulas_from_the_log(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"model": "gpt-4o-mini", "choices": [{"finish_reason": "=1+2"}], '
        '"usage": {"prompt_tokens": 10, "completion_tokens": 2}}\n'
    )
    out = tmp_path / "rows.csv"
    result = run("usage", log, "-o", out)
    assert result.exit_code == 0, result.output
    assert ",'=1+2," in out.read_text()


def test_per_record_rows_quote_formulas_in_custom_ids(tmp_path):
    batch = tmp_path / "b.jsonl"
    batch.write_text(
        '{"custom_id": "@evil", "method": "POST", "url": "/v1/chat/completions", '
        '"body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}}\n'
    )
    out = tmp_path / "rows.csv"
    result = run("count", batch, "-m", "gpt-4o", "--per-record", out)
    assert result.exit_code == 0, result.output
    assert "'@evil" in out.read_text()


def test_a_full_disk_is_a_one_line_error_and_leaves_the_old_file(tmp_path):
    import errno

    target = tmp_path / "r.csv"
    target.write_text("old\n")
    full = r"^-o .*r.csv: cannot write \(No space left on device\)"
    with pytest.raises(InputError, match=full), OutputSet({"-o": target}) as outputs:
        outputs.open(target).write("partial")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == "old\n"
    assert files_in(tmp_path) == {"r.csv"}


def test_dev_stdout_redirected_to_a_file_is_written_through(tmp_path, scenario):
    # `budget report s.yaml -o /dev/stdout > out.txt`: the CSV, then the table, in out.txt
    # (renaming over /dev/stdout's target would send the table to a deleted file).
    import subprocess
    import sys

    out = tmp_path / "out.txt"
    with open(out, "wb") as stdout:
        inode = os.fstat(stdout.fileno()).st_ino
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from budget.cli import main; main()",
                "report",
                str(scenario),
                "-o",
                "/dev/stdout",
            ],
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("month,") and "\nmodel " in text and "wrote /dev/stdout" in text
    assert out.stat().st_ino == inode


def test_per_record_onto_the_calibration_file_is_refused(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("hello")
    saved = tmp_path / "cal.json"
    saved.write_text('{"models": {"claude-haiku-4-5": {"chars_per_token": 4}}}')
    args = ["count", text, "-m", "claude-haiku-4-5", "--calibration", saved]
    assert_bad(run(*args, "--per-record", saved), "the same file as the input")
    assert "chars_per_token" in saved.read_text()


def test_whatif_onto_a_file_a_variation_reads_is_refused(tmp_path, scenario):
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("You are a helpful assistant.")
    result = run(
        "whatif", scenario, "--vary", "input_tokens={prompt_files: [prompt.txt]}", "-o", prompt
    )
    assert_bad(result, "the same file as the input")
    assert prompt.read_text() == "You are a helpful assistant."


def test_a_column_is_made_safe_as_its_cells_are():
    """spreadsheet_safe_column makes each distinct text safe once (a log's column repeats a
    few models and days a million times): cell for cell what spreadsheet_safe gives, non-text
    cells (unhashable ones too) left alone."""
    from budget.outputs import spreadsheet_safe, spreadsheet_safe_column

    cells = ["=1+2", "gpt-4o", None, 3, True, "-5", " =x", "", "@a", [1], {"a": 1}, "gpt-4o"]
    assert spreadsheet_safe_column(cells * 3) == [spreadsheet_safe(c) for c in cells * 3]
    assert spreadsheet_safe_column(iter(cells)) == [spreadsheet_safe(c) for c in cells]
    assert spreadsheet_safe_column(cells)[0] == "'=1+2"
