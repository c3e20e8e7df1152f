"""Scopes, bindings and (for the deep pass) the nodes to evaluate, found by tree-sitter queries.

The queries run in C over the whole tree and hand back only the nodes of the
few kinds kept, so that indexing costs a fraction of the parse even on
multi-megabyte bundles (a Python walk over every node would cost more than
the parse itself).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal

from tree_sitter import Node, Query, QueryCursor, Tree

from aivet.analyze.js import syntax as k

BindingKind = Literal["var", "function", "param", "class", "catch", "loop"]


@dataclass(eq=False, slots=True)
class Binding:
    kind: BindingKind
    name: str
    scope: Scope
    value: Node | None = None
    """The initializer of a variable, or the function node of a function declaration."""
    declaration: Node | None = None
    """The declarator or declaration statement, for sandbox programs."""
    assignments: list[Node] = field(default_factory=list)
    """Where else the name is assigned (`x = ...`, `x++`): the value may change there.
    Complete only after `Index.assignments_of` (light mode finds them on demand)."""
    assignments_known: bool = False


@dataclass(eq=False, slots=True)
class Scope:
    id: int
    parent: Scope | None
    node: Node | None
    start: int
    end: int
    depth: int
    bindings: dict[str, list[Binding]] = field(default_factory=dict)

    def bind(self, binding: Binding) -> None:
        self.bindings.setdefault(binding.name, []).append(binding)

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end

    def encloses(self, other: Scope) -> bool:
        scope: Scope | None = other
        while scope is not None:
            if scope is self:
                return True
            scope = scope.parent
        return False


@dataclass(eq=False, slots=True)
class PropertyWrite:
    """`name[key] = value` or `name.key = value`, for objects built one key at a time."""

    scope: Scope
    target: Node
    key: Node
    computed: bool
    value: Node


@dataclass
class Collected:
    """Nodes kept for the deep pass, in source order."""

    calls: list[Node] = field(default_factory=list)
    news: list[Node] = field(default_factory=list)
    subscripts: list[Node] = field(default_factory=list)
    concats: list[Node] = field(default_factory=list)
    """Outermost binary expressions (concatenations are among them)."""
    string_arrays: list[Node] = field(default_factory=list)
    debuggers: list[Node] = field(default_factory=list)
    loop_switches: int = 0


_FUNCTION_KINDS = """
[(function_declaration) (function_expression) (arrow_function) (method_definition)
 (generator_function_declaration) (generator_function)] @function"""
# Assigned names and objects given keys, captured as bare identifiers (cheap to file
# by name); what they assign is looked at only for the names the analysis asks about.
_ASSIGNMENT_PATTERNS = """
(assignment_expression left: (identifier) @assigned)
(augmented_assignment_expression left: (identifier) @assigned)
(update_expression argument: (identifier) @assigned)
(assignment_expression left: (member_expression object: (identifier) @written))
(assignment_expression left: (subscript_expression object: (identifier) @written))
"""
_BINDING_PATTERNS = (
    _FUNCTION_KINDS
    + """
