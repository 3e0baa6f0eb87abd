"""Reading a user's file as UTF-8 text, with one-line errors that name the file.

Editors on Windows add a UTF-8 byte order mark (no API receives it): it is dropped. A UTF-16
file is named as such, since "not UTF-8 at byte 0" helps nobody.
"""

from __future__ import annotations

import os
import sys
from typing import IO

from pricing.errors import InputError

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF16_HINT = "UTF-16 text (byte order mark); expected UTF-8 (iconv -f UTF-16 -t UTF-8)"


def strip_bom(data: bytes, where: str) -> tuple[bytes, int]:
    """The data without a UTF-8 byte order mark (editors on Windows add one; no API receives
    it) and the number of bytes dropped; a UTF-16 file is named as such."""
    if data.startswith(UTF16_BOMS):
        raise InputError(f"{where}: {UTF16_HINT}")
    if data.startswith(UTF8_BOM):
        return data[len(UTF8_BOM) :], len(UTF8_BOM)
    return data, 0


def is_url(path: str | os.PathLike) -> bool:
    """``s3://...``, ``gs://...``: read through fsspec, as given, if :func:`check_url` allows."""
    return "://" in str(path)


# URL schemes read (through fsspec, which comes with the ``dask`` extra; the object stores
# need their package, such as s3fs): local files and object stores, nothing else. ftp://,
# http:// and the rest are refused, and so are archives (zip://, tar://): no network but
# the store the user names, no half-supported formats.
URL_SCHEMES = ("file", "s3", "s3a", "gs", "gcs", "az", "abfs", "abfss")


def check_url(path: str) -> None:
    """InputError unless ``path`` is a URL of a scheme we read (:data:`URL_SCHEMES`)."""
    scheme = str(path).split("://", 1)[0]
    if scheme.lower() not in URL_SCHEMES:
        schemes = ", ".join(f"{name}://" for name in URL_SCHEMES)
        raise InputError(
            f"{path}: {scheme[:40]}:// URLs are not read (budget usage and budget "
            f"count read {schemes}; other files: download them first)"
        )


def open_input(path: str | os.PathLike, what: str = "") -> IO[bytes]:
    """A user's file opened for reading bytes (``-``: standard input; a URL such as
    ``s3://...`` through fsspec if its scheme is one of :data:`URL_SCHEMES`), or a one-line
    error."""
    if str(path) == "-":
        return open(sys.stdin.fileno(), "rb", closefd=False)
    try:
        if is_url(path):  # only when a user names a URL
            check_url(str(path))
            import fsspec

            return fsspec.open(str(path), "rb").open()
        return open(path, "rb")
    except ImportError:
        raise InputError(f"{path}: reading URLs needs fsspec (the dask extra)") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a {what or 'file'}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def read_text(path: str | os.PathLike, what: str = "text") -> str:
    """A whole user file as UTF-8 text (a BOM dropped), or a one-line InputError."""
    with open_input(path, f"{what} file") as handle:
        try:
            data = handle.read()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    return decode_text(data, path, what)


def decode_text(data: bytes, path: str | os.PathLike, what: str = "text") -> str:
    """A user file's bytes as UTF-8 text (a BOM dropped), or a one-line InputError."""
    data, dropped = strip_bom(data, str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text at byte {dropped + exc.start} ({exc.reason}); "
            f"expected a {what} file"
        ) from None
