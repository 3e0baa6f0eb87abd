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
* Gemini thinking (``generationConfig.thinkingConfig``): ``thinkingBudget`` within the model's
  range (Gemini 2.5), ``thinkingLevel`` among the levels it takes (Gemini 3 on; a budget there
  is kept for backward compatibility only: a warning), never both, neither where the model
  does not think; a budget not below ``maxOutputTokens`` leaves no room for the reply (thinking
  counts inside it: a warning); fields a model refuses (Gemini 3.5 Flash-Lite: penalties, a
  last turn by the model) or ignores (its sampling parameters: a warning);
* OpenAI reasoning effort (``reasoning_effort``, ``reasoning.effort``): the values each model
  takes where sourced, and a temperature other than 1 where the model refuses it (gpt-5; from
  gpt-5.1 while the effort is not ``none``);
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
    """The findings for one request (a chat request, or a line of a batch file:
    :data:`budget.inputs.files.BATCH_ENVELOPES`) sent to ``model`` with ``max_tokens`` as its
    output cap."""
    from budget.inputs.files import batch_envelope

    envelope = batch_envelope(value)
    body, api = request_api(model, value, envelope)
    if body is None:
        return RequestFindings()
    refused: list[str] = []
    risky: list[str] = []
    refused.extend(_cap_field(model, body, api))
    if api == MESSAGES and envelope is not None and body.get("max_tokens") is None:
        # A batch line is sent as written (a lone request may be a caller's messages only).
        refused.append(
            f"{envelope[0]}.max_tokens: the Messages API needs it and the line sets none"
        )
    if model.provider == "anthropic" and api == MESSAGES:
        _anthropic(model, body, max_tokens, refused, risky)
    if model.provider == "google" and api == GEMINI:
        _gemini(model, body, max_tokens, refused, risky)
    if model.provider == "openai" and api in (CHAT, RESPONSES):
        refused.extend(_openai_reasoning(model, body, api))
    stops = _stop_sequences(body, api)
    if stops:
        from budget.planner.stops import lint_stops, refused_stops

        limits = refused_stops(model, len(stops))
        refused.extend(limits)
        if not limits:
            risky.extend(lint_stops(model, stops).problems)
    return RequestFindings(tuple(refused), tuple(risky))


# The form a planned request asks for thinking in, best first: a fixed budget where the model
# takes one that is not deprecated, else the model-sized form (Anthropic adaptive, a Gemini
# thinking level).
PLANNED_FORMS = ("enabled", "budget", "adaptive", "level")


def thinking_form(model: Model) -> str | None:
    """The thinking control a planned request uses: Anthropic ``enabled`` (with
    ``budget_tokens``) or ``adaptive``; Gemini ``budget`` (``thinkingBudget``, 2.5) or
    ``level`` (``thinkingLevel``, 3 on). None where the model does not think or its provider
    has no rules."""
    from pricing.rules import request_rule

    rule = request_rule(model)
    if rule is None:
        return None
    taken = [form for form in PLANNED_FORMS if form in rule.thinking]
    current = [form for form in taken if form not in rule.thinking_deprecated]
    return (current or taken or [None])[0]


def request_api(
    model: Model, value: Any, envelope: tuple[str, dict] | None
) -> tuple[dict | None, str | None]:
    """(the request body, the API it is written for) of a request line or file, given its
    batch envelope (``budget.inputs.files.batch_envelope``; None: the request itself)."""
    if not isinstance(value, dict):
        return None, None
    key, body = envelope if envelope is not None else (None, value)
    if key == "body":  # OpenAI Batch: the url names the API
        url = str(value.get("url", ""))
        if url.endswith("/responses") or ("messages" not in body and "input" in body):
            return body, RESPONSES
        return (body, CHAT) if "messages" in body else (None, None)
    if key == "params":  # Anthropic Message Batches
        return body, MESSAGES
    if key == "modelInput":  # Bedrock batch inference: Claude's body is the Messages API's
        return (body, MESSAGES) if model.provider == "anthropic" else (None, None)
    value = body  # a Gemini Batch line's `request`, or the request itself
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


def _openai_reasoning(model: Model, body: dict, api: str) -> list[str]:
    """The reasoning effort's value and a temperature the model refuses beside it."""
    from pricing.rules import request_rule

    rule = request_rule(model)
    if rule is None:
        return []
    problems = []
    if api == CHAT:
        name, effort = "reasoning_effort", body.get("reasoning_effort")
    else:
        reasoning = body.get("reasoning")
        name = "reasoning.effort"
        effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    if effort is not None and rule.reasoning_efforts and effort not in rule.reasoning_efforts:
        takes = ", ".join(rule.reasoning_efforts)
        problems.append(f"{name} '{effort}': {model.id} takes only {takes}")
    temperature = body.get("temperature")
    if temperature is None or temperature == 1:
        return problems
    if rule.sampling == "default_temperature":
        problems.append(f"temperature {temperature}: {model.id} takes only the default (1)")
    elif rule.sampling == "default_temperature_while_reasoning" and effort not in (None, "none"):
        problems.append(
            f"temperature {temperature}: {model.id} takes only the default (1) while reasoning"
            f" ({name} '{effort}'; 'none' takes a temperature)"
        )
    return problems


