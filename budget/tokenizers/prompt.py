"""The prompt of a request being checked or planned: a token count, a prompt text file, or a
chat request JSON file (messages, system, tools) counted with the chat overhead.

A chat request file is read once: the same parsed request is counted and, as messages in the
OpenAI shape, placed in the ready request body that `budget plan` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from budget.inputs.files import read_request
from budget.tokenizers import tokenizer_for
from budget.tokenizers.bands import band_of
from budget.tokenizers.count import count_paths
from pricing.errors import InputError


@dataclass(frozen=True)
class InputCount:
    tokens: int
    source: str | None  # the file counted, None for --input
    exact: bool
    tokenizer: str | None
    messages: list[dict[str, Any]] | None  # for the request body (--messages)
    tools: list[dict[str, Any]] | None = None  # tool definitions from the --messages file
    notes: tuple[str, ...] = ()  # which parts of the request were estimated, and how
    warning: str | None = None  # for stderr: e.g. --online without the provider's key
    error_band: float | None = None  # an estimate's expected error (0.2: +/-20%)


def count_input(
    model: Any,
    input_tokens: int | None = None,
    prompt_file: str | None = None,
    messages_file: str | None = None,
    messages_text: str | None = None,
) -> InputCount:
    """Input tokens from exactly one of: a count, a prompt text file, a chat request file
    (``messages_text``: that file's text, already read)."""
    given = [v is not None for v in (input_tokens, prompt_file, messages_file)]
    if sum(given) != 1:
        raise InputError("give exactly one of --input N, --prompt FILE or --messages FILE")
    if input_tokens is not None:
        return InputCount(input_tokens, None, True, None, None)
    if prompt_file is not None:
        counted = count_paths([prompt_file], model, fmt="text")
        warning = counted.warnings[0] if counted.warnings else None
        return InputCount(
            counted.tokens,
            prompt_file,
            counted.exact,
            counted.tokenizer,
            None,
            warning=warning,
            error_band=counted.error_band,
        )
    return _count_messages_file(model, str(messages_file), messages_text)


def _count_messages_file(model: Any, path: str, text: str | None) -> InputCount:
    request = read_request(path, text)
    tokenizer = tokenizer_for(model)
    counted = tokenizer.count_request(request)
    messages = list(request.messages)
    if request.system:
        messages.insert(0, {"role": "system", "content": request.system})
    exact = counted.exact and tokenizer.exact
    band = band_of(tokenizer)
    return InputCount(
        counted.tokens,
        path,
        exact,
        tokenizer.name,
        messages,
        request.tools,
        notes=counted.notes,
        warning=getattr(tokenizer, "warning", None),
        error_band=band.fraction if band else None,
    )
