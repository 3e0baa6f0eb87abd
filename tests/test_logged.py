"""One logged call, one price, whatever the road: pricing.logged decides what bills a call
from a log, and every path (JSONL, CSV, Parquet; one process, --jobs, cost --usage, the
library) reads records with the one table and prices them with that one module.

The differential test below generates calls of several providers (OpenAI Chat and Responses,
Anthropic, Gemini, our flat convention), with cache reads, service tiers, long prompts and
times (some missing, some after a retirement), writes them as JSONL, CSV and Parquet, and
asserts the same dollars per call to the micro-dollar and the same unpriced calls on every
road. `--engine dask` is checked once in tests/test_dask_engine.py (a cluster is slow).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import budget.usage.price
from budget.cli import cli
from budget.usage.price import cost_logs
from budget.usage.read import LogPart
from pricing.catalog import load_catalog
from pricing.errors import InputError
from pricing.logged import LoggedCalls
from pricing.usage import normalize, read_call, record_stamp

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

CATALOG = load_catalog(())
DAY = dt.date(2026, 11, 25)  # tests/conftest.py pins TOKEN_BUDGET_AT to it
MICRO = 1e-6

# ------------------------------------------------------------------ calls as providers log them

OPENAI_MODELS = [
    "gpt-5.2",
    "gpt-4o-mini",
    "openai/gpt-4o-mini",
    "gpt-5-mini-2025-08-07",  # retired 2026-12-11 without routing
    "gpt-5.2-2025-01-01",  # a snapshot the catalog does not list: unpriced
    "deepseek-flash",  # billed by the clock (off-peak hours)
    "o9-mini",  # unknown: unpriced
]
ANTHROPIC_MODELS = ["claude-haiku-4-5", "claude-sonnet-4-5-20250929"]  # sonnet: 1M variant
GEMINI_MODELS = ["gemini-2.5-pro", "gemini-2.5-flash"]  # retired 2026-12-01, routed
OPENAI_TIERS = [None, "default", "auto", "flex", "priority", "scale"]  # scale: no rate

# 2026-09-01 .. 2027-02-01: across the retirements and gemini-3.8-flash's price of 2027-01-01
FIRST, LAST = 1788220800, 1801440000


@st.composite
def logged_call(draw) -> dict:
    shape = draw(st.sampled_from(["chat", "responses", "anthropic", "gemini", "flat"]))
    prompt = draw(st.integers(0, 400_000))
    cached = draw(st.integers(0, prompt))
    output = draw(st.integers(0, 5_000))
    reasoning = draw(st.integers(0, output))
    seconds = draw(st.none() | st.integers(FIRST, LAST))
    iso = None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    iso = None if iso is None else iso.strftime("%Y-%m-%dT%H:%M:%SZ")
    if shape == "chat":
        record = {
            "object": "chat.completion",
            "created": seconds,
            "model": draw(st.sampled_from(OPENAI_MODELS)),
            "service_tier": draw(st.sampled_from(OPENAI_TIERS)),
            "choices": [{"index": 0, "finish_reason": draw(st.sampled_from(["stop", "length"]))}],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": output,
                "prompt_tokens_details": {"cached_tokens": cached},
                "completion_tokens_details": {"reasoning_tokens": reasoning},
            },
        }
    elif shape == "responses":
        record = {
            "object": "response",
            "created_at": seconds,
            "model": draw(st.sampled_from(OPENAI_MODELS)),
            "service_tier": draw(st.sampled_from(OPENAI_TIERS)),
            "status": "completed",
            "usage": {
                "input_tokens": prompt,
                "input_tokens_details": {"cached_tokens": cached},
                "output_tokens": output,
                "output_tokens_details": {"reasoning_tokens": reasoning},
            },
        }
    elif shape == "anthropic":
        write = draw(st.integers(0, prompt - cached))
        record = {
            "type": "message",
            "model": draw(st.sampled_from(ANTHROPIC_MODELS)),
            "stop_reason": draw(st.sampled_from(["end_turn", "max_tokens"])),
            "timestamp": iso,
            "usage": {
                "input_tokens": prompt - cached - write,
                "cache_read_input_tokens": cached,
                "cache_creation_input_tokens": write,
                "output_tokens": output,
                "service_tier": draw(st.sampled_from(["standard", "priority"])),
            },
        }
    elif shape == "gemini":
        record = {
            "candidates": [{"finishReason": draw(st.sampled_from(["STOP", "MAX_TOKENS"]))}],
            "modelVersion": draw(st.sampled_from(GEMINI_MODELS)),
            "createTime": iso,
            "usageMetadata": {
                "promptTokenCount": prompt,
                "cachedContentTokenCount": cached,
                "candidatesTokenCount": output - reasoning,
                "thoughtsTokenCount": reasoning,
            },
        }
    else:
        record = {
            "model": draw(st.sampled_from(OPENAI_MODELS + ANTHROPIC_MODELS + GEMINI_MODELS)),
            "input_tokens": prompt,
            "output_tokens": output,
            "cached_tokens": cached,
            "service_tier": draw(st.sampled_from(OPENAI_TIERS)),
            "timestamp": iso,
        }
    return record


# One of each road's hard cases, for the engines too slow to run many examples (Dask):
# a call after a retirement without routing, routed Gemini calls with and without a time,
# a prompt only the 1M variant serves, the clock's tier, a tier without a rate, a snapshot
# the catalog does not list.
FIXED_CALLS = [
    {
        "object": "chat.completion",
        "created": 1797206400,  # 2026-12-14: after gpt-5-mini's retirement
        "model": "gpt-5-mini-2025-08-07",
        "choices": [{"index": 0, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 10_000, "completion_tokens": 1_000},
    },
    {
        "candidates": [{"finishReason": "STOP"}],
        "modelVersion": "gemini-2.5-pro",
        "createTime": "2026-12-03T10:00:00Z",
        "usageMetadata": {"promptTokenCount": 250_000, "candidatesTokenCount": 900},
    },
    {
        "candidates": [{"finishReason": "STOP"}],
        "modelVersion": "gemini-2.5-pro",
        "usageMetadata": {"promptTokenCount": 250_000, "candidatesTokenCount": 900},
    },
    {
        "type": "message",
        "model": "claude-sonnet-4-5-20250929",
        "stop_reason": "end_turn",
        "timestamp": "2026-11-20T08:00:00Z",
        "usage": {"input_tokens": 300_000, "cache_read_input_tokens": 0, "output_tokens": 2_000},
    },
    {
        "object": "chat.completion",
        "created": 1795000000,  # a Saturday: DeepSeek's off-peak hours
        "model": "deepseek-flash",
        "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 0},
    },
    {"model": "gpt-5.2", "input_tokens": 5_000, "output_tokens": 500, "service_tier": "scale"},
    {"model": "gpt-5.2-2025-01-01", "input_tokens": 5_000, "output_tokens": 500},
    {
        "object": "response",
        "model": "gpt-5.2",
        "service_tier": "flex",
        "created_at": 1795000000,
        "usage": {
            "input_tokens": 8_000,
            "input_tokens_details": {"cached_tokens": 2_000},
            "output_tokens": 700,
            "output_tokens_details": {"reasoning_tokens": 300},
        },
    },
]


# ------------------------------------------------------------------ the same calls, three ways


def flatten(record: dict, prefix: str = "") -> dict:
    """A record as a table row: nested objects as dotted columns, lists as JSON text."""
    row: dict = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            row.update(flatten(value, name + "."))
        elif isinstance(value, list):
            row[name] = json.dumps(value)
        else:
            row[name] = value
    return row


def write_logs(folder: Path, records: list[dict]) -> dict[str, Path]:
    jsonl = folder / "calls.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))
    rows = [flatten(r) for r in records]
    header = list(dict.fromkeys(name for row in rows for name in row))
    tables = {"csv": folder / "calls.csv", "tsv": folder / "calls.tsv"}
    for kind, table in tables.items():
        with table.open("w", newline="") as handle:
            writer = csv.writer(handle, delimiter="," if kind == "csv" else "\t")
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if row.get(n) is None else row[n] for n in header])
    parquet = folder / "calls.parquet"
    columns = {name: [row.get(name) for row in rows] for name in header}
    pq.write_table(pa.table(columns), parquet, row_group_size=3)
    return {"jsonl": jsonl, **tables, "parquet": parquet}


def per_row(report) -> dict[int, float | None]:
    """Dollars per call by record number (1 = the first record); None: not priced."""
    frame = report.rows_frame
    first = 2 if str(frame["file"].iloc[0]).endswith((".csv", ".tsv")) else 1
    return {
        int(line) - first + 1: (None if usd != usd else float(usd))
        for line, usd in zip(frame["line"], frame["total_usd"], strict=True)
    }


def two_parts(path: str, parts: int) -> list[LogPart]:
    """A JSONL log cut in two at a line start, as `--jobs 2` cuts a large one."""
    data = Path(path).read_bytes()
    lines = data.splitlines(keepends=True)
    if not path.endswith(".jsonl") or len(lines) < 2:
        return [LogPart(path)]
    half = len(lines) // 2
    cut = sum(map(len, lines[:half]))
    return [LogPart(path, 0, cut, 1), LogPart(path, cut, len(data), half + 1)]


DIFFERENTIAL = settings(
    derandomize=True,
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@DIFFERENTIAL
@given(records=st.lists(logged_call(), min_size=1, max_size=8))
def test_every_road_prices_a_logged_call_alike(records, tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("logs")
    logs = write_logs(folder, records)
    reports = {kind: cost_logs([str(p)], CATALOG, rows_frame=True) for kind, p in logs.items()}
    dollars = {kind: per_row(report) for kind, report in reports.items()}
    # the library, call by call: the Decimal engine on what pricing.logged resolves
    logged, library = LoggedCalls(CATALOG, at=DAY), {}
    for number, record in enumerate(records, start=1):
        call = normalize(record)
        try:
            _, breakdown = logged.price_call(
                call.model, call.usage, stamp=record_stamp(record), tier=call.service_tier
            )
            library[number] = float(breakdown.total_usd)
        except InputError:
            library[number] = None
    for kind, found in dollars.items():
        assert found.keys() == library.keys(), kind
        for number, usd in library.items():
            other = found[number]
            assert (usd is None) == (other is None), (kind, number, records[number - 1])
            assert usd is None or abs(usd - other) < MICRO, (kind, number, usd, other)
    jsonl = reports["jsonl"]
    for kind in ("csv", "tsv", "parquet"):  # exact totals too: the same groups, the same sums
        assert reports[kind].total_usd == jsonl.total_usd, kind
        assert {k: v.totals for k, v in reports[kind].by_model.items()} == {
            k: v.totals for k, v in jsonl.by_model.items()
        }

    # --jobs 2: the log cut in two, priced in two processes, merged
    monkeypatch.setattr(budget.usage.price, "split_log", two_parts)
    parallel = cost_logs([str(logs["jsonl"])], CATALOG, jobs=2)
    assert parallel.total_usd == jsonl.total_usd
    assert {k: v.as_dict() for k, v in parallel.by_model.items()} == {
        k: v.as_dict() for k, v in jsonl.by_model.items()
    }
    assert [g.as_dict() for g in parallel.unpriced] == [g.as_dict() for g in jsonl.unpriced]
    assert parallel.undated == jsonl.undated

    # budget cost --usage: the same total and the same calls left unpriced
    result = CliRunner().invoke(cli, ["cost", "--usage", str(logs["jsonl"]), "--json"])
    refused = sorted(n for n, usd in library.items() if usd is None)
    if len(refused) == len(records):
        assert result.exit_code == 2  # nothing to price: the first call's reason
        return
    assert result.exit_code == (1 if refused else 0), result.output
    priced = json.loads(result.stdout)
    assert abs(Decimal(str(priced["total_usd"])) - jsonl.total_usd) < Decimal("0.000001")
    named = sorted(
        int(line.removeprefix("not priced: ").split(":")[1])
        for line in result.stderr.splitlines()
        if line.startswith("not priced: ")
    )
    assert named == refused
    # ... and from every other kind of file, by the same reader (issue 20's leftover: it
    # read CSV cells as text and refused Parquet)
    for kind in ("csv", "tsv", "parquet"):
        other = CliRunner().invoke(cli, ["cost", "--usage", str(logs[kind]), "--json"])
        assert other.exit_code == result.exit_code, (kind, other.output)
        assert json.loads(other.stdout)["total_usd"] == priced["total_usd"], kind


# ------------------------------------------------------------------ the reproductions of issue 20


def test_service_tier_auto_is_standard_in_a_csv_as_in_jsonl(tmp_path):
    # `auto` is what OpenAI echoes when no tier was asked for: standard rates, in any format
    # (the CSV reader used to keep a list of its own and left the call unpriced)
    jsonl = tmp_path / "calls.jsonl"
    record = {"model": "gpt-5.2", "service_tier": "auto"}
    record["usage"] = {"prompt_tokens": 1_000, "completion_tokens": 100}
    jsonl.write_text(json.dumps(record) + "\n")
    table = tmp_path / "calls.csv"
    table.write_text("model,service_tier,input_tokens,output_tokens\ngpt-5.2,auto,1000,100\n")
    # gpt-5.2 at $1.75 / $14 per million: 1,000 x 1.75 + 100 x 14 = $0.00315
    for log in (jsonl, table):
        report = cost_logs([str(log)], CATALOG)
        assert report.total_usd == Decimal("0.00315") and not report.unpriced, log.name


STREAM = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [],
            "stop_reason": None,
            "usage": {
                "input_tokens": 1_200,
                "cache_read_input_tokens": 3_000,
                "cache_creation_input_tokens": 0,
                "output_tokens": 1,
            },
        },
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "ping"},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
    {"type": "content_block_stop", "index": 0},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 412},
    },
    {"type": "message_stop"},
    {
        "type": "message_start",
        "message": {
            "id": "msg_2",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [],
            "usage": {
                "input_tokens": 900,
                "cache_creation_input_tokens": 2_000,
                "output_tokens": 1,
            },
        },
    },
    {
        "type": "message_delta",
        "delta": {"stop_reason": "max_tokens"},
        "usage": {"input_tokens": None, "output_tokens": 800},  # the SDK dumps unsent as null
    },
    {"type": "message_stop"},
]


def test_an_anthropic_stream_that_usage_prices_plans_too(tmp_path):
    log = tmp_path / "stream.jsonl"
    log.write_text("".join(json.dumps(event) + "\n" for event in STREAM))
    priced = CliRunner().invoke(cli, ["usage", str(log), "--json"])
    assert priced.exit_code == 0, priced.output
    # two calls: (1,200 x $3 + 3,000 x $0.30 + 412 x $15) and (900 x $3 + 2,000 x $3.75 +
    # 800 x $15) per million = 0.01068 + 0.0222
    assert Decimal(str(json.loads(priced.stdout)["total_usd"])) == Decimal("0.03288")
    quoted = json.loads(CliRunner().invoke(cli, ["cost", "--usage", str(log), "--json"]).stdout)
    assert (quoted["calls"], Decimal(str(quoted["total_usd"]))) == (2, Decimal("0.03288"))
    plan = ["plan", "-m", "claude-sonnet-4-5", "--input", "4200", "--samples", str(log)]
    planned = CliRunner().invoke(cli, [*plan, "--json"])  # was: exit 2, "not a call"
    assert planned.exit_code == 0, planned.output
    from budget.tokenizers.samples import read_samples

    samples = read_samples(log, CATALOG.resolve("claude-sonnet-4-5"))
    assert samples.lengths == (412, 800) and samples.truncated == (False, True)


def test_a_part_or_chunk_that_starts_on_a_message_delta_knows_the_streams_model(
    tmp_path, monkeypatch
):
    # `--jobs` cuts a log at line starts, and the reader takes it in chunks: a part (or a
    # chunk) that starts on message_delta used to lose the model its message_start named in
    # the part before, and left the call's output unpriced ("no model in the record")
    log = tmp_path / "stream.jsonl"
    lines = [json.dumps(event) + "\n" for event in STREAM]
    log.write_text("".join(lines))
    delta = next(i for i, e in enumerate(STREAM) if e["type"] == "message_delta")
    cut = sum(len(line.encode()) for line in lines[:delta])
    size = log.stat().st_size

    def at_the_delta(path: str, parts: int) -> list[LogPart]:
        return [LogPart(path, 0, cut, 1), LogPart(path, cut, size, delta + 1)]

    monkeypatch.setattr(budget.usage.price, "split_log", at_the_delta)
    whole = cost_logs([str(log)], CATALOG)
    assert whole.total_usd == Decimal("0.03288") and not whole.unpriced  # as priced above
    for report in (
        cost_logs([str(log)], CATALOG, jobs=2),  # the delta starts the second process's part
        cost_logs([str(log)], CATALOG, chunk_lines=delta),  # ... and the second chunk
    ):
        assert report.unpriced == ()
        assert report.total_usd == whole.total_usd
        assert {k: v.as_dict() for k, v in report.by_model.items()} == {
            k: v.as_dict() for k, v in whole.by_model.items()
        }


# ------------------------------------------------------------------ a count is a count


@pytest.mark.parametrize(
    ("value", "shown"), [(True, "True"), (False, "False"), (None, "null"), (12.0, "12.0")]
)
def test_a_count_that_is_not_a_whole_number_is_refused_not_counted(tmp_path, value, shown):
    record = {"model": "gpt-4o-mini", "usage": {"prompt_tokens": value, "completion_tokens": 5}}
    log = tmp_path / "calls.jsonl"
    log.write_text(
        json.dumps({"model": "gpt-4o-mini", "usage": {"prompt_tokens": 9, "completion_tokens": 5}})
        + "\n"
        + json.dumps(record)
        + "\n"
    )
    with pytest.raises(InputError) as found:
        cost_logs([str(log)], CATALOG, strict=True)
    assert str(found.value) == (
        f"{log}:2: usage.prompt_tokens: expected a token count >= 0 and <= "
        f"1,000,000,000,000, got {shown}"
    )
    report = cost_logs([str(log)], CATALOG)  # not --strict: that call unpriced, the rest priced
    assert report.rows == 1 and report.unpriced[0].reason == "malformed usage: usage.prompt_tokens"


def test_null_in_a_detail_is_absent_but_null_in_a_total_is_not_zero():
    # SDKs dump what the API did not send as null: a detail so written reads as absent
    dumped = {"usage": {"prompt_tokens": 10, "completion_tokens": 5, "prompt_tokens_details": None}}
    assert read_call(dumped).counts[:3] == (10, 5, 0)
    with pytest.raises(InputError, match=r"usage.completion_tokens: .*got null"):
        read_call({"usage": {"prompt_tokens": 10, "completion_tokens": None}})


def test_csv_and_parquet_counts_follow_the_same_rule(tmp_path):
    table = tmp_path / "calls.csv"
    table.write_text(
        "model,input_tokens,output_tokens\n"
        "gpt-4o-mini,1000,100\n"
        "gpt-4o-mini,true,100\n"  # a flag, not a count
        "gpt-4o-mini,12.0,100\n"
        "gpt-4o-mini,,100\n"  # null is not 0
    )
    with pytest.raises(InputError, match=rf"^{table}:3: input_tokens: .*got True$"):
        cost_logs([str(table)], CATALOG, strict=True)
    report = cost_logs([str(table)], CATALOG)
    assert report.rows == 1 and sum(g.calls for g in report.unpriced) == 3
    # Parquet keeps types: a bool column and a timestamp column are not counts
    parquet = tmp_path / "calls.parquet"
    when = dt.datetime(2026, 11, 20, 12, 0)
    columns = {
        "model": ["gpt-4o-mini"] * 3,
        "input_tokens": pa.array([1_000, 1_000, 1_000], pa.int64()),
        "output_tokens": pa.array([100, 100, 100], pa.int64()),
        "cache_read_tokens": pa.array([None, True, None], pa.bool_()),
        "reasoning_tokens": pa.array([None, None, when], pa.timestamp("s")),
    }
    pq.write_table(pa.table(columns), parquet)
    with pytest.raises(InputError, match=rf"^{parquet}:2: cache_read_tokens: .*got True$"):
        cost_logs([str(parquet)], CATALOG, strict=True)
    report = cost_logs([str(parquet)], CATALOG)
    # the first row: 1,000 x $0.15 + 100 x $0.60 per million
    assert report.total_usd == Decimal("0.00021")
    assert [g.reason for g in report.unpriced] == [
        "malformed usage: cache_read_tokens",
        "malformed usage: reasoning_tokens",
    ]


def test_a_table_without_usage_columns_is_bad_input(tmp_path):
    table = tmp_path / "calls.csv"
    table.write_text("model,tokens\ngpt-4o-mini,12\n")
    result = CliRunner().invoke(cli, ["usage", str(table)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {table}:1: no usage columns (expected input_tokens")


# ------------------------------------------------------------------ logs without a time (issue 19)


def gemini_response(prompt: int, output: int) -> dict:
    return {
        "candidates": [{"content": {"parts": [{"text": "..."}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": prompt, "candidatesTokenCount": output},
        "modelVersion": "gemini-2.5-pro",
    }


def test_an_undated_log_across_a_retirement_says_its_day_and_warns(tmp_path):
    # Gemini responses carry no time. gemini-2.5-pro retired on 2026-12-01, routed to
    # gemini-3.8-flash: the same log costs less at --at 2026-12-06 than at 2026-11-25.
    log = tmp_path / "gemini.jsonl"
    log.write_text(json.dumps(gemini_response(100_000, 20_000)) + "\n")
    before = CliRunner().invoke(cli, ["usage", str(log), "--at", "2026-11-25", "--json"])
    after = CliRunner().invoke(cli, ["usage", str(log), "--at", "2026-12-06", "--json"])
    early, late = json.loads(before.stdout), json.loads(after.stdout)
    # 100,000 x $1.25 + 20,000 x $10 per million, then at gemini-3.8-flash's $0.75 / $3.75
    assert Decimal(str(early["total_usd"])) == Decimal("0.325")
    assert Decimal(str(late["total_usd"])) == Decimal("0.15")
    assert early["undated"] == {
        "calls": 1,
        "priced_at": "2026-11-25",
        "recent_changes": [],
        "warning": None,
    }
    assert late["undated"]["calls"] == 1 and late["undated"]["priced_at"] == "2026-12-06"
    assert late["undated"]["recent_changes"] == [
        "gemini-2.5-pro was retired on 2026-12-01 (routed to gemini-3.8-flash at its rates)"
    ]
    assert "--at DATE" in late["undated"]["warning"]
    model = late["by_model"]["gemini-2.5-pro"]
    assert model["priced_as"] == "gemini-3.8-flash"
    assert "routes its calls to gemini-3.8-flash" in model["retirement_pricing"]
    table = CliRunner().invoke(cli, ["usage", str(log), "--at", "2026-12-06"])
    lines = table.stdout.splitlines()
    assert "priced as" in lines[0] and lines[2].rstrip().endswith("gemini-3.8-flash")
    assert "1 without a time at 2026-12-06 (--at)" in table.stdout
    warning = "warning: 1 call was priced at 2026-12-06 for want of a time"
    assert any(line.startswith(warning) for line in lines)
    quiet = CliRunner().invoke(cli, ["usage", str(log), "--at", "2026-11-25"])
    assert "warning" not in quiet.stdout  # nothing changed in the 90 days before


def test_a_model_retired_without_routing_prices_at_its_last_live_day(tmp_path):
    # gpt-5-mini shut down on 2026-12-11 (its calls fail since): a log line dated 2026-12-14
    # has a wrong clock, and is billed at the last live day's rates, not at another model's
    record = {
        "object": "chat.completion",
        "created": 1797206400,  # 2026-12-14 00:00 UTC
        "model": "gpt-5-mini-2025-08-07",
        "choices": [{"index": 0, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": 10_000,
            "completion_tokens": 1_000,
            "prompt_tokens_details": {"cached_tokens": 4_000},
        },
    }
    log = tmp_path / "late.jsonl"
    log.write_text(json.dumps(record) + "\n")
    report = cost_logs([str(log)], CATALOG)
    # 6,000 x $0.25 + 4,000 x $0.025 + 1,000 x $2 per million = 0.0015 + 0.0001 + 0.002
    assert report.total_usd == Decimal("0.0036")
    usage = report.by_model["gpt-5-mini"].as_dict()
    assert usage["priced_as"] == "gpt-5-mini"
    assert usage["retirement_pricing"] == (
        "gpt-5-mini was retired on 2026-12-11 without routing (its calls fail since); "
        "priced at its last live day, 2026-12-10"
    )
    assert report.undated.calls == 0
    quoted = CliRunner().invoke(cli, ["cost", "--usage", str(log), "--json"])
    record = json.loads(quoted.stdout)
    assert (record["total_usd"], record["price_day"]) == (0.0036, "2026-12-10")


def test_one_call_goes_the_chunks_road():
    # the per-call answer is the chunk code on one row: same model, variant and tier
    logged = LoggedCalls(CATALOG, at=DAY)
    call = normalize(
        {
            "type": "message",
            "model": "claude-sonnet-4-5",
            "usage": {"input_tokens": 300_000, "output_tokens": 1_000},
        }
    )
    model, tier = logged.call(call.model, call.usage)
    assert (model.id, model.variant, tier) == ("claude-sonnet-4-5", "1m-context", None)


def test_a_models_variants_read_alike_in_one_process_or_two(tmp_path, monkeypatch):
    # a prompt only the 1M variant serves, then a short one: whichever part of the log a
    # process reads first, the model's calls were priced under two variants, said so
    long = {"type": "message", "model": "claude-sonnet-4-5"}
    long["usage"] = {"input_tokens": 300_000, "output_tokens": 10}
    short = {"type": "message", "model": "claude-sonnet-4-5"}
    short["usage"] = {"input_tokens": 3_000, "output_tokens": 10}
    log = tmp_path / "calls.jsonl"
    log.write_text(json.dumps(long) + "\n" + json.dumps(short) + "\n")
    local = cost_logs([str(log)], CATALOG)
    monkeypatch.setattr(budget.usage.price, "split_log", two_parts)
    parallel = cost_logs([str(log)], CATALOG, jobs=2)
    assert local.by_model["claude-sonnet-4-5"].variant == "(several)"
    assert parallel.by_model["claude-sonnet-4-5"].as_dict() == (
        local.by_model["claude-sonnet-4-5"].as_dict()
    )
