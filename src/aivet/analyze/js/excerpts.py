"""De-obfuscated excerpts: the statement around a finding, decoded expressions spelled out."""

from __future__ import annotations

from tree_sitter import Node

from aivet.analyze.js import syntax as k
from aivet.analyze.js.endpoints import find_urls
from aivet.analyze.js.index import Index
from aivet.script_record import Highlight

_MAX_SPAN = 2400


def build_excerpt(
    index: Index,
    offset: int,
    replacements: dict[tuple[int, int], str],
    url: str,
    chars: int,
) -> tuple[tuple[int, int], str, str, tuple[Highlight, ...]] | None:
    node = index.root.descendant_for_byte_range(offset, offset + 1)
    if node is None:
        return None
    span_node = _statement(node)
    start, end = span_node.start_byte, span_node.end_byte
    chosen: list[tuple[int, int, str]] = []
    last_end = -1
    for (r_start, r_end), text in sorted(
        replacements.items(), key=lambda item: (item[0][0], -item[0][1])
    ):
        if r_start < start or r_end > end or r_start < last_end:
            continue
        chosen.append((r_start, r_end, text))
        last_end = r_end
    source = index.source
    parts: list[str] = []
    highlights: list[Highlight] = []
    position = start
    length = 0
    wanted_hosts = {f.host for f in find_urls(url, allow_bare=True)}
    for r_start, r_end, text in chosen:
        chunk = source[position:r_start].decode("utf-8", "replace")
        parts.append(chunk)
        length += len(chunk)
        if any(host.removeprefix("*.") in text for host in wanted_hosts) or url in text:
            highlights.append(Highlight(length, length + len(text)))
        parts.append(text)
        length += len(text)
        position = r_end
    parts.append(source[position:end].decode("utf-8", "replace"))
    deobfuscated = "".join(parts)
    original = source[start:end].decode("utf-8", "replace")
    if not highlights:
        for host in wanted_hosts:
            at = deobfuscated.find(host.removeprefix("*."))
            if at >= 0:
                highlights.append(Highlight(at, at + len(host.removeprefix("*."))))
                break
    deobfuscated, highlights = _window(deobfuscated, highlights, chars)
    if not highlights:
        # The URL reaches this code through a variable or a parameter: say where it goes.
        start = len(deobfuscated) + len(" /* \u2192 ")
        highlights.append(Highlight(start, start + len(url)))
        deobfuscated += f" /* \u2192 {url} */"
    if len(original) > chars:
        centre = offset - start
        low = max(0, min(centre - chars // 3, len(original) - chars))
        original = ("\u2026" if low else "") + original[low : low + chars] + "\u2026"
    return (start, end), original, deobfuscated, tuple(highlights)


def _statement(node: Node) -> Node:
    current = node
    best = node
    while current.parent is not None:
        parent = current.parent
        if parent.end_byte - parent.start_byte > _MAX_SPAN or parent.kind_id in k.PROGRAM:
            break
        current = parent
        best = current
        if current.kind_id in k.STATEMENTS:
            break
    return best


def _window(text: str, highlights: list[Highlight], chars: int) -> tuple[str, list[Highlight]]:
    if len(text) <= chars:
        return text, highlights
    centre = highlights[0].start if highlights else 0
    low = max(0, min(centre - chars // 3, len(text) - chars))
    high = low + chars
    prefix = "\u2026" if low else ""
    kept = [
        Highlight(h.start - low + len(prefix), min(h.end, high) - low + len(prefix))
        for h in highlights
        if h.start >= low and h.start < high
    ]
    return prefix + text[low:high] + ("\u2026" if high < len(text) else ""), kept
