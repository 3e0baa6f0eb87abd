"""What the provider's API would refuse in a request, beside its size: checked before it is sent.

``budget check --messages`` counts a request and checks that input + max_tokens fits; a
request that fits can still come back as HTTP 400 for its parameters, and a batch file of
them fails line by line hours later. These rules read the parameters beside the messages:

* the output cap's name: the Messages API takes ``max_tokens`` (and needs it); OpenAI's
  reasoning models refuse ``max_tokens`` in Chat Completions (``max_completion_tokens``); the
  Responses API takes ``max_output_tokens``; a Responses-only model (the catalog's
  ``output_param: max_output_tokens``) refuses Chat Completions;
* Anthropic thinking: the modes the model takes (``enabled`` with ``budget_tokens``,
  ``adaptive``, or none), a budget of at least 1,024 and below ``max_tokens``, and the sampling
  parameters and forced tool use that thinking excludes; models from Claude 4.7 on refuse
  sampling parameters other than the defaults (pricing/data/rules/request_rules.yaml);
* stop sequences: more than the model takes, or any where it takes none, is refused (the
  catalog's ``supports_stop`` and ``stop_sequences_max``); common words and short strings are
  accepted but cut replies early (``budget stops``): warnings, not refusals.

``refused``: the API answers 400, so the request does not "fit"; ``risky``: it is accepted
but likely to end replies early.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pricing.model import Model

CHAT, RESPONSES, MESSAGES, GEMINI = "Chat Completions", "Responses", "Messages", "Gemini"
CAP_FIELDS = {
    CHAT: ("max_tokens", "max_completion_tokens"),
    RESPONSES: ("max_output_tokens",),
    MESSAGES: ("max_tokens",),
}
OTHER_CAP_FIELDS = ("max_tokens", "max_completion_tokens", "max_output_tokens")
# Where each API keeps its stop sequences.
STOP_FIELDS = {CHAT: "stop", MESSAGES: "stop_sequences"}
FORCED_TOOL_CHOICES = ("any", "tool")
TOP_P_WITH_THINKING = (0.95, 1.0)


@dataclass(frozen=True)
class RequestFindings:
    """What the API would refuse (400) and what it would take but regret, one line each."""

    refused: tuple[str, ...] = ()
    risky: tuple[str, ...] = ()


def request_findings(model: Model, value: Any, max_tokens: int) -> RequestFindings:
    """The findings for one request (a chat request, an OpenAI Batch line or an Anthropic
    Message Batches line) sent to ``model`` with ``max_tokens`` as its output cap."""
    body, api = request_api(model, value)
    if body is None:
        return RequestFindings()
    refused: list[str] = []
    risky: list[str] = []
    refused.extend(_cap_field(model, body, api))
    if isinstance(value.get("params"), dict) and body.get("max_tokens") is None:
        # A batch line is sent as written (a lone request may be a caller's messages only).
        refused.append("params.max_tokens: the Messages API needs it and the line sets none")
    if model.provider == "anthropic" and api == MESSAGES:
        _anthropic(model, body, max_tokens, refused, risky)
    stops = _stop_sequences(body, api)
    if stops:
        from budget.planner.stops import lint_stops, refused_stops

        limits = refused_stops(model, len(stops))
        refused.extend(limits)
        if not limits:
            risky.extend(lint_stops(model, stops).problems)
    return RequestFindings(tuple(refused), tuple(risky))


def thinking_form(model: Model) -> str | None:
    """The ``thinking.type`` a planned request to an Anthropic model uses: ``enabled`` (with
    ``budget_tokens``) where the model takes it and it is not deprecated, else ``adaptive``;
    None where the model does not think (or is not Anthropic's)."""
    from pricing.rules import request_rule

    rule = request_rule(model) if model.provider == "anthropic" else None
    if rule is None:
        return None
    if "enabled" in rule.thinking and "enabled" not in rule.thinking_deprecated:
        return "enabled"
    return "adaptive" if "adaptive" in rule.thinking else None


def request_api(model: Model, value: Any) -> tuple[dict | None, str | None]:
    """(the request body, the API it is written for) of a request line or file."""
    if not isinstance(value, dict):
        return None, None
    if isinstance(value.get("body"), dict):  # OpenAI Batch: the url names the API
        body = value["body"]
        url = str(value.get("url", ""))
        if url.endswith("/responses") or ("messages" not in body and "input" in body):
            return body, RESPONSES
        return (body, CHAT) if "messages" in body else (None, None)
    if isinstance(value.get("params"), dict):  # Anthropic Message Batches
        return value["params"], MESSAGES
    if "contents" in value:
        return value, GEMINI
    if "messages" in value:
        return value, MESSAGES if model.provider == "anthropic" else CHAT
    if "input" in value and model.provider == "openai":
        return value, RESPONSES
    return None, None


def _cap_field(model: Model, body: dict, api: str) -> list[str]:
    if api == GEMINI or (api != MESSAGES and model.provider != "openai"):
        return []  # OpenAI-compatible APIs of other providers take either name
    if api == CHAT and model.output_param == "max_output_tokens":
        return [
            f"{model.id} is served by the Responses API only: a Chat Completions request is"
            " refused (send it to /v1/responses with max_output_tokens)"
        ]
    problems = []
    for name in OTHER_CAP_FIELDS:
        if body.get(name) is None or name in CAP_FIELDS[api]:
            continue
        takes = " or ".join(CAP_FIELDS[api])
        problems.append(f"{name}: the {api} API refuses it; send {takes}")
    reasoning_chat = api == CHAT and model.reasoning
    if (
        reasoning_chat
        and model.output_param == "max_completion_tokens"
        and body.get("max_tokens") is not None
    ):
        problems.append(
            f"max_tokens: {model.id} is a reasoning model and refuses it; send"
            " max_completion_tokens (it counts the hidden reasoning too)"
        )
    return problems


def _anthropic(
    model: Model, body: dict, max_tokens: int, problems: list[str], risky: list[str]
) -> None:
    from pricing.rules import request_rule

    rule = request_rule(model)
    if rule is None:
        return
    thinking = body.get("thinking")
    mode = thinking.get("type") if isinstance(thinking, dict) else None
    thinks = mode in ("enabled", "adaptive")
    if thinks and mode not in rule.thinking:
        if not rule.thinking:
            problems.append(f"thinking: {model.id} does not think; leave thinking out")
        else:
            takes = " or ".join(f"'{m}'" for m in rule.thinking)
            problems.append(f"thinking.type '{mode}': {model.id} takes only {takes}")
    elif mode == "enabled":
        if mode in rule.thinking_deprecated:
            risky.append(f"thinking.type 'enabled' is deprecated on {model.id}; use 'adaptive'")
        _budget(rule.thinking_min_budget, thinking, body, max_tokens, problems, risky)
    if rule.sampling == "default_only":
        problems.extend(_default_sampling_only(model, body))
    elif mode == "enabled" and rule.with_thinking:
        problems.extend(_sampling_while_thinking(body))


def _budget(
    least: int | None,
    thinking: dict,
    body: dict,
    max_tokens: int,
    problems: list[str],
    risky: list[str],
) -> None:
    budget = thinking.get("budget_tokens")
    if isinstance(budget, bool) or not isinstance(budget, int):
        problems.append("thinking.budget_tokens: a whole number is needed with type 'enabled'")
    elif least is not None and budget < least:
        problems.append(f"thinking.budget_tokens {budget:,} is below the {least:,} accepted")
    elif budget >= max_tokens:
        # Thinking is part of max_tokens: the budget must leave room for the reply.
        found = f"thinking.budget_tokens {budget:,} >= max_tokens {max_tokens:,}"
        if body.get("tools"):  # interleaved thinking (a beta header) may exceed max_tokens
            risky.append(f"{found}: accepted only with interleaved thinking between tool calls")
        else:
            problems.append(f"{found}: refused; max_tokens must exceed the budget")


def _default_sampling_only(model: Model, body: dict) -> list[str]:
    problems = []
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        problems.append(f"temperature {temperature}: {model.id} takes only the default (1)")
    for name in ("top_p", "top_k"):
        if body.get(name) is not None:
            problems.append(f"{name}: {model.id} refuses it (sampling is fixed from Claude 4.7)")
    if temperature is not None and body.get("top_p") is not None:
        problems.append(f"temperature and top_p together: {model.id} refuses the pair")
    return problems


def _sampling_while_thinking(body: dict) -> list[str]:
    problems = []
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        problems.append(f"temperature {temperature}: only 1 is accepted while thinking")
    if body.get("top_k") is not None:
        problems.append("top_k: refused while thinking")
    top_p = body.get("top_p")
    low, high = TOP_P_WITH_THINKING
    if isinstance(top_p, (int, float)) and not low <= top_p <= high:
        problems.append(f"top_p {top_p}: only {low} to {high:g} is accepted while thinking")
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in FORCED_TOOL_CHOICES:
        problems.append(
            f"tool_choice '{choice['type']}': forced tool use is refused while thinking"
            " (use 'auto' or 'none')"
        )
    return problems


def _stop_sequences(body: dict, api: str) -> list[str]:
    if api == RESPONSES:
        return []  # it has no stop parameter
    if api == GEMINI:
        config = body.get("generationConfig")
        value = config.get("stopSequences") if isinstance(config, dict) else None
    else:
        value = body.get(STOP_FIELDS.get(api, "stop"))
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
