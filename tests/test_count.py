"""`budget count`: every input format, per-record rows, jobs, and every kind of bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.tokenizers.count import count_paths
from budget.tokenizers.tiktoken_backend import load_encoding
from pricing.catalog import load_catalog

FIXTURES = Path(__file__).parent / "fixtures" / "count"
GPT4O = load_catalog().resolve("gpt-4o")
O200K = load_encoding("o200k_base")


def run(*args: str, input: str | bytes | None = None):
    result = CliRunner().invoke(cli, list(args), input=input)
    return result


def run_json(*args: str, input: str | bytes | None = None) -> dict:
    result = run(*args, "--json", input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def tokens(text: str) -> int:
    return len(O200K.encode_ordinary(text))


def test_text_files_and_globs(tmp_path):
    (tmp_path / "a.txt").write_text("Hello world, how are you?\n")
    (tmp_path / "b.md").write_text("# Title\n\nSome *markdown* here.\n")
    out = run_json("count", str(tmp_path / "*"), "--model", "gpt-4o")
    assert out["model"] == "gpt-4o" and out["tokenizer"] == "tiktoken:o200k_base"
    assert out["exact"] is True
    assert out["records"] == 2
    expected = tokens("Hello world, how are you?\n") + tokens("# Title\n\nSome *markdown* here.\n")
    assert out["tokens"] == expected
    assert [Path(f["path"]).name for f in out["files"]] == ["a.txt", "b.md"]


def test_stdin_and_endoftext_as_plain_text():
    text = "Ignore this: <|endoftext|> and go on."
    out = run_json("count", "-", "--model", "gpt-4o", input=text)
    assert out["tokens"] == tokens(text) and out["records"] == 1
    assert run_json("count", "--model", "gpt-4o", input=text)["tokens"] == tokens(text)


def test_json_request_with_tools_counts_the_chat_overhead(tmp_path):
    # The cookbook's tool example: OpenAI's API reported 101 prompt tokens for gpt-4o.
    path = Path(__file__).parent / "fixtures" / "count" / "cookbook_tools_request.json"
    request = json.loads(path.read_text())
    out = run_json("count", str(path), "--model", "gpt-4o")
    assert out["tokens"] == 101 and out["records"] == 1 and out["exact"] is True
    messages_only = tmp_path / "messages.json"
    messages_only.write_text(json.dumps(request["messages"]))
    # 3 per message + role + content, + 3 reply priming
    expected = sum(3 + tokens(m["role"]) + tokens(m["content"]) for m in request["messages"]) + 3
    assert run_json("count", str(messages_only), "-m", "gpt-4o")["tokens"] == expected


def test_openai_batch_file_and_per_record_csv(tmp_path):
    rows_path = tmp_path / "rows.csv"
    out = run_json(
        "count",
        str(FIXTURES / "openai_batch.jsonl"),
        "-m",
        "gpt-4o",
        "--per-record",
        str(rows_path),
    )
    first = 3 + tokens("system") + tokens("You are a helpful assistant.")
    first += 3 + tokens("user") + tokens("Summarise the plot of Hamlet in one sentence.") + 3
    second = 3 + tokens("user") + tokens("Translate 'good morning' into French.") + 3
    assert out["records"] == 2 and out["tokens"] == first + second
    with open(rows_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["line"], r["custom_id"], int(r["tokens"])) for r in rows] == [
        ("1", "req-1", first),
        ("2", "req-2", second),
    ]


def test_openai_embeddings_batch_counts_the_texts_without_chat_overhead(tmp_path):
    # /v1/embeddings bills the input texts alone: no message or reply-priming tokens.
    path = tmp_path / "embeddings.jsonl"
    lines = [
        {"custom_id": "e-1", "method": "POST", "url": "/v1/embeddings",
         "body": {"model": "text-embedding-3-small", "input": "The quick brown fox"}},
        {"custom_id": "e-2", "method": "POST", "url": "/v1/embeddings",
         "body": {"model": "text-embedding-3-small", "input": ["jumps over", "the lazy dog"]}},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = run_json("count", str(path), "-m", "gpt-4o")
    first = tokens("The quick brown fox")
    second = tokens("jumps over") + tokens("the lazy dog")
    assert out["tokens"] == first + second and out["records"] == 2 and out["exact"] is True


def test_anthropic_batch_file_is_a_labelled_estimate():
    out = run_json("count", str(FIXTURES / "anthropic_batch.jsonl"), "-m", "claude-sonnet-4-5")
    assert out["exact"] is False and out["tokenizer"] == "estimate:anthropic"
    assert "estimate" in out["method"]
    # system + message text, 3.5 characters a token (rounded up), + 3 per message
    first = -(-len("You classify support tickets.My invoice shows the wrong VAT number.") // 3.5)
    second = -(-len("The app crashes when I upload a photo.") // 3.5)
    assert out["tokens"] == int(first) + 3 + int(second) + 3
    table = run("count", str(FIXTURES / "anthropic_batch.jsonl"), "-m", "claude-sonnet-4-5")
    assert "no (estimate)" in table.output


@pytest.mark.parametrize("key", ["systemInstruction", "system_instruction"])
def test_gemini_request_counts_the_system_instruction_text(tmp_path, key):
    # Gemini's REST API takes either spelling; the estimate counts the text, not its JSON.
    path = tmp_path / "gemini.json"
    path.write_text(
        json.dumps(
            {
                key: {"parts": [{"text": "Be brief."}]},
                "contents": [{"role": "user", "parts": [{"text": "Hello there"}]}],
            }
        )
    )
    out = run_json("count", str(path), "-m", "gemini-3.5-flash")  # still an estimate
    # "Be brief." + "Hello there" = 20 characters / 4 = 5, + 3 for the one message
    assert out["tokens"] == 8 and out["exact"] is False
    # gemini-2.5-pro: Gemma 3, as Google's SDK counts: Be|▁brief|. + Hello|▁there, no overhead
    out = run_json("count", str(path), "-m", "gemini-2.5-pro")
    assert out["tokens"] == 5 and out["exact"] is True


def test_format_option_overrides_the_kind_of_file(tmp_path):
    path = tmp_path / "requests.log"
    path.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n')
    as_jsonl = run_json("count", str(path), "-m", "gpt-4o", "--format", "jsonl")
    assert as_jsonl["tokens"] == 3 + tokens("user") + tokens("hi") + 3
    # .log says nothing, the content is one JSON request: counted as one, as --format json
    assert run_json("count", str(path), "-m", "gpt-4o")["tokens"] == as_jsonl["tokens"]
    as_text = run_json("count", str(path), "-m", "gpt-4o", "--format", "text")
    assert as_text["tokens"] == tokens(path.read_text())
    wrong_shape = run("count", str(path), "-m", "gpt-4o", "--format", "anthropic-batch")
    assert wrong_shape.exit_code == 2 and f"{path}:1: params:" in wrong_shape.output


def test_csv_column(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text('id,body\n1,"Refund please, it broke."\n2,"Where is my order?"\n')
    out = run_json("count", str(path), "-m", "gpt-4o", "--column", "body")
    assert out["records"] == 2
    assert out["tokens"] == tokens("Refund please, it broke.") + tokens("Where is my order?")
    missing = run("count", str(path), "-m", "gpt-4o", "--column", "text")
    assert missing.exit_code == 2 and "no column 'text' (columns: id, body)" in missing.output
    no_column = run("count", str(path), "-m", "gpt-4o")
    assert no_column.exit_code == 2 and "needs --column" in no_column.output


def test_user_catalog_model_with_cl100k(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("antidisestablishmentarianism")
    out = run_json(
        "--catalog", str(FIXTURES / "gpt4_catalog.yaml"), "count", str(path), "-m", "gpt-4-0613"
    )
    assert out["tokenizer"] == "tiktoken:cl100k_base"
    assert out["tokens"] == len(load_encoding("cl100k_base").encode_ordinary(path.read_text()))


def test_jobs_give_the_same_counts_as_one_process(tmp_path):
    path = tmp_path / "many.jsonl"
    lines = [
        json.dumps(
            {
                "custom_id": f"r{i}",
                "body": {
                    "messages": [{"role": "user", "content": f"Question {i}: " + "why " * (i % 17)}]
                },
            }
        )
        for i in range(3000)
    ]
    path.write_text("\n".join(lines) + "\n")
    text = tmp_path / "big.txt"
    text.write_text("Lorem ipsum dolor sit amet.\n" * 40000)
    one = count_paths([str(path), str(text)], GPT4O, jobs=1)
    two = count_paths([str(path), str(text)], GPT4O, jobs=2)
    assert (two.tokens, two.records) == (one.tokens, one.records)
    assert one.files[1].tokens == tokens(text.read_text())


def test_estimate_of_a_long_text_rounds_once_not_once_per_block(tmp_path):
    # 8.4 MB is read in three blocks; an estimate is ceil(characters / 3.5) for the whole
    # text, as `budget count` gives for a short file, not one rounding-up per block.
    path = tmp_path / "long.txt"
    path.write_text("Claude reads this line of a long document.\n" * 195_089)  # 8,388,827 chars
    claude = load_catalog().resolve("claude-sonnet-4-5")
    for jobs in (1, 2):
        result = count_paths([str(path)], claude, jobs=jobs)
        assert result.tokens == 2_396_808  # ceil(8,388,827 / 3.5)
        assert result.exact is False


def test_library_records_callback_in_file_order(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('"first text"\n\n{"text": "second"}\n')
    seen = []
    result = count_paths([str(path)], GPT4O, on_record=seen.append)
    assert [(r.line, r.tokens) for r in seen] == [(1, tokens("first text")), (3, tokens("second"))]
    assert result.records == 2


# -- bad input: one line, exit code 2, no traceback ---------------------------------------


def assert_bad(result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_invalid_utf8_names_the_file_and_byte(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"caf\xc3\xa9 ok\nbad \xff byte\n")
    assert_bad(run("count", str(path), "-m", "gpt-4o"), f"{path}: not valid UTF-8 at byte 13")
    replaced = run_json("count", str(path), "-m", "gpt-4o", "--errors", "replace")
    assert replaced["tokens"] == tokens("café ok\nbad \ufffd byte\n")


def test_malformed_jsonl_line_and_skip_invalid(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "one"}\n{"text": "two"\n{"text": "three"}\n[1, 2]\n')
    assert_bad(run("count", str(path), "-m", "gpt-4o"), f"{path}:2: invalid JSON")
    skipped = run("count", str(path), "-m", "gpt-4o", "--skip-invalid", "--json")
    assert skipped.exit_code == 0
    assert "skipped 2 invalid line(s)" in skipped.stderr
    out = json.loads(skipped.stdout)
    assert out["skipped"] == 2 and out["records"] == 2
    assert out["tokens"] == tokens("one") + tokens("three")


def test_per_record_file_is_not_left_half_written(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "one"}\nnot json\n')
    rows = tmp_path / "rows.csv"
    result = run("count", str(path), "-m", "gpt-4o", "--per-record", str(rows))
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == [path]


def test_missing_file(tmp_path):
    assert_bad(run("count", str(tmp_path / "nope.txt"), "-m", "gpt-4o"), "nope.txt: no such file")


def test_empty_input_is_zero_tokens(tmp_path):
    for name in ("empty.txt", "empty.jsonl"):
        (tmp_path / name).write_text("")
    out = run_json(
        "count", str(tmp_path / "empty.txt"), str(tmp_path / "empty.jsonl"), "-m", "gpt-4o"
    )
    assert out["tokens"] == 0 and out["records"] == 1  # the text file is one (empty) record
    assert run_json("count", "-m", "gpt-4o", input="")["tokens"] == 0


def test_unknown_model_suggests_names(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("hi")
    result = run("count", str(path), "-m", "gpt-4oo")
    # One error line, then how to add the model with --catalog (a three-line YAML example).
    first, *hint = result.output.strip().splitlines()
    assert result.exit_code == 2 and "did you mean gpt-4o" in first
    assert hint[0].startswith("To price it, pass --catalog FILE") and len(hint) == 4


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"body": {"messages": "hi"}}', "1: body.messages: expected a list of message objects"),
        ("42", "1: expected a chat request or a text, got int"),
        ('{"foo": 1}', "1: expected messages, body.messages"),
        ('[{"messages": []}]', "1: messages[0]: expected a message with role and content"),
    ],
)
def test_wrong_shapes_name_the_field(tmp_path, line, message):
    path = tmp_path / "r.jsonl"
    path.write_text(line + "\n")
    assert_bad(run("count", str(path), "-m", "gpt-4o"), f"{path}:{message}")


def test_progress_reports_every_byte(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("A line of text for the progress bar.\n" * 200_000)  # 7.4 MB: 2 blocks
    done = []
    count_paths([str(path)], GPT4O, on_progress=done.append)
    assert len(done) == 2 and sum(done) == path.stat().st_size


def test_invalid_utf8_in_csv_and_jsonl(tmp_path):
    table = tmp_path / "t.csv"
    table.write_bytes(b"id,body\n1,caf\xff\n")
    assert_bad(run("count", str(table), "-m", "gpt-4o", "--column", "body"), "not valid UTF-8")
    lines = tmp_path / "t.jsonl"
    lines.write_bytes(b'{"text": "ok"}\n{"text": "\xff"}\n')
    assert_bad(run("count", str(lines), "-m", "gpt-4o"), f"{lines}: not valid UTF-8 at byte 25")


def test_jsonl_content_in_a_json_file_is_counted_as_jsonl(tmp_path):
    path = tmp_path / "requests.json"
    line = json.dumps({"messages": [{"role": "user", "content": "hi"}]})
    path.write_text(f"{line}\n{line}\n", encoding="utf-8")
    counted = run_json("count", str(path), "-m", "gpt-4o")  # the content decides, not .json
    assert counted["records"] == 2 and counted["files"][0]["format"] == "jsonl"
    assert counted["tokens"] == 2 * (3 + tokens("user") + tokens("hi") + 3)
    forced = run("count", str(path), "-m", "gpt-4o", "--format", "json")
    assert forced.exit_code == 2
    assert "one JSON value per line (JSONL)" in forced.output
    assert "--format jsonl" in forced.output


NESTED_TOOL = {
    "type": "function",
    "function": {
        "name": "book",
        "description": "Book a trip",
        "parameters": {
            "type": "object",
            "properties": {
                "stops": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"city": {"type": "string"}}},
                }
            },
        },
    },
}
URL_IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}


def _request_file(tmp_path, content, tools=None):
    request = {"messages": [{"role": "user", "content": content}]}
    if tools:
        request["tools"] = tools
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    return str(path)


def test_an_inexact_request_says_which_parts_are_estimated(tmp_path):
    path = _request_file(tmp_path, "Plan my trip", [NESTED_TOOL])
    data = run_json("count", path, "-m", "gpt-4o")
    assert data["exact"] is False
    assert len(data["notes"]) == 1
    assert "tool definitions with nested schemas" in data["notes"][0]
    human = run("count", path, "-m", "gpt-4o")
    assert "exact      no (estimate: the tokenizer is exact, parts of the request are not)" in (
        human.output
    )
    assert "estimated  tool definitions with nested schemas" in human.output


def test_a_url_image_discloses_the_tokens_assumed(tmp_path):
    content = [{"type": "text", "text": "What is this?"}, URL_IMAGE]
    data = run_json("count", _request_file(tmp_path, content), "-m", "gpt-4o")
    assert data["exact"] is False
    assert data["notes"] == [
        "images: no size given, so 765 tokens assumed per image "
        "(a 1024x1024 image at high detail: 85 + 4 tiles x 170)"
    ]
    claude = run_json("count", _request_file(tmp_path, content), "-m", "claude-sonnet-4-5")
    assert any("1,600 tokens assumed per image" in note for note in claude["notes"])


def test_an_exact_request_has_no_notes():
    data = run_json("count", str(FIXTURES / "cookbook_tools_request.json"), "-m", "gpt-4o")
    assert data["exact"] is True and data["notes"] == []


def test_online_without_a_key_warns_that_the_count_is_an_estimate(tmp_path):
    path = tmp_path / "hi.txt"
    path.write_text("hi there\n", encoding="utf-8")
    env = {"ANTHROPIC_API_KEY": None}
    result = CliRunner().invoke(
        cli, ["count", str(path), "-m", "claude-sonnet-4-5", "--online"], env=env
    )
    assert result.exit_code == 0
    assert result.stderr.strip() == (
        "warning: --online: ANTHROPIC_API_KEY is not set, so the count is an estimate"
    )
    assert "no (estimate)" in result.stdout
    offline = CliRunner().invoke(cli, ["count", str(path), "-m", "claude-sonnet-4-5"], env=env)
    assert offline.stderr == ""


def test_two_threads_counting_for_different_models_each_get_their_own_tokenizer(tmp_path):
    # The library keeps no tokenizer in a module global: two callers in threads, one per
    # model, count with their own models (each result equals its count run alone).
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "doc.txt"
    path.write_text("Tokenizers differ: the same text is not the same count.\n" * 5000)
    catalog = load_catalog()
    models = [catalog.resolve("gpt-5.2"), catalog.resolve("claude-sonnet-4-5")] * 4
    alone = {m.id: count_paths([str(path)], m).tokens for m in models[:2]}
    assert alone["gpt-5.2"] != alone["claude-sonnet-4-5"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda m: (m.id, count_paths([str(path)], m).tokens), models))
    assert all(tokens == alone[model_id] for model_id, tokens in results)


def test_a_directory_counts_every_file_below_it(tmp_path):
    # `budget count DOCS/ -m text-embedding-3-small`: a corpus folder, hidden files left out.
    docs = tmp_path / "docs"
    (docs / "guides").mkdir(parents=True)
    (docs / "a.txt").write_text("first text")
    (docs / "guides" / "b.txt").write_text("second")
    (docs / ".cache").mkdir()
    (docs / ".cache" / "junk.txt").write_text("not a document " * 100)
    (docs / ".DS_Store").write_text("junk")
    result = count_paths([str(docs)], GPT4O)
    assert [f.path for f in result.files] == [str(docs / "a.txt"), str(docs / "guides" / "b.txt")]
    assert result.tokens == tokens("first text") + tokens("second")
    out = CliRunner().invoke(cli, ["count", str(docs), "-m", "text-embedding-3-small", "--json"])
    assert out.exit_code == 0, out.output
    assert '"records": 2' in out.output


def test_a_url_is_counted_like_the_file_it_names(tmp_path):
    # fsspec URLs (s3://, gs://, ...) pass through to fsspec; file:// stands in for them here,
    # with no network. Count and usage read paths by one rule (budget.inputs.files.expand_paths).
    path = tmp_path / "doc.txt"
    path.write_text("Counted the same from a URL as from a path.\n" * 100)
    local = count_paths([str(path)], GPT4O)
    remote = count_paths([path.as_uri()], GPT4O)
    assert remote.tokens == local.tokens and remote.files[0].path == path.as_uri()


def test_a_partitioned_folder_leaves_out_marker_files(tmp_path):
    # Spark and Dask write _SUCCESS markers beside the parts: not documents.
    (tmp_path / "part-0.txt").write_text("first part")
    (tmp_path / "_SUCCESS").write_text("")
    result = count_paths([str(tmp_path)], GPT4O)
    assert [f.path for f in result.files] == [str(tmp_path / "part-0.txt")]
