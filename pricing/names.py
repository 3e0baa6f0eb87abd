"""Model names as people write them: ids, aliases, dated snapshots, LiteLLM and LangChain forms."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from pricing.errors import UnknownModelError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

# A trailing snapshot date: -20250929, -2025-04-14, @20250929 (Vertex), -0613 (old OpenAI).
_DATE_SUFFIX = re.compile(r"(?:[-@](?:\d{8}|\d{4}-\d{2}-\d{2}|\d{4}))$")
# Bedrock's version suffix: anthropic.claude-sonnet-4-5-20250929-v1:0
_BEDROCK_SUFFIX = re.compile(r"-v\d+(?::\d+)?$")
_LATEST_SUFFIX = "-latest"
# A fine-tune as OpenAI and Mistral name it: ft:BASE, ft:BASE:ORG:SUFFIX:JOB (SUFFIX may be
# empty), with a checkpoint after it (:ckpt-step-N). Routing prefixes may come before it.
_FINE_TUNED = re.compile(r"ft:(?P<base>[^:/]+)(?::[^/]*)?")
# One routing prefix: `openai/`, `azure/`, LangChain's `openai:`
_ROUTE = re.compile(r"[^/:]+[/:]")
# OpenRouter and others write Claude versions with a dot: claude-sonnet-4.5 for claude-sonnet-4-5.
_DOTTED_VERSION = re.compile(r"(?<=\d)\.(?=\d)")
# Claude's two naming orders: version then family up to 3.7 (claude-3-7-sonnet), family then
# version from 4 (claude-sonnet-4-5); OpenRouter writes either for any (claude-4.6-sonnet,
# claude-sonnet-3.7). A minor version is one or two digits, so a snapshot date stays a date.
_CLAUDE_FAMILY = "opus|sonnet|haiku"
_CLAUDE_VERSION = r"\d+(?:[.-]\d{1,2})?(?!\d)"
_CLAUDE_ORDERS = (
    (
        re.compile(
            rf"claude-(?P<version>{_CLAUDE_VERSION})-(?P<family>{_CLAUDE_FAMILY})(?P<rest>.*)"
        ),
        "claude-{family}-{version}{rest}",
    ),
    (
        re.compile(
            rf"claude-(?P<family>{_CLAUDE_FAMILY})-(?P<version>{_CLAUDE_VERSION})(?P<rest>.*)"
        ),
        "claude-{version}-{family}{rest}",
    ),
)
# OpenRouter's variant suffixes (openrouter.ai/docs, "Model variants"). `:thinking` turns
# reasoning on and `:beta` is the self-moderated endpoint: both bill the model's own rates.
_SAME_PRICE_VARIANTS = (":thinking", ":beta")
# Variants that do not bill the provider's rates: the name stays unknown, with the reason.
_OTHER_PRICE_VARIANTS = {
    ":free": "OpenRouter's free variant (billed $0 there, rate-limited); the provider's rates "
    "do not apply",
    ":extended": "OpenRouter's extended-context variant, priced apart from the provider's model",
}


def candidates(name: str) -> Iterator[str]:
    """The forms to try for a name, most literal first."""
    for form, _, _ in _forms(name):
        yield form


def _forms(name: str) -> Iterator[tuple[str, bool, str | None]]:
    """(form, whether a snapshot date was dropped on the way to it, the vendor a Bedrock-style
    `vendor.` prefix named on the way to it), most literal first."""
    name = name.strip().lower()
    seen: set[str] = set()
    pending: list[tuple[str, bool, str | None]] = [(name, False, None)]
    while pending:
        form, undated, vendor = pending.pop(0)
        if not form or form in seen:
            continue
        seen.add(form)
        yield form, undated, vendor
        if _FINE_TUNED.fullmatch(form):
            continue  # ft:gpt-4o-mini:org::id is a fine-tune, priced apart from its base model
        # `provider/model`, `provider:model`, `models/gemini-...`, `bedrock/anthropic.claude-...`
        route = _ROUTE.match(form)
        if route:  # at the first separator only: `openai/ft:x` is `ft:x`, never `x`
            pending.append((form[route.end() :], undated, vendor))
        if "." in form.split("-", 1)[0] and not form[0].isdigit():
            # Bedrock's `anthropic.` prefix (and its `us.`/`eu.` regions before it)
            prefix, rest = form.split(".", 1)
            pending.append((rest, undated, prefix))
        stripped = _BEDROCK_SUFFIX.sub("", form)
        if stripped != form:
            pending.append((stripped, undated, vendor))
        stripped = _DATE_SUFFIX.sub("", form)
        if stripped != form:
            pending.append((stripped, True, vendor))
        if form.endswith(_LATEST_SUFFIX):
            pending.append((form[: -len(_LATEST_SUFFIX)], undated, vendor))
        for variant in _SAME_PRICE_VARIANTS:
            if form.endswith(variant):
                pending.append((form[: -len(variant)], undated, vendor))
        if form.startswith("claude"):
            pending.append((_DOTTED_VERSION.sub("-", form), undated, vendor))
            for pattern, order in _CLAUDE_ORDERS:
                match = pattern.fullmatch(form)
                if match:
                    pending.append((order.format(**match.groupdict()), undated, vendor))


def fine_tuned_base(name: str) -> str | None:
    """The base model a fine-tune's name gives (`ft:gpt-4o-mini-2024-07-18:org::id`,
    `openai/ft:...`, `azure/ft:...`), or None when the name is not a fine-tune's."""
    form = name.strip().lower()
    while form:
        match = _FINE_TUNED.fullmatch(form)
        if match:
            return match.group("base")
        route = _ROUTE.match(form)
        if route is None:
            return None
        form = form[route.end() :]
    return None


