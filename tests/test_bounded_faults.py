"""Issue 25's last faults: memory bounded however many unknown models a log names, counting
bounded on text without whitespace, `count -j` never hangs on its pool, Ctrl-C under Dask is
one line, URL globs expanded. Where a hang is the failure, the CLI runs in a subprocess with
a timeout and an address-space limit."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import budget.usage.price
import pricing.logged
from budget.cli import cli
from budget.usage.price import OTHER, cost_logs, cost_part
from budget.usage.read import LogPart
from pricing.catalog import load_catalog
from pricing.logged import LoggedCalls

LINE = '{"model": "%s", "usage": {"prompt_tokens": %d, "completion_tokens": 2}}\n'


# --- 1. unpriced groups: at most N kept one by one, the rest folded, totals exact ---------------


def unknown_models_log(folder: Path) -> Path:
    """300 unknown names m000..m299 with i input tokens each, then m000..m009 again: 310
    calls, 0 + 1 + ... + 299 + (0 + ... + 9) = 44,850 + 45 = 44,895 input tokens."""
    lines = [LINE % (f"m{i:03d}", i) for i in range(300)]
    lines += [LINE % (f"m{i:03d}", i) for i in range(10)]
    log = folder / "many.jsonl"
    log.write_text("".join(lines))
    return log


def test_unpriced_groups_past_the_cap_fold_into_one_other_group_with_exact_totals(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(budget.usage.price, "MAX_UNPRICED_GROUPS", 50)
    log = unknown_models_log(tmp_path)
    report = cost_logs([str(log)], load_catalog(), chunk_lines=64)
    *kept, other = report.unpriced
    assert len(kept) == 50 and (other.model, other.reason) == OTHER
    # the first 50 names met are kept exactly: m000..m009 twice, m010..m049 once
    by_name = {group.model: group for group in kept}
    assert sorted(by_name) == [f"m{i:03d}" for i in range(50)]
    assert (by_name["m007"].calls, by_name["m007"].input_tokens) == (2, 14)
    assert (by_name["m042"].calls, by_name["m042"].input_tokens) == (1, 42)
    # m050..m299 in one group: 250 calls, 50 + ... + 299 = 43,625 input tokens
    assert (other.calls, other.input_tokens, other.output_tokens) == (250, 43_625, 500)
    assert other.first.endswith("many.jsonl:51")
    assert report.unpriced_calls == 310
    assert sum(g.input_tokens for g in report.unpriced) == 44_895


def test_merged_parts_keep_the_cap_and_the_totals(tmp_path, monkeypatch):
    """Parts (--jobs processes, Dask partitions) each keep at most the cap; merged in order,
    still at most the cap and one other group, and not a call or token lost."""
    monkeypatch.setattr(budget.usage.price, "MAX_UNPRICED_GROUPS", 50)
    log = unknown_models_log(tmp_path)
    data = log.read_bytes()
    starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == ord("\n")]
    cuts = [0, starts[100], starts[220], len(data)]  # lines 1-100, 101-220, 221-310
    firsts = [1, 101, 221]
    parts = [
        cost_part(LogPart(str(log), start, end, first), load_catalog(), None, False, False, 32)
        for start, end, first in zip(cuts, cuts[1:], firsts, strict=False)
    ]
    totals = parts[0]
    for other in parts[1:]:
        totals.merge(other)
    report = totals.report((str(log),))
    *kept, other = report.unpriced
    assert len(kept) == 50 and other.model == OTHER[0]
    assert [g.model for g in kept] == [f"m{i:03d}" for i in range(10)] + [
        f"m{i:03d}" for i in range(10, 50)
    ]
    assert report.unpriced_calls == 310
    assert sum(g.input_tokens for g in report.unpriced) == 44_895
    assert sum(g.output_tokens for g in report.unpriced) == 620


def test_the_names_a_log_prices_are_remembered_up_to_a_bound(monkeypatch):
    monkeypatch.setattr(pricing.logged, "MAX_REMEMBERED", 16)
    logged = LoggedCalls(load_catalog(), at="2026-11-25")
    for i in range(100):
        logged.resolve([f"nosuch-{i}", "gpt-4o-mini"], [None, None], None, *([[10, 10]] * 2))
    assert len(logged._names) <= 16 and len(logged._dated) <= 16
    # what was forgotten is worked out again, the same way
    found = logged.resolve(["nosuch-0"], [None], None, [10], [2])
    assert found.refused[0].error.reason == "unknown model"


def test_the_json_of_a_folded_log_lists_the_other_group_last(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from budget.cli import cli

    monkeypatch.setattr(budget.usage.price, "MAX_UNPRICED_GROUPS", 50)
    log = unknown_models_log(tmp_path)
    result = CliRunner().invoke(cli, ["usage", str(log), "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["unpriced"][-1]["model"] == "(other models)"
    assert data["unpriced"][-1]["calls"] == 250
    assert sum(g["calls"] for g in data["unpriced"]) == 310


# --- 3. count -j: workers start with the stop signals blocked, the pool always stops ---------


def _worker_signals(_: int) -> tuple[bool, bool, object]:
    import signal

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return signal.SIGTERM in blocked, signal.SIGINT in blocked, signal.getsignal(signal.SIGTERM)


def test_count_workers_run_their_own_signal_dispositions_never_the_callers(monkeypatch):
    """Forked while the output set's SIGTERM handler (raise KeyboardInterrupt) is installed,
    a worker gets SIGTERM default and SIGINT ignored before it can receive either: blocked
    across the fork, unblocked by its initializer; the caller's mask is restored after."""
    import multiprocessing
    import os
    import signal

    from budget.outputs import OutputSet
    from budget.tokenizers import tokenizer_for
    from budget.tokenizers.count import _start_worker, _stop_signals_blocked
    from pricing.catalog import load_catalog

    tokenizer = tokenizer_for(load_catalog().resolve("gpt-4o"))
    with OutputSet({}), _stop_signals_blocked():
        assert signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, [])
        pool = multiprocessing.get_context("fork").Pool(
            2, initializer=_start_worker, initargs=(tokenizer, os.getpid())
        )
    try:
        assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
        assert pool.map(_worker_signals, range(4)) == [(False, False, signal.SIG_DFL)] * 4
    finally:
        pool.terminate()
        pool.join()


