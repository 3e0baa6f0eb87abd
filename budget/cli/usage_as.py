"""`budget usage LOG --as MODEL`: the comparison printed (the logic: budget/usage/retarget.py)."""

from __future__ import annotations

import click

from budget.cli.common import print_table
from budget.format import format_tokens, format_usd

AS_HELP = (
    "Also say what the log's calls would have cost on MODEL (repeatable): token counts "
    "converted where MODEL has another tokenizer (an estimate, with its band), calls it "
    "could not serve named."
)


def print_as(results: list) -> None:
    """One table per MODEL: each logged model's calls as logged and on MODEL, the change,
    the band of a converted estimate, and the calls MODEL could not serve."""
    for result in results:
        label = "exact: the same tokenizer" if result.exact else "estimate"
        click.echo(f"\non {result.model} ({label}; {result.tokenizer})")
        rows = [
            _row(
                name,
                item.calls,
                item.cost_usd,
                item.as_usd,
                item.as_low,
                item.as_high,
                item.exact,
                _how(item),
            )
            for name, item in sorted(result.by_model.items())
        ]
        if len(result.by_model) > 1:
            rows.append(
                _row(
                    "total",
                    result.calls,
                    result.cost_usd,
                    result.as_usd,
                    result.as_low,
                    result.as_high,
                    result.exact,
                    "",
                )
            )
        print_table(
            ["logged model", "calls", "cost", f"on {result.model}", "change", "band", "tokens"],
            rows,
        )
        for line in _conversions(result):
            click.echo(f"converted: {line}")
        for group in result.not_served:
            calls = f"{group.calls:,} call{'s' if group.calls != 1 else ''}"
            click.echo(
                f"not served: {calls} of {group.model} ({format_usd(group.cost_usd)} as "
                f"logged): {group.reason}; first {group.first}"
            )


def _row(name, calls, cost, as_usd, low, high, exact, how) -> list[str]:
    change = f"{(as_usd - cost) / cost * 100:+.1f}%" if cost else "-"
    band = "exact" if exact else f"{format_usd(low)}..{format_usd(high)}"
    return [name, format_tokens(calls), format_usd(cost), format_usd(as_usd), change, band, how]


def _how(item) -> str:
    """The token counts, as logged and on MODEL."""
    if item.exact:
        return "same tokenizer"
    return (
        f"in {format_tokens(item.input_tokens)} -> {format_tokens(item.as_input_tokens)}, "
        f"out {format_tokens(item.output_tokens)} -> {format_tokens(item.as_output_tokens)}"
    )


def _conversions(result) -> list[str]:
    """How each logged model's counts were converted, in a line each."""
    lines = []
    for name, item in sorted(result.by_model.items()):
        if item.exact or item.conversion is None:
            continue
        texts = [
            _calls(item.input_by["log text"], "prompt"),
            _calls(item.output_by["log text"], "reply", "replies"),
        ]
        counted = " and ".join(text for text in texts if text)
        lines.append(
            f"{name}: {item.conversion.method}"
            + (f"; {counted} counted from the log's own text" if counted else "")
        )
    return lines


def _calls(count: int, one: str, many: str | None = None) -> str:
    if not count:
        return ""
    return f"{count:,} {one if count == 1 else many or one + 's'}"
