"""The quick path: `budget cost`, `budget limits` and `budget models` answered without
loading click, which alone takes twice as long as Python takes to start.

It reads the command line by the option table generated from the click commands
(:mod:`budget.cli.quick_options`; ``python -m budget.cli.quick`` writes it again, a test
checks it is current), runs the same answer click would (:mod:`budget.cli.queries`) with
its lines kept, and prints them only when the whole answer is ready. Anything it does not
read as click would, for certain, is left to click untouched, with nothing printed: help,
an option or form not in the table, a value click would refuse, an error of any kind, text
that click.echo would change (colour codes, a terminal that is not UTF-8). So the answers,
the errors and their wording are click's in every case; only the common case is quicker.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections import namedtuple

from budget.cli.commands import QUICK_EXIT

# A row of the table: ``opts`` empty for an argument; ``default``: what click passes when the
# parameter is not given.
Param = namedtuple("Param", "name kind multiple default envvar opts required")

# How each kind of value in the table is read; a kind not here (or a failure) leaves the
# command line to click.
KINDS = ("text", "flag", "tokens", "date", "catalog")


def answer(args: list[str]) -> int | None:
    """Answer ``budget ARGS`` and return the exit code, or None: left to click (nothing
    printed). A failure to print is reported as click reports it (exits)."""
    if not args or args[0] not in QUICK_EXIT or sys.stdout is None or sys.stderr is None:
        return None
    try:
        options = parsed(args[0], args[1:])
        if options is None:
            return None
        from budget.cli.printing import kept_lines
        from budget.cli.queries import cost, limits, models
        from pricing.catalog import load_catalog

        catalog_files = options.pop("catalog_files")
        with kept_lines() as lines:
            query = {"cost": cost, "limits": limits, "models": models}[args[0]]
            query(load_catalog(catalog_files), **options)
    except KeyboardInterrupt as exc:
        from budget.cli.app import interrupted

        interrupted(exc)
    except Exception:  # click says what went wrong, in its own words
        return None
    if not printable(lines):
        return None
    try:
        write(lines)
    except OSError as exc:
        from budget.cli.app import output_failed

        output_failed(exc)
    return 0


def parsed(command: str, args: list[str]) -> dict | None:
    """The options of ``command`` as click would pass them to its answer (with the catalog
    files in force), or None when click may read ``args`` otherwise."""
    from budget.cli.quick_options import COMMANDS, GROUP

    table = [Param(*row) for row in COMMANDS[command]]
    by_opt = {opt: param for param in table for opt in param.opts}
    given: dict[str, list[str]] = {}
    positional: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            positional += rest
            break
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        name, equals, value = arg.partition("=")
        param = by_opt.get(name)
        if param is None or (equals and not name.startswith("--")):
            return None  # help, an unknown option, -mNAME: click's to read
        if param.kind == "flag":
            if equals:
                return None
            value = "flag"
        elif not equals:
            if not rest:
                return None
            value = rest.pop(0)
        if value.startswith("-"):
            return None  # `--input -5`, `-m --json`: click's rules, click's errors
        given.setdefault(param.name, []).append(value)
    arguments = [param for param in table if not param.opts]
    if len(positional) > len(arguments):
        return None
    for param, value in zip(arguments, positional, strict=False):
        given[param.name] = [value]
    options: dict = {"catalog_files": ()}
    # the group's options come from the environment only here (`budget --catalog F cost`
    # is click's to read); the group's files first, as click's group callback runs first
    group = [(Param(*row), None) for row in GROUP if row[1] == "catalog"]
    for param, texts in [*group, *((param, given.get(param.name)) for param in table)]:
        values = _read(param, texts)
        if values is None:
            return None
        if param.kind == "catalog":
            options["catalog_files"] = (*options["catalog_files"], *values)
        elif not values:
            if param.required:
                return None
            options[param.name] = param.default
        else:
            options[param.name] = tuple(values) if param.multiple else values[-1]
    return options


def _read(param: Param, texts: list[str] | None) -> list | None:
    """The values of one parameter, read as click reads them (its environment variable when
    not given), or None when click may read them otherwise."""
    if texts is None and param.envvar and os.environ.get(param.envvar):
        text = os.environ[param.envvar]
        texts = text.split(os.pathsep) if param.multiple else [text]
    if param.kind not in KINDS and not param.kind.startswith("int>="):
        return None if texts else []
    values = []
    for text in texts or ():
        value = _value(param.kind, text, param.opts[0] if param.opts else param.name)
        if value is None:
            return None
        values.append(value)
    return values


def _value(kind: str, text: str, option: str):
    if kind in ("text", "flag"):
        return True if kind == "flag" else text
    if kind == "tokens":
        from pricing.engine import token_count

        return token_count(text, option)  # a bad count raises: click's error
    if kind.startswith("int>="):
        least = int(kind.removeprefix("int>="))
        return int(text) if text.isascii() and text.isdigit() and int(text) >= least else None
    if kind == "date":
        from pricing.dates import parse_day

        return parse_day(text)  # ValueError: click's error
    # a path: only a readable regular file is certain to pass click's checks
    if "://" in text or not os.path.isfile(text) or not os.access(text, os.R_OK):
        return None
    return text


def printable(lines: list[tuple[bool, str]]) -> bool:
    """Whether writing ``lines`` as they are is what click.echo would write: UTF-8 streams
    (click rewraps an ASCII one), no colour codes (click strips them off a terminal)."""
    for err, text in lines:
        stream = sys.stderr if err else sys.stdout
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            if codecs.lookup(encoding).name != "utf-8" or "\x1b" in text:
                return False
            text.encode(encoding, getattr(stream, "errors", None) or "strict")
        except (LookupError, UnicodeError):
            return False
    return True


def write(lines: list[tuple[bool, str]]) -> None:
    """The kept lines, in order: each stream flushed before the other is written, as
    click.echo flushes every line, so that both on one terminal read as they would."""
    last = None
    for err, text in lines:
        stream = sys.stderr if err else sys.stdout
        if last is not None and stream is not last:
            last.flush()
        stream.write(text)
        last = stream
    if last is not None:
        last.flush()
    sys.stdout.flush()


# --- the table, from the click commands --------------------------------------------------------

HEADER = '''"""The option table of the quick path (budget.cli.quick): generated from the click
commands by ``python -m budget.cli.quick``; edit the commands, not this file.

