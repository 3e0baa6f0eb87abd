"""`budget cost`: what a call (or N calls) costs, from token counts or a provider usage object."""

from __future__ import annotations

import click

from budget.cli.common import (
    LOCAL_FILE,
    TokenCount,
    at_option,
    catalog_option,
    checked_pricing_day,
    get_catalog,
    json_option,
    print_json,
    print_pairs,
    print_table,
    warn,
)
from budget.format import format_tokens, format_usd, model_label
from budget.planner.quote import priceable, quote
from pricing.engine import CostBreakdown, Usage
from pricing.errors import InputError
from pricing.observed import ObservedCall

TOKENS = TokenCount()


@click.command()
@click.option(
    "--model",
    "-m",
    "model_names",
    multiple=True,
    help="Model as you write it (id, alias, provider/model); repeat to compare models.",
)
@click.option("--variant", help="A variant that changes prices, e.g. 1m-context.")
@click.option("--input", "input_tokens", type=TOKENS, help="Total prompt tokens per call.")
@click.option(
    "--output", "output_tokens", type=TOKENS, help="Output tokens per call (with reasoning)."
)
@click.option("--cached-input", type=TOKENS, default=0, help="Part of --input read from cache.")
@click.option(
    "--cache-write", type=TOKENS, default=0, help="Part of --input written to cache (5m)."
)
@click.option(
    "--cache-write-1h", type=TOKENS, default=0, help="Part of --input written to a 1h cache."
)
@click.option("--batch", is_flag=True, help="Price through the provider's batch API.")
@click.option("--service-tier", help="A service tier with its own prices (flex, priority).")
@click.option(
    "--calls", type=click.IntRange(min=1), default=1, show_default=True, help="Number of calls."
)
@click.option(
    "--web-searches",
    type=click.IntRange(min=0),
    default=0,
    help="Built-in web searches per call, billed per use (catalog tool fees).",
)
@click.option(
    "--file-searches",
    type=click.IntRange(min=0),
    default=0,
    help="Built-in file searches per call (OpenAI file search), billed per use.",
)
@click.option(
    "--usage",
    "usage_file",
    type=LOCAL_FILE,
    help="A provider response or usage object (JSON, or JSONL of several).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="With --usage: stop at the first call that cannot be priced (exit 2), as usage does.",
)
@at_option
@catalog_option
@json_option
def cost(
    model_names: tuple[str, ...],
    variant: str | None,
    input_tokens: int | None,
    output_tokens: int | None,
    cached_input: int,
    cache_write: int,
    cache_write_1h: int,
    batch: bool,
    service_tier: str | None,
    calls: int,
    web_searches: int,
    file_searches: int,
    usage_file: str | None,
    strict: bool,
    at,
    as_json: bool,
) -> None:
    """Cost of a call in USD: expected from token counts, or actual from a usage object.

    --input is the whole prompt; --cached-input and --cache-write are parts of it.
    Output includes reasoning tokens.

    \b
    budget cost --model gpt-5.2 --input 12000 --output 800
    budget cost --model claude-sonnet-4-5 --input 50000 --cached-input 40000 \
        --output 1000 --calls 10000
    budget cost --usage response.json
    budget cost -m gpt-5.2 -m claude-sonnet-4-5 -m gemini-2.5-pro --input 20000 --output 1000
    budget cost -m o3 --input 10000 --output 2000 --at 2025-06-01
    budget cost -m text-embedding-3-small --input 50000000   # an embedding model: no --output
    budget cost -m claude-sonnet-4-5 --input 8000 --output 600 --web-searches 2
    """
    tools = {
        tool: n for tool, n in (("web_search", web_searches), ("file_search", file_searches)) if n
    }
    catalog = get_catalog()
    day = checked_pricing_day(catalog, at)
    unpriced: list[str] = []  # file:line: why, of logged calls that cannot be priced
    if usage_file:
        if input_tokens is not None or output_tokens is not None or tools:
            raise click.UsageError(
                "give either --usage or --input/--output (and --web-searches), not both"
            )
        from budget.usage.read import read_usage_file  # numpy: only for --usage

        logged = read_usage_file(usage_file)
        calls_seen = logged.calls
        if logged.failed:
            warn(f"{usage_file}: left out {logged.failed} failed batch requests (not billed)")
        unpriced += [f"{item.where}: {item.detail}" for item in logged.unreadable]
        if not model_names:
            calls_seen, refused = priceable(
                catalog,
                logged.calls,
                logged.wheres,
                variant=variant,
                service_tier=service_tier,
                batch=batch,
                day=day,
            )
            unpriced += refused
        unpriced.sort(key=_line_number)
        if unpriced and (strict or not calls_seen):
            raise InputError(unpriced[0])
    else:
        if not model_names:
            raise click.UsageError("missing --model (or --usage FILE)")
        if output_tokens is None and all(
            catalog.resolve(name, variant).is_embedding for name in model_names
        ):
            output_tokens = 0  # embedding models return vectors: billed by input only
        if input_tokens is None or output_tokens is None:
            raise click.UsageError("give --input and --output token counts (or --usage FILE)")
        usage = Usage(input_tokens, output_tokens, cached_input, cache_write, cache_write_1h)
        calls_seen = [ObservedCall(usage, None, "tokens", None, False, tool_calls=tools)]
    # `-m gpt-5.2 -m openai/gpt-5.2` name one model: compare each model once.
    names: list[str | None] = []
    seen: set[str] = set()
    for name in model_names:
        key = catalog.resolve(name, variant, day).id
        if key not in seen:
            seen.add(key)
            names.append(name)
    priced = [
        quote(
            catalog,
            name,
            calls_seen,
            variant=variant,
            batch=batch,
            service_tier=service_tier,
            calls=calls,
            day=day,
            logged=bool(usage_file),
        )
        for name in (names or [None])
    ]
    for item in priced:
        for note in item.notes:
            warn(f"{usage_file}: {note}")
    _print_priced([(item.breakdown, item.record) for item in priced], as_json)
    if usage_file and unpriced:
        # like `budget usage`: the calls that can be priced are, the others named; exit 1
        for line in unpriced:
            warn(f"not priced: {line}")
        warn(f"{len(unpriced):,} calls could not be priced")
        click.get_current_context().exit(1)


