"""Where a model runs changes its price: Claude on Bedrock and Vertex AI, OpenAI on Azure."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import InputError

CATALOG = load_catalog(())
DAY = dt.date(2026, 11, 25)
MILLION_IN = Usage(input_tokens=1_000_000, output_tokens=0)  # large: input price in dollars
TENTH_IN = Usage(input_tokens=100_000, output_tokens=0)  # under every long-context tier


def usd(name: str, variant: str | None = None, day: dt.date = DAY, usage=TENTH_IN) -> Decimal:
    return cost(CATALOG.resolve(name, variant, day), usage).total_usd


@pytest.mark.parametrize(
    "name, host, endpoint, dollars",
    [
        # Claude Sonnet 4.5 lists $3 / MTok input; 100K tokens = $0.30, regional +10% = $0.33
        ("claude-sonnet-4-5", None, None, "0.3"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "global", "0.3"),
        ("bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "global", "0.3"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "regional", "0.33"),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "regional", "0.33"),
        ("bedrock/eu.anthropic.claude-haiku-4-5-20251001-v1:0", "bedrock", "regional", "0.11"),
        ("vertex_ai/claude-sonnet-4-5@20250929", "vertex_ai", "global", "0.3"),
        ("claude-sonnet-4-5@20250929", "vertex_ai", "global", "0.3"),
        # Sonnet 4 predates regional pricing: one price on every endpoint
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", "bedrock", "regional", "0.3"),
        ("azure/gpt-5.2", "azure", "global", "0.175"),  # $1.75 / MTok
    ],
)
def test_host_names_resolve_to_the_hosts_prices(name, host, endpoint, dollars):
    model = CATALOG.resolve(name, at=DAY)
    assert (model.host, model.endpoint) == (host, endpoint)
    assert cost(model, TENTH_IN).total_usd == Decimal(dollars)


def test_regional_endpoints_where_the_name_does_not_say_are_a_variant():
    # Vertex AI regional: $3.30; Azure Data Zone: $1.925 (1.75 x 1.1)
    assert usd("vertex_ai/claude-sonnet-4-5", "regional", usage=MILLION_IN) == Decimal("3.3")
    assert usd("azure/gpt-5.2", "regional", usage=MILLION_IN) == Decimal("1.925")
    with pytest.raises(InputError, match="no variant 'regional'"):
        CATALOG.resolve("gpt-5.2", "regional", DAY)  # OpenAI's own API has no such thing


def test_a_regional_premium_follows_the_price_in_force():
    # gpt-5.6-sol on an Azure Data Zone, 100K input: $5 x 1.1 / 10 the day before OpenAI's
    # cut, $4 x 1.1 / 10 the day of it
    before = usd("azure/gpt-5.6-sol", "regional", dt.date(2026, 8, 20))
    after = usd("azure/gpt-5.6-sol", "regional", dt.date(2026, 8, 21))
    assert (before, after) == (Decimal("0.55"), Decimal("0.44"))


def test_the_host_is_named_with_its_source():
    args = ["cost", "-m", "us.anthropic.claude-haiku-4-5-20251001-v1:0", "--input", "1000"]
    record = json.loads(CliRunner().invoke(cli, [*args, "--output", "0", "--json"]).stdout)
    assert (record["host"], record["endpoint"], record["variant"]) == (
        "bedrock",
        "regional",
        "regional",
    )
    assert record["source"] == "https://aws.amazon.com/bedrock/pricing/"
    assert record["total_usd"] == 0.0011  # 1,000 x $1.10 / MTok


@pytest.mark.parametrize(
    "host, message",
    [
        (
            "{id: h, name: H, source: s, as_of: 2026-01-01, regional_premium: lots}",
            "regional_premium",
        ),
        ("{id: h, name: H, source: s, as_of: 2026-01-01, endpoint: x}", "unknown field 'endpoint'"),
        ("{id: h, name: H, as_of: 2026-01-01}", "field 'source': required"),
    ],
)
def test_bad_hosts_fail_naming_the_file(tmp_path, host, message):
    path = tmp_path / "hosts.yaml"
    path.write_text(
        "provider: acme\nsource: https://example.invalid\nas_of: 2026-11-01\n"
        f"hosts: [{host}]\nmodels: []\n"
    )
    with pytest.raises(InputError, match=f"hosts.yaml: hosts\\[0\\]: .*{message}"):
        load_catalog([str(path)])
