"""Ready request bodies: the provider's request with the output limit (and thinking budget) set.

Messages come in the OpenAI chat shape (role + content); system and developer messages move
to Anthropic's top-level ``system`` and Gemini's ``systemInstruction``. Without messages the
body holds a placeholder user turn that says how long the prompt is.
"""

from __future__ import annotations

from typing import Any

from budget.planner.request_rules import thinking_form
from pricing.catalog import Model


def request_body(
    model: Model,
    max_tokens: int,
    reasoning: int,
    messages: list[dict[str, Any]] | None,
    input_tokens: int,
    tools: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ready request body for the provider's API with the output limit set (and the
    request's tools, in that API's shape)."""
    body = _body(model, max_tokens, reasoning, messages, input_tokens)
    tools = tools or []
    functions = [_function(tool) for tool in tools if _is_function(tool)]
    builtin = [tool for tool in tools if not _is_function(tool)]  # web search, ... as given
    if not tools:
        return body
    if model.provider == "anthropic":
        shaped = [
            {"name": f["name"], "description": f["description"], "input_schema": f["parameters"]}
            for f in functions
        ]
    elif model.output_param == "maxOutputTokens":
        shaped = [{"functionDeclarations": functions}] if functions else []
    elif model.output_param == "max_output_tokens":  # Responses API: flat function tools
        shaped = [{"type": "function", **f} for f in functions]
    else:
        shaped = [{"type": "function", "function": f} for f in functions]
    body["tools"] = shaped + builtin
    return body


def _is_function(tool: dict[str, Any]) -> bool:
    """A function tool (OpenAI, Anthropic or Gemini shape), not a provider's built-in one."""
    return isinstance(tool.get("function"), dict) or tool.get("type") in (
        None,
        "function",
        "custom",
    )


def _function(tool: dict[str, Any]) -> dict[str, Any]:
    """A tool definition in any API's shape as (name, description, JSON-schema parameters)."""
    spec = tool["function"] if isinstance(tool.get("function"), dict) else tool
    declared = spec.get("parameters") or spec.get("input_schema") or {"type": "object"}
    return {
        "name": spec.get("name", ""),
        "description": spec.get("description", ""),
        "parameters": declared,
    }


def _body(
    model: Model,
    max_tokens: int,
    reasoning: int,
    messages: list[dict[str, Any]] | None,
    input_tokens: int,
) -> dict[str, Any]:
    messages = messages or [{"role": "user", "content": f"<your prompt: {input_tokens:,} tokens>"}]
    system = [m.get("content") for m in messages if m.get("role") in ("system", "developer")]
    turns = [m for m in messages if m.get("role") not in ("system", "developer")]
    if model.provider == "anthropic":
        body: dict[str, Any] = {"model": model.id, "max_tokens": max_tokens}
        if system:
            body["system"] = system[0] if len(system) == 1 else _join_texts(system)
        body["messages"] = turns
        form = thinking_form(model) if reasoning else None
        if form == "enabled":
            body["thinking"] = {"type": "enabled", "budget_tokens": reasoning}
        elif form == "adaptive":  # Claude 4.6 on: the model sizes its thinking inside max_tokens
            body["thinking"] = {"type": "adaptive"}
        return body
    if model.output_param == "maxOutputTokens":  # Gemini: the model goes in the URL
        config: dict[str, Any] = {"maxOutputTokens": max_tokens}
        if reasoning:
            config["thinkingConfig"] = {"thinkingBudget": reasoning}
        body = {"contents": [_gemini_turn(m) for m in turns], "generationConfig": config}
        if system:
            body["systemInstruction"] = {"parts": [{"text": _join_texts(system)}]}
        return body
    if model.output_param == "max_output_tokens":  # OpenAI Responses API
        return {"model": model.id, "input": messages, "max_output_tokens": max_tokens}
    return {"model": model.id, "messages": messages, model.output_param: max_tokens}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content if isinstance(block, dict))
    return ""


def _join_texts(contents: list[Any]) -> str:
    return "\n\n".join(_text_of(c) for c in contents)


def _gemini_turn(message: dict[str, Any]) -> dict[str, Any]:
    role = "model" if message.get("role") == "assistant" else "user"
    return {"role": role, "parts": [{"text": _text_of(message.get("content"))}]}
