"""The budget gate for CI: a bill, month by month, against the most a month may cost.

The budget is a scenario's ``budget: {monthly_usd: 5000}`` or ``--fail-above USD`` on the
command line (which wins, as ``--at`` wins over ``start:``). A bill is judged month by month
in order: the first month above the budget, and by how much, is what a pull request that
triples the prompt must be told; a command whose bill is over exits 1 (2 stays for bad input).
``report`` and ``whatif`` judge projected months (``month-01`` ...), ``usage`` the log's
calendar months and its total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from budget.format import format_usd
from pricing.errors import InputError, clip

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Budget:
    monthly_usd: Decimal
    given: str  # where it was written: "--fail-above", or "FILE:LINE:COL budget.monthly_usd"

    def described(self) -> str:
        return f"budget {format_usd(self.monthly_usd, places=2)} a month ({self.given})"


@dataclass(frozen=True)
class Month:
    name: str  # month-03 (a projection) or 2026-11 (a log's calendar month)
    usd: Decimal
    first_day: dt.date | None = None  # where a projection's month begins

    def described(self) -> str:
        when = f" (from {self.first_day})" if self.first_day else ""
        return f"{self.name}{when}: {format_usd(self.usd, places=2)}"


@dataclass(frozen=True)
class Verdict:
    """One bill against the budget."""

    bill: str  # what was judged: a model, a service, "all services", a log
    budget: Budget
    months: tuple[Month, ...]
    first_over: Month | None  # the first month above the budget (None: within it)

    @property
    def over(self) -> bool:
        return self.first_over is not None

    @property
    def largest(self) -> Month:
        return max(self.months, key=lambda m: m.usd)

    @property
    def over_by_usd(self) -> Decimal | None:
        if self.first_over is None:
            return None
        return self.first_over.usd - self.budget.monthly_usd

    def sentence(self) -> str:
        if self.first_over is not None:
            over_by = format_usd(self.over_by_usd, places=2)
            return (
                f"{self.bill}: OVER {self.budget.described()} in "
                f"{self.first_over.described()}, {over_by} over"
            )
        spare = format_usd(self.budget.monthly_usd - self.largest.usd, places=2)
        return (
            f"{self.bill}: within {self.budget.described()}; its largest month "
            f"{self.largest.described()}, {spare} to spare"
        )

    def as_dict(self) -> dict:
        first, largest = self.first_over, self.largest
        return {
            "bill": self.bill,
            "monthly_budget_usd": self.budget.monthly_usd,
            "budget_from": self.budget.given,
            "over": self.over,
            "first_month_over": first.name if first else None,
            "first_month_over_starts": first.first_day if first else None,
            "first_month_over_usd": first.usd if first else None,
            "over_by_usd": self.over_by_usd,
            "largest_month": largest.name,
            "largest_month_usd": largest.usd,
        }


def judge(bill: str, months: Sequence[Month], budget: Budget) -> Verdict:
    """``bill``'s months in order against ``budget``: the first month above it, if any.
    Money is compared to the cent, as it is billed (a month of $5,000.004 is within $5,000)."""
    if not months:
        raise ValueError(f"{bill}: no months to judge")
    first = next((m for m in months if m.usd.quantize(CENT) > budget.monthly_usd), None)
    return Verdict(bill, budget, tuple(months), first)


def fail_above(text: str | None) -> Budget | None:
    """``--fail-above USD``: a positive amount (``5000``, ``5000.50``, ``$5,000``)."""
    if text is None:
        return None
    cleaned = text.strip().removeprefix("$").replace(",", "").replace("_", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount > Decimal(10) ** 15:
        raise InputError(
            f"--fail-above: expected a positive amount of USD a month (e.g. 5000), got {clip(text)}"
        )
    return Budget(amount, "--fail-above")


def chosen_budget(command_line: Budget | None, monthly_usd: Decimal | None, where: str):
    """The budget in force: ``--fail-above`` over the scenario's ``budget.monthly_usd``
    (written at ``where``); None: no gate."""
    if command_line is not None:
        return command_line
    if monthly_usd is None:
        return None
    return Budget(monthly_usd, f"{where} budget.monthly_usd")


def verdicts_json(verdicts: Sequence[Verdict]) -> dict:
    """The ``budget`` object of a command's JSON."""
    return {"over": any(v.over for v in verdicts), "bills": [v.as_dict() for v in verdicts]}


# The columns a what-if grid adds for the gate (only when a budget is in force).
GATE_COLUMNS = ("over_budget", "first_month_over", "over_by_usd")


def gate_columns(verdict: Verdict) -> dict:
    """A what-if cell's verdict as its row's columns."""
    first = verdict.first_over
    return {
        "over_budget": verdict.over,
        "first_month_over": first.name if first else "",
        "over_by_usd": verdict.over_by_usd,
    }


def log_verdicts(by_month: dict[str, Decimal], budget: Budget | None) -> list[Verdict]:
    """``budget usage --fail-above``: the log's bill by calendar month (one month: the log's
    total), the calls that could be priced."""
    if budget is None or not by_month:
        return []
    months = [Month(name, usd) for name, usd in by_month.items()]
    bill = "the log" if len(months) == 1 else f"the log ({len(months)} calendar months)"
    return [judge(bill, months, budget)]
