"""The one exception type for bad input, shared by the library and the CLI.

The CLI turns it into a one-line message and exit code 2; library callers can catch it
as a ``ValueError``.
"""

from __future__ import annotations

import json

MAX_QUOTED = 80  # characters of a user's value quoted in a message


def clip(value: object, limit: int = MAX_QUOTED) -> str:
    """``repr`` of a value as quoted in a message, cut short: a 50 MB line of digits is bad
    input, not a 50 MB error message."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 20]}... ({len(text):,} characters)"


MAX_WORD = 200  # characters of one unbroken run of text in a message (a path fits)


def clip_words(message: str, limit: int = MAX_WORD) -> str:
    """A message with every unbroken run of text longer than ``limit`` cut short: the last
    guard for values quoted whole (by click, say) before a message is printed."""
    if len(message) <= limit:
        return message
    return " ".join(
        word if len(word) <= limit else f"{word[: limit - 40]}... ({len(word):,} characters)"
        for word in message.split(" ")
    )


class InputError(ValueError):
    """Bad input: unknown model, malformed file, impossible number.

    The message names what and where (``file:line: field: what was expected``) and fits
    on one line.
    """


class FailedRequest(InputError):
    """A batch result line for a request that failed: the provider billed nothing for it."""


class UnpricedError(InputError):
    """A call the catalog cannot price (no rate for its service tier, cliff or modality).

    ``reason`` is the short, call-independent form, for grouping in usage reports."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class UnknownModelError(InputError, LookupError):
    """A model name that the catalog cannot resolve; carries did-you-mean suggestions."""

    def __init__(self, name: str, suggestions: list[str], reason: str | None = None):
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        if not name.strip():
            super().__init__("model: no name given (see `budget models`)")
        elif reason:
            super().__init__(f"unknown model {name!r}: {reason}{hint} (see `budget models`)")
        else:
            super().__init__(f"unknown model {name!r}{hint} (see `budget models`)")

    @property
    def how_to_add(self) -> str:
        """A catalog file that adds the model (three lines of YAML, for ``--catalog FILE``)."""
        name = json.dumps(self.name.strip() or "my-model")
        return (
            "To price it, pass --catalog FILE with a YAML file like this (your numbers and date):\n"
            '  {provider: mine, source: "https://your.price.page", as_of: YYYY-MM-DD, models: [\n'
            f"    {{id: {name}, name: {name}, context_window: 128000, max_output_tokens: 8192,\n"
            '     tokenizer: "estimate:generic", prices: {input: 1.0, output: 2.0}}]}'
        )
