"""Files written whole or not at all: a temporary file beside the target, renamed at the end."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pricing.errors import InputError


def check_destination(path: str | Path) -> Path:
    """The directory ``path`` will be written in; InputError if it cannot be a file there.
    A command writing several files checks them all first, so none is written if one fails."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{path}: directory {directory} does not exist")
    if target.is_dir():
        raise InputError(f"{path}: is a directory; give a file name to write")
    return directory


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file in the target's directory; rename it over ``path`` on success,
    delete it on any error, so a failed run leaves no half-written report behind."""
    target = Path(path)
    directory = check_destination(path)
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise InputError(f"{path}: cannot write in {directory} ({exc.strerror})") from None
    try:
        kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(descriptor, mode, **kwargs) as handle:
            yield handle
        # mkstemp makes the file private (0600); a report gets the mode any new file would.
        os.chmod(temporary, _new_file_mode(target))
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(exc, OSError) and exc.filename in (None, temporary, str(target)):
            raise InputError(f"{path}: cannot write ({exc.strerror})") from None
        raise


def _new_file_mode(target: Path) -> int:
    """The mode of the file being replaced, or 0666 less the umask for a new one."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
