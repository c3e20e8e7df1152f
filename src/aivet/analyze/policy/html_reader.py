"""HTML to blocks: the main text only (no navigation, banners, scripts), headings kept.

The main text is the largest `<main>`, `[role=main]` or `<article>` when it
holds a fair share of the page, else the body without its page header,
footer, navigation and asides. Lists of bare links (menus, tables of
contents) are dropped; table rows become one block each. The walk is
iterative, so a hostile page nested a million levels deep cannot exhaust
the stack.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from aivet.analyze.policy.document import Block, BlockKind, clean_inline

_SKIP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "canvas",
        "iframe",
        "object",
        "embed",
        "nav",
        "aside",
        "form",
        "button",
        "select",
        "textarea",
        "input",
        "dialog",
        "head",
        "title",
        "meta",
        "link",
        "img",
        "video",
        "audio",
        "picture",
        "map",
        "math",
        "option",
        "datalist",
    ]
)
_SKIP_ROLES = frozenset(
    [
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "dialog",
        "alertdialog",
        "menu",
        "menubar",
    ]
)
_BLOCK = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "blockquote",
        "pre",
        "address",
        "figure",
        "figcaption",
        "fieldset",
        "details",
        "summary",
        "header",
        "footer",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    ]
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_ENDS_PHRASE = re.compile(r"[.!?:;,]\s*$")
_BREAK = "\u2028"
"""Marks a `<br>`; newlines in the markup are only whitespace."""
_MIN_MAIN_SHARE = 0.3
"""A `<main>` or `<article>` holding less of the page's text than this is a fragment."""


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0
        self.kind: BlockKind = "paragraph"
        self.level = 0

    def text(self, value: str, in_link: bool) -> None:
        value = value.replace("\n", " ").replace(_BREAK, " ")
        self.parts.append(value)
        if in_link:
            self.link_chars += len(value.strip())

    def line_break(self) -> None:
        self.parts.append(_BREAK)

    def start(self, kind: BlockKind, level: int = 0) -> None:
        self.flush()
        self.kind = kind
        self.level = level

    def flush(self) -> None:
        raw = "".join(self.parts)
        lines = [clean_inline(line) for line in raw.split(_BREAK)]
        text = ""
        for line in lines:
            if not line:
                continue
            if text:
                # Lines broken with <br> (addresses) read as one phrase.
                text += " " if _ENDS_PHRASE.search(text) else ", "
            text += line
        text = text.rstrip("; ")  # the separator after a table row's last cell
        kind, level = self.kind, self.level
        link_only = text and self.link_chars >= 0.9 * len(text.replace(" ", ""))
        menu_entry = link_only and (
            (kind == "item" and len(text) < 100) or (kind == "paragraph" and len(text) < 40)
        )
        if text and not menu_entry:
            self.blocks.append(Block(kind=kind, text=text, level=level))
        self.parts = []
        self.link_chars = 0
        self.kind = "paragraph"
        self.level = 0


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true":
        return True
    if (attrs.get("role") or "").lower() in _SKIP_ROLES:
        return True
    style = attrs.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _text_length(node: LexborNode) -> int:
    return len(node.text(deep=True, separator=" ", strip=True))


def _main_root(tree: LexborHTMLParser) -> tuple[LexborNode | None, bool]:
    """The node holding the main text, and whether it is the whole body."""
    body = tree.body
    if body is None:
        return tree.root, True
    for tag in ("script", "style", "noscript", "template"):
        for node in body.css(tag):
            node.decompose()
    total = _text_length(body)
    candidates = [*body.css("main"), *body.css("[role=main]"), *body.css("article")]
    best = max(candidates, key=_text_length, default=None)
    if best is not None and total and _text_length(best) >= _MIN_MAIN_SHARE * total:
        return best, False
    return body, True


def html_blocks(html: str) -> tuple[list[Block], str | None]:
    """The main text of a page as blocks, and the page's title."""
    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    title = clean_inline(title_node.text()) if title_node is not None else None
    root, whole_body = _main_root(tree)
    builder = _Builder()
    if root is None:
        return [], title or None
    # (node, leaving, inside_content, in_link): an explicit stack instead of recursion.
    stack: list[tuple[LexborNode, bool, bool, bool]] = [(root, False, not whole_body, False)]
    while stack:
        node, leaving, inside, in_link = stack.pop()
        tag = node.tag or ""
        if leaving:
            if tag in _HEADINGS or tag in ("li", "tr", "dd", "caption", "summary"):
                builder.flush()
            elif tag in ("td", "th"):
                builder.text("; ", False)
            elif tag == "dt":
                builder.text(": ", False)
            elif tag in _BLOCK:
                builder.flush()
            continue
        if node.is_text_node:
            builder.text(node.text_content or "", in_link)
            continue
        if not node.is_element_node or tag in _SKIP or _hidden(node):
            continue
        if tag in ("header", "footer") and whole_body and not inside:
            continue  # the page's own header and footer, not the policy's
        if tag == "br":
            builder.line_break()
            continue
        if tag in _HEADINGS:
            builder.start("heading", _HEADINGS[tag])
        elif tag == "li":
            builder.start("item")
        elif tag in _BLOCK and tag not in ("td", "th", "dd"):
            builder.flush()
        child_inside = inside or tag in ("article", "main", "section")
        child_link = in_link or tag == "a"
        stack.append((node, True, inside, in_link))
        children = list(node.iter(include_text=True))
        stack.extend((child, False, child_inside, child_link) for child in reversed(children))
    builder.flush()
    if not title:
        title = next((b.text for b in builder.blocks if b.kind == "heading"), None)
    return builder.blocks, title or None
