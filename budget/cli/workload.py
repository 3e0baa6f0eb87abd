"""`budget usage`, `budget report`, `budget whatif`: real traffic costed, scenarios projected."""

from __future__ import annotations

import dataclasses
import heapq

import click

from budget.cli.common import (
    LOCAL_FILE,
    at_from_command_line,
    at_option,
    catalog_files,
    catalog_option,
    checked_pricing_day,
    engine_options,
    files_read,
    get_catalog,
    json_option,
    print_json,
    print_table,
    stale_catalog,
    start_override,
    warn,
)
from budget.cli.gate import (
    cell_verdict,
    exit_if_grid_over,
    exit_if_over,
    fail_above_option,
    grid_gate,
    grid_sentence,
    print_verdicts,
)
from budget.cli.progress import Progress
from budget.cli.usage_as import AS_HELP, print_as
from budget.format import (
    clip_text,
    column_places,
    format_tokens,
    format_usd,
    model_label,
    to_jsonable,
)
from budget.gate import fail_above as read_fail_above
from budget.gate import verdicts_json
from pricing.dates import pricing_day
from pricing.errors import InputError

OUTPUT_FILE = click.Path(dir_okay=False, writable=True)


@click.command()
@click.argument("logs", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(writable=True),
    help="Write one row per call: CSV, or Parquet if the name ends in .parquet "
    "(under --engine dask, a directory of parts).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["rows", "focus"]),
    default="rows",
    show_default=True,
    help="`focus`: the -o file as a FinOps FOCUS bill, one row per day, model and token "
    "type, BilledCost adding up to the total (CSV; columns: docs/csv-columns.md).",
)
@click.option("--model", "-m", "model_name", help="Model for records that do not name one.")
@click.option(
    "--skip-invalid", is_flag=True, help="Skip lines that are not JSON (listed by file:line)."
)
@click.option(
    "--strict", is_flag=True, help="Stop at the first call that cannot be priced (exit 2)."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Processes reading large JSONL logs (0: one per CPU, up to 4, for logs over 32 MB).",
)
@fail_above_option
@click.option("--as", "as_models", multiple=True, metavar="MODEL", help=AS_HELP)
@at_option
@engine_options
@catalog_option
@json_option
def usage(
    logs: tuple[str, ...],
    output: str | None,
    model_name: str | None,
    skip_invalid: bool,
    strict: bool,
    jobs: int,
    fail_above: str | None,
    at,
    engine: str,
    scheduler: str | None,
    as_json: bool,
    output_format: str = "rows",
    as_models: tuple[str, ...] = (),
) -> None:
    """Cost provider usage logs (JSONL responses or usage objects, or CSV with token columns).

    Reads OpenAI Chat Completions and Responses (and their streaming events and Batch
    output), Anthropic Messages (streaming, batch results), Gemini generateContent, xAI,
    DeepSeek, Mistral, Bedrock Converse and Cohere responses, LiteLLM spend logs and
    OpenTelemetry GenAI spans (OTLP JSON); the model comes from each record, or --model.
    Prints the cost and truncation rate per model. Calls that cannot be priced (unknown
    model, no rate for their tier or modality, malformed usage) are listed by model and
    reason, the rest priced, and the exit code is 1. LOGS may be files (JSON, JSONL, CSV,
    TSV or Parquet; gzip, bzip2 or xz compressed: the kind from the name and content),
    directories (every file under them), globs and URLs; --engine dask prices
    them on a Dask cluster, with the same totals.

    Each call is priced at the prices of the day it was made (`created`, `created_at`,
    `createTime` or a `timestamp` field or CSV column); records without one at --at.
    """
    from budget.gate import log_verdicts
    from budget.inputs.files import expand_paths

    command_line_budget = read_fail_above(fail_above)
    if output_format == "focus" and (not output or engine == "dask"):
        raise click.UsageError("--format focus writes the -o file, on --engine local")
    inputs = files_read(*logs, listed=expand_paths(list(logs), "log file") if output else ())
    catalog = get_catalog()
    day = checked_pricing_day(catalog, at)
    options = {"model": model_name, "skip_invalid": skip_invalid, "strict": strict, "at": day}
    retarget = None
    if as_models:  # the same calls on other models, priced beside them in the one pass
        from budget.usage.retarget import Retarget

        if engine == "dask":
            raise click.UsageError("--as prices in one process: not with --engine dask")
        retarget = Retarget(catalog, as_models, day)
    with Progress("read", "rows") as progress:
        if engine == "dask":
            report = _usage_on_dask(logs, inputs, options, output, scheduler, progress)
        else:
            report = _usage_locally(
                logs, inputs, options, output, jobs, progress, output_format, retarget
            )
    compared = retarget.result(report) if retarget else []
    verdicts = log_verdicts(report.by_month, command_line_budget)
    if as_json:
        found = {**_bounded_json(report), "catalog_as_of": catalog.as_of, "default_day": day}
        if retarget:
            found["as"] = [result.as_dict() for result in compared]
        if verdicts:
            found["budget"] = verdicts_json(verdicts)
        print_json(found)
        _exit_if_unpriced(report, where="listed under `unpriced`")
        exit_if_over(verdicts)
        return
    # a retired model's calls: the model whose rates priced them, where it is not itself
    retired = any(u.retirement_pricing for u in report.by_model.values())
    print_table(
        ["model", "calls", "input", "cached", "output", "total", "per call", "truncated"]
        + (["priced as"] if retired else []),
        [
            [
                name,
                format_tokens(u.totals.calls),
                format_tokens(u.totals.input_tokens),
                format_tokens(u.totals.cache_read_tokens),
                format_tokens(u.totals.output_tokens),
                format_usd(u.totals.total_usd),
                format_usd(u.totals.total_usd / u.totals.calls),
                f"{u.truncation_rate:.2%}",
            ]
            + ([" + ".join(u.priced_as)] if retired else [])
            for name, u in report.by_model.items()
        ],
    )
    calls = "call" if report.rows == 1 else "calls"
    click.echo(f"\ntotal {format_usd(report.total_usd)} over {report.rows:,} {calls}")
    undated = report.undated
    timeless = (
        f"; {undated.calls:,} without a time at {undated.day} (--at)"
        if undated is not None and undated.calls
        else ""
    )
    click.echo(
        f"each call priced at the prices of its own day{timeless}; catalog dated {catalog.as_of}"
    )
    for u in report.by_model.values():
        for sentence in u.retirement_pricing:
            click.echo(f"priced as: {sentence}")
    if undated is not None and undated.warning:
        click.echo(undated.warning)
    print_as(compared)
    if report.unpriced:
        click.echo(f"\nnot priced: {_calls(report.unpriced_calls)}")
        shown, rest = _most_tokens(report.unpriced, MAX_UNPRICED_SHOWN)
        print_table(
            ["model", "reason", "calls", "input", "output", "first"],
            [
                [
                    group.model,
                    group.reason,
                    format_tokens(group.calls),
                    format_tokens(group.input_tokens),
                    format_tokens(group.output_tokens),
                    group.first,
                ]
                for group in shown
            ],
        )
        if rest:
            click.echo(
                f"... and {len(rest):,} more (model, reason) groups: "
                f"{sum(g.calls for g in rest):,} calls, "
                f"{sum(g.input_tokens for g in rest):,} input and "
                f"{sum(g.output_tokens for g in rest):,} output tokens "
                f"(--json lists the {MAX_UNPRICED_JSON:,} with the most tokens)"
            )
    if report.skipped:
        shown = ", ".join(report.skipped_lines)
        more = "" if len(report.skipped_lines) == report.skipped else ", ..."
        warn(f"skipped {report.skipped:,} lines that are not JSON (--skip-invalid): {shown}{more}")
    for note in report.notes:
        warn(note)
    print_verdicts(verdicts)
    if output:
        click.echo(f"wrote {output}")
    _exit_if_unpriced(report, where="the `not priced` table above")
    exit_if_over(verdicts)


