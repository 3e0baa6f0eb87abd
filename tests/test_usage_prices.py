"""Modality and fast-mode prices in the catalog schema and the engine."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import InputError, UnpricedError

CATALOG = """\
provider: acme
source: https://example.invalid/acme-prices
as_of: 2026-01-01
batch_discount: 0.5
models:
  - id: acme-voice
    name: Acme Voice
    context_window: 100000
    max_output_tokens: 8000
    tokenizer: estimate:generic
    text_rate_modalities: [image]
    prices: {input: 1, output: 4, input_audio: 10, output_audio: 40}
"""


def catalog(tmp_path, text: str = CATALOG):
    path = tmp_path / "acme.yaml"
    path.write_text(text)
    return load_catalog([str(path)])


def test_modalities_at_their_own_rate_images_at_text_rate(tmp_path):
    model = catalog(tmp_path).resolve("acme-voice")
    usage = Usage(
        10_000, 2_000, audio_input_tokens=3_000, image_input_tokens=1_000, audio_output_tokens=500
    )
    # input: 6,000 text x 1 + 1,000 image x 1 (text rate) + 3,000 audio x 10
    #      = 0.006 + 0.001 + 0.03 = 0.037
    # output: 1,500 text x 4 + 500 audio x 40 = 0.006 + 0.02 = 0.026
    priced = cost(model, usage)
    assert (priced.input_usd, priced.output_usd) == (Decimal("0.037"), Decimal("0.026"))
    # batch halves the modality rates too: (0.037 + 0.026) / 2
    assert cost(model, usage, batch=True).total_usd == Decimal("0.0315")


def test_a_modality_without_a_rate_is_unpriced(tmp_path):
    model = catalog(tmp_path).resolve("acme-voice")
    with pytest.raises(UnpricedError, match="no published video input rate") as caught:
        cost(model, Usage(1_000, 10, video_input_tokens=100))
    assert caught.value.reason == "no video input rate"


def test_modality_parts_must_fit_in_the_uncached_input():
    with pytest.raises(InputError, match=r"audio, image and video input \(900\) exceed"):
        Usage(1_000, 10, cache_read_tokens=500, audio_input_tokens=900)


def test_text_rate_modalities_are_checked(tmp_path):
    bad = CATALOG.replace("[image]", "[smell]")
    with pytest.raises(InputError, match="text_rate_modalities"):
        catalog(tmp_path, bad)


def test_fast_mode_is_a_service_tier_with_its_own_rates():
    # claude-opus-5 fast mode: input 10 / output 50 (standard 5 / 25), per the catalog
    model = load_catalog(()).resolve("claude-opus-5")
    fast = cost(model, Usage(100_000, 10_000), service_tier="fast")
    # 100,000 x 10 + 10,000 x 50 = 1.0 + 0.5
    assert fast.total_usd == Decimal("1.5")


@pytest.mark.parametrize(
    "name, model",
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),  # a listed snapshot
        ("openai/gpt-4o-2024-11-20", "gpt-4o"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),  # Vertex writes the date so
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),  # Bedrock
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # $5 / $15: an entry of its own
        ("gpt-5.2-2025-01-01", None),  # not listed: not priced as gpt-5.2
    ],
)
def test_a_dated_snapshot_is_priced_only_when_the_catalog_lists_it(name, model):
    from pricing.logged import resolve_logged

    catalog = load_catalog(())
    if model is None:
        with pytest.raises(UnpricedError, match="dated snapshot not in the catalog"):
            resolve_logged(catalog, name)
    else:
        assert resolve_logged(catalog, name).id == model
