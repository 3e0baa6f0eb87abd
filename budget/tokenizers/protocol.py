"""The one small protocol every tokenizer backend follows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from budget.inputs.request import Request
from pricing.errors import InputError


@dataclass(frozen=True)
class RequestCount:
    """Input tokens of one request, and whether every part of it was counted exactly."""

    tokens: int
    exact: bool
    notes: tuple[str, ...] = ()  # when not exact: which parts were estimated, and how


@runtime_checkable
class Tokenizer(Protocol):
    name: str  # the catalog reference, e.g. "tiktoken:o200k_base", "estimate:anthropic"
    exact: bool  # True when the real tokenizer runs
    method: str  # how the number is made, for people
    chunk_safe: bool  # counts of text split at line boundaries add up to the whole

    def count_text(self, text: str) -> int: ...

    def count_many(self, texts: list[str]) -> list[int]: ...

    def count_request(self, request: Request) -> RequestCount: ...

    def count_messages(self, messages: list[dict], tools: list[dict] | None = None) -> int: ...


def verify_bundled(data: bytes, path: Path, expected_sha256: str, what: str) -> None:
    """Refuse bundled tokenizer data (``what``: "rank file", "vocabulary") whose SHA-256 is not
    the published one: a damaged or altered install would count wrong without a word."""
    import hashlib

    if hashlib.sha256(data).hexdigest() != expected_sha256:
        raise InputError(
            f"{path}: {what} does not match its published SHA-256 {expected_sha256}; "
            "reinstall token-budget"
        )
