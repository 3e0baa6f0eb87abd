"""What kind of file a path holds: the one rule every reader asks.

Formats: ``json`` (one document: an object, or an array whose elements are the records),
``jsonl`` (one JSON value per line), ``csv``, ``tsv``, ``parquet`` and ``text``. Any but
Parquet may be compressed: gzip, bzip2, xz, and zstd where the ``zstandard`` package (or
Python 3.14) is there to read it.

The name says what it can (``calls.jsonl.gz``: JSONL, gzipped); the content decides where the
name lies or says nothing, from at most its first 64 KiB (for JSON, also the rest of its first
line, up to 8 MiB: a batch line with an image is longer than 64 KiB):

* compression by its magic bytes (gzip ``1f 8b``, ...), whatever the name; the rest of the
  rule reads the decompressed start, with the compression suffix taken off the name;
* Parquet by its ``PAR1`` magic; other content with NUL bytes or many control characters is
  binary, an error;
* JSON where the name says so or the content starts with ``{`` or ``[``: JSONL when its first
  line is a whole JSON value and more follows (a ``.json`` too), else one document;
* CSV and TSV by name (``.csv``, ``.tsv``), the delimiter from the header: more tabs than
  commas is TSV (a ``.csv`` exported from a spreadsheet as tab-separated, say);
* a name that says text (``.txt``, ``.md``) is text, and so is anything else not JSON.

An empty file has the kind its name gives; with no such name it is an error, unless the reader
says what it takes one for (`budget count`: an empty text). Standard input and FIFOs are read
once: :func:`open_sniffed` peeks at their start and hands back a stream that still yields
every byte (decompressed).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import orjson

from pricing.errors import InputError
from pricing.textfile import decode_text, is_url, open_input, strip_bom

PREFIX = 64 << 10  # bytes read to decide
FIRST_LINE = 8 << 20  # a JSON file's first line is read to its end, up to this many bytes
BUFFER = 1 << 20
BLANK = b" \t\r\n\f\v"

# What a name says: its last suffix, after a compression suffix is taken off.
NAMED_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
}
NAMED_COMPRESSIONS = {
    ".gz": "gzip",
    ".gzip": "gzip",
    ".bz2": "bz2",
    ".xz": "xz",
    ".zst": "zstd",
    ".zstd": "zstd",
}
# The magic bytes each compression starts with (bzip2's block magic too: a text may start
# with "BZh").
MAGIC = {
    "gzip": re.compile(rb"\x1f\x8b\x08"),
    "bz2": re.compile(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)"),
    "xz": re.compile(rb"\xfd7zXZ\x00"),
    "zstd": re.compile(rb"\x28\xb5\x2f\xfd"),
}
PARQUET_MAGIC = b"PAR1"
DELIMITERS = {"csv": ",", "tsv": "\t"}
CONTROL = bytes([*range(0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
TEXT_BYTES = bytes(b for b in range(256) if b not in CONTROL)  # deleted to count controls
JSON_FORMATS = ("json", "jsonl")


@dataclass(frozen=True)
class FileKind:
    """A file's format, and the compression wrapped around it (None: none)."""

    format: str  # json | jsonl | csv | tsv | parquet | text
    compression: str | None = None

    @property
    def table(self) -> bool:
        """CSV or TSV: rows under a header."""
        return self.format in DELIMITERS

    @property
    def delimiter(self) -> str:
        """The field delimiter of a table (``,`` or a tab)."""
        return DELIMITERS[self.format]

    def __str__(self) -> str:
        return self.format if self.compression is None else f"{self.format} ({self.compression})"


def _name(path: str | os.PathLike) -> str:
    """The file name of a path or URL, lower case (a URL's query left out)."""
    text = str(path)
    if is_url(text):
        text = text.split("?", 1)[0].split("#", 1)[0]
    return os.path.basename(text).lower()


def name_compression(path: str | os.PathLike) -> str | None:
    """The compression a name says (``x.jsonl.gz``: gzip), or None."""
    return NAMED_COMPRESSIONS.get(os.path.splitext(_name(path))[1])


def name_format(path: str | os.PathLike) -> str | None:
    """The format a name says (``x.jsonl.gz``: jsonl), or None: also how an output's name
    picks its writer (``-o rows.parquet``)."""
    stem, suffix = os.path.splitext(_name(path))
    if suffix in NAMED_COMPRESSIONS:
        suffix = os.path.splitext(stem)[1]
    return NAMED_FORMATS.get(suffix)


