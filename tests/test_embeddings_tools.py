"""Embedding models and built-in tool fees (issue #14): catalog, `budget cost`, usage logs."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import InputError
from pricing.rules import prompt_cache_rule, tool_fees
from pricing.usage import normalize

CATALOG = load_catalog([])
# An OpenAI Responses object that ran two web searches, and an Anthropic message with three.
RESPONSES_WITH_SEARCHES = {
    "model": "gpt-5.2",
    "output": [
        {"type": "web_search_call", "status": "completed"},
        {"type": "web_search_call", "status": "completed"},
        {"type": "message", "content": []},
    ],
    "usage": {"input_tokens": 1000, "output_tokens": 100},
}
ANTHROPIC_WITH_SEARCHES = {
    "type": "message",
    "model": "claude-sonnet-4-5",
    "usage": {
        "input_tokens": 1000,
        "output_tokens": 100,
        "cache_read_input_tokens": 0,
        "server_tool_use": {"web_search_requests": 3},
    },
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_corpus_embedded_at_two_cents_per_million_tokens():
    # text-embedding-3-small is $0.02 per 1M tokens (OpenAI model page): a 50M-token corpus
    # is 50 x $0.02 = $1.00, and half that through the Batch API.
    model = CATALOG.resolve("text-embedding-3-small")
    assert model.is_embedding and model.tokenizer == "tiktoken:cl100k_base"
    assert cost(model, Usage(50_000_000, 0)).total_usd == Decimal("1.00")
    assert cost(model, Usage(50_000_000, 0), batch=True).total_usd == Decimal("0.50")


def test_models_embed_lists_the_embedding_models():
    result = run("models", "embed")
    assert result.exit_code == 0, result.output
    for name in ("text-embedding-3-small", "text-embedding-3-large", "gemini-embedding-001"):
        assert name in result.output
    assert "voyage-3.5" in result.output and "embed-v4.0" in result.output
    assert "gpt-5.2" not in result.output


def test_cost_of_an_embedding_needs_no_output():
    result = run("cost", "-m", "text-embedding-3-large", "--input", "2000000", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    # 2M tokens x $0.13 per 1M = $0.26; no fit problems: --input spans many inputs
    assert record["total_usd"] == 0.26 and record["kind"] == "embedding"
    assert record["problems"] == []


def test_plan_refuses_an_embedding_model():
    result = run("plan", "-m", "text-embedding-3-small", "--input", "100", "--expected-output", "9")
    assert result.exit_code == 2 and "embedding model" in result.output


def test_count_for_an_embedding_model_is_exact(tmp_path):
    (tmp_path / "doc.txt").write_text("hello world")
    result = run("count", str(tmp_path / "*.txt"), "-m", "text-embedding-3-small", "--json")
    record = json.loads(result.output)
    # cl100k_base: "hello" and " world" are one token each
    assert record["exact"] is True and record["tokens"] == 2


def test_cost_with_web_searches_adds_the_fee_per_thousand():
    # Anthropic web search is $10 per 1,000 searches: 2 per call over 1,000 calls = $20 on top
    # of 8M input x $3 + 600K output x $15 = $24 + $9.
    result = run(
        "cost", "-m", "claude-sonnet-4-5", "--input", "8000", "--output", "600",
        "--web-searches", "2", "--calls", "1000", "--json",
    )  # fmt: skip
    record = json.loads(result.output)
    assert record["breakdown"]["tool_usd"] == 20 and record["total_usd"] == 53
    assert record["tool_calls"] == {"web_search": 2000}


def test_gemini_25_bills_a_grounded_prompt_once_and_gemini_3_each_query():
    flash25 = CATALOG.resolve("gemini-2.5-flash")
    flash35 = CATALOG.resolve("gemini-3.5-flash")
    usage = Usage(100, 10)
    # $35 per 1,000 grounded prompts: 3 queries in one prompt are one fee of $0.035
    assert cost(flash25, usage, tool_calls={"web_search": 3}).tool_usd == Decimal("0.035")
    # $14 per 1,000 search queries on Gemini 3 and later: 3 x $0.014
    assert cost(flash35, usage, tool_calls={"web_search": 3}).tool_usd == Decimal("0.042")


def test_a_tool_without_a_published_fee_is_an_error():
    with pytest.raises(InputError, match="no published web_search fee"):
        cost(CATALOG.resolve("deepseek-flash"), Usage(1, 1), tool_calls={"web_search": 1})


def test_a_log_with_web_searches_is_priced_at_the_published_rate(tmp_path):
    responses, anthropic = RESPONSES_WITH_SEARCHES, ANTHROPIC_WITH_SEARCHES
    assert normalize(responses).tool_calls == {"web_search": 2}
    assert normalize(anthropic).tool_calls == {"web_search": 3}
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(responses) + "\n" + json.dumps(anthropic) + "\n")
    result = run("cost", "--usage", str(log), "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    # Tokens: gpt-5.2 1,000 x $1.75/M + 100 x $14/M = $0.00315; Sonnet 4.5 1,000 x $3/M +
    # 100 x $15/M = $0.0045. Searches: 2 + 3 at $10 per 1,000 (OpenAI, Anthropic) = $0.05.
    assert record["breakdown"]["tool_usd"] == 0.05
    assert record["total_usd"] == pytest.approx(0.00315 + 0.0045 + 0.05, abs=1e-12)


def test_gemini_grounding_queries_are_read_from_the_candidates():
    record = {
        "modelVersion": "gemini-3.5-flash",
        "candidates": [
            {"finishReason": "STOP", "groundingMetadata": {"webSearchQueries": ["a", "b"]}}
        ],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5},
    }
    assert normalize(record).tool_calls == {"web_search": 2}


def test_rules_carry_a_source_and_date():
    for model in CATALOG.models:
        rule = prompt_cache_rule(model)
        if model.prices.cache_read is not None:
            assert rule is not None and rule.source.startswith("https://"), model.id
        for fee in tool_fees(model).values():
            assert fee.source.startswith("https://") and fee.as_of, model.id
    assert prompt_cache_rule(CATALOG.resolve("claude-haiku-4-5")).min_tokens == 4096
    assert prompt_cache_rule(CATALOG.resolve("gpt-5.2")).step_tokens == 128


def test_budget_usage_prices_the_web_searches_of_a_log(tmp_path):
    # The same two records as above through `budget usage`: tokens $0.00765, searches
    # 2 + 3 at $10 per 1,000 = $0.05, per model and per row.
    responses, anthropic = RESPONSES_WITH_SEARCHES, ANTHROPIC_WITH_SEARCHES
    plain = {"model": "gpt-5.2", "usage": {"input_tokens": 1000, "output_tokens": 100}}
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in (responses, anthropic, plain)) + "\n")
    rows = tmp_path / "rows.csv"
    result = run("usage", str(log), "--json", "-o", str(rows))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.split("\nwrote")[0])
    gpt, claude = report["by_model"]["gpt-5.2"], report["by_model"]["claude-sonnet-4-5"]
    assert gpt["tool_calls"] == 2 and gpt["tool_usd"] == 0.02
    assert claude["tool_calls"] == 3 and claude["tool_usd"] == 0.03
    assert report["total_usd"] == pytest.approx(2 * 0.00315 + 0.0045 + 0.05, abs=1e-12)
    lines = rows.read_text().splitlines()
    assert lines[0].endswith(",total_usd,tool_usd,priced_at,price_period,service_tier")
    assert ",0.0231500000,0.0200000000,2026-11-25," in lines[1]  # $0.00315 + 2 searches


def test_a_logged_tool_without_a_fee_is_unpriced_at_its_line(tmp_path):
    # Nothing lost: the call is reported unpriced with its reason (exit 1), not dropped.
    record = {
        "model": "deepseek-flash",
        "usage": {"input_tokens": 10, "output_tokens": 1},
        "tool_calls": {"web_search": 1},
    }
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(record) + "\n")
    result = run("usage", str(log), "--json")
    assert result.exit_code == 1
    unpriced = json.loads(result.stdout)["unpriced"]
    assert [(u["model"], u["reason"], u["calls"]) for u in unpriced] == [
        ("deepseek-flash", "no fee for a built-in tool", 1)
    ]
    assert "has no published web_search fee" in unpriced[0]["detail"]
    assert unpriced[0]["first"] == f"{log}:1"


def test_an_embeddings_response_is_priced_from_its_usage(tmp_path):
    # OpenAI's /v1/embeddings response reports prompt_tokens only: 5M x $0.02 per 1M = $0.10
    record = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1]}],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 5_000_000, "total_tokens": 5_000_000},
    }
    path = tmp_path / "embeddings.json"
    path.write_text(json.dumps(record))
    result = run("cost", "--usage", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total_usd"] == 0.1
