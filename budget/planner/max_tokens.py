"""Fit checks and max_tokens plans: does a request fit, and what should max_tokens be?

``check`` answers "does input + max_tokens fit this model?" with numbers in every problem.
``plan`` recommends max_tokens from an expected length, observed samples or a task preset:

    max_tokens = round_up_to_step(length x (1 + buffer) + reasoning budget)

clamped to the output ceiling and to what the context window leaves after the input.
Steps: a multiple of 50 up to 1,000 tokens, of 100 up to 10,000, of 1,000 above
(800 expected with the default 25% buffer -> 1,000).

Costs (expected, worst case, continuation) are in :mod:`budget.planner.truncation`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from budget.inputs.samples import OutputSamples, samples_from_lengths
from budget.inputs.samples import percentile as nearest_rank
from budget.planner.request_body import request_body
from budget.planner.request_rules import thinking_form
from budget.planner.truncation import (
    DEFAULT_ON_TRUNCATION,
    expected_cost,
    truncation,
    worst_case_cost,
)
from pricing.catalog import Model
from pricing.engine import token_count
from pricing.errors import InputError

DEFAULT_BUFFER = Decimal("0.25")
DEFAULT_PERCENTILE = 95.0
MAX_BUFFER = 100  # 10,000%: a larger buffer is a typo (and overflows Decimal arithmetic)
MAX_BARE_BUFFER = 5  # a bare number above this (--buffer 25) surely meant percent
MIN_MAX_TOKENS = 50  # one rounding step: the smallest recommendation (--expected-output 0)
ANTHROPIC_MIN_THINKING = 1024  # budget_tokens below this is rejected by the API


@dataclass(frozen=True)
class TaskPreset:
    """Typical reply lengths from practice; plans use the top of the range, costs the middle."""

    low: int
    high: int
    description: str


TASKS = {
    "qa": TaskPreset(150, 300, "Q&A: short factual answers, 150-300 tokens"),
    "explain": TaskPreset(1000, 2000, "explanations: 1,000-2,000 tokens"),
    "longform": TaskPreset(4000, 4000, "long-form: 4,000 tokens and more (use --samples)"),
}


def round_up_to_step(tokens: int) -> int:
    """Round up to a multiple of 50 (<= 1,000), 100 (<= 10,000) or 1,000 (above)."""
    step = 50 if tokens <= 1000 else 100 if tokens <= 10_000 else 1000
    return -(-tokens // step) * step


def available_output(model: Model, input_tokens: int) -> int:
    """The largest legal max_tokens for this input (0 when the input itself does not fit)."""
    if input_tokens > model.max_input_tokens:
        return 0
    return max(0, min(model.max_output_tokens, model.context_window - input_tokens))


@dataclass(frozen=True)
class CheckResult:
    model: str
    variant: str | None
    fits: bool
    input_tokens: int
    max_tokens: int
    context_window: int
    max_input_tokens: int
    max_output_tokens: int
    available_output: int
    problems: tuple[str, ...]
    variants_that_fit: tuple[str, ...]
    # What the API would accept but regret in a request file's parameters (stop sequences that
    # fire inside ordinary text, a deprecated thinking mode): not a reason it does not fit.
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


def _fields_dict(result: Any) -> dict[str, Any]:
    """Fields in declaration order, tuples as lists (JSON keys are the field names)."""
    return {
        f.name: list(value) if isinstance(value := getattr(result, f.name), tuple) else value
        for f in fields(result)
    }


def limit_problems(
    model: Model,
    input_tokens: int,
    max_tokens: int,
    *,
    zero_is_a_problem: bool = True,
    output_name: str = "max_tokens",
) -> list[str]:
    """What is wrong with this input and max_tokens for ``model``, each with the numbers
    (the limits are :meth:`pricing.model.Model.overruns`: the one rule of too long).
    ``output_name``: what the output figure is to the reader (``output`` for a priced call's
    reply length, which is no max_tokens)."""
    cap = output_name
    problems = []
    if max_tokens < 1 and zero_is_a_problem:
        problems.append(f"{cap} must be at least 1, got {max_tokens:,}")
    over = model.overruns(input_tokens, max_tokens)
    ceiling_note = " (it includes hidden reasoning tokens)" if model.reasoning else ""
    if over["max_input_tokens"] > 0:
        problems.append(
            f"input {input_tokens:,} exceeds max input {model.max_input_tokens:,} "
            f"by {over['max_input_tokens']:,} tokens; cut the input by at least "
            f"{over['max_input_tokens']:,}"
        )
    if over["max_output_tokens"] > 0:
        problems.append(
            f"{cap} {max_tokens:,} exceeds the output ceiling {model.max_output_tokens:,}"
            f"{ceiling_note} by {over['max_output_tokens']:,}; "
            f"lower {cap} to {model.max_output_tokens:,}"
        )
    if over["context_window"] > 0:
        total, excess = input_tokens + max_tokens, over["context_window"]
        room = model.context_window - input_tokens
        fix = (
            f"lower {cap} to {room:,} or cut the input by {excess:,}"
            if room > 0
            else f"cut the input by {excess:,}"
        )
        problems.append(
            f"input {input_tokens:,} + {cap} {max_tokens:,} = {total:,} exceeds the "
            f"context window {model.context_window:,} by {excess:,}; {fix}"
        )
    return problems


def variants_that_fit(model: Model, input_tokens: int, max_tokens: int) -> list[Model]:
    """The model's variants under which the request fits (offered from the base model only:
    a variant's overrides are applied on the base, so variants do not stack)."""
    if model.variant is not None:
        return []
    candidates = [model.with_variant(name) for name in model.variants]
    return [c for c in candidates if not limit_problems(c, input_tokens, max_tokens)]


