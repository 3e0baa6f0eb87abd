"""Token-billed audio, realtime, transcription, speech and image models (issue 21, "Breadth":
modality rates): one real-shaped response of each API, read by the usage reader and priced
at hand-checked dollars; a modality without a rate stays unpriced with the reason. Rates are
per 1M tokens (pricing/data/openai-media.yaml, google-media.yaml)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.usage.price import cost_logs
from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.errors import UnpricedError
from pricing.usage import normalize, read_call

CATALOG = load_catalog(())
FIXTURES = Path(__file__).parent / "fixtures" / "media"
DAY = dt.date(2026, 11, 25)


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def events(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / name).read_text().splitlines()]


def priced(name: str, record: dict, day: dt.date = DAY) -> Decimal:
    model = CATALOG.resolve(name, at=day)
    return cost(model, normalize(record).usage).total_usd


def test_gpt_audio_bills_audio_in_and_out_at_the_audio_rates():
    record = fixture("gpt_audio_chat.json")
    assert CATALOG.resolve(record["model"]).id == "gpt-audio"
    # text in 3,000 x $2.50 + audio in 9,000 x $32 + text out 500 x $10 + audio out 2,000 x $64
    # = $0.0075 + $0.288 + $0.005 + $0.128
    assert priced(record["model"], record) == Decimal("0.4285")


def test_a_realtime_response_done_event_with_cached_audio():
    done = events("realtime_session.jsonl")[-1]
    call = normalize(done)
    assert call.api == "openai-realtime"
    usage = call.usage
    # cached audio (576) is a cache read, not uncached audio: 1,192 - 576 = 616 audio tokens
    assert (usage.input_tokens, usage.cache_read_tokens, usage.audio_input_tokens) == (
        2602,
        1856,
        616,
    )
    assert (usage.output_tokens, usage.audio_output_tokens) == (560, 442)
    # text in 130 x $4 + audio in 616 x $32 + cached 1,856 x $0.40 (text and audio alike)
    # + text out 118 x $16 + audio out 442 x $64
    # = $0.00052 + $0.019712 + $0.0007424 + $0.001888 + $0.028288
    assert priced("gpt-realtime", done) == Decimal("0.0511504")


def test_a_realtime_session_log_counts_only_response_done(tmp_path):
    # session.created, response.created (usage null) and transcript events are not calls
    report = cost_logs(
        [str(FIXTURES / "realtime_session.jsonl")], CATALOG, model="gpt-realtime", at=DAY
    )
    assert report.total_usd == Decimal("0.0511504") and not report.unpriced


def _response_done(input_tokens: int, output_tokens: int) -> dict:
    usage = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "input_token_details": {"text_tokens": input_tokens, "cached_tokens": 0},
        "output_token_details": {"text_tokens": output_tokens, "audio_tokens": 0},
    }
    return {"type": "response.done", "response": {"status": "completed", "usage": usage}}


def _session(kind: str, model: str) -> dict:
    return {"type": f"session.{kind}", "session": {"type": "realtime", "model": model}}


@pytest.fixture(params=["C loop", "Python loop"])
def loop(request, monkeypatch):
    """Both log loops (the C one and the Python one) read the session's model alike."""
    from budget.usage import read

    if request.param == "Python loop":
        monkeypatch.setattr(read, "c_loop", lambda: None)
    return request.param


def test_a_realtime_session_names_the_model_of_its_responses(loop):
    # response.done's response names no model; session.created named gpt-realtime-2025-08-28
    report = cost_logs([str(FIXTURES / "realtime_session.jsonl")], CATALOG, at=DAY)
    assert report.total_usd == Decimal("0.0511504") and not report.unpriced
    assert list(report.by_model) == ["gpt-realtime"]