def _line_number(where: str) -> int:
    """The line of a ``file:line: why`` message (0 for a whole-file one), for file order."""
    parts = where.split(":", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _print_priced(priced: list[tuple[CostBreakdown, dict]], as_json: bool) -> None:
    for _, record in priced:
        for problem in record["problems"]:
            warn(f"warning: {record['model']}: {problem}")
        if record["lifecycle_note"] and not as_json:
            warn(f"warning: {record['lifecycle_note']}")
    if len(priced) > 1:
        _print_comparison([record for _, record in priced], as_json)
        return
    total, record = priced[0]
    per_call = record["per_call_usd"]
    total_calls = record["calls"]
    if as_json:
        print_json(record)
        return
    usage = total.usage
    mode = "batch" if total.batch else (total.service_tier or "standard")
    if record["fine_tuned"]:
        mode = f"fine-tuned {record['base_model']}, {mode}"
    tier = f", long-context tier (> {total.tier_threshold:,} input)" if total.tier_threshold else ""
    written = usage.cache_write_tokens + usage.cache_write_1h_tokens

    def part(amount, tokens: int, what: str = "tokens") -> str:
        return f"{format_usd(amount)}  ({format_tokens(tokens)} {what})"

    host = f", on {record['host']} ({record['endpoint']} endpoint)" if record.get("host") else ""
    label = f"{model_label(total.model, total.variant)}  ({mode}{tier}{host})"
    lines = [
        ("model", label),
        ("calls", f"{total_calls:,}"),
        ("input", part(total.input_usd, usage.uncached_input_tokens, "uncached tokens")),
    ]
    if usage.cache_read_tokens:
        lines.append(("cache read", part(total.cache_read_usd, usage.cache_read_tokens)))
    if written:
        lines.append(("cache write", part(total.cache_write_usd, written)))
    if usage.output_tokens or record["kind"] != "embedding":
        lines.append(("output", part(total.output_usd, usage.output_tokens)))
    if total.tool_calls:
        uses = ", ".join(f"{n:,} {tool}" for tool, n in total.tool_calls.items())
        lines.append(("tool fees", f"{format_usd(total.tool_usd)}  ({uses})"))
    lines += [
        ("total", format_usd(total.total_usd)),
        ("per call", format_usd(per_call)),
        ("prices as of", f"{record['as_of']}  {record['source']}" if record["as_of"] else "-"),
        ("priced at", _priced_at(record)),
    ]
    if record["retirement_pricing"]:  # said where the price is shown, not only on stderr
        lines.append(("priced as", f"{_priced_as(record)}  ({record['retirement_pricing']})"))
    print_pairs(lines)


def _priced_as(record: dict) -> str:
    """The rates a retired model's calls are billed at: its routed successor's, or its own
    of the last day it was served."""
    if record["priced_as"] != record["model"]:
        return record["priced_as"]
    return f"{record['model']} on {record['price_day']}"


def _priced_at(record: dict) -> str:
    period = f"price period: {record['price_period']}; " if record["price_period"] else ""
    return f"{record['priced_at']}  ({period}catalog dated {record['catalog_as_of']})"


def _print_comparison(records: list[dict], as_json: bool) -> None:
    """Several models on the same calls: cheapest first, each against the first one given."""
    if as_json:
        print_json(records)
        return
    baseline, first = records[0]["total_usd"], records[0]["model"]
    rows = []
    for record in sorted(records, key=lambda r: r["total_usd"]):
        diff = record["total_usd"] - baseline
        share = f"{diff / baseline * 100:+.1f}%" if baseline else "-"
        rows.append(
            [
                model_label(record["model"], record["variant"]),
                format_usd(record["total_usd"]),
                format_usd(record["per_call_usd"]),
                format_usd(
                    record["breakdown"]["input_usd"]
                    + record["breakdown"]["cache_read_usd"]
                    + record["breakdown"]["cache_write_usd"]
                ),
                format_usd(record["breakdown"]["output_usd"]),
                format_usd(diff, sign=True),
                share,
                record["as_of"],
                _priced_as(record) if record["retirement_pricing"] else "",
            ]
        )
    headers = ["model", "total", "per call", "input", "output", f"vs {first}", "%", "prices as of"]
    if any(record["retirement_pricing"] for record in records):
        headers.append("priced as (retired)")
    else:
        rows = [row[:-1] for row in rows]
    print_table(headers, rows)
