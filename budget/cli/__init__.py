"""The `budget` command line.

Click parses and runs every command (:mod:`budget.cli.app`, a group whose commands load on
first use from ``COMMANDS``), except the commonest price and limit queries, which the quick
path answers without loading click (:mod:`budget.cli.quick`): a price query must start
within 2.5x of a bare ``python -c pass`` (DESIGN.md), and importing click alone takes 2x.
Nothing here imports click; ``cli`` and the other names of budget.cli.app are loaded from it
when first asked for.
"""

from __future__ import annotations

import os
import sys

from budget.cli.commands import QUICK_EXIT

# What budget.cli.app defines and callers import from here (`from budget.cli import cli`).
_FROM_APP = frozenset({"cli", "BadInput", "LazyGroup", "StdoutClosed", "os_error_message"})


def __getattr__(name: str):
    if name in _FROM_APP:
        from budget.cli import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """`budget`: the quick path answers the price and limit queries it can; click the rest."""
    from budget.cli.quick import answer

    args = sys.argv[1:]
    invoked = args[0] if args else None  # the quick path's command, while it runs
    try:
        code = answer(args)
        if code is None:  # left to click, untouched
            from budget.cli import app

            try:
                app.run()
            finally:
                invoked = app.cli.invoked
        sys.exit(code)
    except SystemExit as done:
        if invoked in QUICK_EXIT and isinstance(done.code, int) and _nothing_to_finish():
            os._exit(done.code)
        raise


def _nothing_to_finish() -> bool:
    """Whether the process can end here as a normal exit would: output flushed (a failure is
    left to the normal exit, which reports it), only this thread, no exit handler registered
    (a coverage tool's, say)."""
    import _thread  # not threading: its import is a tenth of the time saved here
    import atexit

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        return False
    handlers = getattr(atexit, "_ncallbacks", lambda: 1)()  # CPython's count; else: unknown
    return handlers == 0 and _thread._count() == 0  # threads started and running, main aside
