"""`budget check --messages`: what the API would refuse in a request's parameters, beside its
size (budget/planner/request_rules.py, pricing/data/rules/request_rules.yaml)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import pricing.rules
from budget.cli import cli
from pricing.catalog import load_catalog
from pricing.errors import InputError
from pricing.rules import request_rule

CATALOG = load_catalog()
HELLO = [{"role": "user", "content": "Summarise the attached report."}]


def check(tmp_path, model, request, *extra):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    result = CliRunner().invoke(cli, ["check", "-m", model, "--messages", str(path), *extra])
    assert result.exit_code in (0, 1), result.output
    return result


def problems(tmp_path, model, **fields):
    """(fits, problems, warnings) of a one-request file sent to ``model``."""
    result = check(tmp_path, model, {"messages": HELLO, **fields}, "--json")
    out = json.loads(result.stdout)
    assert result.exit_code == (0 if out["fits"] else 1)
    return out["fits"], out["problems"], out["warnings"]


# --- Anthropic thinking -------------------------------------------------------------------


def test_a_thinking_budget_not_below_max_tokens_is_refused(tmp_path):
    # The request fits the window by size; Anthropic answers 400 because the thinking (part of
    # max_tokens) would leave no room for the reply.
    thinking = {"type": "enabled", "budget_tokens": 8000}
    result = check(
        tmp_path,
        "claude-sonnet-4-5",
        {"messages": HELLO, "max_tokens": 4000, "thinking": thinking},
    )
    assert result.exit_code == 1
    assert "fits              no" in result.stdout
    assert (
        "thinking.budget_tokens 8,000 >= max_tokens 4,000: refused; max_tokens must exceed the"
        " budget" in result.stdout
    )
    fits, found, _ = problems(tmp_path, "claude-sonnet-4-5", max_tokens=16000, thinking=thinking)
    assert (fits, found) == (True, [])


def test_equal_budget_and_max_tokens_is_refused_too(tmp_path):
    thinking = {"type": "enabled", "budget_tokens": 4000}
    fits, found, _ = problems(tmp_path, "claude-haiku-4-5", max_tokens=4000, thinking=thinking)
    assert not fits and found == [
        "thinking.budget_tokens 4,000 >= max_tokens 4,000: refused; max_tokens must exceed"
        " the budget"
    ]


def test_with_tools_a_large_budget_is_a_warning_interleaved_thinking_may_take_it(tmp_path):
    tools = [{"name": "search", "description": "Search.", "input_schema": {"type": "object"}}]
    thinking = {"type": "enabled", "budget_tokens": 8000}
    fits, found, warned = problems(
        tmp_path, "claude-sonnet-4-5", max_tokens=4000, thinking=thinking, tools=tools
    )
    assert fits and found == []
    assert "accepted only with interleaved thinking" in warned[0]


def test_a_budget_below_the_minimum_is_refused(tmp_path):
    thinking = {"type": "enabled", "budget_tokens": 500}
    fits, found, _ = problems(tmp_path, "claude-sonnet-4-5", max_tokens=4000, thinking=thinking)
    assert not fits
    assert found == ["thinking.budget_tokens 500 is below the 1,024 accepted"]


@pytest.mark.parametrize(
    "model, mode, refused",
    [
        ("claude-opus-4-7", "enabled", "takes only 'adaptive'"),
        ("claude-sonnet-5", "enabled", "takes only 'adaptive'"),
        ("claude-fable-5-1", "enabled", "takes only 'adaptive'"),
        ("claude-sonnet-4-5", "adaptive", "takes only 'enabled'"),
        ("claude-3-5-haiku", "enabled", "does not think"),
        ("claude-opus-4-7", "adaptive", None),
        ("claude-opus-4-6", "adaptive", None),
        ("claude-opus-4-6", "enabled", None),
    ],
)
def test_each_model_takes_its_own_thinking_modes(tmp_path, model, mode, refused):
    thinking = {"type": mode, **({"budget_tokens": 2048} if mode == "enabled" else {})}
    fits, found, _ = problems(tmp_path, model, max_tokens=4000, thinking=thinking)
    if refused is None:
        assert (fits, found) == (True, [])
    else:
        assert not fits and refused in found[0] and model in found[0]


def test_the_deprecated_budget_form_on_the_4_6_models_is_a_warning(tmp_path):
    thinking = {"type": "enabled", "budget_tokens": 2048}
    result = check(
        tmp_path, "claude-opus-4-6", {"messages": HELLO, "max_tokens": 4000, "thinking": thinking}
    )
    assert result.exit_code == 0
    assert "thinking.type 'enabled' is deprecated on claude-opus-4-6; use 'adaptive'" in (
        result.stderr
    )


@pytest.mark.parametrize(
    "fields, refused",
    [
        ({"temperature": 0.2}, "temperature 0.2: only 1 is accepted while thinking"),
        ({"top_k": 40}, "top_k: refused while thinking"),
        ({"top_p": 0.9}, "top_p 0.9: only 0.95 to 1 is accepted while thinking"),
        ({"tool_choice": {"type": "any"}}, "tool_choice 'any': forced tool use is refused"),
        ({"temperature": 1, "top_p": 0.97, "tool_choice": {"type": "auto"}}, None),
    ],
)
def test_sampling_and_forced_tools_while_thinking(tmp_path, fields, refused):
    thinking = {"type": "enabled", "budget_tokens": 2048}
    fits, found, _ = problems(
        tmp_path, "claude-sonnet-4-5", max_tokens=8000, thinking=thinking, **fields
    )
    assert fits is (refused is None)
    assert found == ([] if refused is None else [found[0]])
    if refused:
        assert found[0].startswith(refused)


def test_without_thinking_a_claude_4_5_takes_any_temperature(tmp_path):
    assert problems(tmp_path, "claude-sonnet-4-5", max_tokens=800, temperature=0.2)[:2] == (
        True,
        [],
    )


@pytest.mark.parametrize(
    "fields, refused",
    [
        ({"temperature": 0.5}, ["temperature 0.5: claude-opus-4-7 takes only the default (1)"]),
        ({"temperature": 1}, []),
        (
            {"temperature": 1, "top_p": 0.99},
            [
                "top_p: claude-opus-4-7 refuses it (sampling is fixed from Claude 4.7)",
                "temperature and top_p together: claude-opus-4-7 refuses the pair",
            ],
        ),
    ],
)
def test_claude_4_7_on_takes_the_default_sampling_only(tmp_path, fields, refused):
    fits, found, _ = problems(tmp_path, "claude-opus-4-7", max_tokens=800, **fields)
    assert (fits, found) == (not refused, refused)


# --- the output cap's name ----------------------------------------------------------------


@pytest.mark.parametrize(
    "model, body, refused",
    [
        ("gpt-5.2", {"messages": HELLO, "max_tokens": 800}, "max_tokens: gpt-5.2 is a reasoning"),
        ("gpt-5.2", {"messages": HELLO, "max_completion_tokens": 800}, None),
        ("gpt-4o", {"messages": HELLO, "max_tokens": 800}, None),
        ("gpt-4o", {"messages": HELLO, "max_output_tokens": 800}, "max_output_tokens: the Chat"),
        ("gpt-5-pro", {"messages": HELLO, "max_completion_tokens": 800}, "Responses API only"),
        ("gpt-5-pro", {"input": HELLO, "max_output_tokens": 800}, None),
        ("gpt-5.2", {"input": HELLO, "max_tokens": 800}, "max_tokens: the Responses API refuses"),
        ("claude-sonnet-4-5", {"messages": HELLO, "max_completion_tokens": 800}, "Messages API"),
        ("grok-4", {"messages": HELLO, "max_completion_tokens": 800}, None),
    ],
)
def test_the_cap_goes_by_the_name_the_api_takes(tmp_path, model, body, refused):
    out = json.loads(check(tmp_path, model, body, "--json").stdout)
    assert out["fits"] is (refused is None)
    if refused:
        assert any(refused in problem for problem in out["problems"]), out["problems"]


# --- stop sequences -----------------------------------------------------------------------


def test_stop_sequences_over_the_limit_or_where_none_are_taken_are_refused(tmp_path):
    five = ["###", "<|end|>", "</answer>", "STOP_HERE", "[[done]]"]
    fits, found, _ = problems(tmp_path, "gpt-4o", max_tokens=800, stop=five)
    assert not fits and found == ["5 stop sequences given; gpt-4o takes at most 4 (drop 1)"]
    fits, found, _ = problems(tmp_path, "gpt-5.2", max_completion_tokens=800, stop="###")
    assert not fits and found == ["gpt-5.2 does not accept stop sequences"]
    fits, found, _ = problems(tmp_path, "gpt-4o", max_tokens=800, stop=five[:4])
    assert (fits, found) == (True, [])


def test_a_common_word_stop_fits_but_is_named_on_stderr(tmp_path):
    request = {"messages": HELLO, "max_tokens": 800, "stop_sequences": ["end", "</answer>"]}
    result = check(tmp_path, "claude-sonnet-4-5", request)
    assert result.exit_code == 0 and "fits              yes" in result.stdout
    assert "'end' is a common word: it will fire inside ordinary text" in result.stderr
    assert str(tmp_path / "request.json") in result.stderr


def test_gemini_stop_sequences_are_read_from_generation_config(tmp_path):
    config = {"maxOutputTokens": 800, "stopSequences": ["a1", "b2", "c3", "d4", "e5", "f6"]}
    contents = [{"role": "user", "parts": [{"text": "Hi"}]}]
    request = {"contents": contents, "generationConfig": config}
    out = json.loads(check(tmp_path, "gemini-2.5-pro", request, "--json").stdout)
    assert not out["fits"]
    assert "6 stop sequences given; gemini-2.5-pro takes at most 5 (drop 1)" in out["problems"]


# --- batch files --------------------------------------------------------------------------


def test_each_line_of_a_batch_file_is_checked_with_its_own_parameters(tmp_path):
    def line(custom_id, **params):
        return {"custom_id": custom_id, "params": {"model": "claude-sonnet-4-5", **params}}

    thinking = {"type": "enabled", "budget_tokens": 6000}
    lines = [
        line("ok", messages=HELLO, max_tokens=8000, thinking=thinking),
        line("tight", messages=HELLO, max_tokens=4000, thinking=thinking),
        line("no-cap", messages=HELLO),
        line("stop", messages=HELLO, max_tokens=800, stop_sequences=["the"]),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    args = ["check", "-m", "claude-sonnet-4-5", "--messages", str(path), "--max-tokens", "900"]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 1
    rows = {row["custom_id"]: row for row in json.loads(result.stdout)}
    assert [rows[k]["fits"] for k in ("ok", "tight", "no-cap", "stop")] == [
        True,
        False,
        False,
        True,
    ]
    assert "params.max_tokens: the Messages API needs it" in rows["no-cap"]["problems"][0]
    assert rows["stop"]["warnings"] == ["'the' is a common word: it will fire inside ordinary text"]
    table = CliRunner().invoke(cli, args)
    assert f"warning: {path}:4: 'the' is a common word" in table.stderr
    assert "2 of 4 requests fit" in table.stdout


# --- the rules file -----------------------------------------------------------------------


def test_every_anthropic_model_has_a_thinking_rule_that_matches_the_catalog():
    # A model added to the catalog without a rule (or thinking where the catalog says it does
    # not reason) fails here, not in a user's 400.
    for model in (m for m in CATALOG.models if m.provider == "anthropic"):
        rule = request_rule(model)
        assert rule is not None, model.id
        assert bool(rule.thinking) is model.reasoning, model.id
        assert rule.source.startswith("https://") and rule.as_of


def test_a_bad_rules_file_is_one_line_naming_the_file_and_field(tmp_path, monkeypatch):
    (tmp_path / "request_rules.yaml").write_text(
        "rules:\n  - provider: anthropic\n    thinking: [sometimes]\n    sampling: free\n"
        "    source: https://example.com\n    as_of: 2026-12-06\n"
    )
    monkeypatch.setattr(pricing.rules, "RULES_DIR", tmp_path)
    pricing.rules._entries.cache_clear()
    try:
        with pytest.raises(InputError, match=r"request_rules.yaml:2: field 'thinking'"):
            request_rule(CATALOG.resolve("claude-sonnet-4-5"))
    finally:
        pricing.rules._entries.cache_clear()


# --- what `budget plan` writes passes what `budget check` reads ---------------------------


@pytest.mark.parametrize("reasoning", [None, 2048])
def test_every_request_plan_writes_is_one_the_api_takes(reasoning):
    # Before: plan wrote thinking {type: enabled, budget_tokens} for claude-opus-4-7, which
    # Anthropic refuses (adaptive only from Claude 4.7).
    from budget.planner.max_tokens import plan
    from budget.planner.request_rules import request_findings

    chat = [m for m in CATALOG.models if not m.is_embedding]
    assert len(chat) > 150
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]
    for model in chat:
        for with_tools in (None, tools):
            result = plan(
                model, 2000, expected_output=800, reasoning_tokens=reasoning, tools=with_tools
            )
            if result.request is None:
                continue
            found = request_findings(model, result.request, result.max_tokens)
            assert found.refused == (), (model.id, result.request)


def test_plan_asks_adaptive_thinking_where_the_budget_form_is_refused_or_deprecated():
    from budget.planner.max_tokens import plan

    def thinking(name):
        result = plan(CATALOG.resolve(name), 2000, expected_output=800, reasoning_tokens=2048)
        return result.request.get("thinking")

    assert thinking("claude-sonnet-4-5") == {"type": "enabled", "budget_tokens": 2048}
    assert thinking("claude-opus-4-7") == {"type": "adaptive"}
    assert thinking("claude-opus-4-6") == {"type": "adaptive"}  # enabled is deprecated there
    assert thinking("claude-3-5-haiku") is None  # it does not think
