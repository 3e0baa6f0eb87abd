"""The `budget` command line as click runs it: a group whose commands load on first use
(budget.cli.commands.COMMANDS), and its errors as one line with an exit code.

Commands live in their own modules and are imported only when called, so price and limit
queries never pay for pandas, tiktoken or tokenizers. The commonest price and limit queries
do not come here at all (budget.cli.quick).
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from typing import NoReturn

import click

from budget.cli.commands import COMMANDS
from pricing.errors import MAX_QUOTED, InputError, UnknownModelError, clip_words


class BadInput(click.ClickException):
    """Bad input from the user: one line on stderr, exit code 2 (and a ``hint`` after it,
    as written: how to add an unknown model)."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


class LazyGroup(click.Group):
    invoked: str | None = None  # the command the last invocation ran (for main())

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        self.invoked = name
        return name, command, rest

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None  # a command whose module is not built yet
        return getattr(module, attribute)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UnknownModelError as exc:
            # A model named on the command line: say how to add it (a scenario or a log
            # names its own file and line instead, on one line).
            # (not for a name too long to be one: the message quotes it cut short)
            hint = exc.how_to_add if len(exc.name) <= MAX_QUOTED else None
            raise BadInput(str(exc), hint=hint) from None
        except InputError as exc:
            raise BadInput(str(exc)) from None
        except BrokenPipeError:
            # click would exit 1 for it; the reader stopped early (`budget models | head`)
            raise StdoutClosed from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            # The system's own reason: a file we could not read (a CSV without permission),
            # or standard output that cannot take more (`budget models > /dev/full`).
            raise BadInput(os_error_message(exc)) from None
        except Exception as exc:
            # The last resort: every known bad input is an InputError where it happens, with
            # its file, line and field; anything else is still one line, not a traceback.
            if os.environ.get("BUDGET_TRACEBACK"):
                raise
            detail = " ".join(str(exc).split())[:MAX_QUOTED] or "no detail"
            raise BadInput(
                f"unexpected {type(exc).__name__} ({detail}); this is a bug in budget, "
                "run with BUDGET_TRACEBACK=1 for the details"
            ) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Errors as one line on stderr (no usage block, no traceback), then the exit code."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            with warnings.catch_warnings():
                # numpy's overflow and invalid-value warnings would print source lines; as
                # errors they meet the one-line last resort in invoke instead.
                warnings.filterwarnings(
                    "error", category=RuntimeWarning, module="budget|pricing|numpy|pandas"
                )
                code = super().main(args, prog_name, complete_var, False, **extra)
                sys.stdout.flush()  # here, not at exit: a full disk is an error, not a warning
        except StdoutClosed:
            _reader_gone()
        except OSError as exc:
            output_failed(exc)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            message = " ".join(exc.format_message().splitlines())
            click.echo(f"Error: {clip_words(message)}", err=True)
            if getattr(exc, "hint", None):
                click.echo(exc.hint, err=True)
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            aborted(exc.__cause__ or exc.__context__)
        # Without standalone mode click returns ctx.exit(N)'s code instead of raising it.
        sys.exit(code if isinstance(code, int) else 0)


class StdoutClosed(Exception):
    """Standard output was closed by its reader; not an OSError, so that click lets it by."""


def _reader_gone() -> None:
    """Exit 0 quietly when whoever reads standard output stopped reading (`budget models |
    head -1`): that is what they asked for. Standard output is pointed at /dev/null so that
    the flush at exit does not fail again and print a warning."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real descriptor (a test runner)
        pass
    sys.exit(0)


def os_error_message(exc: OSError) -> str:
    """An OSError in one line with its cause: ``FILE: Permission denied``; one without a
    file came from writing standard output (the command's own files say which they are)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return f"cannot write to standard output ({reason})"


def output_failed(exc: OSError) -> NoReturn:
    """Standard output could not take the answer: exit 0 quietly when its reader stopped
    reading, else the system's reason in one line and exit 2 (the quick path's, too)."""
    if isinstance(exc, BrokenPipeError):
        _reader_gone()
    click.echo(f"Error: {clip_words(os_error_message(exc))}", err=True)
    sys.exit(BadInput.exit_code)


def interrupted(exc: KeyboardInterrupt) -> NoReturn:
    """Ctrl-C while the quick path ran: as click ends an interrupted command."""
    click.echo(err=True)
    aborted(exc)


def aborted(cause: BaseException | None) -> NoReturn:
    click.echo("Aborted.", err=True)
    sys.exit(_interrupted_code(cause))


def _interrupted_code(cause: BaseException | None) -> int:
    """128 + the signal that ended the run, as shells report it (Ctrl-C 130, SIGTERM 143);
    budget.outputs turns SIGTERM into ``KeyboardInterrupt("signal 15")``."""
    import signal  # only for a run that was interrupted

    if not isinstance(cause, KeyboardInterrupt):
        return 1
    words = str(cause).split()
    signum = int(words[1]) if len(words) == 2 and words[0] == "signal" else signal.SIGINT
    return 128 + signum


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="token-budget", prog_name="budget")
@click.option(
    "--catalog",
    "catalog_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    envvar="TOKEN_BUDGET_CATALOG",
    help="A YAML catalog merged over the bundled one (repeatable; "
    "env TOKEN_BUDGET_CATALOG, ':'-separated).",
)
def cli(catalog_files: tuple[str, ...]) -> None:
    """Token budgets and costs for LLM calls: count, check, plan, project.

    Offline and deterministic: bundled prices, limits and tokenizer data.
    """
    from budget.cli.common import use_catalog_files

    use_catalog_files(catalog_files)


def run() -> None:
    """The `budget` command as click runs it (exits with its code)."""
    if sys.stdout is None:  # started with stdout closed (`>&-`): nothing can be printed
        click.echo(
            "Error: standard output is closed; redirect it to a file or /dev/null instead",
            err=True,
        )
        sys.exit(BadInput.exit_code)
    cli.main(prog_name="budget")
