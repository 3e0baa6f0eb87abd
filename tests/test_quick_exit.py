"""Price and limit queries end without Python's teardown (budget.cli.QUICK_EXIT), and only
when nothing is left to finish: the answer, the error and the exit code are those of a normal
exit, and an exit handler someone registered (a coverage tool's) still runs."""

from __future__ import annotations

import subprocess
import sys

# A module-level object whose finalizer writes a line: Python's teardown runs it, a process
# ended at once does not.
DRIVER = """
import sys

class Noisy:
    def __del__(self):
        print("torn down", file=sys.stderr)

keep = Noisy()
{setup}
from budget.cli import main
sys.argv = ["budget", *sys.argv[1:]]
main()
"""


def budget(*args: str, setup: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", DRIVER.format(setup=setup), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_price_query_ends_without_teardown_with_its_answer_and_code():
    done = budget("cost", "-m", "gpt-5.2", "--input", "1000", "--output", "200")
    assert done.returncode == 0, done.stderr
    # gpt-5.2 at $1.75 / $14 per million: 1,000 in $0.00175 + 200 out $0.0028
    assert "total         $0.004550" in done.stdout
    assert "torn down" not in done.stderr


def test_a_refused_query_keeps_its_one_line_error_and_exit_code_2():
    done = budget("limits", "no-such-model")
    assert done.returncode == 2
    assert done.stderr.startswith("Error: unknown model 'no-such-model'")
    assert "torn down" not in done.stderr


def test_a_registered_exit_handler_means_a_normal_exit():
    setup = "import atexit; atexit.register(lambda: print('handler ran', file=sys.stderr))"
    done = budget("limits", "gpt-5.2", setup=setup)
    assert done.returncode == 0, done.stderr
    assert "handler ran" in done.stderr and "torn down" in done.stderr
    assert "gpt-5.2" in done.stdout


def test_other_commands_exit_normally():
    """`budget calibrate --help`: not a price or limit query (such commands write files)."""
    done = budget("calibrate", "--help")
    assert done.returncode == 0, done.stderr
    assert "torn down" in done.stderr


def test_a_closed_stdout_is_one_line_and_exit_2():
    """`budget limits gpt-5.2 >&-`: Python starts with sys.stdout None; was a traceback, exit 1.
    (Set directly: closing descriptor 1 before exec lets a preloaded library, faketime's,
    take it over.)"""
    done = budget("limits", "gpt-5.2", setup="sys.stdout = None")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (
        "Error: standard output is closed; redirect it to a file or /dev/null instead"
    )
    assert "Traceback" not in done.stderr
