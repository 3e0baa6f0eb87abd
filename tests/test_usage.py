"""Each provider's usage object read into the one convention: input = whole prompt."""

import json

import pytest

from budget.usage.read import read_usage_file
from pricing.errors import InputError
from pricing.usage import normalize


def test_openai_chat_cached_tokens_are_part_of_the_prompt():
    response = {
        "object": "chat.completion",
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "finish_reason": "length", "message": {"content": "..."}}],
        "usage": {
            "prompt_tokens": 2006,
            "completion_tokens": 300,
            "total_tokens": 2306,
            "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    }
    call = normalize(response)
    assert call.api == "openai-chat"
    assert call.usage.input_tokens == 2006  # not 2006 + 1920
    assert call.usage.cache_read_tokens == 1920
    assert call.usage.uncached_input_tokens == 86
    assert call.model == "gpt-4o-2024-08-06"
    assert call.truncated and call.finish_reason == "length"


def test_openai_reasoning_tokens_are_part_of_completion():
    usage = {
        "prompt_tokens": 100,
        "completion_tokens": 1500,
        "completion_tokens_details": {"reasoning_tokens": 1200},
    }
    call = normalize(usage)
    assert call.usage.output_tokens == 1500  # reasoning is inside, not added
    assert call.usage.reasoning_tokens == 1200
    assert not call.truncated


def test_openai_responses_api_and_incomplete_status():
    response = {
        "object": "response",
        "model": "gpt-5.2",
        "status": "incomplete",
        "incomplete_details": {"reason": "max_output_tokens"},
        "usage": {
            "input_tokens": 5000,
            "input_tokens_details": {"cached_tokens": 4096},
            "output_tokens": 2000,
            "output_tokens_details": {"reasoning_tokens": 1800},
            "total_tokens": 7000,
        },
    }
    call = normalize(response)
    assert call.api == "openai-responses"
    assert (call.usage.input_tokens, call.usage.cache_read_tokens) == (5000, 4096)
    assert call.truncated and call.finish_reason == "max_output_tokens"


def test_anthropic_input_tokens_exclude_cache_reads_and_writes():
    message = {
        "type": "message",
        "model": "claude-sonnet-4-5-20250929",
        "stop_reason": "max_tokens",
        "usage": {
            "input_tokens": 50,
            "cache_read_input_tokens": 10000,
            "cache_creation_input_tokens": 3000,
            "cache_creation": {
                "ephemeral_5m_input_tokens": 1000,
                "ephemeral_1h_input_tokens": 2000,
            },
            "output_tokens": 700,
        },
    }
    call = normalize(message)
    assert call.api == "anthropic"
    assert call.usage.input_tokens == 13050  # 50 + 10000 + 3000: the whole prompt
    assert call.usage.cache_read_tokens == 10000
    assert call.usage.cache_write_tokens == 1000
    assert call.usage.cache_write_1h_tokens == 2000
    assert call.truncated  # stop_reason max_tokens


def test_anthropic_cache_creation_without_split_counts_as_5m_writes():
    usage = {"input_tokens": 10, "cache_creation_input_tokens": 500, "output_tokens": 5}
    call = normalize(usage)
    assert (call.usage.input_tokens, call.usage.cache_write_tokens) == (510, 500)
    assert call.usage.cache_write_1h_tokens == 0


def test_gemini_thoughts_are_output_and_cached_content_is_part_of_prompt():
    response = {
        "candidates": [{"finishReason": "MAX_TOKENS"}],
        "modelVersion": "gemini-2.5-pro",
        "usageMetadata": {
            "promptTokenCount": 9000,
            "cachedContentTokenCount": 8000,
            "candidatesTokenCount": 400,
            "thoughtsTokenCount": 1600,
            "totalTokenCount": 11000,
        },
    }
    call = normalize(response)
    assert call.api == "gemini"
    assert call.usage.input_tokens == 9000
    assert call.usage.cache_read_tokens == 8000
    assert call.usage.output_tokens == 2000  # 400 visible + 1600 thoughts
    assert call.usage.reasoning_tokens == 1600
    assert call.model == "gemini-2.5-pro" and call.truncated


def test_gemini_sdk_snake_case_is_read_too():
    usage = {"prompt_token_count": 120, "candidates_token_count": 30, "thoughts_token_count": 10}
    call = normalize(usage)
    assert (call.usage.input_tokens, call.usage.output_tokens) == (120, 40)


def test_openai_batch_output_line_is_unwrapped_and_marked_batch():
    line = {
        "id": "batch_req_1",
        "custom_id": "r1",
        "response": {
            "status_code": 200,
            "body": {
                "model": "gpt-4.1-mini",
                "choices": [{"finish_reason": "stop"}],
                "usage": {"prompt_tokens": 40, "completion_tokens": 9},
            },
        },
        "error": None,
    }
    call = normalize(line)
    assert call.batch and call.model == "gpt-4.1-mini"
    assert (call.usage.input_tokens, call.usage.output_tokens) == (40, 9)


def test_anthropic_batch_result_is_unwrapped():
    line = {
        "custom_id": "a",
        "result": {
            "type": "succeeded",
            "message": {
                "type": "message",
                "model": "claude-haiku-4-5",
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 12, "output_tokens": 3},
            },
        },
    }
    call = normalize(line)
    assert call.batch and call.api == "anthropic" and not call.truncated


