"""The C log reader (budget/usage/_scan.c, from budget/usage/cscan.py) against the Python one:
on records built from every path of the usage table, with every kind of value at each (a
count, 0, a negative, a huge number, null, a bool, a float, text, a list, an object), in and
out of every envelope, the C reader either gives the record back or answers exactly what the
Python reader answers (and never answers where the Python reader raises); and a whole block
of lines read by the C loop is the block the Python loop reads, row for row."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget.usage import read
from budget.usage.cscan import SOURCE, scan_source, source_digest
from pricing.errors import FailedRequest
from pricing.usage import call_fields
from pricing.usage_paths import path_steps
from pricing.usage_shapes import ENVELOPES, NO_USAGE_EVENTS, READ_ORDER

PROPERTY = settings(
    derandomize=True,
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_the_c_source_is_the_table_compiled_today():
    assert SOURCE.read_text() == scan_source(), (
        "budget/usage/_scan.c is stale: run `python -m budget.usage.cscan` and reinstall"
    )


def test_the_c_loop_is_built_from_todays_table_and_used():
    assert read._scan is not None, (
        "budget.usage._scan was not built: install a C compiler (gcc or clang) and the Python "
        "headers, then `pip install -e .` again"
    )
    assert source_digest() == read._scan.SOURCE_DIGEST, (
        "budget.usage._scan was built from another table: `pip install -e .` again"
    )
    _scan = read._scan
    assert read.c_loop() is _scan.scan


def test_a_module_built_from_another_table_is_not_used(monkeypatch):
    class Stale:
        SOURCE_DIGEST = "0" * 16

    monkeypatch.setattr(read, "_scan", Stale)
    read.c_loop.cache_clear()
    try:
        assert read.c_loop() is None
    finally:
        monkeypatch.undo()
        read.c_loop.cache_clear()
    assert read.c_loop() is not None


def test_the_python_reader_can_be_asked_for(monkeypatch):
    monkeypatch.setenv(read.PYTHON_READER, "1")
    read.c_loop.cache_clear()
    try:
        assert read.c_loop() is None
    finally:
        monkeypatch.delenv(read.PYTHON_READER)
        read.c_loop.cache_clear()


# ---- records from the table -------------------------------------------------------------


def _table_paths() -> tuple[list[str], list[str]]:
    """The table's count paths, and its other paths (model, finish, tier, batch, tests)."""
    count_paths, other = set(), set()
    for shape, root, tests in READ_ORDER:
        for terms in shape.counts.values():
            for term in terms:
                for alt in term.lstrip("-").split("|"):
                    count_paths.add(f"{root}.{alt}" if root else alt)
        for path in (*shape.model, *shape.finish, *shape.tier, *shape.batch, *(shape.final or ())):
            other.update(path.split("|"))
        other.update(test.partition("=")[0] for test in tests)
    return sorted(count_paths), sorted(other - count_paths)


COUNT_PATHS, OTHER_PATHS = _table_paths()
WHEN_VALUES = sorted(
    {test.partition("=")[2] for _, _, tests in READ_ORDER for test in tests if "=" in test}
    | {test.partition("=")[2] for e in ENVELOPES for test in e.when if "=" in test}
)
TEXTS = [
    "gpt-4o-mini",
    "GPT-5.2",
    "grok-4",
    "XAI/grok-3",
    "x-ai/grok-4-fast",
    "claude-sonnet-4-5",
    "gemini-2.5-flash",
    "İnstant",  # lower-cased by Python's rules, not ASCII's
    "default",
    "Standard",
    "AUTO",
    "priority",
    "Flex",
    "batch",
    "BATCH",
    "fast",
    "stop",
    "length",
    "MAX_TOKENS",
    "true",
    " yes ",
    "1",
    "12",
    "",
    "AUDIO",
    "IMAGE",
    "1h",
    "succeeded",
    "failure",
    "chat.completion.chunk",
    *WHEN_VALUES,
    *NO_USAGE_EVENTS,
    *(event + "delta" for event in NO_USAGE_EVENTS if event.endswith(("_", "."))),
]
counts = st.one_of(
    st.integers(min_value=0, max_value=5000),
    st.sampled_from([0, 1, 10**12, 10**12 + 1, 2**63, -1, -(2**70)]),
)
scalars = st.one_of(
    counts,
    counts,
    st.none(),
    st.booleans(),
    st.sampled_from([12.0, 0.0, float("inf")]),
    st.sampled_from(TEXTS),
)


