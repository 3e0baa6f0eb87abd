"""`budget check`, `budget plan`, `budget stops`: fit checks, max_tokens plans, stop-sequence lint.

Only argument parsing and printing; the logic is in budget.planner, budget.samples and
budget.stops.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from budget.cli.common import (
    catalog_option,
    format_tokens,
    format_usd,
    get_catalog,
    json_option,
    print_json,
    print_pairs,
)
from pricing.errors import InputError


class TokenCount(click.ParamType):
    """A whole number of tokens >= 0 (``_`` and ``,`` separators allowed); bad values are a
    one-line error with exit code 2."""

    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip().replace("_", "").replace(",", "")
            try:
                number = int(text)
            except ValueError:
                raise InputError(
                    f"{_option(param)}: expected a whole number of tokens, got {value!r}"
                ) from None
        if number < 0:
            raise InputError(f"{_option(param)}: expected a count >= 0, got {number}")
        return number


class Percentile(click.ParamType):
    name = "P"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not 0 < number <= 100:  # also false for NaN
            raise InputError(f"{_option(param)}: expected a number in (0, 100], got {value!r}")
        return number


def _option(param: click.Parameter | None) -> str:
    return param.opts[0] if param is not None and param.opts else "value"


TOKENS = TokenCount()


@dataclass(frozen=True)
class InputCount:
    tokens: int
    source: str | None  # the file counted, None for --input
    exact: bool
    tokenizer: str | None
    messages: list[dict[str, Any]] | None  # for the request body (--messages)


def input_options(function):
    for option in reversed(
        [
            click.option("--input", "input_tokens", type=TOKENS, help="Total prompt tokens."),
            click.option(
                "--prompt",
                "prompt_file",
                type=click.Path(dir_okay=False),
                help="A prompt text file, counted with the model's tokenizer.",
            ),
            click.option(
                "--messages",
                "messages_file",
                type=click.Path(dir_okay=False),
                help="A chat request JSON (messages, system, tools), counted with chat overhead.",
            ),
        ]
    ):
        function = option(function)
    return function


def model_options(function):
    function = click.option("--variant", help="A variant with other limits, e.g. 1m-context.")(
        function
    )
    return click.option(
        "--model", "model_name", required=True, help="Model as you write it (id, alias, ...)."
    )(function)


def count_input(
    model: Any, input_tokens: int | None, prompt_file: str | None, messages_file: str | None
) -> InputCount:
    given = [v is not None for v in (input_tokens, prompt_file, messages_file)]
    if sum(given) != 1:
        raise click.UsageError("give exactly one of --input N, --prompt FILE or --messages FILE")
    if input_tokens is not None:
        return InputCount(input_tokens, None, True, None, None)
    from budget.count import count_paths

    path = prompt_file or messages_file
    counted = count_paths([path], model, fmt="text" if prompt_file else "json")
    messages = _read_messages(path) if messages_file else None
    return InputCount(counted.tokens, path, counted.exact, counted.tokenizer, messages)


def _read_messages(path: str) -> list[dict[str, Any]]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: expected a chat request JSON ({exc})") from None
    messages = document.get("messages") if isinstance(document, dict) else document
    if not isinstance(messages, list):
        raise InputError(f"{path}: messages: expected a list of messages")
    system = document.get("system") if isinstance(document, dict) else None
    if system:
        messages = [{"role": "system", "content": system}, *messages]
    return messages


def _input_line(count: InputCount) -> str:
    if count.source is None:
        return f"{format_tokens(count.tokens)} tokens"
    label = "exact" if count.exact else "estimate"
    return f"{format_tokens(count.tokens)} tokens ({label}, {count.tokenizer}; {count.source})"


def _input_json(count: InputCount) -> dict[str, Any]:
    if count.source is None:
        return {}
    return {"input_source": count.source, "exact": count.exact, "tokenizer": count.tokenizer}


def _model_label(model: Any) -> str:
    return f"{model.id} [{model.variant}]" if model.variant else model.id


def _print_list(title: str, items: Any) -> None:
    items = list(items)
    if items:
        click.echo(f"{title}:")
        for item in items:
            click.echo(f"  - {item}")


@click.command()
@model_options
@input_options
@click.option("--max-tokens", type=TOKENS, required=True, help="The max_tokens you plan to send.")
@catalog_option
@json_option
def check(
    model_name: str,
    variant: str | None,
    input_tokens: int | None,
    prompt_file: str | None,
    messages_file: str | None,
    max_tokens: int,
    as_json: bool,
) -> None:
    """Does a request fit? Exit 0 when it fits, 1 when it does not.

    Fits when the input is within the model's max input, input + max_tokens is within the
    context window, and max_tokens is within the output ceiling (for reasoning models the
    ceiling includes hidden reasoning tokens). Each problem says by how much to cut.

    \b
    budget check --model gpt-5.2 --input 250000 --max-tokens 128000
    budget check --model claude-sonnet-4-5 --prompt report.txt --max-tokens 8000
    """
    from budget.planner import check as check_fit

    model = get_catalog().resolve(model_name, variant)
    count = count_input(model, input_tokens, prompt_file, messages_file)
    result = check_fit(model, count.tokens, max_tokens)
    if as_json:
        print_json({**result.as_dict(), **_input_json(count)})
    else:
        ceiling = format_tokens(model.max_output_tokens)
        print_pairs(
            [
                ("model", _model_label(model)),
                ("input", _input_line(count)),
                ("max_tokens", format_tokens(max_tokens)),
                ("context window", format_tokens(model.context_window)),
                ("max input", format_tokens(model.max_input_tokens)),
                ("max output", f"{ceiling} (includes reasoning)" if model.reasoning else ceiling),
                ("available output", format_tokens(result.available_output)),
                ("fits", "yes" if result.fits else "no"),
            ]
        )
        _print_list("problems", result.problems)
    if not result.fits:
        sys.exit(1)  # a check that did not pass


@click.command()
@model_options
@input_options
@click.option("--expected-output", type=TOKENS, help="The reply length you expect, in tokens.")
@click.option(
    "--samples",
    "samples_file",
    type=click.Path(dir_okay=False),
    help="Observed output lengths: integers, texts (text/JSONL/CSV) or a provider usage log.",
)
@click.option("--task", type=click.Choice(["qa", "explain", "longform"]), help="A preset.")
@click.option(
    "--samples-format",
    type=click.Choice(["integers", "usage", "jsonl", "csv", "text"]),
    help="Read --samples as this format instead of detecting it.",
)
@click.option("--column", help="The field or CSV column holding output texts or counts.")
@click.option(
    "--buffer",
    metavar="B",
    default="0.25",
    show_default=True,
    help="Headroom over the planned length: 0.25 or 25%.",
)
@click.option(
    "--percentile",
    type=Percentile(),
    default=95.0,
    show_default=True,
    help="With --samples: plan for this percentile of observed lengths.",
)
@click.option(
    "--reasoning",
    "reasoning_tokens",
    type=TOKENS,
    help="Hidden reasoning/thinking budget to plan inside max_tokens.",
)
@catalog_option
@json_option
def plan(
    model_name: str,
    variant: str | None,
    input_tokens: int | None,
    prompt_file: str | None,
    messages_file: str | None,
    expected_output: int | None,
    samples_file: str | None,
    task: str | None,
    samples_format: str | None,
    column: str | None,
    buffer: str,
    percentile: float,
    reasoning_tokens: int | None,
    as_json: bool,
) -> None:
    """Recommend max_tokens: the planned length x (1 + buffer), rounded up, within limits.

    Plan from --expected-output N, observed --samples FILE (the --percentile of them), or a
    --task preset (qa 150-300, explain 1,000-2,000, longform 4,000+). Shows the expected and
    worst-case cost, how often replies would be cut, and a ready request body.

    \b
    budget plan --model gpt-5.2 --input 12000 --expected-output 800
    budget plan --model claude-sonnet-4-5 --input 5000 --samples usage.jsonl --json
    budget plan --model claude-sonnet-4-5 --input 5000 --task explain --reasoning 4000
    """
    from budget.planner import plan as make_plan
    from budget.samples import read_samples

    if sum(v is not None for v in (expected_output, samples_file, task)) != 1:
        raise click.UsageError(
            "give exactly one of --expected-output N, --samples FILE or --task qa|explain|longform"
        )
    model = get_catalog().resolve(model_name, variant)
    count = count_input(model, input_tokens, prompt_file, messages_file)
    samples = None
    if samples_file is not None:
        samples = read_samples(samples_file, model, fmt=samples_format, column=column)
    result = make_plan(
        model,
        count.tokens,
        expected_output=expected_output,
        samples=samples,
        task=task,
        buffer=_buffer(buffer),
        percentile=percentile,
        reasoning_tokens=reasoning_tokens,
        messages=count.messages,
    )
    if as_json:
        extra = _input_json(count)
        if samples is not None:
            extra |= {"samples_exact": samples.exact, "samples_tokenizer": samples.tokenizer}
        print_json({**result.as_dict(), **extra})
        return
    _print_plan(model, count, result, samples)


def _buffer(text: str) -> str:
    text = text.strip()
    if text.endswith("%"):
        from decimal import Decimal, InvalidOperation

        try:
            return str(Decimal(text[:-1]) / 100)
        except InvalidOperation:
            raise InputError(
                f"--buffer: expected a number >= 0 (0.25 or 25%), got {text!r}"
            ) from None
    return text


def _print_plan(model: Any, count: InputCount, result: Any, samples: Any) -> None:
    planned = f"{format_tokens(result.chosen_output_tokens)} ({result.basis}"
    if result.percentile is not None:
        planned += f", p{result.percentile:g} of {result.sample_count:,} samples"
        if samples is not None and not samples.exact:
            planned += f", estimated with {samples.tokenizer}"
    planned += ")"
    recipe = f"+{(result.buffer * 100).normalize():f}% buffer"
    if result.reasoning_tokens:
        recipe += f" + {format_tokens(result.reasoning_tokens)} reasoning"
    recommendation = f"{format_tokens(result.max_tokens)}  ({recipe}, rounded up"
    recommendation += f"; clamped by {result.clamped_by})" if result.clamped_by else ")"
    rows = [
        ("model", _model_label(model)),
        ("input", _input_line(count)),
        ("planned output", planned),
        (result.param, recommendation),
        ("fits", "yes" if result.fits else "no"),
        ("expected cost", format_usd(result.expected_cost_usd)),
        ("worst case cost", f"{format_usd(result.worst_case_cost_usd)} (at max_tokens)"),
    ]
    if result.truncation_rate is not None:
        bound = " (lower bound)" if result.truncation_rate_is_lower_bound else ""
        rows.append(("truncation rate", f"{result.truncation_rate:.1%} of samples{bound}"))
        rows.append(("continuation cost", format_usd(result.continuation_cost_usd)))
    if result.observed_truncation_rate:
        rows.append(("cut in the log", f"{result.observed_truncation_rate:.1%}"))
    print_pairs(rows)
    _print_list("problems", result.problems)
    _print_list("notes", result.notes)
    click.echo("request:")
    if result.request_headers:
        click.echo(f"  headers: {json.dumps(result.request_headers)}")
    click.echo(json.dumps(result.request, indent=2, ensure_ascii=False))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def unescape(sequence: str) -> str:
    """``\\n``, ``\\t``, ``\\r`` and ``\\\\`` as typed on a command line, made real."""
    return re.sub(r"\\([ntr\\])", lambda m: _ESCAPES[m.group(1)], sequence)


@click.command()
@model_options
@click.argument("sequences", nargs=-1, required=True, metavar="SEQ...")
@click.option(
    "--sample",
    "sample_file",
    type=click.Path(dir_okay=False),
    help="Legitimate output text to scan for places a sequence would fire early.",
)
@click.option("--raw", is_flag=True, help="Take sequences literally (no \\n, \\t escapes).")
@catalog_option
@json_option
def stops(
    model_name: str,
    variant: str | None,
    sequences: tuple[str, ...],
    sample_file: str | None,
    raw: bool,
    as_json: bool,
) -> None:
    """Lint stop sequences: provider limits, weak sequences, early firing. Exit 1 on problems.

    Sequences are matched case-sensitively, as providers do; case-folded matches in the
    sample are shown as near misses. Write a newline as \\n (or pass --raw).

    \b
    budget stops --model gpt-4.1 '</answer>' '\\n\\nHuman:' --sample replies.txt
    """
    from budget.stops import lint_stops

    model = get_catalog().resolve(model_name, variant)
    if not raw:
        sequences = tuple(unescape(s) for s in sequences)
    sample_text = None
    if sample_file is not None:
        try:
            sample_text = Path(sample_file).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{sample_file}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{sample_file}: cannot read as UTF-8 text ({exc})") from None
    result = lint_stops(model, sequences, sample_text)
    if as_json:
        print_json(result)
    else:
        limit = result.stop_sequences_max
        click.echo(f"model  {model.id}  (takes {limit if limit is not None else 'any number of'})")
        label = "" if result.exact else " (estimate)"
        for sequence, tokens in zip(result.sequences, result.token_counts, strict=True):
            click.echo(f"  {sequence!r}: {tokens} token{'' if tokens == 1 else 's'}{label}")
        _print_list("problems", result.problems)
        for hit in result.hits:
            click.echo(
                f"{hit.sequence!r} fires at {sample_file}:{hit.line}:{hit.column}  {hit.context!r}"
            )
        for hit in result.near_misses:
            click.echo(
                f"{hit.sequence!r} near miss (case differs, does not fire) "
                f"{sample_file}:{hit.line}:{hit.column}  {hit.context!r}"
            )
        click.echo("ok" if result.ok else "not ok")
    if not result.ok:
        sys.exit(1)