def _usage_locally(logs, inputs, options, output, jobs, progress, output_format="rows", also=None):
    from budget.outputs import OutputSet
    from budget.usage.price import cost_logs
    from budget.usage.retarget import Both
    from budget.usage.rows import CsvRows, ParquetRows, is_parquet_name

    with OutputSet({"-o": output}, inputs=inputs) as outputs:
        catalog = get_catalog()
        if not output:
            if also is not None:  # `--as`: every chunk priced again on its models
                return cost_logs(logs, catalog, rows_out=also, on_rows=progress, **options)
            return cost_logs(logs, catalog, jobs=jobs, on_rows=progress, **options)
        if output_format == "focus":
            from budget.focus import FocusUsage, write_focus

            bill = FocusUsage(catalog)
            sink = Both(bill, also)
            report = cost_logs(logs, catalog, rows_out=sink, on_rows=progress, **options)
            write_focus(bill.charges(), outputs.open(output))
            return report
        if not is_parquet_name(output):
            sink = Both(CsvRows(outputs.open(output)), also)
            return cost_logs(logs, catalog, rows_out=sink, on_rows=progress, **options)
        from budget.inputs.parquet import DASK_EXTRA

        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError(f"{output}: writing Parquet needs pyarrow ({DASK_EXTRA})") from None
        sink = ParquetRows(outputs.open(output, "wb"))
        try:
            return cost_logs(logs, catalog, rows_out=Both(sink, also), on_rows=progress, **options)
        finally:
            sink.close()


