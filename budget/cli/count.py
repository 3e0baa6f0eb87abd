"""`budget count` and `budget calibrate`: input tokens of files for a model."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack

import click

from budget.cli.common import (
    LOCAL_FILE,
    catalog_files,
    catalog_option,
    engine_options,
    files_read,
    get_catalog,
    json_option,
    print_json,
    print_pairs,
    print_table,
    tokenizer_options,
    warn,
)
from budget.cli.progress import Progress
from budget.format import format_estimate, format_tokens, to_jsonable
from budget.inputs.files import FORMATS
from budget.outputs import OutputSet, SpreadsheetWriter
from budget.tokenizers.tiktoken_backend import ENCODINGS

PROGRESS_MIN_BYTES = 32 << 20


class _RowWriter:
    """Per-record CSV rows, written whole or not at all (see budget.outputs); file names and
    custom_ids are user data, made safe to open in a spreadsheet."""

    def __init__(self, handle):
        self.writer = SpreadsheetWriter(handle)
        self.writer.writerow(["file", "line", "custom_id", "tokens", "exact", "error_band"])

    def __call__(self, record) -> None:
        band = "" if record.error_band is None else record.error_band
        self.writer.writerow(
            [record.path, record.line, record.custom_id or "", record.tokens, record.exact, band]
        )


def _total_bytes(paths: list[str]) -> int:
    total = 0
    for path in paths:
        if path == "-" or not os.path.isfile(path):
            return 0
        total += os.path.getsize(path)
    return total


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--model", "-m", "model_name", help="Model id or alias.")
@click.option(
    "--encoding",
    type=click.Choice(list(ENCODINGS)),
    help="Count with a bundled tiktoken encoding instead of a model's tokenizer.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Input format (default: the file's kind, from its name and content: one JSON "
    "request, JSONL one per line, text; CSV/TSV with --column).",
)
@click.option("--column", help="CSV or TSV column holding the text (the file is a table).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, help="Worker processes.")
@click.option(
    "--errors",
    type=click.Choice(["strict", "replace"]),
    default="strict",
    help="Invalid UTF-8: stop with an error (strict) or count U+FFFD in its place (replace).",
)
@click.option("--skip-invalid", is_flag=True, help="Skip malformed JSONL lines and count them.")
@click.option(
    "--per-record",
    type=click.Path(dir_okay=False),
    help="Write one CSV row per record (file, line, custom_id, tokens, exact, error_band) to "
    "this file.",
)
@engine_options
@tokenizer_options
@catalog_option
@json_option
def count(
    paths: tuple[str, ...],
    model_name: str | None,
    encoding: str | None,
    fmt: str | None,
    column: str | None,
    jobs: int,
    errors: str,
    skip_invalid: bool,
    per_record: str | None,
    engine: str,
    scheduler: str | None,
    as_json: bool,
) -> None:
    """Count the input tokens of PATHS (files, globs, or - for stdin) for a model.

    Text files count as one text each; .json is one chat request (a list of messages, or an
    object with messages and tools) with the chat overhead; .jsonl is one request or text per
    line, including OpenAI Batch and Anthropic Message Batches files; CSV and TSV need
    --column. The content decides where the name lies or says nothing (a .json holding one
    JSON value per line is JSONL); gzip, bzip2 and xz files are read decompressed.
    Counts are exact where the model's tokenizer is public, otherwise labelled estimates.
    --encoding o200k_base|cl100k_base|p50k_base|r50k_base counts with that encoding, no model.
    With --engine dask each file is a task on a Dask cluster (--jobs: its local workers).
    """
    from budget.inputs.files import expand_paths
    from budget.tokenizers import encoding_target
    from budget.tokenizers.count import count_paths

    if (model_name is None) == (encoding is None):
        raise click.UsageError("give exactly one of --model M or --encoding NAME")
    path_list = list(paths) or ["-"]
    with ExitStack() as stack:
        outputs = stack.enter_context(OutputSet({"--per-record": per_record}))
        if per_record:
            listed = expand_paths(path_list)
            outputs.refuse_inputs(files_read(*path_list, listed=listed, counts=True))
        model = encoding_target(encoding) if encoding else get_catalog().resolve(model_name)
        rows = _RowWriter(outputs.open(per_record)) if per_record else None
        if engine == "dask":
            result = _count_on_dask(
                stack, path_list, model, fmt, column, jobs, errors, skip_invalid, rows, scheduler
            )
        else:
            total = _total_bytes(path_list)
            progress = None
            if total >= PROGRESS_MIN_BYTES and sys.stderr.isatty():
                bar = stack.enter_context(
                    click.progressbar(length=total, file=sys.stderr, label="counting")
                )
                progress = bar.update
            result = count_paths(
                path_list,
                model,
                fmt=fmt,
                column=column,
                jobs=jobs,
                errors=errors,
                skip_invalid=skip_invalid,
                on_record=rows,
                on_progress=progress,
            )
    for message in result.warnings:
        warn(f"warning: {message}")
    if result.skipped:
        warn(f"skipped {result.skipped} invalid line(s)")
    if as_json:
        print_json(result)
        return
    if len(result.files) > 1:
        print_table(
            ["file", "format", "records", "tokens"],
            [
                [f.path, f.format, format_tokens(f.records), format_tokens(f.tokens)]
                for f in result.files
            ],
        )
        click.echo()
    exact = "yes" if result.exact else "no (estimate)"
    if not result.exact and result.notes and result.method.startswith("exact"):
        exact = "no (estimate: the tokenizer is exact, parts of the request are not)"
    print_pairs(
        [
            ("model", result.model),
            ("tokenizer", result.tokenizer),
            ("exact", exact),
            ("method", result.method),
            *(("estimated", note) for note in result.notes),
            ("records", format_tokens(result.records)),
            ("tokens", format_estimate(result.tokens, result.error_band)),
            *([("error band", result.error_band_basis)] if result.error_band else []),
        ]
    )


def _narrowed(result) -> str:
    """How much the fit narrows the error band (9 in 10 calls within it)."""
    bundled, fitted = result.error_band_bundled, result.error_band_fitted
    change = (
        f"{(bundled - fitted) / bundled:.0%} narrower"
        if fitted < bundled
        else "no narrower: your calls vary more than typical text"
    )
    return (
        f"+/-{bundled:.0%} bundled (+/-{result.error_band_default:.0%} on these calls) -> "
        f"+/-{fitted:.0%} fitted, {change}"
    )


def _count_on_dask(stack, paths, model, fmt, column, jobs, errors, skip_invalid, rows, scheduler):
    from budget.cluster import dashboard_link, dask_client
    from budget.tokenizers.count import capped_jobs

    progress = stack.enter_context(Progress("counted", "tasks"))
    workers, capped = capped_jobs(jobs) if jobs > 1 else (None, None)
    if capped and not scheduler:
        warn(f"warning: {capped}")
    client = stack.enter_context(dask_client(scheduler, workers=workers, dashboard=progress.shown))
    from budget.tokenizers.dask_count import count_paths_dask

    link = dashboard_link(client)
    if link:
        progress.note(f"dask dashboard: {link}")
    return count_paths_dask(
        paths,
        model,
        client,
        fmt=fmt,
        column=column,
        errors=errors,
        skip_invalid=skip_invalid,
        on_record=rows,
        on_partitions=progress.set_total,
        on_done=progress,
    )


@click.command()
@click.argument("log", type=LOCAL_FILE)
@click.option("--model", "-m", "model_name", required=True, help="Model id or alias.")
@click.option(
    "--save",
    is_flag=True,
    help="Store the fitted factor in the calibration file, used by later counts.",
)
@click.option(
    "--calibration",
    "calibration_file",
    type=LOCAL_FILE,
    envvar="TOKEN_BUDGET_CALIBRATION",
    help="Calibration file (default $XDG_CONFIG_HOME/token-budget/calibration.json).",
)
@catalog_option
@json_option
def calibrate(
    log: str, model_name: str, save: bool, calibration_file: str | None, as_json: bool
) -> None:
    """Fit a model's token estimate to your own logs.

    LOG is JSONL: one call per line with the text sent ("text", or "messages" with optional
    "system" and "tools") and the input tokens billed ("input_tokens", or "usage" holding
    it). Prints characters per token fitted by least squares; --save keeps it for `count`.
    """
    from budget.tokenizers.calibration import (
        calibration_path,
        fit,
        read_log,
        save_calibration,
    )
    from budget.tokenizers.estimate import EstimateTokenizer
    from pricing.errors import InputError

    model = get_catalog().resolve(model_name)
    scheme, _, family = model.tokenizer.partition(":")
    if scheme != "estimate":
        raise InputError(
            f"{model.id} is counted exactly with {model.tokenizer}; calibrate fits estimates only"
        )
    result = fit(model.id, EstimateTokenizer(family), read_log(log))
    path = calibration_path(calibration_file)
    if save:
        replaced = save_calibration(result, path, inputs=(log, *catalog_files()))
        if replaced:
            warn(f"warning: {replaced}")
    if as_json:
        print_json({**to_jsonable(result), "saved_to": str(path) if save else None})
        return
    print_pairs(
        [
            ("model", result.model),
            ("tokenizer", result.tokenizer),
            ("calls", format_tokens(result.records)),
            (
                "chars_per_token",
                f"{result.chars_per_token:g} (default {result.default_chars_per_token:g})",
            ),
            ("mean error before", f"{result.mean_abs_error_default:.1%}"),
            ("mean error after", f"{result.mean_abs_error_fitted:.1%}"),
            ("error band", _narrowed(result)),
            ("saved to", str(path) if save else "- (use --save)"),
        ]
    )
