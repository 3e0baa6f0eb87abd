"""Models real logs name that the catalog lacked (issue 21), one hand-checked call per family:
OpenAI's audio, search and computer-use previews and retired o1 / GPT-4.5 / GPT-4-32K names,
Gemini 1.5, 2.0 Flash audio, Gemini 3 Flash audio, the Gemini image models (image output
tokens at their own rate), and retired Grok names. Rates are per 1M tokens."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest

from budget.usage.price import cost_logs
from pricing.arrays import TokenArrays, price_arrays
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import UnknownModelError, UnpricedError
from pricing.logged import resolve_logged
from pricing.usage import normalize

CATALOG = load_catalog(())


def priced(name: str, day: str, usage: Usage, **how) -> Decimal:
    model = CATALOG.resolve(name, at=dt.date.fromisoformat(day))
    return cost(model, usage, **how).total_usd


# --- OpenAI ------------------------------------------------------------------------------

AUDIO_RESPONSE = {  # a Chat Completions response of gpt-4o-audio-preview, audio in and out
    "object": "chat.completion",
    "model": "gpt-4o-audio-preview-2024-12-17",
    "usage": {
        "prompt_tokens": 10_000,
        "completion_tokens": 2_000,
        "prompt_tokens_details": {"audio_tokens": 8_000, "cached_tokens": 0},
        "completion_tokens_details": {"audio_tokens": 1_500, "reasoning_tokens": 0},
    },
}


def test_an_audio_preview_call_bills_audio_at_its_own_rates():
    call = normalize(AUDIO_RESPONSE)
    model = resolve_logged(CATALOG, call.model).at(dt.date(2026, 11, 25))
    assert model.id == "gpt-4o-audio-preview"
    # text in 2,000 x $2.50 + audio in 8,000 x $40 + text out 500 x $10 + audio out 1,500 x $80
    # = $0.005 + $0.32 + $0.005 + $0.12
    assert cost(model, call.usage).total_usd == Decimal("0.45")


def test_the_first_audio_snapshot_is_not_priced_at_the_later_rates():
    # its launch audio rates are not in our sources: unknown (reported unpriced), never $40 / $80
    with pytest.raises(UnknownModelError, match="dated snapshot of gpt-4o-audio-preview"):
        resolve_logged(CATALOG, "gpt-4o-audio-preview-2024-10-01")


def test_a_search_preview_call_pays_tokens_and_the_per_request_search_fee():
    call = Usage(input_tokens=2_000, output_tokens=500)
    # 2,000 x $2.50 + 500 x $10 = $0.01, plus one search request at $25 per 1,000
    total = priced(
        "gpt-4o-search-preview-2025-03-11", "2026-07-01", call, tool_calls={"web_search": 1}
    )
    assert total == Decimal("0.035")


@pytest.mark.parametrize(
    "name, day, usage, dollars",
    [
        # computer-use-preview: 5,000 x $3 + 500 x $12
        ("computer-use-preview-2025-03-11", "2026-05-01", Usage(5_000, 500), "0.021"),
        # gpt-4.5-preview: 6,000 x $75 + 4,000 cached x $37.50 + 1,000 x $150
        (
            "gpt-4.5-preview-2025-02-27",
            "2025-05-01",
            Usage(10_000, 1_000, cache_read_tokens=4_000),
            "0.75",
        ),
        # o1-mini: 100,000 x $1.10 + 20,000 x $4.40
        ("o1-mini-2024-09-12", "2025-09-01", Usage(100_000, 20_000), "0.198"),
        # o1-preview: 10,000 x $15 + 5,000 x $60
        ("o1-preview", "2025-06-01", Usage(10_000, 5_000), "0.45"),
        # chatgpt-4o-latest: 10,000 x $5 + 1,000 x $15
        ("chatgpt-4o-latest", "2026-01-10", Usage(10_000, 1_000), "0.065"),
        # gpt-4-32k: 20,000 x $60 + 1,000 x $120
        ("gpt-4-32k-0613", "2025-05-01", Usage(20_000, 1_000), "1.32"),
    ],
)
def test_retired_openai_names_price_at_their_own_rates(name, day, usage, dollars):
    assert priced(name, day, usage) == Decimal(dollars)


# --- Gemini ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, usage, dollars",
    [
        # 1.5 Flash up to 128K: 100,000 x $0.075 + 1,000 x $0.30
        ("gemini-1.5-flash", Usage(100_000, 1_000), "0.0078"),
        # above 128K the whole request at $0.15 / $0.60: 200,000 x $0.15 + 1,000 x $0.60
        ("gemini-1.5-flash-002", Usage(200_000, 1_000), "0.0306"),
        # 1.5 Pro above 128K: 200,000 x $2.50 + 1,000 x $10
        ("gemini-1.5-pro", Usage(200_000, 1_000), "0.51"),
        # 1.5 Flash-8B: 100,000 x $0.0375 + 10,000 x $0.15
        ("gemini-1.5-flash-8b", Usage(100_000, 10_000), "0.00525"),
    ],
)
def test_gemini_15_with_its_128k_cliff(name, usage, dollars):
    assert priced(name, "2025-08-01", usage) == Decimal(dollars)


def gemini_record(model: str, prompt: dict, candidates: dict, thoughts: int = 0) -> dict:
    """A generateContent response's usageMetadata, modality by modality."""
    return {
        "modelVersion": model,
        "candidates": [{"finishReason": "STOP"}],
        "usageMetadata": {
            "promptTokenCount": sum(prompt.values()),
            "candidatesTokenCount": sum(candidates.values()),
            "thoughtsTokenCount": thoughts,
            "promptTokensDetails": [{"modality": m, "tokenCount": n} for m, n in prompt.items()],
            "candidatesTokensDetails": [
                {"modality": m, "tokenCount": n} for m, n in candidates.items()
            ],
        },
    }


