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


# --- Gemini thinking and refused fields ----------------------------------------------------

QUESTION = [{"role": "user", "parts": [{"text": "Reconcile these two ledgers."}]}]


def gemini(tmp_path, model, contents=QUESTION, **config):
    """(fits, problems, warnings) of a generateContent request file sent to ``model``."""
    request = {"contents": contents, "generationConfig": {"maxOutputTokens": 8192, **config}}
    result = check(tmp_path, model, request, "--json")
    out = json.loads(result.stdout)
    assert result.exit_code == (0 if out["fits"] else 1)
    return out["fits"], out["problems"], out["warnings"]


@pytest.mark.parametrize(
    "model, budget, refused",
    [
        ("gemini-2.5-pro", 128, None),
        ("gemini-2.5-pro", 4096, None),
        ("gemini-2.5-pro", -1, None),
        ("gemini-2.5-pro", 0, "thinkingBudget 0: gemini-2.5-pro cannot turn thinking off"),
        ("gemini-2.5-pro", 100, "thinkingBudget 100: gemini-2.5-pro takes 128 to 32,768 or -1"),
        ("gemini-2.5-flash", 0, None),
        ("gemini-2.5-flash", 24576, None),
        ("gemini-2.5-flash", 24577, "takes 0 to 24,576, 0 (off) or -1"),
        ("gemini-2.5-flash-lite", 0, None),
        ("gemini-2.5-flash-lite", 256, "gemini-2.5-flash-lite takes 512 to 24,576, 0 (off)"),
        ("gemini-2.5-flash-lite", 512, None),
    ],
)
def test_a_gemini_2_5_thinking_budget_must_be_in_the_model_s_range(
    tmp_path, model, budget, refused
):
    fits, found, _ = gemini(tmp_path, model, thinkingConfig={"thinkingBudget": budget})
    if refused is None:
        assert (fits, found) == (True, [])
    else:
        assert not fits and len(found) == 1 and refused in found[0], found


def test_a_budget_not_below_max_output_tokens_is_a_warning_gemini_counts_thinking_inside(
    tmp_path,
):
    fits, found, warned = gemini(
        tmp_path, "gemini-2.5-flash", thinkingConfig={"thinkingBudget": 8192}
    )
    assert fits and found == []
    assert warned == [
        "thinkingConfig.thinkingBudget 8,192 >= maxOutputTokens 8,192: the thinking can use up"
        " the cap and leave no reply"
    ]


@pytest.mark.parametrize(
    "model, level, refused",
    [
        ("gemini-3.8-flash", "medium", None),
        ("gemini-3.8-flash", "HIGH", None),  # the enum spelling
        ("gemini-3.8-flash", "minimal", "takes only low, medium, high"),
        ("gemini-3.7-flash", "minimal", "takes only low, medium, high"),
        ("gemini-3.6-flash", "minimal", None),
        ("gemini-3.5-flash-lite", "minimal", None),
        ("gemini-3.1-pro-preview", "minimal", "takes only low, medium, high"),
        ("gemini-3-pro-preview", "medium", "takes only low, high"),
        ("gemini-4-argon", "xhigh", "takes only low, medium, high"),
        ("gemini-4-neon", "xhigh", None),
        ("gemini-4-hydrogen", "xhigh", None),
        ("gemini-2.5-pro", "high", "gemini-2.5-pro takes thinkingBudget, not a level"),
        ("gemini-2.0-flash", "low", "gemini-2.0-flash does not think"),
    ],
)
def test_each_gemini_model_takes_its_own_thinking_levels(tmp_path, model, level, refused):
    fits, found, _ = gemini(tmp_path, model, thinkingConfig={"thinkingLevel": level})
    if refused is None:
        assert (fits, found) == (True, [])
    else:
        assert not fits and len(found) == 1 and refused in found[0], found


def test_budget_and_level_together_are_refused(tmp_path):
    # Google answers 400 "You can only set only one of thinking budget and thinking level."
    thinking = {"thinkingBudget": 1024, "thinkingLevel": "low"}
    fits, found, _ = gemini(tmp_path, "gemini-3.8-flash", thinkingConfig=thinking)
    assert not fits and found == [
        "thinkingConfig: thinkingBudget and thinkingLevel together are refused; set one"
    ]


