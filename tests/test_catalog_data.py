"""The bundled catalog: every entry loads, carries provenance, and the seed facts hold."""

import re

import pytest

from pricing.catalog import load_catalog

CATALOG = load_catalog([])


def test_at_least_60_models_from_every_provider_the_product_names():
    assert len(CATALOG.models) >= 60
    assert {"openai", "anthropic", "google", "deepseek", "mistral", "xai"} <= set(CATALOG.providers)
    hosted = [m for m in CATALOG.models if m.tokenizer.startswith("hf:")]
    assert hosted, "an open-weight family served by a host, with a public tokenizer"


def test_every_model_says_where_its_numbers_come_from_and_when():
    for model in CATALOG.models:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", model.as_of), model.id
        assert model.source.startswith("https://"), model.id


@pytest.mark.parametrize(
    "name, context, max_input, max_output, param",
    [
        ("gpt-5.2", 400_000, 272_000, 128_000, "max_completion_tokens"),
        ("claude-sonnet-4-5", 200_000, 200_000, 64_000, "max_tokens"),
        ("gemini-2.5-pro", 1_048_576, 1_048_576, 65_536, "maxOutputTokens"),
    ],
)
def test_seed_limits(name, context, max_input, max_output, param):
    model = CATALOG.resolve(name)
    assert (model.context_window, model.max_input_tokens, model.max_output_tokens) == (
        context,
        max_input,
        max_output,
    )
    assert model.output_param == param


def test_sonnet_4_5_has_the_1m_context_beta_with_its_long_context_prices():
    model = CATALOG.resolve("claude-sonnet-4-5", "1m-context")
    assert model.context_window == 1_000_000
    assert model.request_headers == {"anthropic-beta": "context-1m-2025-08-07"}
    (tier,) = model.tiers
    assert tier.above_input_tokens == 200_000
    assert (tier.prices.input, tier.prices.output) == (6, 22.5)


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("anthropic:claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("openai/gpt-5.2", "gpt-5.2"),
        ("models/gemini-2.5-pro", "gemini-2.5-pro"),
        ("google_genai:gemini-2.5-pro", "gemini-2.5-pro"),
        ("gemini/gemini-2.5-flash", "gemini-2.5-flash"),
    ],
)
def test_names_people_write_resolve(written, canonical):
    assert CATALOG.resolve(written).id == canonical


def test_openai_takes_four_stop_sequences():
    assert CATALOG.resolve("gpt-4.1").stop_sequences_max == 4
