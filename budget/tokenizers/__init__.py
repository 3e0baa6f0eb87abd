"""Tokenizer adapters: one small protocol, and a registry from the catalog's tokenizer
reference to a backend.

| reference              | backend                                   | exact |
|------------------------|-------------------------------------------|-------|
| ``tiktoken:<encoding>``| bundled, hash-checked OpenAI rank files   | yes   |
| ``hf:<repo id>``       | Hugging Face ``tokenizers``, local file   | yes   |
| ``gemma:<vocabulary>`` | bundled, hash-checked Gemma vocabulary    | text  |
| ``estimate:<family>``  | characters per token (+ calibration)      | no    |

``tokenizer_for(model)`` needs only ``model.tokenizer``, ``model.provider`` and ``model.id``.
Backends import tiktoken / tokenizers on first use, so importing this package is cheap.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from budget.tokenizers.protocol import Request, RequestCount, Tokenizer
from pricing.errors import InputError

__all__ = [
    "Request",
    "RequestCount",
    "Tokenizer",
    "TokenizerOptions",
    "current_options",
    "tokenizer_for",
    "using_options",
]


@dataclass(frozen=True)
class TokenizerOptions:
    """How to find or make a tokenizer beyond the catalog reference (CLI options)."""

    online: bool = False  # allow downloads and providers' count-tokens endpoints
    tokenizer_file: str | None = None  # an explicit tokenizer.json for hf: models
    calibration_file: str | None = None  # fitted estimate factors (budget calibrate)
    estimate_fallback: bool = False  # hf: model without a local file -> labelled estimate


# The options of the command being run: `check`, `plan` and `stops` count through several
# functions (prompt files, samples, stop sequences); they all honour the command's options.
_current_options: ContextVar[TokenizerOptions | None] = ContextVar(
    "tokenizer_options", default=None
)


@contextmanager
def using_options(options: TokenizerOptions) -> Iterator[None]:
    """Within the block, ``tokenizer_for`` without explicit options uses these."""
    token = _current_options.set(options)
    try:
        yield
    finally:
        _current_options.reset(token)


def current_options() -> TokenizerOptions:
    """The options in force (see ``using_options``), or the defaults."""
    return _current_options.get() or TokenizerOptions()


def _tiktoken(argument: str, model: Any, options: TokenizerOptions) -> Tokenizer:
    from budget.tokenizers.tiktoken_backend import TiktokenTokenizer

    return TiktokenTokenizer(argument)


def _hf(argument: str, model: Any, options: TokenizerOptions) -> Tokenizer:
    from budget.tokenizers.hf_backend import HFTokenizer, find_tokenizer_file

    try:
        path = find_tokenizer_file(
            argument, tokenizer_file=options.tokenizer_file, online=options.online
        )
    except InputError:
        if not options.estimate_fallback:
            raise
        from budget.tokenizers.estimate import EstimateTokenizer

        return EstimateTokenizer(
            "generic", calibration_note=f"generic default; no tokenizer.json for hf:{argument}"
        )
    return HFTokenizer(argument, path)


def _gemma(argument: str, model: Any, options: TokenizerOptions) -> Tokenizer:
    if options.online:  # the provider's count covers images too; no key: count locally
        from budget.tokenizers.online import online_counter

        counter = online_counter(model)
        if counter is not None:
            return counter
    from budget.tokenizers.gemma_backend import GemmaTokenizer

    return GemmaTokenizer(argument)


def _estimate(argument: str, model: Any, options: TokenizerOptions) -> Tokenizer:
    from budget.tokenizers.calibration import calibrated_factor, calibration_path
    from budget.tokenizers.estimate import EstimateTokenizer

    warning = None
    if options.online:
        from budget.tokenizers.online import missing_key_warning, online_counter

        counter = online_counter(model)
        if counter is not None:
            return counter
        warning = missing_key_warning(model)
    calibrated = calibrated_factor(
        model.id, f"estimate:{argument}", calibration_path(options.calibration_file)
    )
    if calibrated:
        tokenizer = EstimateTokenizer(
            argument,
            chars_per_token=calibrated[0],
            calibration_note=calibrated[1],
            band=calibrated[2],
        )
    else:
        tokenizer = EstimateTokenizer(argument)
    tokenizer.warning = warning
    return tokenizer


@dataclass(frozen=True)
class EncodingOnly:
    """A bare tiktoken encoding to count with, where no model is named (`count --encoding`)."""

    id: str
    tokenizer: str
    provider: str = "openai"


def encoding_target(name: str) -> EncodingOnly:
    """What ``count_paths`` counts with for ``--encoding NAME`` (a bundled tiktoken encoding)."""
    from budget.tokenizers.tiktoken_backend import ENCODINGS

    if name not in ENCODINGS:
        known = ", ".join(sorted(ENCODINGS))
        raise InputError(f"--encoding: unknown encoding {name!r} (bundled: {known})")
    return EncodingOnly(id=name, tokenizer=f"tiktoken:{name}")


# reference scheme -> constructor(argument, model, options)
BACKENDS = {"tiktoken": _tiktoken, "hf": _hf, "gemma": _gemma, "estimate": _estimate}


def options_in_force(
    online: bool = False, options: TokenizerOptions | None = None
) -> TokenizerOptions:
    """The options a count uses: ``options``, else the command's, with ``online`` added
    (what another process, a Dask worker, needs to build the same tokenizer)."""
    options = options or current_options()
    return replace(options, online=True) if online and not options.online else options


def tokenizer_for(
    model: Any, online: bool = False, options: TokenizerOptions | None = None
) -> Tokenizer:
    """The tokenizer for a catalog model (anything with ``.tokenizer``, ``.provider``, ``.id``)."""
    options = options_in_force(online, options)
    scheme, _, argument = model.tokenizer.partition(":")
    backend = BACKENDS.get(scheme)
    if backend is None or not argument:
        raise InputError(
            f"model {model.id!r}: tokenizer: expected tiktoken:NAME, hf:REPO, gemma:NAME or "
            f"estimate:FAMILY, got {model.tokenizer!r}"
        )
    return backend(argument, model, options)
