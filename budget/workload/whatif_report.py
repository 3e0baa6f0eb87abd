"""A what-if grid for readers who are not at a terminal: a Markdown page and a PNG chart.

The grid is :class:`budget.workload.whatif.WhatIf`; both outputs show its rows in its order
(cheapest first), the baseline marked, and every warning the terminal shows."""

from __future__ import annotations

from pathlib import Path

from budget.format import format_tokens, format_usd, model_label
from budget.outputs import OutputSet
from budget.workload.report import check_chart_path, dollar_ticks, pyplot, save_png
from budget.workload.whatif import WhatIf

MAX_CHART_ROWS = 40  # bars beyond this are unreadable; the chart says how many it leaves out


def _setting(result: WhatIf, row: dict) -> str:
    """The row's varied values, as given (`cache_share=0.7, model=gpt-6-luna`)."""
    shown = [k for k in result.keys if k not in ("model", "variant")]
    return ", ".join(f"{key}={row[key]}" for key in shown)


def _max_tokens(row: dict) -> str:
    plan = " (plan)" if row.get("max_tokens_source") == "plan" else ""
    return format_tokens(row["max_tokens"]) + plan


def whatif_markdown(result: WhatIf) -> str:
    """One page: the grid as a table, cheapest first, and the warnings."""
    rows = result.exact_table.to_dict(orient="records")
    base = next(row for row in rows if row["baseline"])
    start = f", month 1 starting {result.start}" if result.start else ""
    lines = [
        f"# What if: {result.scenario}",
        "",
        f"Baseline: {model_label(base['model'], base['variant'])} as the file is written, "
        f"{format_usd(result.baseline_usd)} over {base['horizon_months']} months{start}. "
        f"{len(rows) - 1:,} variations, cheapest first.",
        "",
    ]
    gate = result.budget is not None
    if gate:
        over = sum(1 for row in rows if row["over_budget"])
        lines += [
            f"Against the {result.budget.described()}: {over:,} of {len(rows):,} rows go over "
            "in some month.",
            "",
        ]
    lines += [
        "| setting | model | max_tokens | total | of which cut | per call | vs baseline | "
        "truncated | binding limit |" + (" budget |" if gate else ""),
        "|---|---|---:|---:|---:|---:|---:|---:|---|" + ("---|" if gate else ""),
    ]
    for row in rows:
        name = model_label(row["model"], row["variant"])
        name += " **(baseline)**" if row["baseline"] else ""
        over = " (over)" if row["fits_rate_limits"] is False else ""
        diff = f"{row['diff_pct']:+.1f}%" if row["diff_pct"] is not None else "-"
        lines.append(
            f"| {_setting(result, row) or '-'} | {name} "
            f"| {_max_tokens(row)} | {format_usd(row['total_usd'])} "
            f"| {format_usd(row['continuation_usd'])} | {format_usd(row['per_call_usd'])} "
            f"| {format_usd(row['diff_usd'], sign=True)} ({diff}) "
            f"| {row['truncation_rate']:.2%} | {row['binding_limit'] or '-'}{over} |"
            + (f" {_budget_cell(row)} |" if gate else "")
        )
    if result.warnings:
        lines += ["", "## Warnings", ""]
        lines += [f"- {warning}" for warning in result.warnings]
    return "\n".join(lines) + "\n"


def write_whatif_chart(result: WhatIf, path: str | Path, outputs: OutputSet | None = None) -> None:
    """Each row's horizon total as a bar, cheapest at the top, the baseline in its own colour
    and rows over a rate limit marked; dollar figures on the bars."""
    check_chart_path(path)
    plt = pyplot()
    rows = result.exact_table.to_dict(orient="records")
    drawn, left_out = rows[:MAX_CHART_ROWS], len(rows) - MAX_CHART_ROWS
    labels = [
        ", ".join(x for x in (_setting(result, r), model_label(r["model"], r["variant"])) if x)
        for r in drawn
    ]
    totals = [float(r["total_usd"]) for r in drawn]
    colours = [
        "#F58518" if r["baseline"] else "#E45756" if r["fits_rate_limits"] is False else "#4C78A8"
        for r in drawn
    ]
    figure, axes = plt.subplots(figsize=(11, 1.5 + 0.4 * len(drawn)))
    bars = axes.barh(range(len(drawn)), totals, color=colours)
    axes.set_yticks(range(len(drawn)), labels, fontsize=8)
    axes.invert_yaxis()  # cheapest at the top, as the table
    texts = [f"${t:,.0f}{_bar_note(r)}" for t, r in zip(totals, drawn, strict=True)]
    axes.bar_label(bars, labels=texts, padding=3, fontsize=8)
    axes.xaxis.set_major_formatter(dollar_ticks())
    axes.set_xlim(0, max(totals) * 1.3 if totals else 1)
    months = drawn[0]["horizon_months"] if drawn else 0
    more = f" ({left_out:,} more rows in the table)" if left_out > 0 else ""
    axes.set_title(f"What if: {result.scenario}, {months}-month total{more}")
    save_png(figure, path, outputs)


def _bar_note(row: dict) -> str:
    if row["baseline"]:
        return " (baseline)"
    return " over a rate limit" if row["fits_rate_limits"] is False else ""


def _budget_cell(row: dict) -> str:
    if not row["over_budget"]:
        return "within"
    return f"over from {row['first_month_over']} (by {format_usd(row['over_by_usd'])})"
