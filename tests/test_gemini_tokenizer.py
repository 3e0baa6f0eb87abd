"""Gemini text counted exactly offline with the bundled Gemma 3 vocabulary (issue 23).

The reference is the same vocabulary loaded with Hugging Face ``tokenizers`` directly from
the bundled file, and the figures in Google's SDK documentation ("What is your name?" is 5
tokens, "Hello, world!" 4).
"""

from __future__ import annotations

import io
import json
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.inputs.files import text_blocks
from budget.tokenizers import gemma_backend, tokenizer_for
from budget.tokenizers.count import count_paths
from budget.tokenizers.gemini_request import gemini_texts
from budget.tokenizers.gemma_backend import GemmaTokenizer, read_vocabulary
from budget.tokenizers.protocol import Request
from pricing.catalog import load_catalog
from pricing.errors import InputError

ROOT = Path(__file__).resolve().parents[1]

CORPUS = {
    "english": "The quick brown fox jumps over the lazy dog. It wasn't the fox's first jump.",
    "code": 'def count(text: str) -> int:\n    """Count."""\n    return len(text.split())  # ok\n',
    "json": '{"model": "gemini-2.5-pro", "contents": [{"parts": [{"text": "hi"}]}]}',
    "cjk": "日本語のテキストを数えます。中文分词测试。한국어 문장도 있습니다.",
    "emoji": "Ship it 🚀🚀 — thanks 👍🏽! Family: 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵",
    "whitespace": "a  b   c    d\t\te\n\n\n\nf" + " " * 40 + "g\r\n\r\nh",
    "leading space": "   indented line\n  second\n",
    "html": "<table><tr><td>1</td></tr></table> <b>bold</b> <bos> <start_of_turn>user",
    "numbers": "3.14159 2,718,281 1e-9 0xDEADBEEF 12345678901234567890",
    "accents": "Crème brûlée, naïve façade, Ångström, Straße, İstanbul",
    "issue examples": "What is your name?\nHello, world!",
    "long word": "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    "empty": "",
}


@pytest.fixture(scope="module")
def reference():
    """The bundled vocabulary through ``tokenizers`` itself, not through our adapter."""
    from tokenizers import Tokenizer

    data = lzma.decompress(gemma_backend.vocabulary_file("gemma3").read_bytes())
    return Tokenizer.from_str(data.decode())


@pytest.fixture(scope="module")
def gemma():
    return GemmaTokenizer("gemma3")


@pytest.mark.parametrize("label", CORPUS)
def test_counts_equal_the_vocabulary_through_tokenizers(gemma, reference, label):
    text = CORPUS[label]
    expected = len(reference.encode(text, add_special_tokens=False).ids)
    assert gemma.count_text(text) == expected
    assert gemma.count_many([text, text]) == [expected, expected]


def test_the_figures_in_googles_sdk_documentation(gemma):
    # google-genai LocalTokenizer docs: count_tokens("What is your name?") -> total_tokens=5;
    # the Java/Go SDK examples count "Hello, world!" as 4.
    assert gemma.count_text("What is your name?") == 5
    assert gemma.count_text("Hello, world!") == 4


def test_hand_checked_pieces(gemma):
    # No dummy prefix: a leading word has no "▁"; spaces inside join the next word.
    pieces = gemma.tokenizer.encode("What is your name?", add_special_tokens=False).tokens
    assert pieces == ["What", "▁is", "▁your", "▁name", "?"]
    # Runs of spaces and newlines are single pieces of the vocabulary.
    assert gemma.count_text("a" + " " * 8 + "b") == 3
    assert gemma.count_text("\n" * 5) == 1


def test_the_catalog_uses_it_for_the_models_googles_sdk_lists():
    catalog = load_catalog()
    exact = ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash"]
    exact += ["gemini-2.0-flash-lite", "gemini-3-pro-preview", "gemini-3-flash-preview"]
    for name in exact:
        assert catalog.resolve(name).tokenizer == "gemma:gemma3", name
    # The SDK counts these with Gemma 4 (not bundled), or lists them not at all.
    for name in ("gemini-3.1-pro-preview", "gemini-3.5-flash", "gemini-1.5-pro"):
        assert catalog.resolve(name).tokenizer == "estimate:gemini", name


