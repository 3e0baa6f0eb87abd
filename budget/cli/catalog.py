"""`budget models` and `budget limits`: what the catalog knows about each model; `budget
catalog compare|update`: a price dataset against the catalog.

The options and help of models and limits; their answers are in :mod:`budget.cli.queries`.
"""

from __future__ import annotations

import datetime as dt

import click

from budget.cli import queries
from budget.cli.common import (
    LOCAL_FILE,
    at_option,
    catalog_option,
    checked_pricing_day,
    get_catalog,
    json_option,
    print_json,
    print_table,
)


@click.command()
@click.argument("query", required=False)
@click.option("--provider", help="Only this provider (openai, anthropic, google, ...).")
@click.option(
    "--all", "show_all", is_flag=True, help="Include models retired by --at (default today)."
)
@at_option
@catalog_option
@json_option
def models(**options) -> None:
    """List models with their limits and prices per million tokens on a date.

    QUERY filters by id, name or alias, e.g. `budget models sonnet` (retired models included).
    """
    queries.models(get_catalog(), **options)


@click.command()
@click.argument("model_name", metavar="MODEL")
@click.option("--variant", help="A variant that changes limits, e.g. 1m-context.")
@at_option
@catalog_option
@json_option
def limits(**options) -> None:
    """Context window, input and output ceilings, and the parameter that caps output.

    MODEL as you write it: `gpt-5.2`, `claude-sonnet-4-5-20250929`,
    `anthropic/claude-sonnet-4-5`, `google_genai:gemini-2.5-pro`.
    """
    queries.limits(get_catalog(), **options)


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
