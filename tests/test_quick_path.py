"""The quick path (budget.cli.quick) answers `budget cost`, `limits` and `models` without
loading click, and every answer, error and exit code is click's: each command line below is
run both ways, through `budget` as installed (quick path first) and through click alone,
and must give the same standard output, standard error and exit code, byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from budget.cli import quick

FIXTURES = Path(__file__).parent / "fixtures"
PRIVATE = str(FIXTURES / "catalog" / "private.yaml")  # acme-llm-large, $0.5 / $1.5
PRIVATE_TEXT = Path(PRIVATE).read_text(encoding="utf-8")
USAGE = str(FIXTURES / "usage" / "pilot-gpt-4.1.jsonl")

QUICK = "from budget.cli import main; main()"
CLICK = "from budget.cli.app import run; run()"
# The quick path alone: whether it answered (exit code) or left the line to click (None), and
# whether click was loaded.
PROBE = (
    "import sys; from budget.cli.quick import answer; code = answer(sys.argv[1:]); "
    "sys.stdout.flush(); print(f'\\nquick: {code} click: {\"click\" in sys.modules}', "
    "file=sys.stderr)"
)

G = ["-m", "gpt-5.2"]
IO = ["--input", "1000", "--output", "200"]
MATRIX = [
    # cost: every option, the forms click reads, the values it refuses
    ["cost", *G, *IO],
    ["cost", "--model=gpt-5.2", "--input=12,000", "--output", "1_000"],
    ["cost", *G, "-m", "claude-sonnet-4-5", "-m", "gemini-2.5-pro", *IO],
    ["cost", *G, "-m", "openai/gpt-5.2", *IO],
    ["cost", "-m", "claude-sonnet-4-5", "--variant", "1m-context", "--input", "300000"]
    + ["--output", "1000"],
    ["cost", "-m", "claude-sonnet-4-5", "--input", "50000", "--cached-input", "40000"]
    + ["--cache-write", "5000", "--cache-write-1h", "1000", "--output", "800"],
    ["cost", *G, *IO, "--batch"],
    ["cost", *G, *IO, "--service-tier", "flex"],
    ["cost", *G, *IO, "--service-tier", "nosuch"],
    ["cost", *G, *IO, "--calls", "10000"],
    ["cost", *G, *IO, "--calls", "0"],
    ["cost", *G, *IO, "--calls", "-1"],
    ["cost", *G, *IO, "--calls", "ten"],
    ["cost", *G, *IO, "--calls", "+5"],
    ["cost", "-m", "claude-sonnet-4-5", *IO, "--web-searches", "2", "--file-searches", "1"],
    ["cost", *G, *IO, "--web-searches", "-1"],
    ["cost", "--usage", USAGE],
    ["cost", "--usage", USAGE, "--strict", "-m", "gpt-4.1"],
    ["cost", "--usage", "no-such-file.jsonl"],
    ["cost", "--usage", USAGE, *IO],
    ["cost", *G, *IO, "--at", "2025-06-01"],
    ["cost", *G, *IO, "--at=2025-06-01"],
    ["cost", *G, *IO, "--at", "2025-13-01"],
    ["cost", *G, *IO, "--at", "2028-06-01"],  # a stale catalog: the warning, then the answer
    ["cost", "-m", "gpt-5", *IO, "--at", "2026-11-30"],  # retiring: warning before answer
    ["cost", "-m", "acme-large", *IO, "--catalog", PRIVATE],
    ["cost", "-m", "acme-large", *IO, "--catalog", "no-such.yaml"],
    ["cost", "-m", "acme-large", *IO, "--catalog", str(FIXTURES)],
    ["cost", *G, *IO, "--json"],
    ["cost", *G, *IO, "--json", "--json"],
    ["cost", *G, "--input", "1", "--input", "1000", "--output", "200"],
    ["cost", *G, "--input", "-5", "--output", "200"],
    ["cost", *G, "--input", "abc", "--output", "200"],
    ["cost", *G, "--input", "1e3", "--output", "200"],
    ["cost", *G, "--input", "1000"],
    ["cost", *IO],
    ["cost", "-m", "text-embedding-3-small", "--input", "50000"],
    ["cost", "-m", "gpt\u20115.2", *IO],  # a non-breaking hyphen
    ["cost", "-m", "模型", *IO],
    ["cost", *G, *IO, "--", "extra"],
    ["cost", "--", *G, *IO],
    ["cost", "--help"],
    ["cost", "-h"],
    ["cost", *G, *IO, "--bogus"],
    ["cost", "-mgpt-5.2", *IO],
    ["cost", *G, *IO, "--batch=1"],
    ["cost", *G, "--output", "200", "--input"],
    ["cost", "-m", "--json", *IO],
    # limits
    ["limits", "gpt-5.2"],
    ["limits", "gpt-5.2", "--json"],
    ["limits", "--variant", "1m-context", "claude-sonnet-4-5"],
    ["limits", "claude-sonnet-4-5", "--variant=nosuch"],
    ["limits", "gpt-5.2", "--at", "2025-01-01"],
    ["limits", "anthropic/claude-sonnet-4-5"],
    ["limits", "ft:gpt-4o-mini-2024-07-18:org::abc123"],
    ["limits", "acme-large", "--catalog", PRIVATE],
    ["limits"],
    ["limits", "gpt-5.2", "o3"],
    ["limits", "no-such-model"],
    ["limits", "straße"],
    ["limits", "--", "-x"],
    ["limits", "-"],
    ["limits", "--help"],
    # models
    ["models"],
    ["models", "sonnet"],
    ["models", "--provider", "openai"],
    ["models", "--provider=OpenAI", "--all"],
    ["models", "--provider", "nosuch"],
    ["models", "--all", "--json"],
    ["models", "--at", "2024-01-01", "gemini"],
    ["models", "zzz-nothing"],
    ["models", "a", "b"],
    ["models", "-h"],
]


def run(code: str, args: list[str], env: dict | None = None) -> tuple[int, bytes, bytes]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


def both(args: list[str], env: dict | None = None):
    with ThreadPoolExecutor(2) as pool:
        quick_run = pool.submit(run, QUICK, args, env)
        click_run = pool.submit(run, CLICK, args, env)
        return quick_run.result(), click_run.result()


@pytest.mark.parametrize("args", MATRIX, ids=" ".join)
def test_the_quick_path_answers_as_click_does(args):
    by_quick, by_click = both(args)
    assert by_quick == by_click


@pytest.mark.parametrize(
    "env",
    [
        {"TOKEN_BUDGET_CATALOG": PRIVATE},
        {"TOKEN_BUDGET_CATALOG": f"{PRIVATE}{os.pathsep}no-such.yaml"},
        {"TOKEN_BUDGET_AT": "2025-06-01"},
        {"TOKEN_BUDGET_AT": "June"},
        {"PYTHONIOENCODING": "ascii"},  # click writes through its own UTF-8 wrapper then
    ],
    ids=lambda env: " ".join(f"{k}={v}" for k, v in env.items()),
)
def test_the_environment_is_read_as_click_reads_it(env):
    for args in (["cost", "-m", "acme-large", *IO], ["limits", "straße"], ["models", "acme"]):
        by_quick, by_click = both(args, env)
        assert by_quick == by_click, args


def test_text_beyond_ascii_is_written_as_click_writes_it(tmp_path):
    """A user's model with accents in its name and notes: on a UTF-8 terminal the quick path
    answers; on one set to ASCII, click writes UTF-8 through a wrapper of its own (and the
    quick path leaves it to click)."""
    catalog = tmp_path / "local.yaml"
    catalog.write_text(
        PRIVATE_TEXT.replace("acme-llm-large", "modèle-local").replace("ACME", "Modèle Été"),
        encoding="utf-8",
    )
    args = ["limits", "modèle-local", "--catalog", str(catalog)]
    for env in ({"PYTHONIOENCODING": "utf-8"}, {"PYTHONIOENCODING": "ascii"}):
        by_quick, by_click = both(args, env)
        assert by_quick == by_click
        assert by_quick[0] == 0 and "Modèle Été".encode() in by_quick[1]
    code, _, err = run(PROBE, args, {"PYTHONIOENCODING": "utf-8"})
    assert err.decode().splitlines()[-1] == "quick: 0 click: False"
    code, _, err = run(PROBE, args, {"PYTHONIOENCODING": "ascii"})
    assert err.decode().splitlines()[-1] == "quick: None click: False"


def test_a_full_disk_is_the_same_error_either_way():
    """`budget models > /dev/full`: one line naming the system's reason, exit 2."""
    results = []
    for code in (QUICK, CLICK):
        with open(os.devnull if not Path("/dev/full").exists() else "/dev/full", "wb") as full:
            done = subprocess.run(
                [sys.executable, "-c", code, "models"], stdout=full, stderr=subprocess.PIPE
            )
        results.append((done.returncode, done.stderr))
    assert results[0] == results[1]
    if Path("/dev/full").exists():
        assert results[0][0] == 2
        assert b"No space left on device" in results[0][1]


