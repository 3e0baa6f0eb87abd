"""The pricing engine on the bundled catalog: seed prices, cache, batch, cliff tiers, properties."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import InputError

CATALOG = load_catalog([])
SONNET = CATALOG.resolve("claude-sonnet-4-5")
GPT52 = CATALOG.resolve("gpt-5.2")
MILLION = 1_000_000


def test_seed_claude_sonnet_4_5_output_is_15_dollars_per_million():
    assert cost(SONNET, Usage(0, MILLION)).total_usd == Decimal(15)
    assert cost(SONNET, Usage(MILLION, 0)).total_usd == Decimal(3)


def test_seed_gpt_5_2_output_is_14_dollars_per_million():
    assert cost(GPT52, Usage(0, MILLION)).total_usd == Decimal(14)
    # 12K in, 800 out: 12000 x 1.75 + 800 x 14 per million = 0.021 + 0.0112
    assert cost(GPT52, Usage(12_000, 800)).total_usd == Decimal("0.0322")


@pytest.mark.parametrize("model", [SONNET, GPT52], ids=lambda m: m.id)
def test_batch_halves_the_bill(model):
    usage = Usage(40_000, 2_000, cache_read_tokens=10_000)
    standard, batch = cost(model, usage), cost(model, usage, batch=True)
    assert batch.total_usd * 2 == standard.total_usd


def test_openai_cached_input_is_billed_at_the_cache_rate():
    # 10,000-token prompt of which 8,000 cached: 2,000 x 1.75 + 8,000 x 0.175 per million
    breakdown = cost(GPT52, Usage(10_000, 0, cache_read_tokens=8_000))
    assert breakdown.input_usd == Decimal("0.0035")
    assert breakdown.cache_read_usd == Decimal("0.0014")


def test_anthropic_usage_with_cache_reads_and_writes_of_both_lifetimes():
    # The Anthropic response said input_tokens=1,000 uncached, 20,000 read, 5,000 + 3,000 written.
    usage = Usage(
        29_000, 500, cache_read_tokens=20_000, cache_write_tokens=5_000, cache_write_1h_tokens=3_000
    )
    b = cost(SONNET, usage)
    assert b.input_usd == Decimal("0.003")  # 1,000 x $3
    assert b.cache_read_usd == Decimal("0.006")  # 20,000 x $0.30
    assert b.cache_write_usd == Decimal("0.01875") + Decimal("0.018")  # 5,000 x $3.75 + 3,000 x $6
    assert b.output_usd == Decimal("0.0075")
    assert b.total_usd == b.input_usd + b.cache_read_usd + b.cache_write_usd + b.output_usd


def test_long_context_tier_is_a_cliff_at_the_threshold():
    long = SONNET.with_variant("1m-context")
    at = cost(long, Usage(200_000, 1_000))
    over = cost(long, Usage(200_001, 1_000))
    assert at.tier_threshold is None
    assert at.total_usd == Decimal("0.6") + Decimal("0.015")
    assert over.tier_threshold == 200_000
    # one token more prices the whole request at $6 in / $22.50 out
    assert (
        over.total_usd
        == Decimal("200001") * 6 / MILLION + Decimal("1000") * Decimal("22.5") / MILLION
    )


def test_service_tiers_have_their_own_long_context_rates():
    sol = CATALOG.resolve("gpt-6.1-sol")
    # flex above 272K: 300,000 x $2 + 1,000 x $7.50 per million
    assert cost(sol, Usage(300_000, 1_000), service_tier="flex").total_usd == Decimal("0.6075")
    # gpt-5.5 priority publishes no rate above 272K: refuse rather than understate
    gpt55 = CATALOG.resolve("gpt-5.5")
    assert cost(gpt55, Usage(272_000, 0), service_tier="priority").tier_threshold is None
    with pytest.raises(InputError, match="no published priority price above 272,000"):
        cost(gpt55, Usage(272_001, 0), service_tier="priority")


def test_service_tier_and_batch_errors():
    with pytest.raises(InputError, match="no service tier 'turbo'"):
        cost(GPT52, Usage(1, 1), service_tier="turbo")
    with pytest.raises(InputError, match="either batch or a service tier"):
        cost(GPT52, Usage(1, 1), batch=True, service_tier="flex")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_tokens": -1, "output_tokens": 0}, "input_tokens: expected a token count >= 0"),
        ({"input_tokens": 1.5, "output_tokens": 0}, "input_tokens: expected a whole number"),
        ({"input_tokens": 10, "output_tokens": 0, "cache_read_tokens": 11}, "exceed input_tokens"),
        ({"input_tokens": 10, "output_tokens": 5, "reasoning_tokens": 6}, "exceed output_tokens"),
    ],
)
def test_impossible_usage_is_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        Usage(**kwargs)


def test_every_bundled_model_has_sane_prices_and_limits():
    for model in CATALOG.models:
        where = f"{model.id}"
        if model.is_embedding:  # vectors out: billed by input only, no output ceiling
            assert model.prices.output == 0 and model.max_output_tokens == 0, where
            assert model.prices.input > 0 and model.output_param is None, where
            continue
        assert model.prices.output >= model.prices.input, where
        if model.prices.cache_read is not None:
            assert model.prices.cache_read <= model.prices.input, where
        for cached, uncached in (
            ("cache_read_audio", "input_audio"),
            ("cache_read_image", "input_image"),
        ):
            rate = getattr(model.prices, cached)
            if rate is not None:  # a cached rate of a modality below its uncached rate
                assert rate <= (getattr(model.prices, uncached) or model.prices.input), where
        assert model.max_input_tokens <= model.context_window, where
        for tier in model.tiers:
            assert tier.prices.input >= model.prices.input, where
        if model.batch_discount is not None:
            assert 0 < model.batch_discount < 1, where


counts = st.integers(min_value=0, max_value=2_000_000)


@settings(max_examples=200, deadline=None)
@given(
    model=st.sampled_from(CATALOG.models),
    input_tokens=counts,
    output_tokens=counts,
    cached_share=st.floats(0, 1),
    field=st.sampled_from(["input_tokens", "output_tokens", "cache_read_tokens"]),
    more=st.integers(min_value=1, max_value=500_000),
)
def test_cost_never_falls_when_a_count_rises(
    model, input_tokens, output_tokens, cached_share, field, more
):
    cached = int(input_tokens * cached_share)
    before = Usage(input_tokens, output_tokens, cache_read_tokens=cached)
    grown = dict(input_tokens=input_tokens, output_tokens=output_tokens, cache_read_tokens=cached)
    grown[field] += more
    if field == "cache_read_tokens":
        grown["input_tokens"] += more  # cached tokens are part of the input
    after = Usage(**grown)
    assert cost(model, after).total_usd >= cost(model, before).total_usd
    if model.batch_discount is not None:
        assert cost(model, after, batch=True).total_usd <= cost(model, after).total_usd


def test_gemini_batch_keeps_cache_reads_at_the_standard_rate():
    # Google's Batch table: input and output half price, cached input "Same as Standard".
    model = CATALOG.resolve("gemini-2.5-pro")
    batch = cost(model, Usage(100_000, 1_000, cache_read_tokens=80_000), batch=True)
    assert batch.cache_read_usd == Decimal("0.01")  # 80,000 x $0.125, not halved
    assert batch.input_usd == Decimal("0.0125")  # 20,000 x $1.25 x 0.5
    assert batch.output_usd == Decimal("0.005")  # 1,000 x $10 x 0.5


@pytest.mark.parametrize(
    "value, message",
    [
        ("12_000", None),
        ("12,000", None),
        (12000, None),
        ("-5", "x: expected a token count >= 0, got -5"),
        (1.5, "x: expected a whole number of tokens, got 1.5"),
        (True, "x: expected a whole number of tokens, got True"),
        ("1e3", "x: expected a whole number of tokens, got '1e3'"),
        (10**30, "x: expected at most 1,000,000,000,000 tokens (no model comes near), got 1"),
        ("9" * 5000, "x: expected a whole number of tokens, got '99999"),
    ],
)
def test_one_token_count_rule_for_every_input(value, message):
    import numpy as np

    from pricing.engine import token_count

    if message is None:
        assert token_count(value, "x") == 12000
        return
    with pytest.raises(InputError) as caught:
        token_count(value, "x")
    assert str(caught.value).startswith(message)
    assert len(str(caught.value)) < 200  # a 5,000-digit value is quoted cut short
    with pytest.raises(InputError, match=r"^x: expected a token count >= 0, got -5$"):
        token_count(np.int64(-5), "x")  # numpy's own repr never reaches a message


def test_cost_and_plan_read_token_counts_alike():
    from click.testing import CliRunner

    from budget.cli import cli

    cost = CliRunner().invoke(
        cli, ["cost", "-m", "gpt-5.2", "--input", "12_000", "--output", "800", "--json"]
    )
    assert cost.exit_code == 0, cost.output
    # 12,000 x $1.75 + 800 x $14 per million = $0.021 + $0.0112
    assert '"total_usd": 0.0322' in cost.output


MODAL_CACHE = [m for m in CATALOG.models if m.prices.cache_read_audio or m.prices.cache_read_image]


@settings(max_examples=150, deadline=None)
@given(
    model=st.sampled_from(MODAL_CACHE),
    calls=st.lists(
        st.tuples(
            st.integers(0, 50_000),  # cached text
            st.integers(0, 50_000),  # cached audio
            st.integers(0, 50_000),  # cached image
            st.integers(0, 50_000),  # uncached text
            st.integers(0, 5_000),  # output
        ),
        min_size=1,
        max_size=6,
    ),
    batch=st.booleans(),
)
def test_the_array_engine_bills_cached_modalities_as_the_decimal_engine(model, calls, batch):
    """Cached audio and image (their own rates where the catalog has them, else the cached
    text rate): the per-call Decimal engine and the array engine that prices logs agree
    exactly, batch discount (and Gemini's full-price batch cache reads) included."""
    import numpy as np

    from pricing.arrays import TokenArrays, price_arrays

    if batch and model.batch_discount is None:
        batch = False
    audio_ok = model.prices.input_audio is not None or "audio" in model.text_rate_modalities
    usages = [
        Usage(
            input_tokens=text + audio + image + fresh,
            output_tokens=out,
            cache_read_tokens=text + audio + image,
            cache_read_audio_tokens=audio if audio_ok else 0,
            cache_read_image_tokens=image,
        )
        for text, audio, image, fresh, out in calls
    ]
    expected = sum((cost(model, u, batch=batch).total_usd for u in usages), Decimal(0))

    def column(name: str) -> np.ndarray:
        return np.array([getattr(u, name) for u in usages], dtype=np.int64)

    arrays = TokenArrays(
        input_tokens=column("input_tokens"),
        output_tokens=column("output_tokens"),
        cache_read_tokens=column("cache_read_tokens"),
        cache_write_tokens=column("cache_write_tokens"),
        cache_write_1h_tokens=column("cache_write_1h_tokens"),
        batch=np.full(len(usages), batch) if batch else None,
        cache_read_audio_tokens=column("cache_read_audio_tokens"),
        cache_read_image_tokens=column("cache_read_image_tokens"),
    )
    priced = price_arrays(model, arrays)
    assert priced.totals.total_usd == expected
    assert abs(float(priced.total_usd.sum()) - float(expected)) < 1e-9
