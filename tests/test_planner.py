"""Fit checks and max_tokens plans, with the numbers a user would check by hand."""

import dataclasses
from decimal import Decimal

import pytest

from budget.inputs.samples import samples_from_lengths
from budget.planner.max_tokens import check, plan, round_up_to_step
from pricing.catalog import Prices, load_catalog
from pricing.engine import Usage, cost
from pricing.errors import InputError


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def gpt52(catalog):
    return catalog.resolve("gpt-5.2")


@pytest.fixture(scope="module")
def sonnet(catalog):
    return catalog.resolve("claude-sonnet-4-5")


@pytest.fixture(scope="module")
def plain(gpt52):
    """A non-reasoning chat model with round prices: $3 in / $15 out per million, 200K window."""
    return dataclasses.replace(
        gpt52,
        id="test-chat",
        provider="openai",
        output_param="max_tokens",
        reasoning=False,
        context_window=200_000,
        max_input_tokens=200_000,
        max_output_tokens=64_000,
        prices=Prices(input=Decimal(3), output=Decimal(15)),
        tiers=(),
        service_tiers={},
        variant_specs=(),
    )


# --- rounding and the seed's numbers -------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "rounded"),
    [(1000, 1000), (375, 400), (951, 1000), (1001, 1100), (6250, 6300), (10_001, 11_000)],
)
def test_round_up_to_step(tokens, rounded):
    assert round_up_to_step(tokens) == rounded


def test_expected_800_becomes_1000_with_the_default_buffer(plain):
    result = plan(plain, 2_000, expected_output=800)
    assert result.max_tokens == 1000
    assert result.buffer == Decimal("0.25")
    assert result.fits and result.clamped_by is None


@pytest.mark.parametrize(
    ("buffer", "max_tokens"), [("0.5", 1200), (0, 800), ("0.3", 1100), ("0.1", 900)]
)
def test_buffer_scales_the_recommendation(plain, buffer, max_tokens):
    # 800 -> 1,000 to 1,200 between a 25% and a 50% buffer; 1,040 rounds up to 1,100 (step 100)
    assert plan(plain, 2_000, expected_output=800, buffer=buffer).max_tokens == max_tokens


def test_buffer_is_exact_decimal_arithmetic(plain):
    # 1000 * 1.1 in floats is 1100.0000000000002, which would round up to 1,200
    assert plan(plain, 0, expected_output=1000, buffer=0.1).max_tokens == 1100


@pytest.mark.parametrize(
    ("task", "planned", "max_tokens", "typical"),
    [("qa", 300, 400, 225), ("explain", 2000, 2500, 1500), ("longform", 4000, 5000, 4000)],
)
def test_task_presets(plain, task, planned, max_tokens, typical):
    result = plan(plain, 1_000, task=task)
    assert result.basis == "task"
    assert result.chosen_output_tokens == planned
    assert result.max_tokens == max_tokens
    assert result.expected_output_tokens == typical


# --- check: limits ---------------------------------------------------------------------------


def test_gpt52_ceiling_is_128k_and_250k_input_leaves_128k(gpt52):
    result = check(gpt52, 250_000, 128_000)
    assert result.fits and result.problems == ()
    assert result.available_output == 128_000  # min(128K ceiling, 400K - 250K = 150K)
    over = check(gpt52, 250_000, 128_001)
    assert not over.fits
    assert over.problems[0].startswith("max_tokens 128,001 exceeds the output ceiling 128,000")
    assert "by 1;" in over.problems[0]


def test_400k_window_with_300k_input_leaves_100k(gpt52):
    whole_window = dataclasses.replace(gpt52, max_input_tokens=400_000)
    result = check(whole_window, 300_000, 120_000)
    assert result.available_output == 100_000
    assert not result.fits
    assert result.problems == (
        "input 300,000 + max_tokens 120,000 = 420,000 exceeds the context window 400,000 by "
        "20,000; lower max_tokens to 100,000 or cut the input by 20,000",
    )


def test_gpt52_input_above_272k_is_named_with_the_cut(gpt52):
    result = check(gpt52, 300_000, 1_000)
    assert not result.fits
    assert result.available_output == 0
    assert result.problems == (
        "input 300,000 exceeds max input 272,000 by 28,000 tokens; cut the input by at least "
        "28,000",
    )


def test_sonnet_ceiling_is_64k(sonnet):
    assert check(sonnet, 10_000, 64_000).fits
    result = check(sonnet, 10_000, 64_001)
    assert not result.fits
    assert "output ceiling 64,000" in result.problems[0]
    assert result.available_output == 64_000


def test_sonnet_long_input_suggests_the_1m_context_variant(sonnet):
    result = check(sonnet, 190_000, 20_000)
    assert not result.fits
    assert result.available_output == 10_000
    assert "lower max_tokens to 10,000 or cut the input by 10,000" in result.problems[0]
    assert result.variants_that_fit == ("1m-context",)
    assert any(
        p.startswith("variant 1m-context would fit") and "context 1,000,000" in p
        for p in result.problems
    )
    # with the variant applied, the same request fits
    assert check(sonnet.with_variant("1m-context"), 190_000, 20_000).fits


