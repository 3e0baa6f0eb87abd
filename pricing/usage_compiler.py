"""The usage table compiled into Python source (see :func:`table_source`): one function per
shape (``_read_N(r)``, returning read_call's tuple, or None for a stream chunk before the
last), one dispatcher (``_shape(r)``) trying the shapes' ``when`` in order, and ``_read(r)``,
which is read_call: records outside any envelope go straight to the dispatcher. The source
is run by :mod:`pricing.usage`, with the helpers it names.
"""

from __future__ import annotations

import functools

from pricing.engine import MAX_TOKEN_COUNT
from pricing.usage_paths import path_steps
from pricing.usage_shapes import COUNTS, READ_ORDER, Shape


class _Source:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names = 0

    def var(self) -> str:
        self.names += 1
        return f"v{self.names}"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def _lookup(src: _Source, depth: int, root: str, path: str, cache: dict) -> str:
    """Emit the lookups of ``path`` from variable ``root``; return an expression of its
    value (None when absent). Objects on the way are looked up once (``cache``) and held as
    the object or ``_E`` (an empty dict) when absent; a value that is not an object where
    one is expected raises AttributeError, which the reader turns into a message naming the
    field (:func:`pricing.usage_diagnostics.diagnose`)."""
    steps = path_steps(path)
    current = root
    for i, (kind, arg) in enumerate(steps[:-1]):
        key = (root, tuple(steps[: i + 1]))
        if key in cache:
            current = cache[key]
            continue
        target = src.var()
        if kind == "key" and current == root:
            src.emit(depth, f"{target} = {current}.get({arg!r}) or _E")
        elif kind == "key":  # an absent (empty) object is not searched
            src.emit(depth, f"{target} = {current} and {current}.get({arg!r}) or _E")
        elif kind == "index":
            src.emit(
                depth,
                f"{target} = {current}[{arg}] if {current}.__class__ is list "
                f"and len({current}) > {arg} else _E",
            )
        else:
            src.emit(depth, f"{target} = _find({current}, {arg[0]!r}, {arg[1]!r})")
        cache[key] = current = target
    kind, arg = steps[-1]
    if kind == "key":
        return f"{current}.get({arg!r})"
    if kind == "index":
        present = f"{current}.__class__ is list and len({current}) > {arg}"
        return f"({current}[{arg}] if {present} else None)"
    raise ValueError(f"{path}: a [key=value] step must be followed by a field")


def _first(src: _Source, depth: int, root: str, paths: tuple[str, ...], cache: dict) -> str:
    """A variable holding the first present value of ``paths`` (``a|b`` flattened too)."""
    out = src.var()
    alternatives = [alt for p in paths for alt in p.split("|")]
    src.emit(depth, f"{out} = {_lookup(src, depth, root, alternatives[0], cache)}")
    for path in alternatives[1:]:
        value = _lookup(src, depth, root, path, cache)
        src.emit(depth, f"if {out} is None: {out} = {value}")
    return out


def _compile_shape(src: _Source, number: int, shape: Shape, root_path: str) -> None:
    """Emit ``def _read_N(r)``: read ``shape`` from ``r``, its usage object at ``root_path``."""
    src.emit(0, f"def _read_{number}(r):")
    src.emit(1, "try:")
    cache: dict = {}
    usage = "r"
    if root_path:
        usage = src.var()
        src.emit(2, f"{usage} = {_lookup(src, 2, 'r', root_path, cache)} or _E")
    if shape.final:
        marker, final = (_lookup(src, 2, "r", path, cache) for path in shape.final)
        src.emit(2, f"if {marker} and {final} is None: return None  # a stream chunk")
    terms: dict[str, str] = {}  # term -> variable: a term used twice is read once
    fields = []
    for count in COUNTS:
        parts = []
        for term in shape.counts.get(count, ()):
            sign = "-" if term.startswith("-") else "+"
            name = term.lstrip("-")
            if name not in terms:
                terms[name] = _count_term(src, number, usage, name, shape.required, cache)
            parts.append(f"{sign} {terms[name]}")
        fields.append(" ".join(parts).removeprefix("+ ") or "0")
    src.emit(2, f"counts = ({', '.join(fields)},)")
    # A negative value read, parts larger than their whole, a sum out of range: _bad says
    # which. A value that is a count alone shows in `counts`; the others are checked too.
    alone = {field for field in fields if field.isidentifier()}
    hidden = [name for name in terms.values() if name not in alone]
    negative = "min(counts) < 0" + "".join(f" or {name} < 0" for name in hidden)
    src.emit(2, f"if {negative} or max(counts) > {MAX_TOKEN_COUNT}:")
    src.emit(3, f"raise _bad({number}, r, counts)")
    model = _first(src, 2, "r", shape.model, cache)
    finish = _first(src, 2, "r", shape.finish, cache) if shape.finish else "None"
    tier = "None"
    if shape.tier:
        tier = src.var()
        src.emit(2, f"{tier} = None")
        for path in shape.tier:
            value = src.var()
            src.emit(2, f"{value} = {_lookup(src, 2, 'r', path, cache)}")
            src.emit(
                2,
                f"if {tier} is None and {value}.__class__ is str "
                f"and {value}.lower() not in _STANDARD: {tier} = {value}.lower()",
            )
    batch = "False"
    if shape.batch:
        batch = src.var()
        src.emit(2, f"{batch} = False")
        for path in shape.batch:
            value = src.var()
            src.emit(2, f"{value} = {_lookup(src, 2, 'r', path, cache)}")
            src.emit(2, f"if {value} is not None and not {batch}: {batch} = _is_true({value})")
    src.emit(1, "except (AttributeError, TypeError):")
    src.emit(2, f"raise _diagnose({number}, r) from None")
    # the whole result, as call_fields returns it for a record outside any envelope: the
    # fields of a Call, as a plain tuple (no object of a class per log line)
    text = "{0} if {0}.__class__ is str else _text({0})"
    head = f"{text.format(model)}, {shape.api!r}, {text.format(finish)}"
    if shape.tier:
        src.emit(1, f"if {tier} == 'batch':")
        src.emit(2, f"return ({head}, None, True, 1, counts)")
    if shape.batch:
        src.emit(1, f"if {batch}:")
        src.emit(2, f"return ({head}, None, True, 1, counts)")
    src.emit(1, f"return ({head}, {tier}, False, 1, counts)")
    src.emit(0, "")