(variable_declarator) @declarator
(catch_clause) @catch
(class_declaration) @class
(for_in_statement) @for_in
(ERROR) @error
"""
    + _ASSIGNMENT_PATTERNS
)

# Only patterns without conditions on later children: a pattern that waits for a
# node's second child keeps a match state open across the whole first child,
# which is quadratic on the deeply nested trees that long `a + b + ...` chains make.
_DEEP_PATTERNS = """
(call_expression) @call
(new_expression) @new
(subscript_expression) @subscript
(binary_expression) @binary
(array . (string) . (string) . (string)) @string_array
(debugger_statement) @debugger
(switch_statement) @switch
"""
_BINDINGS_QUERY = Query(k.LANGUAGE, _BINDING_PATTERNS)
_DEEP_QUERY = Query(k.LANGUAGE, _BINDING_PATTERNS + _DEEP_PATTERNS)
_ASSIGNMENT_KINDS = k.ASSIGNMENT | k.AUGMENTED_ASSIGNMENT


class Index:
    """Scopes and bindings of one parsed script."""

    def __init__(self, source: bytes, tree: Tree) -> None:
        self.source = source
        self.tree = tree
        self.root = tree.root_node
        self.global_scope = Scope(0, None, None, 0, len(source) + 1, -1)
        self.scopes: list[Scope] = [self.global_scope]
        self._starts: list[int] = [0]
        self.property_writes: dict[str, list[PropertyWrite]] = {}
        self._pending_declarations: dict[str, list[Node]] = {}
        self._writes_searched: set[str] = set()
        self._assigned_at: dict[str, list[Node]] = {}
        self._written_at: dict[str, list[Node]] = {}
        self.collected = Collected()
        self.nodes_visited = 0
        self.error_nodes = 0
        self.complete = True

    def release(self) -> None:
        """Break the scope/binding reference cycles so the tree is freed without a GC pass."""
        for scope in self.scopes:
            scope.bindings.clear()
            scope.parent = None
        self.scopes.clear()
        self.property_writes.clear()
        self._pending_declarations.clear()
        self._assigned_at.clear()
        self._written_at.clear()
        self.collected = Collected()

    # --- text --------------------------------------------------------------------

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def raw(self, node: Node) -> bytes:
        return self.source[node.start_byte : node.end_byte]

    # --- scopes ------------------------------------------------------------------

    def scope_at(self, offset: int) -> Scope:
        i = bisect.bisect_right(self._starts, offset) - 1
        scope: Scope | None = self.scopes[max(i, 0)]
        while scope is not None and not scope.contains(offset):
            scope = scope.parent
        return scope or self.global_scope

    def resolve(self, name: str, scope: Scope) -> list[Binding] | None:
        """The bindings a name refers to from inside `scope`; None for a global."""
        if name in self._pending_declarations:
            self._materialize(name)
        current: Scope | None = scope
        while current is not None:
            found = current.bindings.get(name)
            if found:
                return found
            current = current.parent
        return None

    def _materialize(self, name: str) -> None:
        for declarator in self._pending_declarations.pop(name, ()):
            self._declare(declarator, self.scope_at(declarator.start_byte))

    def assignments_of(self, binding: Binding) -> list[Node]:
        """Every assignment or update of the binding's name that refers to this binding."""
        if binding.assignments_known:
            return binding.assignments
        binding.assignments_known = True
        scope = binding.scope
        start, end = (scope.start, scope.end) if scope.node is not None else (0, len(self.source))
        for ident in self._assigned_at.get(binding.name, ()):
            if not start <= ident.start_byte < end:
                continue
            found = self.resolve(binding.name, self.scope_at(ident.start_byte))
            if found and binding in found and ident.parent is not None:
                binding.assignments.append(ident.parent)
        return binding.assignments

    def writes_to(self, name: str) -> list[PropertyWrite]:
        """`name.key = value` and `name[key] = value` statements."""
        if name not in self._writes_searched:
            self._writes_searched.add(name)
            for ident in self._written_at.get(name, ())[:4000]:
                member = ident.parent
                assignment = member.parent if member is not None else None
                if assignment is not None and assignment.kind_id in k.ASSIGNMENT:
                    self._assignment(assignment, True)
        return self.property_writes.get(name, [])

    def all_writes(self) -> list[PropertyWrite]:
        for name in list(self._written_at):
            self.writes_to(name)
        return [w for writes in self.property_writes.values() for w in writes]

    def materialize_all(self) -> None:
        """Bind every filed variable and assignment now (the deep pass looks at most names)."""
        for name in list(self._pending_declarations):
            self._materialize(name)

    def scope_of_function(self, node: Node) -> Scope | None:
        scope = self.scope_at(node.start_byte)
        while scope is not None and scope.node is not None:
            if scope.start == node.start_byte and scope.end == node.end_byte:
                return scope
            scope = scope.parent  # type: ignore[assignment]
        return None

    # --- the pass ----------------------------------------------------------------

    def build(self, deep: bool, max_nodes: int) -> None:
        """Index scopes and bindings (and, when `deep`, the nodes the deep pass evaluates)."""
        root = self.root
        total = root.descendant_count
        end = len(self.source)
        if total > max_nodes:
            # Too big to index whole: keep a prefix of proportional size.
            end = int(len(self.source) * max_nodes / total)
            self.complete = False
        self.nodes_visited = min(total, max_nodes)
        cursor = QueryCursor(_DEEP_QUERY if deep else _BINDINGS_QUERY)
        cursor.set_byte_range(0, end)
        captures = cursor.captures(root)

        def nodes(name: str) -> list[Node]:
            return captures.get(name, [])

        functions = nodes("function")
        functions.sort(key=lambda n: (n.start_byte, -n.end_byte))
        stack: list[Scope] = [self.global_scope]
        for function in functions:
            while stack[-1].node is not None and not (
                stack[-1].start <= function.start_byte and function.end_byte <= stack[-1].end
            ):
                stack.pop()
            scope = self._enter_function(function, function.kind_id, stack[-1])
            stack.append(scope)
        # Variables and assignments are filed by name and bound to their scopes on the
        # first lookup of that name: most names of a big bundle are never looked up.
        pending = self._pending_declarations
        for declarator in nodes("declarator"):
            name = declarator.child_by_field_name("name")
            if name is not None and name.kind_id in k.IDENTIFIER:
                pending.setdefault(self.text(name), []).append(declarator)
            else:
                self._declare(declarator, self.scope_at(declarator.start_byte))
        for clause in nodes("catch"):
            param = clause.child_by_field_name("parameter")
            if param is not None and param.kind_id in k.IDENTIFIER:
                scope = self.scope_at(clause.start_byte)
                scope.bind(Binding("catch", self.text(param), scope))
        for declaration in nodes("class"):
            name = declaration.child_by_field_name("name")
            if name is not None:
                scope = self.scope_at(declaration.start_byte)
                scope.bind(Binding("class", self.text(name), scope, None, declaration))
        assigned: list[tuple[str, Scope, Node]] = []
        for loop in nodes("for_in"):
            left = loop.child_by_field_name("left")
            if left is None:
                continue
            scope = self.scope_at(loop.start_byte)
            declared = loop.child_by_field_name("kind") is not None
            for name_node in _pattern_names(left):
                if declared:
                    scope.bind(Binding("loop", self.text(name_node), scope))
                else:
                    assigned.append((self.text(name_node), scope, loop))
        for ident in nodes("assigned"):
            self._assigned_at.setdefault(self.text(ident), []).append(ident)
        for ident in nodes("written"):
            self._written_at.setdefault(self.text(ident), []).append(ident)
        for assigned_name, scope, where in assigned:
            for binding in self.resolve(assigned_name, scope) or ():
                binding.assignments.append(where)
        if deep:
            self.materialize_all()
        if root.has_error:
            # ERROR nodes; a tree whose only errors are inserted (MISSING) tokens counts 1.
            # (A `(MISSING)` pattern is not used: it turns quadratic on very deep trees.)
            self.error_nodes = max(len(captures.get("error", [])), 1)
        if not deep:
            return
        collected = self.collected
        collected.calls = nodes("call")
        collected.news = nodes("new")
        collected.subscripts = nodes("subscript")
        binaries = nodes("binary")
        binaries.sort(key=lambda n: (n.start_byte, -n.end_byte))
        collected.concats = _outermost(binaries)
        collected.string_arrays = nodes("string_array")
        collected.debuggers = nodes("debugger")
        collected.loop_switches = sum(1 for s in nodes("switch")[:500] if _in_loop(s))

    def _enter_function(self, node: Node, kid: int, outer: Scope) -> Scope:
        scope = Scope(
            len(self.scopes), outer, node, node.start_byte, node.end_byte, outer.depth + 1
        )
        self.scopes.append(scope)
        self._starts.append(node.start_byte)
        name = node.child_by_field_name("name")
        if name is not None and name.kind_id in k.IDENTIFIER:
            target = outer if kid in k.FUNCTION_DECLARATIONS else scope
            target.bind(Binding("function", self.text(name), target, node, node))
        params = node.child_by_field_name("parameters")
        if params is None:
            single = node.child_by_field_name("parameter")
            if single is not None and single.kind_id in k.IDENTIFIER:
                scope.bind(Binding("param", self.text(single), scope))
            return scope
        for param in params.named_children:
            for name_node in _pattern_names(param):
                scope.bind(Binding("param", self.text(name_node), scope))
        return scope

    def _declare(self, node: Node, scope: Scope) -> None:
        name = node.child_by_field_name("name")
        if name is None:
            return
        value = node.child_by_field_name("value")
        if name.kind_id in k.IDENTIFIER:
            scope.bind(Binding("var", self.text(name), scope, value, node))
            return
        for name_node in _pattern_names(name):
            scope.bind(Binding("loop", self.text(name_node), scope, None, node))

    def _assignment(self, node: Node, plain: bool) -> None:
        """File `name.key = value` / `name[key] = value` as a write to `name`'s object."""
        left = node.child_by_field_name("left")
        if left is None:
            return
        lk = left.kind_id
        if not plain or (lk not in k.SUBSCRIPT and lk not in k.MEMBER):
            return
        target = left.child_by_field_name("object")
        value = node.child_by_field_name("right")
        if target is None or value is None or target.kind_id not in k.IDENTIFIER:
            return
        if lk in k.SUBSCRIPT:
            key = left.child_by_field_name("index")
            computed = True
        else:
            key = left.child_by_field_name("property")
            computed = False
        if key is None:
            return
        write = PropertyWrite(self.scope_at(node.start_byte), target, key, computed, value)
        self.property_writes.setdefault(self.text(target), []).append(write)