# Gemini's generationConfig in the REST spelling; the REST API takes snake_case as well.
GEMINI_PENALTIES = ("frequencyPenalty", "presencePenalty")
GEMINI_SAMPLING = ("temperature", "topP", "topK")
DYNAMIC_BUDGET = -1


def _field(mapping: Any, name: str) -> Any:
    """``mapping[name]`` in camelCase or its snake_case spelling (None where neither)."""
    if not isinstance(mapping, dict):
        return None
    if name in mapping:
        return mapping[name]
    return mapping.get("".join(f"_{c.lower()}" if c.isupper() else c for c in name))


def _gemini(
    model: Model, body: dict, max_tokens: int, problems: list[str], risky: list[str]
) -> None:
    from pricing.rules import request_rule

    rule = request_rule(model)
    if rule is None:
        return
    config = _field(body, "generationConfig")
    thinking = _field(config, "thinkingConfig")
    budget = _field(thinking, "thinkingBudget")
    level = _field(thinking, "thinkingLevel")
    if isinstance(level, str) and level.upper() == "THINKING_LEVEL_UNSPECIFIED":
        level = None
    if budget is not None and level is not None:
        problems.append(
            "thinkingConfig: thinkingBudget and thinkingLevel together are refused; set one"
        )
    elif not rule.thinking and (budget not in (None, 0) or level is not None):
        problems.append(f"thinkingConfig: {model.id} does not think; leave thinkingConfig out")
    elif level is not None:
        _gemini_level(model, rule, level, problems)
    elif budget is not None:
        _gemini_budget(model, rule, budget, max_tokens, problems, risky)
    for name in GEMINI_PENALTIES:
        if name in rule.refuses and _field(config, name) not in (None, 0):
            problems.append(f"generationConfig.{name}: {model.id} refuses a custom value")
    contents = body.get("contents")
    if "last_turn_model" in rule.refuses and isinstance(contents, list) and contents:
        last = contents[-1]
        if isinstance(last, dict) and last.get("role") == "model":
            problems.append(
                f"contents: {model.id} refuses a request whose last turn has role 'model'"
                " (no prefilled replies)"
            )
    if rule.sampling == "ignored":
        for name in GEMINI_SAMPLING:
            if _field(config, name) is not None:
                risky.append(f"generationConfig.{name}: {model.id} ignores custom values")


def _gemini_level(model: Model, rule: Any, level: Any, problems: list[str]) -> None:
    if "level" not in rule.thinking:
        problems.append(
            f"thinkingConfig.thinkingLevel: {model.id} takes thinkingBudget, not a level"
        )
    elif not isinstance(level, str):
        problems.append("thinkingConfig.thinkingLevel: expected a level name")
    elif rule.thinking_levels and level.lower() not in rule.thinking_levels:
        takes = ", ".join(rule.thinking_levels)
        problems.append(f"thinkingConfig.thinkingLevel '{level}': {model.id} takes only {takes}")


def _gemini_budget(
    model: Model,
    rule: Any,
    budget: Any,
    max_tokens: int,
    problems: list[str],
    risky: list[str],
) -> None:
    if isinstance(budget, bool) or not isinstance(budget, int):
        problems.append("thinkingConfig.thinkingBudget: a whole number of tokens is needed")
        return
    if "budget" not in rule.thinking:
        problems.append(f"thinkingConfig.thinkingBudget: {model.id} takes thinkingLevel only")
        return
    if "budget" in rule.thinking_deprecated:
        risky.append(
            f"thinkingConfig.thinkingBudget on {model.id} is kept for backward compatibility"
            " only; use thinkingLevel"
        )
    span = rule.thinking_budget_range
    if budget == DYNAMIC_BUDGET:
        return
    if budget == 0 and span is not None and not rule.thinking_budget_off:
        problems.append(f"thinkingConfig.thinkingBudget 0: {model.id} cannot turn thinking off")
    elif span is not None and budget != 0 and not span[0] <= budget <= span[1]:
        problems.append(
            f"thinkingConfig.thinkingBudget {budget:,}: {model.id} takes {span[0]:,} to"
            f" {span[1]:,}" + (", 0 (off)" if rule.thinking_budget_off else "") + " or -1"
        )
    elif budget >= max_tokens > 0:
        # Thinking counts inside maxOutputTokens: accepted, but the reply may come back empty.
        risky.append(
            f"thinkingConfig.thinkingBudget {budget:,} >= maxOutputTokens {max_tokens:,}: the"
            " thinking can use up the cap and leave no reply"
        )


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