def _variant_hint(candidate: Model) -> str:
    return (
        f"variant {candidate.variant} would fit (--variant {candidate.variant}): "
        f"context {candidate.context_window:,}, "
        f"max input {candidate.max_input_tokens:,}, max output {candidate.max_output_tokens:,}"
    )


def _not_embedding(model: Model) -> None:
    if model.is_embedding:
        raise InputError(
            f"{model.id} is an embedding model: it returns vectors, so there is no output or "
            "max_tokens to check or plan (price it with `budget cost --input N`)"
        )


def check(
    model: Model, input_tokens: int, max_tokens: int, *, output_name: str = "max_tokens"
) -> CheckResult:
    """Does a request of ``input_tokens`` with ``max_tokens`` fit ``model``? ``output_name``
    names the output figure in the problems (``output`` for a priced call's reply)."""
    _not_embedding(model)
    input_tokens = token_count(input_tokens, "input_tokens")
    max_tokens = token_count(max_tokens, "max_tokens")
    problems = limit_problems(model, input_tokens, max_tokens, output_name=output_name)
    fitting = variants_that_fit(model, input_tokens, max_tokens) if problems else []
    problems.extend(_variant_hint(candidate) for candidate in fitting)
    return CheckResult(
        model=model.id,
        variant=model.variant,
        fits=not limit_problems(model, input_tokens, max_tokens),
        input_tokens=input_tokens,
        max_tokens=max_tokens,
        context_window=model.context_window,
        max_input_tokens=model.max_input_tokens,
        max_output_tokens=model.max_output_tokens,
        available_output=available_output(model, input_tokens),
        problems=tuple(problems),
        variants_that_fit=tuple(str(c.variant) for c in fitting),
    )


