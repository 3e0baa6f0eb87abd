"""Fuzzed files through the readers and the commands that use them: whatever the bytes, a
reader returns values or raises InputError, and a command answers with exit 0, 1 or 2 and at
most one line of error, never a traceback.

Hypothesis runs with a fixed seed (``derandomize``) and a bounded number of examples, so the
suite stays fast and a failure reproduces.
"""

from __future__ import annotations

import io
import json
import os
import tempfile

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget.cli import cli
from budget.inputs.records import records
from pricing.errors import InputError
from pricing.yamlfile import read_document

FUZZ = settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["gpt-4o", "claude-haiku-4-5", "2026-13-45", "=1+2", "", "-5"]),
)
keys = st.sampled_from(
    [
        "model",
        "usage",
        "prompt_tokens",
        "completion_tokens",
        "input_tokens",
        "output_tokens",
        "completion_tokens_details",
        "messages",
        "text",
        "role",
        "content",
        "custom_id",
        "body",
        "choices",
        "finish_reason",
    ]
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(keys | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)


@st.composite
def mangled(draw, text: st.SearchStrategy[str]) -> bytes:
    """Valid-looking text, then cut, spliced with junk, or re-encoded."""
    data = draw(text).encode("utf-8")
    how = draw(st.sampled_from(["as is", "cut", "junk", "utf16", "bytes"]))
    if how == "cut" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "junk":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=12)) + data[at:]
    elif how == "utf16":
        data = data.decode("utf-8").encode("utf-16")
    elif how == "bytes":
        data = draw(st.binary(max_size=200))
    return data


json_lines = st.lists(values, min_size=1, max_size=4).map(
    lambda items: "".join(json.dumps(item) + "\n" for item in items)
)
json_docs = values.map(json.dumps)
csv_text = st.lists(
    st.lists(
        st.one_of(st.text(max_size=8), st.integers(-5, 10**20).map(str)), min_size=1, max_size=4
    ),
    min_size=1,
    max_size=5,
).map(lambda rows: "model,input_tokens,output_tokens\n" + "\n".join(",".join(r) for r in rows))
yaml_text = st.one_of(
    values.map(lambda v: json.dumps(v)),  # JSON is YAML
    st.lists(
        st.tuples(keys | st.sampled_from(["traffic", "models", "seed"]), scalars), max_size=6
    ).map(lambda pairs: "".join(f"{k}: {json.dumps(v)}\n" for k, v in pairs)),
    st.text(alphabet="&*!<>[]{}:-, \n\tab|'\"%@`#", max_size=60),
)


# --- the readers: values or InputError ------------------------------------------------------------


@FUZZ
@given(mangled(json_lines | json_docs | csv_text))
def test_records_reader(data):
    for label in ("f.jsonl", "f.csv"):
        try:
            list(records(io.BytesIO(data), label))
        except InputError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 400


@FUZZ
@given(mangled(yaml_text))
def test_yaml_reader(data):
    try:
        read_document(data.decode("utf-8", "replace"), "f.yaml")
    except InputError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 400


# --- the commands: exit 0, 1 or 2, one line -------------------------------------------------------


def run_on(data: bytes, name: str, *args: str):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name)
        with open(path, "wb") as handle:
            handle.write(data)
        result = CliRunner().invoke(cli, [a.replace("FILE", path) for a in args])
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert len(result.stderr) < 400, result.stderr[:500]


COMMANDS = settings(FUZZ, max_examples=25)


@COMMANDS
@given(mangled(json_lines))
def test_usage_jsonl(data):
    run_on(data, "u.jsonl", "usage", "FILE")


@COMMANDS
@given(mangled(csv_text))
def test_usage_csv(data):
    run_on(data, "u.csv", "usage", "FILE")


@COMMANDS
@given(mangled(json_lines))
def test_count_jsonl(data):
    run_on(data, "c.jsonl", "count", "FILE", "-m", "gpt-4o")


@COMMANDS
@given(mangled(json_docs | json_lines))
def test_plan_samples(data):
    run_on(data, "s.jsonl", "plan", "-m", "gpt-4o", "--input", "100", "--samples", "FILE")


@COMMANDS
@given(mangled(yaml_text))
def test_report_scenario(data):
    run_on(data, "s.yaml", "report", "FILE", "--simulated-calls", "200")


@COMMANDS
@given(mangled(yaml_text))
def test_catalog_file(data):
    run_on(data, "c.yaml", "--catalog", "FILE", "limits", "gpt-4o")