Per command, its parameters in click's order, each (name, kind, multiple, default,
environment variable, option strings (none: an argument), required).
"""

'''


def table_source() -> str:
    """The text of budget/cli/quick_options.py, read off the click commands."""
    from budget.cli.app import cli

    lines = [HEADER, "GROUP = (\n", *_rows(cli, {}), ")\n", "COMMANDS = {\n"]
    for name in sorted(QUICK_EXIT):
        command = cli.get_command(None, name)
        lines += [f'    "{name}": (\n', *_rows(command, _absent(command), 8), "    ),\n"]
    return "".join([*lines, "}\n"])


def _rows(command, absent: dict, indent: int = 4) -> list[str]:
    rows = []
    for param in command.params:
        row = _param(param, absent.get(param.name))
        cells = ", ".join(_literal(cell) for cell in row)
        rows.append(f"{' ' * indent}({cells}),\n")
    return rows


def _literal(value) -> str:
    """Python source of a cell, written as ruff formats it (double quotes)."""
    import json

    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        inner = ", ".join(_literal(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _absent(command) -> dict:
    """What click passes the command for each parameter not given (and no environment
    variable set), found by running it so with its callback swapped for one that records."""
    import copy
    from unittest import mock

    import click

    seen: dict = {}
    probe = copy.copy(command)
    probe.callback = lambda **values: seen.update(values)
    required = ["x" for p in command.params if isinstance(p, click.Argument) and p.required]
    unset = {p.envvar: "" for p in command.params if isinstance(p.envvar, str)}
    with mock.patch.dict(os.environ, unset), click.Context(click.Group()):
        probe.main(required, standalone_mode=False)
    return seen


def _param(param, absent) -> tuple:
    """One click parameter as a row of the table: a kind the quick path reads, or ``click``."""
    import click

    from budget.cli.common import DATE, TokenCount

    kind = "click"  # a usage file too: numpy and the log reader, nothing quick to keep
    option = isinstance(param, click.Option)
    if param.name == "catalog_files" and isinstance(param.type, click.Path):
        kind = "catalog"  # the files in force: the group's, then budget.cli.common.catalog_option
    elif param.nargs != 1 or (option and param.multiple and param.type is not click.STRING):
        pass
    elif option and param.is_flag:
        if absent is False and not param.secondary_opts and not param.count:
            kind = "flag"
    elif isinstance(param.type, TokenCount):
        kind = "tokens"
    elif param.type is DATE:
        kind = "date"
    elif isinstance(param.type, click.types.IntRange):
        bounds = param.type
        if (
            bounds.max is None
            and not bounds.min_open
            and not bounds.clamp
            and bounds.min is not None
        ):
            kind = f"int>={bounds.min}"
    elif param.type is click.STRING:
        kind = "text"
    envvar = param.envvar
    if not (envvar is None or isinstance(envvar, str)):
        kind, envvar = "click", None
    return (
        param.name,
        kind,
        bool(option and param.multiple),
        None if param.required else absent,
        envvar,
        tuple(param.opts) if option else (),
        bool(param.required),
    )


if __name__ == "__main__":  # python -m budget.cli.quick: write the table again
    from pathlib import Path

    Path(__file__).with_name("quick_options.py").write_text(table_source())
