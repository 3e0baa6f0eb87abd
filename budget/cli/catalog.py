"""`budget models` and `budget limits`: what the catalog knows about each model."""

from __future__ import annotations

import datetime as dt

import click

from budget.cli.common import (
    LOCAL_FILE,
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
from budget.format import format_tokens, model_label
from pricing.catalog import Model
from pricing.errors import InputError


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


@click.command()
@click.argument("query", required=False)
@click.option("--provider", help="Only this provider (openai, anthropic, google, ...).")
@click.option(
    "--all", "show_all", is_flag=True, help="Include models retired by --at (default today)."
)
@at_option
@catalog_option
@json_option
def models(
    query: str | None, provider: str | None, show_all: bool, at: dt.date | None, as_json: bool
) -> None:
    """List models with their limits and prices per million tokens on a date.

    QUERY filters by id, name or alias, e.g. `budget models sonnet` (retired models included).
    """
    catalog = get_catalog()
    day = checked_pricing_day(catalog, at)
    if provider and provider.lower() not in catalog.providers:
        raise click.BadParameter(
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
    click.echo(
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


@click.command()
@click.argument("model_name", metavar="MODEL")
@click.option("--variant", help="A variant that changes limits, e.g. 1m-context.")
@at_option
@catalog_option
@json_option
def limits(model_name: str, variant: str | None, at: dt.date | None, as_json: bool) -> None:
    """Context window, input and output ceilings, and the parameter that caps output.

    MODEL as you write it: `gpt-5.2`, `claude-sonnet-4-5-20250929`,
    `anthropic/claude-sonnet-4-5`, `google_genai:gemini-2.5-pro`.
    """
    catalog = get_catalog()
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


@click.group()
def catalog() -> None:
    """Look after the catalog: compare it with a price dataset, propose a refresh."""


@catalog.command()
@click.argument("dataset", metavar="FILE", type=LOCAL_FILE)
@at_option
@catalog_option
@json_option
def compare(dataset: str, at: dt.date | None, as_json: bool) -> None:
    """Where a price dataset disagrees with the catalog: prices, limits, models we lack,
    retirements.

    FILE is genai-prices' data.json or LiteLLM's model_prices_and_context_window.json (a
    copy you have at hand: nothing is downloaded). Prices are compared at --at (default today).
    """
    from pricing.compare import compare_file

    catalog_ = get_catalog()
    result = compare_file(dataset, catalog_, checked_pricing_day(catalog_, at))
    if as_json:
        print_json(result)
        return
    click.echo(
        f"{result.dataset} {dataset} on {result.day}: {result.compared} entries matched our "
        f"models, {len(result.differences)} differences, {len(result.missing)} models we "
        f"lack, {len(result.retirements)} retirements to review."
    )
    if result.differences:
        click.echo()
        print_table(
            ["their name", "our model", "field", "ours", "theirs"],
            [
                [d.name, d.model, d.field, "-" if d.ours is None else d.ours, d.theirs]
                for d in result.differences
            ],
        )
    if result.missing:
        click.echo("\nNot in our catalog:")
        for provider, name in result.missing:
            click.echo(f"  {provider}  {name}")
    if result.retirements:
        click.echo("\nRetirements:")
        for name, model, what in result.retirements:
            click.echo(f"  {name} ({model}): {what}")


@catalog.command()
@click.option(
    "--from",
    "dataset",
    metavar="FILE",
    type=LOCAL_FILE,
    required=True,
    help="genai-prices' data.json or LiteLLM's model_prices_and_context_window.json.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the patch here (default: standard output).",
)
@at_option
@catalog_option
@json_option
def update(dataset: str, output: str | None, at: dt.date | None, as_json: bool) -> None:
    """Propose catalog changes from a price dataset, as a YAML patch to review.

    New models (as catalog entries), changed prices (as price periods from --at), limits and
    retirements, each with the dataset entry it comes from. Nothing is applied: a maintainer
    checks each change against the provider's page and copies it into pricing/data/.
    """
    from budget.cli.common import files_read
    from budget.outputs import OutputSet
    from pricing.catalog import DATA_DIR
    from pricing.update import update_patch

    bundled = [str(path) for path in sorted(DATA_DIR.rglob("*.yaml"))]
    with OutputSet({"-o": output}, inputs=[*files_read(dataset), *bundled]) as outputs:
        catalog_ = get_catalog()
        patch = update_patch(dataset, catalog_, checked_pricing_day(catalog_, at))
        if output:
            outputs.open(output).write(patch.to_yaml())
        elif not as_json:
            click.echo(patch.to_yaml(), nl=False)
    counts = ", ".join(f"{number} {kind}" for kind, number in patch.counts().items())
    if as_json:
        print_json(patch.as_dict())
    elif output:
        click.echo(f"wrote {output}: {counts} (from {patch.dataset}, compared on {patch.day})")