def test_a_budget_on_gemini_3_is_taken_for_backward_compatibility_with_a_warning(tmp_path):
    # snake_case, as the REST API also takes it (the cap then comes from --max-tokens)
    config = {"thinking_config": {"thinking_budget": 2048}}
    request = {"contents": QUESTION, "generation_config": config}
    result = check(tmp_path, "gemini-3.1-pro-preview", request, "--max-tokens", "8192", "--json")
    out = json.loads(result.stdout)
    assert out["fits"] and out["problems"] == []
    assert out["warnings"] == [
        "thinkingConfig.thinkingBudget on gemini-3.1-pro-preview is kept for backward"
        " compatibility only; use thinkingLevel"
    ]


def test_gemini_3_5_flash_lite_refuses_penalties_and_a_last_model_turn_and_ignores_sampling(
    tmp_path,
):
    prefilled = [*QUESTION, {"role": "model", "parts": [{"text": "Ledger A has"}]}]
    fits, found, warned = gemini(
        tmp_path,
        "gemini-3.5-flash-lite",
        contents=prefilled,
        frequencyPenalty=0.5,
        presencePenalty=0,  # the default: accepted
        temperature=0.2,
    )
    assert not fits
    assert found == [
        "generationConfig.frequencyPenalty: gemini-3.5-flash-lite refuses a custom value",
        "contents: gemini-3.5-flash-lite refuses a request whose last turn has role 'model'"
        " (no prefilled replies)",
    ]
    assert warned == ["generationConfig.temperature: gemini-3.5-flash-lite ignores custom values"]
    # The same request to 3.6 Flash is taken as written.
    assert gemini(tmp_path, "gemini-3.6-flash", contents=prefilled, frequencyPenalty=0.5) == (
        True,
        [],
        [],
    )


def test_a_gemini_batch_file_is_checked_line_by_line(tmp_path):
    def line(**thinking):  # one generateContent request per line
        config = {"maxOutputTokens": 4096, "thinkingConfig": thinking}
        return {"contents": QUESTION, "generationConfig": config}

    path = tmp_path / "batch.jsonl"
    lines = [line(thinkingLevel="low"), line(thinkingLevel="minimal")]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    args = ["check", "-m", "gemini-3.8-flash", "--messages", str(path), "--json"]
    result = CliRunner().invoke(cli, args)
    rows = json.loads(result.stdout)
    assert [row["fits"] for row in rows] == [True, False], rows
    assert rows[1]["problems"] == [
        "thinkingConfig.thinkingLevel 'minimal': gemini-3.8-flash takes only low, medium, high"
    ]
    assert result.exit_code == 1


def test_every_gemini_model_has_a_thinking_rule_that_matches_the_catalog():
    # gemini-3.1-flash-image-preview: Firebase's thinking page lists it as thinking though the
    # catalog does not mark it reasoning (request_rules.yaml says so); its thinkingConfig is
    # not refused.
    thinks_though_catalog_says_not = {"gemini-3.1-flash-image-preview"}
    google = [m for m in CATALOG.models if m.provider == "google" and not m.is_embedding]
    assert len(google) > 20
    for model in google:
        rule = request_rule(model)
        assert rule is not None and rule.source.startswith("https://") and rule.as_of, model.id
        expected = model.reasoning or model.id in thinks_though_catalog_says_not
        assert bool(rule.thinking) is expected, model.id
        assert rule.thinking_default_level in (None, *(rule.thinking_levels or ["low"])), model.id
        if model.id.startswith("gemini-2.5") and model.reasoning:
            assert rule.thinking == ("budget",) and rule.thinking_budget_range, model.id
        if model.id.startswith(("gemini-3", "gemini-4")) and model.reasoning:
            assert "level" in rule.thinking and "budget" in rule.thinking_deprecated, model.id


def test_the_longest_model_prefix_wins():
    # gemini-2.5-flash- is a prefix of gemini-2.5-flash-lite; the longer entry is the rule.
    assert request_rule(CATALOG.resolve("gemini-2.5-flash-lite")).thinking_budget_range == (
        512,
        24576,
    )
    assert request_rule(CATALOG.resolve("gemini-2.5-flash")).thinking_budget_range == (0, 24576)
    assert request_rule(CATALOG.resolve("gemini-3.5-flash-lite")).refuses
    assert not request_rule(CATALOG.resolve("gemini-3.5-flash")).refuses


