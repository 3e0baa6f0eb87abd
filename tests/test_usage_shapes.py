"""Every provider usage shape, priced by hand: the per-call engine and `budget usage` agree
because they read records with one function (pricing.usage.read_call).

Rates are the bundled catalog's (USD per million tokens), quoted in each comment; the
arithmetic is worked out by hand in the comment beside each expected figure.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.usage.price import cost_logs
from pricing.catalog import load_catalog
from pricing.engine import cost
from pricing.usage import normalize, read_call

CATALOG = load_catalog(())
FIXTURES = Path(__file__).parent / "fixtures" / "usage"


def priced(tmp_path, *records) -> Decimal:
    """The total of ``records`` by both paths, which must agree to the digit."""
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    report = cost_logs([str(log)], CATALOG)
    assert not report.unpriced, report.unpriced
    engine = Decimal(0)
    for record in records:
        found = read_call(record)
        if found is None:
            continue
        call = normalize(record)
        model = CATALOG.resolve(call.model or "")
        engine += cost(
            model, call.usage, batch=call.batch, service_tier=call.service_tier
        ).total_usd
    assert report.total_usd == engine
    return report.total_usd


def test_openai_chat_cache_writes_30m_and_12h(tmp_path):
    # gpt-6.1-sol: input 2, cache read 0.1, 30m write 2.5 (cache_write_5m), 12h write 5
    # (cache_write_1h), output 10. Prompt 100,000 = 10,000 read + 20,000 written (15,000 for
    # 30 minutes, 5,000 for 12 hours) + 70,000 uncached; completion 1,000 (200 reasoning).
    record = {
        "model": "gpt-6.1-sol",
        "choices": [{"finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": 100_000,
            "completion_tokens": 1_000,
            "prompt_tokens_details": {
                "cached_tokens": 10_000,
                "cache_write_tokens": 20_000,
                "cache_write_tokens_details": {"ttl_30m_tokens": 15_000, "ttl_12h_tokens": 5_000},
            },
            "completion_tokens_details": {"reasoning_tokens": 200},
        },
    }
    # 70,000 x 2 = 0.14; 10,000 x 0.1 = 0.001; 15,000 x 2.5 = 0.0375; 5,000 x 5 = 0.025;
    # 1,000 x 10 = 0.01 (per million) -> 0.2135
    assert priced(tmp_path, record) == Decimal("0.2135")


def test_openai_responses_stream_completed_is_one_call_at_the_standard_rate(tmp_path):
    # gpt-6.1-sol. The usage sits under `response`: NOT a batch result (half price).
    events = [
        {"type": "response.created", "response": {"id": "resp_1", "usage": None}},
        {"type": "response.output_text.delta", "delta": "Hi"},
        {
            "type": "response.completed",
            "response": {
                "model": "gpt-6.1-sol",
                "status": "completed",
                "usage": {
                    "input_tokens": 10_000,
                    "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 4_000},
                    "output_tokens": 2_000,
                    "output_tokens_details": {"reasoning_tokens": 1_500},
                },
            },
        },
    ]
    # 6,000 x 2 + 4,000 x 2.5 (30m writes) + 2,000 x 10 = 0.012 + 0.01 + 0.02 = 0.042
    assert priced(tmp_path, *events) == Decimal("0.042")
    assert normalize(events[2]).batch is False


def test_xai_completion_tokens_exclude_reasoning(tmp_path):
    # grok-4.7: input 2, cache read 0.5, output 6. xAI: total = prompt + completion +
    # reasoning, so output billed = 300 + 2,000 = 2,300 (reasoning above completion is fine).
    record = {
        "model": "grok-4.7",
        "usage": {
            "prompt_tokens": 1_000,
            "completion_tokens": 300,
            "total_tokens": 3_300,
            "prompt_tokens_details": {"cached_tokens": 400},
            "completion_tokens_details": {"reasoning_tokens": 2_000},
        },
    }
    # 600 x 2 + 400 x 0.5 + 2,300 x 6 = 0.0012 + 0.0002 + 0.0138 = 0.0152
    assert priced(tmp_path, record) == Decimal("0.0152")


def test_anthropic_fast_mode_and_its_stream(tmp_path):
    # claude-opus-5 fast mode: input 10, cache read 1, 5m write 12.5, 1h write 20, output 50
    # (standard is 5 / 25). message_start has the input side, message_delta the output.
    start = {
        "type": "message_start",
        "message": {
            "type": "message",
            "model": "claude-opus-5",
            "usage": {
                "input_tokens": 2_000,
                "cache_read_input_tokens": 10_000,
                "cache_creation_input_tokens": 3_000,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 2_000,
                    "ephemeral_1h_input_tokens": 1_000,
                },
                "output_tokens": 1,
                "speed": "fast",
            },
        },
    }
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn"},
        "usage": {"output_tokens": 800, "speed": "fast"},
    }
    stop = {"type": "message_stop"}
    # 2,000 x 10 + 10,000 x 1 + 2,000 x 12.5 + 1,000 x 20 + 800 x 50
    # = 0.02 + 0.01 + 0.025 + 0.02 + 0.04 = 0.115 (once: 1 call)
    log = tmp_path / "stream.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in (start, delta, stop)))
    report = cost_logs([str(log)], CATALOG)
    assert report.total_usd == Decimal("0.115")
    assert report.rows == 1 and report.by_model["claude-opus-5"].totals.calls == 1


def test_anthropic_batch_result_and_sonnet_45_long_input_is_the_1m_variant(tmp_path):
    # claude-sonnet-4-5 batch (50% off): 10,000 in at 3 and 1,000 out at 15 -> halved:
    # (0.03 + 0.015) / 2 = 0.0225
    batch = {
        "custom_id": "a",
        "result": {
            "type": "succeeded",
            "message": {
                "type": "message",
                "model": "claude-sonnet-4-5-20250929",
                "usage": {"input_tokens": 10_000, "output_tokens": 1_000},
            },
        },
    }
    assert priced(tmp_path, batch) == Decimal("0.0225")
    # 300,000 input can only have been served by the 1M-context beta: its > 200K tier,
    # input 6 / output 22.5: 300,000 x 6 + 1,000 x 22.5 = 1.8 + 0.0225 = 1.8225
    long = {
        "type": "message",
        "model": "claude-sonnet-4-5",
        "usage": {"input_tokens": 300_000, "output_tokens": 1_000},
    }
    log = tmp_path / "long.jsonl"
    log.write_text(json.dumps(long) + "\n")
    report = cost_logs([str(log)], CATALOG)
    assert report.total_usd == Decimal("1.8225")
    assert report.by_model["claude-sonnet-4-5"].variant == "1m-context"
    assert "'1m-context' variant" in report.notes[0]


def test_gemini_audio_input_and_streaming_last_chunk(tmp_path):
    # gemini-2.5-flash: text/image/video input 0.3, audio input 1, output 2.5, cached 0.03.
    # Prompt 10,000 = 6,000 text + 3,000 audio + 1,000 image; 2,000 of the text cached;
    # output 500 + 300 thoughts.
    usage = {
        "promptTokenCount": 10_000,
        "candidatesTokenCount": 500,
        "thoughtsTokenCount": 300,
        "cachedContentTokenCount": 2_000,
        "promptTokensDetails": [
            {"modality": "TEXT", "tokenCount": 6_000},
            {"modality": "AUDIO", "tokenCount": 3_000},
            {"modality": "IMAGE", "tokenCount": 1_000},
        ],
    }
    chunks = [
        {
            "candidates": [{"content": {"parts": [{"text": "Hel"}]}}],
            "usageMetadata": {"promptTokenCount": 10_000},
            "modelVersion": "gemini-2.5-flash",
        },
        {
            "candidates": [{"content": {"parts": [{"text": "lo"}]}, "finishReason": "STOP"}],
            "usageMetadata": usage,
            "modelVersion": "gemini-2.5-flash",
        },
    ]
    # uncached 8,000 = 3,000 audio x 1 + 1,000 image x 0.3 + 4,000 text x 0.3
    # = 0.003 + 0.0003 + 0.0012; cached 2,000 x 0.03 = 0.00006; output 800 x 2.5 = 0.002
    # -> 0.00656 (the first chunk is not a call)
    assert priced(tmp_path, *chunks) == Decimal("0.00656")
    # the same audio on a model without a published audio rate: unpriced, not billed as text
    other = dict(chunks[1], modelVersion="gemini-2.5-pro")
    log = tmp_path / "pro.jsonl"
    log.write_text(json.dumps(other) + "\n")
    (group,) = cost_logs([str(log)], CATALOG).unpriced
    assert (group.model, group.reason, group.input_tokens) == (
        "gemini-2.5-pro",
        "no audio input rate",
        10_000,
    )


def test_bedrock_converse_cohere_and_mistral(tmp_path):
    # Bedrock Converse (AWS's prompt-caching example shape): inputTokens is the uncached
    # part. claude-sonnet-4-5 via --model-less modelId: 4 x 3 + 1,163 x 3.75 (5m writes)
    # + 400 x 15 = 0.000012 + 0.00436125 + 0.006 = 0.01037325
    bedrock = {
        "modelId": "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "stopReason": "end_turn",
        "usage": {
            "inputTokens": 4,
            "outputTokens": 400,
            "totalTokens": 1_567,
            "cacheReadInputTokens": 0,
            "cacheWriteInputTokens": 1_163,
        },
    }
    # anthropic.<model> is Bedrock's in-region endpoint: +10% over the list price
    # (pricing/hosts.py); 0.01037325 x 1.1 = 0.011410575
    assert priced(tmp_path, bedrock) == Decimal("0.011410575")
    # Mistral (OpenAI format): mistral-large-2512 input 0.5, output 1.5:
    # 2,000 x 0.5 + 1,000 x 1.5 = 0.001 + 0.0015 = 0.0025
    mistral = {
        "model": "mistral-large-2512",
        "object": "chat.completion",
        "usage": {"prompt_tokens": 2_000, "completion_tokens": 1_000, "total_tokens": 3_000},
    }
    assert priced(tmp_path, mistral) == Decimal("0.0025")
    # Cohere v2: billed_units are what is billed; no Cohere model in the catalog -> unpriced
    cohere = {
        "id": "c1",
        "finish_reason": "COMPLETE",
        "model": "command-a-03-2025",
        "usage": {
            "billed_units": {"input_tokens": 5, "output_tokens": 418},
            "tokens": {"input_tokens": 71, "output_tokens": 418},
        },
    }
    assert read_call(cohere)[6][:2] == (5, 418)


def test_unknown_model_log_prices_the_rest_and_names_what_it_could_not(tmp_path):
    log = FIXTURES / "unknown_model.jsonl"
    result = CliRunner().invoke(cli, ["usage", str(log), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    # gpt-4o-mini 1,000 in x 0.15 + 100 out x 0.6 = 0.00015 + 0.00006 = 0.00021
    assert data["total_usd"] == 0.00021 and data["rows"] == 1
    assert [
        (g["model"], g["reason"], g["calls"], g["input_tokens"], g["output_tokens"])
        for g in data["unpriced"]
    ] == [
        (
            "gpt-5.2-2025-01-01",
            "dated snapshot not in the catalog (not priced as gpt-5.2)",
            1,
            1000,
            100,
        ),
        ("o9-mini-2031-04-16", "unknown model", 1, 2000, 200),
    ]
    strict = CliRunner().invoke(cli, ["usage", str(log), "--strict"])
    assert strict.exit_code == 2 and "unknown_model.jsonl:2: unknown model" in strict.stderr


def test_skipped_lines_are_named_and_bad_json_is_still_bad_input(tmp_path):
    log = tmp_path / "log.jsonl"
    good = {"model": "gpt-4o-mini", "usage": {"prompt_tokens": 10, "completion_tokens": 1}}
    log.write_text(json.dumps(good) + "\n{not json\n")
    assert CliRunner().invoke(cli, ["usage", str(log)]).exit_code == 2
    result = CliRunner().invoke(cli, ["usage", str(log), "--skip-invalid"])
    assert result.exit_code == 0 and f"{log}:2" in result.stderr


@pytest.mark.parametrize(
    "name, calls, input_tokens, output_tokens, cache_read",
    [
        # OTLP JSON of two GenAI spans (shape of the OTLP file exporter; attribute names
        # from opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/)
        ("otel_genai.jsonl", 2, 1_500, 300, 200),
        # LiteLLM_SpendLogs rows (columns as docs.litellm.ai/docs/proxy/cost_tracking lists
        # them; one cache hit, which costs nothing at the provider)
        ("litellm_spend.jsonl", 2, 3_000, 300, 1_000),
    ],
)
def test_logs_as_users_have_them(name, calls, input_tokens, output_tokens, cache_read):
    report = cost_logs([str(FIXTURES / name)], CATALOG)
    totals = report.by_model["gpt-4o-mini"].totals
    assert (totals.calls, totals.input_tokens, totals.output_tokens) == (
        calls,
        input_tokens,
        output_tokens,
    )
    assert totals.cache_read_tokens == cache_read
    # gpt-4o-mini: input 0.15, cached 0.075, output 0.6
    expected = (
        (input_tokens - cache_read) * Decimal("0.15")
        + cache_read * Decimal("0.075")
        + output_tokens * Decimal("0.6")
    ) / 1_000_000
    assert report.total_usd == expected


def test_usage_report_frame_has_floats_and_exact_totals():
    report = cost_logs([str(FIXTURES / "litellm_spend.jsonl")], CATALOG, rows_frame=True)
    frame = report.frame()
    assert frame.loc["gpt-4o-mini", "total_usd"] == float(report.total_usd)
    assert frame.loc["gpt-4o-mini", "total_usd_exact"] == report.total_usd
    assert len(report.rows_frame) == 2 and set(report.rows_frame["model"]) == {"gpt-4o-mini"}


def test_openai_batch_line_and_flex_tier(tmp_path):
    # gpt-6.1-sol: standard input 2 / output 10, batch 50% off; flex input 1 / output 5.
    body = {
        "model": "gpt-6.1-sol",
        "usage": {"prompt_tokens": 10_000, "completion_tokens": 1_000},
    }
    batch = {"custom_id": "r1", "response": {"status_code": 200, "body": body}, "error": None}
    # (10,000 x 2 + 1,000 x 10) / 2 = (0.02 + 0.01) / 2 = 0.015
    assert priced(tmp_path, batch) == Decimal("0.015")
    flex = dict(body, service_tier="flex")
    # 10,000 x 1 + 1,000 x 5 = 0.01 + 0.005 = 0.015
    assert priced(tmp_path, flex) == Decimal("0.015")


def test_openai_audio_tokens_without_an_audio_rate_are_unpriced_not_text(tmp_path):
    record = {
        "model": "gpt-4o-mini",
        "usage": {
            "prompt_tokens": 1_000,
            "completion_tokens": 100,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 400},
        },
    }
    log = tmp_path / "audio.jsonl"
    log.write_text(json.dumps(record) + "\n")
    report = cost_logs([str(log)], CATALOG)
    assert report.rows == 0 and report.total_usd == 0
    assert [(g.model, g.reason, g.input_tokens) for g in report.unpriced] == [
        ("gpt-4o-mini", "no audio input rate", 1_000)
    ]


def test_several_jobs_give_the_same_report_as_one(tmp_path):
    # > 2 MB so the log is cut in two; unknown models and bad counts on both sides of the cut
    log = tmp_path / "big.jsonl"
    lines = []
    for i in range(6_000):
        record = {
            "model": "gpt-4o-mini" if i % 500 else "no-such-model",
            "choices": [{"finish_reason": "length" if i % 7 == 0 else "stop"}],
            "usage": {
                "prompt_tokens": 1_000 + i,
                "completion_tokens": -1 if i % 1_999 == 0 else 100 + i % 50,
                "prompt_tokens_details": {"cached_tokens": i % 300},
            },
            "padding": "x" * 300,
        }
        lines.append(json.dumps(record))
    log.write_text("\n".join(lines) + "\n")
    one = cost_logs([str(log)], CATALOG, jobs=1)
    two = cost_logs([str(log)], CATALOG, jobs=2)
    assert one.as_dict() == two.as_dict()
    # unknown model on lines 1, 501, ..., 5501 (12); a negative count on lines 1, 2000,
    # 3999, 5998 (4); line 1 is both, and counted once, as malformed
    assert one.unpriced_calls == 15
    firsts = {(g.model, g.reason): (g.first, g.calls) for g in two.unpriced}
    bad = "malformed usage: usage.completion_tokens"
    assert firsts == {
        ("no-such-model", "unknown model"): (f"{log}:501", 11),
        ("no-such-model", bad): (f"{log}:1", 1),
        ("gpt-4o-mini", bad): (f"{log}:2000", 3),
    }


def test_cost_usage_prices_the_rest_and_exits_1(tmp_path):
    result = CliRunner().invoke(
        cli, ["cost", "--usage", str(FIXTURES / "unknown_model.jsonl"), "--json"]
    )
    assert result.exit_code == 1
    # only gpt-4o-mini's call: 1,000 x 0.15 + 100 x 0.6 per million = 0.00021
    assert json.loads(result.stdout)["total_usd"] == 0.00021
    assert "unknown_model.jsonl:2: unknown model 'o9-mini-2031-04-16'" in result.stderr


def test_per_row_csv_keeps_unpriced_calls_with_empty_money(tmp_path):
    out = tmp_path / "rows.csv"
    result = CliRunner().invoke(
        cli, ["usage", str(FIXTURES / "unknown_model.jsonl"), "-o", str(out)]
    )
    assert result.exit_code == 1
    rows = out.read_text().splitlines()
    assert len(rows) == 4  # header + every call, priced or not
    assert rows[2].split(",")[2] == "o9-mini-2031-04-16"
    assert rows[2].endswith(",,,,,,2026-11-25,,")  # no money; the day it was priced for
    # total_usd, tool_usd, then priced_at, price_period, service_tier
    assert rows[1].endswith("0.0002100000,0.0000000000,2026-11-25,all dates,")


def test_a_csv_with_token_columns_litellm_export():
    report = cost_logs([str(FIXTURES / "litellm_spend.csv")], CATALOG)
    # two calls: (1,000 + 2,000) x 0.15 + (100 + 200) x 0.6 per million = 0.00045 + 0.00018
    assert report.total_usd == Decimal("0.00063") and report.rows == 2
    assert report.failed == 1 and not report.unpriced
    assert "1 record not billed as calls left out" in " ".join(report.notes)


def test_openai_chat_stream_chunks_bill_the_last_one_once(tmp_path):
    chunk = {"object": "chat.completion.chunk", "model": "gpt-4o-mini", "usage": None}
    last = dict(chunk, choices=[], usage={"prompt_tokens": 1_000, "completion_tokens": 100})
    # 1,000 x 0.15 + 100 x 0.6 per million = 0.00021, once for three chunks
    assert priced(tmp_path, chunk, chunk, last) == Decimal("0.00021")


def test_cost_usage_infers_the_1m_variant_too(tmp_path):
    record = {
        "type": "message",
        "model": "claude-sonnet-4-5",
        "usage": {"input_tokens": 300_000, "output_tokens": 1_000},
    }
    path = tmp_path / "long.json"
    path.write_text(json.dumps(record))
    result = CliRunner().invoke(cli, ["cost", "--usage", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # the 1M variant's > 200K tier: 300,000 x 6 + 1,000 x 22.5 per million = 1.8225
    assert (data["variant"], data["total_usd"]) == ("1m-context", 1.8225)


def test_bedrock_one_hour_writes_and_gemini_batch(tmp_path):
    # claude-sonnet-4-5 via Bedrock: 5m writes 3.75, 1h writes 6. Writes 3,000 of which
    # 1,000 for 1 hour: 100 x 3 + 2,000 x 3.75 + 1,000 x 6 + 10 x 15
    # = 0.0003 + 0.0075 + 0.006 + 0.00015 = 0.01395
    bedrock = {
        "modelId": "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "usage": {
            "inputTokens": 100,
            "outputTokens": 10,
            "cacheWriteInputTokens": 3_000,
            "cacheDetails": [
                {"ttl": "1h", "inputTokens": 1_000},
                {"ttl": "5m", "inputTokens": 2_000},
            ],
        },
    }
    # Bedrock in-region endpoint +10% (pricing/hosts.py): 0.01395 x 1.1 = 0.015345
    assert priced(tmp_path, bedrock) == Decimal("0.015345")
    # Gemini Batch output line: gemini-2.5-flash halved, cache reads at full price:
    # (8,000 x 0.3 + 1,000 x 2.5) / 2 + 2,000 x 0.03 = 0.00245 + 0.00006 = 0.00251
    line = {
        "key": "request-1",
        "response": {
            "candidates": [{"finishReason": "STOP"}],
            "usageMetadata": {
                "promptTokenCount": 10_000,
                "cachedContentTokenCount": 2_000,
                "candidatesTokenCount": 1_000,
            },
            "modelVersion": "gemini-2.5-flash",
        },
    }
    assert priced(tmp_path, line) == Decimal("0.00251")


def test_a_streamed_anthropic_call_is_one_output_length(tmp_path):
    from budget.usage.read import observed_outputs

    start = {
        "type": "message_start",
        "message": {
            "type": "message",
            "model": "claude-opus-5",
            "usage": {"input_tokens": 10, "output_tokens": 1},
        },
    }
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": "max_tokens"},
        "usage": {"output_tokens": 700},
    }
    log = tmp_path / "stream.jsonl"
    log.write_text(json.dumps(start) + "\n" + json.dumps(delta) + "\n")
    outputs = observed_outputs([str(log)])
    # one call of 700 output tokens, cut at max_tokens (the delta's stop reason)
    assert outputs.lengths.tolist() == [700] and outputs.truncated == 1


def test_gemini_2_5_flash_lite_audio_at_its_own_rate(tmp_path):
    # gemini-2.5-flash-lite: text/image/video input 0.10, audio input 0.30, output 0.40 per MTok.
    # 8,000 text + 2,000 audio in, 400 out: 8,000 x 0.10 + 2,000 x 0.30 + 400 x 0.40 per million
    # = 0.0008 + 0.0006 + 0.00016 = $0.00156 (as text it would be $0.00116: 26% low).
    record = {
        "modelVersion": "gemini-2.5-flash-lite",
        "candidates": [{"finishReason": "STOP"}],
        "createTime": "2026-11-25T10:00:00Z",
        "usageMetadata": {
            "promptTokenCount": 10_000,
            "candidatesTokenCount": 400,
            "promptTokensDetails": [
                {"modality": "TEXT", "tokenCount": 8_000},
                {"modality": "AUDIO", "tokenCount": 2_000},
            ],
        },
    }
    assert priced(tmp_path, record) == Decimal("0.00156")


def test_cost_usage_strict_stops_at_the_first_unpriced_line():
    # As `budget usage --strict`: exit 2 at the first call the catalog cannot price (line 2).
    log = str(FIXTURES / "unknown_model.jsonl")
    result = CliRunner().invoke(cli, ["cost", "--usage", log, "--strict"])
    assert result.exit_code == 2
    assert f"{log}:2: unknown model" in result.output
    relaxed = CliRunner().invoke(cli, ["cost", "--usage", log, "--json"])
    assert relaxed.exit_code == 1  # the rest priced, the unpriced named
