"""`budget cost`: what a call (or N calls) costs, from token counts or a provider usage object.

The options and help; the answer is :func:`budget.cli.queries.cost`.
"""

from __future__ import annotations

import click

from budget.cli import queries
from budget.cli.common import (
    LOCAL_FILE,
    TokenCount,
    at_option,
    catalog_option,
    get_catalog,
    json_option,
)

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
def cost(**options) -> None:
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
    queries.cost(get_catalog(), **options)