@dataclass(frozen=True)
class PlanResult:
    model: str
    variant: str | None
    provider: str
    param: str  # the request parameter that caps output
    max_tokens: int  # the recommendation
    fits: bool
    input_tokens: int
    basis: str  # expected-output | samples | task
    chosen_output_tokens: int  # the length planned for, before the buffer
    buffer: Decimal
    reasoning_tokens: int  # hidden reasoning budget added inside max_tokens
    buffered_tokens: int  # (chosen x (1 + buffer) + reasoning), rounded up to a step
    clamped_by: str | None  # max_output_tokens | context_window | None
    context_window: int
    max_input_tokens: int
    max_output_tokens: int
    available_output: int
    expected_output_tokens: Decimal  # billed output of a typical reply (capped at max_tokens)
    expected_cost_usd: Decimal
    worst_case_cost_usd: Decimal
    truncation_rate: float | None  # share of samples longer than max_tokens; None: no samples
    truncation_rate_is_lower_bound: bool
    observed_truncation_rate: float | None  # share of logged replies cut at their own limit
    continuation_cost_usd: Decimal | None
    on_truncation: str  # continue | retry: what the continuation cost prices
    expected_total_usd: Decimal  # expected cost + continuation cost (when samples tell it)
    percentile: float | None
    percentile_is_lower_bound: bool
    sample_count: int | None
    request: dict[str, Any] | None  # None when there is no room for any output
    request_headers: dict[str, str]
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    # When its costs are priced: the day the model was resolved for, the catalog price period,
    # and the model whose rates those are (a retired name's routed successor).
    priced_at: dt.date | None = None
    price_period: str | None = None
    priced_as: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


def parse_buffer(buffer: Decimal | float | str) -> Decimal:
    """A buffer as a fraction (0.25 = 25%; ``"25%"`` also works); exact, so 1,000 x 1.1 is
    1,100, not 1,100.0000001. Above MAX_BUFFER (10,000%) it is surely a typo."""
    text = str(buffer).strip()
    expected = f"--buffer: expected a number from 0 to {MAX_BUFFER} (0.25 or 25%), got {text!r}"
    try:
        value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except ArithmeticError:
        raise InputError(expected) from None
    if not value.is_finite() or not 0 <= value <= MAX_BUFFER:
        raise InputError(expected)
    if not text.endswith("%") and value > MAX_BARE_BUFFER:
        meant = f"for {text}% write {(value / 100).normalize():f} or {text}%"
        if value / 100 > MAX_BARE_BUFFER:
            meant = f"for {text}% write {text}%"
        raise InputError(f"--buffer {text} would add {(value * 100).normalize():,f}%; {meant}")
    return value


