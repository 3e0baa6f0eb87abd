"""Tokenizer adapters: bundled tiktoken ranks, OpenAI chat overhead, estimates, online counters."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from budget.tokenizers import Request, TokenizerOptions, tokenizer_for
from budget.tokenizers.estimate import EstimateTokenizer
from budget.tokenizers.online import AnthropicCounter, online_counter
from budget.tokenizers.tiktoken_backend import ENCODINGS, load_ranks, rank_file
from pricing.errors import InputError


def fake_model(tokenizer: str, provider: str = "openai", model_id: str = "m") -> SimpleNamespace:
    return SimpleNamespace(id=model_id, provider=provider, tokenizer=tokenizer)


O200K = fake_model("tiktoken:o200k_base", model_id="gpt-4o")
CL100K = fake_model("tiktoken:cl100k_base", model_id="gpt-4")

# OpenAI cookbook "How to count tokens with tiktoken", section 6: the API reported
# 129 prompt tokens for gpt-4 / gpt-4-0613 and 124 for gpt-4o / gpt-4o-mini.
COOKBOOK_MESSAGES = json.loads(
    (Path(__file__).parent / "fixtures" / "count" / "cookbook_messages.json").read_text()
)["messages"]
# Section 7: with this tool the API reported 105 prompt tokens for gpt-4 / gpt-3.5-turbo and
# 101 for gpt-4o / gpt-4o-mini.
COOKBOOK_TOOLS = json.loads(
    (Path(__file__).parent / "fixtures" / "count" / "cookbook_tools_request.json").read_text()
)["tools"]
COOKBOOK_TOOL_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful assistant that can answer to questions about the weather.",
    },
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


@pytest.mark.parametrize("model, expected", [(O200K, 124), (CL100K, 129)])
def test_chat_messages_match_the_prompt_tokens_openai_reported(model, expected):
    assert tokenizer_for(model).count_messages(COOKBOOK_MESSAGES) == expected


@pytest.mark.parametrize("model, expected", [(O200K, 101), (CL100K, 105)])
def test_tool_definitions_match_the_prompt_tokens_openai_reported(model, expected):
    tokenizer = tokenizer_for(model)
    assert tokenizer.count_messages(COOKBOOK_TOOL_MESSAGES, COOKBOOK_TOOLS) == expected
    counted = tokenizer.count_request(Request(COOKBOOK_TOOL_MESSAGES, COOKBOOK_TOOLS))
    assert counted.exact


def test_token_ids_are_openais():
    # The cookbook's own examples: "tiktoken is great!" in o200k_base, and cl100k_base ids.
    o200k = tokenizer_for(O200K).encoding
    assert o200k.encode_ordinary("tiktoken is great!") == [83, 8251, 2488, 382, 2212, 0]
    cl100k = tokenizer_for(CL100K).encoding
    assert cl100k.encode_ordinary("China is great!") == [23078, 374, 2294, 0]


def test_endoftext_in_user_text_is_plain_text():
    tokenizer = tokenizer_for(O200K)
    # As text, "<|endoftext|>" is several ordinary tokens, never the one special token 199999.
    assert 199999 not in tokenizer.encoding.encode_ordinary("a <|endoftext|> b")
    assert tokenizer.count_text("<|endoftext|>") == 7
    assert tokenizer.count_messages([{"role": "user", "content": "<|endoftext|>"}]) == 3 + 1 + 7 + 3


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_bundled_rank_files_have_the_published_hash(name):
    data = rank_file(name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == ENCODINGS[name].sha256


def test_a_changed_rank_file_is_refused(tmp_path):
    data = bytearray(rank_file("cl100k_base").read_bytes())
    data[10] ^= 1
    broken = tmp_path / "cl100k_base.tiktoken"
    broken.write_bytes(bytes(data))
    with pytest.raises(InputError, match="does not match its published SHA-256"):
        load_ranks(broken, ENCODINGS["cl100k_base"].sha256)


@pytest.mark.parametrize("name, size", [("o200k_base", 199998), ("cl100k_base", 100256)])
def test_ranks_are_the_line_numbers_of_the_published_files(name, size):
    # load_ranks relies on it: each line is "base64-token rank" with rank = line index.
    lines = rank_file(name).read_bytes().splitlines()
    assert [int(line.split()[1]) for line in lines] == list(range(size))
    ranks = load_ranks(rank_file(name), ENCODINGS[name].sha256)
    assert len(ranks) == size and ranks[b"!"] == 0


def test_images_and_tool_calls_are_counted_but_not_exact():
    tokenizer = tokenizer_for(O200K)
    image = {"type": "image_url", "image_url": {"url": "data:...", "detail": "low"}}
    text = {"type": "text", "text": "What is in this picture?"}
    with_image = tokenizer.count_request(Request([{"role": "user", "content": [text, image]}]))
    plain = tokenizer.count_request(Request([{"role": "user", "content": [text]}]))
    assert plain.exact and not with_image.exact
    assert with_image.tokens - plain.tokens == 85  # OpenAI's flat cost of a low-detail image


def test_unknown_tokenizer_reference_is_an_input_error():
    with pytest.raises(InputError, match="tokenizer: expected tiktoken:NAME"):
        tokenizer_for(fake_model("sentencepiece:foo"))
    with pytest.raises(InputError, match="unknown tiktoken encoding 'gpt2'"):
        tokenizer_for(fake_model("tiktoken:gpt2"))


def test_estimate_is_labelled_and_follows_its_documented_factor():
    tokenizer = tokenizer_for(fake_model("estimate:anthropic", "anthropic", "claude-x"))
    assert not tokenizer.exact
    assert tokenizer.name == "estimate:anthropic"
    assert "3.5 characters" in tokenizer.method
    assert tokenizer.count_text("x" * 35) == 10
    assert tokenizer.count_text("x" * 36) == 11  # rounded up: an estimate errs high
    assert tokenizer.count_text("") == 0
    assert tokenizer.count_many(["abcdefg", ""]) == [2, 0]


def test_anthropic_request_is_counted_with_its_structure():
    tokenizer = EstimateTokenizer("anthropic")
    system = [{"type": "text", "text": "s" * 70}]  # 20 tokens
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "u" * 35}]},  # 10
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "search", "input": {}}],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "r" * 7},
                {"type": "image", "width": 750, "height": 100, "source": {"type": "base64"}},
            ],
        },
    ]
    counted = tokenizer.count_request(Request(messages, system=system))
    # text: 70 + 35 + len("search") + len("{}") + 7 = 120 chars -> 35 tokens;
    # 3 messages x 3; image 750*100/750 = 100.
    assert counted == type(counted)(35 + 9 + 100, exact=False)
    tools = [{"name": "search", "description": "d", "input_schema": {"type": "object"}}]
    with_tools = tokenizer.count_request(Request(messages, tools, system))
    assert with_tools.tokens - counted.tokens >= 346  # Anthropic's tool-use system prompt


def test_online_is_never_used_without_the_flag(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    model = fake_model("estimate:anthropic", "anthropic", "claude-x")
    assert isinstance(tokenizer_for(model), EstimateTokenizer)
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    assert isinstance(tokenizer_for(model, online=True), EstimateTokenizer)  # no key: estimate


def test_anthropic_count_tokens_request_is_built_from_the_request():
    sent = []

    def fake_post(url, headers, body):
        sent.append((url, headers, body))
        return {"input_tokens": 42}

    counter = AnthropicCounter("claude-x", "sk-test", post=fake_post)
    request = Request([{"role": "user", "content": "hi"}], system="be brief")
    assert counter.count_request(request).tokens == 42 and counter.exact
    url, headers, body = sent[0]
    assert url.endswith("/v1/messages/count_tokens")
    assert headers["x-api-key"] == "sk-test"
    assert body == {"model": "claude-x", "messages": request.messages, "system": "be brief"}


def test_online_counter_needs_the_users_key(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    model = fake_model("estimate:anthropic", "anthropic", "claude-x")
    assert online_counter(model) is None
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    assert isinstance(online_counter(model), AnthropicCounter)


def test_options_pass_through(tmp_path):
    options = TokenizerOptions(calibration_file=str(tmp_path / "none.json"))
    tokenizer = tokenizer_for(fake_model("estimate:gemini", "google"), options=options)
    assert tokenizer.count_text("x" * 40) == 10


def test_completion_era_encodings_are_bundled_and_count_without_a_model(tmp_path):
    # tiktoken's own test: "hello world" is [31373, 995] in GPT-2's vocabulary, which r50k_base
    # and p50k_base share.
    from budget.tokenizers.tiktoken_backend import load_encoding

    for name in ("r50k_base", "p50k_base"):
        assert load_encoding(name).encode_ordinary("hello world") == [31373, 995]
    from click.testing import CliRunner

    from budget.cli import cli

    text = tmp_path / "t.txt"
    text.write_text("hello world")
    result = CliRunner().invoke(cli, ["count", str(text), "--encoding", "p50k_base", "--json"])
    data = json.loads(result.stdout)
    assert (data["tokens"], data["tokenizer"], data["exact"]) == (2, "tiktoken:p50k_base", True)
    chat = Path(__file__).parent / "fixtures" / "count" / "cookbook_messages.json"
    refused = CliRunner().invoke(cli, ["count", str(chat), "--encoding", "r50k_base"])
    assert refused.exit_code == 2 and "predates chat requests" in refused.stderr
    # the cookbook's chat request counts with cl100k_base as for gpt-4: 129
    cl100k = CliRunner().invoke(cli, ["count", str(chat), "--encoding", "cl100k_base", "--json"])
    assert json.loads(cl100k.stdout)["tokens"] == 129
    both = CliRunner().invoke(cli, ["count", str(text), "-m", "gpt-4o", "--encoding", "p50k_base"])
    assert both.exit_code == 2 and "exactly one of --model M or --encoding NAME" in both.stderr