def _count_term(
    src: _Source, number: int, usage: str, term: str, required: tuple[str, ...], cache: dict
) -> str:
    """Emit the reading of one term (``a|b``: the first present and not 0) into a variable;
    each value read must be an int (a bool is not one): else ``_refuse`` names it (and the
    caller checks it is not negative). An absent field is 0, and so is null unless the field
    is ``required``. (One test per value on the common paths: this runs per log line.)"""
    out = src.var()
    # every object on the way is looked up at the top (a lookup inside an `if` below would
    # leave its variable unset for a later term that shares it)
    values = [_lookup(src, 2, usage, alt, cache) for alt in term.split("|")]
    depth = 2
    for i, (alt, value) in enumerate(zip(term.split("|"), values, strict=True)):
        assert value.endswith(")"), alt  # a field, not a list index: absent reads as 0
        node = value.partition(".get(")[0]
        # an absent object (most records lack most details) is not searched
        value = value[:-1] + ", 0)" if node == "r" else f"{value[:-1]}, 0) if {node} else 0"
        if alt in required:  # null is not 0
            otherwise = f"_refuse({number}, r)"
        else:
            otherwise = f"0 if {out} is None else _refuse({number}, r)"
        src.emit(depth, f"{out} = {value}")
        src.emit(depth, f"if {out}.__class__ is not int: {out} = {otherwise}")
        if i < len(values) - 1:
            src.emit(depth, f"if not {out}:")
            depth += 1
    return out


def _when(src: _Source, tests: tuple[str, ...], shape: Shape, cache: dict) -> str:
    conditions = []
    for test in tests:
        path, eq, value = test.partition("=")
        found = _lookup(src, 2, "r", path, cache)
        conditions.append(f"{found} == {value!r}" if eq else f"{found} is not None")
    condition = " or ".join(conditions) or "False"
    if shape.model_prefix:
        model = _first(src, 2, "r", shape.model, cache)
        condition = (
            f"({condition}) and {model}.__class__ is str "
            f"and {model}.lower().startswith({tuple(shape.model_prefix)!r})"
        )
    return condition


def _compile() -> str:
    src = _Source()
    for i, (shape, root, _) in enumerate(READ_ORDER):
        _compile_shape(src, i, shape, root)
    # read_call itself: records outside any envelope (nearly all) go straight to a shape,
    # found by the same tests as _shape's (written out here too: a call less per record)
    src.emit(0, "def _read(r):")
    src.emit(1, "if r.__class__ is not dict or not _ENVELOPE_KEYS.isdisjoint(r):")
    src.emit(2, "return _enveloped(r)")
    _dispatch(src)
    src.emit(1, "return _no_shape(r)")
    src.emit(0, "")
    src.emit(0, "def _shape(r):")
    _dispatch(src)
    src.emit(1, "return _NO_SHAPE")
    src.emit(0, "")
    by_api = {shape.api: i for i, (shape, root, _) in reversed(list(enumerate(READ_ORDER)))}
    src.emit(0, "_BY_API = {" + ", ".join(f"{a!r}: _read_{i}" for a, i in by_api.items()) + "}")
    return "\n".join(src.lines)


def _dispatch(src: _Source) -> None:
    """Emit the tests of each shape in order, each returning its reader's result."""
    src.emit(1, "try:")
    cache: dict = {}
    for i, (shape, _, tests) in enumerate(READ_ORDER):
        src.emit(2, f"if {_when(src, tests, shape, cache)}:")
        src.emit(3, f"return _read_{i}(r)")
    src.emit(1, "except AttributeError:")
    src.emit(2, "raise _diagnose(None, r) from None")


@functools.cache
def table_source() -> str:
    """The Python source the table compiles to (for reading, and for tests)."""
    return _compile()
