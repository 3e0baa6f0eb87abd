"""Human output of `budget check`, `budget plan` and `budget stops`, and the input keys their
JSON adds: what a person reads at the terminal, kept apart from argument parsing."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from budget.cli.common import print_pairs
from budget.format import format_estimate, format_tokens, format_usd, model_label
from budget.inputs.samples import OutputSamples
from budget.planner.max_tokens import CheckResult, PlanResult, RequestCheck
from budget.planner.stops import StopsResult
from budget.tokenizers.prompt import InputCount
from pricing.errors import InputError

if TYPE_CHECKING:
    from budget.outputs import OutputSet


def input_line(count: InputCount) -> str:
    if count.source is None:
        return f"{format_tokens(count.tokens)} tokens"
    label = "exact" if count.exact else "estimate"
    tokens = format_estimate(count.tokens, count.error_band)
    return f"{tokens} tokens ({label}, {count.tokenizer}; {count.source})"


def input_json(count: InputCount) -> dict[str, Any]:
    """Where the input count came from, for --json (nothing for a plain --input N)."""
    if count.source is None:
        return {}
    return {
        "input_source": count.source,
        "exact": count.exact,
        "tokenizer": count.tokenizer,
        "input_notes": list(count.notes),
        "input_error_band": count.error_band,
    }


def input_rows(count: InputCount) -> list[tuple[str, str]]:
    """The input line, and one line per part of it that was estimated."""
    return [("input", input_line(count)), *(("estimated", note) for note in count.notes)]


def print_list(title: str, items: Any) -> None:
    items = list(items)
    if items:
        click.echo(f"{title}:")
        for item in items:
            click.echo(f"  - {item}")


WARNINGS_LISTED = 20  # per file; the JSON output has every one


def print_check(model: Any, count: InputCount, result: CheckResult) -> None:
    ceiling = format_tokens(model.max_output_tokens)
    print_pairs(
        [
            ("model", model_label(model.id, model.variant)),
            *input_rows(count),
            ("max_tokens", format_tokens(result.max_tokens)),
            ("context window", format_tokens(model.context_window)),
            ("max input", format_tokens(model.max_input_tokens)),
            ("max output", f"{ceiling} (includes reasoning)" if model.reasoning else ceiling),
            ("available output", format_tokens(result.available_output)),
            ("fits", "yes" if result.fits else "no"),
        ]
    )
    print_list("problems", result.problems)


def print_request_checks(model: Any, path: str, rows: list[RequestCheck]) -> None:
    """One row per request: where, its count, its max_tokens, room left, fits, what to cut."""
    from budget.cli.common import print_table

    estimated = not all(row.exact for row in rows)
    print_table(
        ["line", "custom_id", "input", "max_tokens", "room left", "fits", "what to cut"],
        [
            [
                str(row.line),
                row.custom_id or "-",
                ("~" if not row.exact else "") + format_tokens(row.check.input_tokens),
                format_tokens(row.check.max_tokens)
                + (" (--max-tokens)" if row.max_tokens_from == "option" else ""),
                f"{row.room_left:+,}",
                "yes" if row.check.fits else "no",
                "; ".join(row.check.problems) or "-",
            ]
            for row in rows
        ],
    )
    failing = sum(not row.check.fits for row in rows)
    label = model_label(model.id, model.variant)
    click.echo(
        f"\n{len(rows) - failing:,} of {len(rows):,} requests fit {label} "
        f"(context window {model.context_window:,}, max output {model.max_output_tokens:,})"
    )
    if estimated:
        click.echo("~ input counts are estimates (the model's tokenizer is not public)")
    warnings = [(row.line, warning) for row in rows for warning in row.check.warnings]
    for line, warning in warnings[:WARNINGS_LISTED]:
        click.echo(f"warning: {path}:{line}: {warning}", err=True)
    if len(warnings) > WARNINGS_LISTED:
        click.echo(f"warning: ... and {len(warnings) - WARNINGS_LISTED:,} more", err=True)


def _planned_line(result: PlanResult, samples: OutputSamples | None) -> str:
    planned = f"{format_tokens(result.chosen_output_tokens)} ({result.basis}"
    if result.percentile is not None and result.sample_count is not None:
        noun = "sample" if result.sample_count == 1 else "samples"
        planned += f", p{result.percentile:g} of {result.sample_count:,} {noun}"
        if samples is not None and not samples.exact:
            planned += f", estimated with {samples.tokenizer}"
    return planned + ")"


def _recommendation_line(result: PlanResult) -> str:
    recipe = f"+{(result.buffer * 100).normalize():f}% buffer"
    if result.reasoning_tokens:
        recipe += f" + {format_tokens(result.reasoning_tokens)} reasoning"
    line = f"{format_tokens(result.max_tokens)}  ({recipe}, rounded up"
    return line + (f"; clamped by {result.clamped_by})" if result.clamped_by else ")")


# A request longer than this is summarised at the terminal (a 50,000-character chat body is
# not something to read there); --request-out writes it whole.
REQUEST_PRINT_CHARS = 2_000


def request_text(result: PlanResult) -> str:
    return json.dumps(result.request, indent=2, ensure_ascii=False)


def write_request(result: PlanResult, path: str, outputs: OutputSet | None = None) -> None:
    """The ready request body, written whole or not at all (with the rest of ``outputs``,
    the command's output set); nothing when there is none."""
    from budget.outputs import write_to

    if result.request is None:
        raise InputError(
            f"--request-out {path}: no request to write: no room for output (see budget plan)"
        )
    with write_to(path, "w", outputs) as handle:
        handle.write(request_text(result) + "\n")


def request_summary(result: PlanResult) -> str:
    """What the request holds, in one line: its size, its messages, its output parameter."""
    request = result.request or {}
    parts = [f"{len(request_text(result)):,} characters of JSON"]
    messages = request.get("messages")
    if isinstance(messages, list):
        parts.append(f"{len(messages):,} message{'' if len(messages) == 1 else 's'}")
    if "system" in request:
        parts.append("a system prompt")
    if isinstance(request.get("tools"), list):
        parts.append(f"{len(request['tools']):,} tools")
    parts.append(f"{result.param} {result.max_tokens:,}")
    return ", ".join(parts)


def _expected_line(result: PlanResult) -> str:
    """The expected cost, with the output length it was priced at where that is not the
    planned output (a task preset plans for the top of its range, 300, and expects 225)."""
    cost = format_usd(result.expected_cost_usd)
    if result.expected_output_tokens == result.chosen_output_tokens + result.reasoning_tokens:
        return cost
    why = {
        "task": ", the middle of the preset's range",
        "samples": ", the samples' mean, each capped at max_tokens",
    }.get(result.basis, "")
    return f"{cost} ({result.expected_output_tokens:,.0f} output tokens expected{why})"


def print_plan(
    model: Any,
    count: InputCount,
    result: PlanResult,
    samples: OutputSamples | None,
    request_out: str | None = None,
) -> None:
    rows = [
        ("model", model_label(model.id, model.variant)),
        *input_rows(count),
        ("planned output", _planned_line(result, samples)),
        (result.param, _recommendation_line(result)),
        ("fits", "yes" if result.fits else "no"),
        ("expected cost", _expected_line(result)),
        ("worst case cost", f"{format_usd(result.worst_case_cost_usd)} (at max_tokens)"),
    ]
    if result.priced_at is not None:
        routed = f"; rates of {result.priced_as}" if result.priced_as != result.model else ""
        rows.append(
            ("priced at", f"{result.priced_at}  (price period: {result.price_period}{routed})")
        )
    if result.truncation_rate is not None:
        bound = " (lower bound)" if result.truncation_rate_is_lower_bound else ""
        rows.append(("truncation rate", f"{result.truncation_rate:.1%} of samples{bound}"))
        rows.append(
            (
                "continuation cost",
                f"{format_usd(result.continuation_cost_usd)} per call "
                f"({result.on_truncation} cut replies)",
            )
        )
        rows.append(("expected total", format_usd(result.expected_total_usd)))
    if result.observed_truncation_rate:
        rows.append(("cut in the log", f"{result.observed_truncation_rate:.1%}"))
    print_pairs(rows)
    print_list("problems", result.problems)
    print_list("notes", result.notes)
    if result.request is None:
        click.echo("request: none (no room for output; see problems)")
        return
    headers = f"; headers {json.dumps(result.request_headers)}" if result.request_headers else ""
    if request_out:
        click.echo(f"request: written to {request_out} ({request_summary(result)}{headers})")
        return
    text = request_text(result)
    if len(text) > REQUEST_PRINT_CHARS:
        click.echo(
            f"request: {request_summary(result)}{headers}; "
            "write it with --request-out FILE (or see --json)"
        )
        return
    click.echo("request:")
    if result.request_headers:
        click.echo(f"  headers: {json.dumps(result.request_headers)}")
    click.echo(text)


def print_stops(model: Any, result: StopsResult, sample_file: str | None) -> None:
    limit = result.stop_sequences_max
    if limit == 0:
        takes = "takes no"
    elif limit is not None:
        takes = f"takes at most {limit}"
    else:
        takes = "no documented limit on"
    click.echo(f"model  {model.id}  ({takes} stop sequences)")
    label = "" if result.exact else " (estimate)"
    for sequence, tokens in zip(result.sequences, result.token_counts, strict=True):
        click.echo(f"  {sequence!r}: {tokens} token{'' if tokens == 1 else 's'}{label}")
    print_list("problems", result.problems)
    for hit in result.hits:
        click.echo(
            f"{hit.sequence!r} fires at {sample_file}:{hit.line}:{hit.column}  {hit.context!r}"
        )
    for hit in result.near_misses:
        click.echo(
            f"{hit.sequence!r} near miss (case differs, does not fire) "
            f"{sample_file}:{hit.line}:{hit.column}  {hit.context!r}"
        )
    click.echo("ok" if result.ok else "not ok")