def test_session_updated_changes_the_model_of_the_responses_after_it(tmp_path, loop):
    log = tmp_path / "session.jsonl"
    lines = [
        _session("created", "gpt-realtime"),
        _response_done(1000, 100),  # gpt-realtime: 1,000 x $4 + 100 x $16 = $0.0056
        _session("updated", "gpt-realtime-mini"),
        _response_done(1000, 100),  # mini: 1,000 x $0.60 + 100 x $2.40 = $0.00084
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = cost_logs([str(log)], CATALOG, at=DAY)
    assert report.by_model["gpt-realtime"].totals.total_usd == Decimal("0.0056")
    assert report.by_model["gpt-realtime-mini"].totals.total_usd == Decimal("0.00084")


def test_a_response_before_any_session_event_needs_the_model_named(tmp_path, loop):
    log = tmp_path / "responses.jsonl"
    log.write_text(json.dumps(_response_done(1000, 100)) + "\n")
    report = cost_logs([str(log)], CATALOG, at=DAY)
    assert report.total_usd == 0 and [u.reason for u in report.unpriced] == [
        "no model in the record"
    ]
    named = cost_logs([str(log)], CATALOG, model="gpt-realtime", at=DAY)
    assert named.total_usd == Decimal("0.0056")


def test_a_part_of_a_session_log_knows_the_session_model(tmp_path, loop):
    """`--jobs`: a part that starts after session.created still prices its responses at the
    session's model (as one process reading the whole log does)."""
    from budget.usage.read import LogPart, part_chunks

    log = tmp_path / "session.jsonl"
    first = json.dumps(_session("created", "gpt-realtime-mini")) + "\n"
    log.write_text(first + json.dumps(_response_done(1000, 100)) + "\n")
    part = LogPart(str(log), len(first), None, 2)
    (rows, _), *rest = list(part_chunks(part, False, 100))
    assert not rest and rows.models == ["gpt-realtime-mini"] and rows.lines == [2]


def test_gpt_4o_transcribe_bills_audio_input_at_6():
    record = fixture("transcription.json")
    assert normalize(record).usage.audio_input_tokens == 1150
    # prompt text 50 x $2.50 + audio 1,150 x $6 + transcript 300 x $10
    # = $0.000125 + $0.0069 + $0.003
    assert priced("gpt-4o-transcribe", record) == Decimal("0.010025")


def test_gpt_image_1_bills_image_output_tokens():
    record = fixture("image_generation.json")
    usage = normalize(record).usage
    assert (usage.image_input_tokens, usage.image_output_tokens) == (10, 4160)
    # text 40 x $5 + image in 10 x $10 + image out 4,160 x $40 = $0.0002 + $0.0001 + $0.1664:
    # one high-quality 1024x1024 image, OpenAI's "$0.167"; priced before its 2026-10-23 shutdown
    assert priced("gpt-image-1", record, dt.date(2026, 10, 1)) == Decimal("0.1667")


def test_images_api_text_output_is_not_billed_as_image():
    # GPT Image 1.5 reports text output apart: 4,160 image + 30 text output tokens
    record = fixture("image_generation.json")
    record["usage"] = dict(
        record["usage"], output_tokens=4190, output_tokens_details={"image_tokens": 4160}
    )
    record["usage"]["output_tokens_details"]["text_tokens"] = 30
    usage = normalize(record).usage
    assert usage.image_output_tokens == 4160
    # text 40 x $5 + image in 10 x $8 + text out 30 x $10 + image out 4,160 x $32
    # = $0.0002 + $0.00008 + $0.0003 + $0.13312
    assert priced("gpt-image-1.5", record, dt.date(2026, 10, 1)) == Decimal("0.1337")


def test_a_gemini_tts_call_bills_audio_output_and_its_scheduled_rise():
    record = fixture("gemini_tts.json")
    assert normalize(record).usage.audio_output_tokens == 1920
    # 20 text x $0.50 + 1,920 audio (one minute) x $9 = $0.00001 + $0.01728
    assert priced(record["modelVersion"], record) == Decimal("0.01729")
    # from 2027-01-01: 20 x $1 + 1,920 x $18
    assert priced(record["modelVersion"], record, dt.date(2027, 1, 2)) == Decimal("0.03458")


def test_streamed_speech_bills_every_output_token_as_audio():
    done = events("speech_stream.jsonl")[-1]
    assert read_call(events("speech_stream.jsonl")[0]) is None  # a delta: not a call
    assert normalize(done).usage.audio_output_tokens == 101
    # 14 text x $0.60 + 101 audio x $12
    assert priced("gpt-4o-mini-tts", done) == Decimal("0.0012204")


def test_a_modality_without_a_rate_is_unpriced_not_billed_as_text(tmp_path):
    # gpt-4o-realtime-preview has no image input rate: a response with image input is refused
    done = events("realtime_session.jsonl")[-1]
    done["response"]["usage"]["input_token_details"] = {
        "text_tokens": 800,
        "audio_tokens": 1192,
        "image_tokens": 610,
        "cached_tokens": 1856,
        "cached_tokens_details": {"text_tokens": 700, "audio_tokens": 576, "image_tokens": 580},
    }
    assert normalize(done).usage.image_input_tokens == 30
    with pytest.raises(UnpricedError, match="no published image input rate"):
        priced("gpt-4o-realtime-preview", done)
    log = tmp_path / "realtime.jsonl"
    log.write_text(json.dumps(done) + "\n")
    report = cost_logs([str(log)], CATALOG, model="gpt-4o-realtime-preview", at=DAY)
    assert report.total_usd == 0
    assert [(g.model, g.reason, g.calls) for g in report.unpriced] == [
        ("gpt-4o-realtime-preview", "no image input rate", 1)
    ]
    # a TTS model reads text: audio input has no rate there
    model = CATALOG.resolve("gemini-3.8-flash-tts", at=DAY)
    with pytest.raises(UnpricedError, match="no published audio input rate"):
        cost(model, Usage(input_tokens=500, output_tokens=100, audio_input_tokens=400))


def test_realtime_mini_bills_each_cached_modality_at_its_own_rate(tmp_path, loop):
    # OpenAI's page: cached text $0.06, cached audio $0.30, cached image $0.08 per 1M. Before
    # 2026-12-06 every cached token was billed at $0.30 (10,000 cached text: $0.003).
    text_only = Usage(input_tokens=10_000, output_tokens=0, cache_read_tokens=10_000)
    model = CATALOG.resolve("gpt-realtime-mini", at=DAY)
    assert cost(model, text_only).total_usd == Decimal("0.0006")
    done = _response_done(3_500, 0)
    details = done["response"]["usage"]["input_token_details"]
    details.update(
        cached_tokens=3_500,
        audio_tokens=2_000,
        image_tokens=500,
        cached_tokens_details={"text_tokens": 1_000, "audio_tokens": 2_000, "image_tokens": 500},
    )
    call = normalize(done)
    assert (call.usage.cache_read_audio_tokens, call.usage.cache_read_image_tokens) == (2000, 500)
    assert (call.usage.audio_input_tokens, call.usage.image_input_tokens) == (0, 0)
    # 1,000 x $0.06 + 2,000 x $0.30 + 500 x $0.08 = $0.00006 + $0.0006 + $0.00004
    assert cost(model, call.usage).total_usd == Decimal("0.0007")
    log = tmp_path / "session.jsonl"
    lines = [_session("created", "gpt-realtime-mini"), done]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = cost_logs([str(log)], CATALOG, at=DAY)  # the array engine, as `budget usage`
    assert report.total_usd == Decimal("0.0007")
    assert report.by_model["gpt-realtime-mini"].totals.cache_read_usd == Decimal("0.0007")


def test_gpt_image_1_bills_cached_text_and_cached_image_apart():
    # text $5 (cached $1.25), image $10 (cached $2.50): 2,000 cached text + 4,000 cached image
    # = $0.0025 + $0.01; before, all 6,000 at $2.50 ($0.015)
    record = fixture("image_generation.json")
    record["usage"] = {
        "input_tokens": 6_000,
        "output_tokens": 0,
        "input_tokens_details": {
            "text_tokens": 2_000,
            "image_tokens": 4_000,
            "cached_tokens": 6_000,
            "cached_tokens_details": {"text_tokens": 2_000, "image_tokens": 4_000},
        },
    }
    usage = normalize(record).usage
    assert (usage.cache_read_tokens, usage.cache_read_image_tokens) == (6000, 4000)
    assert priced("gpt-image-1", record, dt.date(2026, 10, 1)) == Decimal("0.0125")


def test_gemini_cached_audio_is_billed_at_its_context_caching_rate(loop, tmp_path):
    # gemini-2.5-flash on 2026-11-25: cached text $0.03, cached audio $0.10 per 1M (Google's
    # pricing page); 10,000 cached of which 4,000 audio, 1,000 uncached text, 100 output:
    # 6,000 x $0.03 + 4,000 x $0.10 + 1,000 x $0.30 + 100 x $2.50 = 0.00018 + 0.0004 + 0.0003
    # + 0.00025
    record = {
        "modelVersion": "gemini-2.5-flash",
        "candidates": [{"finishReason": "STOP"}],
        "usageMetadata": {
            "promptTokenCount": 11_000,
            "cachedContentTokenCount": 10_000,
            "candidatesTokenCount": 100,
            "promptTokensDetails": [
                {"modality": "TEXT", "tokenCount": 7_000},
                {"modality": "AUDIO", "tokenCount": 4_000},
            ],
            "cacheTokensDetails": [
                {"modality": "TEXT", "tokenCount": 6_000},
                {"modality": "AUDIO", "tokenCount": 4_000},
            ],
        },
    }
    usage = normalize(record).usage
    assert (usage.cache_read_audio_tokens, usage.audio_input_tokens) == (4000, 0)
    assert priced("gemini-2.5-flash", record) == Decimal("0.00113")
    log = tmp_path / "gemini.jsonl"
    log.write_text(json.dumps(record) + "\n")
    assert cost_logs([str(log)], CATALOG, at=DAY).total_usd == Decimal("0.00113")


def test_budget_cost_prices_a_realtime_event():
    result = CliRunner().invoke(
        cli,
        [
            "cost",
            "-m",
            "gpt-realtime",
            "--usage",
            str(FIXTURES / "realtime_session.jsonl"),
            "--at",
            "2026-11-25",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["model"] == "gpt-realtime" and found["total_usd"] == 0.0511504
    assert found["usage"]["audio_input_tokens"] == 616


def test_budget_cost_prices_a_gemini_tts_response_by_its_model_version():
    result = CliRunner().invoke(
        cli, ["cost", "--usage", str(FIXTURES / "gemini_tts.json"), "--at", "2026-11-25"]
    )
    assert result.exit_code == 0, result.output
    assert "gemini-3.8-flash-tts" in result.output and "$0.0173" in result.output


@pytest.mark.parametrize(
    "name",
    [
        "gpt-audio", "gpt-audio-mini", "gpt-4o-mini-audio-preview", "gpt-realtime",
        "gpt-realtime-2.1", "gpt-realtime-mini", "gpt-4o-realtime-preview",
        "gpt-4o-mini-realtime-preview", "gpt-4o-transcribe", "gpt-4o-mini-transcribe",
        "gpt-4o-mini-tts", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2",
        "gemini-2.5-flash-preview-tts", "gemini-3.8-flash-tts", "gemini-live-2.5-flash",
        "gemini-3.8-live", "gemini-3.1-flash-image",
    ],
)  # fmt: skip
def test_each_media_model_names_its_source_date_and_a_modality_rate(name):
    model = CATALOG.resolve(name)
    assert model.source.startswith("https://") and model.as_of == "2026-12-06"
    assert "genai-prices" in model.notes or "LiteLLM" in model.notes
    rates = model.prices
    assert any(
        getattr(rates, kind) is not None
        for kind in ("input_audio", "input_image", "output_audio", "output_image")
    )


def test_per_minute_and_per_character_models_stay_out():
    for name in ("whisper-1", "tts-1", "tts-1-hd", "dall-e-3", "gpt-realtime-whisper"):
        with pytest.raises(Exception, match="unknown model|not in the catalog"):
            CATALOG.resolve(name)


def test_every_example_of_the_media_page_prints_what_it_shows(tmp_path, monkeypatch):
    from tests.test_readme import examples, run_example, scratch

    page = Path(__file__).parent.parent / "docs" / "media.md"
    cases = examples(page.read_text(encoding="utf-8"))
    assert len(cases) == 5
    monkeypatch.chdir(scratch(tmp_path))
    for command, expected in cases:
        code, printed = run_example(command)
        # the last example is refused: audio input on a TTS model has no rate (exit 2)
        assert code == (2 if "gemini-3.8-flash-tts" in command else 0), command
        assert printed == expected.rstrip("\n"), f"docs/media.md: `{command}` has drifted"


def test_a_csv_log_names_its_cached_audio_in_a_column(tmp_path, loop):
    # the flat convention's columns: 3,000 cached of which 2,000 audio and 500 image, on
    # gpt-realtime-mini: 500 x $0.06 + 2,000 x $0.30 + 500 x $0.08 = $0.00003 + $0.0006 + $0.00004
    log = tmp_path / "calls.csv"
    log.write_text(
        "model,input_tokens,output_tokens,cache_read_tokens,cache_read_audio_tokens,"
        "cache_read_image_tokens\n"
        "gpt-realtime-mini,3000,0,3000,2000,500\n"
    )
    assert cost_logs([str(log)], CATALOG, at=DAY).total_usd == Decimal("0.00067")
    log.write_text(
        "model,input_tokens,output_tokens,cache_read_tokens,cache_read_audio_tokens\n"
        "gpt-realtime-mini,3000,0,1000,2000\n"
    )
    report = cost_logs([str(log)], CATALOG, at=DAY)  # more cached audio than cache reads
    assert report.total_usd == 0
    assert [u.reason for u in report.unpriced] == [
        "malformed usage: cached audio and image input exceed cache_read_tokens"
    ]
