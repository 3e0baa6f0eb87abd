"""Usage logs: every provider shape costed exactly as the Decimal engine would, in chunks."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import budget.usage.read
import pricing.usage
from budget.cli import cli
from budget.usage.price import cost_logs
from budget.usage.read import observed_outputs
from pricing.catalog import load_catalog
from pricing.engine import cost
from pricing.errors import InputError
from pricing.usage import normalize

FIXTURES = Path(__file__).parent / "fixtures" / "workload"
CATALOG_FILE = str(FIXTURES / "catalog.yaml")
CATALOG = load_catalog([CATALOG_FILE])
LOG = FIXTURES / "usage.jsonl"
CSV_LOG = FIXTURES / "usage.csv"


def records() -> list[dict]:
    return [json.loads(line) for line in LOG.read_text().splitlines() if line.strip()]


def engine_totals() -> dict[str, Decimal]:
    """The slow, obvious way: normalize each record and price it with the engine."""
    totals: dict[str, Decimal] = {}
    for record in records():
        call = normalize(record)
        model = CATALOG.resolve(call.model)
        price = cost(model, call.usage, batch=call.batch).total_usd
        totals[model.id] = totals.get(model.id, Decimal(0)) + price
    return totals


def test_each_model_costs_what_the_engine_says():
    report = cost_logs([str(LOG)], CATALOG)
    expected = engine_totals()
    assert report.rows == 9 and report.skipped == 0
    assert {name: u.totals.total_usd for name, u in report.by_model.items()} == expected
    assert report.total_usd == sum(expected.values())


def test_truncation_rate_per_model_from_finish_reasons():
    report = cost_logs([str(LOG)], CATALOG)
    chat, mini = report.by_model["acme-chat"], report.by_model["acme-mini"]
    # acme-chat: length, max_tokens cut 2 of 5 (stop, length, end_turn, max_tokens, batch stop)
    assert (chat.totals.calls, chat.totals.truncated) == (5, 2)
    assert chat.truncation_rate == 0.4
    # acme-mini: responses incomplete (max_output_tokens) and Gemini MAX_TOKENS: 2 of 4
    assert (mini.totals.calls, mini.truncation_rate) == (4, 0.5)


def test_the_log_reader_and_normalize_are_one_function():
    # no second parser to drift: the columnar path calls the table's compiled reader
    assert budget.usage.read.call_fields is pricing.usage.call_fields
    for record in records():
        found = pricing.usage.read_call(record)
        call = normalize(record)
        assert found.counts == tuple(getattr(call.usage, name) for name in pricing.usage.COUNTS)
        assert pricing.usage.call_fields(record) == tuple(found)  # the same reader


def test_odd_values_make_their_call_unpriced_not_the_log(tmp_path):
    first = records()[0]
    first["usage"]["prompt_tokens_details"]["cached_tokens"] = 5000  # more than the prompt
    second = records()[0]
    second["usage"]["completion_tokens"] = 12.5
    log = tmp_path / "odd.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in [first, second, *records()]))
    report = cost_logs([str(log)], CATALOG)
    assert report.rows == 9 and report.total_usd == cost_logs([str(LOG)], CATALOG).total_usd
    reasons = {(g.reason, g.first) for g in report.unpriced}
    assert reasons == {
        ("malformed usage: cache reads and writes exceed input_tokens", f"{log}:1"),
        ("malformed usage: usage.completion_tokens", f"{log}:2"),
    }
    with pytest.raises(InputError, match=r"odd.jsonl:1: cache reads and writes exceed"):
        cost_logs([str(log)], CATALOG, strict=True)


def test_small_chunks_give_the_same_totals():
    whole = cost_logs([str(LOG)], CATALOG)
    chunked = cost_logs([str(LOG)], CATALOG, chunk_lines=2)
    assert chunked.total_usd == whole.total_usd
    assert chunked.by_model["acme-mini"].totals == whole.by_model["acme-mini"].totals


def test_csv_logs_with_token_columns():
    report = cost_logs([str(CSV_LOG)], CATALOG)
    chat = CATALOG.resolve("acme-chat")
    # 600 x $2 + 400 x $0.2 + 200 x $8, then the 120K row at the cliff tier:
    # 110,000 x $4 + 10,000 x $5 + 500 x $12 (per million)
    expected = (
        Decimal(600 * 2 + 400 * Decimal("0.2") + 200 * 8)
        + Decimal(110_000 * 4 + 10_000 * 5 + 500 * 12)
    ) / 1_000_000
    assert report.by_model["acme-chat"].totals.total_usd == expected
    assert report.by_model["acme-chat"].truncation_rate == 0.5
    assert chat.tiers[0].above_input_tokens == 100_000


def test_per_row_csv_has_normalized_tokens_and_costs(tmp_path):
    out = tmp_path / "rows.csv"
    result = CliRunner().invoke(cli, ["--catalog", CATALOG_FILE, "usage", str(LOG), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 9
    anthropic = rows[4]
    assert anthropic["line"] == "6"  # the blank line 5 still counts
    assert (anthropic["input_tokens"], anthropic["cache_read_tokens"]) == ("5050", "4000")
    assert anthropic["cache_write_tokens"] == "1000"
    batch = rows[7]
    assert (batch["batch"], batch["model"]) == ("1", "acme-chat")
    total = sum(Decimal(r["total_usd"]) for r in rows)
    assert abs(total - sum(engine_totals().values())) < Decimal("0.000001")


def test_json_output_keys():
    result = CliRunner().invoke(cli, ["--catalog", CATALOG_FILE, "usage", str(LOG), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rows"] == 9
    assert set(data["by_model"]) == {"acme-chat", "acme-mini"}
    assert data["by_model"]["acme-mini"]["total_usd"] == pytest.approx(
        float(engine_totals()["acme-mini"])
    )
    assert data["total_usd"] == pytest.approx(float(sum(engine_totals().values())))


def test_unreadable_line_names_path_and_line_and_leaves_no_file(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(LOG.read_text().replace('{"model": "acme-mini", "input_tokens"', "{oops", 1))
    out = tmp_path / "rows.csv"
    result = CliRunner().invoke(cli, ["--catalog", CATALOG_FILE, "usage", str(log), "-o", str(out)])
    assert result.exit_code == 2
    assert f"{log}:10: invalid JSON" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.jsonl"]
    skipped = CliRunner().invoke(
        cli, ["--catalog", CATALOG_FILE, "usage", str(log), "--skip-invalid", "--json"]
    )
    assert skipped.exit_code == 0
    data = json.loads(skipped.stdout)
    assert (data["rows"], data["skipped"]) == (8, 1)


def test_unknown_model_and_missing_model(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text('{"input_tokens": 10, "output_tokens": 5}\n')
    with pytest.raises(InputError, match=r"log.jsonl:1: no model in the record; pass --model"):
        cost_logs([str(log)], CATALOG, strict=True)
    assert cost_logs([str(log)], CATALOG).unpriced[0].reason == "no model in the record"
    report = cost_logs([str(log)], CATALOG, model="acme-mini")
    assert report.total_usd == (10 * Decimal("0.4") + 5 * Decimal("1.6")) / 1_000_000
    log.write_text('{"model": "acme-chta", "input_tokens": 10, "output_tokens": 5}\n')
    with pytest.raises(InputError, match=r"log.jsonl:1: unknown model 'acme-chta'"):
        cost_logs([str(log)], CATALOG, strict=True)


def test_bad_csv_row_is_reported_by_line(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("model,input_tokens,output_tokens\nacme-chat,10,5\nacme-chat,-3,5\n")
    with pytest.raises(InputError, match=r"log.csv:3: input_tokens: expected a token count >= 0"):
        cost_logs([str(log)], CATALOG, strict=True)
    report = cost_logs([str(log)], CATALOG)
    assert (report.rows, report.skipped, report.unpriced[0].first) == (1, 0, f"{log}:3")


def test_output_lengths_feed_scenarios():
    lengths = observed_outputs([str(LOG)]).lengths
    assert sorted(lengths.tolist()) == sorted(normalize(r).usage.output_tokens for r in records())


def _tiered_log(tmp_path) -> Path:
    chat = {
        "object": "chat.completion",
        "model": "acme-mini",
        "choices": [{"finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": 10_000,
            "completion_tokens": 1_000,
            "prompt_tokens_details": {"cached_tokens": 2_000},
        },
    }
    anthropic_batch = {
        "type": "message",
        "model": "acme-chat",
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1_000, "output_tokens": 100, "service_tier": "batch"},
    }
    log = tmp_path / "tiers.jsonl"
    lines = [
        dict(chat, service_tier="flex"),
        dict(chat, service_tier="default"),
        anthropic_batch,
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return log


def test_service_tiers_in_a_log_are_priced_at_their_own_rates(tmp_path):
    log = _tiered_log(tmp_path)
    report = cost_logs([str(log)], CATALOG)
    # flex: 8,000 x $0.2 + 2,000 x $0.05 + 1,000 x $0.8 per million = $0.0025
    # default (standard): 8,000 x $0.4 + 2,000 x $0.1 + 1,000 x $1.6 per million = $0.005
    assert report.by_model["acme-mini"].totals.total_usd == Decimal("0.0075")
    # Anthropic's usage.service_tier "batch": (1,000 x $2 + 100 x $8) x 0.5 per million
    assert report.by_model["acme-chat"].totals.total_usd == Decimal("0.0014")
    expected = sum(
        (
            cost(
                CATALOG.resolve(call.model),
                call.usage,
                batch=call.batch,
                service_tier=call.service_tier,
            ).total_usd
            for call in map(normalize, map(json.loads, log.read_text().splitlines()))
        ),
        Decimal(0),
    )
    assert report.total_usd == expected


def test_a_service_tier_the_catalog_lacks_is_unpriced_with_its_tokens(tmp_path):
    log = tmp_path / "priority.jsonl"
    log.write_text(
        json.dumps(
            {
                "model": "acme-mini",
                "service_tier": "priority",
                "usage": {"prompt_tokens": 1_000, "completion_tokens": 100},
            }
        )
        + "\n"
    )
    report = cost_logs([str(log)], CATALOG)
    # standard rates would understate a priority bill: not priced, named with its tokens
    assert report.total_usd == 0 and report.rows == 0
    assert [g.as_dict() for g in report.unpriced] == [
        {
            "model": "acme-mini",
            "reason": "no 'priority' service tier in the catalog",
            "calls": 1,
            "input_tokens": 1_000,
            "output_tokens": 100,
            "first": f"{log}:1",
            "detail": "model 'acme-mini': no 'priority' service tier in the catalog",
        }
    ]


def test_a_service_tier_without_a_long_context_rate_is_unpriced_on_its_line(tmp_path):
    log = tmp_path / "priority.jsonl"
    record = {"model": "gpt-5.5", "service_tier": "priority", "usage": {"completion_tokens": 10}}
    lines = [
        dict(record, usage={"prompt_tokens": 1_000, "completion_tokens": 10}),
        dict(record, usage={"prompt_tokens": 300_000, "completion_tokens": 10}),
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    # gpt-5.5 priority publishes no rate above 272K: refuse rather than understate, on line 2
    report = cost_logs([str(log)], load_catalog())
    assert report.rows == 1
    (group,) = report.unpriced
    assert (group.reason, group.first, group.input_tokens) == (
        "no published priority price above 272,000 input tokens",
        f"{log}:2",
        300_000,
    )
    assert "--" not in group.detail  # names no option `budget usage` lacks
    with pytest.raises(InputError, match=r"priority.jsonl:2: .*no published priority price"):
        cost_logs([str(log)], load_catalog(), strict=True)


def test_csv_naming_one_column_twice_is_bad_input(tmp_path):
    # cached_tokens is read as cache_read_tokens: a log with both is ambiguous
    log = tmp_path / "log.csv"
    log.write_text("model,input_tokens,output_tokens,cached_tokens,cache_read_tokens\n")
    with open(log, "a") as handle:
        handle.write("acme-chat,100,10,5,5\n")
    with pytest.raises(
        InputError, match=r"log.csv:1: cache_read_tokens: given twice \(cached_tokens, cache_read"
    ):
        cost_logs([str(log)], CATALOG)


def test_deepseek_logs_price_cache_hits_at_the_cache_rate(tmp_path):
    record = {
        "model": "deepseek-v4-flash",
        "choices": [{"finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": 10_000,
            "completion_tokens": 500,
            "prompt_cache_hit_tokens": 8_000,
            "prompt_cache_miss_tokens": 2_000,
        },
    }
    log = tmp_path / "deepseek.jsonl"
    log.write_text(json.dumps(record) + "\n")
    assert normalize(record).usage.cache_read_tokens == 8_000
    report = cost_logs([str(log)], load_catalog())
    flash = load_catalog().resolve("deepseek-v4-flash").prices
    # 2,000 misses at the input rate, 8,000 hits at the cache rate, 500 out, per million
    expected = (2_000 * flash.input + 8_000 * flash.cache_read + 500 * flash.output) / 1_000_000
    assert report.total_usd == expected


def test_a_token_count_above_a_trillion_is_unpriced_not_an_overflow(tmp_path):
    # two rows of 5e18 tokens would wrap int64 sums to a negative bill
    log = tmp_path / "log.jsonl"
    row = {"model": "acme-chat", "usage": {"prompt_tokens": 5 * 10**18, "completion_tokens": 1}}
    log.write_text((json.dumps(row) + "\n") * 2)
    with pytest.raises(InputError, match=r"log.jsonl:1: usage.prompt_tokens: expected a token"):
        cost_logs([str(log)], CATALOG, strict=True)
    (group,) = cost_logs([str(log)], CATALOG).unpriced
    assert (group.calls, group.reason) == (2, "malformed usage: usage.prompt_tokens")
    table = tmp_path / "log.csv"
    table.write_text("model,input_tokens,output_tokens\nacme-chat,5000000000000000000,1\n")
    with pytest.raises(InputError, match=r"log.csv:2: input_tokens: expected a token count"):
        cost_logs([str(table)], CATALOG, strict=True)


def test_failed_batch_requests_are_left_out_and_counted_not_fatal(tmp_path):
    ok = {
        "custom_id": "r1",
        "response": {
            "status_code": 200,
            "body": {
                "model": "acme-chat",
                "usage": {"prompt_tokens": 1000, "completion_tokens": 100},
            },
        },
    }
    expired = {"custom_id": "r2", "response": None, "error": {"code": "batch_expired"}}
    rejected = {"custom_id": "r3", "response": {"status_code": 400, "body": {"error": {}}}}
    errored = {"custom_id": "a1", "result": {"type": "errored", "error": {"type": "overloaded"}}}
    log = tmp_path / "batch_output.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in (ok, expired, rejected, errored)))
    report = cost_logs([str(log)], CATALOG)
    assert (report.rows, report.failed, report.skipped) == (1, 3, 0)
    assert "3 failed requests left out" in report.notes[-1]
    assert report.as_dict()["failed_requests"] == 3


def test_observed_outputs_count_the_cut_replies():
    outputs = observed_outputs([str(LOG)])
    report = cost_logs([str(LOG)], CATALOG)
    assert outputs.truncated == sum(u.totals.truncated for u in report.by_model.values())
    assert outputs.cut_share == outputs.truncated / len(outputs.lengths)
    assert 0 < outputs.cut_share < 1  # the fixture has both finished and cut replies
