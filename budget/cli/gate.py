"""`--fail-above USD` and what the budget gate prints: one line per bill judged, and exit
code 1 when any is over (budget/gate.py decides)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import click

from budget.format import format_usd
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


def cell_verdict(row: dict) -> str:
    """A what-if row's budget cell: ``OVER month-04 +$7.53``, or ``within``."""
    if not row["over_budget"]:
        return "within"
    over_by = format_usd(row["over_by_usd"], places=2)
    return f"OVER {row['first_month_over']} +{over_by}"


def grid_sentence(result) -> str:
    over = int(sum(bool(v) for v in result.exact_table["over_budget"]))
    return f"{result.budget.described()}: {over} of {len(result.exact_table)} cells go over it"


def grid_gate(result) -> dict:
    """The ``budget`` object of ``whatif --json`` (each row carries its own verdict)."""
    table = result.exact_table
    return {
        "monthly_usd": result.budget.monthly_usd,
        "budget_from": result.budget.given,
        "over": bool(table["over_budget"].any()),
        "cells_over": int(table["over_budget"].sum()),
    }


def exit_if_grid_over(result) -> None:
    """Exit code 1 when any cell of a what-if grid goes over the budget."""
    if result.budget and bool(result.exact_table["over_budget"].any()):
        click.get_current_context().exit(1)