def values(depth: int = 0):
    if depth >= 2:
        return scalars
    return st.one_of(
        scalars,
        scalars,
        scalars,
        st.lists(values(depth + 1), max_size=2),
        st.dictionaries(
            st.sampled_from(["type", "modality", "ttl", "tokenCount"]),
            values(depth + 1),
            max_size=2,
        ),
    )


def place(record: dict, path: str, value) -> None:
    """Put ``value`` at ``path`` (building objects and lists on the way, leaving a path
    alone where something else already stands in it)."""
    steps = path_steps(path)
    node = record
    for i, (kind, arg) in enumerate(steps):
        last = i == len(steps) - 1
        if kind == "key":
            if node.__class__ is not dict:
                return
            if last:
                node[arg] = value
                return
            following = steps[i + 1][0]
            default = {} if following == "key" else []
            node = node.setdefault(arg, default)
        elif kind == "index":
            if node.__class__ is not list:
                return
            while len(node) <= arg:
                node.append({})
            if last:
                node[arg] = value
                return
            node = node[arg]
        else:  # find: a list element whose key is the value
            if node.__class__ is not list:
                return
            key, wanted = arg
            element = {key: wanted}
            node.append(element)
            node = element


@st.composite
def records(draw) -> dict:
    record: dict = {}
    for path in draw(st.lists(st.sampled_from(COUNT_PATHS), min_size=1, max_size=10)):
        # mostly counts (records the C reader reads), else anything
        place(record, path, draw(counts if draw(st.integers(0, 4)) else values()))
    for path in draw(st.lists(st.sampled_from(OTHER_PATHS), max_size=5)):
        place(record, path, draw(st.sampled_from(TEXTS) if draw(st.integers(0, 2)) else values()))
    for test in draw(
        st.lists(st.sampled_from([t for _, _, ts in READ_ORDER for t in ts]), max_size=2)
    ):
        path, eq, value = test.partition("=")
        place(record, path, value if eq and draw(st.booleans()) else draw(values()))
    if draw(st.integers(0, 3)) == 0:
        record["type"] = draw(st.sampled_from(TEXTS))
    if draw(st.integers(0, 4)) == 0:
        record["object"] = draw(st.sampled_from(["chat.completion.chunk", "chat.completion", 3]))
    if draw(st.integers(0, 2)) == 0:
        return wrap(draw, record)
    return record


def wrap(draw, inner: dict) -> dict:
    """``inner`` in an envelope (its tests made to hold, or not)."""
    envelope = draw(st.sampled_from(ENVELOPES))
    outer: dict = {}
    for test in envelope.when:
        path, eq, value = test.partition("=")
        place(outer, path, value if eq and draw(st.booleans()) else draw(values()))
    if envelope.failed:
        status = draw(st.sampled_from([*envelope.ok, None, 500, "errored", 200.0, True, {}]))
        place(outer, envelope.failed, status)
    if envelope.inner:
        place(outer, envelope.inner, inner if draw(st.integers(0, 5)) else draw(values()))
    else:
        outer.update({k: v for k, v in inner.items() if k not in outer})
    return outer


def python_answer(record):
    try:
        return "answer", call_fields(record)
    except FailedRequest:
        return "failed", None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        return "error", type(exc).__name__


@PROPERTY
@given(record=records())
def test_the_c_reader_answers_as_the_python_reader_or_gives_the_record_back(record):
    from budget.usage import _scan

    read.c_loop()  # configured
    answer = _scan.read(record)
    if answer is NotImplemented:
        return
    kind, expected = python_answer(record)
    assert kind == "answer", (record, answer, expected)
    assert answer == expected, record
    if answer is not None:
        assert [type(x) for x in answer] == [type(x) for x in expected]