def _outermost(sorted_nodes: list[Node]) -> list[Node]:
    """The nodes not inside another one of the list (input sorted by start, longest first)."""
    out = []
    end = -1
    for node in sorted_nodes:
        if node.start_byte >= end:
            out.append(node)
            end = node.end_byte
    return out


def _in_loop(switch: Node) -> bool:
    """A `switch` that is a loop's body, or its block's: a flattened control-flow dispatcher."""
    parent = switch.parent
    if parent is not None and parent.kind_id in k.STATEMENT_BLOCK:
        parent = parent.parent
    return parent is not None and parent.kind_id in k.WHILE


def _pattern_names(pattern: Node) -> list[Node]:
    """Identifiers a parameter or destructuring pattern binds."""
    if pattern.kind_id in k.IDENTIFIER:
        return [pattern]
    out: list[Node] = []
    stack = [pattern]
    while stack:
        current = stack.pop()
        if current.type == "assignment_pattern":
            left = current.child_by_field_name("left")
            if left is not None:
                stack.append(left)
            continue
        if current.kind_id in k.IDENTIFIER or current.kind_id in k.SHORTHAND_PROPERTY:
            out.append(current)
            continue
        for child in current.named_children:
            if child.kind_id not in k.FUNCTIONS:
                stack.append(child)
    return out


def function_params(node: Node, index: Index) -> list[str] | None:
    """Parameter names in order; None where a parameter is not a plain identifier."""
    params = node.child_by_field_name("parameters")
    if params is None:
        single = node.child_by_field_name("parameter")
        if single is not None and single.kind_id in k.IDENTIFIER:
            return [index.text(single)]
        return None
    names = []
    for param in params.named_children:
        if param.kind_id in k.COMMENT:
            continue
        if param.kind_id not in k.IDENTIFIER:
            return None
        names.append(index.text(param))
    return names
