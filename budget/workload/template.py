"""`budget init`: a commented scenario template, every key's comment from the JSON Schema.

The template's values are examples that `budget report` accepts as written; its comments are
the schema's descriptions (budget/workload/scenario.schema.json), so they say what the
checker and the reference page say. Alternatives (`models`, `calls_per_month`, the
`conversation:` section, ...) are there too, commented out. The first line points an
editor's YAML language server at the schema (``# yaml-language-server: $schema=PATH``): the
schema file inside the installed package, by its absolute path.
"""

from __future__ import annotations

import os
from pathlib import Path

from budget.workload.scenario import SCHEMA, schema
from pricing.errors import InputError

EXAMPLE_START = "2026-12-01"  # a fixed first month: the user sets their own
COMMENT_COLUMN = 40

# (key path, example value or "" for a section, written active): in the order of the file.
# Inactive lines are alternatives or optional sections, written commented out.
LINES: tuple[tuple[str, str, bool], ...] = (
    ("name", "my-feature", True),
    ("description", "What this feature does, for the Markdown summary", True),
    ("model", "gpt-5.4-mini", True),
    ("variant", "1m-context", False),
    ("models", "[gpt-5.4-mini, claude-haiku-4-5]", False),
    ("start", EXAMPLE_START, True),
    ("traffic", "", True),
    ("traffic.calls_per_day", "10000", True),
    ("traffic.calls_per_month", "300000", False),
    ("traffic.conversations_per_day", "2000", False),
    ("traffic.conversations_per_month", "60000", False),
    ("traffic.monthly_growth", "0.05", True),
    ("traffic.peak_factor", "3", True),
    ("input_tokens", "{p50: 2000, p95: 6000}", True),
    ("output_tokens", "{p50: 300, p95: 900}", True),
    ("cache", "", True),
    ("cache.read_share", "0.5", True),
    ("cache.write_share", "0", True),
    ("cache.write_ttl", "5m", True),
    ("cache.prefix_tokens", "2000", False),
    ("cache.ttl", "5m", False),
    ("batch_share", "0", True),
    ("max_tokens", "1000", True),
    ("on_truncation", "continue", True),
    ("rate_limits", "", True),
    ("rate_limits.rpm", "5000", True),
    ("rate_limits.tpm", "2000000", True),
    ("rate_limits.input_tpm", "400000", False),
    ("rate_limits.output_tpm", "80000", False),
    ("horizon_months", "12", True),
    ("seed", "0", True),
    ("simulated_calls", "100000", True),
    ("conversation", "", False),
    ("conversation.turns", "{p50: 4, p95: 12}", False),
    ("conversation.system_tokens", "3000", False),
    ("conversation.user_tokens", "{p50: 80, p95: 300}", False),
    ("conversation.history", "full", False),
    ("conversation.cache", "auto", False),
    ("conversation.gap_seconds", "60", False),
    ("tools", "{web_search: 0.1}", False),
    ("embeddings", "", False),
    ("embeddings.model", "text-embedding-3-small", False),
    ("embeddings.corpus_tokens", "400000000", False),
    ("embeddings.corpus_size", "2 GB", False),
    ("embeddings.bytes_per_token", "4", False),
    ("embeddings.reindex_every_months", "3", False),
    ("embeddings.reindex_share", "0.25", False),
    ("embeddings.corpus_batch", "true", False),
    ("embeddings.query_tokens", "{p50: 30, p95: 90}", False),
)


def schema_path(key: str) -> str:
    """``cache.write_ttl`` -> ``properties/cache/properties/write_ttl`` (a ``$ref`` on the way
    is followed by :meth:`pricing.formats.Format.node`)."""
    return "/".join(f"properties/{part}" for part in key.split("."))


def schema_line(location: str | os.PathLike[str] = SCHEMA) -> str:
    return f"# yaml-language-server: $schema={os.fspath(location)}"


def template(location: str | os.PathLike[str] = SCHEMA) -> str:
    """The template's text; ``location`` is what its first line names as the schema."""
    described = schema()
    lines = [
        schema_line(location),
        "# A scenario for `budget report` and `budget whatif`: edit the values, then run",
        "# `budget report FILE`. Lines starting `# key:` are alternatives or optional sections;",
        "# remove the `# ` to use one. Paths in a scenario are relative to its file.",
    ]
    for key, value, active in LINES:
        depth = key.count(".")
        text = "  " * depth + f"{key.rsplit('.', 1)[-1]}:" + (f" {value}" if value else "")
        if not active:
            text = "  " * depth + "# " + text.lstrip()
        comment = described.description(schema_path(key))
        lines.append(f"{text.ljust(COMMENT_COLUMN - 1)} # {comment}")
    return "\n".join(lines) + "\n"


def refuse_existing(path: str) -> None:
    """A template never replaces a file: it would destroy someone's scenario."""
    if path == "-" or not os.path.lexists(path):
        return
    if os.path.isfile(path):
        raise InputError(
            f"{path}: already exists; budget init never overwrites a file (give a new name, "
            "or - for standard output)"
        )


def default_location() -> Path:
    return SCHEMA.resolve()
