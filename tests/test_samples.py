"""Reading observed output lengths: counts, texts, CSV and provider usage logs."""

import json
from pathlib import Path

import pytest

from budget.inputs.samples import percentile, samples_from_lengths
from budget.tokenizers import tokenizer_for
from budget.tokenizers.samples import read_samples
from pricing.catalog import load_catalog
from pricing.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "plan"


@pytest.fixture(scope="module")
def gpt52():
    return load_catalog().resolve("gpt-5.2")


def test_integers_one_per_line_skip_blanks_and_comments(gpt52):
    samples = read_samples(FIXTURES / "lengths.txt", gpt52)
    assert samples.kind == "integers"
    assert samples.lengths == (250, 310, 180, 420)
    assert not samples.censored and samples.exact


def test_openai_usage_log_marks_length_replies_as_truncated(gpt52):
    samples = read_samples(FIXTURES / "openai_usage_log.jsonl", gpt52)
    assert samples.kind == "usage"
    assert samples.count == 10
    assert samples.lengths[7] == 1000 and samples.truncated[7]
    assert sum(samples.truncated) == 2
    assert samples.observed_truncation_rate == 0.2
    assert samples.includes_reasoning


def test_anthropic_max_tokens_and_gemini_max_tokens_are_censored(gpt52):
    samples = read_samples(FIXTURES / "anthropic_gemini_log.jsonl", gpt52)
    assert samples.truncated == (False, True, True, False)
    # Gemini thoughts are billed as output: 412 visible + 100 thinking
    assert samples.lengths == (300, 512, 512, 200)


def test_jsonl_texts_are_counted_with_the_model_tokenizer(gpt52):
    samples = read_samples(FIXTURES / "replies.jsonl", gpt52)
    tokenizer = tokenizer_for(gpt52)
    assert samples.kind == "jsonl"
    assert samples.lengths == (
        tokenizer.count_text("Paris is the capital of France."),
        tokenizer.count_text(
            "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen."
        ),
    )
    assert samples.tokenizer == "tiktoken:o200k_base" and samples.exact


def test_csv_count_column_and_text_column(gpt52):
    counts = read_samples(FIXTURES / "lengths.csv", gpt52)
    assert counts.lengths == (250, 310, 180)
    texts = read_samples(FIXTURES / "answers.csv", gpt52, column="answer")
    assert texts.lengths == (
        tokenizer_for(gpt52).count_text("Paris is the capital of France."),
        tokenizer_for(gpt52).count_text("The answer is 42."),
    )


def test_plain_text_splits_on_dash_lines(gpt52):
    samples = read_samples(FIXTURES / "replies.txt", gpt52)
    tokenizer = tokenizer_for(gpt52)
    first = "First reply, first paragraph.\n\nFirst reply, second paragraph."
    assert samples.count == 3
    assert samples.lengths[0] == tokenizer.count_text(first)
    assert samples.lengths[2] == tokenizer.count_text("Third reply.")


def test_plain_text_without_separators_is_one_sample_per_line(tmp_path, gpt52):
    path = tmp_path / "lines.txt"
    path.write_text("Yes.\n\nNo, not today.\nMaybe\n", encoding="utf-8")
    assert read_samples(path, gpt52).count == 3


def test_empty_file_is_an_error(tmp_path, gpt52):
    path = tmp_path / "empty.txt"
    path.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(InputError, match="empty.txt: samples file is empty"):
        read_samples(path, gpt52)


def test_negative_count_names_the_line(tmp_path, gpt52):
    path = tmp_path / "counts.txt"
    path.write_text("120\n-40\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"counts.txt:2: output length: expected a token count"):
        read_samples(path, gpt52)


def test_forced_integer_format_rejects_words(tmp_path, gpt52):
    path = tmp_path / "counts.txt"
    path.write_text("120\n130\nabout 200\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"counts.txt:3: .*whole number.*'about 200'"):
        read_samples(path, gpt52, fmt="integers")


def test_bad_json_line_and_unrecognized_record(tmp_path, gpt52):
    broken = tmp_path / "log.jsonl"
    broken.write_text('{"usage": {"prompt_tokens": 1, "completion_tokens": 2}}\n{oops\n')
    with pytest.raises(InputError, match=r"log.jsonl:2: invalid JSON"):
        read_samples(broken, gpt52)
    strange = tmp_path / "odd.jsonl"
    strange.write_text('{"usage": {"prompt_tokens": 1, "completion_tokens": 2}}\n{"foo": 1}\n')
    with pytest.raises(InputError, match=r"odd.jsonl:2: .*usage"):
        read_samples(strange, gpt52)


def test_missing_file_and_unknown_format(tmp_path, gpt52):
    with pytest.raises(InputError, match="no such file"):
        read_samples(tmp_path / "nope.txt", gpt52)
    with pytest.raises(InputError, match="samples-format"):
        read_samples(FIXTURES / "lengths.txt", gpt52, fmt="xml")


def test_csv_without_a_known_column(tmp_path, gpt52):
    path = tmp_path / "data.csv"
    path.write_text("id,score\n1,3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"data.csv:1: expected a column"):
        read_samples(path, gpt52)


def test_nearest_rank_percentile():
    lengths = list(range(1, 101))  # 1..100
    assert percentile(lengths, 95) == 95
    assert percentile(lengths, 100) == 100
    assert percentile(lengths, 0.5) == 1
    assert percentile([5, 1, 3], 50) == 3  # sorted 1, 3, 5: rank ceil(1.5) = 2
    assert percentile([100 * i for i in range(1, 21)], 95) == 1900  # not 2,000 from float noise


def test_library_samples_validate_counts():
    with pytest.raises(InputError, match="no output lengths"):
        samples_from_lengths([])
    with pytest.raises(InputError, match=">= 0"):
        samples_from_lengths([10, -1])


def test_a_mixed_usage_log_gives_only_the_planned_models_replies(tmp_path):
    log = tmp_path / "mixed.jsonl"
    rows = [
        {
            "model": "gpt-4.1-mini-2025-04-14",
            "usage": {"prompt_tokens": 10, "completion_tokens": 100},
        },
        {
            "model": "claude-haiku-4-5",
            "type": "message",
            "usage": {"input_tokens": 10, "output_tokens": 900},
        },
        {"model": "gpt-4.1-mini", "usage": {"prompt_tokens": 10, "completion_tokens": 200}},
    ]
    log.write_text("".join(json.dumps(row) + "\n" for row in rows))
    catalog = load_catalog(())
    mini = read_samples(str(log), catalog.resolve("gpt-4.1-mini"))
    assert mini.lengths == (100, 200)  # the dated snapshot counts as the same model
    assert "2 of 3" in mini.note
    other = read_samples(str(log), catalog.resolve("gpt-5.2"))
    assert other.lengths == (100, 900, 200)
    assert "no replies from gpt-5.2" in other.note


def test_absurd_sample_lengths_are_refused_not_priced(tmp_path):
    # 10**30 tokens would print an astronomical cost: it is a typo, refused at its line.
    path = tmp_path / "lengths.txt"
    path.write_text("800\n" + "1" + "0" * 30 + "\n")
    with pytest.raises(InputError, match=rf"^{path}:2: output length: expected at most"):
        read_samples(path, load_catalog().resolve("gpt-5.2"))