def test_check_rejects_negative_and_non_integer_counts(plain):
    with pytest.raises(InputError, match="input_tokens"):
        check(plain, -1, 100)
    with pytest.raises(InputError, match="max_tokens"):
        check(plain, 100, 1.5)


# --- plan: clamping --------------------------------------------------------------------------


def test_plan_clamps_to_the_gpt52_output_ceiling(gpt52):
    result = plan(gpt52, 10_000, expected_output=120_000)
    assert result.buffered_tokens == 150_000
    assert result.max_tokens == 128_000
    assert result.clamped_by == "max_output_tokens"
    assert result.fits  # 120K planned output still fits, with an 8K buffer
    assert any("clamped from 150,000 to the output ceiling 128,000" in n for n in result.notes)
    assert any("buffer is 8,000 tokens instead of 30,000" in n for n in result.notes)


def test_plan_that_cannot_fit_the_output_says_so(gpt52):
    result = plan(gpt52, 10_000, expected_output=130_000)
    assert result.max_tokens == 128_000
    assert not result.fits
    assert any("planned output 130,000 does not fit" in p for p in result.problems)


def test_plan_clamps_to_what_the_context_window_leaves(plain):
    roomy = plan(plain, 197_000, expected_output=2_500)  # 3,125 -> 3,200, window leaves 3,000
    assert roomy.max_tokens == 3_000
    assert roomy.clamped_by == "context_window"
    assert roomy.fits
    assert any("leaves 3,000 after 197,000 input" in n for n in roomy.notes)
    tight = plan(plain, 197_000, expected_output=4_000)
    assert tight.max_tokens == 3_000
    assert not tight.fits


def test_plan_suggests_a_variant_when_the_output_does_not_fit(sonnet):
    result = plan(sonnet, 195_000, expected_output=8_000)
    assert result.max_tokens == 5_000  # 200K - 195K
    assert not result.fits
    assert any(p.startswith("variant 1m-context would fit") for p in result.problems)


# --- plan: costs -----------------------------------------------------------------------------


def test_expected_and_worst_case_cost(plain):
    result = plan(plain, 10_000, expected_output=800)
    # input 10,000 x $3/M = $0.03; output 800 x $15/M = $0.012; worst case 1,000 x $15/M
    assert result.expected_cost_usd == Decimal("0.042")
    assert result.worst_case_cost_usd == Decimal("0.045")
    assert result.truncation_rate is None and result.continuation_cost_usd is None


def test_costs_follow_the_catalog_engine(gpt52):
    result = plan(gpt52, 12_000, expected_output=800)
    assert result.worst_case_cost_usd == cost(gpt52, Usage(12_000, 1_000)).total_usd
    assert result.expected_cost_usd == cost(gpt52, Usage(12_000, 800)).total_usd


# --- plan: samples ---------------------------------------------------------------------------


def test_p95_of_twenty_samples_is_the_19th(plain):
    samples = samples_from_lengths([100 * i for i in range(1, 21)])  # 100 .. 2,000
    result = plan(plain, 1_000, samples=samples)
    assert result.chosen_output_tokens == 1_900
    assert result.max_tokens == 2_400  # 2,375 rounded up to a step of 100
    assert result.truncation_rate == 0.0
    assert result.continuation_cost_usd == 0
    assert result.expected_output_tokens == Decimal(1050)  # the mean, none cut


def test_truncation_rate_and_continuation_cost(plain):
    samples = samples_from_lengths([100 * i for i in range(1, 21)])
    result = plan(plain, 1_000, samples=samples, buffer=0)
    assert result.max_tokens == 1_900
    assert result.truncation_rate == 0.05  # only the 2,000-token reply is longer
    # the cut reply continues: input 1,000 + 1,900 re-sent, 100 more generated, once in 20 calls
    continuation = cost(plain, Usage(2_900, 100)).total_usd / 20
    assert result.continuation_cost_usd == continuation
    # expected output is capped at max_tokens: the 2,000 reply is billed at 1,900
    assert result.expected_output_tokens == Decimal(20_900) / 20


def test_percentile_must_be_in_0_100(plain):
    for bad in (0, -5, 100.5):
        with pytest.raises(InputError, match="percentile"):
            plan(plain, 100, samples=[10, 20], percentile=bad)
    assert plan(plain, 100, samples=[10, 20, 900], percentile=100).chosen_output_tokens == 900


def test_censored_samples_make_the_percentile_a_lower_bound(plain):
    # 10 replies, two cut at the old limit of 1,000
    lengths = [400, 520, 610, 700, 450, 380, 800, 1000, 560, 1000]
    cut = [False] * 7 + [True, False, True]
    result = plan(plain, 1_200, samples=samples_from_lengths(lengths, cut))
    assert result.percentile_is_lower_bound
    assert result.observed_truncation_rate == 0.2
    assert result.chosen_output_tokens == 1_000
    assert result.max_tokens == 1_300  # 1,250 rounded up to a step of 100
    # the cut replies are longer than 1,000 but maybe not than 1,300: a lower bound of 0
    assert result.truncation_rate == 0.0
    assert result.truncation_rate_is_lower_bound
    assert any("the percentile is a lower bound" in n for n in result.notes)
    assert any(
        n.startswith("truncation rate and continuation cost are lower") for n in result.notes
    )


