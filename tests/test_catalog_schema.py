"""The catalog schema fails loudly with file, line, model and field; overrides merge over it."""

from decimal import Decimal
from pathlib import Path

import pytest

from pricing.catalog import load_catalog
from pricing.errors import InputError, UnknownModelError

PRIVATE = str(Path(__file__).parent / "fixtures" / "catalog" / "private.yaml")

HEADER = "provider: acme\nsource: https://example.invalid/prices\nas_of: 2026-11-01\nmodels:\n"
MODEL = """  - id: m1
    name: M1
    context_window: 1000
    max_output_tokens: 100
    tokenizer: estimate:generic
    prices: {input: 1, output: 2}
"""


def write(tmp_path, text, name="user.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_user_file_adds_a_private_model():
    catalog = load_catalog([PRIVATE])
    model = catalog.resolve("acme-large")
    assert model.id == "acme-llm-large"
    assert model.max_input_tokens == 128000  # defaults to the context window
    assert model.prices.cache_read == Decimal("0.05")
    assert model.source.startswith("https://wiki.acme.example")


@pytest.mark.parametrize(
    "replace, message",
    [
        (
            ("context_window: 1000", "context_window: -5"),
            r"field 'context_window': expected a positive",
        ),
        (("context_window: 1000", "context_window: lots"), r"field 'context_window'"),
        (
            ("max_output_tokens: 100", "max_output_tokens: 5000"),
            r"'max_output_tokens': expected at most",
        ),
        (("{input: 1, output: 2}", "{input: 1}"), r"field 'prices.output'"),
        (
            ("{input: 1, output: 2}", "{input: -1, output: 2}"),
            r"field 'prices.input': expected a price >= 0",
        ),
        (("{input: 1, output: 2}", "{input: 1, output: 2, cache_reed: 1}"), r"prices.cache_reed"),
        (("estimate:generic", "sentencepiece"), r"field 'tokenizer'"),
        (("name: M1", "name: M1\n    contxt: 5"), r"field 'contxt'"),
        (("name: M1", "name: M1\n    batch_full_price: [cache_reed]"), r"field 'batch_full_price'"),
    ],
)
def test_schema_errors_name_file_line_model_and_field(tmp_path, replace, message):
    path = write(tmp_path, HEADER + MODEL.replace(*replace))
    with pytest.raises(InputError, match=message) as caught:
        load_catalog([path])
    text = str(caught.value)
    assert text.startswith(f"{path}:5: model 'm1'")  # the line where the model starts
    assert "\n" not in text


def test_missing_provenance_is_refused(tmp_path):
    path = write(tmp_path, HEADER.replace("as_of: 2026-11-01\n", "") + MODEL)
    with pytest.raises(InputError, match="field 'as_of': required"):
        load_catalog([path])


def test_malformed_yaml_names_line_and_column(tmp_path):
    path = write(tmp_path, HEADER + MODEL + "  - id: [unclosed\n")
    with pytest.raises(InputError, match=r"user.yaml:\d+:\d+: invalid YAML"):
        load_catalog([path])


def test_missing_and_empty_override_files(tmp_path):
    with pytest.raises(InputError, match="catalog file not found"):
        load_catalog([str(tmp_path / "nope.yaml")])
    with pytest.raises(InputError, match="file is empty"):
        load_catalog([write(tmp_path, "\n")])


def test_override_updates_a_known_model_field_by_field(tmp_path):
    base = load_catalog([write(tmp_path, HEADER + MODEL, "base.yaml")])
    assert base.resolve("m1").prices.output == Decimal(2)
    discount = (
        HEADER.replace("2026-11-01", "2026-11-20") + "  - id: m1\n    prices: {output: 1.5}\n"
    )
    merged = load_catalog([str(tmp_path / "base.yaml"), write(tmp_path, discount, "deal.yaml")])
    model = merged.resolve("m1")
    assert model.prices.output == Decimal("1.5")  # updated
    assert model.prices.input == Decimal(1)  # kept
    assert model.context_window == 1000
    assert model.as_of == "2026-11-20"  # provenance follows the number


def test_a_price_override_keeps_the_bundled_request_settings(tmp_path):
    # A negotiated price for gpt-5.2 must not reset what the file header did not say:
    # OpenAI's max_completion_tokens, its 4 stop sequences and the 50% batch discount.
    deal = (
        "provider: openai\nsource: our contract\nas_of: 2026-12-01\nmodels:\n"
        "  - id: gpt-5.2\n    prices: {input: 1, output: 8}\n"
    )
    bundled = load_catalog([]).resolve("gpt-5.2")
    model = load_catalog([write(tmp_path, deal)]).resolve("gpt-5.2")
    assert model.prices.input == Decimal(1)
    assert (model.output_param, model.stop_sequences_max) == ("max_completion_tokens", 4)
    assert model.batch_discount == bundled.batch_discount == Decimal("0.5")
    assert (model.source, model.as_of) == ("our contract", "2026-12-01")
    # a header that does say it still applies (the edited file is read again, not cached)
    no_batch = deal.replace("models:", "batch_discount: null\nmodels:")
    assert load_catalog([write(tmp_path, no_batch)]).resolve("gpt-5.2").batch_discount is None


def test_cliff_tiers_must_ascend(tmp_path):
    tiers = (
        "    tiers:\n      - {above_input_tokens: 500, input: 2, output: 4}\n"
        "      - {above_input_tokens: 200, input: 3, output: 6}\n"
    )
    with pytest.raises(InputError, match="ascending"):
        load_catalog([write(tmp_path, HEADER + MODEL + tiers)])


def test_variants_override_limits_and_unknown_variants_are_named(tmp_path):
    variant = "    variants:\n      - name: big\n        context_window: 4000\n"
    catalog = load_catalog([write(tmp_path, HEADER + MODEL + variant)])
    assert catalog.resolve("m1", "big").context_window == 4000
    assert catalog.resolve("m1", "big").max_input_tokens == 4000
    assert catalog.resolve("m1").context_window == 1000
    with pytest.raises(InputError, match=r"no variant 'huge' \(variants: big\)"):
        catalog.resolve("m1", "huge")


@pytest.mark.parametrize(
    "written",
    [
        "acme-llm-large",
        "ACME-LLM-Large",
        "acme-large",
        "acme/acme-llm-large",  # LiteLLM
        "acme:acme-llm-large",  # LangChain
        "acme-llm-large-20260101",  # dated snapshot
        "acme-llm-large-2026-01-01",
        "acme-llm-large@20260101",  # Vertex
        "acme-llm-large-latest",
    ],
)
def test_names_as_people_write_them(written):
    assert load_catalog([PRIVATE]).resolve(written).id == "acme-llm-large"


def test_unknown_names_suggest_close_ones():
    with pytest.raises(UnknownModelError) as caught:
        load_catalog([PRIVATE]).resolve("acme-llm-lrage")
    assert "acme-llm-large" in caught.value.suggestions
    assert "did you mean" in str(caught.value)


def test_an_override_says_which_numbers_are_the_users_and_which_are_bundled(tmp_path):
    base = write(tmp_path, HEADER + MODEL, "base.yaml")
    deal = write(
        tmp_path,
        HEADER.replace("2026-11-01", "2026-11-20") + "  - id: m1\n    prices: {output: 1.5}\n",
        "deal.yaml",
    )
    model = load_catalog([base, deal]).resolve("m1")
    assert model.notes.startswith(f"{deal} sets prices.output (as of 2026-11-20)")
    assert "everything else is the bundled catalog's (https://example.invalid/prices" in model.notes
