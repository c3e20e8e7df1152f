"""A partial evaluator for JavaScript expressions: constant folding across variables and calls.

It computes what can be known without running the page: literals, operators,
variables bound once, object and array literals (also those filled one key at
a time), string and array methods, decoding built-ins (`fromCharCode`,
`atob`, `decodeURIComponent`, ...), and calls to small functions, inlined
with their arguments, which is how obfuscators' wrapper functions and
control-flow "storage" objects are seen through. Functions that loop or keep
state are handed to `DecoderRunner`, which runs them in the sandbox when
they look like decoders. Calls that reach the browser (`fetch`,
`navigator.sendBeacon`, `new WebSocket`, ...) are recorded, not performed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from tree_sitter import Node

from aivet.analyze.js import syntax as k
from aivet.analyze.js.decoders import DecoderRunner
from aivet.analyze.js.index import Binding, Index, Scope, function_params
from aivet.analyze.js.literals import (
    atob,
    btoa,
    decode_string_body,
    decode_uri_component,
    escape,
    has_hiding_escapes,
    parse_int,
    parse_number,
    to_int32,
    to_uint32,
    unescape,
)
from aivet.analyze.js.sandbox import Constant, EmptyObject
from aivet.analyze.js.values import (
    HOLE,
    UNDEFINED,
    UNKNOWN,
    BoundMethod,
    DStr,
    Frame,
    FunctionValue,
    HostRef,
    JSArray,
    JSObject,
    Lazy,
    Undefined,
    Unknown,
    Value,
    is_constant,
    loose_equals,
    make_str,
    methods_of,
    strict_equals,
    to_num,
    to_str,
    truthy,
    type_of,
)

MAX_STRING = 1 << 20
MAX_DEPTH = 100
MAX_INLINE_DEPTH = 24
_GLOBAL_PREFIXES = ("window.", "self.", "globalThis.", "top.", "parent.", "frames.")
_HTTP_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"})
_REGEX_PLAIN = re.compile(r"^(?:[^\\^$.|?*+()\[\]{}]|\\[^a-zA-Z0-9])+$")


class EvalBudgetExceeded(Exception):
    """The evaluation step budget is spent; results so far stay valid."""


@dataclass
class SinkEvent:
    sink: str
    value: Value
    site: Node


@dataclass
class PayloadEvent:
    kind: str
    value: Value
    site: Node


@dataclass
class CallRecord:
    """A call to a function that was not inlined, for sink summaries."""

    function: tuple[int, int]
    args: list[Value]
    site: Node
    call: Node | None
    """The call itself when it stands in the code as written (not reached by inlining)."""


@dataclass(eq=False)
class Summary:
    """How a function's calls reach a network API: `expression` evaluated in its frame.

    `expression` is the sink's URL argument, or, with `inner`, a call of another
    summarized function whose arguments are evaluated here and passed on.
    """

    function: Node
    scope: Scope
    params: list[str]
    sink: str
    expression: Node
    inner: Summary | None


@dataclass
class MethodCall:
    name: str
    args: list[Value]
    site: Node


def normalize_host_path(path: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _GLOBAL_PREFIXES:
            if path.startswith(prefix):
                path = path[len(prefix) :]
                changed = True
    return path


class Evaluator:
    def __init__(
        self,
        index: Index,
        decoders: DecoderRunner,
        max_steps: int,
        watched_methods: frozenset[str],
    ) -> None:
        self.index = index
        self.decoders = decoders
        self.max_steps = max_steps
        self.steps = 0
        self.watched_methods = watched_methods
        self.sinks: list[SinkEvent] = []
        self.payloads: list[PayloadEvent] = []
        self.method_calls: list[MethodCall] = []
        self._memo: dict[tuple[int, int, int], Value] = {}
        self._active: set[tuple[int, int, int]] = set()
        self._bindings: dict[int, Value] = {}
        self._active_bindings: set[int] = set()
        self._functions: dict[tuple[int, int], tuple[list[str] | None, Node | None]] = {}
        self._depth = 0
        self._live_assignments: dict[int, bool] = {}
        self._arg_nodes: list[Node] | None = None
        self.summaries: dict[tuple[int, int], Summary] = {}
        self.calls_to: list[CallRecord] = []
        self._conditions: dict[tuple[int, int], bool | None] = {}
        self.site: Node | None = None

    # --- entry points -----------------------------------------------------------------

    def evaluate(self, node: Node) -> Value:
        """The value of `node` where it stands (top level of the analysis), memoized."""
        previous = self.site
        self.site = node if previous is None else previous
        try:
            return self.eval(node, None)
        except RecursionError:
            # Deeply nested inlining: this expression stays unknown, the rest goes on.
            return UNKNOWN
        finally:
            self.site = previous

    # --- core --------------------------------------------------------------------------

    def eval(self, node: Node, frame: Frame | None) -> Value:
        self.steps += 1
        if self.steps > self.max_steps:
            raise EvalBudgetExceeded
        kid = node.kind_id
        # Cheap leaves first, without memo.
        if kid in k.STRING:
            return self._string(node)
        if kid in k.NUMBER:
            number = parse_number(self.index.text(node))
            return UNKNOWN if number is None else number
        if kid in k.IDENTIFIER:
            return self._identifier(node, frame)
        if kid in k.TRUE:
            return True
        if kid in k.FALSE:
            return False
        if kid in k.NULL:
            return None
        if kid in k.UNDEFINED:
            return UNDEFINED
        if self._depth > MAX_DEPTH:
            return UNKNOWN
        key = (node.start_byte, node.end_byte, kid)
        if frame is None:
            cached = self._memo.get(key)
            if cached is not None or key in self._memo:
                return cached
            if key in self._active:
                return UNKNOWN
            self._active.add(key)
        self._depth += 1
        try:
            value = self._dispatch(node, kid, frame)
        finally:
            self._depth -= 1
            if frame is None:
                self._active.discard(key)
        if frame is None:
            self._memo[key] = value
        return value

    def _dispatch(self, node: Node, kid: int, frame: Frame | None) -> Value:
        if kid in k.PARENTHESIZED or kid in k.SEQUENCE:
            last = _last_named(node)
            return UNKNOWN if last is None else self.eval(last, frame)
        if kid in k.BINARY:
            return self._binary(node, frame)
        if kid in k.CALL:
            return self._call(node, frame)
        if kid in k.SUBSCRIPT or kid in k.MEMBER:
            obj_node = node.child_by_field_name("object")
            if obj_node is None:
                return UNKNOWN
            key = self._member_key(node, frame)
            return self.get(self.eval(obj_node, frame), key)
        if kid in k.UNARY:
            return self._unary(node, frame)
        if kid in k.TEMPLATE:
            return self._template(node, frame)
        if kid in k.ARRAY:
            items: list[Value] = []
            for child in node.named_children:
                if child.kind_id in k.COMMENT:
                    continue
                if child.kind_id in k.SPREAD or len(items) > 100_000:
                    return UNKNOWN
                items.append(self.eval(child, frame))
            return JSArray(items)
        if kid in k.OBJECT:
            return self._object(node, frame, None)
        if kid in k.FUNCTIONS:
            return FunctionValue(node, frame)
        if kid in k.TERNARY:
            cond = node.child_by_field_name("condition")
            branch = truthy(self.eval(cond, frame)) if cond is not None else None
            if branch is None:
                return UNKNOWN
            chosen = node.child_by_field_name("consequence" if branch else "alternative")
            return UNKNOWN if chosen is None else self.eval(chosen, frame)
        if kid in k.NEW:
            return self._new(node, frame)
        if kid in k.REGEX:
            return HostRef(self.index.text(node))
        if kid in k.ASSIGNMENT:
            return self._assignment(node, frame)
        return UNKNOWN

    # --- leaves ------------------------------------------------------------------------

    def _string(self, node: Node) -> Value:
        raw = self.index.text(node)
        body = raw[1:-1] if len(raw) >= 2 else ""
        value = decode_string_body(body)
        if has_hiding_escapes(body):
            return DStr(value, {"escape"})
        return value

    def _template(self, node: Node, frame: Frame | None) -> Value:
        parts: list[str] = []
        methods: frozenset[str] = frozenset()
        text = self.index.source
        pos = node.start_byte + 1
        end = node.end_byte - 1
        for child in node.named_children:
            if child.kind_id in k.TEMPLATE_SUBSTITUTION:
                parts.append(
                    decode_string_body(text[pos : child.start_byte].decode("utf-8", "replace"))
                )
                inner = _last_named(child)
                value = self.eval(inner, frame) if inner is not None else UNKNOWN
                as_text = to_str(value)
                parts.append(HOLE if isinstance(as_text, Unknown) else as_text)
                methods |= methods_of(value)
                pos = child.end_byte
        parts.append(decode_string_body(text[pos:end].decode("utf-8", "replace")))
        return make_str("".join(parts), methods)

    def _identifier(self, node: Node, frame: Frame | None) -> Value:
        index = self.index
        name = index.text(node)
        scope = index.scope_at(node.start_byte)
        bindings = index.resolve(name, scope)
        if bindings is None:
            if name == "undefined":
                return UNDEFINED
            if name == "NaN":
                return math.nan
            if name == "Infinity":
                return math.inf
            return HostRef(name)
        home = bindings[0].scope
        active = frame
        while active is not None and active.scope is not home:
            active = active.parent
        if active is not None:
            return self._from_frame(name, bindings, active)
        return self._static(name, bindings)

    def _from_frame(self, name: str, bindings: list[Binding], frame: Frame) -> Value:
        chosen: Binding | None = None
        for binding in bindings:
            if (binding.kind == "var" and binding.value is not None) or binding.kind == "function":
                chosen = binding
        if chosen is None:
            params = [b for b in bindings if b.kind == "param"]
            if params and not any(self._changes(b) for b in params):
                return frame.args.get(name, UNDEFINED)
            return UNKNOWN
        if chosen.kind == "function" and chosen.value is not None:
            return FunctionValue(chosen.value, frame)
        if chosen.value is None or self._changes(chosen):
            return UNKNOWN
        cached = frame.locals.get(id(chosen))
        if cached is not None:
            return cached
        frame.locals[id(chosen)] = UNKNOWN  # a cycle reads as unknown
        value = self._bound_value(chosen, frame)
        frame.locals[id(chosen)] = value
        return value

    def _static(self, name: str, bindings: list[Binding]) -> Value:
        functions = [b for b in bindings if b.kind == "function" and b.value is not None]
        if functions:
            node = functions[-1].value
            assert node is not None
            return FunctionValue(node, None)
        if any(b.kind == "param" for b in bindings):
            if any(self._changes(b) for b in bindings):
                return UNKNOWN
            return self._iife_argument(name, bindings[0])
        values = [b for b in bindings if b.kind == "var"]
        if not values or any(self._changes(b) for b in values):
            return UNKNOWN
        with_init = [b for b in values if b.value is not None]
        if not with_init:
            return UNDEFINED
        result: Value = UNKNOWN
        for i, binding in enumerate(with_init):
            value = self._static_binding(binding)
            if i == 0:
                result = value
            elif strict_equals(result, value) is not True:
                return UNKNOWN
        return result

    def _changes(self, binding: Binding) -> bool:
        """Whether the binding is assigned anywhere outside provably dead branches."""
        if not self.index.assignments_of(binding):
            return False
        key = id(binding)
        known = self._live_assignments.get(key)
        if known is not None:
            return known
        self._live_assignments[key] = False  # optimistic while the question is open
        live = any(not self._dead(node) for node in binding.assignments[:64])
        self._live_assignments[key] = live
        return live

    def _dead(self, node: Node) -> bool:
        """Inside the branch of an `if` or `?:` whose condition is a known constant the other way.

        Obfuscators inject dead code behind conditions like `x["ab"]("foo", "bar")`
        (a wrapped `===` of two different strings); assignments there change nothing.
        """
        current = node
        for _ in range(80):
            parent = current.parent
            if parent is None:
                return False
            pk = parent.kind_id
            if pk in k.IF or pk in k.TERNARY:
                verdict = self._condition(parent)
                if verdict is not None:
                    taken = parent.child_by_field_name("consequence" if verdict else "alternative")
                    other = parent.child_by_field_name("alternative" if verdict else "consequence")
                    in_other = (
                        other is not None and other.start_byte <= node.start_byte < other.end_byte
                    )
                    in_taken = (
                        taken is not None and taken.start_byte <= node.start_byte < taken.end_byte
                    )
                    if in_other and not in_taken:
                        return True
            current = parent
        return False

    def _condition(self, node: Node) -> bool | None:
        key = (node.start_byte, node.end_byte)
        if key in self._conditions:
            return self._conditions[key]
        self._conditions[key] = None
        condition = node.child_by_field_name("condition")
        verdict = truthy(self.evaluate(condition)) if condition is not None else None
        self._conditions[key] = verdict
        return verdict

    def _static_binding(self, binding: Binding) -> Value:
        key = id(binding)
        if key in self._bindings:
            return self._bindings[key]
        if key in self._active_bindings:
            return UNKNOWN
        self._active_bindings.add(key)
        try:
            value = self._bound_value(binding, None)
        finally:
            self._active_bindings.discard(key)
        self._bindings[key] = value
        return value

    def _bound_value(self, binding: Binding, frame: Frame | None) -> Value:
        node = binding.value
        assert node is not None
        if node.kind_id in k.OBJECT:
            writes = binding if frame is None else None
            return self._object(node, frame, writes)
        return self.eval(node, frame)

    def _iife_argument(self, name: str, binding: Binding) -> Value:
        """A parameter of a function called right where it is defined takes that argument."""
        function = binding.scope.node
        if function is None or function.kind_id in k.FUNCTION_DECLARATIONS:
            return UNKNOWN
        params = self._function_shape(function)[0]
        if params is None or name not in params:
            return UNKNOWN
        outer = function.parent
        while outer is not None and outer.kind_id in k.PARENTHESIZED:
            outer = outer.parent
        if outer is None or outer.kind_id not in k.CALL:
            return UNKNOWN
        callee = outer.child_by_field_name("function")
        while callee is not None and callee.kind_id in k.PARENTHESIZED:
            callee = _last_named(callee)
        if callee is None or callee.start_byte != function.start_byte:
            return UNKNOWN
        args = outer.child_by_field_name("arguments")
        if args is None:
            return UNKNOWN
        arg_nodes = [a for a in args.named_children if a.kind_id not in k.COMMENT]
        position = params.index(name)
        if position >= len(arg_nodes):
            return UNDEFINED
        return self.eval(arg_nodes[position], None)

    def _object(self, node: Node, frame: Frame | None, owner: Binding | None) -> Value:
        obj = JSObject()
        index = self.index
        for child in node.named_children:
            ck = child.kind_id
            if ck in k.PAIR:
                key_node = child.child_by_field_name("key")
                value_node = child.child_by_field_name("value")
                if key_node is None or value_node is None:
                    continue
                key = self._property_name(key_node, frame)
                if key is None:
                    continue
                obj.props[key] = Lazy(value_node, frame)
            elif ck in k.METHOD_DEFINITION:
                key_node = child.child_by_field_name("name")
                if key_node is not None:
                    key = self._property_name(key_node, frame)
                    if key is not None:
                        obj.props[key] = FunctionValue(child, frame)
            elif ck in k.SHORTHAND_PROPERTY:
                obj.props[index.text(child)] = Lazy(child, frame)
        if owner is not None:
            self._apply_writes(obj, owner)
        return obj

    def _apply_writes(self, obj: JSObject, owner: Binding) -> None:
        index = self.index
        for write in index.writes_to(owner.name):
            if not owner.scope.encloses(write.scope):
                continue
            bindings = index.resolve(owner.name, write.scope)
            if not bindings or owner not in bindings:
                continue
            if write.computed:
                key_value = self.eval(write.key, None)
                key = _property_key(key_value)
            else:
                key = index.text(write.key)
            if key is not None:
                obj.props[key] = Lazy(write.value, None)

    def _property_name(self, key_node: Node, frame: Frame | None) -> str | None:
        kid = key_node.kind_id
        if kid in k.PROPERTY_IDENTIFIER or kid in k.IDENTIFIER:
            return self.index.text(key_node)
        if kid in k.STRING:
            value = self._string(key_node)
            return str(value) if isinstance(value, str) else None
        if kid in k.NUMBER:
            number = parse_number(self.index.text(key_node))
            return None if number is None else _property_key(number)
        if kid in k.COMPUTED_PROPERTY_NAME:
            inner = _last_named(key_node)
            return None if inner is None else _property_key(self.eval(inner, frame))
        return None

    def _member_key(self, node: Node, frame: Frame | None) -> Value:
        if node.kind_id in k.MEMBER:
            prop = node.child_by_field_name("property")
            return UNKNOWN if prop is None else self.index.text(prop)
        index_node = node.child_by_field_name("index")
        return UNKNOWN if index_node is None else self.eval(index_node, frame)

    # --- operators ---------------------------------------------------------------------

    def _binary(self, node: Node, frame: Frame | None) -> Value:
        op_node = node.child_by_field_name("operator")
        op = op_node.type if op_node is not None else ""
        if op == "+":
            # Long concatenations nest deeply on the left: fold them iteratively.
            operands: list[Node] = []
            current: Node | None = node
            while current is not None and current.kind_id in k.BINARY:
                cop = current.child_by_field_name("operator")
                if cop is None or cop.type != "+":
                    break
                operand = current.child_by_field_name("right")
                if operand is None:
                    return UNKNOWN
                operands.append(operand)
                current = current.child_by_field_name("left")
            if current is None:
                return UNKNOWN
            operands.append(current)
            operands.reverse()
            acc = self.eval(operands[0], frame)
            index = 1
            while index < len(operands) and not isinstance(acc, str):
                acc = add(acc, self.eval(operands[index], frame))
                index += 1
            if index >= len(operands):
                return acc
            # Once the result is a string, the rest only appends: collect, then join once.
            parts = [str(acc)]
            methods = methods_of(acc)
            size = len(parts[0])
            for operand in operands[index:]:
                value = self.eval(operand, frame)
                text = to_str(value)
                piece = HOLE if isinstance(text, Unknown) else text
                size += len(piece)
                if size > MAX_STRING:
                    return UNKNOWN
                parts.append(piece)
                methods |= methods_of(value)
            return make_str("".join(parts), methods)
        left_node = node.child_by_field_name("left")
        right_node = node.child_by_field_name("right")
        if left_node is None or right_node is None:
            return UNKNOWN
        left = self.eval(left_node, frame)
        if op in ("&&", "||", "??"):
            if op == "??":
                if isinstance(left, Unknown):
                    return UNKNOWN
                return self.eval(right_node, frame) if left is None or left is UNDEFINED else left
            decided = truthy(left)
            if decided is None:
                return UNKNOWN
            if (op == "&&") == decided:
                return self.eval(right_node, frame)
            return left
        right = self.eval(right_node, frame)
        return binary(op, left, right)

    def _unary(self, node: Node, frame: Frame | None) -> Value:
        op_node = node.child_by_field_name("operator")
        arg_node = node.child_by_field_name("argument")
        if op_node is None or arg_node is None:
            return UNKNOWN
        op = op_node.type
        value = self.eval(arg_node, frame)
        if op == "!":
            decided = truthy(value)
            return UNKNOWN if decided is None else not decided
        if op == "void":
            return UNDEFINED
        if op == "typeof":
            name = type_of(value)
            return UNKNOWN if name is None else name
        number = to_num(value)
        if isinstance(number, Unknown):
            return UNKNOWN
        if op == "-":
            return -number
        if op == "+":
            return number
        if op == "~":
            return float(~to_int32(number))
        return UNKNOWN

    # --- members -----------------------------------------------------------------------

    def get(self, obj: Value, key: Value) -> Value:
        name = _property_key(key)
        if name is None:
            return UNKNOWN
        if isinstance(obj, HostRef):
            if len(obj.path) > 200:
                return UNKNOWN
            return HostRef(f"{obj.path}.{name}")
        if isinstance(obj, str):
            if name == "length":
                return float(len(obj.encode("utf-16-le", "surrogatepass")) // 2)
            if name.isdigit():
                i = int(name)
                return make_str(obj[i], methods_of(obj)) if i < len(obj) else UNDEFINED
            return BoundMethod(obj, name)
        if isinstance(obj, JSArray):
            if name == "length":
                return float(len(obj.items))
            if name.isdigit():
                i = int(name)
                return obj.items[i] if i < len(obj.items) else UNDEFINED
            return BoundMethod(obj, name)
        if isinstance(obj, JSObject):
            if name not in obj.props:
                return UNKNOWN
            prop = obj.props[name]
            if isinstance(prop, Lazy):
                resolved = self.eval(prop.node, prop.frame)
                obj.props[name] = resolved
                return resolved
            return prop
        if isinstance(obj, FunctionValue) and name in ("call", "apply"):
            return BoundMethod(obj, name)
        return UNKNOWN

    # --- calls -------------------------------------------------------------------------

    def _arguments(self, node: Node, frame: Frame | None) -> list[Value] | None:
        args_node = node.child_by_field_name("arguments")
        if args_node is None:
            return [] if node.kind_id in k.NEW else None
        if args_node.kind_id in k.TEMPLATE:
            return None  # a tagged template
        out: list[Value] = []
        for child in args_node.named_children:
            if child.kind_id in k.COMMENT:
                continue
            if child.kind_id in k.SPREAD:
                return None
            out.append(self.eval(child, frame))
        return out

    def _call(self, node: Node, frame: Frame | None) -> Value:
        callee_node = node.child_by_field_name("function")
        if callee_node is None:
            return UNKNOWN
        method_name: str | None = None
        if callee_node.kind_id in k.MEMBER or callee_node.kind_id in k.SUBSCRIPT:
            obj_node = callee_node.child_by_field_name("object")
            receiver = self.eval(obj_node, frame) if obj_node is not None else UNKNOWN
            key = self._member_key(callee_node, frame)
            method_name = _property_key(key)
            callee = self.get(receiver, key)
        else:
            callee = self.eval(callee_node, frame)
        args = self._arguments(node, frame)
        if args is None:
            return UNKNOWN
        saved = self._arg_nodes
        self._arg_nodes = _argument_nodes(node) if frame is None else None
        try:
            return self._dispatch_call(node, callee, method_name, args)
        finally:
            self._arg_nodes = saved

    def _dispatch_call(
        self, node: Node, callee: Value, method_name: str | None, args: list[Value]
    ) -> Value:
        if method_name is not None and method_name in self.watched_methods:
            self.method_calls.append(MethodCall(method_name, args, self.site or node))
        if method_name in ("open",) and not isinstance(callee, HostRef) and len(args) >= 2:
            # `x.open(method, url)` with an unknown receiver: an XMLHttpRequest by its shape.
            verb = args[0]
            if isinstance(verb, str) and verb.upper() in _HTTP_METHODS:
                self._sink("xhr", args[1], node, 1)
        return self.call_value(callee, args, node)

    def call_value(self, callee: Value, args: list[Value], node: Node) -> Value:
        if isinstance(callee, FunctionValue):
            result = self._call_function(callee, args)
            if isinstance(result, Unknown) and len(self.calls_to) < 50_000:
                key = (callee.node.start_byte, callee.node.end_byte)
                direct = node if self._arg_nodes is not None else None
                self.calls_to.append(CallRecord(key, args, self.site or node, direct))
            return result
        if isinstance(callee, HostRef):
            return self._host_call(normalize_host_path(callee.path), args, node)
        if isinstance(callee, BoundMethod):
            return self._method(callee, args, node)
        return UNKNOWN

    def _function_shape(self, node: Node) -> tuple[list[str] | None, Node | None]:
        """(parameter names, the expression it returns) when the body is just a return."""
        key = (node.start_byte, node.end_byte)
        shape = self._functions.get(key)
        if shape is not None:
            return shape
        params = function_params(node, self.index)
        body = node.child_by_field_name("body")
        returned: Node | None = None
        if body is not None and body.kind_id not in k.STATEMENT_BLOCK:
            returned = body
        elif body is not None:
            statements = [c for c in body.named_children if c.kind_id not in k.COMMENT]
            if statements and statements[-1].kind_id in k.RETURN:
                ok = all(
                    s.kind_id in k.VARIABLE_DECLARATIONS or s.kind_id in k.FUNCTION_DECLARATIONS
                    for s in statements[:-1]
                )
                if ok:
                    returned = _last_named(statements[-1])
        shape = (params, returned)
        self._functions[key] = shape
        return shape

    def _call_function(self, function: FunctionValue, args: list[Value]) -> Value:
        params, returned = self._function_shape(function.node)
        if params is not None and returned is not None:
            depth = function.frame.depth + 1 if function.frame is not None else 1
            if depth > MAX_INLINE_DEPTH:
                return UNKNOWN
            scope = self.index.scope_of_function(function.node)
            if scope is None:
                return UNKNOWN
            bound = {name: args[i] if i < len(args) else UNDEFINED for i, name in enumerate(params)}
            frame = Frame(scope, bound, function.frame, depth)
            return self.eval(returned, frame)
        if not all(is_constant(a) for a in args):
            return UNKNOWN
        result, method = self.decoders.call(function.node, [_constant(a) for a in args])
        if isinstance(result, str):
            return DStr(result, {method})
        if isinstance(result, bool | float) or result is None:
            return result if result is not None else UNKNOWN
        return UNKNOWN

    def _new(self, node: Node, frame: Frame | None) -> Value:
        ctor_node = node.child_by_field_name("constructor")
        if ctor_node is None:
            return UNKNOWN
        ctor = self.eval(ctor_node, frame)
        args = self._arguments(node, frame) or []
        if not isinstance(ctor, HostRef):
            return UNKNOWN
        saved = self._arg_nodes
        self._arg_nodes = _argument_nodes(node) if frame is None else None
        try:
            return self._construct(node, normalize_host_path(ctor.path), args)
        finally:
            self._arg_nodes = saved

    def _construct(self, node: Node, name: str, args: list[Value]) -> Value:
        if name in ("WebSocket", "MozWebSocket"):
            self._sink("websocket", args[0] if args else UNKNOWN, node, 0)
        elif name == "EventSource":
            self._sink("eventsource", args[0] if args else UNKNOWN, node, 0)
        elif name in ("Worker", "SharedWorker"):
            self._sink("worker", args[0] if args else UNKNOWN, node, 0)
        elif name == "Request":
            self._sink("fetch", args[0] if args else UNKNOWN, node, 0)
        elif name == "Function":
            self.payloads.append(PayloadEvent("Function", args[-1] if args else UNKNOWN, node))
        return HostRef(f"new {name}")

    def _assignment(self, node: Node, frame: Frame | None) -> Value:
        right_node = node.child_by_field_name("right")
        left = node.child_by_field_name("left")
        if right_node is None or left is None:
            return UNKNOWN
        value = self.eval(right_node, frame)
        if left.kind_id in k.MEMBER or left.kind_id in k.SUBSCRIPT:
            obj_node = left.child_by_field_name("object")
            key = _property_key(self._member_key(left, frame))
            target = self.eval(obj_node, frame) if obj_node is not None else UNKNOWN
            self.assignment_sink(target, key, value, node)
        elif left.kind_id in k.IDENTIFIER and self.index.text(left) == "location":
            self._sink("navigation", value, node)
        return value

    def assignment_sink(self, target: Value, key: str | None, value: Value, node: Node) -> None:
        if key is None:
            return
        path = normalize_host_path(target.path) if isinstance(target, HostRef) else ""
        if key in ("src", "action", "href", "data"):
            element = _element_kind(path)
            if key == "href" and (path == "location" or path.endswith(".location")):
                self._sink("navigation", value, node)
            elif key == "action":
                self._sink("form.action", value, node)
            elif key == "src":
                self._sink(f"{element}.src", value, node)
        elif key == "location" and (
            path == "document" or (path == "" and isinstance(target, HostRef))
        ):
            self._sink("navigation", value, node)

    def _sink(self, sink: str, value: Value, node: Node, arg: int | None = None) -> None:
        self.sinks.append(SinkEvent(sink, value, self.site or node))
        if arg is None or _host_known(value):
            return
        # The URL depends on the parameters of the function around the sink: remember
        # how, so that each call of the function becomes a sink with its arguments.
        nodes = self._arg_nodes
        if nodes is None or arg >= len(nodes):
            return
        self._summarize(nodes[arg], sink, None)

    def _summarize(self, expression: Node, sink: str, inner: Summary | None) -> bool:
        """A summary for the function around `expression`: its URL from the call's arguments.

        `expression` is the URL argument of the sink (no `inner`), or the arguments of a
        call to a summarized function (`inner`): summaries compose up the call chain.
        """
        if len(self.summaries) >= 256:
            return False
        scope = self.index.scope_at(expression.start_byte)
        function = scope.node
        if function is None:
            return False
        params = self._function_shape(function)[0]
        if not params:
            return False
        key = (function.start_byte, function.end_byte)
        if key in self.summaries:
            return False
        self.summaries[key] = Summary(function, scope, params, sink, expression, inner)
        return True

    def summary_url(self, summary: Summary, args: list[Value]) -> Value:
        """What a call of the summarized function with these arguments sends to its sink."""
        bound = {n: args[i] if i < len(args) else UNDEFINED for i, n in enumerate(summary.params)}
        frame = Frame(summary.scope, bound, None, 1)
        if summary.inner is None:
            return self.eval(summary.expression, frame)
        call_args = _argument_nodes(summary.expression) or []
        inner_args = [self.eval(a, frame) for a in call_args]
        return self.summary_url(summary.inner, inner_args)

    def apply_summaries(self) -> None:
        """Calls of functions that hand (part of) a parameter to a network API become sinks."""
        emitted: set[tuple[int, int, str]] = set()
        for _ in range(4):
            grew = False
            for record in self.calls_to:
                summary = self.summaries.get(record.function)
                if summary is None:
                    continue
                value = self.summary_url(summary, record.args)
                if _host_known(value):
                    key = (record.site.start_byte, record.site.end_byte, summary.sink)
                    if key not in emitted:
                        emitted.add(key)
                        self.sinks.append(SinkEvent(summary.sink, value, record.site))
                if record.call is not None and not _fully_known(value):
                    grew = self._summarize(record.call, summary.sink, summary) or grew
            if not grew:
                break

    def _host_call(self, path: str, args: list[Value], node: Node) -> Value:
        first = args[0] if args else UNDEFINED
        if path == "String.fromCharCode":
            codes = [to_num(a) for a in args]
            if any(isinstance(c, Unknown) for c in codes) or len(codes) > MAX_STRING:
                return UNKNOWN
            chars = "".join(chr(int(c) & 0xFFFF) for c in codes if isinstance(c, float) and c == c)
            return DStr(_join_surrogates(chars), {"fromCharCode"} | methods_of(*args))
        if path in ("atob", "decodeURIComponent", "decodeURI", "unescape", "btoa", "escape"):
            if not isinstance(first, str) or HOLE in first:
                return UNKNOWN
            decoded: str | None
            if path == "atob":
                decoded, how = atob(first), "atob"
            elif path == "btoa":
                return btoa(first) or UNKNOWN
            elif path == "escape":
                return escape(first)
            elif path == "unescape":
                decoded, how = unescape(first), "unescape"
            else:
                decoded, how = decode_uri_component(first), "uri-decode"
            if decoded is None:
                return UNKNOWN
            if decoded == first:
                return first
            return DStr(decoded, {how} | methods_of(first))
        if path in ("encodeURIComponent", "encodeURI"):
            return UNKNOWN
        if path == "String":
            text = to_str(first) if args else ""
            return UNKNOWN if isinstance(text, Unknown) else make_str(text, methods_of(first))
        if path in ("parseInt", "Number.parseInt"):
            text = to_str(first)
            radix = to_num(args[1]) if len(args) > 1 else UNDEFINED
            if isinstance(text, Unknown) or isinstance(radix, Unknown) or HOLE in text:
                return UNKNOWN
            r = int(radix) if isinstance(radix, float) and radix == radix and radix != 0 else None
            return parse_int(text, r)
        if path in ("Number", "parseFloat"):
            number = to_num(first)
            return UNKNOWN if isinstance(number, Unknown) else number
        if path in ("eval", "Function"):
            payload = args[-1] if args else UNKNOWN
            self.payloads.append(PayloadEvent(path, payload, node))
            return UNKNOWN
        if path == "fetch":
            self._sink("fetch", first, node, 0)
        elif path == "navigator.sendBeacon":
            self._sink("sendBeacon", first, node, 0)
        elif path == "importScripts":
            for arg in args:
                self._sink("importScripts", arg, node)
        elif path.startswith("new XMLHttpRequest") and path.endswith(".open") and len(args) > 1:
            self._sink("xhr", args[1], node, 1)
        elif path == "open":
            self._sink("window.open", first, node, 0)
        elif path in ("location.assign", "location.replace", "document.location.assign"):
            self._sink("navigation", first, node, 0)
        elif path.endswith(".setAttribute") and len(args) > 1 and first in ("src", "action"):
            element = _element_kind(path[: -len(".setAttribute")])
            self._sink(f"{element}.{first}" if first == "src" else "form.action", args[1], node, 1)
        elif path.endswith(".createElement") and isinstance(first, str):
            return HostRef(f"{path}({first.lower()})")
        if path.startswith("Math.") and args and all(isinstance(a, float) for a in args):
            return _math(path[5:], [a for a in args if isinstance(a, float)])
        if len(path) > 200:
            return UNKNOWN
        return HostRef(path + "()")

    def _method(self, method: BoundMethod, args: list[Value], node: Node) -> Value:
        receiver, name = method.receiver, method.name
        if isinstance(receiver, FunctionValue):
            if name == "call":
                return self._call_function(receiver, args[1:])
            if name == "apply" and len(args) > 1 and isinstance(args[1], JSArray):
                return self._call_function(receiver, list(args[1].items))
            if name == "apply" and len(args) <= 1:
                return self._call_function(receiver, [])
            return UNKNOWN
        if isinstance(receiver, str):
            return string_method(receiver, name, args)
        if isinstance(receiver, JSArray):
            if name == "map" and args:
                fn = args[0]
                out: list[Value] = []
                saved, self._arg_nodes = self._arg_nodes, None
                try:
                    for i, item in enumerate(receiver.items[:100_000]):
                        out.append(self.call_value(fn, [item, float(i)], node))
                finally:
                    self._arg_nodes = saved
                tags = receiver.tags | {"map"}
                if isinstance(fn, FunctionValue) and "^" in self.index.text(fn.node):
                    tags |= {"xor"}
                return JSArray(out, tags)
            return array_method(receiver, name, args)
        return UNKNOWN


# --- pure helpers ----------------------------------------------------------------------


def _host_known(value: Value) -> bool:
    text = to_str(value) if not isinstance(value, Unknown) else UNKNOWN
    return isinstance(text, str) and bool(text) and not text.startswith(HOLE)


def _fully_known(value: Value) -> bool:
    text = to_str(value) if not isinstance(value, Unknown) else UNKNOWN
    return isinstance(text, str) and HOLE not in text


def _argument_nodes(node: Node) -> list[Node] | None:
    args = node.child_by_field_name("arguments")
    if args is None:
        return None
    return [c for c in args.named_children if c.kind_id not in k.COMMENT]


def _last_named(node: Node) -> Node | None:
    count = node.named_child_count
    for i in range(count - 1, -1, -1):
        child = node.named_child(i)
        if child is not None and child.kind_id not in k.COMMENT:
            return child
    return None


def _property_key(key: Value) -> str | None:
    if isinstance(key, str):
        return None if HOLE in key else str(key)
    if isinstance(key, float):
        text = to_str(key)
        return text if isinstance(text, str) else None
    if isinstance(key, bool) or key is None or isinstance(key, Undefined):
        text = to_str(key)
        return text if isinstance(text, str) else None
    return None


def _constant(value: Value) -> Constant:
    if isinstance(value, JSObject):
        return EmptyObject()
    if isinstance(value, JSArray):
        return [_constant(v) for v in value.items]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool | float) or value is None:
        return value
    return None


def _join_surrogates(text: str) -> str:
    from aivet.analyze.js.literals import join_surrogates

    return join_surrogates(text)


def _element_kind(path: str) -> str:
    match = re.search(r"createElement\((\w+)\)$", path)
    if match:
        return match.group(1)
    if path.endswith("new Image") or path == "new Image":
        return "img"
    return "element"


def _math(name: str, args: list[float]) -> Value:
    try:
        if name == "floor":
            return float(math.floor(args[0]))
        if name == "ceil":
            return float(math.ceil(args[0]))
        if name == "abs":
            return abs(args[0])
        if name == "round":
            return float(math.floor(args[0] + 0.5))
        if name == "max":
            return max(args)
        if name == "min":
            return min(args)
        if name == "pow":
            return float(args[0] ** args[1])
    except (OverflowError, ValueError, IndexError):
        return UNKNOWN
    return UNKNOWN


def add(left: Value, right: Value) -> Value:
    """The `+` operator, with HOLE standing for unknown parts of a string."""
    if isinstance(left, str) or isinstance(right, str):
        lt = to_str(left)
        rt = to_str(right)
        lt_text = HOLE if isinstance(lt, Unknown) else lt
        rt_text = HOLE if isinstance(rt, Unknown) else rt
        if len(lt_text) + len(rt_text) > MAX_STRING:
            return UNKNOWN
        return make_str(lt_text + rt_text, methods_of(left, right))
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return UNKNOWN
    if isinstance(left, JSArray | JSObject) or isinstance(right, JSArray | JSObject):
        return add(to_str(left) if isinstance(left, JSArray | JSObject) else left,
                   to_str(right) if isinstance(right, JSArray | JSObject) else right)  # fmt: skip
    ln, rn = to_num(left), to_num(right)
    if isinstance(ln, Unknown) or isinstance(rn, Unknown):
        return UNKNOWN
    return ln + rn


def binary(op: str, left: Value, right: Value) -> Value:
    if op in ("===", "!=="):
        eq = strict_equals(left, right)
        return UNKNOWN if eq is None else (eq if op == "===" else not eq)
    if op in ("==", "!="):
        eq = loose_equals(left, right)
        return UNKNOWN if eq is None else (eq if op == "==" else not eq)
    if op in ("<", ">", "<=", ">="):
        if isinstance(left, str) and isinstance(right, str):
            if HOLE in left or HOLE in right:
                return UNKNOWN
            return _compare(op, str(left), str(right))
        ln, rn = to_num(left), to_num(right)
        if isinstance(ln, Unknown) or isinstance(rn, Unknown):
            return UNKNOWN
        if math.isnan(ln) or math.isnan(rn):
            return False
        return _compare(op, ln, rn)
    ln, rn = to_num(left), to_num(right)
    if isinstance(ln, Unknown) or isinstance(rn, Unknown):
        return UNKNOWN
    try:
        if op == "-":
            return ln - rn
        if op == "*":
            return ln * rn
        if op == "/":
            if rn == 0:
                if ln == 0 or math.isnan(ln):
                    return math.nan
                return math.copysign(math.inf, ln) * math.copysign(1, rn)
            return ln / rn
        if op == "%":
            if rn == 0 or math.isinf(ln) or math.isnan(ln) or math.isnan(rn):
                return math.nan
            if math.isinf(rn):
                return ln
            return math.fmod(ln, rn)
        if op == "**":
            return float(ln**rn)
        if op == "|":
            return float(to_int32(ln) | to_int32(rn))
        if op == "&":
            return float(to_int32(ln) & to_int32(rn))
        if op == "^":
            return float(to_int32(ln) ^ to_int32(rn))
        if op == "<<":
            return float(to_int32(to_int32(ln) << (to_uint32(rn) & 31)))
        if op == ">>":
            return float(to_int32(ln) >> (to_uint32(rn) & 31))
        if op == ">>>":
            return float(to_uint32(ln) >> (to_uint32(rn) & 31))
    except (OverflowError, ValueError, ZeroDivisionError):
        return UNKNOWN
    return UNKNOWN


def _compare(op: str, a: str | float, b: str | float) -> bool:
    if isinstance(a, str) and isinstance(b, str):  # noqa: SIM114 - separate for type narrowing
        ordered, equal = a < b, a == b
    elif isinstance(a, float) and isinstance(b, float):
        ordered, equal = a < b, a == b
    else:
        return False
    if op == "<":
        return ordered
    if op == ">":
        return not ordered and not equal
    if op == "<=":
        return ordered or equal
    return not ordered


def string_method(text: str, name: str, args: list[Value]) -> Value:
    methods = methods_of(text, *args)
    if HOLE in text and name not in ("concat",):
        return UNKNOWN
    first = args[0] if args else UNDEFINED
    plain = str(text)
    if name == "split":
        if isinstance(first, Undefined):
            return JSArray([make_str(plain, methods)], frozenset({"split"}))
        if not isinstance(first, str):
            return UNKNOWN
        parts = list(plain) if first == "" else plain.split(str(first))
        if len(parts) > 100_000:
            return UNKNOWN
        return JSArray([make_str(p, methods) for p in parts], frozenset({"split"}))
    if name == "concat":
        out = plain
        for arg in args:
            part = to_str(arg)
            out += HOLE if isinstance(part, Unknown) else part
        return make_str(out, methods)
    if name in (
        "toLowerCase",
        "toUpperCase",
        "trim",
        "trimStart",
        "trimEnd",
        "toString",
        "valueOf",
    ):
        result = {
            "toLowerCase": plain.lower(),
            "toUpperCase": plain.upper(),
            "trim": plain.strip(),
            "trimStart": plain.lstrip(),
            "trimEnd": plain.rstrip(),
        }.get(name, plain)
        return make_str(result, methods)
    if name in ("slice", "substring", "substr", "charAt", "charCodeAt", "codePointAt", "at"):
        nums = [to_num(a) for a in args]
        if any(isinstance(n, Unknown) for n in nums):
            return UNKNOWN
        ints = [
            0 if isinstance(n, Unknown) or n != n else int(max(min(n, 1e9), -1e9)) for n in nums
        ]
        size = len(plain)
        if name == "charAt":
            i = ints[0] if ints else 0
            return make_str(plain[i] if 0 <= i < size else "", methods)
        if name in ("charCodeAt", "codePointAt"):
            i = ints[0] if ints else 0
            return float(ord(plain[i])) if 0 <= i < size else math.nan
        if name == "at":
            i = ints[0] if ints else 0
            return make_str(plain[i], methods) if -size <= i < size else UNDEFINED
        if name == "slice":
            start = ints[0] if ints else 0
            end = ints[1] if len(ints) > 1 and not isinstance(args[1], Undefined) else size
            return make_str(plain[slice(start, end)], methods)
        if name == "substring":
            start = min(max(ints[0] if ints else 0, 0), size)
            end = (
                min(max(ints[1], 0), size)
                if len(ints) > 1 and not isinstance(args[1], Undefined)
                else size
            )
            start, end = min(start, end), max(start, end)
            return make_str(plain[start:end], methods)
        start = ints[0] if ints else 0
        if start < 0:
            start = max(size + start, 0)
        length = ints[1] if len(ints) > 1 and not isinstance(args[1], Undefined) else size
        return make_str(plain[start : start + max(length, 0)], methods)
    if name in ("indexOf", "lastIndexOf", "includes", "startsWith", "endsWith"):
        if not isinstance(first, str):
            return UNKNOWN
        needle = str(first)
        if name == "indexOf":
            return float(plain.find(needle))
        if name == "lastIndexOf":
            return float(plain.rfind(needle))
        if name == "includes":
            return needle in plain
        return plain.startswith(needle) if name == "startsWith" else plain.endswith(needle)
    if name in ("replace", "replaceAll") and len(args) >= 2:
        replacement = args[1]
        if not isinstance(replacement, str) or HOLE in replacement or "$" in replacement:
            return UNKNOWN
        pattern: str | None = None
        every = name == "replaceAll"
        if isinstance(first, str):
            pattern = str(first)
        elif isinstance(first, HostRef) and first.path.startswith("/"):
            body, _, flags = first.path[1:].rpartition("/")
            if _REGEX_PLAIN.match(body) and "i" not in flags:
                pattern = re.sub(r"\\(.)", r"\1", body)
                every = every or "g" in flags
        if pattern is None or pattern == "":
            return UNKNOWN
        result = plain.replace(pattern, str(replacement), -1 if every else 1)
        return DStr(result, methods | {"replace"})
    if name == "repeat":
        count = to_num(first)
        if (
            isinstance(count, Unknown)
            or count != count
            or count < 0
            or len(plain) * count > MAX_STRING
        ):
            return UNKNOWN
        return make_str(plain * int(count), methods)
    return UNKNOWN


def array_method(array: JSArray, name: str, args: list[Value]) -> Value:
    first = args[0] if args else UNDEFINED
    if name == "join":
        sep = "," if isinstance(first, Undefined) else first
        if not isinstance(sep, str):
            return UNKNOWN
        parts = []
        for item in array.items:
            if item is None or isinstance(item, Undefined):
                parts.append("")
                continue
            text = to_str(item)
            parts.append(HOLE if isinstance(text, Unknown) else text)
        methods = methods_of(*array.items) | (array.tags & frozenset({"fromCharCode", "xor"}))
        if "reversed" in array.tags or ("split" in array.tags and "map" not in array.tags):
            methods |= {"split-join"}
        joined = str(sep).join(parts)
        if len(joined) > MAX_STRING:
            return UNKNOWN
        return make_str(joined, methods)
    if name == "reverse":
        return JSArray(list(reversed(array.items)), array.tags | {"reversed"})
    if name == "concat":
        items = list(array.items)
        for arg in args:
            if isinstance(arg, JSArray):
                items.extend(arg.items)
            else:
                items.append(arg)
        return JSArray(items, array.tags)
    if name == "slice":
        nums = [to_num(a) for a in args]
        if any(isinstance(n, Unknown) for n in nums):
            return UNKNOWN
        start = int(nums[0]) if nums and isinstance(nums[0], float) and nums[0] == nums[0] else 0
        end = (
            int(nums[1])
            if len(nums) > 1 and isinstance(nums[1], float) and nums[1] == nums[1]
            else None
        )
        return JSArray(array.items[start:end], array.tags)
    if name == "indexOf":
        for i, item in enumerate(array.items):
            if strict_equals(item, first) is True:
                return float(i)
        return -1.0 if all(is_constant(i) for i in array.items) else UNKNOWN
    return UNKNOWN