@pytest.mark.parametrize(
    "line, field",
    [
        ("    thinking_budget_range: [512]\n", "thinking_budget_range"),
        ("    thinking_levels: [low, extreme]\n", "thinking_levels"),
        (
            "    thinking_levels: [low]\n    thinking_default_level: high\n",
            "thinking_default_level",
        ),
        ("    refuses: [seed]\n", "refuses"),
        ("    reasoning_efforts: [max]\n", "reasoning_efforts"),
    ],
)
def test_a_bad_gemini_rule_is_one_line_naming_the_file_and_field(
    tmp_path, monkeypatch, line, field
):
    (tmp_path / "request_rules.yaml").write_text(
        "rules:\n  - provider: google\n    thinking: [level]\n    sampling: free\n"
        + line
        + "    source: https://example.com\n    as_of: 2026-12-06\n"
    )
    monkeypatch.setattr(pricing.rules, "RULES_DIR", tmp_path)
    pricing.rules._entries.cache_clear()
    try:
        with pytest.raises(InputError, match=rf"request_rules.yaml:2: field '{field}'"):
            request_rule(CATALOG.resolve("gemini-3.8-flash"))
    finally:
        pricing.rules._entries.cache_clear()


def test_plan_writes_the_gemini_thinking_form_each_model_takes_and_says_so():
    from budget.planner.max_tokens import plan

    def planned(name, reasoning=2048):
        result = plan(CATALOG.resolve(name), 2000, expected_output=800, reasoning_tokens=reasoning)
        return result.request["generationConfig"].get("thinkingConfig"), result.notes

    # Before: thinkingBudget for every Gemini model, which Gemini 3 on keeps only for
    # backward compatibility.
    assert planned("gemini-2.5-flash")[0] == {"thinkingBudget": 2048}
    config, notes = planned("gemini-3.8-flash")
    assert config == {"thinkingLevel": "medium"}
    assert (
        "thinkingLevel 'medium' (its default): gemini-3.8-flash takes a thinking level"
        in (notes[0])
    )
    assert planned("gemini-4-neon")[0] == {"thinkingLevel": "high"}
    assert planned("gemini-3.1-flash-lite")[0] is None  # no documented default: left to it
    with pytest.raises(InputError, match="gemini-2.5-pro takes a thinkingBudget of 128 to 32,768"):
        planned("gemini-2.5-pro", reasoning=64)


# --- OpenAI reasoning effort ----------------------------------------------------------------


@pytest.mark.parametrize(
    "model, body, refused",
    [
        ("gpt-5", {"messages": HELLO, "reasoning_effort": "minimal"}, None),
        ("gpt-5", {"messages": HELLO, "reasoning_effort": "none"}, "gpt-5 takes only minimal"),
        ("gpt-5.1", {"messages": HELLO, "reasoning_effort": "none"}, None),
        (
            "gpt-5.1",
            {"messages": HELLO, "reasoning_effort": "minimal"},
            "reasoning_effort 'minimal': gpt-5.1 takes only none, low, medium, high",
        ),
        ("gpt-5.4", {"input": HELLO, "reasoning": {"effort": "xhigh"}}, None),
        (
            "gpt-5.4",
            {"input": HELLO, "reasoning": {"effort": "minimal"}},
            "reasoning.effort 'minimal': gpt-5.4 takes only none, low, medium, high, xhigh",
        ),
        (
            "gpt-5-pro",
            {"input": HELLO, "reasoning": {"effort": "low"}},
            "gpt-5-pro takes only high",
        ),
        ("gpt-5.3-codex", {"input": HELLO, "reasoning": {"effort": "none"}}, "takes only low"),
        ("gpt-5.4-mini", {"messages": HELLO, "reasoning_effort": "minimal"}, None),  # unsourced
    ],
)
def test_each_openai_model_takes_its_own_reasoning_efforts(tmp_path, model, body, refused):
    cap = {"max_output_tokens": 800} if "input" in body else {"max_completion_tokens": 800}
    out = json.loads(check(tmp_path, model, {**body, **cap}, "--json").stdout)
    assert out["fits"] is (refused is None), out["problems"]
    if refused:
        assert len(out["problems"]) == 1 and refused in out["problems"][0], out["problems"]


