"""What every command shares: the catalog in use, the options, JSON output and plain tables
(printed through :mod:`budget.cli.printing`)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import Any

import click

from budget.cli.printing import (  # noqa: F401  (every command's printing, from here too)
    checked_pricing_day,
    print_json,
    print_pairs,
    print_table,
    warn,
)
from pricing.catalog import Catalog, load_catalog
from pricing.dates import parse_day

CATALOG_FILES = "token_budget.catalog_files"  # key in the click context's meta


def use_catalog_files(paths: Iterable[str]) -> None:
    """Add user catalog files (group or command `--catalog`, or the environment) to this
    invocation: kept in click's context, not in the module, so runs never share them."""
    meta = click.get_current_context().meta
    meta[CATALOG_FILES] = (*meta.get(CATALOG_FILES, ()), *paths)


def catalog_files() -> tuple[str, ...]:
    """This invocation's user catalog files (inputs a command must not overwrite)."""
    return click.get_current_context().meta.get(CATALOG_FILES, ())


def files_read(*paths: str | None, listed: Iterable[str] = (), counts: bool = False) -> list[str]:
    """Every file this invocation reads, for :meth:`budget.outputs.OutputSet.refuse_inputs`:
    ``paths`` as the user named them (``-``, directories and globs included), the files
    ``listed`` from them (a directory's files, a glob's matches: a symlink among them may
    point at an output), the user catalogs and, for a command that ``counts`` tokens, the
    tokenizer files in force (calibration, tokenizer.json)."""
    named = [path for path in paths if path is not None]
    return [*named, *listed, *catalog_files(), *(_tokenizer_files() if counts else ())]


def _tokenizer_files() -> list[str]:
    from budget.tokenizers import current_options
    from budget.tokenizers.calibration import calibration_path

    options = current_options()
    files = [str(calibration_path(options.calibration_file))]
    return files if options.tokenizer_file is None else [*files, options.tokenizer_file]


def get_catalog() -> Catalog:
    """The bundled catalog with this invocation's override files merged over it."""
    return load_catalog(catalog_files())


class DateType(click.ParamType):
    """A calendar date, YYYY-MM-DD; anything else is a one-line usage error (exit 2)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        try:
            return parse_day(value)
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)


DATE = DateType()


class LocalFile(click.Path):
    """A file on this machine (or ``-``): a URL is refused here, before any network; only
    ``budget usage`` and ``budget count`` read URLs (see pricing.textfile.URL_SCHEMES)."""

    def __init__(self, **options: Any):
        super().__init__(dir_okay=False, **options)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if "://" in str(value):
            self.fail(
                f"{value}: a URL; only budget usage and budget count read URLs "
                "(download the file first)",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)


LOCAL_FILE = LocalFile()


def at_option(function: Callable) -> Callable:
    """`--at DATE`: price at the prices in force that day (default today, UTC)."""
    return click.option(
        "--at",
        "at",
        type=DATE,
        envvar="TOKEN_BUDGET_AT",
        help="Price at the prices in force on this date, YYYY-MM-DD (default today, UTC; "
        "env TOKEN_BUDGET_AT).",
    )(function)


def at_from_command_line(at: dt.date | None) -> dt.date | None:
    """``--at`` when typed on the command line (not from TOKEN_BUDGET_AT): it then overrides
    a scenario's own `start:`, which the variable does not."""
    ctx = click.get_current_context(silent=True)
    if at is None or ctx is None:
        return None
    source = ctx.get_parameter_source("at")
    return at if source == click.core.ParameterSource.COMMANDLINE else None


def start_override(at: dt.date | None, start: dt.date | None) -> tuple[dt.date | None, str | None]:
    """The month 1 a command line's ``--at`` sets over a scenario's `start:`, and the note
    that says so (both ``None`` when the file's start, or --at alone, decides)."""
    from budget.workload.scenario import moved_start  # report only: not on price paths

    typed = at_from_command_line(at)
    note = moved_start(typed, start)
    return (typed, note) if note else (None, None)


def json_option(function: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(
        function
    )


def catalog_option(function: Callable) -> Callable:
    """`--catalog FILE` on a command, as well as on the group."""

    def remember(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]):
        if value:
            use_catalog_files(value)
        return value

    return click.option(
        "--catalog",
        "catalog_files",
        multiple=True,
        type=LOCAL_FILE,
        expose_value=False,
        is_eager=True,
        callback=remember,
        help="A YAML catalog merged over the bundled one (repeatable).",
    )(function)


def tokenizer_options(function: Callable) -> Callable:
    """--online, --tokenizer-file, --estimate and --calibration, for commands that count.

    The command runs with them in force for every count it makes (prompt files, samples,
    stop sequences); ``budget.tokenizers`` is imported only when one is given.
    """

    @functools.wraps(function)
    def run(*args, online, tokenizer_file, estimate_fallback, calibration_file, **kwargs):
        if not (online or tokenizer_file or estimate_fallback or calibration_file):
            return function(*args, **kwargs)
        from budget.tokenizers import TokenizerOptions, using_options

        options = TokenizerOptions(online, tokenizer_file, calibration_file, estimate_fallback)
        with using_options(options):
            return function(*args, **kwargs)

    for option in reversed(TOKENIZER_OPTIONS):
        run = option(run)
    return run


TOKENIZER_OPTIONS = [
    click.option(
        "--online",
        is_flag=True,
        help="Allow network use: download a missing tokenizer.json, or ask the provider's "
        "count-tokens endpoint (needs ANTHROPIC_API_KEY / GEMINI_API_KEY).",
    ),
    click.option(
        "--tokenizer-file",
        type=LOCAL_FILE,
        help="A tokenizer.json to use for an hf: model.",
    ),
    click.option(
        "--estimate",
        "estimate_fallback",
        is_flag=True,
        help="For an hf: model with no tokenizer.json here: a labelled estimate, not an error.",
    ),
    click.option(
        "--calibration",
        "calibration_file",
        type=LOCAL_FILE,
        envvar="TOKEN_BUDGET_CALIBRATION",
        help="Calibration file of fitted estimate factors (env TOKEN_BUDGET_CALIBRATION).",
    ),
]


class TokenCount(click.ParamType):
    """A whole number of tokens >= 0 (``12_000`` and ``12,000`` allowed); bad values are a
    one-line error with exit code 2 (:func:`pricing.engine.token_count`)."""

    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from pricing.engine import token_count

        name = param.opts[0] if param is not None and param.opts else "value"
        return token_count(value, name)


def engine_options(function: Callable) -> Callable:
    """``--engine local|dask`` and ``--scheduler ADDRESS`` (which implies dask)."""

    @functools.wraps(function)
    def run(*args, engine: str | None, scheduler: str | None, **kwargs):
        if scheduler and engine == "local":
            raise click.UsageError("--scheduler needs --engine dask")
        engine = engine or ("dask" if scheduler else "local")
        return function(*args, engine=engine, scheduler=scheduler, **kwargs)

    run = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="A running Dask scheduler (tcp://host:8786); default: a local cluster with "
        "one worker process per core. Implies --engine dask.",
    )(run)
    return click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        default=None,
        help="local (default): this process; dask: partitions on a Dask cluster, the same "
        "totals to the micro-dollar (pip install 'token-budget[dask]').",
    )(run)


def stale_catalog(catalog, day) -> list[str]:
    """The stale-catalog warning (already on stderr) for a JSON ``warnings`` list."""
    stale = catalog.staleness(day)
    return [stale.removeprefix("warning: ")] if stale else []
