"""Stop-sequence lint: provider limits, weak sequences, and early firing on real text."""

import dataclasses
from pathlib import Path

import pytest

from budget.planner.stops import find_occurrences, lint_stops
from pricing.catalog import load_catalog
from pricing.errors import InputError

WEEKEND = (Path(__file__).parent / "fixtures" / "plan" / "weekend.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def gpt41(catalog):
    """A chat model that takes stop sequences (GPT-5.x reasoning models reject them)."""
    return catalog.resolve("gpt-4.1")


def test_a_distinctive_marker_is_ok(gpt41):
    result = lint_stops(gpt41, ["</answer>"], sample_text=WEEKEND)
    assert result.ok and result.problems == ()
    assert result.tokenizer == "tiktoken:o200k_base" and result.exact
    assert result.token_counts == (3,)


def test_openai_takes_four(gpt41):
    result = lint_stops(gpt41, ["<a>", "<b>", "<c>", "<d>", "<e>"])
    assert not result.ok
    assert result.problems[0] == "5 stop sequences given; gpt-4.1 takes at most 4 (drop 1)"
    assert lint_stops(gpt41, ["<a>", "<b>", "<c>", "<d>"]).ok


def test_gemini_takes_five_and_anthropic_documents_no_limit(catalog):
    gemini = catalog.resolve("gemini-2.5-pro")
    assert gemini.stop_sequences_max == 5
    markers = [f"<m{i}>" for i in range(6)]
    assert any(
        "takes at most 5" in p for p in lint_stops(gemini, markers, token_counts=[3] * 6).problems
    )
    sonnet = catalog.resolve("claude-sonnet-4-5")
    assert sonnet.stop_sequences_max is None
    assert lint_stops(sonnet, markers * 2, token_counts=[3] * 12).problems == tuple(
        f"{m!r} is given twice" for m in markers
    )


def test_empty_and_whitespace_only(gpt41):
    result = lint_stops(gpt41, ["", "  ", "\n"])
    assert result.problems[0].startswith("an empty stop sequence")
    assert result.problems[1].startswith("'  ' is whitespace only")
    assert result.problems[2].startswith("'\\n' is whitespace only")


def test_common_words_and_short_strings(gpt41):
    result = lint_stops(gpt41, ["the", "Stop", "##", "END"])
    assert result.problems == (
        "'the' is a common word: it will fire inside ordinary text",
        "'Stop' is a common word: it will fire inside ordinary text",
        "'##' is 2 characters: short strings turn up inside ordinary text and code",
    )  # "END" in capitals is a deliberate marker, not the everyday word


def test_sequence_of_many_tokens(gpt41):
    result = lint_stops(gpt41, ["=== END OF THE ANSWER SECTION ==="])
    assert result.token_counts == (8,)
    assert result.problems == (
        "'=== END OF THE ANSWER SECTION ===' is 8 tokens, more than 5: the model is unlikely "
        "to produce it exactly; use a short distinctive marker",
    )


def test_estimated_token_counts_are_labelled(catalog):
    sonnet = catalog.resolve("claude-sonnet-4-5")
    result = lint_stops(sonnet, ["x" * 80])
    assert not result.exact
    assert any("tokens (estimated)" in p for p in result.problems)


def test_uppercase_end_does_not_fire_inside_weekend_but_lowercase_does(gpt41):
    upper = lint_stops(gpt41, ["END"], sample_text=WEEKEND)
    # "END of plans" is an exact hit; "weekend" and "end is near" are near misses
    assert [(h.line, h.column) for h in upper.hits] == [(2, 20)]
    assert [(h.line, h.column) for h in upper.near_misses] == [(1, 19), (2, 49)]
    lower = lint_stops(gpt41, ["end"], sample_text=WEEKEND)
    assert [(h.line, h.column) for h in lower.hits] == [(1, 19), (2, 49)]
    assert [(h.line, h.column) for h in lower.near_misses] == [(2, 20)]
    assert not lower.ok
    assert lower.problems[-1].startswith("'end' would fire early 2 times in the sample: at 1:19")
    assert "weekend" in lower.hits[0].context


def test_near_misses_alone_do_not_fail(gpt41):
    result = lint_stops(gpt41, ["WEEKEND:"], sample_text="Our weekend: rest.")
    assert result.hits == ()
    assert len(result.near_misses) == 1
    assert result.ok


def test_overlapping_occurrences_all_count():
    hits, misses = find_occurrences("==", "a === b")
    assert [h.column for h in hits] == [3, 4]
    assert misses == []


def test_model_without_stop_support(catalog, gpt41):
    gpt52 = catalog.resolve("gpt-5.2")
    assert lint_stops(gpt52, ["</x>"]).problems == ("gpt-5.2 does not accept stop sequences",)
    no_stop = dataclasses.replace(gpt41, supports_stop=False)
    assert not lint_stops(no_stop, ["</x>"]).ok


def test_no_sequences_is_an_error(gpt41):
    with pytest.raises(InputError, match="at least one stop sequence"):
        lint_stops(gpt41, [])


def test_whitespace_only_sequences_are_found_in_the_sample(gpt41):
    # Sample by hand: line 1 "Intro." (6 chars + "\n"), line 2 empty, line 3 "Body.", then
    # "\n\n" again at the end of line 3. "\n\n" starts at line 1 col 7 and line 3 col 6.
    sample = "Intro.\n\nBody.\n\nEnd"
    result = lint_stops(gpt41, ["\n\n"], sample, token_counts=[1])
    assert [(hit.line, hit.column) for hit in result.hits] == [(1, 7), (3, 6)]
    assert result.problems[0] == (
        "'\\n\\n' is whitespace only: it fires wherever the reply contains '\\n\\n' "
        "(between paragraphs, in indented code or lists), not only at its end"
    )
    assert result.problems[1].startswith("'\\n\\n' would fire early 2 times in the sample: at 1:7")
    assert "first such" not in " ".join(result.problems)
