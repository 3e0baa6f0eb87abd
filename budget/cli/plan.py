"""`budget check`, `budget plan`, `budget stops`: fit checks, max_tokens plans, stop-sequence lint.

Only argument parsing; the logic is in budget.planner (max_tokens, stops) and budget.inputs
(prompt, samples), the human output in budget.cli.plan_output.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import click

from budget.cli.common import (
    LOCAL_FILE,
    TokenCount,
    at_option,
    catalog_option,
    checked_pricing_day,
    files_read,
    get_catalog,
    json_option,
    print_json,
    tokenizer_options,
    warn,
)
from budget.format import to_jsonable
from pricing.catalog import Model
from pricing.errors import InputError


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


def input_options(function):
    for option in reversed(
        [
            click.option("--input", "input_tokens", type=TOKENS, help="Total prompt tokens."),
            click.option(
                "--prompt",
                "prompt_file",
                type=LOCAL_FILE,
                help="A prompt text file, counted with the model's tokenizer.",
            ),
            click.option(
                "--messages",
                "messages_file",
                type=LOCAL_FILE,
                help="A chat request JSON (messages, system, tools), counted with chat overhead.",
            ),
        ]
    ):
        function = option(function)
    return function


def model_options(function):
    function = at_option(function)
    function = click.option("--variant", help="A variant with other limits, e.g. 1m-context.")(
        function
    )
    return click.option(
        "--model",
        "-m",
        "model_name",
        required=True,
        help="Model as you write it (id, alias, ...).",
    )(function)


def planned_model(model_name: str, variant: str | None, at) -> tuple[Model, str | None]:
    """The model at the prices of ``--at`` (default today), and why it is a poor choice on that
    day (retired, retiring soon, deprecated; printed by the caller once its input was read)."""
    catalog = get_catalog()
    day = checked_pricing_day(catalog, at)
    model = catalog.resolve(model_name, variant, day)
    return model, model.lifecycle_note(day)


def warn_lifecycle(note: str | None) -> None:
    """On stderr, after the human output (JSON output carries it as `lifecycle_note`)."""
    if note:
        warn(f"warning: {note}")


@click.command()
@model_options
@input_options
@click.option(
    "--max-tokens",
    type=TOKENS,
    help="The max_tokens you plan to send (for a JSONL of requests: where a line sets none).",
)
@tokenizer_options
@catalog_option
@json_option
def check(
    model_name: str,
    variant: str | None,
    input_tokens: int | None,
    prompt_file: str | None,
    messages_file: str | None,
    max_tokens: int | None,
    at,
    as_json: bool,
) -> None:
    """Does a request fit? Exit 0 when it fits, 1 when it does not.

    Fits when the input is within the model's max input, input + max_tokens is within the
    context window, and max_tokens is within the output ceiling (for reasoning models the
    ceiling includes hidden reasoning tokens). Each problem says by how much to cut.

    --messages takes one chat request (.json), or a JSONL of them (OpenAI or Anthropic batch
    files too): one row per request with its room left and what to cut; each request's own
    max_tokens is used where it sets one. Exit 1 if any request does not fit.

    \b
    budget check --model gpt-5.2 --input 250000 --max-tokens 128000
    budget check --model claude-sonnet-4-5 --prompt report.txt --max-tokens 8000
    budget check --model gpt-5.2 --messages batch.jsonl --max-tokens 4000
    """
    from budget.cli.plan_output import input_json, print_check, print_request_checks
    from budget.inputs.files import request_source
    from budget.planner.max_tokens import check as check_fit
    from budget.planner.max_tokens import (
        check_requests,
        own_request,
        request_max_tokens,
        with_request_rules,
    )
    from budget.tokenizers.prompt import count_input

    model, note = planned_model(model_name, variant, at)
    messages_text = None
    if messages_file is not None:
        with request_source(messages_file) as source:  # read once: a FIFO works too
            if source.records is not None:
                if input_tokens is not None or prompt_file is not None:
                    raise click.UsageError(
                        "give exactly one of --input N, --prompt FILE or --messages FILE"
                    )
                rows = check_requests(model, messages_file, max_tokens, source.records)
                if as_json:
                    print_json([row.as_dict() for row in rows])
                else:
                    print_request_checks(model, messages_file, rows)
                if not all(row.check.fits for row in rows):
                    sys.exit(1)  # a check that did not pass
                return
            messages_text = source.text
    request = own_request(messages_file, messages_text)
    own = request_max_tokens(request, str(messages_file))
    if own is not None:
        # The request's own cap is what it will send (as for each line of a JSONL).
        if max_tokens is not None and max_tokens != own:
            warn(
                f"note: {messages_file} sets its own max_tokens ({own:,}); checked with that,"
                f" not --max-tokens {max_tokens:,}"
            )
        max_tokens = own
    cap_from = "request" if own is not None else "option"
    if max_tokens is None:
        raise click.UsageError(
            "give --max-tokens N (the max_tokens you plan to send; a --messages request may"
            " set max_tokens, max_completion_tokens or generationConfig.maxOutputTokens)"
        )
    count = count_input(model, input_tokens, prompt_file, messages_file, messages_text)
    if count.warning:
        warn(f"warning: {count.warning}")
    result = with_request_rules(model, check_fit(model, count.tokens, max_tokens), request)
    if as_json:
        print_json(
            {
                **result.as_dict(),
                **input_json(count),
                "max_tokens_from": cap_from,
                "lifecycle_note": note,
            }
        )
    else:
        print_check(model, count, result)
        for warning in result.warnings:
            warn(f"warning: {messages_file}: {warning}")
        warn_lifecycle(note)
    if not result.fits:
        sys.exit(1)  # a check that did not pass


@click.command()
@model_options
@input_options
@click.option("--expected-output", type=TOKENS, help="The reply length you expect, in tokens.")
@click.option(
    "--samples",
    "samples_file",
    type=LOCAL_FILE,
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
@click.option(
    "--on-truncation",
    type=click.Choice(["continue", "retry"]),
    default="continue",
    show_default=True,
    help="How a cut reply is finished: continued (input + cut reply re-sent) or retried.",
)
@click.option(
    "--request-out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the ready request body (JSON) to this file instead of printing it.",
)
@tokenizer_options
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
    on_truncation: str,
    request_out: str | None,
    at,
    as_json: bool,
) -> None:
    """Recommend max_tokens: the planned length x (1 + buffer), rounded up, within limits.

    Plan from --expected-output N, observed --samples FILE (the --percentile of them), or a
    --task preset (qa 150-300, explain 1,000-2,000, longform 4,000+). Shows the expected and
    worst-case cost, how often replies would be cut (and what finishing them costs), and a
    ready request body: printed when short, summarised when long (--request-out FILE writes it).

    \b
    budget plan --model gpt-5.2 --input 12000 --expected-output 800
    budget plan --model claude-sonnet-4-5 --input 5000 --samples usage.jsonl --json
    budget plan --model claude-sonnet-4-5 --input 5000 --task explain --reasoning 4000
    """
    from budget.cli.plan_output import input_json, print_plan, write_request
    from budget.outputs import OutputSet
    from budget.planner.max_tokens import plan as make_plan
    from budget.tokenizers.prompt import count_input
    from budget.tokenizers.samples import read_samples

    if sum(v is not None for v in (expected_output, samples_file, task)) != 1:
        raise click.UsageError(
            "give exactly one of --expected-output N, --samples FILE or --task qa|explain|longform"
        )
    read = files_read(prompt_file, messages_file, samples_file, counts=True)
    with OutputSet({"--request-out": request_out}, inputs=read) as outputs:
        model, note = planned_model(model_name, variant, at)
        count = count_input(model, input_tokens, prompt_file, messages_file)
        if count.warning:
            warn(f"warning: {count.warning}")
        samples = None
        if samples_file is not None:
            samples = read_samples(samples_file, model, fmt=samples_format, column=column)
        result = make_plan(
            model,
            count.tokens,
            expected_output=expected_output,
            samples=samples,
            task=task,
            buffer=buffer,
            percentile=percentile,
            reasoning_tokens=reasoning_tokens,
            messages=count.messages,
            tools=count.tools,
            on_truncation=on_truncation,
        )
        if request_out:
            write_request(result, request_out, outputs)
    if as_json:
        extra = input_json(count)
        if samples is not None:
            extra |= {"samples_exact": samples.exact, "samples_tokenizer": samples.tokenizer}
        print_json({**result.as_dict(), **extra, "lifecycle_note": note})
    else:
        if samples is not None and samples.other_models:
            warn(f"warning: {samples.note}")  # easy to miss among the notes
        print_plan(model, count, result, samples, request_out)
        warn_lifecycle(note)


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
    type=LOCAL_FILE,
    help="Legitimate output text to scan for places a sequence would fire early.",
)
@click.option("--raw", is_flag=True, help="Take sequences literally (no \\n, \\t escapes).")
@tokenizer_options
@catalog_option
@json_option
def stops(
    model_name: str,
    variant: str | None,
    sequences: tuple[str, ...],
    sample_file: str | None,
    raw: bool,
    at,
    as_json: bool,
) -> None:
    """Lint stop sequences: provider limits, weak sequences, early firing. Exit 1 on problems.

    Sequences are matched case-sensitively, as providers do; case-folded matches in the
    sample are shown as near misses. Write a newline as \\n (or pass --raw).

    \b
    budget stops --model gpt-4.1 '</answer>' '\\n\\nHuman:' --sample replies.txt
    """
    from budget.cli.plan_output import print_stops
    from budget.planner.stops import lint_stops
    from pricing.textfile import read_text

    model, note = planned_model(model_name, variant, at)
    if not raw:
        sequences = tuple(unescape(s) for s in sequences)
    sample_text = None
    if sample_file is not None:
        sample_text = read_text(sample_file, "sample text")
        if not sample_text.strip():
            raise InputError(f"{sample_file}: empty file, expected sample output text to scan")
    result = lint_stops(model, sequences, sample_text)
    if as_json:
        print_json({**to_jsonable(result), "lifecycle_note": note})
    else:
        print_stops(model, result, sample_file)
        warn_lifecycle(note)
    if not result.ok:
        sys.exit(1)  # a check that did not pass