@pytest.mark.parametrize(
    "model, day, dollars",
    [
        # 2.0 Flash (the -exp name): 2,000 x $0.10 + 8,000 audio x $0.70 + 500 x $0.40
        ("gemini-2.0-flash-exp", "2025-03-01", "0.006"),
        # 3 Flash Preview: 2,000 x $0.50 + 8,000 audio x $1.00 + 500 x $3
        ("gemini-3-flash-preview", "2026-11-25", "0.0105"),
    ],
)
def test_gemini_audio_input_at_the_audio_rate(model, day, dollars):
    call = normalize(gemini_record(model, {"TEXT": 2_000, "AUDIO": 8_000}, {"TEXT": 500}))
    assert call.usage.audio_input_tokens == 8_000
    assert priced(call.model, day, call.usage) == Decimal(dollars)


def test_an_image_generation_bills_image_tokens_at_the_image_rate():
    # one 1024x1024 image (1,290 tokens) and a 10-token caption from a 20-token prompt:
    # 20 x $0.30 + 10 x $2.50 + 1,290 x $30 = $0.000006 + $0.000025 + $0.0387
    call = normalize(
        gemini_record("gemini-2.5-flash-image", {"TEXT": 20}, {"IMAGE": 1290, "TEXT": 10})
    )
    assert call.usage.image_output_tokens == 1_290
    assert priced("gemini-2.5-flash-image", "2026-09-01", call.usage) == Decimal("0.038731")


def test_gemini_3_pro_image_thoughts_at_the_text_rate_images_at_120():
    record = gemini_record(
        "gemini-3-pro-image-preview", {"TEXT": 100}, {"IMAGE": 1120, "TEXT": 10}, thoughts=200
    )
    call = normalize(record)
    # 100 x $2 + (10 + 200 thinking) x $12 + 1,120 image x $120 = $0.0002 + $0.00252 + $0.1344
    assert priced("gemini-3-pro-image-preview", "2026-03-01", call.usage) == Decimal("0.13712")
    # batch halves all three
    assert priced("gemini-3-pro-image-preview", "2026-03-01", call.usage, batch=True) == Decimal(
        "0.06856"
    )


def test_the_vectorized_path_agrees_on_image_output():
    model = CATALOG.resolve("gemini-2.5-flash-image", at=dt.date(2026, 9, 1))
    one = np.array([1_300], dtype=np.int64)
    tokens = TokenArrays(
        input_tokens=np.array([20], dtype=np.int64),
        output_tokens=one,
        cache_read_tokens=np.zeros(1, dtype=np.int64),
        cache_write_tokens=np.zeros(1, dtype=np.int64),
        cache_write_1h_tokens=np.zeros(1, dtype=np.int64),
        image_output_tokens=np.array([1_290], dtype=np.int64),
    )
    assert price_arrays(model, tokens).totals.total_usd == Decimal("0.038731")


def test_image_output_without_a_rate_is_unpriced_not_billed_as_text():
    # gemini-2.5-flash has no image output rate: an image there is refused, not priced at $2.50
    usage = Usage(input_tokens=20, output_tokens=1_300, image_output_tokens=1_290)
    with pytest.raises(UnpricedError, match="no published image output rate"):
        priced("gemini-2.5-flash", "2026-09-01", usage)


def test_budget_usage_prices_an_image_log(tmp_path):
    log = tmp_path / "images.jsonl"
    record = gemini_record("gemini-2.5-flash-image", {"TEXT": 20}, {"IMAGE": 1290, "TEXT": 10})
    log.write_text(json.dumps(record) + "\n")
    report = cost_logs([str(log)], CATALOG, at=dt.date(2026, 9, 1))
    assert report.total_usd == Decimal("0.038731") and not report.unpriced


# --- xAI ---------------------------------------------------------------------------------


def test_retired_grok_names():
    # grok-2: 10,000 x $2 + 1,000 x $10
    assert priced("grok-2", "2025-06-01", Usage(10_000, 1_000)) == Decimal("0.03")
    # grok-3-mini: 5,000 x $0.30 + 5,000 cached x $0.075 + 2,000 x $0.50
    usage = Usage(10_000, 2_000, cache_read_tokens=5_000)
    assert priced("grok-3-mini-beta", "2025-06-01", usage) == Decimal("0.002875")


def test_each_addition_names_its_source_date_and_the_datasets():
    for name in (
        "gpt-4o-audio-preview", "computer-use-preview", "gpt-4.5-preview", "o1-mini",
        "gemini-1.5-pro", "gemini-2.5-flash-image", "grok-2-1212", "grok-3-mini",
    ):  # fmt: skip
        model = CATALOG.resolve(name)
        assert model.as_of == "2026-12-06" and model.source.startswith("https://"), name
        assert "genai-prices" in model.notes or "LiteLLM" in model.notes, name
    assert "Only LiteLLM has it" in CATALOG.resolve("computer-use-preview").notes
    assert "Only genai-prices has it" in CATALOG.resolve("o1-mini").notes
