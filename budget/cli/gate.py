"""`--fail-above USD` and what the budget gate prints: one line per bill judged, and exit
code 1 when any is over (budget/gate.py decides)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import click

from budget.gate import Verdict


def fail_above_option(function: Callable) -> Callable:
    return click.option(
        "--fail-above",
        metavar="USD",
        help="Exit 1 when a month's bill is above USD (over the scenario's "
        "budget: {monthly_usd}); the output says which month first goes over, and by how much.",
    )(function)


def print_verdicts(verdicts: Sequence[Verdict]) -> None:
    if verdicts:
        click.echo("")
    for verdict in verdicts:
        click.echo(verdict.sentence())


def exit_if_over(verdicts: Sequence[Verdict]) -> None:
    """Exit code 1 when a bill is over its budget: the pipeline notices."""
    if any(v.over for v in verdicts):
        click.get_current_context().exit(1)
