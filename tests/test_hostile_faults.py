"""The faults issue 25 found still getting through, one section per class: formulas in every
CSV, widths and counts bounded, deadlines on cluster calls, one-line errors with their cause
where a traceback was masked, --skip-invalid on a first line, leftover part directories.

Where a hang or a blow-up is the failure, the CLI runs in a subprocess with a timeout and an
address-space limit, so a regression fails the test instead of stalling the suite."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import resource
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli, os_error_message
from budget.cluster import scheduler_deadline
from budget.format import clip_cell
from budget.tokenizers.count import available_cpus

BUDGET = [sys.executable, "-c", "from budget.cli import main; main()"]
MEMORY_LIMIT = 1 << 30  # bytes of address space: the 20 MB model name took 936 MB
LINE = '{"model": "%s", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}\n'
CATALOG = """\
provider: acme
source: https://acme.example/prices
as_of: 2026-11-01
models:
  - {id: "=cmd", name: "=cmd", context_window: 128000, max_output_tokens: 8192,
     tokenizer: "estimate:generic", prices: {input: 1.0, output: 2.0}}
"""
SCENARIO = """\
name: tiny
models: ["=cmd"]
traffic: {calls_per_day: 1000}
input_tokens: 500
output_tokens: {p50: 100, p95: 300}
horizon_months: 2
simulated_calls: 500
seed: 3
"""


def run(*args, input: str | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def bounded(*args, timeout: float = 60, memory: int = MEMORY_LIMIT, **kwargs):
    """The CLI in a subprocess that may not run past ``timeout`` seconds (TimeoutExpired
    fails the test) nor map more than ``memory`` bytes (a MemoryError is a failure too)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [*BUDGET, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        **kwargs,
    )


def one_line_error(stderr: str, *parts: str) -> None:
    """The error is one line (after any warnings), with no traceback and no "this is a bug"."""
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "this is a bug" not in stderr and "Traceback" not in stderr, stderr
    for part in parts:
        assert part in lines[0], stderr


# --- 2. formulas: every CSV we write, every text cell ---------------------------------------------


@pytest.fixture
def formula_model(tmp_path) -> tuple[Path, Path]:
    catalog = tmp_path / "acme.yaml"
    catalog.write_text(CATALOG)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    return catalog, scenario


def cells(path: Path, column: str) -> list[str]:
    return [row[column] for row in csv.DictReader(io.StringIO(path.read_text()))]


def test_a_catalog_model_id_is_quoted_in_report_and_whatif_csvs(tmp_path, formula_model):
    catalog, scenario = formula_model
    report = tmp_path / "report.csv"
    assert run("--catalog", catalog, "report", scenario, "-o", report).exit_code == 0
    assert set(cells(report, "model")) == {"'=cmd"}  # was =cmd: run as a formula
    grid = tmp_path / "grid.csv"
    vary = "model=gpt-4o-mini,=cmd"
    assert run("--catalog", catalog, "whatif", scenario, "--vary", vary, "-o", grid).exit_code == 0
    assert cells(grid, "model") == ["gpt-4o-mini", "'=cmd"]  # cheapest first
    # money stays a number, negative or not: gpt-4o-mini saves against the =cmd baseline
    saving = cells(grid, "diff_usd")[0]
    assert saving.startswith("-") and float(saving) < 0


def test_usage_rows_and_per_record_rows_quote_every_text_cell(tmp_path, monkeypatch, formula_model):
    catalog, _ = formula_model
    monkeypatch.chdir(tmp_path)
    log = Path("=log.jsonl")  # a file name is text from the user too
    log.write_text(LINE % "=cmd" + LINE % " @SUM(A1)")
    rows = tmp_path / "rows.csv"
    result = run("--catalog", catalog, "usage", log, "-o", rows)
    assert result.exit_code == 1, result.output  # " @SUM(A1)" is no model we know
    assert cells(rows, "model") == ["'=cmd", "' @SUM(A1)"]
    assert cells(rows, "file") == ["'=log.jsonl", "'=log.jsonl"]
    assert cells(rows, "total_usd")[0] == "0.0000140000"  # 10 in at $1/M + 2 out at $2/M
    per_record = tmp_path / "records.csv"
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        '{"custom_id": "\\n=1+2", "body": {"messages": [{"role": "user", "content": "hi"}]}}\n'
        '{"custom_id": "|calc", "body": {"messages": [{"role": "user", "content": "hi"}]}}\n'
    )
    assert run("count", batch, "-m", "gpt-4o", "--per-record", per_record).exit_code == 0
    assert cells(per_record, "custom_id") == ["'\n=1+2", "'|calc"]