def test_a_text_cut_into_blocks_counts_the_same(gemma):
    # `count` reads a text file in blocks cut where budget.inputs.files finds a safe cut
    # (after a newline before a printable character, else between words); Gemma pieces
    # never span those cuts, so the blocks add up to the whole (chunk_safe).
    text = ("\n".join(CORPUS.values()) + "\n") * 40 + "word " * 3000
    blocks = list(text_blocks(io.BytesIO(text.encode()), block_size=2048))
    assert len(blocks) > 20 and not any(forced for _, forced in blocks)
    pieces = [gemma.count_text(block.data.decode()) for block, _ in blocks]
    assert sum(pieces) == gemma.count_text(text)


def test_count_reads_a_text_file_exactly(tmp_path, gemma):
    path = tmp_path / "prompt.txt"
    text = "\n".join(CORPUS.values())
    path.write_text(text, encoding="utf-8")
    counted = count_paths([str(path)], load_catalog().resolve("gemini-2.5-pro"))
    assert counted.exact and counted.tokenizer == "gemma:gemma3"
    assert counted.tokens == gemma.count_text(text)


def test_a_tampered_vocabulary_is_refused(tmp_path):
    original = gemma_backend.vocabulary_file("gemma3")
    sha = gemma_backend.VOCABULARIES["gemma3"].sha256
    edited = tmp_path / original.name
    data = lzma.decompress(original.read_bytes()).replace(
        b'"\xe2\x96\x81is"', b'"\xe2\x96\x81iz"', 1
    )
    edited.write_bytes(lzma.compress(data, preset=0))  # quick; any xz will do
    with pytest.raises(InputError) as raised:
        read_vocabulary(edited, sha)
    message = str(raised.value)
    assert "\n" not in message and "does not match its published SHA-256" in message
    assert str(edited) in message and "reinstall token-budget" in message
    # A damaged archive (cut short) is refused the same way, not with an lzma traceback.
    cut = tmp_path / "cut.json.xz"
    cut.write_bytes(original.read_bytes()[:1000])
    with pytest.raises(InputError, match="does not match its published SHA-256"):
        read_vocabulary(cut, sha)


def test_the_cli_refuses_a_tampered_vocabulary_in_one_line(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    original = gemma_backend.vocabulary_file("gemma3")
    (data / original.name).write_bytes(original.read_bytes()[:-64] + b"\0" * 64)
    prompt = tmp_path / "p.txt"
    prompt.write_text("What is your name?")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from budget.tokenizers import gemma_backend\n"
        f"gemma_backend.DATA_DIR = Path({str(data)!r})\n"
        "sys.argv = ['budget', 'count', sys.argv[1], '--model', 'gemini-2.5-pro']\n"
        "from budget.cli import main\n"
        "main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(prompt)], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert "gemma3.tokenizer.json.xz: vocabulary does not match its published SHA-256" in lines[0]


# Commands that do not count never decompress the vocabulary nor import tokenizers.
LAZY_DRIVER = """
import atexit, sys
atexit.register(lambda: print("loaded:", sorted(
    m for m in ("tokenizers", "budget.tokenizers.gemma_backend") if m in sys.modules),
    file=sys.stderr))
sys.argv = ["budget", *sys.argv[1:]]
from budget.cli import main
main()
"""
LAZY_COMMANDS = {
    "cost": ["cost", "--model", "gemini-2.5-pro", "--input", "1000", "--output", "200"],
    "limits": ["limits", "gemini-2.5-pro"],
    "models": ["models", "gemini"],
    "report": ["report", "reports/rag-service.yaml"],
}


@pytest.mark.parametrize("label", LAZY_COMMANDS)
def test_commands_that_do_not_count_do_not_load_the_vocabulary(label):
    env = {**os.environ, "TOKEN_BUDGET_AT": "2026-11-25"}
    argv = [sys.executable, "-c", LAZY_DRIVER, *LAZY_COMMANDS[label]]
    run = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "loaded: []" in run.stderr


def test_counting_does_load_it():  # the driver above can see a load
    env = {**os.environ, "TOKEN_BUDGET_AT": "2026-11-25"}
    argv = [sys.executable, "-c", LAZY_DRIVER, "count", "-", "--model", "gemini-2.5-pro"]
    run = subprocess.run(argv, input="hi", capture_output=True, text=True, env=env, cwd=ROOT)
    assert "loaded: ['budget.tokenizers.gemma_backend', 'tokenizers']" in run.stderr


# A chat request in Gemini's shape, counted as google-genai's LocalTokenizer counts it.
GEMINI_REQUEST = {
    "systemInstruction": {"parts": [{"text": "You are a terse assistant."}]},
    "contents": [
        {"role": "user", "parts": [{"text": "What is your name?"}]},
        {"role": "model", "parts": [{"text": "Hello, world!"}]},
    ],
}
TOOL_REQUEST = {
    "contents": [
        {"role": "user", "parts": [{"text": "Weather in Paris?"}]},
        {
            "role": "model",
            "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}],
        },
        {
            "role": "user",
            "parts": [
                {
                    "functionResponse": {
                        "name": "get_weather",
                        "response": {"temp_c": 21, "sky": "clear"},
                    }
                }
            ],
        },
    ],
    "tools": [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Current weather for a city.",
                    "parameters": {
                        "type": "OBJECT",
                        "properties": {
                            "city": {"type": "STRING", "description": "City name"},
                            "unit": {"type": "STRING", "enum": ["celsius", "fahrenheit"]},
                        },
                        "required": ["city"],
                    },
                }
            ]
        }
    ],
}


