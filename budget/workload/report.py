"""Report writers: the projection CSV, a Markdown summary and PNG charts, all written atomically.

``regenerate_samples`` rebuilds the committed sample reports under ``reports/`` from their
scenarios; a test runs it into a temporary folder and fails if the committed files drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from budget.format import column_places, format_usd
from budget.inputs.samples import percentile
from budget.outputs import OutputSet, spreadsheet_safe_frame, write_to
from budget.workload.projection import Projection, project
from budget.workload.results import ModelProjection
from budget.workload.scenario import (
    Fixed,
    LogNormal,
    Observed,
    PromptFiles,
    Scenario,
    TokenSpec,
    load_scenario,
)
from budget.workload.warnings import (
    busiest_peak,
    capped_input_note,
    cut_replies_note,
    estimated_counts_note,
    label,
    lifecycle_note,
    need,
    price_change_notes,
)
from pricing.catalog import Catalog
from pricing.errors import InputError

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"


def write_csv(table: pd.DataFrame, path: str | Path, outputs: OutputSet | None = None) -> None:
    """The table as CSV (text cells safe to open in a spreadsheet); ``outputs``: the command's
    output set this file is replaced with (see budget.outputs)."""
    with write_to(path, "w", outputs) as handle:
        spreadsheet_safe_frame(table).to_csv(handle, index=False, lineterminator="\n")


def write_text(text: str, path: str | Path, outputs: OutputSet | None = None) -> None:
    with write_to(path, "w", outputs) as handle:
        handle.write(text)


def describe_tokens(spec: TokenSpec) -> str:
    if isinstance(spec, Fixed):
        return f"{spec.tokens:,} (fixed)"
    if isinstance(spec, LogNormal):
        return f"p50 {spec.p50:,.0f}, p95 {spec.p95:,.0f} (log-normal)"
    if isinstance(spec, PromptFiles):
        names = ", ".join(p.name for p in spec.paths)
        return f"counted from prompt files ({names})"
    if isinstance(spec, Observed):
        return f"resampled from {spec.kind.replace('_', ' ')} {spec.path.name}"
    return repr(spec)


def describe_cache(s: Scenario) -> str:
    if s.conversation is not None and s.conversation.cache == "none":
        return "Cache off (`cache: none`)"
    if s.conversation is not None:
        return "Cache at each provider's prompt-cache rules (pricing/data/rules/prompt_cache.yaml)"
    if s.cache_prefix_tokens is not None:
        return (
            f"Cache: a shared prefix of {s.cache_prefix_tokens:,} tokens kept {s.cache_ttl} "
            "(reads and writes per model from the provider's rules, see Notes)"
        )
    return f"Cache reads {s.cache_read_share:.0%} of input, cache writes {s.cache_write_share:.0%}"


def _system_prompt(spec: int | PromptFiles) -> str:
    if isinstance(spec, PromptFiles):
        return f"the system prompt in {spec.paths[0].name} (counted with each model's tokenizer)"
    return f"a {spec:,}-token system prompt"


def markdown_summary(projection: Projection, table: pd.DataFrame | None = None) -> str:
    """A one-page summary a finance or capacity reader can act on."""
    s = projection.scenario
    table = projection.exact_table if table is None else table
    t = s.traffic
    lines = [f"# {s.name}", ""]
    if s.description:
        lines += [s.description.strip(), ""]
    lines += [
        f"Scenario `{s.path.name}`: {t.calls_per_day:,.0f} {t.unit}s/day in month 1, "
        f"{t.monthly_growth:+.1%} a month over {s.horizon_months} months, peak factor "
        f"{t.peak_factor:g}. Input tokens: {_describe_input(s)}. Output tokens: "
        f"{describe_tokens(s.output_tokens)}. {describe_cache(s)}; batch {s.batch_share:.0%} "
        "of calls. "
        f"{s.simulated_calls:,} simulated calls per model (seed {s.seed}).",
        "",
        "## Cost",
        "",
        "| model | max_tokens | per call | p95 per call | worst case | month 1 | "
        f"{s.horizon_months}-month total | of which cut replies | truncated | token counts |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    picked = []
    for item in projection.models:
        rows = table[(table["model"] == item.model.id) & (table["line"] == "generation")]
        rows = rows[rows["variant"] == (item.model.variant or "")]
        picked.append(
            (
                item,
                rows[rows["period"] == "month-01"].iloc[0],
                rows[rows["period"] == "total"].iloc[0],
            )
        )
    # One money format per column: per-call figures to the places the smallest needs, totals
    # to the places the largest needs.
    per_call = {
        column: column_places([m[column] for _, m, _ in picked], fine=True)
        for column in ("per_call_usd", "p95_per_call_usd", "worst_case_per_call_usd")
    }
    totals = column_places(
        [m["total_usd"] for _, m, _ in picked]
        + [t[c] for _, _, t in picked for c in ("total_usd", "continuation_usd")]
    )
    for item, month, total in picked:
        calls = [format_usd(month[c], places=per_call[c]) for c in per_call]
        money = [
            format_usd(month["total_usd"], places=totals),
            format_usd(total["total_usd"], places=totals),
            format_usd(total["continuation_usd"], places=totals),
        ]
        lines.append(
            f"| {label(item)} | {item.max_tokens:,} ({item.max_tokens_source}) | "
            + " | ".join(calls + money)
            + f" | {item.truncation_rate:.2%} | {counts_mark(item)} |"
        )
    lines += _conversation_lines(projection, table) + _bill_lines(projection, table)
    lines += ["", *bands_section(projection, table)]
    lines += ["", "## Rate limits", ""]
    if not any(item.rate_limits.any() for item in projection.models):
        lines.append(
            "No rate limits given (`rate_limits: {rpm, tpm, input_tpm, output_tpm}`, per "
            "provider `rate_limits: {openai: {...}}` or per model `models: [{name, rate_limits}]`)."
        )
    else:
        lines += [
            "Each model is judged against its own limits (its `models:` entry, else its "
            "provider's block, else the scenario's flat keys) as its provider counts them. "
            "Peak = the busiest month's average minute x the peak factor; a cut reply's "
            "continuation is one more request. OpenAI `tpm` counts input + max_tokens per "
            "request (OpenAI reserves max_tokens); Gemini `tpm` counts input; Anthropic "
            "`input_tpm` leaves out cache reads and `output_tpm` counts tokens generated.",
            "",
        ]
        for item in projection.models:
            lines.append(_capacity_line(s, item, table))
    lines += [
        "",
        "## Notes",
        "",
        "- Costs come from the bundled catalog; prices as of "
        + ", ".join(sorted({f"{m.model.id} {m.model.as_of}" for m in projection.models}))
        + "."
        + (
            f" Month 1 starts on {projection.start}; each month is priced at the prices in "
            "force that month (CSV `price_period`)."
            if projection.start
            else ""
        ),
        "- A reply longer than max_tokens is cut and billed at max_tokens; `truncated` is the "
        "share of simulated calls that wanted more. Each cut reply is "
        + (
            "continued: one more call re-sends the input plus the cut reply and generates the rest"
            if s.on_truncation == "continue"
            else "retried: the call is sent again and the whole reply generated again"
        )
        + f" (`on_truncation: {s.on_truncation}`). Every cost above includes those calls; "
        "`of which cut replies` (CSV `continuation_usd`) is their share of the total.",
        "- Monthly totals are calls x mean cost per call; the `--rows periods` CSV's "
        "`total_p95_usd` adds the call-to-call variation of a sum of that many independent "
        "calls (95%): it is not a budget ceiling; the scenario's ranges are (section above).",
    ]
    for item in projection.models:
        lines += [f"- **Price change**: {note}." for note in price_change_notes(projection, item)]
        retiring = lifecycle_note(projection, item)
        lines += [f"- **Model lifecycle**: {retiring}."] if retiring else []
    cut = cut_replies_note(projection)
    lines += [f"- **Cut replies in the usage log**: {cut}."] if cut else []
    if s.cache_prefix_tokens is not None:
        lines.append(
            "- **Cache from structure**: "
            + "; ".join(item.cache.note(label(item)) for item in projection.models if item.cache)
            + ". Hit rate = 1 - exp(-calls per minute x lifetime) at month 1's average rate, "
            "one shared prefix; a miss writes the prefix (billed at the input rate where the "
            "catalog has no write price). Gemini's explicit-cache storage fee is not modelled."
        )
    for item in projection.models:
        estimated = estimated_counts_note(item)
        lines += [f"- **Estimated token counts**: {estimated}."] if estimated else []
    for item in projection.models:
        capped = capped_input_note(item)
        lines += (
            [f"- **Input capped**: {capped} (`--rows periods` CSV `input_capped_share`)."]
            if capped
            else []
        )
    return "\n".join([*lines, ""])


def _describe_input(s: Scenario) -> str:
    c = s.conversation
    if c is None:
        return describe_tokens(s.input_tokens)
    h = c.history
    if h.policy == "last":
        history = f"the last {h.last_turns} turns"
    elif h.policy == "summarised":
        history = (
            f"a summary of {h.summary_tokens:,} tokens whenever the history reaches "
            f"{h.summarise_at:,}"
        )
    else:
        history = "the full history"
    return (
        f"each turn re-sends {_system_prompt(c.system_tokens)} and {history}, plus "
        f"{describe_tokens(c.user_tokens)} new; turns per conversation "
        f"{describe_tokens(c.turns)}, {c.gap_seconds:g} s apart"
    )


def _conversation_lines(projection: Projection, table: pd.DataFrame) -> list[str]:
    if projection.scenario.conversation is None:
        return []
    lines = [
        "",
        "## Per conversation",
        "",
        "| model | calls per conversation | mean | p50 | p95 | cut to fit the context |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for item in projection.models:
        c = item.conversation
        lines.append(
            f"| {label(item)} | {c.calls_per_conversation:.2f} | "
            f"{format_usd(c.per_conversation_usd)} | {format_usd(c.p50_per_conversation_usd)} | "
            f"{format_usd(c.p95_per_conversation_usd)} | {c.cut_share:.2%} |"
        )
    return lines


def _bill_lines(projection: Projection, table: pd.DataFrame) -> list[str]:
    """Tool fees and the embedding lines: the rest of the bill."""
    s = projection.scenario
    lines = []
    if s.tools:
        uses = ", ".join(f"{use.tool} on {use.share:.0%} of calls" for use in s.tools)
        lines += [
            "",
            f"Built-in tools: {uses}, billed per use (CSV `tool_usd`; `--rows periods` CSV "
            "`tool_calls`).",
        ]
    if projection.embeddings is None:
        return lines
    e = projection.embeddings
    spec = s.embeddings
    reindex = (
        f"re-indexed every {e.reindex_every_months} months ({e.reindex_share:.0%} of it)"
        if e.reindex_every_months
        else "never re-indexed"
    )
    query = describe_tokens(spec.query_tokens) if spec.query_tokens else "none"
    lines += [
        "",
        "## The bill",
        "",
        f"Embeddings on {e.model.id}: a corpus of {e.corpus_tokens:,} tokens"
        f"{f' ({spec.corpus_estimate})' if spec.corpus_estimate else ''} embedded in "
        f"month 1{' through the batch API' if spec.corpus_batch else ''} and {reindex}; "
        f"every call embeds its query ({query}).",
        "",
        f"| line | month 1 | {s.horizon_months}-month total |",
        "|---|---:|---:|",
    ]
    for name in ("embedding corpus", "embedding queries"):
        rows = table[table["line"] == name]
        month = rows[rows["period"] == "month-01"].iloc[0]["total_usd"]
        total = rows[rows["period"] == "total"].iloc[0]["total_usd"]
        lines.append(f"| {name} | {format_usd(month)} | {format_usd(total)} |")
    extra = table[(table["line"] != "generation")]
    for item in projection.models:
        rows = table[(table["model"] == item.model.id) & (table["line"] == "generation")]
        if item.model.variant:
            rows = rows[rows["variant"] == item.model.variant]
        sums = []
        for period in ("month-01", "total"):
            own = rows[rows["period"] == period].iloc[0]["total_usd"]
            sums.append(own + extra[extra["period"] == period]["total_usd"].sum())
        lines.append(
            f"| **bill with {label(item)}** | {format_usd(sums[0])} | {format_usd(sums[1])} |"
        )
    return lines


BAND_COLUMNS = ("total_low_usd", "total_usd", "total_high_usd")


def describe_range(key: str, low: float, expected: float, high: float) -> str:
    share = key.startswith("cache.")
    show = (
        (lambda v: f"{v:.0%}") if share else (lambda v: f"{v:,.4g}" if abs(v) < 1 else f"{v:,.0f}")
    )
    return f"`{key}` {show(low)} / {show(expected)} / {show(high)}"


def simulated_units(item: ModelProjection) -> str:
    """What the simulation error is measured over: calls, or whole conversations (a
    conversation's turns share its length, history and cache: not independent draws)."""
    calls = f"{item.calls_simulated:,} simulated calls per model"
    if item.conversation is None:
        return calls
    conversations = item.conversation.conversations
    return f"{calls} in {conversations:,} conversations, the units it is measured over"


def bands_section(projection: Projection, table: pd.DataFrame) -> list[str]:
    """The monthly bill's low / expected / high from the scenario's own ranges, and the
    simulation's error, each said for what it is."""
    s = projection.scenario
    lines = [
        "## The bill: low / expected / high",
        "",
        f"| model | month 1 low | month 1 expected | month 1 high | {s.horizon_months}-month low "
        f"| {s.horizon_months}-month expected | {s.horizon_months}-month high |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    errors, picked = [], []
    for item in projection.models:
        rows = table[(table["model"] == item.model.id) & (table["line"] == "generation")]
        rows = rows[rows["variant"] == (item.model.variant or "")]
        month = rows[rows["period"] == "month-01"].iloc[0]
        total = rows[rows["period"] == "total"].iloc[0]
        picked.append((item, [row[c] for row in (month, total) for c in BAND_COLUMNS]))
        share = month["simulation_error_usd"] / month["total_usd"] if month["total_usd"] else 0
        error = format_usd(month["simulation_error_usd"], places=2)
        errors.append(f"{label(item)} ±{error} ({share:.2%})")
    places = column_places([amount for _, amounts in picked for amount in amounts])
    for item, amounts in picked:
        cells = [format_usd(amount, places=places) for amount in amounts]
        lines.append(f"| {label(item)} | " + " | ".join(cells) + " |")
    lines.append("")
    if s.ranges:
        given = "; ".join(describe_range(key, *ends) for key, ends in s.ranges.items())
        lines.append(
            f"Low and high come from the scenario's own ranges (low / expected / high): {given}. "
            "Low puts every range at its cheaper end at once (a high cache hit rate is the "
            "cheaper end), high at its costlier end: bounds from what you wrote, not a "
            "probability; the expected column uses the expected values."
        )
    else:
        lines.append(
            "The scenario gives no ranges, so low = expected = high. Write what you are unsure "
            "of as a range, e.g. `calls_per_day: {low: 30000, expected: 40000, high: 55000}` "
            "(traffic, growth, `p50`/`p95`/`fixed` token counts, cache shares)."
        )
    lines += [
        "",
        f"Simulation error (95%, month 1, from {simulated_units(projection.models[0])}): "
        f"{'; '.join(errors)}. It is the sampling noise of this estimate, not "
        "uncertainty about the traffic; raise `simulated_calls` to shrink it.",
    ]
    return lines


def counts_mark(item: ModelProjection) -> str:
    """``exact``, or which counts are estimates: the mark the tables carry."""
    parts = item.counting.estimated_parts()
    return "exact" if not parts else f"{' and '.join(parts)} estimated"


def _capacity_line(s: Scenario, item: ModelProjection, table: pd.DataFrame) -> str:
    rows = table[(table["model"] == item.model.id) & (table["period"] == "total")]
    row = rows[rows["variant"] == (item.model.variant or "")].iloc[0]
    load = busiest_peak(s, item)
    given = ", ".join(f"{name} {value:,}" for name, value in item.rate_limits.given().items())
    if not load.checks:
        ignored = f" ({given} given, which {item.model.provider} does not set)" if given else ""
        return f"- {label(item)}: no rate limits for it{ignored}."
    verdict = "carry the peak" if load.fits else "do NOT carry the peak"
    needs = "; ".join(
        f"{c.limit} {need(c.needed)} of {c.allowed:,} ({c.headroom:+.0%} headroom)"
        for c in load.checks
    )
    text = (
        f"- {label(item)} ({item.rate_limits.described()}): at peak {load.peak_rpm:,.1f} "
        f"calls/min need {needs}. "
        f"Binding limit **{load.binding_limit}**: it sustains {load.sustainable_rpm:,.1f} "
        f"calls/min, so the limits {verdict}."
    )
    if load.unused:
        text += (
            f" Not applied: {', '.join(load.unused)} ({item.model.provider} does not set "
            f"{'it' if len(load.unused) == 1 else 'them'})."
        )
    planned = item.planned_max_tokens
    at_planned = row["sustainable_rpm_at_planned"]
    if planned is not None and planned != item.max_tokens and at_planned is not None:
        text += (
            f" With max_tokens {planned:,} (planned) it would sustain {at_planned:,.1f} calls/min."
        )
    return text


def check_chart_path(path: str | Path) -> None:
    """Charts are PNG only: a .jpg or .svg name holding PNG bytes would mislead every viewer."""
    if Path(path).suffix.lower() != ".png":
        raise InputError(
            f"--chart {path}: charts are written as PNG; give a file name ending in .png"
        )


def write_charts(
    projection: Projection,
    path: str | Path,
    table: pd.DataFrame | None = None,
    outputs: OutputSet | None = None,
) -> None:
    """One PNG of four panels: each model's bill in month 1 (embeddings stacked on it, as
    they are on the bill), the monthly bill from $0, the busiest month's use of the binding
    rate limit, and output lengths against max_tokens."""
    check_chart_path(path)
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    plt = pyplot()

    data = chart_data(projection, projection.exact_table if table is None else table)
    labels, first_month, shared = data.labels, data.generation_month_1, data.embeddings_by_month
    figure, panels = plt.subplots(2, 2, figsize=(14, 9))
    (bars, lines), (load, histogram) = panels
    dollars = dollar_ticks()
    for name, bill in zip(labels, data.monthly_bill, strict=True):
        lines.plot(range(1, len(bill) + 1), bill, marker="o", label=name)
    drawn = bars.bar(labels, first_month, color="#4C78A8", label="generation")
    totals = first_month
    if shared.get(1):
        embedded = [shared[1]] * len(labels)
        bars.bar(labels, embedded, bottom=first_month, color="#F58518", label="embeddings")
        totals = [g + shared[1] for g in first_month]
        bars.legend(fontsize=8)
    bars.bar_label(drawn, labels=[f"${t:,.0f}" for t in totals], padding=2, fontsize=8)
    bars.set_title("Bill in month 1")
    bars.yaxis.set_major_formatter(dollars)
    bars.margins(y=0.12)
    bars.tick_params(axis="x", rotation=20)
    lines.set_title("Monthly bill" + (" (embeddings included)" if shared else ""))
    lines.set_xlabel("month")
    lines.set_ylim(bottom=0)
    lines.yaxis.set_major_formatter(dollars)
    lines.xaxis.set_major_locator(MaxNLocator(integer=True))
    lines.legend(fontsize=8)
    _capacity_panel(load, labels, data.peak_use)
    load.yaxis.set_major_formatter(PercentFormatter(1.0))
    item = projection.models[0]
    top = max(float(percentile(item.output_sample, 99.5)), item.max_tokens * 1.1)
    histogram.hist(item.output_sample, bins=60, range=(0, top), color="#72B7B2")
    histogram.axvline(
        item.max_tokens, color="#E45756", linestyle="--", label=f"max_tokens {item.max_tokens:,}"
    )
    histogram.set_title(f"Output tokens wanted ({label(item)})")
    histogram.set_xlabel("output tokens")
    histogram.set_ylabel("simulated calls")
    histogram.legend(fontsize=8)
    figure.suptitle(projection.scenario.name)
    save_png(figure, path, outputs)


def pyplot():
    """matplotlib's pyplot drawing off-screen (imported on first use: charts only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def dollar_ticks():
    """Axis ticks as whole dollars: $12,000."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: f"${value:,.0f}")


def save_png(figure, path: str | Path, outputs: OutputSet | None = None) -> None:
    """Lay the figure out and write it as PNG under the output rules; the figure is closed."""
    figure.tight_layout()
    try:
        with write_to(path, "wb", outputs) as handle:
            figure.savefig(handle, format="png", dpi=100)
    finally:
        pyplot().close(figure)


@dataclass(frozen=True)
class ChartData:
    """What the chart draws, per model in scenario order."""

    labels: list[str]
    generation_month_1: list[float]  # USD, the model's own calls
    embeddings_by_month: dict[int, float]  # USD per month number, on every model's bill
    monthly_bill: list[list[float]]  # USD per month, embeddings included
    peak_use: list[tuple[float, str] | None]  # busiest month: share of the binding limit


def chart_data(projection: Projection, table: pd.DataFrame) -> ChartData:
    months = table[table["period"].str.startswith("month-")]
    shared = _embedding_by_month(months)  # every alternative's bill carries the embeddings
    labels, first_month, monthly, peak_use = [], [], [], []
    for item in projection.models:
        rows = months[(months["model"] == item.model.id) & (months["line"] == "generation")]
        if item.model.variant:
            rows = rows[rows["variant"] == item.model.variant]
        labels.append(label(item))
        generation = [float(v) for v in rows["total_usd"]]
        first_month.append(generation[0])
        monthly.append([g + shared.get(n, 0.0) for n, g in enumerate(generation, start=1)])
        headroom = pd.to_numeric(rows["headroom"], errors="coerce").dropna()
        if headroom.empty:
            peak_use.append(None)
        else:
            busiest = headroom.idxmin()
            peak_use.append((1 - float(headroom[busiest]), str(rows["binding_limit"][busiest])))
    return ChartData(labels, first_month, shared, monthly, peak_use)


def _embedding_by_month(months: pd.DataFrame) -> dict[int, float]:
    """A RAG service's embedding bill per month number (corpus and query lines added)."""
    embedding = months[months["line"].astype(str).str.startswith("embedding")]
    by_month: dict[int, float] = {}
    for period, usd in zip(embedding["period"], embedding["total_usd"], strict=True):
        number = int(str(period).removeprefix("month-"))
        by_month[number] = by_month.get(number, 0.0) + float(usd)
    return by_month


def _capacity_panel(axes, labels: list[str], peak_use: list[tuple[float, str] | None]) -> None:
    """The busiest month's peak as a share of the binding rate limit (named on the bar);
    100% is the limit."""
    axes.set_title("Busiest month's peak, share of the binding rate limit")
    known = [(name, use) for name, use in zip(labels, peak_use, strict=True) if use is not None]
    if not known:
        axes.text(0.5, 0.5, "no rate limits set", ha="center", va="center")
        axes.set_xticks([])
        return
    names, peaks = zip(*known, strict=True)
    uses = [use for use, _ in peaks]
    colours = ["#E45756" if use > 1 else "#54A24B" for use in uses]
    drawn = axes.bar(names, uses, color=colours)
    texts = [f"{use:.0%} of {limit}" for use, limit in peaks]
    axes.bar_label(drawn, labels=texts, padding=2, fontsize=8)
    axes.axhline(1.0, color="#E45756", linestyle="--", label="the limit")
    axes.set_ylim(0, max(1.1, max(uses) * 1.15))
    axes.tick_params(axis="x", rotation=20)
    axes.legend(fontsize=8)


def regenerate_samples(
    catalog: Catalog, source: Path = REPORTS_DIR, target: Path | None = None, charts: bool = False
) -> list[Path]:
    """Rebuild ``NAME.csv`` (the bill, as `budget report NAME.yaml -o NAME.csv` writes it),
    ``NAME.periods.csv`` (the projection table, `--rows periods`) and ``NAME.md`` for every
    ``reports/*.yaml``; returns files written."""
    from budget.workload.finance import finance_table

    target = target or source
    written = []
    for scenario_file in sorted(source.glob("*.yaml")):
        scenario = load_scenario(scenario_file, name=scenario_file.name)
        projection = project(scenario, catalog)
        table = projection.exact_table
        stem = target / scenario_file.stem
        periods = stem.with_name(f"{stem.name}.periods.csv")
        write_csv(finance_table(projection), stem.with_suffix(".csv"))
        write_csv(table, periods)
        write_text(markdown_summary(projection, table), stem.with_suffix(".md"))
        written += [stem.with_suffix(".csv"), periods, stem.with_suffix(".md")]
        if charts:
            write_charts(projection, stem.with_suffix(".png"), table)
            written.append(stem.with_suffix(".png"))
    return written


def write_projection_file(
    projection: Projection, path, outputs=None, rows: str = "month", output_format: str = "csv"
) -> None:
    """``report -o``: the finance CSV (``rows``: month, day or total), the projection table
    (``rows="periods"``: day, month-NN and total rows, as ``--json``), or a FOCUS bill."""
    if output_format == "focus":
        from budget.focus import projection_charges, write_focus

        with write_to(path, "w", outputs) as handle:
            write_focus(projection_charges(projection), handle)
        return
    from budget.workload.finance import finance_table

    table = projection.exact_table if rows == "periods" else finance_table(projection, rows)
    write_csv(table, path, outputs)
