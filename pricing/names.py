"""Model names as people write them: ids, aliases, dated snapshots, LiteLLM and LangChain forms."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

from pricing.errors import UnknownModelError

T = TypeVar("T")

# A trailing snapshot date: -20250929, -2025-04-14, @20250929 (Vertex), -0613 (old OpenAI).
_DATE_SUFFIX = re.compile(r"(?:[-@](?:\d{8}|\d{4}-\d{2}-\d{2}|\d{4}))$")
# Bedrock's version suffix: anthropic.claude-sonnet-4-5-20250929-v1:0
_BEDROCK_SUFFIX = re.compile(r"-v\d+(?::\d+)?$")
_LATEST_SUFFIX = "-latest"
# OpenRouter and others write Claude versions with a dot: claude-sonnet-4.5 for claude-sonnet-4-5.
_DOTTED_VERSION = re.compile(r"(?<=\d)\.(?=\d)")


def candidates(name: str) -> Iterator[str]:
    """The forms to try for a name, most literal first."""
    name = name.strip().lower()
    seen: set[str] = set()
    pending = [name]
    while pending:
        form = pending.pop(0)
        if not form or form in seen:
            continue
        seen.add(form)
        yield form
        # `provider/model`, `provider:model`, `models/gemini-...`, `bedrock/anthropic.claude-...`
        for separator in ("/", ":"):
            if separator in form:
                pending.append(form.split(separator, 1)[1])
        if "." in form.split("-", 1)[0] and not form[0].isdigit():
            pending.append(form.split(".", 1)[1])  # Bedrock's `anthropic.` prefix
        for pattern in (_BEDROCK_SUFFIX, _DATE_SUFFIX):
            stripped = pattern.sub("", form)
            if stripped != form:
                pending.append(stripped)
        if form.endswith(_LATEST_SUFFIX):
            pending.append(form[: -len(_LATEST_SUFFIX)])
        if form.startswith("claude"):
            pending.append(_DOTTED_VERSION.sub("-", form))


class NameIndex(Generic[T]):
    """Resolves names to entries, given (id, aliases, entry) triples."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str], T]]):
        self._by_name: dict[str, T] = {}
        for canonical, aliases, entry in entries:
            for name in (canonical, *aliases):
                self._by_name.setdefault(name.lower(), entry)

    def resolve(self, name: str) -> T:
        if not name or not name.strip():
            raise UnknownModelError(name, [])
        for form in candidates(name):
            if form in self._by_name:
                return self._by_name[form]
        raise UnknownModelError(name, self.suggest(name))

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        forms = list(candidates(name))
        if not forms:
            return []
        names = list(self._by_name)
        found: list[str] = []
        for form in reversed(forms):  # the most stripped form is the best guess
            for match in difflib.get_close_matches(form, names, n=limit, cutoff=0.6):
                if match not in found:
                    found.append(match)
        if not found:
            found = [n for n in names if forms[-1] and forms[-1] in n][:limit]
        return found[:limit]
