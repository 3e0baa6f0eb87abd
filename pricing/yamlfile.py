"""The one YAML reader: every value with its ``FILE:LINE:COL``, and one-line errors.

Catalog files and scenarios both come through here. The text is composed into nodes (which
keep their start marks), then turned into plain Python values, so that:

* a key written twice is an error at the second one, not a silent last-one-wins;
* a mapping is a :class:`LineDict` that remembers its line, and a :class:`Document` keeps the
  position of every key path for messages like ``scenario.yaml:12:5: traffic.calls_per_day``;
* aliases cannot expand without bound (a "billion laughs" file is refused after
  ``MAX_VALUES`` values), nesting is bounded (``MAX_DEPTH``), and tags that build Python
  objects are refused: only plain YAML values come out.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from pricing.errors import InputError, clip
from pricing.textfile import read_text

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 64  # mappings and lists inside each other; real files use fewer than 10
MAX_VALUES = 200_000  # values built, aliases expanded; the bundled catalog is ~15,000

KeyPath = tuple[str, ...]


class LineDict(dict):
    """A mapping that remembers the line (1-based) it started on, for error messages."""

    __slots__ = ("line",)


class Document:
    """Plain Python values with the position of every key path (and of every key)."""

    def __init__(self, name: str):
        self.name = name
        self.data: Any = None
        self.value_at: dict[KeyPath, str] = {}
        self.key_at: dict[KeyPath, str] = {}

    def copy(self) -> Document:
        """An independent copy to edit (``budget whatif`` edits one per grid cell)."""
        other = Document(self.name)
        other.data = copy.deepcopy(self.data)
        other.value_at, other.key_at = dict(self.value_at), dict(self.key_at)
        return other

    def place(self, mark: yaml.Mark) -> str:
        return f"{self.name}:{mark.line + 1}:{mark.column + 1}"

    def where(self, path: KeyPath) -> str:
        while path:
            if path in self.value_at:
                return self.value_at[path]
            path = path[:-1]
        return self.value_at.get((), self.name)

    def set(self, path: KeyPath, value: Any, label: str) -> None:
        """Replace the value at ``path`` (creating mappings on the way); errors about it will
        name ``label`` (``--vary KEY=VALUE``) instead of a line."""
        target = self.data
        for depth, part in enumerate(path[:-1]):
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise InputError(f"{label}: {'.'.join(path[: depth + 1])} is not a mapping")
        target[path[-1]] = value
        for known in list(self.value_at):
            if known[: len(path)] == path:
                del self.value_at[known]
        self.value_at[path] = label


_SCALARS = {
    tag: function
    for tag, function in yaml.constructor.SafeConstructor.yaml_constructors.items()
    if tag is not None
    and tag.startswith("tag:yaml.org,2002:")
    and tag.rsplit(":", 1)[1] not in ("map", "seq", "omap", "pairs", "set")
}


class _Builder:
    """Nodes -> values, counting what it builds so aliases cannot multiply without bound."""

    def __init__(self, doc: Document, positions: bool = True):
        self.doc = doc
        self.positions = positions  # record every key path's place (scenarios), or not (catalog)
        self.built = 0
        self.scalars = yaml.constructor.SafeConstructor()

    def value(self, node: yaml.Node, path: KeyPath) -> Any:
        doc = self.doc
        self.built += 1
        if self.built > MAX_VALUES:
            raise InputError(
                f"{doc.place(node.start_mark)}: more than {MAX_VALUES:,} values "
                "(aliases expanding without bound?)"
            )
        if len(path) > MAX_DEPTH:
            raise InputError(f"{doc.place(node.start_mark)}: nested more than {MAX_DEPTH} deep")
        if self.positions:
            doc.value_at[path] = doc.place(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            if node.tag != yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG:
                raise self._tag(node)
            out = LineDict()
            out.line = node.start_mark.line + 1
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InputError(f"{doc.place(key_node.start_mark)}: keys must be plain names")
                key = str(self.scalar(key_node))
                if key == "<<":
                    raise InputError(
                        f"{doc.place(key_node.start_mark)}: merge keys (<<) are not supported; "
                        "write the keys out"
                    )
                if key in out:
                    first = next(k for k, _ in node.value if self.scalar(k) == key)
                    raise InputError(
                        f"{doc.place(key_node.start_mark)}: {'.'.join(path + (key,))}: "
                        f"key given twice (first at {doc.place(first.start_mark)})"
                    )
                if self.positions:
                    doc.key_at[path + (key,)] = doc.place(key_node.start_mark)
                out[key] = self.value(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG:
                raise self._tag(node)
            return [self.value(item, path + (str(i),)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        # The safe constructor's own function for the resolved tag: no bookkeeping of
        # constructed objects (plain values have no identity to keep).
        construct = _SCALARS.get(node.tag)
        if construct is None:
            raise self._tag(node)
        try:
            return construct(self.scalars, node)
        except yaml.constructor.ConstructorError:
            raise self._tag(node) from None
        except (ValueError, OverflowError) as exc:  # 2026-13-45 read as a date
            raise InputError(
                f"{self.doc.place(node.start_mark)}: {clip(node.value)}: not a valid value ({exc})"
            ) from None

    def _tag(self, node: yaml.Node) -> InputError:
        return InputError(
            f"{self.doc.place(node.start_mark)}: tag {clip(node.tag)} is not allowed "
            "(plain YAML values only)"
        )


def read_document(text: str, name: str, what: str = "file", positions: bool = True) -> Document:
    """Parse YAML text into a :class:`Document`; ``name`` is used in errors. An empty text
    is an error naming ``what`` was expected. ``positions``: record where every key path is
    (for errors found after reading); mappings always know their line."""
    doc = Document(name)
    try:
        node = yaml.compose(text, Loader=_Loader)  # libyaml refuses ~1,000 levels itself
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = doc.place(mark) if mark else name
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark and exc.context_mark is not mark:
            problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise InputError(f"{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: invalid YAML: {str(exc).splitlines()[0][:200]}") from None
    except RecursionError:  # the pure-Python composer, where libyaml is missing
        raise InputError(f"{name}: nested more than {MAX_DEPTH} deep") from None
    if node is None:
        raise InputError(f"{name}: the {what} is empty")
    try:
        doc.data = _Builder(doc, positions).value(node, ())
    except RecursionError:
        raise InputError(f"{name}: nested more than {MAX_DEPTH} deep") from None
    return doc


class _Inline(Document):
    """A value given on the command line: errors name the option, not a line."""

    def place(self, mark: yaml.Mark) -> str:
        return self.name


def read_value(text: str, name: str) -> Any:
    """One value written in YAML on the command line (``--vary seed=7``), with the bounds and
    one-line errors of a file (``name`` labels them); text that is not YAML is a string."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return text
    if node is None:
        return None
    try:
        return _Builder(_Inline(name)).value(node, ())
    except RecursionError:
        raise InputError(f"{name}: nested more than {MAX_DEPTH} deep") from None


def read_yaml(path: Path, what: str = "YAML file") -> Any:
    """Read and parse a YAML file, with one-line errors naming the file."""
    return read_document(read_text(path, "YAML"), str(path), what, positions=False).data


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib  # for a misspelt key only

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