def plan(
    model: Model,
    input_tokens: int,
    *,
    expected_output: int | None = None,
    samples: OutputSamples | Sequence[int] | None = None,
    task: str | None = None,
    buffer: Decimal | float | str = DEFAULT_BUFFER,
    percentile: float = DEFAULT_PERCENTILE,
    reasoning_tokens: int | None = None,
    messages: list[dict[str, Any]] | None = None,
    tools: list[dict[str, Any]] | None = None,
    on_truncation: str = DEFAULT_ON_TRUNCATION,
) -> PlanResult:
    """Recommend max_tokens for ``model`` from one of: an expected output length, observed
    samples (their ``percentile``), or a task preset (``qa``, ``explain``, ``longform``)."""
    _not_embedding(model)
    input_tokens = token_count(input_tokens, "input_tokens")
    given = [expected_output is not None, samples is not None, task is not None]
    if sum(given) != 1:
        raise InputError("plan: give exactly one of expected_output, samples or task")
    buffer = parse_buffer(buffer)
    reasoning = _reasoning_budget(model, reasoning_tokens)
    notes: list[str] = []

    if samples is not None and not isinstance(samples, OutputSamples):
        samples = samples_from_lengths(list(samples))
    if expected_output is not None:
        basis, chosen = "expected-output", token_count(expected_output, "expected_output")
        typical = chosen
    elif task is not None:
        preset = TASKS.get(task)
        if preset is None:
            raise InputError(f"--task: expected one of {', '.join(TASKS)}, got {task!r}")
        basis, chosen, typical = "task", preset.high, (preset.low + preset.high) // 2
        notes.append(f"task preset {preset.description}: planned for {chosen:,}")
    else:
        basis, chosen = "samples", nearest_rank(samples.lengths, percentile)
        typical = chosen
        notes.extend(sample_notes(samples, percentile, chosen))
        if samples.censored and not all(samples.truncated):
            notes.append(
                f"{sum(samples.truncated):,} logged replies were cut at their limit: their true "
                "lengths are longer, so the percentile is a lower bound"
            )

    # Usage logs already count reasoning inside output tokens; texts and counts do not.
    extra = 0 if samples is not None and samples.includes_reasoning else reasoning
    needed = chosen + extra
    buffered = max(MIN_MAX_TOKENS, round_up_to_step(math.ceil(chosen * (1 + buffer)) + extra))
    context_room = max(0, model.context_window - input_tokens)
    max_tokens = min(buffered, model.max_output_tokens, context_room)
    clamped_by = None
    if max_tokens < buffered:
        if model.max_output_tokens <= context_room:
            clamped_by = "max_output_tokens"
            notes.append(
                f"clamped from {buffered:,} to the output ceiling {model.max_output_tokens:,}"
            )
        else:
            clamped_by = "context_window"
            notes.append(
                f"clamped from {buffered:,} to {context_room:,}: the context window "
                f"{model.context_window:,} leaves {context_room:,} after {input_tokens:,} input"
            )

    # a plan that leaves 0 has no request to send: say why instead of "must be at least 1"
    problems = limit_problems(model, input_tokens, max_tokens, zero_is_a_problem=False)
    if max_tokens < 1:
        problems.append(
            f"no room for output: the context window {model.context_window:,} leaves "
            f"{context_room:,} after {input_tokens:,} input, so there is no request to send"
        )
    if max_tokens < needed:
        problems.append(
            f"the planned output {needed:,} does not fit: at most {max_tokens:,} is available "
            f"for {input_tokens:,} input tokens"
        )
        problems.extend(_variant_hint(c) for c in variants_that_fit(model, input_tokens, needed))
    elif clamped_by is not None:
        notes.append(
            f"the buffer is {max_tokens - needed:,} tokens instead of {buffered - needed:,}"
        )
    if model.provider == "anthropic" and reasoning and max_tokens <= reasoning:
        problems.append(
            f"max_tokens {max_tokens:,} must be above the thinking budget {reasoning:,}"
        )
    notes.extend(reasoning_notes(model, reasoning, extra))

    lengths = None
    if samples is not None:
        lengths = [length + extra for length in samples.lengths]
    cut = truncation(model, input_tokens, max_tokens, lengths, samples, on_truncation)
    expected = expected_cost(model, input_tokens, max_tokens, lengths, typical + extra)
    if cut.is_lower_bound:
        notes.append(
            "truncation rate and continuation cost are lower bounds: some replies cut in the "
            f"log were shorter than {max_tokens:,} when cut, so whether they fit now is unknown"
        )

    return PlanResult(
        model=model.id,
        variant=model.variant,
        provider=model.provider,
        param=model.output_param,
        max_tokens=max_tokens,
        fits=not problems,
        input_tokens=input_tokens,
        basis=basis,
        chosen_output_tokens=chosen,
        buffer=buffer,
        reasoning_tokens=reasoning,
        buffered_tokens=buffered,
        clamped_by=clamped_by,
        context_window=model.context_window,
        max_input_tokens=model.max_input_tokens,
        max_output_tokens=model.max_output_tokens,
        available_output=available_output(model, input_tokens),
        expected_output_tokens=expected[0],
        expected_cost_usd=expected[1],
        worst_case_cost_usd=worst_case_cost(model, input_tokens, max_tokens),
        truncation_rate=cut.rate,
        truncation_rate_is_lower_bound=cut.is_lower_bound,
        observed_truncation_rate=samples.observed_truncation_rate if samples else None,
        continuation_cost_usd=cut.continuation_cost_usd,
        on_truncation=on_truncation,
        expected_total_usd=expected[1] + (cut.continuation_cost_usd or 0),
        percentile=float(percentile) if samples is not None else None,
        percentile_is_lower_bound=bool(samples is not None and samples.censored),
        sample_count=samples.count if samples is not None else None,
        request=(
            request_body(model, max_tokens, reasoning, messages, input_tokens, tools)
            if max_tokens >= 1
            else None
        ),
        request_headers=dict(model.request_headers),
        problems=tuple(problems),
        notes=tuple(notes),
        priced_at=model.priced_on,
        price_period=model.period_label,
        priced_as=model.priced_as(),
    )


