"""Bounded resources: worker processes capped at the CPUs and tied to the parent's life,
simulated calls capped however they are given, error messages cut short."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.tokenizers.count import available_cpus, capped_jobs, count_paths
from pricing.catalog import load_catalog

GPT4O = load_catalog().resolve("gpt-4o")


def test_jobs_beyond_the_cpus_are_capped_with_a_message(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "hello"}\n{"text": "world"}\n')
    cpus = available_cpus()
    assert capped_jobs(cpus) == (cpus, None)
    jobs, message = capped_jobs(100_000)
    assert jobs == cpus
    assert message == f"--jobs 100000 capped at {cpus}, the CPUs available"
    result = count_paths([str(path)], GPT4O, jobs=cpus + 1)
    assert result.tokens == count_paths([str(path)], GPT4O).tokens
    assert result.warnings == [f"--jobs {cpus + 1} capped at {cpus}, the CPUs available"]


def test_the_cli_says_so_on_stderr(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("hello")
    result = CliRunner().invoke(cli, ["count", str(path), "-m", "gpt-4o", "-j", "100000"])
    assert result.exit_code == 0, result.output
    assert "capped at" in result.stderr


# A parent killed while its workers are busy: the workers go too. The script makes itself a
# "subreaper" so the orphaned workers become its children and it can wait for them (no
# polling); if they outlive the parent the alarm fires, kills them, and the script fails.
ORPHANS = textwrap.dedent(
    """
    import ctypes, os, signal, subprocess, sys
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    parent = subprocess.Popen([sys.executable, "-c", '''
    import multiprocessing, os, signal
    from budget.tokenizers.count import _tie_to_parent
    def busy(_):
        os.write(1, b"%d%c" % (os.getpid(), 10))  # one write: the two workers' lines do not mix
        signal.pause()
    pool = multiprocessing.get_context("fork").Pool(
        2, initializer=_tie_to_parent, initargs=(os.getpid(),))
    pool.map_async(busy, [1, 2], chunksize=1)
    signal.pause()
    '''], stdout=subprocess.PIPE, text=True)
    workers = []
    def give_up(*_):
        raise TimeoutError("workers outlived their parent")
    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(20)
    try:
        workers += [int(parent.stdout.readline()) for _ in range(2)]
        parent.kill()
        parent.wait()
        for pid in workers:
            os.waitpid(pid, 0)
    except BaseException:
        parent.kill()
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        raise
    print("gone", len(workers))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux only")
def test_workers_die_with_a_killed_parent():
    done = subprocess.run(
        [sys.executable, "-c", ORPHANS], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "gone 2"


def test_simulated_calls_obey_the_scenario_cap(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "models: [gpt-4o-mini]\ntraffic: {calls_per_day: 10}\n"
        "input_tokens: 100\noutput_tokens: 10\n"
    )
    result = CliRunner().invoke(cli, ["report", str(scenario), "--simulated-calls", "9" * 500])
    assert result.exit_code == 2
    assert "expected 1 to 1,000,000,000" in result.stderr  # chunked: memory is flat
    assert len(result.stderr) < 300  # the value is quoted cut short
