"""The answers of the price and limit queries, `budget cost`, `budget limits` and
`budget models`, from options already parsed: what each prints.

No click here (nor at import of anything this imports): click parses these commands'
options (budget.cli.cost, budget.cli.catalog), and so does the quick path
(:mod:`budget.cli.quick`), which runs them without loading click. A case the quick path
leaves to click (an error, a usage file) may import it where it happens.
"""

from __future__ import annotations

import datetime as dt

from budget.cli.printing import (
    checked_pricing_day,
    echo,
    print_json,
    print_pairs,
    print_table,
    warn,
)
from budget.format import format_tokens, format_usd, model_label
from budget.planner.quote import priceable, quote
from pricing.catalog import Catalog, Model
from pricing.engine import CostBreakdown, Usage
from pricing.errors import InputError
from pricing.observed import ObservedCall


def cost(
    catalog: Catalog,
    *,
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
    """`budget cost`'s answer (the options as budget.cli.cost declares them)."""
    tools = {
        tool: n for tool, n in (("web_search", web_searches), ("file_search", file_searches)) if n
    }
    day = checked_pricing_day(catalog, at)
    unpriced: list[str] = []  # file:line: why, of logged calls that cannot be priced
    if usage_file:
        if input_tokens is not None or output_tokens is not None or tools:
            raise _click().UsageError(
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
            raise _click().UsageError("missing --model (or --usage FILE)")
        if output_tokens is None and all(
            catalog.resolve(name, variant).is_embedding for name in model_names
        ):
            output_tokens = 0  # embedding models return vectors: billed by input only
        if input_tokens is None or output_tokens is None:
            raise _click().UsageError("give --input and --output token counts (or --usage FILE)")
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
        _click().get_current_context().exit(1)


def _click():
    """click, for what it says itself (a usage error, an exit code). The quick path hands
    every such case to click, which is then loaded already."""
    import click

    return click


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


def _per_million(amount) -> str:
    return "-" if amount is None else f"${amount}"


def model_limits(model: Model, day: dt.date) -> dict:
    """The `limits` record: the CLI contract's keys first, then everything a planner needs."""
    return {
        "model": model.id,
        "name": model.name,
        "provider": model.provider,
        "kind": model.kind,
        "variant": model.variant,
        "fine_tuned": model.fine_tuned,
        "base_model": model.fine_tuned_from,
        "context_window": model.context_window,
        "max_input_tokens": model.max_input_tokens,
        "max_output_tokens": model.max_output_tokens,
        "output_param": model.output_param,
        "reasoning": model.reasoning,
        "supports_stop": model.supports_stop,
        # 0 where the API rejects stop sequences (OpenAI reasoning models), as `budget stops` says
        "stop_sequences_max": None
        if model.is_embedding
        else (model.stop_sequences_max if model.supports_stop else 0),
        "tokenizer": model.tokenizer,
        "variants": list(model.variants),
        "request_headers": dict(model.request_headers),
        "deprecated": model.deprecated,
        "retired": model.retired,
        "replacement": model.replacement,
        "lifecycle": model.lifecycle_on(day) or "current",
        "host": model.host,
        "endpoint": model.endpoint,
        "as_of": model.as_of,
        "source": model.source,
        "notes": model.notes,
    }


def _price_table(prices, tiers) -> dict:
    return {
        "input": prices.input,
        "output": prices.output,
        "cache_read": prices.cache_read,
        "cache_write_5m": prices.cache_write_5m,
        "cache_write_1h": prices.cache_write_1h,
        "tiers": [
            {"above_input_tokens": t.above_input_tokens, **_price_table(t.prices, ())}
            for t in tiers
        ],
    }


def model_prices(model: Model) -> dict:
    """USD per million tokens in force on the day the model was resolved at: base rates, cliff
    tiers, batch discount and service tiers, and the dates they hold."""
    period = model.period
    return {
        **_price_table(model.prices, model.tiers),
        "period": period.label if period else None,
        "period_source": period.source if period else model.source,
        "changes": [
            {"from": p.start, "until": p.end, "input": p.prices.input, "output": p.prices.output}
            for p in model.price_periods
            if p is not period
        ],
        "batch_discount": model.batch_discount,
        "service_tiers": {
            name: _price_table(level.prices, level.tiers)
            for name, level in model.service_tiers.items()
        },
    }


def _stops(model: Model) -> str:
    if model.is_embedding:
        return "-"
    if not model.supports_stop:
        return "0 (the API rejects stop sequences)"
    return str(model.stop_sequences_max or "no documented limit")


def _long_context(model: Model) -> str:
    """The cliff tiers in short: `>200K $2.5/$15`."""

    def threshold(tokens: int) -> str:  # xAI's ">= 200K" is stored as "above 199,999"
        if (tokens + 1) % 1000 == 0:
            return f">={(tokens + 1) // 1000:,}K"
        return f">{tokens // 1000:,}K"

    tiers = [
        f"{threshold(t.above_input_tokens)} ${t.prices.input}/${t.prices.output}"
        for t in model.tiers
    ]
    return ", ".join(tiers) or "-"


def limits(
    catalog: Catalog, *, model_name: str, variant: str | None, at: dt.date | None, as_json: bool
) -> None:
    """`budget limits`' answer."""
    day = checked_pricing_day(catalog, at)
    model = catalog.resolve(model_name, variant, day)
    record = model_limits(model, day)
    if as_json:
        print_json(record)
        return
    print_pairs(
        [
            (
                "model",
                model_label(f"{model.id} ({model.name})", model.variant),
            ),
            ("context_window", format_tokens(model.context_window)),
            ("max_input_tokens", format_tokens(model.max_input_tokens)),
            (
                "max_output_tokens",
                "- (an embedding model: vectors out, billed by input tokens)"
                if model.is_embedding
                else format_tokens(model.max_output_tokens)
                + (" (includes hidden reasoning)" if model.reasoning else ""),
            ),
            ("output_param", model.output_param or "-"),
            ("stop_sequences_max", _stops(model)),
            ("tokenizer", model.tokenizer),
            ("variants", ", ".join(model.variants) or "-"),
            ("as_of", f"{model.as_of}  {model.source}"),
        ]
        + (
            [("fine_tuned", f"yes: limits of {model.fine_tuned_from}, fine-tune rates")]
            if model.fine_tuned
            else []
        )
        + ([("deprecated", model.deprecated)] if model.deprecated else [])
        + ([(_retire_word(model, day), model.retired)] if model.retired else [])
        + ([("replacement", model.replacement)] if model.replacement else [])
        + ([("request_headers", dict(model.request_headers))] if model.request_headers else [])
        + ([("notes", model.notes)] if model.notes else [])
    )


def models(
    catalog: Catalog,
    *,
    query: str | None,
    provider: str | None,
    show_all: bool,
    at: dt.date | None,
    as_json: bool,
) -> None:
    """`budget models`' answer."""
    day = checked_pricing_day(catalog, at)
    if provider and provider.lower() not in catalog.providers:
        raise _click().BadParameter(
            f"unknown provider {provider!r} (known: {', '.join(catalog.providers)})",
            param_hint="--provider",
        )
    found = [m.at(day) for m in catalog.search(query, provider)]
    named = None
    if query:
        try:  # a name as people write it: openai/gpt-5.2, claude-sonnet-4-5-20250929
            named = catalog.resolve(query, at=day)
        except InputError:
            named = None
    if named is not None and named.id not in {m.id for m in found}:
        found.insert(0, named)
    # Retired models are listed when asked for (--all), named exactly, or the only match.
    served = [
        m for m in found if m.lifecycle_on(day) != "retired" or m.id == getattr(named, "id", None)
    ]
    hidden = len(found) - len(served)
    if not show_all and served:
        found = served
    else:
        hidden = 0
    if as_json:
        print_json([{**model_limits(m, day), "prices": model_prices(m)} for m in found])
        return
    if not found:
        warn(f"no model matches {query!r} (budget models lists them all)")
        return
    print_table(
        [
            "model",
            "provider",
            "context",
            "max input",
            "max output",
            "input/M",
            "output/M",
            "cache read/M",
            "long context",
            "batch",
            "status",
        ],
        [
            [
                m.id,
                m.provider,
                format_tokens(m.context_window),
                format_tokens(m.max_input_tokens),
                "-" if m.is_embedding else format_tokens(m.max_output_tokens),
                _per_million(m.prices.input),
                _per_million(m.prices.output),
                _per_million(m.prices.cache_read),
                _long_context(m),
                "-" if m.batch_discount is None else f"-{m.batch_discount * 100:.0f}%",
                _status(m, day),
            ]
            for m in found
        ],
    )
    echo(
        f"\nUSD per million tokens in force on {day}; catalog dated {catalog.as_of}."
        + (
            f" {hidden} retired model{'s' if hidden != 1 else ''} not shown (--all)."
            if hidden
            else ""
        )
    )


def _retire_word(model: Model, day: dt.date) -> str:
    return "retired" if model.lifecycle_on(day) == "retired" else "retires"


def _status(model: Model, day: dt.date) -> str:
    """`retired 2026-10-23`, `retires 2026-12-11`, `price change 2026-12-01`, or empty."""
    state = model.lifecycle_on(day)
    if state == "retired":
        return f"retired {model.retired}"
    if model.retired is not None:
        return f"retires {model.retired}"
    if state == "deprecated":
        return f"deprecated {model.deprecated}"
    upcoming = [p.start for p in model.price_periods if p.start is not None and p.start > day]
    return f"price change {min(upcoming)}" if upcoming else ""