def test_censored_samples_at_or_above_max_tokens_count_as_truncated(plain):
    samples = samples_from_lengths([300, 300, 1000, 1000], [False, False, True, True])
    result = plan(plain, 0, samples=samples, percentile=50, buffer=0)
    assert result.max_tokens == 300
    assert result.truncation_rate == 0.5
    assert not result.truncation_rate_is_lower_bound


# --- plan: reasoning and request bodies ------------------------------------------------------


def test_openai_reasoning_budget_sits_inside_max_completion_tokens(gpt52):
    result = plan(gpt52, 5_000, expected_output=800, reasoning_tokens=4_000)
    assert result.param == "max_completion_tokens"
    assert result.max_tokens == 5_000  # 1,000 visible + 4,000 reasoning
    assert result.request["max_completion_tokens"] == 5_000
    assert result.request["model"] == "gpt-5.2"
    assert result.expected_output_tokens == 4_800


def test_reasoning_model_without_budget_gets_a_note(gpt52):
    result = plan(gpt52, 5_000, expected_output=800)
    assert any("hidden reasoning tokens" in n for n in result.notes)


def test_anthropic_thinking_budget_in_the_request(sonnet):
    result = plan(sonnet, 5_000, expected_output=800, reasoning_tokens=2_000)
    assert result.max_tokens == 3_000
    assert result.request["max_tokens"] == 3_000
    assert result.request["thinking"] == {"type": "enabled", "budget_tokens": 2_000}
    assert result.request["max_tokens"] > result.request["thinking"]["budget_tokens"]


def test_anthropic_thinking_budget_below_1024_is_rejected(sonnet):
    with pytest.raises(InputError, match="budget_tokens >= 1,024"):
        plan(sonnet, 5_000, expected_output=800, reasoning_tokens=500)


def test_anthropic_request_moves_the_system_message(sonnet):
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    result = plan(sonnet, 20, expected_output=100, messages=messages)
    assert result.request["system"] == "Be brief."
    assert result.request["messages"] == [{"role": "user", "content": "Hi"}]


def test_gemini_request_uses_generation_config(catalog):
    gemini = catalog.resolve("gemini-2.5-pro")
    result = plan(gemini, 1_000, expected_output=800, reasoning_tokens=2_048)
    assert result.param == "maxOutputTokens"
    config = result.request["generationConfig"]
    assert config["maxOutputTokens"] == result.max_tokens == 3_100  # 1,000 + 2,048 -> 3,100
    assert config["thinkingConfig"] == {"thinkingBudget": 2_048}


# --- plan: bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("buffer", [-0.1, "abc", "nan"])
def test_bad_buffer(plain, buffer):
    with pytest.raises(InputError, match="buffer"):
        plan(plain, 100, expected_output=100, buffer=buffer)


def test_exactly_one_basis(plain):
    with pytest.raises(InputError, match="exactly one"):
        plan(plain, 100)
    with pytest.raises(InputError, match="exactly one"):
        plan(plain, 100, expected_output=100, task="qa")


def test_unknown_task_and_negative_numbers(plain):
    with pytest.raises(InputError, match="qa, explain, longform"):
        plan(plain, 100, task="poetry")
    with pytest.raises(InputError, match="expected_output"):
        plan(plain, 100, expected_output=-1)
    with pytest.raises(InputError, match="reasoning"):
        plan(plain, 100, expected_output=10, reasoning_tokens=-5)
    with pytest.raises(InputError, match="no output lengths"):
        plan(plain, 100, samples=[])


COOKBOOK_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
    },
}


@pytest.mark.parametrize(
    "model_name, expected",
    [
        ("gpt-4.1", {"type": "function", "function": COOKBOOK_TOOL["function"]}),
        ("gpt-5-pro", {"type": "function", **COOKBOOK_TOOL["function"]}),  # Responses API
        (
            "claude-sonnet-4-5",
            {
                "name": "get_current_weather",
                "description": "Get the current weather in a given location",
                "input_schema": COOKBOOK_TOOL["function"]["parameters"],
            },
        ),
        ("gemini-2.5-pro", {"functionDeclarations": [COOKBOOK_TOOL["function"]]}),
    ],
)
def test_the_ready_request_carries_the_tools_in_each_apis_shape(model_name, expected):
    model = load_catalog(()).resolve(model_name)
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    result = plan(model, 100, expected_output=80, messages=messages, tools=[COOKBOOK_TOOL])
    assert result.request["tools"] == [expected]


def test_builtin_tools_pass_through_unchanged():
    model = load_catalog(()).resolve("claude-sonnet-4-5")
    search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
    result = plan(model, 100, expected_output=80, tools=[search])
    assert result.request["tools"] == [search]