def test_the_c_reader_reads_the_common_shapes_itself():
    """Giving every record back would pass the test above: the shapes real logs hold most
    are read in C (envelopes, streams and events included)."""
    from budget.usage import _scan

    read.c_loop()
    usage = {"prompt_tokens": 100, "completion_tokens": 20}
    common = [
        {"model": "gpt-4o-mini", "usage": usage, "choices": [{"finish_reason": "stop"}]},
        {
            "model": "grok-4",
            "usage": {**usage, "completion_tokens_details": {"reasoning_tokens": 5}},
        },
        {
            "type": "message",
            "model": "claude-haiku-4-5",
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 7},
        },
        {
            "type": "message_start",
            "message": {
                "model": "claude-haiku-4-5",
                "usage": {"input_tokens": 10, "output_tokens": 1},
            },
        },
        {"type": "message_delta", "usage": {"output_tokens": 50}},
        {
            "type": "response.completed",
            "response": {
                "model": "gpt-5.2",
                "service_tier": "flex",
                "usage": {"input_tokens": 10, "output_tokens": 5, "input_tokens_details": {}},
            },
        },
        {
            "usageMetadata": {
                "promptTokenCount": 10,
                "candidatesTokenCount": 3,
                "promptTokensDetails": [{"modality": "AUDIO", "tokenCount": 4}],
            },
            "modelVersion": "gemini-2.5-flash",
            "candidates": [{"finishReason": "STOP"}],
        },
        {
            "custom_id": "a",
            "response": {"status_code": 200, "body": {"model": "gpt-4o-mini", "usage": usage}},
        },
        {
            "custom_id": "a",
            "result": {
                "type": "succeeded",
                "message": {
                    "type": "message",
                    "model": "claude-haiku-4-5",
                    "usage": {"input_tokens": 3, "output_tokens": 4},
                },
            },
        },
        {"input_tokens": 5, "output_tokens": 6, "model": "gpt-4o", "batch": "yes"},
    ]
    events = [
        {"type": "content_block_delta", "delta": {"text": "hi"}},
        {"object": "chat.completion.chunk", "choices": []},
        {"candidates": [{"content": {}}], "usageMetadata": {"promptTokenCount": 4}},
        {"spend": 0, "cache_hit": "true", "prompt_tokens": 3, "completion_tokens": 4},
    ]
    for record in common:
        answer = _scan.read(record)
        assert answer is not NotImplemented, record
        assert answer == call_fields(record)
    for record in events:
        assert _scan.read(record) is None, record
        assert call_fields(record) is None


# ---- whole blocks: the C loop against the Python loop ----------------------------------


def _rows(lines, monkeypatch, *, c: bool, skip_invalid: bool = True):
    """A block read as budget.usage.read._block_rows reads it: the Python loop searches the
    block's text for tool uses first, the C loop reads every record's tool fields."""
    may_use_tools = True
    if not c:
        monkeypatch.setattr(read, "c_loop", lambda: None)
        if lines and isinstance(lines[0], bytes):
            may_use_tools = read._block_may_use_tools(lines)
    try:
        return read._rows(
            "log.jsonl", list(enumerate(lines, start=1)), skip_invalid, "m0", may_use_tools
        )
    finally:
        monkeypatch.undo()


def _same(a, b) -> None:
    (rows_a, skips_a), (rows_b, skips_b) = a, b
    assert skips_a == skips_b
    for field in dataclasses.fields(rows_a):
        left, right = getattr(rows_a, field.name), getattr(rows_b, field.name)
        if isinstance(left, np.ndarray):
            assert np.array_equal(left, right), field.name
        else:
            assert left == right, field.name