def _usage_on_dask(logs, inputs, options, output, scheduler, progress):
    from budget.cluster import dashboard_link, dask_client
    from budget.usage.dask_engine import check_output, cost_logs_dask

    progress.label, progress.unit = "priced", "partitions"
    catalog = get_catalog()
    check_output(logs, output, inputs)  # a refused output never starts a cluster
    with dask_client(scheduler, dashboard=progress.shown) as client:
        link = dashboard_link(client)
        if link:
            progress.note(f"dask dashboard: {link}")
        return cost_logs_dask(
            logs,
            catalog,
            client,
            output=output,
            inputs=inputs,
            on_partitions=progress.set_total,
            on_done=progress,
            **options,
        )


# Unpriced (model, reason) groups shown: a log of 1M unknown names is 1M groups, so the table
# and the JSON show those with the most tokens and sum up the rest.
MAX_UNPRICED_SHOWN = 20
MAX_UNPRICED_JSON = 1_000
MAX_JSON_NAME = 1_000  # characters of a model name or message from a log, in --json


def _most_tokens(groups: tuple, limit: int) -> tuple[list, list]:
    """The ``limit`` groups with the most tokens, in the report's order, and the rest."""
    if len(groups) <= limit:
        return list(groups), []
    ranked = heapq.nlargest(
        limit, range(len(groups)), key=lambda i: groups[i].input_tokens + groups[i].output_tokens
    )
    chosen = set(ranked)
    shown = [groups[i] for i in sorted(chosen)]
    return shown, [g for i, g in enumerate(groups) if i not in chosen]


def _bounded_json(report) -> dict:
    """The report's JSON with its unpriced groups bounded: the ``MAX_UNPRICED_JSON`` with the
    most tokens (names and messages cut to ``MAX_JSON_NAME``), the rest summed up in
    ``unpriced_omitted``."""
    shown, rest = _most_tokens(report.unpriced, MAX_UNPRICED_JSON)
    data = to_jsonable(dataclasses.replace(report, unpriced=()))
    data["unpriced"] = [
        {
            **group.as_dict(),
            "model": clip_text(group.model, MAX_JSON_NAME),
            "detail": clip_text(group.detail, MAX_JSON_NAME),
            "first": clip_text(group.first, MAX_JSON_NAME),
        }
        for group in shown
    ]
    if rest:
        data["unpriced_omitted"] = {
            "groups": len(rest),
            "calls": sum(g.calls for g in rest),
            "input_tokens": sum(g.input_tokens for g in rest),
            "output_tokens": sum(g.output_tokens for g in rest),
        }
    return data


def _calls(n: int) -> str:
    return f"{n:,} call" if n == 1 else f"{n:,} calls"


def _exit_if_unpriced(report, where: str) -> None:
    """Exit code 1 when some calls could not be priced: scripts notice. ``where``: where
    this output lists them (the table's heading or the JSON key)."""
    if report.unpriced:
        warn(f"{_calls(report.unpriced_calls)} could not be priced ({where})")
        click.get_current_context().exit(1)