def compression_of(head: bytes) -> str | None:
    """The compression whose magic bytes start ``head``, or None."""
    return next((name for name, magic in MAGIC.items() if magic.match(head)), None)


def format_of(
    name: str | os.PathLike, head: bytes, known: str | None = None, empty: str | None = None
) -> str:
    """The format of content (not compressed) that starts with ``head``, in a file named
    ``name``. ``known``: what the caller was told it is, a format (``count --format``) or
    ``table`` (``count --column``: CSV or TSV, the delimiter to be found). ``empty``: what
    the caller takes an empty file whose name says nothing for (`budget count`: an empty
    text); without it, that is an error. Binary data, UTF-16 text, and a ``.parquet`` that
    holds text are one-line errors naming the file."""
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if _binary(head):
        strip_bom(head, str(name))  # UTF-16 text is named as such
        raise InputError(
            f"{name}: binary data, not text; expected text, JSON, JSONL, CSV, TSV or Parquet"
        )
    text, _ = strip_bom(head, str(name))
    body = text.lstrip(BLANK)
    if known == "table":
        return _table_format(body)
    if known is not None:
        return known
    named = name_format(name)
    if not body:
        if named is not None:
            return named
        if empty is not None:
            return empty
        raise InputError(f"{name}: empty file (nothing to tell its kind from)")
    if named == "text":
        return named
    if named in DELIMITERS:
        if body[:1] in b"{[" and _whole_json_line(body):
            return _layout(body, None)  # JSON named .csv: the name lies
        return _table_format(body)
    if named in JSON_FORMATS or body[:1] in b"{[":
        return _layout(body, named)
    if named == "parquet":
        raise InputError(f"{name}: unreadable Parquet (text, not the PAR1 magic, at the start)")
    return "text"


def json_format(name: str | os.PathLike, head: bytes) -> str:
    """``json`` or ``jsonl``, for content known to be JSON (``--format usage``, say), by the
    rule :func:`format_of` follows."""
    text, _ = strip_bom(head, str(name))
    return _layout(text.lstrip(BLANK), name_format(name))


def _binary(head: bytes) -> bool:
    """A NUL byte, or control characters (not whitespace or ESC) in more than one byte in 20:
    text has next to none, random bytes one in ten."""
    return b"\x00" in head or len(head.translate(None, TEXT_BYTES)) * 20 > len(head)


def _table_format(body: bytes) -> str:
    """CSV, or TSV where the header holds more tabs than commas."""
    header = body.split(b"\n", 1)[0]
    return "tsv" if header.count(b"\t") > header.count(b",") else "csv"


def _whole_json_line(body: bytes) -> bool:
    first, newline, _ = body.partition(b"\n")
    return bool(newline) and _is_json(first)


def _is_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _layout(body: bytes, named: str | None) -> str:
    """JSONL when the first line is a whole JSON value and more follows; one document
    otherwise. With one line in sight (or one line in all), the name decides: a ``.jsonl``
    of one array is one record, not an array of records."""
    first, newline, rest = body.partition(b"\n")
    following = rest.lstrip(BLANK)
    if not newline or not following:
        return "jsonl" if named == "jsonl" else "json"
    if _is_json(first):
        return "jsonl"
    if named == "jsonl":  # a bad first line of a JSONL file, not a document over lines
        second = following.partition(b"\n")[0]
        if _is_json(second):
            return "jsonl"
    return "json"


def sniff_stream(
    handle: IO[bytes],
    name: str | os.PathLike,
    known: str | None = None,
    empty: str | None = None,
) -> tuple[FileKind, IO[bytes]]:
    """The kind of an open file, and a stream that yields all of it, decompressed: only its
    start is read (kept, not sought back to), so a pipe works. ``known``, ``empty``: as
    :func:`format_of` takes them."""
    source = handle
    head = _read(source, PREFIX)
    compression = compression_of(head)
    if compression is not None:
        source = _decompressed(_prefixed(head, handle), compression, str(name))
        head = _read(source, PREFIX)
    if len(head) == PREFIX and _json_first_line_unfinished(head, name):
        # the first line's end, and what follows it, decide JSON or JSONL
        head += source.readline(FIRST_LINE) + _read(source, PREFIX)
    stream = _prefixed(head, source)
    fmt = format_of(name, head, known, empty)  # the name's format is read under its .gz
    if fmt == "parquet" and compression is not None:
        raise InputError(
            f"{name}: Parquet inside {compression}; Parquet compresses its own pages, so "
            "read the file decompressed"
        )
    return FileKind(fmt, compression), stream