@pytest.mark.parametrize(
    "args",
    [
        ["cost", *G, *IO],
        ["cost", "--model=gpt-5.2", "--input=12,000", "--output", "1_000", "--calls", "5"],
        ["cost", *G, "-m", "claude-sonnet-4-5", *IO, "--json", "--at", "2025-06-01"],
        ["cost", "-m", "acme-large", *IO, "--catalog", PRIVATE],
        ["limits", "gpt-5.2"],
        ["limits", "--variant", "1m-context", "claude-sonnet-4-5", "--json"],
        ["models"],
        ["models", "--provider", "openai", "--all"],
    ],
    ids=" ".join,
)
def test_the_common_queries_do_not_load_click(args):
    code, _, err = run(PROBE, args)
    assert code == 0
    assert err.decode().splitlines()[-1] == "quick: 0 click: False"


@pytest.mark.parametrize(
    "args",
    [["cost", "--help"], ["limits", "no-such-model"], ["cost", *G, "--input", "-5", *IO[2:]]],
    ids=" ".join,
)
def test_help_and_errors_are_left_to_click_with_nothing_printed(args):
    code, out, err = run(PROBE, args)
    assert (code, out) == (0, b"")
    assert err.decode() == "\nquick: None click: False\n"


def test_the_option_table_is_read_off_the_click_commands():
    """budget/cli/quick_options.py is what `python -m budget.cli.quick` writes now: an option
    added to cost, limits or models reaches the quick path's table, or this fails."""
    written = Path(quick.__file__).with_name("quick_options.py").read_text()
    assert quick.table_source() == written, "run python -m budget.cli.quick"


def test_the_table_says_what_click_passes_for_an_absent_option():
    from budget.cli.quick_options import COMMANDS

    rows = {row[0]: row for row in COMMANDS["cost"]}
    # (name, kind, multiple, default, environment variable, option strings, required)
    assert rows["model_names"] == (
        "model_names",
        "text",
        True,
        (),
        None,
        ("--model", "-m"),
        False,
    )
    assert rows["calls"][1:4] == ("int>=1", False, 1)  # click.IntRange(min=1), default 1
    assert rows["at"][4] == "TOKEN_BUDGET_AT"
    assert rows["batch"][1:4] == ("flag", False, False)
