"""Frictions a new user hit (issue 24), each reproduced first, then held fixed."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.errors import UnknownModelError
from pricing.names import words

CATALOG = load_catalog(())


def run(*args):
    return CliRunner().invoke(cli, list(args))


# Names as people type them: no separators, spaces, dots for dashes, the family word alone.
@pytest.mark.parametrize(
    "typed, first",
    [
        ("gpt5.2", "gpt-5.2"),
        ("GPT 5.2", "gpt-5.2"),
        ("gpt_5_2", "gpt-5.2"),
        ("sonnet-4.5", "claude-sonnet-4-5"),
        ("claude sonnet 4.5", "claude-sonnet-4-5"),
    ],
)
def test_names_people_type_get_the_model_they_meant_first(typed, first):
    with pytest.raises(UnknownModelError) as caught:
        CATALOG.resolve(typed)
    assert caught.value.suggestions[0] == first
    assert f"did you mean {first}" in str(caught.value)


@pytest.mark.parametrize("typed, word", [("claude-sonnet", "sonnet"), ("opus", "opus")])
def test_a_family_name_suggests_its_models_newest_first(typed, word):
    with pytest.raises(UnknownModelError) as caught:
        CATALOG.resolve(typed)
    found = caught.value.suggestions
    assert len(found) == 3
    assert all(word in words(name) for name in found)
    versions = [tuple(int(w) for w in words(name) if w.isdigit()) for name in found]
    assert versions == sorted(versions, reverse=True)


def test_a_one_letter_name_suggests_nothing_rather_than_everything():
    with pytest.raises(UnknownModelError) as caught:
        CATALOG.resolve("o")
    assert caught.value.suggestions == []


def _request(tmp_path, **fields):
    body = {"model": "gpt-5.2", "messages": [{"role": "user", "content": "Hello there."}]}
    path = tmp_path / "chat-request.json"
    path.write_text(json.dumps({**body, **fields}))
    return str(path)


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        ("gpt-5.2", {"max_completion_tokens": 800}),
        ("gpt-4o", {"max_tokens": 800}),  # gpt-5.2 refuses max_tokens: tests/test_request_rules
        ("gemini-2.5-pro", {"generationConfig": {"maxOutputTokens": 800}}),
    ],
)
def test_check_takes_a_single_requests_own_max_tokens(tmp_path, model, fields):
    # Before: "give --max-tokens N" although the file sets its cap (a JSONL line's was read).
    path = _request(tmp_path, **fields)
    result = run("check", "-m", model, "--messages", path, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["max_tokens"], out["max_tokens_from"], out["fits"]) == (800, "request", True)


def test_check_takes_a_responses_requests_max_output_tokens(tmp_path):
    path = tmp_path / "responses-request.json"
    body = {"model": "gpt-5.2", "input": [{"role": "user", "content": "Hello."}]}
    path.write_text(json.dumps({**body, "instructions": "Be brief.", "max_output_tokens": 800}))
    result = run("check", "-m", "gpt-5.2", "--messages", str(path), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["max_tokens"], out["max_tokens_from"], out["fits"]) == (800, "request", True)
    path.write_text(json.dumps({**body, "max_output_tokens": 800}))
    bare = json.loads(run("check", "-m", "gpt-5.2", "--messages", str(path), "--json").stdout)
    assert out["input_tokens"] > bare["input_tokens"]  # the instructions are counted as input


def test_a_requests_own_cap_wins_over_the_option_and_says_so(tmp_path):
    # The issue 25 case: the request asks 500,000 output tokens; --max-tokens 100 must not
    # make it "fit", since the request sends its own cap.
    path = _request(tmp_path, model="gpt-4o", max_tokens=500_000)
    result = run("check", "-m", "gpt-4o", "--messages", path, "--max-tokens", "100")
    assert result.exit_code == 1
    assert "fits              no" in result.stdout
    assert "sets its own max_tokens (500,000); checked with that, not --max-tokens 100" in (
        result.stderr
    )


def test_a_request_without_a_cap_still_asks_for_one(tmp_path):
    path = _request(tmp_path)
    result = run("check", "-m", "gpt-5.2", "--messages", path)
    assert result.exit_code == 2
    assert "give --max-tokens N" in result.stderr
    with_option = run("check", "-m", "gpt-5.2", "--messages", path, "--max-tokens", "900")
    assert with_option.exit_code == 0
    assert "max_tokens        900" in with_option.stdout


def test_cost_calls_the_output_its_name_not_max_tokens():
    # `cost --output` is a reply's length, not a max_tokens: its warnings say "output".
    result = run(
        "cost", "-m", "gpt-4o", "--input", "1000", "--output", "200000", "--at", "2026-11-25"
    )
    assert result.exit_code == 0
    assert (
        "gpt-4o: output 200,000 exceeds the output ceiling 16,384 by 183,616; "
        "lower output to 16,384" in result.stderr
    )
    assert "max_tokens" not in result.stderr


def test_usage_points_at_the_unpriced_list_where_it_is_shown(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"model": "acme-9", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}\n'
        '{"model": "gpt-4o", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}\n'
    )
    table = run("usage", str(log), "--at", "2026-11-25")
    assert table.exit_code == 1
    assert "not priced: 1 call\n" in table.stdout
    assert "1 call could not be priced (the `not priced` table above)" in table.stderr
    as_json = run("usage", str(log), "--json", "--at", "2026-11-25")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["unpriced"][0]["model"] == "acme-9"
    assert "1 call could not be priced (listed under `unpriced`)" in as_json.stderr


def test_plan_says_which_output_its_expected_cost_assumes():
    # --task qa plans for 300 (the top of 150-300) but prices the typical 225: say so.
    result = run("plan", "-m", "gpt-5.2", "--task", "qa", "--input", "1000", "--at", "2026-11-25")
    assert result.exit_code == 0
    assert "planned output         300 (task)" in result.stdout
    # 1,000 x $1.75/M + 225 x $14/M = $0.00175 + $0.00315 = $0.0049
    assert (
        "expected cost          $0.004900 (225 output tokens expected, the middle of the "
        "preset's range)" in result.stdout
    )
    plain = run("plan", "-m", "gpt-5.2", "--expected-output", "800", "--input", "1000")
    assert "expected cost          $0.0130\n" in plain.stdout  # 800 planned, 800 expected


def _conversation(tmp_path, extra: str) -> str:
    path = tmp_path / "chat.yaml"
    path.write_text(
        "name: chat\nstart: 2026-11-01\nmodel: gpt-5.2\n"
        "traffic: {conversations_per_day: 100}\n"
        "conversation: {turns: {p50: 3, p95: 6}, user_tokens: 50, system_tokens: 400}\n"
        "output_tokens: {p50: 150, p95: 400}\nsimulated_calls: 2000\nseed: 1\n" + extra
    )
    return str(path)


def test_batch_share_zero_is_harmless_on_a_conversation(tmp_path):
    path = _conversation(tmp_path, "")
    assert run("whatif", path, "--vary", "batch_share=0").exit_code == 0
    refused = run("whatif", path, "--vary", "batch_share=0,0.5")
    assert refused.exit_code == 2
    assert "--vary batch_share=0.5: batch_share: does not apply to a conversation" in (
        refused.stderr
    )
    in_file = run("report", _conversation(tmp_path, "batch_share: 0\n"))
    assert in_file.exit_code == 0, in_file.output


def _per_provider(tmp_path) -> str:
    path = tmp_path / "bot.yaml"
    path.write_text(
        "name: bot\nstart: 2026-11-01\nmodels: [gpt-5.4-mini]\n"
        "traffic: {calls_per_day: 200000, peak_factor: 3}\n"
        "input_tokens: 3000\noutput_tokens: {p50: 200, p95: 500}\nsimulated_calls: 2000\n"
        "seed: 1\nrate_limits:\n  openai: {rpm: 5000, tpm: 2000000}\n"
    )
    return str(path)


def test_a_varied_key_that_changes_nothing_says_so(tmp_path):
    # Before: `--vary tpm=500000` on per-provider limits changed nothing and said nothing.
    path = _per_provider(tmp_path)
    result = run("whatif", path, "--vary", "tpm=500000", "--json")
    assert result.exit_code == 0, result.output
    said = (
        "--vary tpm=500000 changed no figure of any row: the scenario sets rate limits per "
        "provider (openai), which take precedence over a flat tpm; vary "
        "rate_limits.openai.tpm=... instead"
    )
    assert said in json.loads(result.stdout)["warnings"]
    assert f"warning: {said}" in run("whatif", path, "--vary", "tpm=500000").stderr
    acting = run("whatif", path, "--vary", "rate_limits.openai.tpm=500000", "--json")
    assert "changed no figure" not in acting.stderr
    rows = json.loads(acting.stdout)["rows"]
    assert [r["fits_rate_limits"] for r in rows if not r["baseline"]] == [False]


def test_the_library_takes_a_scenario_path_and_vary_strings():
    import budget

    path = "reports/support-bot.yaml"
    from_path = budget.project(path, at=dt_day())
    from_object = budget.project(budget.load_scenario(path), CATALOG, at=dt_day())
    assert from_path.exact_table.equals(from_object.exact_table)
    assert from_path.exact_table["total_usd"].sum() > 0
    grid = budget.what_if(path, ["calls_per_day=1000,2000"], at=dt_day())
    assert grid.keys == ("calls_per_day",)
    assert budget.parse_vary("calls_per_day=5") == budget.Vary(
        "traffic.calls_per_day", "calls_per_day", ("5",)
    )
    with pytest.raises(TypeError, match="a scenario file's path"):
        budget.project(42)


def dt_day():
    import datetime as dt

    return dt.date(2026, 11, 25)


def test_the_chart_draws_the_whole_bill_and_the_capacity_picture(tmp_path):
    import budget
    from budget.workload.report import chart_data

    projection = budget.project("reports/rag-service.yaml", at=dt_day())
    table = projection.exact_table
    data = chart_data(projection, table)
    month_1 = table[table["period"] == "month-01"]
    embeddings = float(month_1[month_1["line"].str.startswith("embedding")]["total_usd"].sum())
    assert embeddings > 0  # the corpus and the queries: on every alternative's bill
    assert data.embeddings_by_month[1] == pytest.approx(embeddings)
    for name, bill, own in zip(
        data.labels, data.monthly_bill, data.generation_month_1, strict=True
    ):
        row = month_1[(month_1["model"] == name) & (month_1["line"] == "generation")]
        assert own == pytest.approx(float(row["total_usd"].iloc[0]))
        assert bill[0] == pytest.approx(own + embeddings)
    for (use, limit), item in zip(data.peak_use, projection.models, strict=True):
        rows = table[(table["model"] == item.model.id) & table["period"].str.startswith("month-")]
        assert use == pytest.approx(1 - float(rows["headroom"].min()))
        assert limit in ("rpm", "tpm", "input_tpm", "output_tpm")
    png = tmp_path / "rag.png"
    assert run("report", "reports/rag-service.yaml", "--chart", str(png)).exit_code == 0
    assert png.read_bytes().startswith(b"\x89PNG")


def test_whatif_takes_traffic_relative_to_the_file(tmp_path):
    path = _per_provider(tmp_path)  # calls_per_day: 200000
    result = run("whatif", path, "--vary", "calls_per_day=x1,x2,x0.5", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["calls_per_day"]: r for r in json.loads(result.stdout)["rows"]}
    once, twice, half = (Decimal(str(rows[k]["total_usd"])) for k in ("x1", "x2", "x0.5"))
    assert once == Decimal(str(json.loads(result.stdout)["baseline_usd"]))
    assert twice / once == pytest.approx(2, rel=1e-6)  # the same draws, twice the calls
    assert half / once == pytest.approx(0.5, rel=1e-6)
    assert rows["x2"]["calls"] == 2 * rows["x1"]["calls"]
    # a file that gives calls per month: x2 doubles what it gives
    monthly = tmp_path / "monthly.yaml"
    text = Path(path).read_text()
    monthly.write_text(text.replace("calls_per_day: 200000", "calls_per_month: 6000000"))
    grid = run("whatif", str(monthly), "--vary", "calls_per_day=x2", "--json")
    doubled = json.loads(grid.stdout)["rows"]
    base = [r["calls"] for r in doubled if r["baseline"]]
    assert [r["calls"] for r in doubled if not r["baseline"]] == [2 * base[0]]


@pytest.mark.parametrize(
    "value, message",
    [
        ("x2", "the scenario sets no cache.read_share to scale"),
        ("x2000000", "expected a factor from 0 to 1,000,000"),
    ],
)
def test_a_relative_value_that_cannot_apply_is_refused(tmp_path, value, message):
    result = run("whatif", _per_provider(tmp_path), "--vary", f"cache_share={value}")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_whatif_says_which_max_tokens_plan_chose(tmp_path):
    result = run("whatif", _per_provider(tmp_path), "--vary", "max_tokens=plan,2000")
    assert result.exit_code == 0, result.output
    planned = [line for line in result.stdout.splitlines() if "(plan)" in line]
    assert len(planned) == 1
    as_json = json.loads(
        run("whatif", _per_provider(tmp_path), "--vary", "max_tokens=plan,2000", "--json").stdout
    )
    sources = {r["max_tokens_source"] for r in as_json["rows"] if not r["baseline"]}
    assert sources == {"plan", "scenario"}


def test_whatif_writes_markdown_and_a_chart(tmp_path):
    path = _per_provider(tmp_path)
    md, png = tmp_path / "grid.md", tmp_path / "grid.png"
    varies = ["--vary", "model=gpt-5.4-mini,gpt-6-luna", "--vary", "rate_limits.openai.tpm=500000"]
    result = run("whatif", path, *varies, "--markdown", str(md), "--chart", str(png))
    assert result.exit_code == 0, result.output
    assert f"wrote {md}" in result.stdout and f"wrote {png}" in result.stdout
    grid = json.loads(run("whatif", path, *varies, "--json").stdout)
    page = md.read_text()
    table = [line for line in page.splitlines() if line.startswith("| rate_limits")]
    assert len(table) == len(grid["rows"])  # every row, in the grid's order (cheapest first)
    for line, row in zip(table, grid["rows"], strict=True):
        assert f"| {row['model']}" in line
        assert f"${Decimal(str(row['total_usd'])):,.2f}" in line
        assert ("**(baseline)**" in line) == row["baseline"]
        assert ("(over)" in line) == (row["fits_rate_limits"] is False)
    assert "## Warnings" in page and "do not carry the peak" in page
    assert png.read_bytes().startswith(b"\x89PNG")


def test_whatif_outputs_follow_the_output_rules(tmp_path):
    path = _per_provider(tmp_path)
    jpg = run("whatif", path, "--vary", "seed=2", "--chart", str(tmp_path / "x.jpg"))
    assert jpg.exit_code == 2 and "charts are written as PNG" in jpg.stderr
    onto_input = run("whatif", path, "--vary", "seed=2", "--markdown", path)
    assert onto_input.exit_code == 2
    assert Path(path).read_text().startswith("name: bot")  # the scenario is untouched


def test_a_price_change_shows_in_the_report_table(tmp_path):
    # gemini-2.5-pro: routed to gemini-3.8-flash from 2026-12-01, whose price rises on
    # 2027-01-01: months 2 and 3 start at new prices and must show, not only month 1.
    path = tmp_path / "pro.yaml"
    path.write_text(
        "name: pro\nstart: 2026-11-25\nmodels: [gemini-2.5-pro, gpt-5.2]\n"
        "traffic: {calls_per_day: 1000}\ninput_tokens: 2000\noutput_tokens: 300\n"
        "horizon_months: 4\nsimulated_calls: 2000\nseed: 1\n"
    )
    csv_path = tmp_path / "pro.csv"
    result = run("report", str(path), "-o", str(csv_path), "--rows", "periods")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    shown = [(w[0], w[1], w[2] if len(w) > 2 else "") for w in lines if w]
    assert ("gemini-2.5-pro", "month-02", "(new") in shown
    assert ("gemini-2.5-pro", "month-03", "(new") in shown
    assert ("gemini-2.5-pro", "month-04", "(new") not in shown  # same prices as month 3
    assert not any(
        m == "gpt-5.2" and p.startswith("month-0") and p != "month-01" for m, p, _ in shown
    )
    import csv

    rows = list(csv.DictReader(csv_path.open()))
    month_2 = next(r for r in rows if r["model"] == "gemini-2.5-pro" and r["period"] == "month-02")
    line = next(line for line in result.stdout.splitlines() if "month-02" in line)
    assert f"${Decimal(month_2['total_usd']):,.2f}" in line


def _chat_with_system(tmp_path, system: str, models: str = "[gpt-5.2]") -> Path:
    path = tmp_path / "chat-system.yaml"
    path.write_text(
        f"name: chat\nstart: 2026-11-01\nmodels: {models}\n"
        "traffic: {conversations_per_day: 100}\n"
        f"conversation: {{turns: {{p50: 3, p95: 6}}, user_tokens: 50, system_tokens: {system}}}\n"
        "output_tokens: {p50: 150, p95: 400}\nsimulated_calls: 2000\nseed: 1\n"
    )
    return path


def test_a_conversations_system_prompt_can_be_a_file(tmp_path):
    prompt = tmp_path / "system.txt"
    prompt.write_text("You are a helpful support agent for Acme. Answer briefly.\n" * 40)
    import budget

    model = CATALOG.resolve("gpt-5.2")
    tokens = budget.count_paths([str(prompt)], model).tokens  # o200k: exact
    from_file = _chat_with_system(tmp_path, "{prompt_file: system.txt}")
    given = tmp_path / "given.yaml"
    given.write_text(_chat_with_system(tmp_path / "..", str(tokens)).read_text())
    by_file = json.loads(run("report", str(from_file), "--json").stdout)["rows"]
    by_number = json.loads(run("report", str(given), "--json").stdout)["rows"]
    assert [r["total_usd"] for r in by_file] == [r["total_usd"] for r in by_number]
    assert by_file[0]["input_tokens_exact"] is True
    # an estimating tokenizer's count is labelled an estimate
    claude = _chat_with_system(tmp_path, "{prompt_file: system.txt}", "[claude-sonnet-4-5]")
    rows = json.loads(run("report", str(claude), "--json").stdout)["rows"]
    assert rows[0]["input_tokens_exact"] is False
    # the prompt file is an input: a report never writes over it
    onto = run("report", str(from_file), "-o", str(prompt))
    assert onto.exit_code == 2 and prompt.read_text().startswith("You are")


@pytest.mark.parametrize(
    "system, message",
    [
        ("{prompt_file: missing.txt}", "file not found: missing.txt"),
        ("{prompt: x.txt}", "conversation.system_tokens.prompt: unknown key"),
        ("{}", "expected a number or {prompt_file: FILE}"),
    ],
)
def test_a_bad_system_prompt_file_is_named(tmp_path, system, message):
    result = run("report", str(_chat_with_system(tmp_path, system)))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "chat-system.yaml:5:" in result.stderr


def _rag(tmp_path, corpus: str) -> Path:
    path = tmp_path / "rag.yaml"
    path.write_text(
        "name: rag\nstart: 2026-11-01\nmodel: gpt-5.2\ntraffic: {calls_per_day: 1000}\n"
        "input_tokens: 2000\noutput_tokens: 300\nsimulated_calls: 2000\nseed: 1\n"
        f"embeddings: {{model: text-embedding-3-small, {corpus}}}\n"
    )
    return path


def test_an_embedding_corpus_can_be_given_in_bytes(tmp_path):
    # 2 GB at 4 bytes per token = 500,000,000 tokens; text-embedding-3-small at $0.02 per
    # million: $10.00 in month 1.
    by_size = json.loads(run("report", str(_rag(tmp_path, "corpus_size: 2 GB")), "--json").stdout)
    by_tokens = json.loads(
        run("report", str(_rag(tmp_path, "corpus_tokens: 500000000")), "--json").stdout
    )
    corpus = [
        r for r in by_size["rows"] if r["line"] == "embedding corpus" and r["period"] == "month-01"
    ]
    assert corpus[0]["input_tokens"] == 500_000_000
    assert Decimal(str(corpus[0]["total_usd"])) == Decimal("10")
    assert by_size["rows"] == by_tokens["rows"]
    said = [w for w in by_size["warnings"] if w.startswith("embeddings:")]
    assert said == [
        "embeddings: the corpus of 500,000,000 tokens is estimated from 2 GB (2,000,000,000 "
        "bytes) at 4 bytes per token: an estimate (set bytes_per_token for your text, or give "
        "corpus_tokens)"
    ]
    gib_file = _rag(tmp_path, "corpus_size: 1 GiB, bytes_per_token: 2")
    gib = json.loads(run("report", str(gib_file), "--json").stdout)["rows"]
    month_1 = [r for r in gib if r["line"] == "embedding corpus" and r["period"] == "month-01"]
    assert month_1[0]["input_tokens"] == 2**29


@pytest.mark.parametrize(
    "corpus, message",
    [
        ("corpus_size: 2 parsecs", "expected a size such as 2 GB"),
        ("corpus_size: -5", "expected a size such as 2 GB"),
        ("corpus_size: 2 GB, corpus_tokens: 5", "give corpus_tokens or corpus_size, not both"),
        ("corpus_tokens: 5, bytes_per_token: 3", "goes with corpus_size"),
        ("corpus_size: 1 GB, bytes_per_token: 0", "bytes_per_token"),
    ],
)
def test_a_bad_corpus_size_is_named(tmp_path, corpus, message):
    result = run("report", str(_rag(tmp_path, corpus)))
    assert result.exit_code == 2
    assert message in result.stderr and "rag.yaml:9:" in result.stderr


def test_whatif_markdown_carries_the_budget_verdict(tmp_path):
    md = tmp_path / "grid.md"
    varies = ["--vary", "model=gpt-5.4-mini,gpt-6-luna"]
    result = run(
        "whatif", "reports/support-bot.yaml", *varies, "--fail-above", "5000", "--markdown", str(md)
    )
    assert result.exit_code == 1  # a row goes over: the gate fails the pipeline
    grid = json.loads(
        run("whatif", "reports/support-bot.yaml", *varies, "--fail-above", "5000", "--json").stdout
    )
    page = md.read_text()
    over = [r for r in grid["rows"] if r["over_budget"]]
    assert f"{len(over)} of {len(grid['rows'])} rows go over" in page
    for row in over:
        by = Decimal(str(row["over_by_usd"]))
        assert f"over from {row['first_month_over']} (by ${by:,.2f})" in page


def test_per_call_percentiles_are_not_shown_at_prices_they_were_not_ranked_at(tmp_path):
    # Before: month 2's p50/p95 per call stayed at month 1's prices while per_call_usd moved.
    path = tmp_path / "pro.yaml"
    path.write_text(
        "name: pro\nstart: 2026-12-05\nmodels: [gemini-2.5-pro, gpt-5.2]\n"
        "traffic: {calls_per_day: 1000}\ninput_tokens: 2000\noutput_tokens: {p50: 300, p95: 900}\n"
        "horizon_months: 3\nsimulated_calls: 2000\nseed: 1\n"
    )
    csv_path = tmp_path / "pro.csv"
    assert run("report", str(path), "-o", str(csv_path), "--rows", "periods").exit_code == 0
    import csv

    rows = {(r["model"], r["period"]): r for r in csv.DictReader(csv_path.open())}
    # gemini-2.5-pro (routed to gemini-3.8-flash) changes price on 2027-01-01, in month 1
    # (2026-12-05..2027-01-04): every month but none is at its first prices
    for period in ("month-01", "month-02", "total"):
        assert rows["gemini-2.5-pro", period]["p95_per_call_usd"] == ""
        assert rows["gemini-2.5-pro", period]["per_call_usd"] != ""
    # gpt-5.2's prices never change: its percentiles stand in every row
    for period in ("month-01", "month-02", "total"):
        p50 = Decimal(rows["gpt-5.2", period]["p50_per_call_usd"])
        p95 = Decimal(rows["gpt-5.2", period]["p95_per_call_usd"])
        assert 0 < p50 < p95
