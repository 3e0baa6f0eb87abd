"""Frozen records: the value types a price query builds (a model, its prices, a usage, a
cost), declared as dataclasses are and behaving as frozen ones do, without ``dataclasses``.

A dataclass is made by writing and compiling code for each class (about a millisecond a
class on Python 3.11) and importing ``dataclasses`` loads ``inspect`` (several more): that
alone was a quarter of a price query's start-up, which must stay within 2.5x of a bare
``python -c pass`` (DESIGN.md). A :class:`Record` subclass declares its fields as annotated
class attributes, defaults after them, in order; it is then built by position or keyword,
frozen, equal and hashed by its field values (when they are hashable), and shown by them;
``replace(**changes)`` is ``dataclasses.replace``, ``as_dict()`` the fields by name. A dict
default is copied for each record (a dataclass's ``default_factory=dict``); fields named in
``hidden=`` are left out of the repr (``field(repr=False)``).

Code that takes them for dataclasses still works: ``dataclasses.replace``, ``fields``,
``asdict`` and ``is_dataclass`` read a record's fields through ``__dataclass_fields__``, which
a record builds (from a dataclass of the same fields) when first asked for, importing
``dataclasses`` then and only then.
"""

from __future__ import annotations

import functools

_NO_DEFAULT = object()


class _DataclassFields:
    """``__dataclass_fields__`` of a record's class, made when first read."""

    def __get__(self, record: object, cls: type[Record]) -> dict:
        return _dataclass_fields(cls)


@functools.cache
def _dataclass_fields(cls: type[Record]) -> dict:
    import dataclasses

    def field(name: str) -> tuple:
        default = cls._defaults.get(name, _NO_DEFAULT)
        shown = name in cls._shown
        if default is _NO_DEFAULT:
            return name, object, dataclasses.field(repr=shown)
        if type(default) is dict:
            made = functools.partial(dict, default)
            return name, object, dataclasses.field(default_factory=made, repr=shown)
        return name, object, dataclasses.field(default=default, repr=shown)

    twin = dataclasses.make_dataclass(cls.__name__, [field(n) for n in cls._fields], frozen=True)
    return twin.__dataclass_fields__


class Record:
    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _defaults: dict[str, object] = {}
    _shown: tuple[str, ...] = ()
    _checked = False  # whether the class has a __post_init__ to run
    __dataclass_fields__ = _DataclassFields()

    def __init_subclass__(cls, hidden: tuple[str, ...] = (), **options) -> None:
        super().__init_subclass__(**options)
        own = [name for name in cls.__dict__.get("__annotations__", {}) if name[0] != "_"]
        cls._fields = (*cls._fields, *own)
        cls._defaults = {
            **cls._defaults,
            **{name: cls.__dict__[name] for name in own if name in cls.__dict__},
        }
        cls._shown = tuple(name for name in cls._fields if name not in hidden)
        cls._checked = cls.__post_init__ is not Record.__post_init__

    def __init__(self, *values, **named) -> None:
        fields = self._fields
        if named or len(values) != len(fields):
            values = self._in_order(values, named)
        self.__dict__.update(zip(fields, values, strict=True))
        if self._checked:
            self.__post_init__()

    @classmethod
    def _in_order(cls, values: tuple, named: dict) -> tuple:
        """Every field's value in order: given by position, by name, or by default."""
        fields = cls._fields
        if len(values) > len(fields):
            raise TypeError(f"{cls.__name__}() takes {len(fields)} fields")
        state = dict(zip(fields, values, strict=False))
        for name, value in named.items():
            if name not in fields or name in state:
                raise TypeError(f"{cls.__name__}() got a wrong or repeated field {name!r}")
            state[name] = value
        for name in fields:
            if name not in state:
                default = cls._defaults.get(name, _NO_DEFAULT)
                if default is _NO_DEFAULT:
                    raise TypeError(f"{cls.__name__}() missing field {name!r}")
                state[name] = dict(default) if type(default) is dict else default
        return tuple([state[name] for name in fields])

    def __post_init__(self) -> None:
        """Checks of a new record; a subclass that defines them raises on a bad value."""

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a {type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a {type(self).__name__} is frozen")

    def _values(self) -> tuple:
        state = self.__dict__
        return tuple([state[name] for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={self.__dict__[name]!r}" for name in self._shown)
        return f"{type(self).__qualname__}({shown})"

    def replace(self, **changes):
        """A copy with ``changes`` to some fields (as ``dataclasses.replace``)."""
        state = self.as_dict()
        for name in changes:
            if name not in state:
                raise TypeError(f"{type(self).__name__} has no field {name!r}")
        state.update(changes)
        return type(self)(*state.values())

    def as_dict(self) -> dict:
        """The fields by name, in order (values as they are, not copied)."""
        return {name: self.__dict__[name] for name in self._fields}

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return cls._fields
