"""OpenAI models: tiktoken with the rank files bundled in this package, never downloaded.

The rank files under ``data/`` are byte-for-byte OpenAI's published ``o200k_base``,
``cl100k_base``, ``p50k_base`` and ``r50k_base`` (see ``budget/NOTICE`` for where they were
taken from). Every load checks
them against OpenAI's SHA-256, as tiktoken does for its own cache, and the parsed
``Encoding`` is kept for the life of the process.

Text is counted with ``encode_ordinary``: a user's ``<|endoftext|>`` is plain text, as the
APIs treat it, never a special token and never an error.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from budget.tokenizers.openai_chat import ToolConstants, openai_request_tokens
from budget.tokenizers.protocol import Request, RequestCount, verify_bundled
from pricing.errors import InputError

DATA_DIR = Path(__file__).parent / "data"

_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
# r50k_base and p50k_base (GPT-3 era, completions): tiktoken_ext.openai_public's r50k_pat_str.
_R50K_PATTERN = (
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
)
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)


@dataclass(frozen=True)
class EncodingSpec:
    """What tiktoken_ext.openai_public declares for one encoding, plus its rank file."""

    name: str
    sha256: str
    pattern: str
    special_tokens: dict[str, int]
    tools: ToolConstants | None  # None: an encoding of the completions era, no chat format


# Tool-definition constants from OpenAI's cookbook "How to count tokens with tiktoken":
# gpt-4o / gpt-4o-mini (o200k_base) and gpt-4 / gpt-3.5-turbo (cl100k_base).
ENCODINGS: dict[str, EncodingSpec] = {
    "o200k_base": EncodingSpec(
        name="o200k_base",
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pattern=_O200K_PATTERN,
        special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
        tools=ToolConstants(
            func_init=7, prop_init=3, prop_key=3, enum_init=-3, enum_item=3, func_end=12
        ),
    ),
    "cl100k_base": EncodingSpec(
        name="cl100k_base",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pattern=_CL100K_PATTERN,
        special_tokens={
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
        tools=ToolConstants(
            func_init=10, prop_init=3, prop_key=3, enum_init=-3, enum_item=3, func_end=12
        ),
    ),
    "p50k_base": EncodingSpec(
        name="p50k_base",
        sha256="94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
        pattern=_R50K_PATTERN,
        special_tokens={"<|endoftext|>": 50256},
        tools=None,
    ),
    "r50k_base": EncodingSpec(
        name="r50k_base",
        sha256="306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
        pattern=_R50K_PATTERN,
        special_tokens={"<|endoftext|>": 50256},
        tools=None,
    ),
}


def rank_file(name: str) -> Path:
    return DATA_DIR / f"{name}.tiktoken"


def load_ranks(path: Path, expected_sha256: str) -> dict[bytes, int]:
    """Parse a ``.tiktoken`` rank file (``base64-token rank`` per line) after checking its hash."""
    data = path.read_bytes()
    verify_bundled(data, path, expected_sha256, "rank file")
    tokens = data.split()[0::2]
    # The published files list ranks 0, 1, 2, ... in order (a test pins this for the bundled
    # hashes), so the rank is the line number; parsing it would double the load time.
    try:
        return dict(zip(map(binascii.a2b_base64, tokens), range(len(tokens)), strict=True))
    except binascii.Error as exc:  # cannot happen for a file with the right hash
        raise InputError(f"{path}: malformed rank file ({exc})") from None


@cache
def load_encoding(name: str):
    """The tiktoken ``Encoding`` for a bundled encoding name, built once per process."""
    import tiktoken

    spec = ENCODINGS.get(name)
    if spec is None:
        known = ", ".join(sorted(ENCODINGS))
        raise InputError(f"tokenizer: unknown tiktoken encoding {name!r} (bundled: {known})")
    return tiktoken.Encoding(
        name=spec.name,
        pat_str=spec.pattern,
        mergeable_ranks=load_ranks(rank_file(name), spec.sha256),
        special_tokens=spec.special_tokens,
    )


class TiktokenTokenizer:
    """Exact counts for OpenAI models, with the chat overhead OpenAI's API adds."""

    exact = True
    chunk_safe = True  # pre-tokens never span a newline followed by a printable character

    def __init__(self, encoding_name: str):
        self.encoding = load_encoding(encoding_name)
        self.spec = ENCODINGS[encoding_name]
        self.name = f"tiktoken:{encoding_name}"
        self.method = f"exact: tiktoken {encoding_name} (bundled rank file)"

    def count_text(self, text: str) -> int:
        return len(self.encoding.encode_ordinary(text))

    def count_many(self, texts: list[str]) -> list[int]:
        encode = self.encoding.encode_ordinary
        return [len(encode(text)) for text in texts]

    def count_request(self, request: Request) -> RequestCount:
        if self.spec.tools is None:
            raise InputError(
                f"{self.spec.name} predates chat requests (no chat format is published for it): "
                "count text files, or use --encoding cl100k_base / o200k_base for chat"
            )
        return openai_request_tokens(self.count_text, request, self.spec.tools)

    def count_messages(self, messages: list[dict], tools: list[dict] | None = None) -> int:
        return self.count_request(Request(messages=messages, tools=tools)).tokens
