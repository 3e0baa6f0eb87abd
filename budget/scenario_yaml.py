"""YAML read with the position of every value, for ``FILE:LINE:COL: key.path`` errors.

The text is composed into nodes (keeping their start marks), then turned into plain Python
values; a duplicate key is an error rather than silently winning.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import yaml

from pricing.errors import InputError

Path_ = tuple[str, ...]


class Document:
    """Plain Python values with the position of every key path (and of every key)."""

    def __init__(self, name: str):
        self.name = name
        self.data: Any = None
        self.value_at: dict[Path_, str] = {}
        self.key_at: dict[Path_, str] = {}

    def place(self, mark: yaml.Mark) -> str:
        return f"{self.name}:{mark.line + 1}:{mark.column + 1}"

    def where(self, path: Path_) -> str:
        while path:
            if path in self.value_at:
                return self.value_at[path]
            path = path[:-1]
        return self.value_at.get((), self.name)

    def set(self, path: Path_, value: Any, label: str) -> None:
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


_scalars = yaml.constructor.SafeConstructor()


def _python(node: yaml.Node, path: Path_, doc: Document) -> Any:
    doc.value_at[path] = doc.place(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(f"{doc.place(key_node.start_mark)}: keys must be plain names")
            key = str(_scalars.construct_object(key_node))
            if key in out:
                raise InputError(
                    f"{doc.place(key_node.start_mark)}: {'.'.join(path + (key,))}: key given twice"
                )
            doc.key_at[path + (key,)] = doc.place(key_node.start_mark)
            out[key] = _python(value_node, path + (key,), doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_python(item, path + (str(i),), doc) for i, item in enumerate(node.value)]
    return _scalars.construct_object(node)


def read_document(text: str, name: str) -> Document:
    doc = Document(name)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = doc.place(mark) if mark else name
        raise InputError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: invalid YAML: {str(exc).splitlines()[0]}") from None
    if node is None:
        raise InputError(f"{name}: the scenario is empty")
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"{doc.place(node.start_mark)}: a scenario is a mapping of keys")
    doc.data = _python(node, (), doc)
    return doc


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
