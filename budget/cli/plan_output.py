"""Human output of `budget check`, `budget plan` and `budget stops`, and the input keys their
JSON adds: what a person reads at the terminal, kept apart from argument parsing."""

from __future__ import annotations

import json
from typing import Any

import click

from budget.cli.common import print_pairs
from budget.format import format_tokens, format_usd, model_label
from budget.inputs.samples import OutputSamples
from budget.planner.max_tokens import CheckResult, PlanResult
from budget.planner.stops import StopsResult
from budget.tokenizers.prompt import InputCount


def input_line(count: InputCount) -> str:
    if count.source is None:
        return f"{format_tokens(count.tokens)} tokens"
    label = "exact" if count.exact else "estimate"
    return f"{format_tokens(count.tokens)} tokens ({label}, {count.tokenizer}; {count.source})"


def input_json(count: InputCount) -> dict[str, Any]:
    """Where the input count came from, for --json (nothing for a plain --input N)."""
    if count.source is None:
        return {}
    return {
        "input_source": count.source,
        "exact": count.exact,
        "tokenizer": count.tokenizer,
        "input_notes": list(count.notes),
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


def print_plan(
    model: Any, count: InputCount, result: PlanResult, samples: OutputSamples | None
) -> None:
    rows = [
        ("model", model_label(model.id, model.variant)),
        *input_rows(count),
        ("planned output", _planned_line(result, samples)),
        (result.param, _recommendation_line(result)),
        ("fits", "yes" if result.fits else "no"),
        ("expected cost", format_usd(result.expected_cost_usd)),
        ("worst case cost", f"{format_usd(result.worst_case_cost_usd)} (at max_tokens)"),
    ]
    if result.truncation_rate is not None:
        bound = " (lower bound)" if result.truncation_rate_is_lower_bound else ""
        rows.append(("truncation rate", f"{result.truncation_rate:.1%} of samples{bound}"))
        rows.append(("continuation cost", format_usd(result.continuation_cost_usd)))
    if result.observed_truncation_rate:
        rows.append(("cut in the log", f"{result.observed_truncation_rate:.1%}"))
    print_pairs(rows)
    print_list("problems", result.problems)
    print_list("notes", result.notes)
    if result.request is None:
        click.echo("request: none (no room for output; see problems)")
        return
    click.echo("request:")
    if result.request_headers:
        click.echo(f"  headers: {json.dumps(result.request_headers)}")
    click.echo(json.dumps(result.request, indent=2, ensure_ascii=False))


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