extra_lines = st.sampled_from(
    [
        b"\n",
        b"   \t\n",
        b"not json\n",
        b"[1, 2]\n",
        b'"text"\n',
        b'{"resourceSpans": []}\n',
        b'{"model": "gpt-4o", "usage": {"prompt_tokens": 5, "completion_tokens": 1}, '
        b'"output": [{"type": "web_search_call"}]}\n',
        b'{"model": "o3", "tool_calls": {"web_search": 2}, "input_tokens": 4, '
        b'"output_tokens": 2}\n',
        b'{"modelVersion": "gemini-3.5-flash", "candidates": [{"finishReason": "STOP", '
        b'"groundingMetadata": {"webSearchQueries": ["a", "b"]}}], "usageMetadata": '
        b'{"promptTokenCount": 10, "candidatesTokenCount": 5}}\n',
        b'{"model": "claude-x", "type": "message", "usage": {"input_tokens": 3, '
        b'"output_tokens": 1, "server_tool_use": {"web_search_requests": 2}}}\n',
        b'{"model": "gpt-5", "output": [{"type": ["odd"]}], "usage": {"input_tokens": 3, '
        b'"output_tokens": 1}}\n',
        b'{"model": "gpt-4o", "created": 1760000000, "usage": {"prompt_tokens": 5, '
        b'"completion_tokens": 1}, "session_id": "s1"}\n',
        b'{"model": "gpt-4o", "created_at": "2026-05-01T10:00:00Z", "input_tokens": 5, '
        b'"output_tokens": 1, "metadata": {"conversation_id": 7}}\n',
        b'{"model": "gpt-4o", "timestamp": true, "input_tokens": 5, "output_tokens": 1}\n',
        b'{"type": "message_delta", "usage": {"output_tokens": 9}}\n',
        b'{"type": "session.created", "session": {"model": "gpt-realtime-mini"}}\n',
        b'{"type": "Session.Updated", "session": {"model": "gpt-realtime"}}\n',
        b'{"type": "session.updated", "session": {"model": 7}}\n',
        b'{"type": "response.done", "response": {"usage": {"input_tokens": 10, '
        b'"output_tokens": 2, "input_token_details": {"cached_tokens": 0}}}}\n',
        b'{"custom_id": "x", "response": {"status_code": 500, "body": null}, "error": {}}\n',
        b'{"usage": {"prompt_tokens": 5, "completion_tokens": 1, "prompt_tokens_details": '
        b'{"cached_tokens": 9}}}\n',
    ]
)


@st.composite
def blocks(draw) -> list[bytes]:
    lines = []
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.integers(0, 3)) == 0:
            lines.append(draw(extra_lines))
        else:
            lines.append(json.dumps(draw(records())).encode() + b"\n")  # big numbers too
    return lines


