"""`budget models` and `budget limits`: what the catalog knows about each model."""

from __future__ import annotations

import click

from budget.cli.common import (
    catalog_option,
    get_catalog,
    json_option,
    print_json,
    print_pairs,
    print_table,
    warn,
)
from budget.format import format_tokens, model_label
from pricing.catalog import Model
from pricing.errors import InputError


def _per_million(amount) -> str:
    return "-" if amount is None else f"${amount}"


def model_limits(model: Model) -> dict:
    """The `limits` record: the CLI contract's keys first, then everything a planner needs."""
    return {
        "model": model.id,
        "name": model.name,
        "provider": model.provider,
        "kind": model.kind,
        "variant": model.variant,
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
    """USD per million tokens: base rates, cliff tiers, batch discount and service tiers."""
    return {
        **_price_table(model.prices, model.tiers),
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


@click.command()
@click.argument("query", required=False)
@click.option("--provider", help="Only this provider (openai, anthropic, google, ...).")
@catalog_option
@json_option
def models(query: str | None, provider: str | None, as_json: bool) -> None:
    """List models with their limits and prices per million tokens.

    QUERY filters by id, name or alias, e.g. `budget models sonnet`.
    """
    catalog = get_catalog()
    if provider and provider.lower() not in catalog.providers:
        raise click.BadParameter(
            f"unknown provider {provider!r} (known: {', '.join(catalog.providers)})",
            param_hint="--provider",
        )
    found = catalog.search(query, provider)
    if not found and query:
        try:  # a name as people write it: openai/gpt-5.2, claude-sonnet-4-5-20250929
            found = [catalog.resolve(query)]
        except InputError:
            found = []
    if as_json:
        print_json([{**model_limits(m), "prices": model_prices(m)} for m in found])
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
            ]
            for m in found
        ],
    )


@click.command()
@click.argument("model_name", metavar="MODEL")
@click.option("--variant", help="A variant that changes limits, e.g. 1m-context.")
@catalog_option
@json_option
def limits(model_name: str, variant: str | None, as_json: bool) -> None:
    """Context window, input and output ceilings, and the parameter that caps output.

    MODEL as you write it: `gpt-5.2`, `claude-sonnet-4-5-20250929`,
    `anthropic/claude-sonnet-4-5`, `google_genai:gemini-2.5-pro`.
    """
    model = get_catalog().resolve(model_name, variant)
    record = model_limits(model)
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
        + ([("retires", model.deprecated)] if model.deprecated else [])
        + ([("request_headers", dict(model.request_headers))] if model.request_headers else [])
        + ([("notes", model.notes)] if model.notes else [])
    )