def _json_first_line_unfinished(head: bytes, name: str | os.PathLike) -> bool:
    """JSON whose first line does not end, or has nothing after it, within ``head``."""
    body = head.lstrip(BLANK)
    looks_json = body[:1] in b"{[" or name_format(name) in JSON_FORMATS
    _, newline, rest = body.partition(b"\n")
    return looks_json and not (newline and rest.strip(BLANK))


@contextmanager
def open_sniffed(
    path: str | os.PathLike, what: str = "", known: str | None = None, empty: str | None = None
) -> Iterator[tuple[FileKind, IO[bytes]]]:
    """A user's file (``-``: standard input; a URL through fsspec), opened with
    :func:`pricing.textfile.open_input`: its kind and a stream of all its bytes,
    decompressed. Closed on leaving."""
    with open_input(path, what) as handle:
        kind, stream = sniff_stream(handle, path, known, empty)
        try:
            yield kind, stream
        finally:
            stream.close()


def read_sniffed(path: str | os.PathLike, what: str) -> tuple[FileKind, str]:
    """A whole small file (samples, one chat request), decompressed, as UTF-8 text, with its
    kind; Parquet is not text, an error."""
    with open_sniffed(path, f"{what} file") as (kind, stream):
        if kind.format == "parquet":
            raise InputError(f"{path}: Parquet; expected a {what} file (text, JSON, JSONL or CSV)")
        data = stream.read()
    return kind, decode_text(data, path, what)


def _rereadable(path: str | os.PathLike) -> bool:
    """A local regular file or a URL: it can be opened again, so :func:`sniff` may look at
    its start (a pipe read for that would lose it)."""
    text = str(path)
    return is_url(text) or (text != "-" and os.path.isfile(text))


def sniff(
    path: str | os.PathLike, known: str | None = None, empty: str | None = None
) -> FileKind | None:
    """The kind of a local file or URL, from its name and its start; None for standard input
    or a FIFO, whose kind is decided when it is read (:func:`open_sniffed`)."""
    if not _rereadable(path):
        return None
    with open_sniffed(path, known=known, empty=empty) as (kind, _):
        return kind


def _read(stream: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end (a pipe gives what it has at each read)."""
    parts, held = [], 0
    while held < size:
        part = stream.read(size - held)
        if not part:
            break
        parts.append(part)
        held += len(part)
    return b"".join(parts)


def _prefixed(prefix: bytes, rest: IO[bytes]) -> IO[bytes]:
    return io.BufferedReader(_Prefixed(prefix, rest), buffer_size=BUFFER)


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of the stream; closing it closes the stream."""

    def __init__(self, prefix: bytes, rest: IO[bytes]):
        self.prefix, self.rest = memoryview(prefix), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.prefix:
            n = min(len(buffer), len(self.prefix))
            buffer[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
            return n
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.rest.close()
        super().close()


def _zstd(stream: IO[bytes], name: str) -> IO[bytes]:
    try:
        from compression import zstd  # Python 3.14

        return zstd.ZstdFile(stream)
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        raise InputError(
            f"{name}: zstd-compressed; reading it needs the zstandard package "
            "(pip install zstandard) or Python 3.14"
        ) from None
    return zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)


DECOMPRESSORS: dict[str, Callable[[IO[bytes], str], IO[bytes]]] = {
    "gzip": lambda stream, _: gzip.GzipFile(fileobj=stream, mode="rb"),
    "bz2": lambda stream, _: bz2.BZ2File(stream),
    "xz": lambda stream, _: lzma.LZMAFile(stream),  # noqa: SIM115 (closed by _Checked)
    "zstd": _zstd,
}


def _decompressed(stream: IO[bytes], compression: str, name: str) -> IO[bytes]:
    reader = DECOMPRESSORS[compression](stream, name)
    return io.BufferedReader(_Checked(reader, stream, compression, name), buffer_size=BUFFER)


class _Checked(io.RawIOBase):
    """A decompressing reader whose failures (a truncated or corrupt file) are one-line
    errors naming the file, wherever in the reading they come."""

    def __init__(self, reader: IO[bytes], source: IO[bytes], compression: str, name: str):
        self.reader, self.source = reader, source
        self.compression, self.name = compression, name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.reader.read(len(buffer))
        except InputError:
            raise
        except Exception as exc:  # zlib, lzma, zstandard each raise their own
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(
                f"{self.name}: unreadable {self.compression} data ({reason})"
            ) from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.reader.close()
        self.source.close()
        super().close()