MAX_SUGGESTED = 200  # characters: the longest model names people write are under 80
_FAMILY = re.compile(r"[a-z]+")
_MAJOR = re.compile(r"\d+")


_WORD = re.compile(r"[a-z]+|\d+")


def words(name: str) -> tuple[str, ...]:
    """A name's words and numbers, separators ignored: `GPT 5.2`, `gpt5.2` and `gpt-5.2`
    are all (gpt, 5, 2)."""
    return tuple(_WORD.findall(name.lower()))


def _in_order(wanted: tuple[str, ...], words: tuple[str, ...]) -> bool:
    remaining = iter(words)
    return all(word in remaining for word in wanted)


def _version(name: str) -> tuple[int, ...]:
    """The version numbers in an id, a snapshot date left out: claude-sonnet-4-5 -> (4, 5)."""
    return tuple(int(n) for n in _MAJOR.findall(_DATE_SUFFIX.sub("", name)))


def family(name: str) -> tuple[str, str | None]:
    """(leading word, first number): `gpt-3.5-turbo` -> (gpt, 3), `o4-mini` -> (o, 4),
    `claude-sonnet-4-5` -> (claude, 4). Suggestions stay within a family."""
    word = _FAMILY.match(name)
    number = _MAJOR.search(name)
    return (word.group(0) if word else ""), (number.group(0) if number else None)