@click.command()
@click.argument(
    "scenario_files", metavar="SCENARIO.yaml...", nargs=-1, required=True, type=LOCAL_FILE
)
@click.option(
    "-o",
    "--output",
    type=OUTPUT_FILE,
    help="Write the bill as CSV here: one row per calendar month, service and model "
    "(columns: docs/csv-columns.md).",
)
@click.option(
    "--rows",
    type=click.Choice(["month", "day", "total", "periods"]),
    default="month",
    show_default=True,
    help="The -o file's rows, one kind per file: calendar months, days, or the horizon's "
    "total; `periods` writes the projection table (day, month-NN and total rows together, "
    "with the capacity columns: do not sum it).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "focus"]),
    default="csv",
    show_default=True,
    help="`focus`: the -o file as a FinOps FOCUS bill of the first model, one row per day "
    "and token type, marked as a projection (docs/csv-columns.md).",
)
@click.option("--markdown", type=OUTPUT_FILE, help="Write a Markdown summary here.")
@click.option("--chart", type=OUTPUT_FILE, help="Write PNG charts here (a .png file).")
@click.option(
    "--simulated-calls",
    type=click.IntRange(min=1),
    help="Override the scenario's simulated_calls (calls drawn per model).",
)
@fail_above_option
@click.option(
    "--against",
    multiple=True,
    metavar="LOG",
    help="Backtest: project over the log's own days and compare with what it cost, per "
    "model and per day (repeatable).",
)
@at_option
@catalog_option
@json_option
def report(
    scenario_files: tuple[str, ...],
    output: str | None,
    markdown: str | None,
    chart: str | None,
    simulated_calls: int | None,
    fail_above: str | None,
    against: tuple[str, ...],
    at,
    as_json: bool,
    rows: str = "month",
    output_format: str = "csv",
) -> None:
    """Project a scenario: cost per day and month, p50/p95 per call, rate-limit capacity.

    Month 1 starts on --at when typed on the command line, else on the scenario's `start:`
    date, else on TOKEN_BUDGET_AT or today; each month is priced at the prices in force that
    month.

    Several scenarios (one per service) make one portfolio report: the bill per month across
    the services and per service, and each provider's rate limits checked on the sum of the
    services that use them (docs/portfolio.md).

    The YAML format: docs/scenarios.md; the CSV columns: docs/report.md. The finance CSV
    (-o, --rows) and the FOCUS bill (--format focus): docs/csv-columns.md.
    """
    command_line_budget = read_fail_above(fail_above)
    if len(scenario_files) > 1:
        from budget.cli.portfolio import portfolio_report

        if against:
            raise InputError("--against backtests one scenario; give one SCENARIO.yaml")

        portfolio_report(
            scenario_files,
            output,
            markdown,
            chart,
            simulated_calls,
            command_line_budget,
            at,
            as_json,
            rows,
            output_format,
        )
        return
    (scenario_file,) = scenario_files
    from budget.outputs import OutputSet
    from budget.workload.portfolio import plan_verdicts
    from budget.workload.projection import project
    from budget.workload.report import (
        check_chart_path,
        markdown_summary,
        write_charts,
        write_projection_file,
        write_text,
    )
    from budget.workload.scenario import load_scenario
    from budget.workload.warnings import projection_warnings

    if against:
        from budget.cli.fit import print_backtest

        if output or markdown or chart:
            raise InputError("--against prints a backtest: it writes no -o, --markdown or --chart")
        return print_backtest(scenario_file, against, at, as_json, simulated_calls)
    if output_format == "focus" and (not output or rows != "month"):
        raise click.UsageError("--format focus writes the -o file, one row per day (no --rows)")
    if chart:
        check_chart_path(chart)
    named = {"-o": output, "--markdown": markdown, "--chart": chart}
    with OutputSet(named, inputs=[scenario_file, *catalog_files()]) as outputs:
        scenario = load_scenario(scenario_file)
        outputs.refuse_inputs(scenario.input_files())
        catalog = get_catalog()
        start, start_note = start_override(at, scenario.start)
        if start is not None:
            scenario = dataclasses.replace(scenario, start=start)
        day = checked_pricing_day(catalog, scenario.start or at)
        calls = (simulated_calls or scenario.simulated_calls) * len(scenario.models)
        with Progress("simulated", "calls", total=calls) as progress:
            projection = project(
                scenario, catalog, calls=simulated_calls, at=day, on_calls=progress
            )
        table = projection.exact_table
        if output:
            write_projection_file(projection, output, outputs, rows, output_format)
        if markdown:
            write_text(markdown_summary(projection, table), markdown, outputs)
        if chart:
            write_charts(projection, chart, table, outputs)
    verdicts = plan_verdicts(projection, table, command_line_budget)
    if as_json:
        # what a reader must act on (a retirement, a price change, a limit) travels with the
        # figures, and still reaches stderr (the stale catalog's already has)
        warnings = [start_note] if start_note else []
        warnings += projection_warnings(projection)
        for note in warnings:
            warn(f"warning: {note}")
        rows = table.to_dict(orient="records")
        warnings = stale_catalog(catalog, day) + warnings
        gate = {"budget": verdicts_json(verdicts)} if verdicts else {}
        print_json({"scenario": scenario.name, "rows": rows, "warnings": warnings, **gate})
        exit_if_over(verdicts)
        return
    summary = _summary_rows(table)
    # One money format per column (as whatif): totals as the largest needs, per call as the
    # smallest needs.
    total = column_places(list(summary["total_usd"]) + list(summary["continuation_usd"]))
    per_call = column_places(
        list(summary["per_call_usd"]) + list(summary["p95_per_call_usd"]), fine=True
    )
    print_table(
        [
            "model",
            "period",
            "calls",
            "total",
            "of which cut",
            "per call",
            "p95/call",
            "max_tokens",
            "trunc",
            "binds",
        ],
        [
            [
                model_label(row.model, row.variant),
                row.period + (" (new prices)" if row.new_prices else ""),
                format_tokens(row.calls),
                _mark(row.input_tokens_exact, row.output_tokens_exact)
                + format_usd(row.total_usd, places=total),
                format_usd(row.continuation_usd, places=total),
                format_usd(row.per_call_usd, places=per_call),
                format_usd(row.p95_per_call_usd, places=per_call),
                format_tokens(row.max_tokens),
                f"{row.truncation_rate:.2%}",
                _binds(row.binding_limit, row.headroom is not None and row.headroom < 0),
            ]
            for row in summary.itertuples()
        ],
    )
    if projection.embeddings is not None:
        _print_bill(table)
    click.echo(
        f"\nmonth 1 starts {projection.start}; each month at the prices in force then "
        f"(catalog dated {catalog.as_of})"
    )
    for note in ([start_note] if start_note else []) + projection_warnings(projection):
        warn(f"warning: {note}")
    print_verdicts(verdicts)
    for path in (output, markdown, chart):
        if path:
            click.echo(f"wrote {path}")
    exit_if_over(verdicts)


