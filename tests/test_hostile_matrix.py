"""Every command that reads a file, given every kind of hostile file: the answer is a result
(exit 0 or 1) or one line on stderr with exit 2, never a traceback, never a hang.

Commands run in a subprocess-free CliRunner; FIFOs are fed by a thread, and a command that
never opens one (an error first) is released by opening it here.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli

DEEP = 3000  # past every reader's nesting bound, under libyaml's and orjson's own limits
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)  # 10**9 values once expanded


def kinds(valid: str, number_field: Callable[[str], str]) -> dict[str, bytes | str | None]:
    """The hostile variants of one valid input; ``number_field(n)`` writes a number into it.
    None: the file is not there."""
    return {
        "empty": b"",
        "binary": bytes(range(256)) * 4,
        "utf16": valid.encode("utf-16"),
        "invalid-utf8": valid.encode() + b"\xff\xfe\xc3\x28\n",
        "gzipped": gzip.compress(valid.encode()),  # read decompressed where a kind is sniffed
        "cut-gzip": gzip.compress(valid.encode() * 50)[:30],  # ends mid-stream
        "deep-json": "[" * DEEP + "]" * DEEP,
        "deep-yaml": "a:\n" + "".join("  " * i + "- \n" for i in range(1, 200)) + "[" * DEEP,
        "huge-number": number_field("1" + "0" * 30),
        "huge-digits": number_field("9" * 5000),
        "negative": number_field("-5"),
        "float": number_field("1e400"),
        "wrong-type": number_field('"twelve"'),
        "alias-bomb": BOMB,
        "impossible-date": number_field("2026-13-45"),
        "missing": None,
        "directory": "<dir>",
        "fifo": "<fifo>" + valid,
    }


SCENARIO = (
    "models: [gpt-4o-mini]\ntraffic: {{calls_per_day: {n}}}\ninput_tokens: 100\n"
    "output_tokens: {{p50: 50, p95: 90}}\nsimulated_calls: 500\nhorizon_months: 1\n"
)
CATALOG = (
    "provider: acme\nsource: https://acme.example\nas_of: 2026-11-01\nmodels:\n"
    "  - id: acme-x\n    name: X\n    context_window: {n}\n    max_output_tokens: 10\n"
    "    tokenizer: estimate:generic\n    prices: {{input: 1, output: 2}}\n"
)
USAGE_LINE = '{{"model": "gpt-4o", "usage": {{"prompt_tokens": {n}, "completion_tokens": 5}}}}\n'
CALL = '{{"text": "hello there, how are you", "input_tokens": {n}}}\n'
MESSAGES = '{{"messages": [{{"role": "user", "content": "hi"}}], "max_tokens": {n}}}'

# command -> (file name, valid content with {n}, the arguments around FILE)
COMMANDS: dict[str, tuple[str, str, list[str]]] = {
    "count-text": ("in.txt", "hello {n}", ["count", "FILE", "-m", "gpt-4o"]),
    "count-jsonl": ("in.jsonl", CALL, ["count", "FILE", "-m", "gpt-4o"]),
    "count-json": ("in.json", MESSAGES, ["count", "FILE", "-m", "gpt-4o"]),
    "count-csv": (
        "in.csv",
        "id,text\n1,{n}\n",
        ["count", "FILE", "-m", "gpt-4o", "--column", "text"],
    ),
    "check-messages": (
        "m.json",
        MESSAGES,
        ["check", "--model", "gpt-4o", "--messages", "FILE", "--max-tokens", "100"],
    ),
    "check-prompt": (
        "p.txt",
        "prompt {n}",
        ["check", "--model", "gpt-4o", "--prompt", "FILE", "--max-tokens", "100"],
    ),
    "plan-samples": (
        "s.txt",
        "{n}\n100\n",
        ["plan", "--model", "gpt-4o", "--input", "100", "--samples", "FILE"],
    ),
    "plan-samples-jsonl": (
        "s.jsonl",
        '{{"usage": {{"prompt_tokens": 10, "completion_tokens": {n}}}}}\n',
        ["plan", "--model", "gpt-4o", "--input", "100", "--samples", "FILE"],
    ),
    "cost-usage": ("r.json", USAGE_LINE, ["cost", "--usage", "FILE"]),
    "usage-jsonl": ("u.jsonl", USAGE_LINE, ["usage", "FILE"]),
    "usage-csv": ("u.csv", "model,input_tokens,output_tokens\ngpt-4o,{n},5\n", ["usage", "FILE"]),
    "calibrate": ("c.jsonl", CALL, ["calibrate", "FILE", "-m", "claude-haiku-4-5"]),
    "calibration-file": (
        "cal.json",
        '{{"models": {{"claude-haiku-4-5": {{"chars_per_token": {n}}}}}}}',
        ["count", "hello.txt", "-m", "claude-haiku-4-5", "--calibration", "FILE"],
    ),
    "tokenizer-file": (
        "tokenizer.json",
        '{{"version": "1.0", "model": {{"type": "BPE", "vocab": {{"a": {n}}}, "merges": []}}}}',
        ["count", "hello.txt", "-m", "deepseek-flash", "--tokenizer-file", "FILE"],
    ),
    "report": ("s.yaml", SCENARIO, ["report", "FILE"]),
    "whatif": ("s.yaml", SCENARIO, ["whatif", "FILE", "--vary", "max_tokens=50,80"]),
    "catalog": ("c.yaml", CATALOG, ["--catalog", "FILE", "limits", "acme-x"]),
}

CASES = [
    (command, kind)
    for command in COMMANDS
    for kind in kinds("", str)
    # the YAML-only and JSON-only kinds where they mean something, every other kind everywhere
    if not (kind == "alias-bomb" and not COMMANDS[command][0].endswith((".yaml", ".json")))
]


def feed(fifo: Path, data: bytes) -> threading.Thread:
    def write() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as handle:
            handle.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(("command", "kind"), CASES)
def test_hostile_file(tmp_path, monkeypatch, command, kind):
    monkeypatch.chdir(tmp_path)
    name, valid, arguments = COMMANDS[command]
    (tmp_path / "hello.txt").write_text("hello world")
    content = kinds(valid.format(n=12), lambda n: valid.format(n=n))[kind]
    path = tmp_path / ("sub" if content == "<dir>" else name)
    writer = None
    if content == "<dir>":
        path.mkdir()
    elif isinstance(content, str) and content.startswith("<fifo>"):
        os.mkfifo(path)
        writer = feed(path, content.removeprefix("<fifo>").encode())
    elif content is not None:
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    args = [str(path) if a == "FILE" else a for a in arguments]
    result = CliRunner().invoke(cli, args)
    if writer is not None and writer.is_alive():  # never opened: let the writer go
        reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        writer.join(10)
        os.close(reader)
    assert writer is None or not writer.is_alive()
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    assert "Warning: " not in result.stderr
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert len(lines[0]) < 400, lines[0][:500]
    assert not [n for n in os.listdir(tmp_path) if ".budget-tmp-" in n]
