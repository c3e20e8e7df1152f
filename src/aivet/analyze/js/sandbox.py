"""Run one decoder, and only what it needs, in QuickJS with time and memory limits.

The engine (the `quickjs-ng` package) is embedded without its std/os modules:
the program sees the ECMAScript built-ins and nothing of the host: no
network, no files, no timers, no DOM. A fresh context per program, a time
limit per call (regular expressions included) and a memory limit for the
whole context bound what a hostile decoder can cost.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

import quickjs  # type: ignore[import-untyped]

# Globals a decoder may use besides its own code. `window`/`self` alias the
# sandbox's own global object so that "return this" style helpers keep working.
# Decoders must give the same answer on every run (re-analysis is part of the contract):
# Math.random and Date.now are replaced by a fixed xorshift sequence and a fixed instant.
PRELUDE = (
    "var window = globalThis, self = globalThis;\n"
    "(function () { var s = 0x2545f491;"
    " Math.random = function () { s ^= s << 13; s ^= s >>> 17; s ^= s << 5;"
    " return (s >>> 0) / 4294967296; };"
    " Date.now = function () { return 1700000000000; }; })();\n"
)


class EmptyObject:
    """`{}` handed to a decoder (packers take a dictionary to fill)."""


Constant = str | float | bool | None | EmptyObject | list["Constant"]


class SandboxError(Exception):
    """The program could not be loaded (syntax error, time or memory limit)."""

    def __init__(self, reason: str, limit: bool) -> None:
        super().__init__(reason)
        self.limit = limit


@dataclass
class SandboxStats:
    programs: int = 0
    calls: int = 0
    failures: int = 0
    seconds: float = 0.0
    limit_hits: list[str] = field(default_factory=list)


def _literal(value: Constant) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, EmptyObject):
        return "({})"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(int(value)) if value == int(value) and abs(value) < 2**53 else repr(value)
    if isinstance(value, list):
        return "[" + ",".join(_literal(v) for v in value) + "]"
    return json.dumps(value)


class Program:
    """One loaded program: the decoder, its string array and rotation, ready to be called."""

    def __init__(
        self,
        text: str,
        load_limit_s: float,
        time_limit_s: float,
        memory_limit: int,
        stats: SandboxStats,
    ):
        self.stats = stats
        self.time_limit_s = time_limit_s
        self._context = quickjs.Context()
        self._context.set_memory_limit(memory_limit)
        # Loading runs the rotation loop, which may decode hundreds of strings.
        self._context.set_time_limit(load_limit_s)
        self._context.set_max_stack_size(1 << 20)
        self.broken = False
        self._functions: dict[str, Any] = {}
        started = time.perf_counter()
        try:
            self._context.eval(PRELUDE + text)
        except Exception as exc:  # JSException, StackOverflow, MemoryError from the engine
            self.broken = True
            reason = _reason(exc)
            if _is_limit(reason):
                stats.limit_hits.append(reason)
            raise SandboxError(reason, _is_limit(reason)) from None
        finally:
            stats.programs += 1
            stats.seconds += time.perf_counter() - started
        self._context.set_time_limit(time_limit_s)

    def call(self, name: str, args: list[Constant]) -> str | float | bool | None:
        """`name(...args)`; None when the call throws or returns something else."""
        if self.broken:
            return None
        started = time.perf_counter()
        self.stats.calls += 1
        try:
            if all(isinstance(a, str | bool | float) or a is None for a in args):
                # Calling the function object directly skips compiling a source string.
                function = self._functions.get(name)
                if function is None:
                    function = self._context.get(name)
                    self._functions[name] = function
                result = function(*(_plain(a) for a in args))
            else:
                result = self._context.eval(f"({name})({','.join(_literal(a) for a in args)})")
        except Exception as exc:
            self.stats.failures += 1
            reason = _reason(exc)
            if _is_limit(reason):
                # A limit hit can leave the context unusable: stop using it.
                self.broken = True
                self.stats.limit_hits.append(reason)
            return None
        finally:
            self.stats.seconds += time.perf_counter() - started
        if isinstance(result, str | bool) or result is None:
            return result
        if isinstance(result, int | float):
            return float(result)
        return None


def _plain(value: Constant) -> object:
    if isinstance(value, float) and value == int(value) and abs(value) < 2**53:
        return int(value)
    return value


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _is_limit(reason: str) -> bool:
    return "interrupted" in reason or "out of memory" in reason or "stack size" in reason
