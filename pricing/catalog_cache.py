"""The compiled catalog: the checked catalog kept on disk, so a price query need not parse YAML.

Reading the YAML catalog and checking every model takes several times as long as Python
takes to start; a price or limit query must start within 2.5x of a bare interpreter
(DESIGN.md). So after a load from YAML the result is written to ``catalog.json`` in a cache
directory (``$TOKEN_BUDGET_CACHE``, else ``$XDG_CACHE_HOME/token-budget``, else
``~/.cache/token-budget``), under a key: the SHA-256 of every bundled and user catalog file's
bytes, of the code that turns them into models, and of this Python's version. The next load
computes the key again (hashing the files takes about a millisecond) and uses the file only
when it was written under the same key and its payload still has the digest it was written
with; anything else (another key, a truncated, corrupt or edited file) is rebuilt from the
YAML and rewritten, atomically. A directory that cannot be written is no error: the catalog
is read from the YAML each time.

The payload is JSON, not pickle. The cache directory can be written by anything running as
the user, and unpickling runs whatever the bytes say; a digest kept beside them would not
stop that, since whoever can write the payload can write its digest. JSON decodes to plain
values only, which :class:`_Decoder` turns into the catalog's own classes by name, from a
fixed list: the worst a forged file can do is give wrong numbers, as an edited catalog file
could. The digest catches the accidents: a truncated write, a corrupt disk, an edit by hand.
Each model is decoded when a query first asks for it (:class:`CompiledModels`): a price query
builds one model, not the whole catalog.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from pricing.hosts import Host
from pricing.model import (
    FineTuning,
    Model,
    PricePeriod,
    Prices,
    ServiceTier,
    Summary,
    Tier,
    Variant,
)

# What is stored and served: the models (decoded on demand), the hosts and each model's
# Summary; pricing.catalog makes a Catalog of them (this module never imports it: no cycle).
Compiled = tuple["CompiledModels", tuple[Host, ...], tuple[Summary, ...]]

try:  # the interpreter's own SHA-256, as `random` imports it: hashlib loads OpenSSL first (3 ms)
    from _sha2 import sha256  # Python 3.12 on
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.10, 3.11
    except ImportError:
        from hashlib import sha256

# Bumped when the file's layout changes (the code's own bytes are in the key too).
FORMAT = 2
ENV_VAR = "TOKEN_BUDGET_CACHE"
FILE_NAME = "catalog.json"
# The modules whose code decides what a catalog file becomes: an edit to any of them (an
# editable install, a new release) must not be served models built by the old code.
CODE = (
    "catalog",
    "catalog_cache",
    "dates",
    "formats",
    "hosts",
    "model",
    "record",
    "schema",
    "textfile",
    "yamlfile",
)
# ... and the catalog's JSON Schema, whose tables the checker reads (pricing/formats.py)
SCHEMA = "data/catalog.schema.json"
# A cache file larger than this is not read (the catalog's is well under 1 MB).
MAX_BYTES = 64 * 1024 * 1024

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

# The classes a payload may name, and nothing else.
CLASSES = {
    cls.__name__: cls
    for cls in (Model, Prices, Tier, ServiceTier, PricePeriod, FineTuning, Variant, Host)
}


def cache_dir() -> Path | None:
    """Where the compiled catalog is kept (None: no home directory to keep it in)."""
    chosen = os.environ.get(ENV_VAR, "").strip()
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if not base or not os.path.isabs(base):  # the XDG spec: a relative path is ignored
        try:
            base = os.path.join(Path.home(), ".cache")
        except RuntimeError:  # no home directory
            return None
    return Path(base) / "token-budget"


def catalog_key(files: Iterable[Path]) -> str | None:
    """The key of a catalog read from ``files`` (bundled first, then the user's), or None when
    one cannot be read as a regular file (missing, a FIFO or ``<(...)``, which reading here
    would consume): that catalog is read from the YAML, which reports the problem."""
    digest = sha256(f"token-budget catalog {FORMAT}\n{sys.version}\n".encode())
    here = Path(__file__).parent
    try:
        for name in CODE:
            digest.update((here / f"{name}.py").read_bytes())
        digest.update((here / SCHEMA).read_bytes())
        for path in files:
            if not stat.S_ISREG(os.stat(path).st_mode):
                return None
            data = Path(path).read_bytes()
            # the name too: a user file's path is quoted in the notes of the models it sets
            digest.update(f"\n{path}\n{len(data)}\n".encode())
            digest.update(data)
    except OSError:
        return None
    return digest.hexdigest()


def load(key: str, folder: Path | None) -> Compiled | None:
    """The catalog compiled under ``key``, or None (no file, another key, or a file that does
    not hold what was written: never trusted, rebuilt by the caller)."""
    if folder is None:
        return None
    try:
        with open(folder / FILE_NAME, "rb") as file:
            if os.fstat(file.fileno()).st_size > MAX_BYTES:
                return None
            data = file.read()
        head, _, payload = data.partition(b"\n")
        header = json.loads(head)
        if header.get("key") != key or header.get("sha256") != _digest(key, payload):
            return None
        index, _, bodies = payload.partition(b"\n")
        hosts, rows, spans = json.loads(index, object_hook=_Decoder().value, parse_float=Decimal)
        hosts = tuple(hosts)
        summaries = tuple(Summary(*_tuple(row)) for row in rows)
        if len(spans) != len(summaries) or not all(type(h) is Host for h in hosts):
            return None
    except Exception:  # unreadable, corrupt or forged: the YAML is the truth
        return None
    return CompiledModels(bodies, spans), hosts, summaries


def save(key: str, folder: Path | None, catalog: Any) -> None:
    """Keep a compiled catalog under ``key``: a temporary file renamed over the old one, so a
    reader sees the old file or the new one, whole. Any failure leaves no cache, no error."""
    if folder is None:
        return
    import tempfile  # only when (re)writing the cache

    try:
        payload = encode(catalog)
    except TypeError:  # a value this format cannot hold: served from the YAML instead
        return
    header = json.dumps({"format": FORMAT, "key": key, "sha256": _digest(key, payload)})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".catalog-", suffix=".tmp")
    except OSError:  # not writable (a read-only home, a sandbox): no cache
        return
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(header.encode() + b"\n" + payload)
        os.replace(temporary, folder / FILE_NAME)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _digest(key: str, payload: bytes) -> str:
    return sha256(key.encode() + b"\n" + payload).hexdigest()


class CompiledModels(Sequence[Model]):
    """The models of a compiled catalog, each decoded when first asked for."""

    def __init__(self, bodies: bytes, spans: Sequence[tuple[int, int]]):
        self._bodies, self._spans = bodies, spans
        self._built: list[Model | None] = [None] * len(spans)

    def __len__(self) -> int:
        return len(self._spans)

    def __getitem__(self, number: int) -> Model:  # type: ignore[override]
        model = self._built[number]
        if model is None:
            start, end = self._spans[number]
            model = json.loads(
                self._bodies[start:end], object_hook=_Decoder().value, parse_float=Decimal
            )
            if type(model) is not Model:
                raise TypeError(f"the compiled catalog holds {type(model).__name__}, not a model")
            self._built[number] = model
        return model


# --- the payload ------------------------------------------------------------------------------
# Two lines after the header: the index (hosts, each model's Summary, where its body lies),
# then the bodies, one JSON document per model. In them a dataclass is {"ClassName": [field
# values in order]}, and one met again in the same model is {"ref": N}, the Nth built (so a
# model's current period is still one of its price_periods, as `is` tests expect); a date is
# {"date": "YYYY-MM-DD"}, a frozenset {"set": [...]}, a mapping {"map": [[key, value], ...]};
# a tuple is a list. A Decimal is a JSON number written with an exponent (coefficient E
# exponent), which JSON reads back through Decimal exactly as written: 2.50 stays 2.50.


def encode(catalog: Any) -> bytes:
    """A catalog (its models, hosts and summaries) as the cache's payload."""
    bodies, spans, start = [], [], 0
    for model in catalog.models:
        body = _json(_Encoder().plain(model))
        bodies.append(body)
        spans.append([start, start + len(body)])
        start += len(body)
    encoder = _Encoder()
    index = [
        [encoder.plain(host) for host in catalog.hosts],
        [encoder.plain(tuple(summary)) for summary in catalog.summaries],
        spans,
    ]
    return _json(index) + b"\n" + b"".join(bodies)


def _json(plain: Any) -> bytes:
    text = json.dumps(plain, separators=(",", ":"), ensure_ascii=False)
    # A Decimal went in as a string between NULs (no other string holds one: plain() checks),
    # which json writes as \u0000: unquoted here, it is a JSON number.
    return text.replace(f'"{_MARK}', "").replace(f'{_MARK}"', "").encode()


_MARK = "\\u0000"  # how json writes a NUL


class _Encoder:
    """Plain JSON values for one document, counting the dataclasses as the decoder will."""

    def __init__(self) -> None:
        self.numbers: dict[int, int] = {}  # id() of a dataclass written -> its number
        self.kept: list[Any] = []  # those dataclasses, alive while their id() is in use

    def plain(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int)):
            return value
        if isinstance(value, str):
            if "\x00" in value:
                raise TypeError("the compiled catalog cannot hold a NUL character")
            return value
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise TypeError(f"the compiled catalog cannot hold {value}")
            sign, digits, exponent = value.as_tuple()
            return f"\x00{'-' if sign else ''}{''.join(map(str, digits))}E{exponent}\x00"
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return {"date": value.isoformat()}
        if isinstance(value, tuple):
            return [self.plain(item) for item in value]
        if isinstance(value, frozenset):
            return {"set": sorted(self.plain(item) for item in value)}
        if isinstance(value, dict):
            return {"map": [[self.plain(key), self.plain(item)] for key, item in value.items()]}
        name = type(value).__name__
        if CLASSES.get(name) is not type(value):
            raise TypeError(f"the compiled catalog cannot hold {name}")
        if id(value) in self.numbers:
            return {"ref": self.numbers[id(value)]}
        fields = [self.plain(getattr(value, name)) for name in value.field_names()]
        self.numbers[id(value)] = len(self.kept)  # after its fields: the order they are built
        self.kept.append(value)
        return {name: fields}


class _Decoder:
    """The JSON object hook for one document: tagged values back to the catalog's own."""

    def __init__(self) -> None:
        self.built: list[Any] = []

    def value(self, tagged: dict) -> Any:
        ((tag, value),) = tagged.items()
        cls = CLASSES.get(tag)
        if cls is not None:
            built = cls(*[_tuple(item) if item.__class__ is list else item for item in value])
            self.built.append(built)
            return built
        if tag == "ref":
            return self.built[value]
        if tag == "date":
            return dt.date.fromisoformat(value)
        if tag == "set":
            return frozenset(value)
        if tag == "map":
            return {key: _tuple(item) if item.__class__ is list else item for key, item in value}
        raise ValueError(f"unknown tag {tag!r}")


def _tuple(items: list) -> tuple:
    return tuple([_tuple(item) if item.__class__ is list else item for item in items])
