"""The one exception type for bad input, shared by the library and the CLI.

The CLI turns it into a one-line message and exit code 2; library callers can catch it
as a ``ValueError``.
"""

from __future__ import annotations

import json


class InputError(ValueError):
    """Bad input: unknown model, malformed file, impossible number.

    The message names what and where (``file:line: field: what was expected``) and fits
    on one line.
    """


class FailedRequest(InputError):
    """A batch result line for a request that failed: the provider billed nothing for it."""


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