def _reasoning_budget(model: Model, reasoning_tokens: int | None) -> int:
    if reasoning_tokens is None:
        return 0
    reasoning = token_count(reasoning_tokens, "--reasoning")
    form = thinking_form(model)
    if form == "enabled" and 0 < reasoning < ANTHROPIC_MIN_THINKING:
        raise InputError(
            f"--reasoning: Anthropic extended thinking needs budget_tokens >= "
            f"{ANTHROPIC_MIN_THINKING:,}, got {reasoning:,}"
        )
    if form == "budget" and reasoning:
        from pricing.rules import request_rule

        span = request_rule(model).thinking_budget_range
        if span is not None and not span[0] <= reasoning <= span[1]:
            raise InputError(
                f"--reasoning: {model.id} takes a thinkingBudget of {span[0]:,} to"
                f" {span[1]:,}, got {reasoning:,}"
            )
    return reasoning


# --- the notes a plan carries about its evidence: how many samples, whether they were cut,
# and where hidden reasoning tokens go for this provider

FEW_SAMPLES = 20  # below this a high percentile is just the largest sample or two


def sample_notes(samples: OutputSamples, percentile: float, chosen: int) -> list[str]:
    noun = "sample" if samples.count == 1 else "samples"
    notes = [f"p{percentile:g} of {samples.count:,} {noun} is {chosen:,} tokens"]
    if samples.note:
        notes.append(samples.note)
    if samples.count < FEW_SAMPLES:
        notes.append(
            f"only {samples.count:,} {noun}: a p{percentile:g} of so few is their largest or close "
            f"to it; {FEW_SAMPLES} or more give a steadier plan"
        )
    if samples.count and all(samples.truncated):
        notes.append(
            f"every one of the {samples.count:,} logged replies was cut at its limit: their "
            "true lengths are unknown, so this plan is a floor; raise the limit and log again"
        )
    return notes


def reasoning_notes(model: Model, reasoning: int, extra: int) -> list[str]:
    notes = []
    if reasoning and not extra:
        notes.append("the samples come from a usage log, so they already include reasoning tokens")
    if reasoning and not model.reasoning:
        notes.append(f"the catalog does not list {model.id} as a reasoning model")
    elif model.reasoning and not reasoning:
        # OpenAI reasoning models always think; Anthropic and Gemini thinking is a request option.
        if model.provider == "openai":
            spends = f"{model.id} spends hidden reasoning tokens inside {model.output_param}"
        else:
            spends = (
                f"with thinking on, {model.id} counts thinking tokens inside {model.output_param}"
            )
        notes.append(f"{spends}; add --reasoning N to plan room for them")
    elif reasoning and thinking_form(model) == "adaptive":
        from pricing.rules import request_rule

        budgets = "deprecates" if "enabled" in request_rule(model).thinking else "refuses"
        notes.append(
            f"thinking.type 'adaptive' ({model.id} {budgets} budget_tokens): {model.output_param}"
            f" leaves room for {reasoning:,} thinking tokens, but the model decides how many it"
            " spends (output_config.effort steers it)"
        )
    elif reasoning and thinking_form(model) == "level":
        from budget.planner.request_body import gemini_plan_level

        level = gemini_plan_level(model)
        chosen = (
            f"thinkingLevel '{level}' (its default)"
            if level
            else "no thinkingLevel (its default level; none is documented)"
        )
        notes.append(
            f"{chosen}: {model.id} takes a thinking level, not a token budget;"
            f" {model.output_param} leaves room for {reasoning:,} thinking tokens, but the level"
            " decides how many it spends"
        )
    elif reasoning and thinking_form(model) == "budget":
        notes.append(
            f"thinkingConfig.thinkingBudget {reasoning:,}: thinking counts inside"
            f" {model.output_param}, which leaves room for it"
        )
    elif reasoning and model.provider == "openai":
        notes.append(
            f"{model.output_param} covers visible output and {reasoning:,} reasoning tokens "
            "(OpenAI takes no reasoning budget; reasoning effort steers it)"
        )
    return notes