@pytest.mark.parametrize(
    "record, message",
    [
        ({"foo": 1}, "no usage found"),
        ({"prompt_tokens": -3, "completion_tokens": 1}, "prompt_tokens"),
        ({"prompt_tokens": "many", "completion_tokens": 1}, "prompt_tokens"),
        (
            {
                "prompt_tokens": 10,
                "completion_tokens": 1,
                "prompt_tokens_details": {"cached_tokens": 11},
            },
            "exceed input_tokens",
        ),
        ({"response": {"status_code": 500, "body": {}}}, "status 500"),
    ],
)
def test_unreadable_usage_is_a_clear_error(record, message):
    with pytest.raises(InputError, match=message):
        normalize(record)


def test_read_usage_file_names_the_line_of_a_bad_record(tmp_path):
    log = tmp_path / "usage.jsonl"
    good = json.dumps({"prompt_tokens": 1, "completion_tokens": 1})
    log.write_text(good + "\n" + good + "\n{not json\n")
    with pytest.raises(InputError, match=r"usage.jsonl:3: invalid JSON"):
        read_usage_file(str(log))


def test_read_usage_file_reads_a_list_and_rejects_empty_files(tmp_path):
    listing = tmp_path / "calls.json"
    listing.write_text(json.dumps([{"input_tokens": 5, "output_tokens": 1}] * 3))
    assert [c.usage.input_tokens for c in read_usage_file(str(listing)).calls] == [5, 5, 5]
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(InputError, match="empty"):
        read_usage_file(str(empty))


def test_service_tier_is_read_from_openai_responses_and_anthropic_usage():
    flex = {
        "model": "gpt-5.2",
        "service_tier": "flex",
        "usage": {"prompt_tokens": 1, "completion_tokens": 1},
    }
    assert normalize(flex).service_tier == "flex"
    default = dict(flex, service_tier="default")
    assert normalize(default).service_tier is None
    batch = {
        "type": "message",
        "usage": {"input_tokens": 1, "output_tokens": 1, "service_tier": "batch"},
    }
    call = normalize(batch)
    assert call.batch and call.service_tier is None


DEEPSEEK = {
    "object": "chat.completion",
    "model": "deepseek-v4-flash",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"content": "..."}}],
    "usage": {
        "prompt_tokens": 10_000,
        "completion_tokens": 500,
        "total_tokens": 10_500,
        "prompt_cache_hit_tokens": 8_000,
        "prompt_cache_miss_tokens": 2_000,
        "completion_tokens_details": {"reasoning_tokens": 300},
    },
}


def test_deepseek_cache_hits_are_the_cached_part_of_the_prompt():
    # DeepSeek reports cache hits as prompt_cache_hit_tokens (prompt = hits + misses), not
    # as prompt_tokens_details.cached_tokens; missing them bills hits at 50x the price.
    call = normalize(DEEPSEEK)
    assert call.usage.input_tokens == 10_000
    assert call.usage.cache_read_tokens == 8_000
    both = json.loads(json.dumps(DEEPSEEK))
    both["usage"]["prompt_tokens_details"] = {"cached_tokens": 8_000}
    assert normalize(both).usage.cache_read_tokens == 8_000  # the same tokens, once


def test_failed_batch_lines_raise_failed_request():
    from pricing.errors import FailedRequest

    with pytest.raises(FailedRequest, match="batch_expired"):
        normalize({"custom_id": "r2", "response": None, "error": {"code": "batch_expired"}})
    with pytest.raises(FailedRequest, match="errored"):
        normalize({"custom_id": "a", "result": {"type": "errored"}})


def test_read_usage_file_leaves_out_failed_batch_requests(tmp_path):
    ok = {
        "custom_id": "r1",
        "response": {
            "status_code": 200,
            "body": {
                "model": "gpt-4.1-mini",
                "usage": {"prompt_tokens": 10, "completion_tokens": 2},
            },
        },
    }
    expired = {"custom_id": "r2", "response": None, "error": {"code": "batch_expired"}}
    log = tmp_path / "out.jsonl"
    log.write_text(json.dumps(ok) + "\n" + json.dumps(expired) + "\n")
    logged = read_usage_file(str(log))
    assert (len(logged.calls), logged.failed) == (1, 1)
    log.write_text(json.dumps(expired) + "\n")
    with pytest.raises(InputError, match="no usage to price"):
        read_usage_file(str(log))
