"""Files we write, and the user's files we must never destroy.

Every command that writes files declares them together as one :class:`OutputSet`:

* each destination is checked before any work is done: not empty, not a directory (nor a name
  ending in ``/``), in a directory that exists, not a read-only file, not the same file as any
  input (through symlinks and hard links) nor as another output of the command;
* each output is written to a temporary file beside its destination, named
  ``.NAME.budget-tmp-PID-XXXX`` so that a later run can recognise it and remove it once the
  process that made it is gone (a SIGKILL leaves it behind);
* only when every output is complete are they all renamed over their destinations (a SIGINT
  or SIGTERM arriving meanwhile is acted on after the last rename); a failure or an
  interruption before that leaves every destination as it was: a command replaces all of its
  outputs or none;
* a destination that is not a regular file (``-`` or ``/dev/stdout`` for standard output,
  ``/dev/null``, a FIFO, anything under /dev or /proc) is written through, never renamed
  over: its temporary file lives in the system's temporary folder and is copied into it at
  the end, so even a stream gets all of the output or none of it;
* a symlink to a regular file stays a symlink: the file it points to is replaced.

While a set is open SIGTERM is handled like SIGINT (KeyboardInterrupt), so a killed run
cleans up as an interrupted one does.
"""

from __future__ import annotations

import contextlib
import csv
import fnmatch
import glob
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pricing.errors import InputError

