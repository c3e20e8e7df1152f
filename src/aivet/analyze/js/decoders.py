"""Find what a decoder function needs, by structure, and run just that in the sandbox.

A call with constant arguments to a function the evaluator cannot fold (it
loops, it keeps state) is run in QuickJS when the function looks like a
decoder. Its program is the function plus the closure of what it refers to:
other functions, constant data, and, for a string array (an array literal of
strings that some function returns or holds), every immediately-invoked
function that is handed that array, which is how javascript-obfuscator and
its relatives rotate it. Nothing else of the script goes in, and no name in
the closure may reach the browser (`document`, `navigator`, parameters bound
at run time): such a function is not a pure decoder and is not run.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from tree_sitter import Node, Query, QueryCursor

from aivet.analyze.js import syntax as k
from aivet.analyze.js.index import Index, Scope
from aivet.analyze.js.literals import decode_string_body
from aivet.analyze.js.sandbox import Constant, Program, SandboxError, SandboxStats

SANDBOX_GLOBALS = frozenset(
    {
        "String", "Math", "parseInt", "parseFloat", "Number", "Array", "Object", "JSON",
        "RegExp", "Boolean", "Error", "TypeError", "RangeError", "SyntaxError",
        "decodeURIComponent", "encodeURIComponent", "decodeURI", "encodeURI", "escape",
        "unescape", "atob", "btoa", "isNaN", "isFinite", "undefined", "NaN", "Infinity",
        "window", "self", "globalThis", "Function", "Symbol", "Uint8Array", "Uint16Array",
        "Int32Array", "Uint32Array", "ArrayBuffer", "Map", "Set", "arguments",
    }
)  # fmt: skip

_IDENTIFIERS = Query(k.LANGUAGE, "[(identifier) (shorthand_property_identifier)] @id")
_IIFE_WITH_IDENTIFIER_ARG = Query(
    k.LANGUAGE,
    """
    (call_expression
      function: [(function_expression) (arrow_function)
                 (parenthesized_expression [(function_expression) (arrow_function)])]
      arguments: (arguments (identifier) @arg)) @call
    """,
)
_STRING_ARRAY = re.compile(
    rb"\[\s*(?:'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")"
    rb"(?:\s*,\s*(?:'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")){2,}"
)
_STRING_LITERAL = re.compile(rb"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_DECODING_SIGNS = re.compile(
    rb"fromCharCode|charCodeAt|atob|decodeURI|unescape|\^|charAt|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}"
)
_XOR = re.compile(r"[\w)\]]\s*\^=?\s*[\w(\[]")
BASE64_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/="


@dataclass(eq=False)
class Closure:
    target: Node
    call_name: str
    texts: list[tuple[int, str]]
    """(source offset, program text) of every piece, put in source order."""
    key: frozenset[tuple[int, int]]
    provider: Node | None
    array_size: int
    encoding: str
    method: str


@dataclass
class DecoderUse:
    """What the report says about one decoder function."""

    name: str
    method: str
    encoding: str
    node: Node
    array_size: int
    calls: int = 0
    decoded: int = 0


@dataclass
class DecoderRunner:
    index: Index
    load_limit_s: float
    time_limit_s: float
    memory_limit: int
    total_seconds: float
    max_calls: int
    max_program_bytes: int
    stats: SandboxStats = field(default_factory=SandboxStats)
    uses: dict[tuple[int, int], DecoderUse] = field(default_factory=dict)
    limit_reason: str | None = None
    _closures: dict[tuple[int, int], Closure | None] = field(default_factory=dict)
    _programs: dict[frozenset[tuple[int, int]], Program | None] = field(default_factory=dict)
    _results: dict[tuple[object, ...], str | float | bool | None] = field(default_factory=dict)
    _free: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)

    # --- running ----------------------------------------------------------------

    def call(self, function: Node, args: list[Constant]) -> tuple[str | float | bool | None, str]:
        """Run `function(*args)` in the sandbox; (result, method) or (None, "") when it can't."""
        if not args:
            return None, ""  # a decoder decodes something; a call without arguments is not one
        closure = self.closure(function)
        if closure is None:
            return None, ""
        cache_key = (closure.key, closure.call_name, repr(args))
        if cache_key in self._results:
            return self._results[cache_key], closure.method
        if self.stats.calls >= self.max_calls:
            self.limit_reason = f"sandbox call limit ({self.max_calls}) reached"
            return None, ""
        if self.stats.seconds >= self.total_seconds:
            self.limit_reason = f"sandbox time budget ({self.total_seconds:g} s) spent"
            return None, ""
        program = self._program(closure)
        if program is None:
            return None, ""
        result = program.call(closure.call_name, args)
        if program.broken and self.limit_reason is None and self.stats.limit_hits:
            self.limit_reason = f"a decoder hit a sandbox limit: {self.stats.limit_hits[-1]}"
        self._results[cache_key] = result
        use = self.uses.get(_key(closure.target))
        if use is None:
            use = DecoderUse(
                "(anonymous)" if closure.call_name.startswith("__aivet_") else closure.call_name,
                closure.method,
                closure.encoding,
                closure.target,
                closure.array_size,
            )
            self.uses[_key(closure.target)] = use
        use.calls += 1
        if isinstance(result, str):
            use.decoded += 1
        return result, closure.method

    def _program(self, closure: Closure) -> Program | None:
        if closure.key in self._programs:
            return self._programs[closure.key]
        text = "\n".join(t for _, t in sorted(closure.texts))
        program: Program | None
        try:
            program = Program(
                text, self.load_limit_s, self.time_limit_s, self.memory_limit, self.stats
            )
        except SandboxError as exc:
            program = None
            if exc.limit:
                self.limit_reason = self.limit_reason or f"a decoder hit a sandbox limit: {exc}"
        self._programs[closure.key] = program
        return program

    # --- what goes in -----------------------------------------------------------

    def closure(self, function: Node) -> Closure | None:
        key = _key(function)
        if key in self._closures:
            return self._closures[key]
        started = time.perf_counter()
        closure = self._build_closure(function)
        self.stats.seconds += time.perf_counter() - started
        self._closures[key] = closure
        return closure

    def _build_closure(self, function: Node) -> Closure | None:
        index = self.index
        call_name, target_text, target_node = self._target(function)
        if len(target_text) > self.max_program_bytes:
            return None
        pieces: dict[tuple[int, int], tuple[int, str]] = {
            _key(target_node): (target_node.start_byte, target_text)
        }
        provider: Node | None = None
        todo: list[Node] = [function]
        size = len(target_text)
        while todo:
            node = todo.pop()
            outer = self._outer_scope(node)
            for name in sorted(self._free_names(node)):
                bindings = index.resolve(name, outer)
                if bindings is None:
                    if name in SANDBOX_GLOBALS:
                        continue
                    return None
                binding = bindings[-1]
                if binding.kind == "function" and binding.value is not None:
                    piece_node = binding.value
                    text = index.text(piece_node)
                    if piece_node.kind_id not in k.FUNCTION_DECLARATIONS:
                        return None  # a named function expression: only visible inside itself
                elif binding.kind == "var" and binding.value is not None and binding.declaration:
                    reassigned = bool(index.assignments_of(binding))
                    if reassigned and binding.value.kind_id not in k.FUNCTIONS:
                        return None
                    piece_node = binding.declaration
                    text = "var " + index.text(piece_node) + ";"
                else:
                    return None
                piece_key = _key(piece_node)
                if piece_key in pieces:
                    continue
                size += len(text)
                if size > self.max_program_bytes or len(pieces) > 64:
                    return None
                pieces[piece_key] = (piece_node.start_byte, text)
                todo.append(piece_node)
                if _STRING_ARRAY.search(text.encode("utf-8", "surrogatepass")):
                    provider = provider or piece_node
                    for call in self._rotations(name, bindings[0].scope):
                        call_key = _key(call)
                        if call_key not in pieces:
                            pieces[call_key] = (call.start_byte, "(" + index.text(call) + ");")
                            size += call.end_byte - call.start_byte
                            todo.append(call)
        own = index.raw(function)
        if provider is None and not _DECODING_SIGNS.search(own):
            return None
        if provider is not None and not self._reads(function, provider):
            # It calls the decoder but is not one (the page's own code, a self-defending
            # guard): wrappers are inlined by the evaluator, the rest is not run.
            return None
        unescaped = decode_string_body(own.decode("utf-8", "replace"))
        has_alphabet = BASE64_ALPHABET in unescaped
        has_xor = _XOR.search(unescaped) is not None
        if provider is not None:
            encoding = "rc4" if has_alphabet and has_xor else "base64" if has_alphabet else "none"
            method = f"string-array-{encoding}" if encoding != "none" else "string-array"
            array_size = 0
            provider_raw = index.raw(provider)
            match = _STRING_ARRAY.search(provider_raw)
            if match is not None:
                end = provider_raw.find(b"]", match.end())
                array_size = len(_STRING_LITERAL.findall(provider_raw[match.start() : end]))
        else:
            encoding = "xor" if has_xor and "fromCharCode" in unescaped else "custom"
            method = "xor" if encoding == "xor" else "sandbox"
            array_size = 0
        return Closure(
            target=function,
            call_name=call_name,
            texts=list(pieces.values()),
            key=frozenset(pieces),
            provider=provider,
            array_size=array_size,
            encoding=encoding,
            method=method,
        )

    def _reads(self, function: Node, provider: Node) -> bool:
        """Whether the function names the string array's provider itself."""
        index = self.index
        if provider.kind_id in k.FUNCTION_DECLARATIONS:
            name_node = provider.child_by_field_name("name")
        else:
            name_node = provider.child_by_field_name("name")
        if name_node is None:
            return False
        return index.text(name_node) in self._free_names(function)

    def _target(self, function: Node) -> tuple[str, str, Node]:
        """How the program names the function, the text that defines it, and its node."""
        index = self.index
        text = index.text(function)
        if function.kind_id in k.FUNCTION_DECLARATIONS:
            name = function.child_by_field_name("name")
            if name is not None:
                return index.text(name), text, function
        parent = function.parent
        if parent is not None and parent.kind_id in k.VARIABLE_DECLARATOR:
            name = parent.child_by_field_name("name")
            if name is not None and name.kind_id in k.IDENTIFIER:
                return index.text(name), "var " + index.text(parent) + ";", parent
        label = f"__aivet_decoder_{function.start_byte}"
        return label, f"var {label} = ({text});", function

    def _outer_scope(self, node: Node) -> Scope:
        scope = self.index.scope_at(node.start_byte)
        while scope.node is not None and scope.start >= node.start_byte and scope.parent:
            scope = scope.parent
        return scope

    def _free_names(self, node: Node) -> frozenset[str]:
        key = _key(node)
        cached = self._free.get(key)
        if cached is not None:
            return cached
        index = self.index
        used = set()
        for nodes in QueryCursor(_IDENTIFIERS).captures(node).values():
            for ident in nodes:
                used.add(index.text(ident))
        declared: set[str] = set()
        index.materialize_all()
        for scope in index.scopes:
            if (
                scope.node is not None
                and node.start_byte <= scope.start
                and scope.end <= node.end_byte
            ):
                declared.update(scope.bindings)
        if node.kind_id in k.VARIABLE_DECLARATOR:
            name = node.child_by_field_name("name")
            if name is not None:
                declared.add(index.text(name))
        free = frozenset(used - declared)
        self._free[key] = free
        return free

    def _rotations(self, name: str, scope: Scope) -> list[Node]:
        """Immediately-invoked functions handed the string array: its rotation (or shuffle)."""
        index = self.index
        cursor = QueryCursor(_IIFE_WITH_IDENTIFIER_ARG)
        if scope.node is not None:
            cursor.set_byte_range(scope.start, scope.end)
        found = []
        for _, captures in cursor.matches(index.root):
            calls = captures.get("call", [])
            args = captures.get("arg", [])
            if not calls or not any(index.text(a) == name for a in args):
                continue
            call = calls[0]
            bindings = index.resolve(name, index.scope_at(call.start_byte))
            if bindings and bindings[0].scope is scope:
                found.append(call)
        return found[:4]


def _key(node: Node) -> tuple[int, int]:
    return (node.start_byte, node.end_byte)
