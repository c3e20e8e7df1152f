"""The values the partial evaluator computes, with JavaScript's conversions between them.

A string that took any decoding step to recover is a `DStr`, which remembers
how; a string with parts that could not be computed holds `HOLE` there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from aivet.analyze.js.literals import number_to_string, string_to_number

if TYPE_CHECKING:
    from tree_sitter import Node

    from aivet.analyze.js.index import Scope

HOLE = "\ufffc"
"""Stands for a part of a string whose value is not known statically."""


class Unknown:
    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


class Undefined:
    _instance: Undefined | None = None

    def __new__(cls) -> Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"


UNKNOWN = Unknown()
UNDEFINED = Undefined()


class DStr(str):
    """A string recovered by decoding; `methods` says how."""

    methods: frozenset[str]

    def __new__(cls, value: str, methods: frozenset[str] | set[str] | tuple[str, ...]) -> DStr:
        obj = super().__new__(cls, value)
        obj.methods = frozenset(methods)
        return obj


@dataclass(eq=False)
class JSArray:
    items: list[Value]
    tags: frozenset[str] = frozenset()


@dataclass(eq=False)
class Lazy:
    """An object property not evaluated yet."""

    node: Node
    frame: Frame | None


@dataclass(eq=False)
class JSObject:
    props: dict[str, Value | Lazy] = field(default_factory=dict)


@dataclass(eq=False)
class FunctionValue:
    node: Node
    frame: Frame | None


@dataclass(frozen=True)
class HostRef:
    """Something of the browser's (`navigator.sendBeacon`, `new XMLHttpRequest`), by path."""

    path: str


@dataclass(eq=False)
class BoundMethod:
    receiver: Value
    name: str


@dataclass(eq=False)
class Frame:
    """The arguments of one inlined function call."""

    scope: Scope
    args: dict[str, Value]
    parent: Frame | None
    depth: int
    locals: dict[int, Value] = field(default_factory=dict)


Value = Union[  # noqa: UP007 - a runtime alias, used in isinstance-free annotations only
    str,
    float,
    bool,
    None,
    Unknown,
    Undefined,
    JSArray,
    JSObject,
    FunctionValue,
    HostRef,
    BoundMethod,
]


def methods_of(*values: object) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for value in values:
        if isinstance(value, DStr):
            out |= value.methods
        elif isinstance(value, JSArray):
            out |= value.tags & DECODING_TAGS
    return out


DECODING_TAGS = frozenset(
    {"fromCharCode", "atob", "split-join", "uri-decode", "unescape", "escape", "xor", "replace"}
)


def make_str(text: str, methods: frozenset[str]) -> str:
    return DStr(text, methods) if methods else text


def is_constant(value: Value) -> bool:
    if isinstance(value, str | float | bool) or value is None:
        return True
    if isinstance(value, JSArray):
        return len(value.items) <= 100_000 and all(is_constant(v) for v in value.items)
    return isinstance(value, JSObject) and not value.props


def to_str(value: Value, depth: int = 0) -> str | Unknown:
    """`String(value)`; UNKNOWN where it cannot be known, HOLE inside arrays."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_to_string(value)
    if value is None:
        return "null"
    if isinstance(value, Undefined):
        return "undefined"
    if isinstance(value, JSArray) and depth < 4:
        parts = []
        for item in value.items:
            if item is None or isinstance(item, Undefined):
                parts.append("")
                continue
            text = to_str(item, depth + 1)
            parts.append(HOLE if isinstance(text, Unknown) else text)
        return ",".join(parts)
    if isinstance(value, JSObject):
        return "[object Object]"
    return UNKNOWN


def to_num(value: Value) -> float | Unknown:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if value is None:
        return 0.0
    if isinstance(value, Undefined):
        return math.nan
    if isinstance(value, str):
        return math.nan if HOLE in value else string_to_number(value)
    if isinstance(value, JSArray):
        text = to_str(value)
        return UNKNOWN if isinstance(text, Unknown) else to_num(text)
    if isinstance(value, JSObject | FunctionValue):
        return math.nan
    return UNKNOWN


def truthy(value: Value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return None if HOLE in value and value == HOLE else len(value) > 0
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if value is None or isinstance(value, Undefined):
        return False
    if isinstance(value, JSArray | JSObject | FunctionValue | HostRef | BoundMethod):
        return True
    return None


def type_of(value: Value) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, float):
        return "number"
    if isinstance(value, Undefined):
        return "undefined"
    if value is None or isinstance(value, JSArray | JSObject):
        return "object"
    if isinstance(value, FunctionValue | BoundMethod):
        return "function"
    return None


def strict_equals(a: Value, b: Value) -> bool | None:
    if isinstance(a, Unknown | HostRef) or isinstance(b, Unknown | HostRef):
        return None
    if isinstance(a, str) and isinstance(b, str):
        if HOLE in a or HOLE in b:
            return None
        return str(a) == str(b)
    ta, tb = type_of(a), type_of(b)
    if ta is None or tb is None:
        return None
    if ta != tb:
        return False
    if isinstance(a, float) and isinstance(b, float):
        return a == b
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    if a is None or isinstance(a, Undefined):
        return True
    return a is b


def loose_equals(a: Value, b: Value) -> bool | None:
    if (a is None or isinstance(a, Undefined)) and (b is None or isinstance(b, Undefined)):
        return True
    ta, tb = type_of(a), type_of(b)
    if ta is None or tb is None:
        return None
    if ta == tb:
        return strict_equals(a, b)
    if a is None or b is None or isinstance(a, Undefined) or isinstance(b, Undefined):
        return False
    na, nb = to_num(a), to_num(b)
    if isinstance(na, Unknown) or isinstance(nb, Unknown):
        return None
    return na == nb
