"""`budget fit LOG... -o scenario.yaml`, and the backtest `budget report SCENARIO --against
LOG...` prints: a scenario from real traffic, and a scenario set beside real traffic."""

from __future__ import annotations

from pathlib import Path

import click

from budget.cli.common import (
    at_option,
    catalog_option,
    checked_pricing_day,
    files_read,
    get_catalog,
    json_option,
    print_json,
    print_table,
    warn,
)
from budget.format import format_tokens, format_usd
from pricing.dates import pricing_day


@click.command()
@click.argument("logs", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The scenario to write (a log of several models: one file per model, "
    "NAME-MODEL.yaml beside it).",
)
@click.option("--model", "-m", "model_name", help="Model for records that do not name one.")
@click.option("--name", help="The scenario's name (default: the output file's name).")
@at_option
@catalog_option
@json_option
def fit(
    logs: tuple[str, ...],
    output: str,
    model_name: str | None,
    name: str | None,
    at,
    as_json: bool,
) -> None:
    """Fit a scenario from a usage log: the calls per day and peak, the models, the input and
    output lengths, cache and batch shares, max_tokens and its cut replies, built-in tools and
    growth, each with a comment saying what it came from. `budget report` reads the result
    as it is; `budget report SCENARIO --against LOG` checks it against the log's own bill.

    LOGS are read as `budget usage` reads them (any format and provider it prices). Records
    without a time give no calls per day, peak or growth: the file says so. What each value
    is fitted from, and the backtest: docs/fit.md.
    """
    from budget.inputs.files import expand_paths
    from budget.outputs import OutputSet
    from budget.usage.traffic import logged_traffic
    from budget.workload.fit import fit_traffic
    from budget.workload.scenario import check_scenario
    from pricing.yamlfile import read_document

    inputs = files_read(*logs, listed=expand_paths(list(logs), "log file"))
    with OutputSet({"-o": output}, inputs=inputs) as outputs:
        catalog = get_catalog()
        traffic = logged_traffic(logs, catalog, at=pricing_day(at), model=model_name)
        _check_catalog(catalog, traffic)
        target = Path(output)
        fits = fit_traffic(traffic, name or target.stem)
        report = traffic.report
        header = [
            f"Fitted by `budget fit` from {', '.join(report.files)}: {len(traffic):,} calls "
            f"priced, ${report.total_usd:,.2f} (catalog dated {catalog.as_of}).",
            "Each value says what it came from; edit freely. Check it against the log with",
            "`budget report {path} --against " + " ".join(report.files) + "`.",
        ]
        if report.unpriced:
            header.append(
                f"{report.unpriced_calls:,} calls could not be priced and are not fitted "
                "(`budget usage` lists them)."
            )
        written = []
        for fitted in fits:
            path = output if len(fits) == 1 else str(_beside(target, fitted.model))
            text = fitted.yaml([line.replace("{path}", path) for line in header])
            # the file must be one `budget report` reads as it is
            check_scenario(read_document(text, path, "scenario"), path)
            handle = outputs.open(path)
            handle.write(text)
            written.append((path, fitted))
        outputs.refuse_inputs(inputs)
    for _, fitted in written:
        for problem in fitted.cannot_fit:
            warn(f"not fitted ({fitted.model}): {problem}")
    if report.unpriced:
        warn(f"{report.unpriced_calls:,} calls could not be priced and are left out of the fit")
    if as_json:
        print_json(
            {
                "files": [path for path, _ in written],
                "scenarios": [
                    {
                        "file": path,
                        "model": fitted.model,
                        "calls": fitted.calls,
                        "values": fitted.values,
                        "not_fitted": fitted.cannot_fit,
                    }
                    for path, fitted in written
                ],
                "unpriced_calls": report.unpriced_calls,
            }
        )
        return
    print_table(
        ["model", "calls", "calls/day", "input p50/p95", "output p50/p95", "cache read", "cut"],
        [
            [
                fitted.model,
                format_tokens(fitted.calls),
                format_tokens(round(fitted.values["calls_per_day"])),
                _pair(fitted.values, "input_tokens"),
                _pair(fitted.values, "output_tokens"),
                f"{fitted.values.get('cache.read_share', 0):.1%}",
                f"{fitted.values.get('truncation_rate', 0):.2%}",
            ]
            for _, fitted in written
        ],
    )
    for path, _ in written:
        click.echo(f"wrote {path}")


def _check_catalog(catalog, traffic) -> None:
    """Warn when the catalog is stale for the log's last day (the day undated calls were
    priced at, where some are): not for today, which a log of last month does not meet."""
    if len(traffic):
        checked_pricing_day(catalog, traffic.last_day)


def _pair(values: dict, key: str) -> str:
    return f"{values[key + '.p50']:,.0f} / {values[key + '.p95']:,.0f}"


def _beside(target: Path, model: str) -> Path:
    """``scenario.yaml`` -> ``scenario-gpt-5.2.yaml``: one file per model of the log."""
    safe = "".join(c if c.isalnum() or c in ".-_" else "_" for c in model)
    return target.with_name(f"{target.stem}-{safe}{target.suffix or '.yaml'}")


def print_backtest(
    scenario_file: str, logs: tuple[str, ...], at, as_json: bool, calls: int | None = None
) -> None:
    """`budget report SCENARIO --against LOG...`: projected against actual, per model and
    per day, with the band the projection carries."""
    from budget.usage.traffic import logged_traffic
    from budget.workload.backtest import backtest
    from budget.workload.scenario import load_scenario

    scenario = load_scenario(scenario_file)
    catalog = get_catalog()
    traffic = logged_traffic(logs, catalog, at=pricing_day(at))
    _check_catalog(catalog, traffic)
    result = backtest(scenario, traffic, catalog, calls)
    for left in result.left_out:
        warn(f"not in the scenario, left out: {left}")
    for note in result.notes:
        warn(f"note: {note}")
    if traffic.report.unpriced:
        warn(f"{traffic.report.unpriced_calls:,} calls of the log could not be priced, left out")
    if as_json:
        print_json(result.as_dict())
        return
    money = lambda value: format_usd(value, places=2)  # noqa: E731

    def row(compared, first: str) -> list[str]:
        pct = compared.error_pct
        return [
            first,
            format_tokens(round(compared.projected_calls)),
            format_tokens(compared.actual_calls),
            money(compared.projected_usd),
            money(compared.actual_usd),
            format_usd(compared.error_usd, sign=True, places=2),
            "-" if pct is None else f"{pct:+.1f}%",
        ]

    columns = ["calls proj.", "calls actual", "projected", "actual", "error", "error %"]
    band = lambda c: f"{money(c.band_low_usd)}..{money(c.band_high_usd)}"  # noqa: E731
    print_table(
        ["model", *columns, "95% band", "in band"],
        [
            [*row(c, c.label), band(c), "yes" if c.within_band else "NO"]
            for c in (*result.by_model, result.total)
        ],
    )
    click.echo("")
    print_table(["day", *columns], [row(c, c.label) for c in result.by_day])
    click.echo(
        f"\n{scenario.name} projected over the log's {result.days} days "
        f"({result.first_day}..{result.last_day}) against what the log cost"
    )