class NameIndex:  # of entries of one type, T (not typing.Generic: start-up time)
    """Resolves names to entries, given (id, aliases, entry) triples. Entries whose id is in
    ``listed_snapshots_only`` take dated names only as listed: dropping the date of an unlisted
    snapshot would price it as another snapshot, whose price differed."""

    def __init__(
        self,
        entries: Iterable[tuple[str, Iterable[str], T]],
        listed_snapshots_only: Iterable[str] = (),
        providers: dict | None = None,
    ):
        self._by_name: dict[str, T] = {}
        self._canonical: dict[str, str] = {}
        for canonical, aliases, entry in entries:
            for name in (canonical, *aliases):
                self._by_name.setdefault(name.lower(), entry)
                self._canonical.setdefault(name.lower(), canonical.lower())
        self._listed_only = {name.lower() for name in listed_snapshots_only}
        # Each entry's provider, where entries have one: a name reached through a Bedrock-style
        # `vendor.` prefix must mean a model of that vendor.
        self._provider_of = providers or {}
        self._providers = set(self._provider_of.values())

    @functools.cached_property
    def _families(self) -> dict[str, tuple[str, str | None]]:
        # asked per unknown name (a usage log may hold many); built at the first one
        return {name: family(name) for name in self._by_name}

    def resolve(self, name: str) -> T:
        found = self.find(name)
        if found is None:
            raise UnknownModelError(name, self.suggest(name))
        return found

    def find(self, name: str) -> T | None:
        """The entry a name means, or None (without the cost of suggestions)."""
        if not name or not name.strip():
            raise UnknownModelError(name, [])
        written = name.strip().lower()
        if written not in self._by_name:  # a --catalog file may price `x:free` itself
            for variant, reason in _OTHER_PRICE_VARIANTS.items():
                if written.endswith(variant):
                    raise UnknownModelError(name, [], reason=reason)
        for form, undated, vendor in _forms(name):
            if form in self._by_name:
                entry = self._by_name[form]
                if vendor in self._providers and self._provider_of.get(entry) != vendor:
                    # `openai.gpt-oss-120b` is Bedrock's gpt-oss, not another host's at its rate
                    continue
                if undated and self._canonical[form] in self._listed_only:
                    raise UnknownModelError(
                        name,
                        [self._canonical[form]],
                        reason=f"a dated snapshot of {self._canonical[form]} not in the catalog "
                        "(its snapshots were priced differently)",
                    )
                return self._by_name[form]
        return None

    @functools.cached_property
    def _words(self) -> dict[str, tuple[str, ...]]:
        # each model id as the words and numbers it is written with; built at the first miss
        return {canonical: words(canonical) for canonical in set(self._canonical.values())}

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Names the user probably meant: first the ids written with the same words and
        numbers in the same order (`gpt5.2`, `GPT 5.2` -> gpt-5.2; `sonnet-4.5` ->
        claude-sonnet-4-5; `claude-sonnet` -> the sonnets, newest first), then close
        spellings of the same family (`gpt-3.5-...` never suggests `gpt-5.5-pro`). None for a
        name longer than any model's (difflib would index every character of it)."""
        if len(name) > MAX_SUGGESTED:
            return []
        forms = list(candidates(name))
        if not forms:
            return []
        import difflib  # for suggestions only: a name that resolves never pays for it

        found: list[str] = []
        for form in reversed(forms):  # `gpt5.2` is also read as Bedrock's `gpt5.` + `2`
            found = found or self._same_words(form)[:limit]
        wanted = family(forms[-1])
        names = [n for n, kin in self._families.items() if kin == wanted]
        for form in reversed(forms):  # the most stripped form is the best guess
            for match in difflib.get_close_matches(form, names, n=limit * 2, cutoff=0.6):
                if self._canonical[match] not in found:  # ids, not their aliases
                    found.append(self._canonical[match])
        if not found:
            found = [self._canonical[n] for n in names if forms[-1] and forms[-1] in n]
            found = list(dict.fromkeys(found))
        return found[:limit]

    def _same_words(self, typed: str) -> list[str]:
        """Ids that contain the typed words and numbers in order: the ids written exactly
        so first, then the rest by version, newest first (`claude-sonnet` -> 4-5 before 4)."""
        wanted = words(typed)
        if not wanted:
            return []
        loose = len("".join(wanted)) >= 4  # `opus` finds the opus models; `o` finds nothing
        matches = sorted(
            canonical
            for canonical, ids in self._words.items()
            if ids == wanted or (loose and _in_order(wanted, ids))
        )
        # stable: equal keys keep their name order
        matches.sort(key=lambda c: (self._words[c] == wanted, _version(c)), reverse=True)
        return matches