def test_count_with_two_jobs_finishes_every_time(tmp_path):
    """The intermittent hang was in Pool.terminate() at the end of `count -j 2`: run it over
    and over, each run bounded in time, each with the same exact count."""
    import subprocess
    import sys

    text = tmp_path / "p.txt"
    text.write_text("hello there\n" * 200)
    command = [sys.executable, "-c", "from budget.cli import main; main()", "count"]
    for _ in range(6):
        done = subprocess.run(
            [
                *command,
                text,
                "-m",
                "gpt-4o",
                "-j",
                "2",
                "--json",
                "--per-record",
                tmp_path / "r.csv",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        # "hello", " there", "\n": 3 tokens a line in o200k_base
        assert json.loads(done.stdout)["tokens"] == 600


# --- 2. counting bounded: a text without whitespace in pieces, one JSON document capped --------


def random_letters(n: int) -> str:
    import random

    draw = random.Random(2)
    return "".join(draw.choices("abcdefghijklmnopqrstuvwxyz", k=n))


def test_a_block_with_no_safe_cut_is_counted_in_pieces_and_said_to_be_an_estimate():
    from budget.inputs.files import Block
    from budget.tokenizers.count import FORCED_NOTE, _count_block, _Job
    from budget.tokenizers.tiktoken_backend import TiktokenTokenizer

    tokenizer = TiktokenTokenizer("o200k_base")
    text = random_letters(100_000)
    whole = tokenizer.count_text(text)
    job = _Job("text", "w.txt", "text", "strict", False, False)
    counted = _count_block(job, Block(text.encode(), 0, 0), tokenizer, forced_cut=True)
    assert not counted.exact and FORCED_NOTE in counted.notes
    # 7 pieces, 6 cuts: each may add a token, never take one away here
    assert whole <= counted.tokens <= whole + 6


def test_five_mb_without_whitespace_counts_in_bounded_time_and_memory(tmp_path):
    import subprocess
    import sys

    text = tmp_path / "word.txt"
    text.write_text(random_letters(5_000_000))
    done = subprocess.run(
        [sys.executable, "-c", "from budget.cli import main; main()", "count", text, "-m"]
        + ["gpt-4o", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["exact"] is False
    # the exact count is 2,593,755 (counted whole: 20 s and 360 MB); pieces add 29 tokens
    assert data["tokens"] == 2_593_784


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_one_json_document_over_the_cap_is_a_one_line_error(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import budget.tokenizers.count
    from budget.cli import cli

    monkeypatch.setattr(budget.tokenizers.count, "MAX_JSON_DOCUMENT", 1_000)
    chat = tmp_path / "chat.json"
    chat.write_text(json.dumps({"messages": [{"role": "user", "content": "hi " * 400}]}))
    result = CliRunner().invoke(cli, ["count", str(chat), "-m", "gpt-4o"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"Error: {chat}: one JSON document over 0 MB is not read whole; write one request or "
        "text per line (JSONL), which is read line by line"
    )


# --- 5. URL globs: expanded as a shell expands a local one -------------------------------------


def test_a_url_glob_reads_every_log_it_matches(tmp_path):
    from click.testing import CliRunner

    from budget.cli import cli

    logs = tmp_path / "logs"
    logs.mkdir()
    for name, tokens in (("a.jsonl", 1_000), ("b.jsonl", 3_000)):
        (logs / name).write_text(LINE % ("gpt-4o-mini", tokens))
    (logs / "notes.txt").write_text("not a log\n")
    result = CliRunner().invoke(cli, ["usage", f"file://{logs}/*.jsonl", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["rows"] == 2
    assert data["by_model"]["gpt-4o-mini"]["input_tokens"] == 4_000  # 1,000 + 3,000
    missing = CliRunner().invoke(cli, ["usage", f"file://{logs}/*.parquet"])
    assert missing.exit_code == 2
    assert missing.output.strip().endswith(f"file://{logs}/*.parquet: no such file")


# --- 4. Ctrl-C under --engine dask: one line, exit 130, nothing left -----------------------------


def test_processes_started_while_interrupts_are_ignored_ignore_ctrl_c():
    import signal
    import subprocess
    import sys

    from budget.cluster import _interrupts_ignored

    ask = "import signal; print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)"
    asked = [sys.executable, "-c", ask]
    with _interrupts_ignored():
        inside = subprocess.run(asked, capture_output=True, text=True, timeout=30).stdout
    after = subprocess.run(asked, capture_output=True, text=True, timeout=30).stdout
    assert (inside.strip(), after.strip()) == ("True", "False")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_during_usage_on_dask_is_one_line_and_leaves_nothing(tmp_path):
    """Ctrl-C at a terminal signals the whole process group: the cluster's workers too."""
    import os
    import signal
    import subprocess
    import sys
    import time

    log = tmp_path / "big.jsonl"
    line = '{"model": "gpt-4o-mini", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}\n'
    # 64 MB: partitions and seconds of work, with the C loop reading 0.5M lines a second
    log.write_text(line * 800_000)
    run = subprocess.Popen(
        [sys.executable, "-c", "from budget.cli import main; main()", "usage", log.name]
        + ["--engine", "dask", "-o", "out.csv"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60  # the run is under way once its parts folder exists
        while not list(tmp_path.glob(".out.csv.parts.*")) and run.poll() is None:
            assert time.monotonic() < deadline, "the run never started its parts"
            time.sleep(0.05)
        os.killpg(run.pid, signal.SIGINT)
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 130, err
    assert err.decode().strip().splitlines() == ["Aborted."]
    assert out == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl"]  # no parts, no out.csv


def test_only_the_first_unknown_names_get_suggestions(tmp_path):
    """Suggestions cost a search of the catalog per name: a log of a million made-up names
    took minutes; the first 100 unknown names (where a typo is) keep their did-you-mean."""
    from pricing.logged import MAX_SUGGESTED_NAMES

    lines = [{"model": "gpt-4o", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}]
    lines.append({"model": "gpt5.2", "usage": {"prompt_tokens": 10, "completion_tokens": 5}})
    lines += [
        {"model": f"acme-{i}", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}
        for i in range(MAX_SUGGESTED_NAMES)
    ]
    lines.append({"model": "gpt5.4", "usage": {"prompt_tokens": 10, "completion_tokens": 5}})
    log = tmp_path / "typos.jsonl"
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = CliRunner().invoke(cli, ["cost", "--usage", str(log), "--at", "2026-11-25"])
    assert result.exit_code == 1
    said = [line for line in result.stderr.splitlines() if line.startswith("not priced:")]
    assert "unknown model 'gpt5.2'; did you mean gpt-5.2" in said[0]
    assert "unknown model 'gpt5.4'" in said[-1] and "did you mean" not in said[-1]
    assert len(said) == MAX_SUGGESTED_NAMES + 2
