"""How obfuscated a script is, 0..1, and the evidence for the number.

Quick signals are byte patterns counted over the whole source (they decide
whether the script gets the deep analysis); structural signals come from the
deep analysis itself (a string array whose decoder ran, flattened control
flow). Signals combine as a noisy-or, so no single weak one reaches 0.5.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from tree_sitter import Node

from aivet.analyze.js import syntax as k
from aivet.script_record import ObfuscationSignal

_HEX_IDENTIFIER = re.compile(rb"(?<![\w$])_0x[0-9a-f]{4,6}(?![\w$])")
_HEX_ESCAPE = re.compile(rb"\\x[0-9a-fA-F]{2}")
_HEX_NUMBER = re.compile(rb"(?<![\w$.])0x[0-9a-fA-F]+(?![\w$])")
_SHORT_STRING = rb"(?:'(?:[^'\\\n]|\\.){0,160}'|\"(?:[^\"\\\n]|\\.){0,160}\")"
_STRING_ARRAY = re.compile(
    rb"\[\s*" + _SHORT_STRING + rb"(?:\s*,\s*" + _SHORT_STRING + rb"){19,}\s*\]"
)
_ROTATION = re.compile(
    rb"\[\s*['\"]push['\"]\s*\]\s*\(\s*[\w$]+\s*\[\s*['\"]shift['\"]\s*\]\s*\(\s*\)\s*\)"
    rb"|\.push\(\s*[\w$]+\.shift\(\)\s*\)"
)
_ROTATION_CHECK = re.compile(rb"while\s*\(\s*!!\[\]\s*\)\s*\{\s*try\s*\{")
_SPLIT_STRING = re.compile(
    rb"'[^'\\\n]{1,12}'\s*\+\s*'[^'\\\n]{1,12}'|\"[^\"\\\n]{1,12}\"\s*\+\s*\"[^\"\\\n]{1,12}\""
)
_DISPATCHER = re.compile(
    rb"['\"]\d{1,2}(?:\|\d{1,2}){2,}['\"]\s*(?:\[\s*['\"]split['\"]\s*\]|\.split)"
)
_PACKER = re.compile(rb"eval\s*\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,")
_JSFUCK = re.compile(rb"(?:\[\]\[|\(!\[\]\+\[\]\)|\(!!\[\]\+\[\]\)|\+!\+\[\]){20,}")
_SELF_DEFENDING = re.compile(rb"\(\(\(\.\+\)\+\)\+\)\+\$")
_DEBUG_TRAP = re.compile(rb"['\"]debu['\"]\s*\+\s*['\"]gger['\"]|['\"]gger['\"]")


def _strength(count: int, size_kb: float, per_kb_for_full: float) -> float:
    if count == 0:
        return 0.0
    return min(1.0, count / max(size_kb, 1.0) / per_kb_for_full)


def quick_signals(source: bytes, root: Node | None = None) -> list[ObfuscationSignal]:
    """Byte-pattern signals; with the syntax tree, hits inside comments and template
    literals (code templates of an obfuscator's own source) do not count."""
    size_kb = len(source) / 1024

    def in_code(pattern: re.Pattern[bytes]) -> bool:
        for n, match in enumerate(pattern.finditer(source)):
            if n >= 8:
                break
            if root is None or _in_code(root, match.start()):
                return True
        return False

    out: list[ObfuscationSignal] = []

    def add(name: str, weight: float, strength: float, detail: str) -> None:
        if strength > 0:
            out.append(ObfuscationSignal(name, round(weight * strength, 3), detail))

    # Cheap literal counts first: most scripts have none of these, and a scan for a
    # literal is several times faster than one for a pattern with a look-behind.
    count = len(_HEX_IDENTIFIER.findall(source)) if source.count(b"_0x") > 4 else 0
    add("hex-identifiers", 0.45, _strength(count, size_kb, 4), f"{count} _0x-style identifiers")
    count = len(_HEX_ESCAPE.findall(source))
    add("hex-escaped-strings", 0.3, _strength(count, size_kb, 40), f"{count} \\x escapes")
    count = len(_HEX_NUMBER.findall(source)) if source.count(b"0x") > 4 else 0
    add("hex-numbers", 0.25, _strength(count, size_kb, 8), f"{count} hexadecimal number literals")
    arrays = _STRING_ARRAY.findall(source)
    random_arrays = [a for a in arrays if _looks_encoded(a)]
    if random_arrays:
        biggest = max(len(re.findall(_SHORT_STRING, a)) for a in random_arrays)
        add("string-array", 0.35, 1.0, f"an array of {biggest} encoded-looking strings")
    rotations = len(_ROTATION.findall(source)) if in_code(_ROTATION) else 0
    checks = len(_ROTATION_CHECK.findall(source)) if in_code(_ROTATION_CHECK) else 0
    if rotations and checks:
        add("string-array-rotation", 0.5, 1.0, "a push/shift rotation loop with a checksum")
    elif rotations:
        add("string-array-rotation", 0.15, 1.0, "a push/shift rotation")
    count = len(_SPLIT_STRING.findall(source))
    add(
        "split-strings",
        0.25,
        _strength(count, size_kb, 2),
        f"{count} concatenations of short literals",
    )
    count = len(_DISPATCHER.findall(source))
    add("control-flow-flattening", 0.45, min(1.0, count / 2), f"{count} '0|1|2'.split dispatchers")
    if in_code(_PACKER):
        add("packer", 0.7, 1.0, "eval(function(p,a,c,k,e,...)) packer")
    if source.count(b"(![]+[])") + source.count(b"[]+[]") > 8 and in_code(_JSFUCK):
        add("jsfuck", 0.7, 1.0, "JSFuck-style []/!+ expressions")
    if in_code(_SELF_DEFENDING):
        add("self-defending", 0.2, 1.0, "a catastrophic-backtracking regex guard")
    if in_code(_DEBUG_TRAP):
        add("debug-protection", 0.2, 1.0, "a 'debu'+'gger' trap built at run time")
    return out


_DIGIT = re.compile(rb"[0-9]")


def _looks_encoded(array: bytes) -> bool:
    """A string array of mostly random-looking entries (base64 or RC4 output, escapes).

    Names and words are mostly lower-case letters; base64 text (obfuscator.io's
    alphabet included) is about half upper-case, with digits mixed in.
    """
    items = re.findall(rb"'([^'\\\n]*)'|\"([^\"\\\n]*)\"", array)
    values = [a or b for a, b in items]
    if not values:
        return False
    if sum(1 for v in values if b"\\x" in v or b"\\u" in v) >= len(values) / 2:
        return True
    text = b"".join(values)
    letters = sum(1 for c in text if 65 <= c <= 90 or 97 <= c <= 122)
    if letters < 40:
        return False
    upper = sum(1 for c in text if 65 <= c <= 90)
    with_digits = sum(1 for v in values if _DIGIT.search(v) and not v.isdigit())
    # Lists of names (PascalCase classes, locales) can be upper-case heavy, but rarely
    # have digits in most entries; base64 and RC4 output have both.
    return upper / letters >= 0.35 and with_digits / len(values) >= 0.5


def _entropy(value: bytes) -> float:
    counts: dict[int, int] = {}
    for c in value:
        counts[c] = counts.get(c, 0) + 1
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _in_code(root: Node, offset: int) -> bool:
    node: Node | None = root.descendant_for_byte_range(offset, offset + 1)
    for _ in range(6):
        if node is None:
            return True
        if node.kind_id in k.TEMPLATE or node.kind_id in k.COMMENT:
            return False
        node = node.parent
    return True


def combine(signals: Iterable[ObfuscationSignal]) -> float:
    remaining = 1.0
    for signal in signals:
        remaining *= 1.0 - min(max(signal.weight, 0.0), 1.0)
    return round(1.0 - remaining, 3)