# --- 3. bounded: what a log names is cut short before it is printed or held ---------------------

# Runs the CLI, then writes its peak resident memory (VmHWM, kB) to the file $PEAK_FILE.
MEASURED = [
    sys.executable,
    "-c",
    "import atexit, os, sys\n"
    "def peak():\n"
    "    status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
    "    open(os.environ['PEAK_FILE'], 'w').write(status)\n"
    "atexit.register(peak)\n"
    "from budget.cli import main; main()",
]


def test_a_20_mb_model_name_is_clipped_in_the_table_and_the_json(tmp_path):
    # Before: 60 MB of stdout (every row padded to the name) and a 936 MB process.
    log = tmp_path / "big.jsonl"
    log.write_text(LINE % ("x" * 20_000_000) + LINE % "gpt-4o-mini")
    peak = tmp_path / "peak"
    for options in ([], ["--json"]):
        done = subprocess.run(
            [*MEASURED, "usage", str(log), *options],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PEAK_FILE": str(peak)},
        )
        assert done.returncode == 1, done.stderr  # one call not priced
        assert len(done.stdout) < 5_000, len(done.stdout)
        assert "xxx... (20,000,000 characters)" in done.stdout
        assert int(peak.read_text()) < 500_000  # kB; 938,000 before
    data = json.loads(done.stdout)
    assert data["rows"] == 1 and data["unpriced"][0]["calls"] == 1


def test_a_table_cell_is_one_line_of_at_most_100_characters():
    assert clip_cell("gpt-4o") == "gpt-4o"
    assert clip_cell("a\nb\x1b[2J") == "a\\x0ab\\x1b[2J"  # no line break, no terminal escape
    clipped = clip_cell("y" * 1_000)
    assert len(clipped) <= 100 and clipped.endswith("... (1,000 characters)")


def test_thousands_of_unknown_models_show_the_20_with_most_tokens_and_sum_the_rest(tmp_path):
    log = tmp_path / "many.jsonl"
    log.write_text(
        "".join(
            f'{{"model": "m{i:04d}", "usage": {{"prompt_tokens": {i}, "completion_tokens": 2}}}}\n'
            for i in range(5_000)
        )
    )
    result = run("usage", log)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    shown = [line.split()[0] for line in lines if re.match(r"m\d{4} ", line)]
    assert shown == [f"m{i:04d}" for i in range(4_980, 5_000)]
    # the rest: 4,980 calls with 0 + 1 + ... + 4,979 = 12,397,710 input tokens, 2 output each
    assert lines[-1] == (
        "... and 4,980 more (model, reason) groups: 4,980 calls, 12,397,710 input and "
        "9,960 output tokens (--json lists the 1,000 with the most tokens)"
    )
    data = json.loads(run("usage", log, "--json").stdout)
    assert [g["model"] for g in data["unpriced"]] == [f"m{i:04d}" for i in range(4_000, 5_000)]
    assert data["unpriced_omitted"] == {
        "groups": 4_000,
        "calls": 4_000,
        "input_tokens": 7_998_000,  # 0 + ... + 3,999
        "output_tokens": 8_000,
    }


# --- 4. deadlines: a scheduler must answer, a local cluster fits the machine ---------------------