@settings(
    PROPERTY,
    max_examples=150,
    suppress_health_check=[*PROPERTY.suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(lines=blocks())
def test_a_block_read_in_c_is_the_block_read_in_python(lines, monkeypatch):
    python = _rows(lines, monkeypatch, c=False)
    c = _rows(lines, monkeypatch, c=True)
    _same(c, python)


@settings(
    PROPERTY,
    max_examples=100,
    suppress_health_check=[*PROPERTY.suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(items=st.lists(records(), min_size=1, max_size=20))
def test_records_read_in_c_are_the_records_read_in_python(items, monkeypatch):
    """Rows of a CSV or Parquet log reach the loop as records, not raw lines."""
    python = _rows(items, monkeypatch, c=False)
    c = _rows(items, monkeypatch, c=True)
    _same(c, python)


def test_an_invalid_line_stops_both_loops_alike_without_skipping(monkeypatch):
    lines = [b'{"model": "a", "input_tokens": 1, "output_tokens": 1}\n', b"{oops\n"]
    errors = []
    for c in (True, False):
        with pytest.raises(Exception) as caught:
            _rows(lines, monkeypatch, c=c, skip_invalid=False)
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]
    assert "log.jsonl:2" in errors[0][1]


def test_the_streamed_model_carries_across_c_and_python_lines(monkeypatch):
    """A message_delta read in C completes the call a start read in Python named (and the
    other way round): the model named last is one, whichever loop read it."""
    start = {
        "type": "message_start",
        "message": {"model": "claude-x", "usage": {"input_tokens": 3}},
    }
    slow_start = {**start, "output": [{"type": "web_search_call"}]}  # searched: Python reads it
    delta = b'{"type": "message_delta", "usage": {"output_tokens": 9}}\n'
    for first in (start, slow_start):
        lines = [json.dumps(first).encode() + b"\n", delta]
        rows, _ = _rows(lines, monkeypatch, c=True)
        assert rows.models == ["claude-x", "claude-x"]
        assert rows.last_model == "claude-x"


@pytest.mark.parametrize("c", [True, False])
def test_gemini_grounding_queries_are_counted_from_a_log_as_from_one_record(c, monkeypatch):
    """The queries sit under ``webSearchQueries`` (capital S): the Python loop's text search
    for "search" skipped them, so a log priced no searches where `cost --usage` of the same
    record did."""
    line = (
        b'{"modelVersion": "gemini-3.5-flash", "candidates": [{"finishReason": "STOP", '
        b'"groundingMetadata": {"webSearchQueries": ["a", "b"]}}], '
        b'"usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5}}\n'
    )
    rows, _ = _rows([line], monkeypatch, c=c)
    assert rows.tool_calls == [{"web_search": 2}]


def test_the_c_loop_keeps_its_references(monkeypatch):
    """Every object the loop hands out is counted once: None, True, False, 0 and 1 (which
    every row touches) hold the same reference counts after thousands of rows as before; a
    reference dropped or kept too many would move them."""
    import sys

    lines = [
        b'{"model": "gpt-4o", "created": 1760000000, "choices": [{"finish_reason": "stop"}], '
        b'"usage": {"prompt_tokens": 5, "completion_tokens": 1}}\n',
        b'{"type": "message_delta", "usage": {"output_tokens": 9}}\n',
        b'{"custom_id": "x", "response": {"status_code": 200, "body": {"model": "gpt-4o", '
        b'"usage": {"prompt_tokens": 5, "completion_tokens": 1}}}}\n',
        b'{"model": "grok-4", "service_tier": "Priority", "usage": {"prompt_tokens": 5, '
        b'"completion_tokens": 1}}\n',
        b'{"type": "content_block_delta"}\n',
        b"not json\n",
        b'{"model": "m", "input_tokens": 1, "output_tokens": 2, "batch": "yes", '
        b'"session_id": "s"}\n',
    ] * 300
    singletons = (None, True, False, 0, 1)
    _rows(lines, monkeypatch, c=True)  # anything cached on first use
    before = [sys.getrefcount(x) for x in singletons]
    for _ in range(5):
        rows, _ = _rows(lines, monkeypatch, c=True)
        del rows
    assert [sys.getrefcount(x) for x in singletons] == before


def test_ctrl_c_stops_the_c_loop_within_a_block(tmp_path):
    """The C loop runs a whole block without Python between lines; a Ctrl-C (SIGINT from
    the terminal) must still stop it at once, not when the block (or a JSON document read
    whole) ends: it checks for signals every 4,096 lines."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "long_block.py"
    script.write_text(
        "import time\n"
        "from budget.usage import read\n"
        'line = b\'{"model": "gpt-4o", "usage": {"prompt_tokens": 5, "completion_tokens": 1}}\'\n'
        "lines = [line] * 6_000_000\n"
        "print('ready', flush=True)\n"
        "start = time.perf_counter()\n"
        "try:\n"
        "    read._rows('x', enumerate(lines, 1), False, None, True)\n"
        "except KeyboardInterrupt:\n"
        "    print(time.perf_counter() - start, flush=True)\n"
    )
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        run.send_signal(signal.SIGINT)
        out, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    # read in full, the block takes seconds (6M lines); stopped within the next 4,096 lines
    assert float(out.strip()) < 2.5, out