def _summary_rows(table):
    """Month 1, every later month whose prices differ from the month before (a price change
    or a retirement shows in the table, not only in a warning), and the total; generation
    lines only (a RAG service's embedding lines have their own bill)."""
    rows = table[(table["line"] == "generation")].copy()
    rows["new_prices"] = False
    months = rows["period"].str.startswith("month-")
    for _, group in rows[months].groupby(["model", "variant"], sort=False):
        periods = group["price_period"].astype(str)
        changed = periods.ne(periods.shift()) & (group["period"] != "month-01")
        rows.loc[changed[changed].index, "new_prices"] = True
    return rows[rows["period"].isin(["month-01", "total"]) | rows["new_prices"]]


def _print_bill(table) -> None:
    """A RAG service's bill: the embedding lines, then each generation model's total with them."""
    click.echo("")
    spans = ["month-01", "total"]
    embedding = table[(table["line"] != "generation") & table["period"].isin(spans)]
    generation = table[(table["line"] == "generation") & table["period"].isin(spans)]
    rows = [
        [r.line, r.model, r.period, format_tokens(r.input_tokens), format_usd(r.total_usd)]
        for r in embedding.itertuples()
    ]
    for r in generation.itertuples():
        extra = embedding[embedding["period"] == r.period]["total_usd"].sum()
        label = model_label(r.model, r.variant)
        rows.append(["bill", label, r.period, "", format_usd(r.total_usd + extra)])
    print_table(["line", "model", "period", "tokens", "total"], rows)


def _mark(input_exact: bool, output_exact: bool) -> str:
    """``~`` before a figure built on estimated token counts (the warning says which)."""
    return "" if input_exact and output_exact else "~"


def _binds(limit: str | None, over: bool) -> str:
    """The binding limit; `OVER` when the peak needs more than it allows."""
    if not limit:
        return "-"
    return f"{limit} OVER" if over else limit


