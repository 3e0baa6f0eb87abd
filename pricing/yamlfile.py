"""Reading YAML with line numbers kept, and YAML errors as one-line ``file:line:col`` messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pricing.errors import InputError
from pricing.textfile import read_text

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict):
    """A mapping that remembers the line (1-based) it started on, for error messages."""

    __slots__ = ("line",)


class _LineLoader(_BaseLoader):
    def construct_mapping(self, node, deep=False):  # noqa: D102 - yaml hook
        mapping = LineDict(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML text; mappings come back as :class:`LineDict`. ``name`` is used in errors."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark and exc.context_mark is not mark:
            problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise InputError(f"{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: invalid YAML: {str(exc).splitlines()[0]}") from None


def read_yaml(path: Path) -> Any:
    """Read and parse a YAML file, with one-line errors naming the file."""
    text = read_text(path, "YAML")
    if not text.strip():
        raise InputError(f"{path}: file is empty")
    return parse_yaml(text, str(path))
