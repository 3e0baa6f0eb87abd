"""An output is never one of the command's inputs (issue 25): not the same file, not a file
the input directory or glob would list (the next run would read it back: a bill that grows
every run), not the file on standard input; for every output option of every command."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget.cli import cli
from budget.inputs.files import expand_paths
from budget.outputs import read_back

LINE = '{"model": "gpt-4o-mini", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}\n'
SCENARIO = """\
name: tiny
models: [gpt-4o-mini]
traffic: {calls_per_day: 1000}
input_tokens: 500
output_tokens: {p50: 100, p95: 300}
horizon_months: 2
simulated_calls: 500
seed: 3
"""


BUDGET = [sys.executable, "-c", "from budget.cli import main; main()"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def refused(result, reason: str) -> bool:
    return (
        result.exit_code == 2
        and len(result.stderr.strip().splitlines()) == 1
        and reason in result.stderr
    )


def test_usage_into_its_own_log_folder_does_not_grow_the_bill(tmp_path, monkeypatch):
    # Before: 40, 80, then 120 calls on three runs; the per-row CSV was read back as a log.
    monkeypatch.chdir(tmp_path)
    Path("logs").mkdir()
    Path("logs/a.jsonl").write_text(LINE * 40)
    for _ in range(3):
        result = run("usage", "logs", "-o", "logs/rows.csv")
        assert refused(result, "-o logs/rows.csv: inside the input directory logs"), result.output
    assert sorted(os.listdir("logs")) == ["a.jsonl"]
    # a name the folder's listing leaves out is no input: three runs, 40 calls each time
    for _ in range(3):
        result = run("usage", "logs", "-o", "logs/_rows.csv", "--json")
        assert result.exit_code == 0, result.output
        assert '"rows": 40,' in result.stdout


def test_usage_onto_a_file_its_glob_matches_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("logs").mkdir()
    Path("logs/a.jsonl").write_text(LINE * 40)
    assert refused(run("usage", "logs/*", "-o", "logs/rows.csv"), "matches the input")
    assert refused(run("usage", "**/*", "-o", "logs/r.csv"), "matches the input")
    assert not Path("logs/rows.csv").exists() and not Path("logs/r.csv").exists()
    # a pattern that cannot match the output is no reason to refuse
    assert run("usage", "logs/*.jsonl", "-o", "logs/rows.csv").exit_code == 0


def test_dask_parquet_parts_inside_the_log_folder_are_refused(tmp_path, monkeypatch):
    import budget.cluster

    def no_cluster(*args, **kwargs):  # refused before a cluster is started (it was after)
        raise AssertionError("a cluster was started for a refused output")

    monkeypatch.setattr(budget.cluster, "dask_client", no_cluster)
    (tmp_path / "a.jsonl").write_text(LINE * 4)
    result = run("usage", tmp_path, "--engine", "dask", "-o", tmp_path / "rows.parquet")
    assert refused(result, "inside the input directory"), result.output
    assert sorted(os.listdir(tmp_path)) == ["a.jsonl"]


def test_plan_request_out_onto_any_of_its_inputs_is_refused(tmp_path):
    samples = tmp_path / "lengths.txt"
    samples.write_text("120\n340\n95\n")
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("Summarise the meeting notes below.\n")
    messages = tmp_path / "chat.json"
    messages.write_text('[{"role": "user", "content": "hello"}]')
    calibration = tmp_path / "calibration.json"
    calibration.write_text('{"version": 1, "models": {}}\n')
    before = {p: p.read_bytes() for p in (samples, prompt, messages, calibration)}
    cases = [
        (["--input", "10", "--samples", samples], samples),
        (["--prompt", prompt, "--task", "qa"], prompt),
        (["--messages", messages, "--task", "qa"], messages),
        (["--input", "10", "--task", "qa", "--calibration", calibration], calibration),
    ]
    for options, target in cases:
        result = run("plan", "-m", "gpt-4o", *options, "--request-out", target)
        assert refused(result, f"--request-out {target}: the same file as the input"), result.output
    assert {p: p.read_bytes() for p in before} == before
    elsewhere = tmp_path / "request.json"
    result = run(
        "plan", "-m", "gpt-4o", "--input", "10", "--samples", samples, "--request-out", elsewhere
    )
    assert result.exit_code == 0, result.output
    # p95 of three samples is their largest, 340; +25% is 425, rounded up to 450
    assert '"max_tokens": 450' in elsewhere.read_text()


def test_count_per_record_onto_the_file_on_stdin_is_refused(tmp_path):
    # `budget count - --per-record p.txt < p.txt` destroyed p.txt (exit 0): the shell opened
    # it, so only its device and inode say it is the input.
    text = tmp_path / "p.txt"
    text.write_text("hello there\n")
    with open(text, "rb") as stdin:
        done = subprocess.run(
            [*BUDGET, "count", "-", "-m", "gpt-4o", "--per-record", str(text)],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        f"Error: --per-record {text}: the same file as standard input; "
        "writing it would destroy the input"
    )
    assert text.read_text() == "hello there\n"
    # a pipe on stdin is no file: the rows are written
    other = tmp_path / "rows.csv"
    done = subprocess.run(
        [*BUDGET, "count", "-", "-m", "gpt-4o", "--per-record", str(other)],
        input="hello there\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # "hello there\n": 3 tokens, exact (no error band)
    assert other.read_text().splitlines()[1] == "'-,0,,3,True,"


def test_read_back_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "logs" / "day=1").mkdir(parents=True)
    (tmp_path / "logs" / "a.jsonl").write_text(LINE)
    assert "inside the input directory" in read_back("logs/day=1/rows.csv", "logs")
    assert "inside the input directory" in read_back(tmp_path / "logs/x.csv", "./logs/")
    assert read_back("logs/_rows.csv", "logs") is None  # left out of the listing
    assert read_back("logs/.rows.csv", "logs") is None
    assert read_back("rows.csv", "logs") is None
    assert "matches the input" in read_back("logs/day=1/r.csv", "logs/**/*.csv")
    assert "matches the input" in read_back("logs/r.csv", "logs/**/*.csv")  # ** is zero folders too
    assert read_back("logs/.hidden/r.csv", "logs/**/*.csv") is None  # as glob: no dot-folders
    assert read_back("logs/r.csv", "logs/*.jsonl") is None
    assert "same file" in read_back("logs/a.jsonl", f"file://{tmp_path}/logs/a.jsonl")
    assert read_back("logs/a.jsonl", "s3://bucket/logs/a.jsonl") is None


# --- the property: whatever output is aimed wherever, no input is written -----------------------


def _inputs(folder: Path) -> dict[str, Path]:
    """One of each kind of input the commands read, each in a folder of its own under
    ``folder/in`` (a folder of usage logs holds nothing else)."""
    files = {
        "log": ("log.jsonl", LINE * 3),
        "text": ("text.txt", "hello there\n"),
        "samples": ("samples.txt", "120\n340\n"),
        "scenario": ("s.yaml", SCENARIO),
        "calls": ("calls.jsonl", '{"text": "%s", "input_tokens": 40}\n' % ("hello there " * 10)),
    }
    paths = {}
    for kind, (name, text) in files.items():
        (folder / "in" / kind).mkdir(parents=True)
        paths[kind] = folder / "in" / kind / name
        paths[kind].write_text(text)
    return paths


# (command line with {input} for how the input is named and {out} for the output, input kind)
COMMANDS = [
    (["usage", "{input}", "-o", "{out}"], "log"),
    (["count", "{input}", "-m", "gpt-4o", "--per-record", "{out}"], "text"),
    (
        ["plan", "-m", "gpt-4o", "--input", "9", "--samples", "{input}", "--request-out", "{out}"],
        "samples",
    ),
    (["report", "{input}", "--markdown", "{out}"], "scenario"),
    (["whatif", "{input}", "--vary", "max_tokens=100,200", "-o", "{out}"], "scenario"),
    (
        ["calibrate", "{input}", "-m", "claude-haiku-4-5", "--save", "--calibration", "{out}"],
        "calls",
    ),
]
NAMINGS = ["file", "folder", "glob"]  # how the command names its input (folder, glob: usage, count)
TARGETS = ["the input", "a symlink to it", "a hard link to it", "a new file beside it", "elsewhere"]


def _read(named: Path) -> dict[str, bytes]:
    """The files a command reads when given ``named`` (a folder's files, a glob's matches)."""
    return {path: Path(path).read_bytes() for path in expand_paths([str(named)])}


def _listed(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted((folder / "in").rglob("*")) if p.is_file()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(COMMANDS),
    st.sampled_from(NAMINGS),
    st.sampled_from(TARGETS),
)
def test_no_command_writes_to_a_path_it_reads(command, naming, target):
    args, kind = command
    if naming != "file" and args[0] not in ("usage", "count"):
        naming = "file"  # only usage and count take folders and globs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = _inputs(folder)[kind]
        named = {"file": path, "folder": path.parent, "glob": path.parent / "*"}[naming]
        out = {
            "the input": path,
            "a symlink to it": folder / "link",
            "a hard link to it": folder / "hard",
            "a new file beside it": path.parent / "new.out",
            "elsewhere": folder / "new.out",
        }[target]
        if target == "a symlink to it":
            out.symlink_to(path)
        elif target == "a hard link to it":
            os.link(path, out)
        before, reads = _listed(folder), _read(named)
        result = run(*(str(a).format(input=named, out=out) for a in args))
        # no input was written, and nothing was added to what the command reads
        after = _listed(folder)
        assert {name: after.get(name) for name in before} == before, (args, naming, target)
        assert _read(named) == reads, (args, naming, target, result.output)
        collides = target != "elsewhere" and (target != "a new file beside it" or naming != "file")
        if collides:
            assert refused(result, str(out)), (args, naming, target, result.output)
        else:
            assert result.exit_code in (0, 1), (args, naming, target, result.output)
            assert out.exists()