@click.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=LOCAL_FILE)
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="KEY=V1,V2,...",
    help="A setting and the values to try (repeatable): model, max_tokens, cache_share, "
    "batch_share, calls_per_day, ...; a value `x2` or `x0.5` scales the file's own.",
)
@click.option("-o", "--output", type=OUTPUT_FILE, help="Write the grid as CSV here.")
@click.option("--markdown", type=OUTPUT_FILE, help="Write the grid as a Markdown page here.")
@click.option("--chart", type=OUTPUT_FILE, help="Write the grid as a PNG bar chart here.")
@fail_above_option
@at_option
@catalog_option
@json_option
def whatif(
    scenario_file: str,
    varies: tuple[str, ...],
    output: str | None,
    markdown: str | None,
    chart: str | None,
    fail_above: str | None,
    at,
    as_json: bool,
) -> None:
    """Every combination of the varied settings, cheapest first, against the baseline.

    Every key --vary takes, and the CSV columns: docs/whatif.md.
    """
    command_line_budget = read_fail_above(fail_above)
    from budget.outputs import OutputSet
    from budget.workload.report import check_chart_path, write_csv, write_text
    from budget.workload.whatif import parse_vary, what_if
    from budget.workload.whatif_report import whatif_markdown, write_whatif_chart

    if chart:
        check_chart_path(chart)
    named = {"-o": output, "--markdown": markdown, "--chart": chart}
    with OutputSet(named, inputs=[scenario_file, *catalog_files()]) as outputs:
        catalog = get_catalog()
        result = what_if(
            scenario_file,
            [parse_vary(v) for v in varies],
            catalog,
            at=pricing_day(at),
            start=at_from_command_line(at),
            fail_above=command_line_budget,
        )
        day = checked_pricing_day(catalog, result.start)  # stale for the scenario's start?
        outputs.refuse_inputs(result.input_files)
        if output:
            write_csv(result.exact_table, output, outputs)
        if markdown:
            write_text(whatif_markdown(result), markdown, outputs)
        if chart:
            write_whatif_chart(result, chart, outputs)
    if as_json:
        print_json(
            {
                "scenario": result.scenario,
                "baseline_usd": result.baseline_usd,
                "rows": result.records(),
                "warnings": stale_catalog(catalog, day) + list(result.warnings),
                **({"budget": grid_gate(result)} if result.budget else {}),
            }
        )
        exit_if_grid_over(result)
        return
    shown = [k for k in result.keys if k not in ("model", "variant", "max_tokens")]
    rows = result.exact_table.to_dict(orient="records")
    # One money format per column: totals and differences alike, per-call costs to sub-cents.
    total = column_places([r[k] for r in rows for k in ("total_usd", "diff_usd")])
    per_call = column_places([r["per_call_usd"] for r in rows], fine=True)
    print_table(
        [
            *shown,
            "model",
            "max_tokens",
            "total",
            "of which cut",
            "per call",
            "diff",
            "diff %",
            "trunc",
            "binds",
            *(["budget"] if result.budget else []),
        ],
        [
            [
                *(str(row[k]) for k in shown),
                model_label(row["model"], row["variant"])
                + (" (baseline)" if row["baseline"] else ""),
                format_tokens(row["max_tokens"])
                + (f" ({row['max_tokens_source']})" if row["max_tokens_source"] == "plan" else ""),
                _mark(row["input_tokens_exact"], row["output_tokens_exact"])
                + format_usd(row["total_usd"], places=total),
                format_usd(row["continuation_usd"], places=total),
                format_usd(row["per_call_usd"], places=per_call),
                format_usd(row["diff_usd"], sign=True, places=total),
                f"{row['diff_pct']:+.1f}%" if row["diff_pct"] is not None else "-",
                f"{row['truncation_rate']:.2%}",
                _binds(row["binding_limit"], row["fits_rate_limits"] in (False,)),
                *([cell_verdict(row)] if result.budget else []),
            ]
            for row in rows
        ],
    )
    if result.budget:
        click.echo(f"\n{grid_sentence(result)}")
    for note in result.warnings:
        warn(f"warning: {note}")
    for path in (output, markdown, chart):
        if path:
            click.echo(f"wrote {path}")
    exit_if_grid_over(result)