# --- a file of requests (JSONL, OpenAI or Anthropic batch files) ------------------------------

# Where a request line keeps its output cap: OpenAI Batch `body`, Anthropic Message Batches
# `params`, or the request itself; Chat Completions, Responses, Messages and Gemini spellings.
MAX_TOKENS_FIELDS = ("max_tokens", "max_completion_tokens", "max_output_tokens")


@dataclass(frozen=True)
class RequestCheck:
    """One request of a file, checked: where it is, its count, and whether it fits."""

    line: int
    custom_id: str | None
    exact: bool  # the input count came from the model's real tokenizer
    max_tokens_from: str  # "request" (its own field) or "option" (--max-tokens)
    check: CheckResult

    @property
    def room_left(self) -> int:
        """Output tokens the request could still ask for (negative: over by that much)."""
        return self.check.available_output - self.check.max_tokens

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "custom_id": self.custom_id,
            **self.check.as_dict(),
            "room_left": self.room_left,
            "exact": self.exact,
            "max_tokens_from": self.max_tokens_from,
        }


def request_max_tokens(value: Any, where: str) -> int | None:
    """The output cap a request line sets for itself, if any."""
    from budget.inputs.files import batch_envelope

    if not isinstance(value, dict):
        return None
    envelope = batch_envelope(value)
    bodies = [value] if envelope is None else [envelope[1], value]
    for body in bodies:
        for name in MAX_TOKENS_FIELDS:
            if body.get(name) is not None:
                return token_count(body[name], f"{where}: {name}")
        config = body.get("generationConfig")
        if isinstance(config, dict) and config.get("maxOutputTokens") is not None:
            return token_count(config["maxOutputTokens"], f"{where}: maxOutputTokens")
    return None


def own_request(path: str | None, text: str | None) -> Any:
    """A single chat request file (``--messages x.json``) as JSON, or None where it is not
    one (its reader says what is wrong with it)."""
    if path is None or text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def with_request_rules(model: Model, result: CheckResult, value: Any) -> CheckResult:
    """``result`` with what the API would refuse in request ``value``'s parameters (thinking
    budget, the cap's name, stop sequences: :mod:`budget.planner.request_rules`) as problems
    (it then does not fit) and what it would take but regret as warnings."""
    from budget.planner.request_rules import request_findings

    found = request_findings(model, value, result.max_tokens)
    if not (found.refused or found.risky):
        return result
    return replace(
        result,
        fits=result.fits and not found.refused,
        problems=result.problems + found.refused,
        warnings=result.warnings + found.risky,
    )


def check_requests(
    model: Model,
    path: str,
    max_tokens: int | None = None,
    records: Iterable[tuple[str, Any]] | None = None,
) -> list[RequestCheck]:
    """Check every request of a JSONL file (chat requests, OpenAI Batch or Anthropic Message
    Batches lines) for ``model``: each with its own max_tokens where it sets one, else
    ``max_tokens``. Counted as ``budget count --per-record`` counts them, in one pass over
    ``records`` (default: the file's, read once)."""
    from budget.inputs.files import record_of
    from budget.inputs.records import file_records
    from budget.tokenizers import tokenizer_for
    from budget.tokenizers.count import count_record

    tokenizer = tokenizer_for(model)
    rows = []
    for where, value in records if records is not None else file_records(path, "jsonl"):
        own = request_max_tokens(value, where)
        if own is None and max_tokens is None:
            raise InputError(f"{where}: max_tokens: the request sets none; give --max-tokens N")
        record, custom_id = record_of(value, where, "jsonl")
        counted = count_record(tokenizer, record)
        cap = own if own is not None else max_tokens
        rows.append(
            RequestCheck(
                line=int(where.rsplit(":", 1)[1]),
                custom_id=custom_id if isinstance(custom_id, str) else None,
                exact=counted.exact and tokenizer.exact,
                max_tokens_from="request" if own is not None else "option",
                check=with_request_rules(model, check(model, counted.tokens, cap), value),
            )
        )
    if not rows:
        raise InputError(f"{path}: no requests found")
    return rows
