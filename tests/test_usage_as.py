"""`budget usage LOG --as MODEL`: the same traffic on another model (issue 22).

Hand-checked: a gpt-4o log on gpt-4.1 (both count with o200k_base: the counts carry over and
the dollars are exact), the same log on claude-sonnet-4-5 (another tokenizer: the counts are
converted by the reference corpus's ratio, an estimate with its band), calls a model could
not serve (too long, output over its ceiling, audio it has no rate for) named with their
reason, and a record's own text converting its own counts.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.tokenizers import tokenizer_for
from budget.tokenizers.conversion import measure, reference_documents
from budget.usage.price import cost_logs
from budget.usage.retarget import Retarget, call_text
from pricing.catalog import load_catalog
from pricing.dates import pricing_day

CATALOG = load_catalog(())
DAY = pricing_day(None)  # 2026-11-25, pinned by tests/conftest.py
NOV_23_2025 = 1763900000  # every call's time: gpt-4o, gpt-4.1 and Claude at their 2025 prices

# gpt-4o ($2.50 / $10, cache reads $1.25 per million; batch half price) and gpt-4.1 ($2 / $8,
# cache reads $0.50; batch half price), as the catalog has them on 2025-11-23
GPT_4O_LOG = [
    {  # 12,000 prompt of which 8,000 read from the cache, 400 out
        "object": "chat.completion",
        "created": NOV_23_2025,
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": 12_000,
            "completion_tokens": 400,
            "prompt_tokens_details": {"cached_tokens": 8_000},
        },
    },
    {  # a Batch API result: 3,000 in, 1,000 out
        "custom_id": "r1",
        "response": {
            "status_code": 200,
            "body": {
                "model": "gpt-4o-2024-08-06",
                "created": NOV_23_2025,
                "usage": {"prompt_tokens": 3_000, "completion_tokens": 1_000},
            },
        },
    },
    {  # a long one: 120,000 in, 2,000 out
        "object": "chat.completion",
        "created": NOV_23_2025,
        "model": "gpt-4o-2024-08-06",
        "usage": {"prompt_tokens": 120_000, "completion_tokens": 2_000},
    },
]


def write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return str(path)


def compare(log: str, *models: str):
    retarget = Retarget(CATALOG, models, DAY)
    report = cost_logs([log], CATALOG, rows_out=retarget)
    return report, {result.model: result for result in retarget.result(report)}


def test_a_model_with_the_same_tokenizer_gives_exact_dollars(tmp_path):
    report, found = compare(write(tmp_path / "log.jsonl", GPT_4O_LOG), "gpt-4.1")
    # as logged on gpt-4o: (4,000 x 2.50 + 8,000 x 1.25 + 400 x 10) + (3,000 x 2.50 +
    # 1,000 x 10) / 2 + (120,000 x 2.50 + 2,000 x 10), per million = 0.024 + 0.00875 + 0.32
    assert report.total_usd == Decimal("0.35275")
    on = found["gpt-4.1"]
    # on gpt-4.1, the same counts: (4,000 x 2 + 8,000 x 0.50 + 400 x 8) + (3,000 x 2 +
    # 1,000 x 8) / 2 + (120,000 x 2 + 2,000 x 8) = 0.0152 + 0.007 + 0.256
    assert on.as_usd == Decimal("0.2782")
    assert on.cost_usd == Decimal("0.35275")
    assert on.exact and on.as_low == on.as_high == on.as_usd
    assert on.not_served == [] and on.calls == 3
    entry = on.by_model["gpt-4o"]
    assert (entry.as_input_tokens, entry.as_output_tokens) == (135_000, 3_400)
    assert entry.as_dict()["label"] == "exact"


def test_a_model_with_another_tokenizer_is_a_labelled_estimate_with_its_band(tmp_path):
    _, found = compare(write(tmp_path / "log.jsonl", GPT_4O_LOG), "claude-sonnet-4-5")
    on = found["claude-sonnet-4-5"]
    assert not on.exact and on.as_dict()["label"] == "estimate"
    conversion = on.by_model["gpt-4o"].conversion
    assert (conversion.source, conversion.target) == ("tiktoken:o200k_base", "estimate:anthropic")
    # the corpus measured with today's tokenizers (docs/usage-as.md shows the table)
    assert (round(conversion.ratio, 3), round(conversion.low, 3), round(conversion.high, 3)) == (
        1.053,
        0.372,
        1.367,
    )

    def claude(ratio: float) -> Decimal:
        """The log's counts times ``ratio``, at Claude Sonnet 4.5's $3 / $15, cache reads
        $0.30 per million, batch half price: what a reader works out by hand."""

        def r(tokens: int) -> int:
            return round(tokens * ratio)

        first = r(4_000) * 3 + r(8_000) * Decimal("0.30") + r(400) * 15
        batch = Decimal(r(3_000) * 3 + r(1_000) * 15) / 2
        long = r(120_000) * 3 + r(2_000) * 15
        return (first + batch + long) / 1_000_000

    assert on.as_usd == claude(conversion.ratio)
    assert on.as_low == claude(conversion.low) and on.as_high == claude(conversion.high)
    assert on.as_low < on.as_usd < on.as_high
    # by hand, at the median ratio 1.05304 (1.03873 and 1.06734, the 10th and 11th of the
    # 20 documents): 4,212 uncached x $3 + 8,424 cached x $0.30 + 421 out x $15 = 21,478.2;
    # (3,159 x 3 + 1,053 x 15) / 2 = 12,636; 126,364 x 3 + 2,106 x 15 = 410,682: $0.4447962
    assert on.as_usd == Decimal("0.4447962")
    assert on.by_model["gpt-4o"].input_by == {
        "same tokenizer": 0,
        "log text": 0,
        "reference corpus": 3,
    }


def test_calls_the_model_cannot_serve_are_named_not_dropped(tmp_path):
    log = write(
        tmp_path / "log.jsonl",
        [
            {
                "model": "gpt-4.1",
                "created": NOV_23_2025,
                "usage": {"prompt_tokens": 500_000, "completion_tokens": 100},
            },
            {
                "model": "gpt-4.1",
                "created": NOV_23_2025,
                "usage": {"prompt_tokens": 10_000, "completion_tokens": 100},
            },
            {
                "model": "gpt-4.1",
                "created": NOV_23_2025,
                "usage": {"prompt_tokens": 10_000, "completion_tokens": 20_000},
            },
            {  # Gemini with 4,000 tokens of audio: gpt-4o has no audio input rate
                "modelVersion": "gemini-2.5-flash",
                "createTime": "2025-11-23T10:00:00Z",
                "usageMetadata": {
                    "promptTokenCount": 5_000,
                    "candidatesTokenCount": 50,
                    "promptTokensDetails": [
                        {"modality": "AUDIO", "tokenCount": 4_000},
                        {"modality": "TEXT", "tokenCount": 1_000},
                    ],
                },
            },
        ],
    )
    _, found = compare(log, "gpt-4o")
    on = found["gpt-4o"]
    served = on.by_model["gpt-4.1"]
    # only the 10,000-in, 100-out call fits gpt-4o: 10,000 x 2.50 + 100 x 10 per million
    assert (served.calls, on.as_usd) == (1, Decimal("0.026"))
    assert served.cost_usd == Decimal("0.0208")  # 10,000 x 2 + 100 x 8 on gpt-4.1
    named = {(g.model, g.reason): (g.calls, g.cost_usd, g.first) for g in on.not_served}
    assert named == {
        ("gpt-4.1", "longer than its context window (128,000 tokens)"): (1, 1.0008, f"{log}:1"),
        ("gpt-4.1", "more output than its ceiling (16,384 tokens)"): (1, 0.18, f"{log}:3"),
        ("gemini-2.5-flash", "no audio input rate"): (1, pytest.approx(0.004425), f"{log}:4"),
    }
    assert on.not_served_calls == 3


def test_a_call_too_long_for_the_base_model_is_served_by_its_long_context_variant(tmp_path):
    # 500,000 gpt-4.1 tokens are about 526,000 Claude tokens: over 200K, only Sonnet 4.5's
    # 1M-context variant serves them (priced at its long-context rates), as a log of Claude
    # calls would be priced
    log = write(
        tmp_path / "log.jsonl",
        [
            {
                "model": "gpt-4.1",
                "created": NOV_23_2025,
                "usage": {"prompt_tokens": 500_000, "completion_tokens": 100},
            }
        ],
    )
    _, found = compare(log, "claude-sonnet-4-5")
    on = found["claude-sonnet-4-5"]
    assert on.not_served == [] and on.calls == 1
    tokens = round(500_000 * on.by_model["gpt-4.1"].conversion.ratio)
    assert tokens > 200_000
    # the 1M variant above 200K input: $6 / $22.50 per million
    expected = tokens * 6 + round(100 * on.by_model["gpt-4.1"].conversion.ratio) * Decimal("22.5")
    assert on.as_usd == expected / 1_000_000


def test_a_records_own_text_converts_its_counts(tmp_path):
    request = "Summarise this ticket: the parcel left Leeds on Tuesday but went to the wrong hub."
    reply = "The parcel is delayed because the carrier misrouted it; a trace is open."
    record = {
        "model": "gpt-4o",
        "created": NOV_23_2025,
        "messages": [{"role": "user", "content": request}],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 300},
    }
    assert call_text(record).request == request and call_text(record).reply == reply
    _, found = compare(write(tmp_path / "log.jsonl", [record]), "claude-sonnet-4-5")
    entry = found["claude-sonnet-4-5"].by_model["gpt-4o"]
    o200k = tokenizer_for(CATALOG.resolve("gpt-4o"))

    def claude_tokens(text: str) -> int:  # the Anthropic estimate: 3.5 characters a token
        return math.ceil(len(text) / 3.5)

    assert entry.as_input_tokens == round(900 * claude_tokens(request) / o200k.count_text(request))
    assert entry.as_output_tokens == round(300 * claude_tokens(reply) / o200k.count_text(reply))
    assert entry.input_by["log text"] == entry.output_by["log text"] == 1


def test_reference_corpus_mixes_the_kinds_of_text_it_claims():
    names = [name for name, _ in reference_documents()]
    assert len(names) == 20
    for prefix in ("en-", "code-", "json-", "zh-", "ja-", "ko-"):
        assert any(name.startswith(prefix) for name in names), prefix
    listed = Path(reference_documents.__code__.co_filename).parent / "data" / "reference"
    readme = (listed / "README.md").read_text()
    assert all(f"| {name} |" in readme for name in names)  # every document described
    assert "MIT" in readme  # and its licence noted


def test_a_shared_tokenizer_converts_nothing():
    o200k = tokenizer_for(CATALOG.resolve("gpt-4o"))
    assert measure(o200k, tokenizer_for(CATALOG.resolve("gpt-4.1"))).exact


# ------------------------------------------------------------------ the command


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_command_prints_both_and_json_carries_them(tmp_path):
    log = write(tmp_path / "log.jsonl", GPT_4O_LOG)
    result = run("usage", log, "--as", "gpt-4.1", "--as", "claude-sonnet-4-5")
    assert result.exit_code == 0, result.output
    assert "on gpt-4.1 (exact: the same tokenizer; tiktoken:o200k_base)" in result.stdout
    assert re.search(r"gpt-4o +3 +\$0\.3528 +\$0\.2782 +-21\.1% +exact", result.stdout)
    assert "on claude-sonnet-4-5 (estimate; estimate:anthropic)" in result.stdout
    assert "converted: gpt-4o: 1.053 estimate:anthropic tokens per tiktoken:o200k_base" in (
        result.stdout
    )
    data = json.loads(run("usage", log, "--as", "claude-sonnet-4-5", "--json").stdout)
    (on,) = data["as"]
    assert on["label"] == "estimate" and on["as_usd_low"] < on["as_usd"] < on["as_usd_high"]
    assert on["cost_usd"] == data["total_usd"] == 0.35275


def test_rows_and_the_comparison_in_one_read(tmp_path):
    log = write(tmp_path / "log.jsonl", GPT_4O_LOG)
    rows = tmp_path / "rows.csv"
    result = run("usage", log, "--as", "gpt-4.1", "-o", rows)
    assert result.exit_code == 0, result.output
    assert len(rows.read_text().splitlines()) == 4  # header and three calls
    assert "$0.2782" in result.stdout


def test_bad_as_models_and_engines_are_one_line_errors(tmp_path):
    log = write(tmp_path / "log.jsonl", GPT_4O_LOG)
    unknown = run("usage", log, "--as", "gpt-9-imaginary")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("Error: unknown model 'gpt-9-imaginary'")
    dask = run("usage", log, "--as", "gpt-4.1", "--engine", "dask")
    assert dask.exit_code == 2
    assert "--as prices in one process" in dask.stderr


def test_models_of_different_tokenizers_estimated_alike_are_never_exact(tmp_path):
    # DeepSeek and Llama name different Hugging Face tokenizers; without their files both
    # are estimated at 4 characters a token: the counts carry over, labelled an estimate
    log = write(
        tmp_path / "log.jsonl",
        [{"model": "deepseek-chat", "usage": {"prompt_tokens": 10_000, "completion_tokens": 500}}],
    )
    _, found = compare(log, "meta-llama/Llama-3.3-70B-Instruct-Turbo")
    (on,) = found.values()
    assert not on.exact and on.as_dict()["label"] == "estimate"


# ------------------------------------------------------------------ the page that documents it

DOC = Path(__file__).parent.parent / "docs" / "usage-as.md"


def test_every_example_of_the_page_prints_what_it_shows(tmp_path, monkeypatch):
    from tests.test_readme import examples, run_example, scratch

    cases = examples(DOC.read_text(encoding="utf-8"))
    assert len(cases) >= 2
    monkeypatch.chdir(scratch(tmp_path))
    for command, expected in cases:
        code, printed = run_example(command)
        assert code in (0, 1), command
        assert printed == expected.rstrip("\n"), f"docs/usage-as.md: `{command}` has drifted"


def test_the_pages_ratio_table_is_what_the_corpus_measures():
    from budget.tokenizers.estimate import EstimateTokenizer
    from budget.tokenizers.tiktoken_backend import TiktokenTokenizer

    def tokenizer(name: str):
        scheme, _, argument = name.partition(":")
        return TiktokenTokenizer(argument) if scheme == "tiktoken" else EstimateTokenizer(argument)

    rows = re.findall(
        r"^\| (\S+:\S+) \| (\S+:\S+) \| ([\d.]+) \| ([\d.]+)\.\.([\d.]+) \|$",
        DOC.read_text(encoding="utf-8"),
        re.M,
    )
    assert len(rows) == 6
    for source, target, ratio, low, high in rows:
        found = measure(tokenizer(source), tokenizer(target))
        shown = (f"{found.ratio:.3f}", f"{found.low:.3f}", f"{found.high:.3f}")
        assert shown == (ratio, low, high), (source, target)