def test_a_text_request_in_geminis_shape_is_its_texts(tmp_path, gemma):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(GEMINI_REQUEST))
    model = load_catalog().resolve("gemini-2.5-pro")
    counted = count_paths([str(path)], model)
    # 5 + 4 (Google's figures) + "You are a terse assistant." 6; nothing per message.
    assert gemma.count_text("You are a terse assistant.") == 6
    assert counted.tokens == 15 and counted.exact and counted.notes == []


def test_tools_and_function_calls_count_the_texts_the_sdk_collects(gemma):
    texts = gemini_texts(Request(TOOL_REQUEST["contents"], TOOL_REQUEST["tools"])).texts
    # The SDK's _TextsAccumulator order: contents (call name, arg keys and strings; response
    # name, keys, string values), then declarations (name, description, schema texts).
    assert texts == [
        "Weather in Paris?",
        *["get_weather", "city", "Paris"],  # the call: name, arg keys, string values
        *["get_weather", "temp_c", "sky", "clear"],  # the response: 21 is not text
        *["get_weather", "Current weather for a city."],
        *["city", "city", "City name", "unit", "celsius", "fahrenheit"],  # required first
    ]
    counted = gemma.count_request(Request(TOOL_REQUEST["contents"], TOOL_REQUEST["tools"]))
    assert counted.tokens == sum(gemma.count_many(texts))
    assert not counted.exact and "tools and function calls" in counted.notes[0]


def test_images_are_estimated_and_said(gemma):
    request = Request(
        [
            {
                "role": "user",
                "parts": [
                    {"text": "What is your name?"},
                    {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                ],
            }
        ]
    )
    counted = gemma.count_request(request)
    assert counted.tokens == 5 + 258 and not counted.exact
    assert "258 tokens assumed per part" in counted.notes[0]


def test_check_messages_reads_geminis_shape(tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(GEMINI_REQUEST))
    result = CliRunner().invoke(
        cli,
        ["check", "--model", "gemini-2.5-flash", "--messages", str(path), "--max-tokens", "100"]
        + ["--json", "--at", "2026-11-25"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["input_tokens"] == 15


def test_online_without_a_key_still_counts_exactly(monkeypatch):
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    model = load_catalog().resolve("gemini-2.5-pro")
    assert tokenizer_for(model, online=True).name == "gemma:gemma3"


def test_the_vocabulary_ships_as_package_data():
    listed = (ROOT / "pyproject.toml").read_text()
    assert '"tokenizers/data/*.json.xz"' in listed
    size = gemma_backend.vocabulary_file("gemma3").stat().st_size
    assert 3_000_000 < size < 6_000_000  # about 3.5 MB, from 33 MB of JSON


DOCS = ROOT / "docs" / "gemini.md"


def test_the_docs_page_shows_real_output(tmp_path, monkeypatch):
    from test_readme import examples, run_example, scratch

    cases = examples(DOCS.read_text(encoding="utf-8"))
    assert len(cases) == 5
    monkeypatch.chdir(scratch(tmp_path))
    for command, expected in cases:
        code, printed = run_example(command)
        assert code == 0, command
        assert printed == expected.rstrip("\n"), f"docs/gemini.md output of `{command}` drifted"
