"""`budget report A.yaml B.yaml ...`: a portfolio of services printed (the logic is
budget/workload/portfolio.py)."""

from __future__ import annotations

import click

from budget.cli.common import (
    at_from_command_line,
    catalog_files,
    checked_pricing_day,
    get_catalog,
    print_json,
    print_table,
    stale_catalog,
    warn,
)
from budget.cli.gate import exit_if_over, print_verdicts
from budget.cli.progress import Progress
from budget.format import column_places, format_usd
from budget.gate import Budget, verdicts_json
from pricing.errors import InputError


def portfolio_report(
    files: tuple[str, ...],
    output: str | None,
    markdown: str | None,
    chart: str | None,
    simulated_calls: int | None,
    budget: Budget | None,
    at,
    as_json: bool,
    rows: str = "month",
    output_format: str = "csv",
) -> None:
    from budget.outputs import OutputSet
    from budget.workload.portfolio import load_portfolio, portfolio_verdicts
    from budget.workload.report import write_csv
    from budget.workload.warnings import projection_warnings

    if markdown or chart or output_format != "csv":
        option = "--markdown" if markdown else "--chart" if chart else "--format focus"
        raise InputError(
            f"{option}: takes one scenario; a portfolio of {len(files)} writes its CSV (-o, "
            "--rows) and JSON (--json)"
        )
    with OutputSet({"-o": output}, inputs=[*files, *catalog_files()]) as outputs:
        catalog = get_catalog()
        start = at_from_command_line(at)
        day = checked_pricing_day(catalog, start or at)
        with Progress("simulated", "calls") as progress:
            portfolio = load_portfolio(
                files, catalog, at=at, start=start, calls=simulated_calls, on_calls=progress
            )
        for service in portfolio.services:
            outputs.refuse_inputs(service.projection.scenario.input_files())
        if output:
            write_csv(portfolio.csv_table(rows), output, outputs)
    warnings = [
        f"the rate limits do not carry the services together: {limit.sentence()}"
        for limit in portfolio.limits
        if not limit.fits
    ]
    warnings += [
        f"{service.name}: {note}"
        for service in portfolio.services
        for note in projection_warnings(service.projection)
    ]
    verdicts = portfolio_verdicts(portfolio, budget)
    if as_json:
        for note in warnings:
            warn(f"warning: {note}")
        warnings = stale_catalog(catalog, day) + warnings  # already on stderr
        gate = {"budget": verdicts_json(verdicts)} if verdicts else {}
        print_json(
            {
                "services": [
                    {
                        "service": s.name,
                        "file": s.file,
                        "model": s.plan.model.id,
                        "variant": s.plan.model.variant,
                        "total_usd": s.total_usd,
                        "months": [_month(m) for m in s.months],
                    }
                    for s in portfolio.services
                ],
                "start": portfolio.start,
                "total_usd": portfolio.total_usd,
                "months": [_month(m) for m in portfolio.months],
                "fits_rate_limits": portfolio.fits,
                "rate_limits": [limit.as_dict() for limit in portfolio.limits],
                "notes": list(portfolio.notes),
                "warnings": warnings,
                **gate,
            }
        )
        exit_if_over(verdicts)
        return
    _print_bills(portfolio)
    if portfolio.limits:
        click.echo("")
        _print_limits(portfolio)
    click.echo(
        f"\nmonth 1 starts {portfolio.start}; each month at the prices in force then "
        f"(catalog dated {catalog.as_of})"
    )
    plans = ", ".join(f"{s.name} on {s.model}" for s in portfolio.services)
    click.echo(f"each service billed on its plan: {plans}")
    for note in portfolio.notes:
        click.echo(f"note: {note}")
    for note in warnings:
        warn(f"warning: {note}")
    print_verdicts(verdicts)
    if output:
        click.echo(f"wrote {output}")
    exit_if_over(verdicts)


def _month(month) -> dict:
    return {"month": month.name, "starts": month.first_day, "total_usd": month.usd}


def _print_bills(portfolio) -> None:
    services = portfolio.services
    amounts = [m.usd for s in services for m in s.months] + [portfolio.total_usd]
    places = column_places(amounts)
    rows = []
    for number, month in enumerate(portfolio.months):
        rows.append(
            [month.name, str(month.first_day)]
            + [format_usd(s.months[number].usd, places=places) for s in services]
            + [format_usd(month.usd, places=places)]
        )
    rows.append(
        ["total", ""]
        + [format_usd(s.total_usd, places=places) for s in services]
        + [format_usd(portfolio.total_usd, places=places)]
    )
    print_table(["month", "from", *(s.name for s in services), "all services"], rows)


def _print_limits(portfolio) -> None:
    services = portfolio.services
    rows = []
    for limit in portfolio.limits:
        needs = dict(limit.needs)
        rows.append(
            [limit.provider, limit.limit, f"{limit.allowed:,}", limit.month]
            + [f"{needs[s.name]:,.0f}" if s.name in needs else "-" for s in services]
            + [f"{limit.needed:,.0f}", f"{limit.headroom:+.1%}", limit.tipped_by or "-"]
        )
    print_table(
        ["provider", "limit", "allowed", "month", *(s.name for s in services)]
        + ["together", "headroom", "tipped over by"],
        rows,
    )
