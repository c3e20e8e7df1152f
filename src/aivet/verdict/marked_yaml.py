"""YAML that remembers on which line each key and item was written, for one-line errors.

PyYAML's safe loader forgets positions once it has built Python objects. Here the
document is composed into nodes first and converted by hand, so that every mapping
knows the line of each of its keys and every sequence the line of each item.
Duplicate keys, which PyYAML silently lets the last one win, are an error.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_MAX_DEPTH = 64


class YamlError(ValueError):
    """A problem at one line of a YAML document (line 0 when the position is unknown)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class MarkedDict(dict[str, Any]):
    """A mapping with the line of the mapping itself and of each of its keys."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class MarkedList(list[Any]):
    """A sequence with its own line and the line of each item."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def load_marked(text: str) -> Any:
    """Parse one YAML document into plain values, `MarkedDict` and `MarkedList`."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem = exc.problem or exc.context or "not valid YAML"
        raise YamlError(line, f"not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(0, f"not valid YAML: {exc}") from None
    if node is None:
        return None
    constructor = yaml.SafeLoader("")
    return _convert(node, constructor, 0)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _convert(node: Node, constructor: yaml.SafeLoader, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise YamlError(_line(node), "nested too deeply (or a recursive alias)")
    if isinstance(node, MappingNode):
        mapping = MarkedDict(_line(node))
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlError(_line(key_node), "merge keys ('<<') are not supported here")
            if not isinstance(key_node, ScalarNode):
                raise YamlError(_line(key_node), "a key must be a plain string")
            key = constructor.construct_object(key_node)
            if not isinstance(key, str):
                raise YamlError(_line(key_node), f"key {key!r} must be a string")
            if key in mapping:
                raise YamlError(
                    _line(key_node),
                    f"duplicate key '{key}' (first on line {mapping.key_lines[key]})",
                )
            mapping[key] = _convert(value_node, constructor, depth + 1)
            mapping.key_lines[key] = _line(key_node)
        return mapping
    if isinstance(node, SequenceNode):
        sequence = MarkedList(_line(node))
        for item in node.value:
            sequence.append(_convert(item, constructor, depth + 1))
            sequence.item_lines.append(_line(item))
        return sequence
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise YamlError(_line(node), f"bad value: {exc}") from None
