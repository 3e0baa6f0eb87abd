"""The file formats, written once: JSON Schemas (draft 2020-12) shipped in the package.

* ``pricing/data/catalog.schema.json``: a catalog file (``pricing/data/*.yaml``, ``--catalog``);
* ``budget/workload/scenario.schema.json``: a scenario file (``budget report``).

The checkers (pricing/schema.py, budget/workload/scenario.py) take their key lists, allowed
values, types and numeric bounds from these files; the reference tables of docs/catalog.md and
docs/scenarios.md are generated from them (docs/gen_reference.py) and ``budget init`` writes a
template from the scenario schema's descriptions. What the schemas cannot say (read_share +
write_share <= 1, periods that meet end to end) stays in the checkers' code.

A schema is read when a checker first asks for it: a command served by the compiled catalog
(``budget cost``) never opens it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CATALOG_SCHEMA = Path(__file__).with_name("data") / "catalog.schema.json"
NUMBER_TYPES = ("number", "integer")


class Format:
    """One schema, read as tables: ``keys("$defs/model")``, ``enum("properties/kind")``,
    ``bounds("properties/horizon_months")``. A path walks the schema's own keys; a ``$ref``
    met on the way is followed."""

    def __init__(self, schema: Mapping[str, Any]):
        self.schema = schema

    def node(self, path: str, *, follow: bool = True) -> Mapping[str, Any]:
        node = self.schema
        for part in filter(None, path.split("/")):
            while part not in node and "$ref" in node:  # reached through what it extends
                node = self._resolve(node["$ref"])
            node = node[part]
        while follow and "$ref" in node and set(node) <= {"$ref", "description"}:
            node = self._resolve(node["$ref"])  # a plain reference: what it names
        return node

    def _resolve(self, ref: str) -> Mapping[str, Any]:
        return self.node(ref.removeprefix("#/"), follow=False)

    def keys(self, path: str) -> tuple[str, ...]:
        """The keys a mapping may hold, in the schema's order (its own ``properties`` after
        those of a ``$ref`` it extends)."""
        node = self.node(path)
        inherited = self.keys(node["$ref"].removeprefix("#/")) if "$ref" in node else ()
        return inherited + tuple(node.get("properties", ()))

    def required(self, path: str) -> tuple[str, ...]:
        return tuple(self.node(path).get("required", ()))

    def enum(self, path: str) -> tuple[str, ...]:
        """The allowed values of ``path`` (or of its list's items)."""
        node = self.node(path)
        if "items" in node:
            node = node["items"]
        return tuple(node["enum"])

    def pattern(self, path: str) -> str:
        return self.node(path)["pattern"]

    def number(self, path: str) -> Mapping[str, Any]:
        """The numeric form of ``path``: the schema itself, or its first number branch of an
        ``anyOf`` (a value that may also be a range, a string or null)."""
        node = self.node(path)
        if node.get("type") in NUMBER_TYPES:
            return node
        for branch in node.get("anyOf", ()):
            if branch.get("type") in NUMBER_TYPES:
                return branch
            if "$ref" in branch:
                try:
                    return self.number(branch["$ref"].removeprefix("#/"))
                except KeyError:
                    continue
        raise KeyError(f"{path}: no number in the schema")

    def bounds(self, path: str) -> dict[str, Any]:
        """The keyword arguments of a checker's ``number()``: minimum, maximum, above (an
        exclusive minimum), whole (an integer)."""
        node = self.number(path)
        found = {
            "minimum": node.get("minimum"),
            "maximum": node.get("maximum"),
            "above": node.get("exclusiveMinimum"),
        }
        return {k: v for k, v in found.items() if v is not None} | {
            "whole": node.get("type") == "integer"
        }

    def description(self, path: str) -> str:
        """The key's own one-line description, else that of what it refers to."""
        return self.node(path, follow=False).get("description") or self.node(path).get(
            "description", ""
        )


@functools.cache
def load_format(path: Path) -> Format:
    """The schema at ``path``, read once per process."""
    return Format(json.loads(path.read_text(encoding="utf-8")))


def catalog_format() -> Format:
    return load_format(CATALOG_SCHEMA)