@contextlib.contextmanager
def loopback_server(answer: bytes = b"", hang_up: bool = False) -> Iterator[tuple[str, list]]:
    """A loopback server that accepts connections, sends ``answer`` (nothing: it says nothing
    at all) and holds them open, or with ``hang_up`` closes them at once; yields its tcp://
    address and the list of connections it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # closed at the end of the test
                return
            accepted.append(connection)
            if answer:
                connection.sendall(answer)
            if hang_up:
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept
        listener.close()
        thread.join(5)
        for connection in accepted:
            connection.close()


def test_the_scheduler_deadline_is_10_s_or_dasks_connect_timeout_if_shorter(monkeypatch):
    import dask

    assert scheduler_deadline() == 10  # Dask's own default connect timeout is 30 s
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        assert scheduler_deadline() == 2


def test_a_scheduler_that_accepts_and_never_answers_fails_at_the_deadline(tmp_path):
    # Before: 6+ minutes (distributed's timeout covers the connection, not the handshake).
    log = tmp_path / "log.jsonl"
    log.write_text(LINE % "gpt-4o-mini")
    quick = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}
    with loopback_server() as (address, _):
        done = bounded("usage", log, "--scheduler", address, timeout=30, env=quick)
    assert done.returncode == 2
    one_line_error(done.stderr, f"--scheduler {address}: no answer within 1 s")


@pytest.mark.parametrize(
    "answer",
    [
        b"\xff" * 64 + b"garbage" * 100,  # a frame count past any allocation: ValueError
        struct.pack("<QQ", 1, 1 << 50),  # one frame of a petabyte: MemoryError, or a wait
    ],
)
def test_a_server_speaking_garbage_is_a_one_line_error(tmp_path, answer):
    log = tmp_path / "log.jsonl"
    log.write_text(LINE % "gpt-4o-mini")
    quick = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    with loopback_server(answer) as (address, _):
        done = bounded("usage", log, "--scheduler", address, timeout=30, env=quick)
    assert done.returncode == 2
    one_line_error(done.stderr, f"--scheduler {address}: ")


def test_tls_without_certificates_is_a_one_line_error(tmp_path):
    # Before: "unexpected TypeError (TLS expects a `ssl_context` ...); this is a bug"
    log = tmp_path / "log.jsonl"
    log.write_text(LINE % "gpt-4o-mini")
    result = run("usage", log, "--scheduler", "tls://127.0.0.1:1")
    assert result.exit_code == 2
    one_line_error(result.stderr, "tls:// needs the client's certificates")


def test_count_on_a_local_cluster_has_at_most_one_worker_per_cpu(tmp_path):
    # Before: -j 1000 started 1000 worker processes (16.6 GB, killed).
    text = tmp_path / "a.txt"
    text.write_text("hello there\n")
    done = bounded(
        "count", text, "-m", "gpt-4o", "--engine", "dask", "-j", "1000", "--json", timeout=120
    )
    assert done.returncode == 0, done.stderr
    cpus = available_cpus()
    assert f"warning: --jobs 1000 capped at {cpus}, the CPUs available" in done.stderr
    assert json.loads(done.stdout)["tokens"] == 3


# --- 5. a masked traceback is a one-line error with its cause -----------------------------------


def test_a_projection_past_the_year_9999_is_a_one_line_error(tmp_path):
    # Before: "unexpected AssertionError (unreachable); this is a bug in budget"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO.replace('["=cmd"]', "[gpt-4o]").replace("2", "12", 1))
    assert "horizon_months: 12" in scenario.read_text()
    for command in (["report", scenario], ["whatif", scenario, "--vary", "max_tokens=100,200"]):
        result = run(*command, "--at", "9999-03-01")
        assert result.exit_code == 2, result.output
        # month 10 of 12 would start on 10000-01-01
        one_line_error(
            result.stderr, "9999-03-01 + 10 months is past 9999-12-31, the last date there is"
        )


@pytest.mark.parametrize(
    "url",
    ["nosuchproto://x", "zip://log.jsonl::file:///tmp/l.zip", "tar://log.jsonl::file:///l.tar"],
)
def test_urls_of_schemes_we_do_not_read_are_refused(tmp_path, url):
    # Before: "unexpected ValueError (Protocol not known / seek of closed file); this is a bug"
    scheme = url.split("://")[0]
    for command in (["usage", url], ["count", url, "-m", "gpt-4o"]):
        result = run(*command)
        assert result.exit_code == 2, result.output
        one_line_error(result.stderr, f"{url}: {scheme}:// URLs are not read", "s3://")


def test_no_command_connects_to_an_ftp_url(tmp_path):
    # Before: count, usage, cost --usage, check --messages, stops --sample and calibrate
    # connected to an ftp:// URL given as a path, with no --online.
    with loopback_server(hang_up=True) as (address, accepted):
        url = address.replace("tcp://", "ftp://") + "/calls.jsonl"
        commands = [
            ["count", url, "-m", "gpt-4o"],
            ["usage", url],
            ["cost", "-m", "gpt-4o", "--usage", url],
            ["check", "-m", "gpt-4o", "--messages", url, "--max-tokens", "10"],
            ["stops", "-m", "gpt-4o", "END", "--sample", url],
            ["calibrate", url, "-m", "claude-haiku-4-5"],
            ["plan", "-m", "gpt-4o", "--input", "10", "--samples", url],
        ]
        for command in commands:
            result = run(*command)
            assert result.exit_code == 2, (command, result.output)
            one_line_error(result.stderr, url)
            assert accepted == [], command  # nothing connected


def test_standard_output_on_a_full_disk_is_a_one_line_error():
    # Before: "unexpected OSError ([Errno 28] No space left on device); this is a bug"
    for command in (["models"], ["limits", "gpt-4o"]):  # a long output, and a short one
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                [*BUDGET, *command], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60
            )
        assert done.returncode == 2, done.stderr
        one_line_error(done.stderr, "cannot write to standard output (No space left on device)")


def test_a_log_that_cannot_be_opened_is_a_one_line_error_naming_it(tmp_path, monkeypatch):
    # A socket where a CSV log should be: the system refuses to open it (ENXIO), as it refuses
    # a CSV without read permission (EACCES; root reads those, so a socket stands in here).
    monkeypatch.chdir(tmp_path)
    blocker = socket.socket(socket.AF_UNIX)
    blocker.bind("calls.csv")
    try:
        result = run("usage", "calls.csv")
    finally:
        blocker.close()
    assert result.exit_code == 2, result.output
    one_line_error(result.stderr, "calls.csv: cannot read (No such device or address)")
    assert os_error_message(PermissionError(13, "Permission denied", "calls.csv")) == (
        "calls.csv: Permission denied"
    )


# --- 6. --skip-invalid skips a bad first line like any other --------------------------------------


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_skip_invalid_skips_an_invalid_first_line(tmp_path, engine):
    # Before: a bad first line made the log "one JSON document over lines": exit 2 anyway.
    log = tmp_path / "cut.jsonl"  # a log cut mid-record, as rotation leaves it
    log.write_text('_tokens": 2}}\n' + LINE % "gpt-4o-mini" + LINE % "gpt-4o-mini")
    result = run("usage", log, "--skip-invalid", "--engine", engine, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["rows"], data["skipped"], data["skipped_lines"]) == (2, 1, [f"{log}:1"])
    assert data["total_usd"] == 0.0000054  # 2 x (10 in at $0.15/M + 2 out at $0.60/M)
    refused = run("usage", log, "--engine", engine)
    assert refused.exit_code == 2
    one_line_error(refused.stderr, f"{log}:1: invalid JSON")


def test_count_skip_invalid_skips_an_invalid_first_line(tmp_path):
    calls = tmp_path / "calls.jsonl"
    calls.write_text('oops\n{"text": "hello there"}\n')
    data = json.loads(run("count", calls, "-m", "gpt-4o", "--skip-invalid", "--json").stdout)
    assert (data["records"], data["tokens"]) == (1, 2)  # "hello there": 2 tokens


# --- 7. leftovers of a killed run are removed by the next run that writes there -----------------


def dead_pid() -> int:
    """The id of a process that has ended (as a run killed with SIGKILL has)."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(child.stdout)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_part_folders_left_by_a_killed_dask_run_are_removed(tmp_path, engine):
    # Before: `usage --engine dask -o out.csv` killed left .out.csv.parts.budget-tmp-* (29 MB)
    # that no later run removed.
    log = tmp_path / "logs" / "calls.jsonl"
    log.parent.mkdir()
    log.write_text(LINE % "gpt-4o-mini" * 3)
    out = tmp_path / "out.csv"
    gone, alive = dead_pid(), os.getpid()
    leftovers = {
        f".out.csv.parts.budget-tmp-{gone}-k1ll3d": "part-00000.csv",  # a killed run's parts
        f".out.csv.budget-tmp-{gone}-k1ll3d": None,  # its temporary file
        f".out.csv.parts.budget-tmp-{alive}-running": "part-00000.csv",  # a run still going
    }
    for name, part in leftovers.items():
        if part:
            (tmp_path / name).mkdir()
            (tmp_path / name / part).write_text("file,line\n" * 1000)
        else:
            (tmp_path / name).write_text("partial")
    result = run("usage", log.parent, "--engine", engine, "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["logs", "out.csv", f".out.csv.parts.budget-tmp-{alive}-running"]
    )
    assert len(out.read_text().splitlines()) == 4  # the header and three calls


def test_dask_parquet_publishing_folders_of_a_killed_run_are_removed(tmp_path):
    log = tmp_path / "calls.jsonl"
    log.write_text(LINE % "gpt-4o-mini")
    out = tmp_path / "rows.parquet"
    gone = dead_pid()
    for name in (f".rows.parquet.budget-tmp-{gone}-x", f".rows.parquet.parts.budget-tmp-{gone}-y"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "part-00000.parquet").write_bytes(b"PAR1")
    assert run("usage", log, "--engine", "dask", "-o", out).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.jsonl", "rows.parquet"]
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet"]
