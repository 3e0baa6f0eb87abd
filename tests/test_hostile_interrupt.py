"""A real `budget report` process interrupted at chosen points by a real SIGINT, SIGTERM or
SIGKILL: every destination is the old file or the complete new one, and no temporary file
survives a later run.

The points are chosen, not timed: a small driver runs the CLI in a subprocess with one step
wrapped so the process signals itself there (no sleeping, no races).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCENARIO = """\
name: interrupted
models: [gpt-4o-mini, gpt-4.1-mini, claude-haiku-4-5]
traffic: {calls_per_day: 50000, monthly_growth: 0.02}
input_tokens: {p50: 1200, p95: 4000}
output_tokens: {p50: 200, p95: 900}
horizon_months: 120
simulated_calls: 5000
seed: 11
start: 2026-11-25
"""

# POINT names where the process signals itself:
#   projected   after the projection, before any output is opened
#   second      when the second output is opened (the first temp file is written)
#   rename      at the first rename (SIGINT/SIGTERM are held until all are renamed)
DRIVER = textwrap.dedent(
    """
    import os, signal, sys
    point, signum = sys.argv[1], int(sys.argv[2])
    import budget.outputs as outputs
    import budget.workload.projection as projection

    def fire():
        os.kill(os.getpid(), signum)

    if point == "projected":
        project = projection.project
        def wrapped(*args, **kwargs):
            result = project(*args, **kwargs)
            fire()
            return result
        projection.project = wrapped
    elif point == "second":
        open_ = outputs.OutputSet.open
        opened = []
        def wrapped(self, *args, **kwargs):
            opened.append(args[0])
            if len(opened) == 2:
                fire()
            return open_(self, *args, **kwargs)
        outputs.OutputSet.open = wrapped
    elif point == "rename":
        replace = os.replace
        def wrapped(*args):
            fire()
            return replace(*args)
        outputs.os.replace = wrapped
    from budget.cli import main
    sys.argv = ["budget", *sys.argv[3:]]
    main()
    """
)

OLD = {"r.csv": "old csv\n", "r.md": "old markdown\n"}


@pytest.fixture(scope="module")
def complete(tmp_path_factory) -> dict[str, str]:
    """The outputs of an uninterrupted run."""
    folder = tmp_path_factory.mktemp("complete")
    (folder / "s.yaml").write_text(SCENARIO)
    done = budget(folder, "none", 0)
    assert done.returncode == 0, done.stderr
    return {name: (folder / name).read_text() for name in OLD}


def budget(folder: Path, point: str, signum: int) -> subprocess.CompletedProcess:
    args = ["report", "s.yaml", "-o", "r.csv", "--markdown", "r.md"]
    return subprocess.run(
        [sys.executable, "-c", DRIVER, point, str(signum), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def start(folder: Path) -> None:
    (folder / "s.yaml").write_text(SCENARIO)
    for name, text in OLD.items():
        (folder / name).write_text(text)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("point", ["projected", "second"])
def test_an_interrupted_report_leaves_the_old_files(tmp_path, complete, point, signum):
    start(tmp_path)
    done = budget(tmp_path, point, signum)
    assert done.returncode == 128 + signum, done.stderr  # as shells report a signal: 130, 143
    assert done.stderr.strip() == "Aborted."
    assert {name: (tmp_path / name).read_text() for name in OLD} == OLD
    assert sorted(os.listdir(tmp_path)) == ["r.csv", "r.md", "s.yaml"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_renames_waits_for_the_last(tmp_path, complete, signum):
    start(tmp_path)
    done = budget(tmp_path, "rename", signum)
    # interrupted (128 + the signal), but only once all were in place
    assert done.returncode == 128 + signum, done.stderr
    assert {name: (tmp_path / name).read_text() for name in OLD} == complete
    assert sorted(os.listdir(tmp_path)) == ["r.csv", "r.md", "s.yaml"]


def test_sigkill_leaves_a_temporary_file_that_the_next_run_removes(tmp_path, complete):
    start(tmp_path)
    done = budget(tmp_path, "second", signal.SIGKILL)
    assert done.returncode == -signal.SIGKILL
    assert {name: (tmp_path / name).read_text() for name in OLD} == OLD
    left = [n for n in os.listdir(tmp_path) if ".budget-tmp-" in n]
    assert len(left) == 1 and left[0].startswith(".r.csv.budget-tmp-")
    done = budget(tmp_path, "none", 0)
    assert done.returncode == 0, done.stderr
    assert {name: (tmp_path / name).read_text() for name in OLD} == complete
    assert sorted(os.listdir(tmp_path)) == ["r.csv", "r.md", "s.yaml"]