@pytest.mark.parametrize(
    "model, fields, refused",
    [
        ("gpt-5", {"temperature": 0.2}, "temperature 0.2: gpt-5 takes only the default (1)"),
        ("gpt-5", {"temperature": 1}, None),
        ("gpt-5.1", {"temperature": 0.2}, None),  # default effort none: taken
        ("gpt-5.1", {"temperature": 0.2, "reasoning_effort": "none"}, None),
        (
            "gpt-5.1",
            {"temperature": 0.2, "reasoning_effort": "high"},
            "temperature 0.2: gpt-5.1 takes only the default (1) while reasoning"
            " (reasoning_effort 'high'; 'none' takes a temperature)",
        ),
        ("gpt-4o", {"temperature": 0.2}, None),
    ],
)
def test_openai_temperature_is_refused_where_the_model_reasons(tmp_path, model, fields, refused):
    cap = "max_tokens" if model == "gpt-4o" else "max_completion_tokens"
    fits, found, _ = problems(tmp_path, model, **{cap: 800}, **fields)
    assert (fits, found) == ((True, []) if refused is None else (False, [refused]))


def test_every_openai_model_has_a_request_rule_with_a_source():
    openai = [m for m in CATALOG.models if m.provider == "openai" and not m.is_embedding]
    assert len(openai) > 50
    for model in openai:
        rule = request_rule(model)
        assert rule is not None and rule.source.startswith("https://") and rule.as_of, model.id
        assert rule.thinking == (), model.id  # OpenAI thinking is not a request option
        if rule.reasoning_efforts:  # an effort list only where the catalog says it reasons
            assert model.reasoning, model.id


def test_a_whole_id_rule_does_not_reach_longer_ids():
    # ids: [gpt-5] must not give gpt-5.6-sol or gpt-5-codex gpt-5's efforts.
    assert request_rule(CATALOG.resolve("gpt-5")).reasoning_efforts == (
        "minimal",
        "low",
        "medium",
        "high",
    )
    for other in ("gpt-5.6-sol", "gpt-5-codex", "gpt-5-chat-latest", "gpt-5.1-codex"):
        assert request_rule(CATALOG.resolve(other)).reasoning_efforts == (), other


# --- every provider's batch file ----------------------------------------------------------


def test_gemini_and_bedrock_batch_lines_are_counted_and_checked(tmp_path):
    # Before: "expected messages, body.messages (OpenAI Batch), params.messages ..." for the
    # Gemini Batch API's {key, request} lines and Bedrock batch inference's {recordId,
    # modelInput} lines.
    def contents(text):
        return [{"role": "user", "parts": [{"text": text}]}]

    gemini = tmp_path / "gemini-batch.jsonl"
    lines = [
        {
            "key": "ok",
            "request": {"contents": contents("Hi"), "generationConfig": {"maxOutputTokens": 800}},
        },
        {
            "key": "low-budget",
            "request": {
                "contents": contents("Hi"),
                "generationConfig": {
                    "maxOutputTokens": 800,
                    "thinkingConfig": {"thinkingBudget": 20},
                },
            },
        },
    ]
    gemini.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = CliRunner().invoke(
        cli, ["check", "-m", "gemini-2.5-pro", "--messages", str(gemini), "--json"]
    )
    assert result.exit_code == 1, result.output
    rows = {row["custom_id"]: row for row in json.loads(result.stdout)}
    assert (rows["ok"]["max_tokens"], rows["ok"]["fits"]) == (800, True)
    assert rows["ok"]["max_tokens_from"] == "request" and rows["ok"]["input_tokens"] > 0
    assert not rows["low-budget"]["fits"]
    assert "thinkingBudget 20" in rows["low-budget"]["problems"][0]

    bedrock = tmp_path / "bedrock-batch.jsonl"
    body = {"anthropic_version": "bedrock-2023-05-31", "messages": HELLO}
    lines = [
        {"recordId": "r1", "modelInput": {**body, "max_tokens": 900}},
        {"recordId": "r2", "modelInput": body},
    ]
    bedrock.write_text("".join(json.dumps(line) + "\n" for line in lines))
    name = "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0"
    args = ["check", "-m", name, "--messages", str(bedrock), "--max-tokens", "500", "--json"]
    rows = {row["custom_id"]: row for row in json.loads(CliRunner().invoke(cli, args).stdout)}
    assert (rows["r1"]["max_tokens"], rows["r1"]["fits"]) == (900, True)
    assert rows["r2"]["problems"] == [
        "modelInput.max_tokens: the Messages API needs it and the line sets none"
    ]