TEMP_MARK = ".budget-tmp-"
STDOUT = "-"
# Names of the command's own standard output: written to the stream itself, so that what the
# command prints after (the table) follows it, whether stdout is a terminal, a pipe or a file.
STDOUT_NAMES = (STDOUT, "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


@dataclass
class _Output:
    label: str  # how the user named it: "-o report.csv"
    path: str  # as given
    target: str  # the file to replace (a symlink resolved), or the stream to write through
    through: bool  # not a regular file: written through, not renamed over
    temporary: str | None = None
    handle: IO | None = None


def _describe(label: str, path: str) -> str:
    return f"{label} {path}" if label else str(path)


def _inspect(label: str, path: str | Path) -> _Output:
    """Where ``path`` will be written, or a one-line error if it cannot be a file there."""
    text = os.fspath(path)
    name = _describe(label, text)
    if not text.strip():
        raise InputError(f"{label or 'output'}: empty file name; give a file to write")
    if text in STDOUT_NAMES:
        return _Output(label, text, STDOUT, through=True)
    if text.endswith(("/", os.sep)):
        raise InputError(f"{name}: names a directory; give a file name to write")
    try:
        info = os.stat(text)  # follows symlinks: /dev/stdout is the stream it points to
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(f"{name}: cannot write ({exc.strerror})") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: is a directory; give a file name to write")
    # Devices, FIFOs, sockets, and anything reached through /dev or /proc (/dev/fd/N naming a
    # file the shell opened): never renamed over.
    if info is not None and (
        not stat.S_ISREG(info.st_mode) or os.path.abspath(text).startswith(("/dev/", "/proc/"))
    ):
        return _Output(label, text, text, through=True)
    target = os.path.realpath(text) if os.path.islink(text) else text
    directory = os.path.dirname(target) or "."
    if not os.path.isdir(directory):
        raise InputError(f"{name}: directory {directory} does not exist")
    # No write bit at all is read-only even for root, whom os.access lets through.
    if info is not None and (not info.st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise InputError(f"{name}: the file is read-only; not replacing it")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(f"{name}: cannot write in {directory} (permission denied)")
    return _Output(label, text, target, through=False)


def _identity(path: str | Path) -> tuple[int, int] | None:
    """(device, inode) of an existing file, symlinks followed; None for stdout or no file."""
    if os.fspath(path) in ("", STDOUT):
        return None
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def _stdin_identity() -> tuple[int, int] | None:
    """(device, inode) of the file on standard input; None for a pipe, a terminal or a device
    (written through, never replaced: nothing there can be destroyed)."""
    try:
        info = os.fstat(sys.stdin.fileno())
    except (OSError, ValueError, AttributeError):  # closed, or replaced (click's test runner)
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def read_back(output: str | Path, source: str | Path) -> str | None:
    """Why writing ``output`` would write to what a command reads as ``source``, or None.

    ``source`` is an input as the user named it, and as ``budget.inputs.files.expand_paths``
    reads it: ``-`` is standard input (the file on it, compared by device and inode); a
    directory holds every file below it whose names do not start with ``.`` or ``_`` (an
    output there is read back as input by the next run, so it is refused even before it
    exists); a glob holds every name it matches; a ``file://`` URL is its local path; any
    other file is the same file through symlinks and hard links. Other URLs are never an
    output."""
    source = os.fspath(source)
    output = os.fspath(output)
    if source == STDOUT:
        mine = _identity(output)
        if mine is not None and mine == _stdin_identity():
            return "the same file as standard input; writing it would destroy the input"
        return None
    if source.startswith("file://"):
        source = source[len("file://") :]
    elif "://" in source:
        return None
    mine = _identity(output)
    if mine is not None and mine == _identity(source):
        return f"the same file as the input {source}; writing it would destroy the input"
    if os.path.isdir(source):
        listed, where = _listed_below(source, output), f"inside the input directory {source}"
    else:
        pattern = not os.path.exists(source) and glob.has_magic(source)
        listed, where = pattern and _glob_matches(source, output), f"matches the input {source}"
    if not listed:
        return None
    return f"{where}: the next run would read it back as input; write it elsewhere" + (
        " (or give it a name starting with _)" if os.path.isdir(source) else ""
    )


def _real(path: str) -> str:
    """``path`` with its folder's symlinks resolved (the file itself need not exist)."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(os.path.realpath(folder), name)


def _listed_below(directory: str, path: str) -> bool:
    """Whether a directory input would list ``path``: below it, no name on the way starting
    with ``.`` or ``_`` (as ``budget.inputs.files`` lists a directory)."""
    inside = os.path.relpath(_real(path), os.path.realpath(directory))
    names = inside.split(os.sep)
    return names[0] != os.pardir and not any(name.startswith((".", "_")) for name in names)


def _glob_matches(pattern: str, path: str) -> bool:
    """Whether ``glob.glob(pattern, recursive=True)`` would list ``path`` were it there:
    matched name by name, ``**`` standing for any number of folders, and a name starting
    with ``.`` matched only by a pattern that starts with one, as glob does."""
    pattern_names = os.path.abspath(pattern).split(os.sep)
    for candidate in {os.path.abspath(path), _real(path)}:
        if _names_match(tuple(pattern_names), tuple(candidate.split(os.sep))):
            return True
    return False


def _names_match(patterns: tuple[str, ...], names: tuple[str, ...]) -> bool:
    if not patterns:
        return not names
    first = patterns[0]
    if first == "**":
        return any(
            _names_match(patterns[1:], names[skip:])
            for skip in range(len(names) + 1)
            if not any(name.startswith(".") for name in names[:skip])
        )
    if not names:
        return False
    hidden = names[0].startswith(".") and not first.startswith(".") and glob.has_magic(first)
    return (
        not hidden
        and fnmatch.fnmatchcase(names[0], first)
        and _names_match(patterns[1:], names[1:])
    )


class OutputSet:
    """A command's output files, replaced all together or not at all (see the module doc).

    ``outputs`` maps how the user named each one (``"-o"``, ``"--chart"``) to its path, None
    for an option not given; ``inputs`` are the files the command reads. Use it as a context
    manager: :meth:`open` gives the handle to write each output to; a clean exit renames them
    all into place, an exception removes every temporary file.
    """

    def __init__(
        self, outputs: Mapping[str, str | Path | None] | None = None, inputs: Iterable = ()
    ):
        self._outputs: dict[str, _Output] = {}
        for label, path in (outputs or {}).items():
            if path is not None:
                self._declare(label, path)
        self.refuse_inputs(inputs)
        self._previous_handler = None

    def _declare(self, label: str, path: str | Path) -> _Output:
        output = _inspect(label, path)
        mine = _identity(output.target)
        for other in self._outputs.values():
            same_name = os.path.abspath(output.target) == os.path.abspath(other.target)
            if same_name or (mine and mine == _identity(other.target)):
                raise InputError(
                    f"{_describe(label, output.path)}: the same file as "
                    f"{_describe(other.label, other.path)}; give each output its own file"
                )
        self._outputs[os.fspath(path)] = output
        return output

    def refuse_inputs(self, inputs: Iterable[str | Path]) -> None:
        """InputError when an output is one of ``inputs`` (see :func:`read_back`): writing it
        would destroy what the command reads, or feed it to the next run. Call again for
        inputs found later (a scenario's files)."""
        outputs = [o for o in self._outputs.values() if o.target != STDOUT]
        for path in inputs if outputs else ():
            for output in outputs:
                reason = read_back(output.target, path)
                if reason:
                    raise InputError(f"{_describe(output.label, output.path)}: {reason}")

    def open(self, path: str | Path, mode: str = "w") -> IO:
        """The handle to write output ``path`` to: text (UTF-8, newlines as written) or binary
        (``"wb"``). Closing it is allowed; the set closes what is left open."""
        output = self._outputs.get(os.fspath(path)) or self._declare("", path)
        if output.handle is not None:
            raise InputError(f"{_describe(output.label, output.path)}: written twice")
        if output.through:
            try:
                descriptor, output.temporary = tempfile.mkstemp(prefix=f"budget-tmp-{os.getpid()}-")
            except OSError as exc:
                where = _describe(output.label, output.path)
                folder = tempfile.gettempdir()
                raise InputError(f"{where}: cannot write in {folder} ({exc.strerror})") from None
        else:
            remove_stale_temporaries(output.target)
            directory = os.path.dirname(output.target) or "."
            try:
                descriptor, output.temporary = tempfile.mkstemp(
                    prefix=temporary_prefix(os.path.basename(output.target), directory),
                    dir=directory,
                )
            except OSError as exc:
                where = _describe(output.label, output.path)
                raise InputError(f"{where}: cannot write in {directory} ({exc.strerror})") from None
        kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        output.handle = os.fdopen(descriptor, mode, **kwargs)
        return output.handle

    def __enter__(self) -> OutputSet:
        if threading.current_thread() is threading.main_thread():
            self._previous_handler = signal.signal(signal.SIGTERM, _interrupt)
        return self

    def __exit__(self, kind, value, traceback) -> None:
        try:
            if kind is None:
                self.commit()
        finally:
            written = [o for o in self._outputs.values() if o.temporary]
            names = {None} | {n for o in written for n in (o.temporary, o.target, o.path)}
            failed = _failed(value, written) if isinstance(value, OSError) and written else ""
            self.discard()
            if self._previous_handler is not None:
                signal.signal(signal.SIGTERM, self._previous_handler)
                self._previous_handler = None
        # A write that failed while the command wrote its outputs (disk full, quota).
        if failed and value.filename in names and not isinstance(value, BrokenPipeError):
            raise InputError(f"{failed}: cannot write ({value.strerror or value})") from None

    def commit(self) -> None:
        """Close every output, copy those written through, then rename the rest into place."""
        written = [o for o in self._outputs.values() if o.temporary]
        try:
            for output in written:
                output.handle.close()
            for output in written:
                if output.through:
                    _copy_through(output)
        except BrokenPipeError:
            raise  # `budget report -o - | head`: the reader has gone, as for any printing
        except OSError as exc:
            raise InputError(f"{_failed(exc, written)}: cannot write ({exc.strerror})") from None
        # Every output is complete: rename them all, a SIGINT/SIGTERM acted on after the last.
        try:
            with signals_held():
                for output in written:
                    if not output.through:
                        os.chmod(output.temporary, _new_file_mode(output.target))
                        os.replace(output.temporary, output.target)
                        output.temporary = None
        except OSError as exc:
            raise InputError(f"{_failed(exc, written)}: cannot write ({exc.strerror})") from None

    def discard(self) -> None:
        """Remove every temporary file still there (after a failure: all of them)."""
        for output in self._outputs.values():
            if output.handle is not None and not output.handle.closed:
                with contextlib.suppress(OSError):
                    output.handle.close()
            if output.temporary:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(output.temporary)
                output.temporary = None


def _failed(exc: OSError, outputs: list[_Output]) -> str:
    for output in outputs:
        if exc.filename in (output.temporary, output.target, output.path):
            return _describe(output.label, output.path)
    return ", ".join(_describe(o.label, o.path) for o in outputs)


def _copy_through(output: _Output) -> None:
    with open(output.temporary, "rb") as source:
        if output.target == STDOUT:
            sys.stdout.flush()
            shutil.copyfileobj(source, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with open(output.target, "wb") as sink:
                shutil.copyfileobj(source, sink)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM arriving inside are acted on at the end, as they would have been.

    Python runs signal handlers in the main thread whichever thread the kernel picked (numpy
    and BLAS start threads), so the handlers are swapped rather than the signal mask."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, lambda n, _: caught.append(n)) for signum in held}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        if caught:
            signal.raise_signal(caught[0])


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def atomic_write(
    path: str | Path, mode: str = "w", inputs: Iterable[str | Path] = ()
) -> Iterator[IO]:
    """One output file written whole or not at all: an :class:`OutputSet` of one."""
    with OutputSet({"": path}, inputs) as outputs:
        yield outputs.open(path, mode)


@contextlib.contextmanager
def write_to(path: str | Path, mode: str = "w", outputs: OutputSet | None = None) -> Iterator[IO]:
    """The handle for ``path``: part of ``outputs`` when given (renamed with the rest of the
    set), else a file of its own written atomically."""
    if outputs is None:
        with atomic_write(path, mode) as handle:
            yield handle
    else:
        with outputs.open(path, mode) as handle:
            yield handle


def temporary_prefix(name: str, directory: str | Path = ".") -> str:
    """``.NAME.budget-tmp-PID-`` for a destination called ``name``, NAME cut short so the
    temporary name (with mkstemp's 8 random characters) fits the file system's NAME_MAX."""
    try:
        limit = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    tail = f"{TEMP_MARK}{os.getpid()}-"
    room = limit - len(tail) - 1 - 8
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) > room:
        name = encoded[:room].decode("utf-8", "ignore")
    return f".{name}{tail}"


_STALE = re.compile(re.escape(TEMP_MARK) + r"(\d+)-[^/]*\Z")
PARTS = ".parts"  # a folder of parts written by Dask workers: .NAME.parts.budget-tmp-PID-XXXX


def remove_stale_temporaries(target: str | Path) -> list[str]:
    """Remove what runs that were killed (their process is gone: a SIGKILL leaves it
    behind) left beside ``target``: temporary files, and folders (Dask's parts, a Parquet
    directory being published); returns the names removed."""
    directory = os.path.dirname(os.fspath(target)) or "."
    name = os.path.basename(os.fspath(target))
    prefixes = tuple(temporary_prefix(f"{name}{kind}", directory) for kind in ("", PARTS))
    stems = tuple(prefix[: prefix.rindex(TEMP_MARK) + len(TEMP_MARK)] for prefix in prefixes)
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(stems):
            continue
        match = _STALE.search(entry.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                removed.append(entry.name)
    return removed


@contextlib.contextmanager
def parts_folder(output: str) -> Iterator[str]:
    """A temporary folder beside ``output`` (the current folder for a stream such as ``-``)
    for parts that other processes write (Dask workers must see it), removed at the end;
    folders left by killed runs are removed first."""
    target = Path(output)
    directory = target.parent if target.parent.is_dir() and output not in STDOUT_NAMES else None
    remove_stale_temporaries(output if directory is not None else target.name)
    where = directory or Path(".")
    try:
        folder = tempfile.mkdtemp(
            prefix=temporary_prefix(f"{target.name}{PARTS}", where), dir=where
        )
    except OSError as exc:
        raise InputError(f"-o {output}: cannot write in {where} ({exc.strerror})") from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _new_file_mode(target: str) -> int:
    """The mode of the file being replaced, or 0666 less the umask for a new one."""
    try:
        return os.stat(target).st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (os.umask can only
    be read by setting it, which races with other threads creating files)."""
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii") as status,
    ):
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection; the
# OWASP list, and | for DDE), also after leading whitespace or a line break, which
# spreadsheets skip.
FORMULA_STARTS = frozenset("=+-@\t\r|")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that a spreadsheet shows as written: text starting with ``= + - @ |``, a
    tab or a carriage return, or with one of them after leading whitespace, gets a leading
    ``'``; a number written as text (``-5``, ``+1.5e3``, ``-0.5000000000``) and everything
    that is not text are left alone. Every CSV we write passes its cells through here
    (:class:`SpreadsheetWriter`, :func:`spreadsheet_safe_column`,
    :func:`spreadsheet_safe_frame`)."""
    if type(value) is not str or not value:
        return value
    first = value[0]
    formula = first in FORMULA_STARTS or (first.isspace() and value.lstrip()[:1] in FORMULA_STARTS)
    return "'" + value if formula and not _NUMBER.match(value) else value


def spreadsheet_safe_column(values: Iterable) -> list:
    """:func:`spreadsheet_safe` of every cell of a column, each distinct text once (a log's
    column of a million rows holds a few models, days and tiers)."""
    values = values if isinstance(values, list) else list(values)
    texts = {value for value in values if value.__class__ is str}
    safe = {value: spreadsheet_safe(value) for value in texts}
    return [safe[value] if value.__class__ is str else value for value in values]


class SpreadsheetWriter:
    """``csv.writer`` whose every cell goes through :func:`spreadsheet_safe`."""

    def __init__(self, handle: IO[str], **options):
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def spreadsheet_safe_frame(table):
    """A DataFrame whose text columns are :func:`spreadsheet_safe` (a copy when any changes):
    every column that is not numbers, booleans or dates (object or string dtype alike)."""
    import pandas as pd

    types = pd.api.types
    text_columns = [
        name
        for name in table.columns
        if not (
            types.is_numeric_dtype(table[name])
            or types.is_bool_dtype(table[name])
            or types.is_datetime64_any_dtype(table[name])
        )
    ]
    if not text_columns:
        return table
    table = table.copy()
    for name in text_columns:
        table[name] = table[name].map(spreadsheet_safe)
    return table
