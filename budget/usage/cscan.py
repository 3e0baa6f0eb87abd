"""The usage table compiled into C: the source of the ``budget.usage._scan`` extension, which
reads a block of JSONL lines (or records) in one loop in C, ``orjson`` parsing each line.

It is the same reader as :mod:`pricing.usage_compiler`'s, step for step: this module walks
the same table (:data:`pricing.usage_shapes.READ_ORDER`) in the same order, emitting C where
that one emits Python, so an object is looked up, a count read and a test made exactly where
the Python reader does them. The C reader answers only what it can answer exactly as the
Python one would; wherever the Python reader would raise (a value that is not a count, an
object that is not one, a negative or huge count, no shape) or take a path the C one does
not (an envelope, a model that is not text, non-ASCII text to lower-case), it gives the
record back, and the Python reader reads it: its answer or its error is the answer. A test
holds the two readers to the same answers on generated records (tests/test_scan.py).

``python -m budget.usage.cscan`` writes ``budget/usage/_scan.c`` again after a change to the
table (a test fails while it is stale). The extension is optional: built where a C compiler
is found at install (setup.py), else the log reader runs the Python loop, slower, to the
same answers.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from pricing.engine import MAX_TOKEN_COUNT
from pricing.tool_uses import OPENAI_TOOL_ITEMS
from pricing.usage_envelopes import ENVELOPE_INDEX
from pricing.usage_paths import path_steps
from pricing.usage_shapes import (
    COUNTS,
    NAMING_EVENTS,
    NO_USAGE_EVENTS,
    READ_ORDER,
    Envelope,
    Shape,
)

SOURCE = Path(__file__).with_name("_scan.c")


class _C:
    """Lines of one C function, its PyObject* and int64 locals and the keys it reads."""

    def __init__(self, keys: dict[str, int], texts: dict[str, int]) -> None:
        self.lines: list[str] = []
        self.objects: list[str] = []
        self.ints: list[str] = []
        self.keys = keys  # key -> index in K[] (shared by every function)
        self.texts = texts  # constant text (a `when` value, a find's value) -> index in T[]

    def var(self) -> str:
        name = f"v{len(self.objects) + 1}"
        self.objects.append(name)
        return name

    def term(self) -> str:
        name = f"t{len(self.ints) + 1}"
        self.ints.append(name)
        return name

    def key(self, name: str) -> str:
        return f"K[{self.keys.setdefault(name, len(self.keys))}]"

    def text(self, value: str) -> str:
        return f"T[{self.texts.setdefault(value, len(self.texts))}]"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def declarations(self) -> list[str]:
        out = []
        if self.objects:
            out.append("    PyObject *" + ", ".join(f"*{v} = NULL" for v in self.objects)[1:] + ";")
        if self.ints:
            out.append("    long long " + ", ".join(f"{t} = 0" for t in self.ints) + ";")
        return out


def _lookup(src: _C, depth: int, root: str, path: str, cache: dict) -> tuple[str, str, str]:
    """Emit the objects on the way to ``path`` (as pricing.usage_compiler._lookup does, and
    where it does); return the last step (kind, the object it is taken from, its argument)
    for the caller to read when the Python reader reads it."""
    steps = path_steps(path)
    current = root
    for i, (kind, arg) in enumerate(steps[:-1]):
        key = (root, tuple(steps[: i + 1]))
        if key in cache:
            current = cache[key]
            continue
        target = src.var()
        if kind == "key":
            src.emit(depth, f"if (step_key({current}, {src.key(arg)}, &{target})) goto back;")
        elif kind == "index":
            src.emit(depth, f"{target} = step_index({current}, {arg});")
        else:
            field, wanted = arg
            src.emit(
                depth,
                f"if (step_find({current}, {src.key(field)}, {src.text(wanted)}, &{target})) "
                "goto back;",
            )
        cache[key] = current = target
    kind, arg = steps[-1]
    if kind == "key":
        return "key", current, src.key(arg)
    if kind == "index":
        return "index", current, str(arg)
    raise ValueError(f"{path}: a [key=value] step must be followed by a field")


def _read(src: _C, depth: int, target: str, last: tuple[str, str, str]) -> None:
    """Emit ``target = `` the value of a last step (NULL: None or absent)."""
    kind, node, arg = last
    if kind == "key":
        src.emit(depth, f"if (final_key({node}, {arg}, &{target})) goto back;")
    else:
        src.emit(depth, f"{target} = final_index({node}, {arg});")


def _first(src: _C, depth: int, root: str, paths: tuple[str, ...], cache: dict) -> str:
    out = src.var()
    alternatives = [alt for p in paths for alt in p.split("|")]
    _read(src, depth, out, _lookup(src, depth, root, alternatives[0], cache))
    for path in alternatives[1:]:
        last = _lookup(src, depth, root, path, cache)
        src.emit(depth, f"if ({out} == NULL) {{")
        _read(src, depth + 1, out, last)
        src.emit(depth, "}")
    return out


def _count_term(src: _C, usage: str, term: str, required: tuple[str, ...], cache: dict) -> str:
    out = src.term()
    alts = term.split("|")
    lasts = [_lookup(src, 1, usage, alt, cache) for alt in alts]
    depth = 1
    for i, (alt, (kind, node, key)) in enumerate(zip(alts, lasts, strict=True)):
        assert kind == "key", alt
        src.emit(depth, f"if (count_at({node}, {key}, {int(alt in required)}, &{out})) goto back;")
        if i < len(alts) - 1:
            src.emit(depth, f"if (!{out}) {{")
            depth += 1
    while depth > 1:
        depth -= 1
        src.emit(depth, "}")
    return out


def _shape_function(src: _C, number: int, shape: Shape, root_path: str, apis: dict) -> None:
    """``static int read_N(PyObject *r, Found *f)``: 1 read, 2 a stream chunk before the last
    (not a call), 0 given back (the Python reader reads it)."""
    cache: dict = {}
    usage = "r"
    if root_path:
        usage = src.var()
        _read(src, 1, usage, _lookup(src, 1, "r", root_path, cache))
        src.emit(1, f"if ({usage} != NULL && !truthy({usage})) {usage} = NULL;  /* or _E */")
    if shape.final:
        marker_last, final_last = (_lookup(src, 1, "r", path, cache) for path in shape.final)
        marker, final = src.var(), src.var()
        _read(src, 1, marker, marker_last)
        src.emit(1, f"if ({marker} != NULL && truthy({marker})) {{")
        _read(src, 2, final, final_last)
        src.emit(2, f"if ({final} == NULL) return 2;  /* a stream chunk */")
        src.emit(1, "}")
    terms: dict[str, str] = {}
    fields = []
    for count in COUNTS:
        parts = []
        for term in shape.counts.get(count, ()):
            sign = "-" if term.startswith("-") else "+"
            name = term.lstrip("-")
            if name not in terms:
                terms[name] = _count_term(src, usage, name, shape.required, cache)
            parts.append(f"{sign} {terms[name]}")
        fields.append(" ".join(parts).removeprefix("+ ") or "0")
    for i, expression in enumerate(fields):
        src.emit(1, f"f->counts[{i}] = {expression};")
        if not expression.isidentifier() and expression != "0":
            src.emit(1, f"if (f->counts[{i}] < 0 || f->counts[{i}] > MAX_COUNT) goto back;")
    model = _first(src, 1, "r", shape.model, cache)
    finish = _first(src, 1, "r", shape.finish, cache) if shape.finish else None
    src.emit(1, f"if (!is_text({model})) goto back;")
    src.emit(1, f"f->model = {model};")
    if finish:
        src.emit(1, f"if (!is_text({finish})) goto back;")
        src.emit(1, f"f->finish = {finish};")
    for path in shape.tier:
        value = src.var()
        _read(src, 1, value, _lookup(src, 1, "r", path, cache))
        src.emit(1, f"if (f->tier == NULL && tier_of({value}, &f->tier)) goto back;")
    batch = src.term() if shape.batch else "0"
    for path in shape.batch:
        value = src.var()
        _read(src, 1, value, _lookup(src, 1, "r", path, cache))
        src.emit(1, f"if ({value} != NULL && !{batch}) {{")
        src.emit(2, f"{batch} = is_true({value});")
        src.emit(2, f"if ({batch} < 0) goto back;")
        src.emit(1, "}")
    src.emit(1, f"f->api = APIS[{apis.setdefault(shape.api, len(apis))}];")
    if shape.tier or shape.batch:
        src.emit(1, f"if ({batch} || (f->tier && PyUnicode_CompareWithASCIIString(")
        src.emit(2, 'f->tier, "batch") == 0)) {')
        src.emit(2, "Py_CLEAR(f->tier);")
        src.emit(2, "f->batch = 1;")
        src.emit(1, "}")
    src.emit(1, "return 1;")
    src.emit(0, "back:")
    src.emit(1, "Py_CLEAR(f->tier);")
    src.emit(1, "return 0;")


def _when(src: _C, tests: tuple[str, ...], shape: Shape, cache: dict, out: str) -> None:
    """Emit ``out = `` whether a record is of ``shape`` (tests in order, stopping at the first
    that holds, as Python's ``or`` does)."""
    lasts = []
    for test in tests:
        path, eq, value = test.partition("=")
        lasts.append((_lookup(src, 1, "r", path, cache), value if eq else None))
    src.emit(1, f"{out} = 0;")
    for last, value in lasts:
        found = src.var()
        src.emit(1, f"if (!{out}) {{")
        _read(src, 2, found, last)
        if value is None:
            src.emit(2, f"{out} = {found} != NULL;")
        else:
            src.emit(2, f"{out} = equals({found}, {src.text(value)});")
            src.emit(2, f"if ({out} < 0) goto back;")
        src.emit(1, "}")
    if shape.model_prefix:
        model = _first(src, 1, "r", shape.model, cache)
        prefixes = ", ".join(f'"{p}"' for p in shape.model_prefix)
        src.emit(1, f"if ({out}) {{")
        src.emit(2, f"static const char *prefixes[] = {{{prefixes}, NULL}};")
        src.emit(2, f"{out} = starts_lower({model}, prefixes);")
        src.emit(2, f"if ({out} < 0) goto back;")
        src.emit(1, "}")


def _dispatch(keys: dict, texts: dict) -> _C:
    src = _C(keys, texts)
    cache: dict = {}
    for i, (shape, _, tests) in enumerate(READ_ORDER):
        test = src.term()
        _when(src, tests, shape, cache, test)
        src.emit(1, f"if ({test}) return read_{i}(r, f);")
    src.emit(1, "return 3;  /* no shape */")
    src.emit(0, "back:")
    src.emit(1, "return 0;")
    return src


def _c_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII is a C string literal


@functools.cache
def scan_source() -> str:
    """The whole C source of ``budget.usage._scan``: the compiled table and its loop, with
    the digest of the rest (:func:`source_digest`) that the built module carries."""
    body = _body()
    return body.replace("@DIGEST@", source_digest(), 1)


@functools.cache
def source_digest() -> str:
    """What the module built from today's source says it is (``_scan.SOURCE_DIGEST``): a
    module built from another table (a stale build) is not used."""
    return hashlib.sha256(_body().encode()).hexdigest()[:16]


def _body() -> str:
    keys: dict[str, int] = {}
    texts: dict[str, int] = {}
    apis: dict[str, int] = {}
    functions = []
    for i, (shape, root, _) in enumerate(READ_ORDER):
        src = _C(keys, texts)
        _shape_function(src, i, shape, root, apis)
        functions.append((f"static int read_{i}(PyObject *r, Found *f)", src))
    functions.append(("static int dispatch(PyObject *r, Found *f)", _dispatch(keys, texts)))
    out = [_HEAD.replace("@COUNTS@", str(len(COUNTS))).replace("@MAX@", str(MAX_TOKEN_COUNT))]
    out.append(f"#define N_KEYS {len(keys)}")
    out.append("static const char *KEY_NAMES[] = {" + ", ".join(map(_c_string, keys)) + "};")
    out.append(f"#define N_TEXTS {len(texts)}")
    out.append("static const char *TEXT_VALUES[] = {" + ", ".join(map(_c_string, texts)) + "};")
    out.append(f"#define N_APIS {len(apis)}")
    out.append("static const char *API_NAMES[] = {" + ", ".join(map(_c_string, apis)) + "};")
    out.append("static PyObject *K[N_KEYS], *T[N_TEXTS], *APIS[N_APIS];")
    out.append(_HELPERS)
    for signature, _ in functions:
        out.append(signature + ";")
    for signature, src in functions:
        out.append("")
        out.append(signature)
        out.append("{")
        out.extend(src.declarations())
        out.extend(src.lines)
        out.append("}")
    readers = ", ".join(f"read_{i}" for i in range(len(READ_ORDER)))
    out.append(f"static int (*const READERS[])(PyObject *, Found *) = {{{readers}}};")
    out.append(f"#define N_READERS {len(READ_ORDER)}")
    out.append(f"#define N_NO_USAGE {len(NO_USAGE_EVENTS)}")
    no_usage = ", ".join(map(_c_string, NO_USAGE_EVENTS))
    out.append(f"static const char *NO_USAGE_NAMES[] = {{{no_usage}}};")
    out.append(f"#define N_TOOL_ITEMS {len(OPENAI_TOOL_ITEMS)}")
    tools = ", ".join(map(_c_string, OPENAI_TOOL_ITEMS))
    out.append(f"static const char *TOOL_ITEM_NAMES[] = {{{tools}}};")
    out.append(_LOOP)
    return "\n".join(out) + "\n"


def envelope_index() -> list[tuple[str, dict[str, tuple], tuple]]:
    """:data:`pricing.usage_envelopes.ENVELOPE_INDEX` (what envelope_of walks, in its order)
    with each envelope as the C loop reads it: (no call, the failed path's keys or None, the
    ok statuses, the inner path's keys, the reader of its shape (an index in READ_ORDER; -1:
    found by the tests), batch, the counts it keeps (a bit mask; -1: all), calls, its name,
    its tests (:func:`_tests`), whether its calls may take the model named before them)."""
    first = {shape.api: i for i, (shape, _, _) in reversed(list(enumerate(READ_ORDER)))}

    def spec(envelope: Envelope) -> tuple:
        if envelope.calls not in (0, 1):
            raise ValueError(f"{envelope.name}: calls is 0 or 1 (the C loop's two)")
        keep = -1
        if envelope.keep is not None:
            keep = sum(1 << COUNTS.index(name) for name in envelope.keep)
        return (
            envelope.no_call,
            None if envelope.failed is None else _keys(envelope.failed),
            tuple(envelope.ok),
            _keys(envelope.inner),
            first[envelope.shape] if envelope.shape else -1,
            envelope.batch,
            keep,
            envelope.calls,
            envelope.name,
            _tests(envelope.when),
            envelope.model_named_before,
        )

    return [
        (
            key,
            {value: tuple(map(spec, found)) for value, found in by_value.items()},
            tuple(map(spec, any_value)),
        )
        for key, by_value, any_value in ENVELOPE_INDEX
    ]


def naming_events() -> tuple:
    """:data:`pricing.usage_shapes.NAMING_EVENTS` as the C loop reads them: (tests, the
    model's path as keys)."""
    return tuple((_tests((test,)), _keys(path)) for test, path in NAMING_EVENTS)


def _tests(tests: tuple[str, ...]) -> tuple:
    """``path`` / ``path=value`` tests as (keys, the value lower-cased or None), as
    :func:`pricing.usage_paths.holds` makes them."""
    out = []
    for test in tests:
        path, eq, value = test.partition("=")
        out.append((_keys(path), value.lower() if eq else None))
    return tuple(out)


def _keys(path: str) -> tuple[str, ...]:
    steps = path_steps(path)
    if any(kind != "key" for kind, _ in steps):
        raise ValueError(f"{path}: an envelope's path is keys only (the C loop walks keys)")
    return tuple(arg for _, arg in steps)


_HEAD = """\
/* Generated by `python -m budget.usage.cscan` from the usage table (pricing/usage_shapes.py):
   do not edit; see budget/usage/cscan.py. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define N_COUNTS @COUNTS@
#define N_FIELDS (N_COUNTS + 3)  /* and truncated, batch, calls: budget.usage.read.FIELDS */
#define SOURCE_DIGEST "@DIGEST@"
#define MAX_COUNT @MAX@LL

typedef struct {
    PyObject *model;   /* borrowed from the record; NULL: none */
    PyObject *api;     /* borrowed: APIS[...], or an envelope's name */
    PyObject *finish;  /* borrowed; NULL: none */
    PyObject *tier;    /* a new reference; NULL: standard */
    int batch;
    int calls;           /* 1; 0 for an event completing another's call */
    long long counts[N_COUNTS];
} Found;
"""

_HELPERS = r"""
static int truthy(PyObject *x)
{
    if (x == Py_None || x == Py_False) return 0;
    if (x == Py_True) return 1;
    if (PyDict_CheckExact(x)) return PyDict_GET_SIZE(x) != 0;
    if (PyList_CheckExact(x)) return PyList_GET_SIZE(x) != 0;
    if (PyUnicode_CheckExact(x)) return PyUnicode_GET_LENGTH(x) != 0;
    int t = PyObject_IsTrue(x);
    if (t < 0) { PyErr_Clear(); return 1; }
    return t;
}

/* dict lookup, borrowed; NULL: absent (a lookup that fails is absent too: the record is read
   again in Python, which meets the same failure) */
static PyObject *dget(PyObject *d, PyObject *k)
{
    PyObject *x = PyDict_GetItemWithError(d, k);
    if (x == NULL && PyErr_Occurred()) PyErr_Clear();
    return x;
}

/* `cur and cur.get(k) or _E` (NULL: _E); 1: cur is not an object (AttributeError in Python) */
static int step_key(PyObject *cur, PyObject *k, PyObject **out)
{
    *out = NULL;
    if (cur == NULL || !truthy(cur)) return 0;
    if (!PyDict_CheckExact(cur)) return 1;
    PyObject *x = dget(cur, k);
    if (x != NULL && truthy(x)) *out = x;
    return 0;
}

/* `cur[i] if cur.__class__ is list and len(cur) > i else _E` (an element may be falsy) */
static PyObject *step_index(PyObject *cur, Py_ssize_t i)
{
    if (cur != NULL && PyList_CheckExact(cur) && PyList_GET_SIZE(cur) > i)
        return PyList_GET_ITEM(cur, i);
    return NULL;
}

/* pricing.usage_paths.find_element: the element of a list whose `key` is `wanted` */
static int step_find(PyObject *cur, PyObject *key, PyObject *wanted, PyObject **out)
{
    *out = NULL;
    if (cur == NULL || !PyList_CheckExact(cur)) return 0;
    Py_ssize_t n = PyList_GET_SIZE(cur);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(cur, i);
        if (!PyDict_CheckExact(item)) continue;
        PyObject *value = dget(item, key);
        if (value == NULL) continue;
        if (PyUnicode_CheckExact(value)) {
            if (PyUnicode_Compare(value, wanted) == 0) { *out = item; return 0; }
        } else if (PyUnicode_Check(value)) {
            return 1;  /* a str subclass: its == is its own */
        }
    }
    return 0;
}

/* `cur.get(k)` as a value (NULL: None or absent); 1: cur is not an object */
static int final_key(PyObject *cur, PyObject *k, PyObject **out)
{
    *out = NULL;
    if (cur == NULL) return 0;
    if (!PyDict_CheckExact(cur)) return 1;
    PyObject *x = dget(cur, k);
    if (x != Py_None) *out = x;
    return 0;
}

static PyObject *final_index(PyObject *cur, Py_ssize_t i)
{
    PyObject *x = step_index(cur, i);
    return x == Py_None ? NULL : x;
}

/* a count term: `cur.get(k, 0) if cur else 0`, a whole number (not a bool) from 0 to the
   largest count; null is 0 unless `required`. 1: anything else (Python refuses it, or checks
   a sum this does not make) */
static int count_at(PyObject *cur, PyObject *k, int required, long long *out)
{
    *out = 0;
    if (cur == NULL || !truthy(cur)) return 0;
    if (!PyDict_CheckExact(cur)) return 1;
    PyObject *x = dget(cur, k);
    if (x == NULL) return 0;
    if (x == Py_None) return required;
    if (!PyLong_CheckExact(x)) return 1;
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(x, &overflow);
    if (overflow || value < 0 || value > MAX_COUNT) return 1;
    *out = value;
    return 0;
}

/* a model or finish reason: text or none (anything else: Python's str() of it) */
static int is_text(PyObject *x)
{
    return x == NULL || PyUnicode_CheckExact(x);
}

/* `found == value` for a constant text: -1 when found's == is not the builtin types' */
static long long equals(PyObject *found, PyObject *value)
{
    if (found == NULL) return 0;
    if (PyUnicode_CheckExact(found)) return PyUnicode_Compare(found, value) == 0;
    if (PyLong_CheckExact(found) || PyFloat_CheckExact(found) || PyBool_Check(found)
        || PyDict_CheckExact(found) || PyList_CheckExact(found))
        return 0;
    return -1;
}

/* ASCII text lower-cased (a new reference); NULL: not ASCII text (str.lower's rules) */
static PyObject *ascii_lower(PyObject *x)
{
    if (!PyUnicode_CheckExact(x) || !PyUnicode_IS_ASCII(x)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(x);
    const char *s = (const char *)PyUnicode_DATA(x);
    Py_ssize_t i = 0;
    while (i < n && !(s[i] >= 'A' && s[i] <= 'Z')) i++;
    if (i == n) { Py_INCREF(x); return x; }
    PyObject *out = PyUnicode_New(n, 127);
    if (out == NULL) { PyErr_Clear(); return NULL; }
    char *d = (char *)PyUnicode_DATA(out);
    for (i = 0; i < n; i++) d[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i];
    return out;
}

/* `model.__class__ is str and model.lower().startswith(prefixes)`; -1: not ASCII */
static long long starts_lower(PyObject *model, const char **prefixes)
{
    if (model == NULL || !PyUnicode_CheckExact(model)) return 0;
    PyObject *lower = ascii_lower(model);
    if (lower == NULL) return -1;
    const char *s = (const char *)PyUnicode_DATA(lower);
    Py_ssize_t n = PyUnicode_GET_LENGTH(lower);
    int found = 0;
    for (const char **p = prefixes; *p && !found; p++) {
        size_t m = strlen(*p);
        found = (size_t)n >= m && memcmp(s, *p, m) == 0;
    }
    Py_DECREF(lower);
    return found;
}

static PyObject *STANDARD_TIERS;  /* a frozenset of text */

/* `if value.__class__ is str and value.lower() not in _STANDARD: tier = value.lower()`;
   1: text this cannot lower-case as Python does */
static int tier_of(PyObject *value, PyObject **tier)
{
    if (value == NULL || !PyUnicode_CheckExact(value)) return 0;
    PyObject *lower = ascii_lower(value);
    if (lower == NULL) return 1;
    int standard = PySet_Contains(STANDARD_TIERS, lower);
    if (standard < 0) { PyErr_Clear(); Py_DECREF(lower); return 1; }
    if (standard) Py_DECREF(lower);
    else *tier = lower;
    return 0;
}

static PyObject *IS_TRUE;  /* pricing.usage._is_true, for text */

/* pricing.usage._is_true; -1: it failed (read in Python again) */
static long long is_true(PyObject *value)
{
    if (PyUnicode_CheckExact(value)) {
        PyObject *t = PyObject_CallOneArg(IS_TRUE, value);
        if (t == NULL) { PyErr_Clear(); return -1; }
        int answer = t == Py_True;
        Py_DECREF(t);
        return answer;
    }
    if (value == Py_True) return 1;
    if (PyLong_CheckExact(value)) {
        int overflow = 0;
        return PyLong_AsLongLongAndOverflow(value, &overflow) == 1 && !overflow;
    }
    return 0;
}
"""

_LOOP = r"""
/* ---- the loop over a block (budget.usage.read._read_rows, for what C can read) ---- */

static PyObject *LOADS;            /* orjson.loads */
static PyObject *CALL_FIELDS;      /* pricing.usage.call_fields (the Python reader) */
/* pricing.usage_envelopes.ENVELOPE_INDEX, envelopes as specs (cscan.envelope_index) */
static PyObject *ENVELOPE_INDEX;
static PyObject *RECORD_STAMP;     /* pricing.usage_times.record_stamp */
static PyObject *TOOL_USES;        /* pricing.tool_uses.record_tool_calls */
static PyObject *CONVERSATION;     /* pricing.usage_conversations.record_conversation */
static PyObject *NO_TOOLS;         /* the shared empty mapping of rows without tool uses */
static PyObject *OTLP_KEY;
static PyObject *TIME_KEYS;        /* a tuple, in order */
static PyObject *RESPONSE_KEY;
static PyObject *CONVERSATION_KEYS;  /* a tuple of top-level keys */
static PyObject *ONE, *ZERO;

static PyObject *NO_USAGE[N_NO_USAGE], *TYPE_KEY, *OBJECT_KEY, *USAGE_KEY, *CHUNK_OBJECT;

/* pricing.usage_paths.path_value of a path of keys (borrowed; NULL: None) */
static PyObject *walk(PyObject *record, PyObject *keys)
{
    PyObject *value = record;
    Py_ssize_t n = PyTuple_GET_SIZE(keys);
    for (Py_ssize_t i = 0; i < n && value != NULL; i++) {
        value = PyDict_CheckExact(value) ? dget(value, PyTuple_GET_ITEM(keys, i)) : NULL;
        if (value == Py_None) value = NULL;
    }
    return value;
}

/* `status in ok` for text and whole numbers (1, 0); -1: another type (Python decides) */
static int in_ok(PyObject *status, PyObject *ok)
{
    int text = PyUnicode_CheckExact(status);
    if (!text && !PyLong_CheckExact(status)) return -1;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(ok); i++) {
        PyObject *item = PyTuple_GET_ITEM(ok, i);
        if (text ? !PyUnicode_CheckExact(item) : !PyLong_CheckExact(item)) {
            if (PyUnicode_CheckExact(item) || PyLong_CheckExact(item)) continue;
            return -1;
        }
        int same = PyObject_RichCompareBool(status, item, Py_EQ);
        if (same < 0) { PyErr_Clear(); return -1; }
        if (same) return 1;
    }
    return 0;
}

/* pricing.usage._enveloped after envelope_of found `spec`'s envelope: 1 read, 2 not a call,
   0 given back (a failed request, an inner response that is not an object, ...) */
static int read_in_envelope(PyObject *record, PyObject *spec, Found *f)
{
    if (PyTuple_GET_ITEM(spec, 0) == Py_True) return 2;  /* no_call */
    PyObject *failed = PyTuple_GET_ITEM(spec, 1);
    if (failed != Py_None) {
        PyObject *status = walk(record, failed);
        if (status != NULL && in_ok(status, PyTuple_GET_ITEM(spec, 2)) != 1) return 0;
    }
    PyObject *inner_keys = PyTuple_GET_ITEM(spec, 3);
    PyObject *inner = PyTuple_GET_SIZE(inner_keys) ? walk(record, inner_keys) : record;
    if (inner == NULL || !PyDict_CheckExact(inner)) return 0;
    long reader = PyLong_AsLong(PyTuple_GET_ITEM(spec, 4));
    int rc = reader >= 0 && reader < N_READERS ? READERS[reader](inner, f) : dispatch(inner, f);
    if (rc != 1) return rc == 2 ? 2 : 0;
    long keep = PyLong_AsLong(PyTuple_GET_ITEM(spec, 6));
    if (keep >= 0) {
        for (int i = 0; i < N_COUNTS; i++)
            if (!(keep & (1L << i))) f->counts[i] = 0;
    }
    if (keep >= 0 || PyTuple_GET_ITEM(spec, 10) == Py_True)  /* a stream's or session's */
        f->api = PyTuple_GET_ITEM(spec, 8);
    if (PyTuple_GET_ITEM(spec, 5) == Py_True || f->batch) {
        f->batch = 1;
        Py_CLEAR(f->tier);
    }
    f->calls = (int)PyLong_AsLong(PyTuple_GET_ITEM(spec, 7));
    return 1;
}

/* pricing.usage_diagnostics._is_usage_free_event; -1: a type this does not compare */
static int usage_free(PyObject *record)
{
    PyObject *kind = dget(record, TYPE_KEY);
    if (kind != NULL && PyUnicode_Check(kind)) {
        if (!PyUnicode_CheckExact(kind)) return -1;
        for (int i = 0; i < N_NO_USAGE; i++) {
            Py_ssize_t match = PyUnicode_Tailmatch(kind, NO_USAGE[i], 0, PY_SSIZE_T_MAX, -1);
            if (match < 0) { PyErr_Clear(); return -1; }
            if (match) return 1;
        }
    }
    PyObject *object = dget(record, OBJECT_KEY);
    if (object == NULL) return 0;
    int chunk = (int)equals(object, CHUNK_OBJECT);
    if (chunk <= 0) return chunk;
    PyObject *usage = dget(record, USAGE_KEY);
    return usage == NULL || usage == Py_None;
}

static PyObject *ascii_lower(PyObject *x);
static PyObject *TRUE_TEXT, *FALSE_TEXT;

/* pricing.usage_paths.holds for a test (keys, value lower-cased or None): 1, 0; -1: a value
   whose str() this does not make (Python decides) */
static int holds(PyObject *record, PyObject *test)
{
    PyObject *found = walk(record, PyTuple_GET_ITEM(test, 0));
    if (found == NULL) return 0;
    PyObject *value = PyTuple_GET_ITEM(test, 1);
    if (value == Py_None) return 1;
    if (found == Py_True || found == Py_False)  /* str(True).lower() */
        return PyUnicode_Compare(found == Py_True ? TRUE_TEXT : FALSE_TEXT, value) == 0;
    PyObject *lower = ascii_lower(found);
    if (lower == NULL) return -1;
    int same = PyUnicode_Compare(lower, value) == 0;
    Py_DECREF(lower);
    return same;
}

static int all_hold(PyObject *record, PyObject *tests)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tests); i++) {
        int h = holds(record, PyTuple_GET_ITEM(tests, i));
        if (h != 1) return h;
    }
    return 1;
}

/* pricing.usage_envelopes.envelope_of: 1 (its spec in *spec), 0 none; -1: undecided here */
static int envelope_in(PyObject *record, PyObject **spec)
{
    Py_ssize_t n = PyList_GET_SIZE(ENVELOPE_INDEX);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *entry = PyList_GET_ITEM(ENVELOPE_INDEX, i);
        PyObject *value = dget(record, PyTuple_GET_ITEM(entry, 0));
        if (value == NULL || value == Py_None) continue;
        for (int pass = 0; pass < 2; pass++) {
            PyObject *specs = NULL;
            if (pass == 1) specs = PyTuple_GET_ITEM(entry, 2);
            else if (PyUnicode_CheckExact(value)) specs = dget(PyTuple_GET_ITEM(entry, 1), value);
            if (specs == NULL) continue;
            for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(specs); k++) {
                int h = all_hold(record, PyTuple_GET_ITEM(PyTuple_GET_ITEM(specs, k), 9));
                if (h < 0) return -1;
                if (h) { *spec = PyTuple_GET_ITEM(specs, k); return 1; }
            }
        }
    }
    return 0;
}

/* pricing.usage.read_call's answer, where C reads it as Python would: 1 read (into f), 2
   not a call (an event, a stream chunk before the last), 0 given back to the Python reader */
static int read_record(PyObject *record, Found *f)
{
    PyObject *spec = NULL;
    f->calls = 1;
    int rc = envelope_in(record, &spec);
    if (rc < 0) return 0;
    if (rc == 1) return read_in_envelope(record, spec, f);
    rc = dispatch(record, f);
    if (rc != 3) return rc;
    rc = usage_free(record);  /* no shape: an event without usage, or what Python names */
    return rc == 1 ? 2 : 0;
}

static PyObject *BODY_KEY, *RESULT_KEY, *MESSAGE_KEY, *OUTPUT_KEY, *SERVER_TOOL_KEY;
static PyObject *CANDIDATES_KEY, *GROUNDING_KEY, *GROUNDING_SNAKE_KEY, *TOOL_CALLS_KEY;
static PyObject *TOOL_ITEMS[N_TOOL_ITEMS];

/* a JSON value's type (what orjson builds): anything else may be a Mapping of its own */
static int plain(PyObject *x)
{
    return x == NULL || x == Py_None || PyDict_CheckExact(x) || PyList_CheckExact(x)
        || PyUnicode_CheckExact(x) || PyLong_CheckExact(x) || PyFloat_CheckExact(x)
        || PyBool_Check(x);
}

/* whether pricing.tool_uses.record_tool_calls(record) is certainly {} and raises nothing
   (then a line's text need not be searched: with or without the search its answer is {});
   0: it may count a tool use or raise, and Python reads the line */
static int no_tool_uses(PyObject *record)
{
    PyObject *x = dget(record, RESPONSE_KEY);
    if (!plain(x)) return 0;
    if (x != NULL && PyDict_CheckExact(x)) {
        PyObject *body = dget(x, BODY_KEY);
        record = body == NULL ? x : body;  /* .get("body", response) */
    } else {
        x = dget(record, RESULT_KEY);
        if (!plain(x)) return 0;
        if (x != NULL && PyDict_CheckExact(x)) {
            record = dget(x, MESSAGE_KEY);  /* .get("message") or {} */
            if (record == NULL || !truthy(record)) return 1;
        }
    }
    if (!plain(record)) return 0;
    if (record == NULL || !PyDict_CheckExact(record)) return 1;
    PyObject *output = dget(record, OUTPUT_KEY);
    if (!plain(output)) return 0;
    if (output != NULL && PyList_CheckExact(output)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(output); i++) {
            PyObject *item = PyList_GET_ITEM(output, i);
            if (!plain(item)) return 0;
            if (!PyDict_CheckExact(item)) continue;
            PyObject *kind = dget(item, TYPE_KEY);
            if (kind == NULL || kind == Py_None) continue;
            if (PyDict_CheckExact(kind) || PyList_CheckExact(kind) || !plain(kind)) return 0;
            if (PyUnicode_CheckExact(kind))
                for (int k = 0; k < N_TOOL_ITEMS; k++)
                    if (PyUnicode_Compare(kind, TOOL_ITEMS[k]) == 0) return 0;
        }
    }
    PyObject *usage = dget(record, USAGE_KEY);
    if (!plain(usage)) return 0;
    if (usage != NULL && PyDict_CheckExact(usage)) {
        PyObject *server = dget(usage, SERVER_TOOL_KEY);
        if (!plain(server) || (server != NULL && PyDict_CheckExact(server))) return 0;
    }
    PyObject *candidates = dget(record, CANDIDATES_KEY);
    if (!plain(candidates)) return 0;
    if (candidates != NULL && truthy(candidates)) {
        if (!PyList_CheckExact(candidates)) return 0;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(candidates); i++) {
            PyObject *candidate = PyList_GET_ITEM(candidates, i);
            if (!PyDict_CheckExact(candidate)) return 0;
            PyObject *meta = dget(candidate, GROUNDING_KEY);
            if (meta == NULL || !truthy(meta)) meta = dget(candidate, GROUNDING_SNAKE_KEY);
            if (!plain(meta) || (meta != NULL && PyDict_CheckExact(meta))) return 0;
        }
    }
    PyObject *flat = dget(record, TOOL_CALLS_KEY);
    return plain(flat) && (flat == NULL || !PyDict_CheckExact(flat));
}

static int has_any(PyObject *record, PyObject *keys)
{
    Py_ssize_t n = PyTuple_GET_SIZE(keys);
    for (Py_ssize_t i = 0; i < n; i++)
        if (dget(record, PyTuple_GET_ITEM(keys, i)) != NULL) return 1;
    return 0;
}

/* pricing.usage_times.record_stamp of a dict; NULL with an exception set: it raised */
static PyObject *stamp_of(PyObject *record)
{
    PyObject *target = record, *inner = dget(record, RESPONSE_KEY);
    if (inner != NULL && PyDict_CheckExact(inner)) {  /* a batch line: its response's body */
        PyObject *body = dget(inner, BODY_KEY);
        if (!plain(body)) return PyObject_CallOneArg(RECORD_STAMP, record);
        target = body != NULL && PyDict_CheckExact(body) ? body : inner;
    } else if (!plain(inner)) {
        return PyObject_CallOneArg(RECORD_STAMP, record);
    }
    Py_ssize_t n = PyTuple_GET_SIZE(TIME_KEYS);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = dget(target, PyTuple_GET_ITEM(TIME_KEYS, i));
        if (value == NULL || value == Py_None) continue;
        if (PyLong_CheckExact(value)) {  /* unix seconds: the common case, as call_stamp */
            int overflow = 0;
            long long s = PyLong_AsLongLongAndOverflow(value, &overflow);
            if (!overflow && s >= 0 && s < 100000000000LL) return PyLong_FromLongLong(s / 60);
        }
        return PyObject_CallOneArg(RECORD_STAMP, record);
    }
    Py_RETURN_NONE;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

enum {
    NUMBERS, MODELS, APIS_OUT, FINISHES, TIERS, DATA, TOOLS, STAMPS, THREADS, N_OUT
};

static PyObject *TRUNCATION;  /* finish reasons that mean cut by the output limit */
static PyObject *NAMERS;        /* budget.usage.cscan.naming_events */
static PyObject *NAMED_MODEL;   /* pricing.usage_envelopes.named_model */
static PyObject *NAMED_BEFORE;  /* pricing.usage_shapes.MODEL_NAMED_BEFORE */

/* pricing.usage_envelopes.named_model: a new reference (None: names none); NULL: it raised */
static PyObject *named_model(PyObject *record)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(NAMERS); i++) {
        PyObject *namer = PyTuple_GET_ITEM(NAMERS, i);
        int h = all_hold(record, PyTuple_GET_ITEM(namer, 0));
        if (h < 0) return PyObject_CallOneArg(NAMED_MODEL, record);
        if (h) {
            PyObject *value = walk(record, PyTuple_GET_ITEM(namer, 1));
            if (value == NULL || !PyUnicode_Check(value)) Py_RETURN_NONE;
            Py_INCREF(value);
            return value;
        }
    }
    Py_RETURN_NONE;
}

/* a row of budget.usage.read.FIELDS (the counts, truncated, batch, calls) as int64 */
static int append_row(PyObject *data, const long long *row)
{
    Py_ssize_t size = PyByteArray_GET_SIZE(data);
    if (PyByteArray_Resize(data, size + (Py_ssize_t)sizeof(long long) * N_FIELDS) < 0) return -1;
    memcpy(PyByteArray_AS_STRING(data) + size, row, sizeof(long long) * N_FIELDS);
    return 0;
}

/* scan(lines, last_model, slow, out) -> (last_model, events)

   lines: (number, line) pairs, a line raw JSON (bytes) or a record (dict). Each call read
   is appended to the containers of `out` (numbers, models, apis, finishes, tiers, a
   bytearray of int64 rows of FIELDS, tool uses, stamps, conversations); a line this loop
   does not read exactly as the Python reader would (not JSON, not an object, an OTLP
   document, tool uses to look for, anything the Python reader raises for) is handed to
   `slow(number, line, last_model)`, which reads it and appends to the same containers in
   order, and returns the model named last. */
static PyObject *scan(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *lines, *last_model, *slow, *out;
    if (!PyArg_ParseTuple(args, "OOOO!", &lines, &last_model, &slow, &PyTuple_Type, &out))
        return NULL;
    if (LOADS == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "budget.usage._scan: configure() first");
        return NULL;
    }
    if (PyTuple_GET_SIZE(out) != N_OUT || !PyByteArray_CheckExact(PyTuple_GET_ITEM(out, DATA))) {
        PyErr_SetString(PyExc_TypeError, "scan: out is (lists..., bytearray, lists...)");
        return NULL;
    }
    for (int i = 0; i < N_OUT; i++) {
        if (i != DATA && !PyList_CheckExact(PyTuple_GET_ITEM(out, i))) {
            PyErr_SetString(PyExc_TypeError, "scan: out holds lists");
            return NULL;
        }
    }
    PyObject *it = PyObject_GetIter(lines);
    if (it == NULL) return NULL;
    Py_INCREF(last_model);
    Py_ssize_t events = 0, seen = 0;
    PyObject *pair;
    while ((pair = PyIter_Next(it)) != NULL) {
        if ((++seen & 4095) == 0 && PyErr_CheckSignals() < 0) {  /* Ctrl-C within a block */
            Py_DECREF(pair);
            goto error;
        }
        PyObject *record = NULL, *found = NULL, *uses = NULL, *stamp = NULL, *thread = NULL;
        Found f;
        memset(&f, 0, sizeof f);
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "scan: lines are (number, line) pairs");
            Py_DECREF(pair);
            goto error;
        }
        PyObject *number = PyTuple_GET_ITEM(pair, 0), *line = PyTuple_GET_ITEM(pair, 1);
        int searched = 1;
        if (PyBytes_CheckExact(line)) {
            Py_ssize_t n = PyBytes_GET_SIZE(line);
            const char *s = PyBytes_AS_STRING(line);
            if (n == 0) goto slow;
            if (is_space(s[0])) {
                Py_ssize_t i = 0;
                while (i < n && is_space(s[i])) i++;
                if (i == n) { Py_DECREF(pair); continue; }  /* a blank line */
            }
            record = PyObject_CallOneArg(LOADS, line);
            if (record == NULL) { PyErr_Clear(); goto slow; }
            searched = 0;
        } else {
            record = line;
            Py_INCREF(record);
        }
        if (!PyDict_CheckExact(record) || dget(record, OTLP_KEY) != NULL) goto slow;
        int rc = read_record(record, &f);
        PyObject *model, *api, *finish, *tier;
        long long row[N_FIELDS];  /* counts, truncated, batch, calls */
        if (rc == 0) {  /* the Python reader reads it (an envelope, a path C does not take) */
            found = PyObject_CallOneArg(CALL_FIELDS, record);
            if (found == NULL) { PyErr_Clear(); goto slow; }
            if (found == Py_None) rc = 2;
            else if (!PyTuple_CheckExact(found) || PyTuple_GET_SIZE(found) != 7) goto slow;
        }
        uses = NO_TOOLS;
        Py_INCREF(uses);
        if (!no_tool_uses(record)) {
            /* a raw line: Python searches its text first (may_report_tools), then reads */
            if (!searched) goto slow;
            Py_SETREF(uses, PyObject_CallOneArg(TOOL_USES, record));
            if (uses == NULL) { PyErr_Clear(); goto slow; }
        }
        if (rc == 2) {  /* an event, not a call; a session's names the model of its calls */
            PyObject *named = named_model(record);
            if (named == NULL) { PyErr_Clear(); goto slow; }
            if (named != Py_None) Py_SETREF(last_model, named);
            else Py_DECREF(named);
            events++;
            goto next;
        }
        stamp = stamp_of(record);
        if (stamp == NULL) { PyErr_Clear(); goto slow; }
        if (found != NULL) {
            model = PyTuple_GET_ITEM(found, 0);
            api = PyTuple_GET_ITEM(found, 1);
            finish = PyTuple_GET_ITEM(found, 2);
            tier = PyTuple_GET_ITEM(found, 3);
            row[N_COUNTS + 1] = PyObject_IsTrue(PyTuple_GET_ITEM(found, 4));
            row[N_COUNTS + 2] = PyLong_AsLongLong(PyTuple_GET_ITEM(found, 5));
            PyObject *values = PyTuple_GET_ITEM(found, 6);
            if (!PyTuple_CheckExact(values) || PyTuple_GET_SIZE(values) != N_COUNTS) goto slow;
            for (int i = 0; i < N_COUNTS; i++)
                row[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(values, i));
            if (PyErr_Occurred() || row[N_COUNTS + 1] < 0) { PyErr_Clear(); goto slow; }
        } else {
            model = f.model ? f.model : Py_None;
            api = f.api;
            finish = f.finish ? f.finish : Py_None;
            tier = f.tier ? f.tier : Py_None;
            memcpy(row, f.counts, sizeof f.counts);
            row[N_COUNTS + 1] = f.batch;
            row[N_COUNTS + 2] = f.calls;
        }
        int cut = PySet_Contains(TRUNCATION, finish);
        if (cut < 0) { PyErr_Clear(); goto slow; }
        row[N_COUNTS] = cut;
        if (model != Py_None) {
            Py_INCREF(model);
            Py_SETREF(last_model, model);
        } else {
            int before = PySet_Contains(NAMED_BEFORE, api);
            if (before < 0) { PyErr_Clear(); goto slow; }
            if (before)  /* Anthropic's message_delta, a Realtime response.done */
                model = last_model;
        }
        if (has_any(record, CONVERSATION_KEYS)) {
            thread = PyObject_CallOneArg(CONVERSATION, record);
            if (thread == NULL) goto fail;
        } else {
            thread = Py_None;
            Py_INCREF(thread);
        }
        if (PyList_Append(PyTuple_GET_ITEM(out, NUMBERS), number) < 0
            || PyList_Append(PyTuple_GET_ITEM(out, MODELS), model) < 0
            || PyList_Append(PyTuple_GET_ITEM(out, APIS_OUT), api) < 0
            || PyList_Append(PyTuple_GET_ITEM(out, FINISHES), finish) < 0
            || PyList_Append(PyTuple_GET_ITEM(out, TIERS), tier) < 0
            || append_row(PyTuple_GET_ITEM(out, DATA), row) < 0
            || PyList_Append(PyTuple_GET_ITEM(out, TOOLS), uses) < 0
            || PyList_Append(PyTuple_GET_ITEM(out, STAMPS), stamp) < 0
            || PyList_Append(PyTuple_GET_ITEM(out, THREADS), thread) < 0)
            goto fail;
    next:
        Py_XDECREF(f.tier);
        Py_XDECREF(record);
        Py_XDECREF(found);
        Py_XDECREF(uses);
        Py_XDECREF(stamp);
        Py_XDECREF(thread);
        Py_DECREF(pair);
        continue;
    slow:
        Py_CLEAR(f.tier);
        Py_XDECREF(record);
        Py_XDECREF(found);
        Py_XDECREF(uses);
        Py_XDECREF(stamp);
        {
            PyObject *named = PyObject_CallFunctionObjArgs(slow, number, line, last_model, NULL);
            Py_DECREF(pair);
            if (named == NULL) goto error;
            Py_SETREF(last_model, named);
        }
        continue;
    fail:
        Py_XDECREF(f.tier);
        Py_XDECREF(record);
        Py_XDECREF(found);
        Py_XDECREF(uses);
        Py_XDECREF(stamp);
        Py_XDECREF(thread);
        Py_DECREF(pair);
        goto error;
    }
    if (PyErr_Occurred()) goto error;
    Py_DECREF(it);
    return Py_BuildValue("(Nn)", last_model, events);
error:
    Py_DECREF(it);
    Py_DECREF(last_model);
    return NULL;
}

static PyObject **const CONFIGURED[] = {
    &LOADS, &CALL_FIELDS, &ENVELOPE_INDEX, &RECORD_STAMP, &TOOL_USES, &CONVERSATION, &IS_TRUE,
    &NO_TOOLS, &STANDARD_TIERS, &OTLP_KEY, &TIME_KEYS, &CONVERSATION_KEYS, &TRUNCATION,
    &NAMERS, &NAMED_MODEL, &NAMED_BEFORE,
};
#define N_CONFIGURED ((Py_ssize_t)(sizeof CONFIGURED / sizeof CONFIGURED[0]))

static int valid_keys(PyObject *keys)
{
    if (!PyTuple_CheckExact(keys)) return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(keys); i++)
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(keys, i))) return 0;
    return 1;
}

static int valid_tests(PyObject *tests)
{
    if (!PyTuple_CheckExact(tests)) return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tests); i++) {
        PyObject *test = PyTuple_GET_ITEM(tests, i);
        if (!PyTuple_CheckExact(test) || PyTuple_GET_SIZE(test) != 2
            || !valid_keys(PyTuple_GET_ITEM(test, 0))
            || (PyTuple_GET_ITEM(test, 1) != Py_None
                && !PyUnicode_CheckExact(PyTuple_GET_ITEM(test, 1))))
            return 0;
    }
    return 1;
}

static int valid_namers(PyObject *namers)
{
    if (!PyTuple_CheckExact(namers)) return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(namers); i++) {
        PyObject *namer = PyTuple_GET_ITEM(namers, i);
        if (!PyTuple_CheckExact(namer) || PyTuple_GET_SIZE(namer) != 2
            || !valid_tests(PyTuple_GET_ITEM(namer, 0)) || !valid_keys(PyTuple_GET_ITEM(namer, 1)))
            return 0;
    }
    return 1;
}

/* an envelope as budget.usage.cscan.envelope_index writes it */
static int valid_spec(PyObject *spec)
{
    if (!PyTuple_CheckExact(spec) || PyTuple_GET_SIZE(spec) != 11
        || !PyBool_Check(PyTuple_GET_ITEM(spec, 10)))
        return 0;
    PyObject *failed = PyTuple_GET_ITEM(spec, 1), *tests = PyTuple_GET_ITEM(spec, 9);
    if (!PyBool_Check(PyTuple_GET_ITEM(spec, 0)) || !PyBool_Check(PyTuple_GET_ITEM(spec, 5))
        || (failed != Py_None && !valid_keys(failed))
        || !PyTuple_CheckExact(PyTuple_GET_ITEM(spec, 2))
        || !valid_keys(PyTuple_GET_ITEM(spec, 3))
        || !PyLong_CheckExact(PyTuple_GET_ITEM(spec, 4))
        || !PyLong_CheckExact(PyTuple_GET_ITEM(spec, 6))
        || !PyLong_CheckExact(PyTuple_GET_ITEM(spec, 7))
        || !PyUnicode_CheckExact(PyTuple_GET_ITEM(spec, 8)))
        return 0;
    return valid_tests(tests);
}

static int valid_specs(PyObject *specs)
{
    if (!PyTuple_CheckExact(specs)) return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(specs); i++)
        if (!valid_spec(PyTuple_GET_ITEM(specs, i))) return 0;
    return 1;
}

static int valid_index(PyObject *index)
{
    if (!PyList_CheckExact(index)) return 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(index); i++) {
        PyObject *entry = PyList_GET_ITEM(index, i);
        if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 3
            || !PyUnicode_CheckExact(PyTuple_GET_ITEM(entry, 0))
            || !PyDict_CheckExact(PyTuple_GET_ITEM(entry, 1))
            || !valid_specs(PyTuple_GET_ITEM(entry, 2)))
            return 0;
        Py_ssize_t position = 0;
        PyObject *value, *specs;
        while (PyDict_Next(PyTuple_GET_ITEM(entry, 1), &position, &value, &specs))
            if (!PyUnicode_CheckExact(value) || !valid_specs(specs)) return 0;
    }
    return 1;
}

/* configure(loads, call_fields, envelope_index, record_stamp, tool_uses, conversation,
   is_true, no_tools, standard_tiers, otlp_key, time_keys, conversation_keys, truncation,
   naming_events, named_model, model_named_before):
   the Python reader's parts this loop calls or reads (budget.usage.read.c_loop) */
static PyObject *configure(PyObject *self, PyObject *args)
{
    (void)self;
    if (!PyTuple_Check(args) || PyTuple_GET_SIZE(args) != N_CONFIGURED) {
        PyErr_Format(PyExc_TypeError, "configure takes %zd arguments", N_CONFIGURED);
        return NULL;
    }
    if (!valid_index(PyTuple_GET_ITEM(args, 2))) {
        PyErr_SetString(PyExc_TypeError, "configure: the envelope index is malformed");
        return NULL;
    }
    if (!PyFrozenSet_Check(PyTuple_GET_ITEM(args, 8))
        || !PyFrozenSet_Check(PyTuple_GET_ITEM(args, 12))
        || !valid_namers(PyTuple_GET_ITEM(args, 13))
        || !PyFrozenSet_Check(PyTuple_GET_ITEM(args, 15))
        || !PyUnicode_CheckExact(PyTuple_GET_ITEM(args, 9))
        || !valid_keys(PyTuple_GET_ITEM(args, 10)) || !valid_keys(PyTuple_GET_ITEM(args, 11))) {
        PyErr_SetString(PyExc_TypeError, "configure: tiers and reasons are frozensets, keys text");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < N_CONFIGURED; i++) {
        PyObject *value = PyTuple_GET_ITEM(args, i);
        Py_INCREF(value);
        Py_XSETREF(*CONFIGURED[i], value);
    }
    Py_RETURN_NONE;
}

/* read(record) -> the C reader's answer for one record, for tests: a tuple as
   pricing.usage.call_fields gives, None for a stream chunk, NotImplemented when it gives
   the record back to the Python reader */
static PyObject *read_one(PyObject *self, PyObject *record)
{
    (void)self;
    if (!PyDict_CheckExact(record) || LOADS == NULL) Py_RETURN_NOTIMPLEMENTED;
    Found f;
    memset(&f, 0, sizeof f);
    int rc = read_record(record, &f);
    if (rc == 0) Py_RETURN_NOTIMPLEMENTED;
    if (rc == 2) Py_RETURN_NONE;
    PyObject *counts = PyTuple_New(N_COUNTS);
    if (counts == NULL) { Py_XDECREF(f.tier); return NULL; }
    for (int i = 0; i < N_COUNTS; i++) {
        PyObject *value = PyLong_FromLongLong(f.counts[i]);
        if (value == NULL) { Py_DECREF(counts); Py_XDECREF(f.tier); return NULL; }
        PyTuple_SET_ITEM(counts, i, value);
    }
    PyObject *result = Py_BuildValue(
        "(OOOOOON)", f.model ? f.model : Py_None, f.api,
        f.finish ? f.finish : Py_None, f.tier ? f.tier : Py_None, f.batch ? Py_True : Py_False,
        f.calls == 1 ? ONE : ZERO, counts);
    Py_XDECREF(f.tier);
    return result;
}

static PyMethodDef METHODS[] = {
    {"scan", scan, METH_VARARGS, "Read a block of usage lines (see budget.usage.read)."},
    {"configure", configure, METH_VARARGS, "Give the loop the Python reader's parts."},
    {"read", read_one, METH_O, "The C reader's answer for one record (tests)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_scan", NULL, -1, METHODS, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__scan(void)
{
    for (int i = 0; i < N_KEYS; i++)
        if ((K[i] = PyUnicode_InternFromString(KEY_NAMES[i])) == NULL) return NULL;
    for (int i = 0; i < N_TEXTS; i++)
        if ((T[i] = PyUnicode_InternFromString(TEXT_VALUES[i])) == NULL) return NULL;
    for (int i = 0; i < N_APIS; i++)
        if ((APIS[i] = PyUnicode_InternFromString(API_NAMES[i])) == NULL) return NULL;
    if ((RESPONSE_KEY = PyUnicode_InternFromString("response")) == NULL) return NULL;
    if ((ONE = PyLong_FromLong(1)) == NULL) return NULL;
    if ((ZERO = PyLong_FromLong(0)) == NULL) return NULL;
    if ((TRUE_TEXT = PyUnicode_InternFromString("true")) == NULL) return NULL;
    if ((FALSE_TEXT = PyUnicode_InternFromString("false")) == NULL) return NULL;
    for (int i = 0; i < N_NO_USAGE; i++)
        if ((NO_USAGE[i] = PyUnicode_InternFromString(NO_USAGE_NAMES[i])) == NULL) return NULL;
    if ((TYPE_KEY = PyUnicode_InternFromString("type")) == NULL) return NULL;
    const char *names[] = {"body", "result", "message", "output", "server_tool_use", "candidates",
                           "groundingMetadata", "grounding_metadata", "tool_calls"};
    PyObject **keys[] = {&BODY_KEY, &RESULT_KEY, &MESSAGE_KEY, &OUTPUT_KEY, &SERVER_TOOL_KEY,
                         &CANDIDATES_KEY, &GROUNDING_KEY, &GROUNDING_SNAKE_KEY, &TOOL_CALLS_KEY};
    for (int i = 0; i < 9; i++)
        if ((*keys[i] = PyUnicode_InternFromString(names[i])) == NULL) return NULL;
    for (int i = 0; i < N_TOOL_ITEMS; i++)
        if ((TOOL_ITEMS[i] = PyUnicode_InternFromString(TOOL_ITEM_NAMES[i])) == NULL) return NULL;
    if ((OBJECT_KEY = PyUnicode_InternFromString("object")) == NULL) return NULL;
    if ((USAGE_KEY = PyUnicode_InternFromString("usage")) == NULL) return NULL;
    if ((CHUNK_OBJECT = PyUnicode_InternFromString("chat.completion.chunk")) == NULL) return NULL;
    PyObject *module = PyModule_Create(&MODULE);
    if (module == NULL) return NULL;
    if (PyModule_AddStringConstant(module, "SOURCE_DIGEST", SOURCE_DIGEST) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
"""


if __name__ == "__main__":  # python -m budget.usage.cscan: write the C source again
    SOURCE.write_text(scan_source())
