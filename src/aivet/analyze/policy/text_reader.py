"""Plain text, Markdown and text pulled out of PDFs, to blocks.

Paragraphs are separated by blank lines; wrapped lines are joined (a word
hyphenated across lines is mended). Headings are Markdown `#` lines, setext
underlines, or short lines without closing punctuation that stand alone
(`2. Information we collect`, `YOUR RIGHTS`). List items start with a bullet,
a number or a letter in parentheses.
"""

from __future__ import annotations

import re

from aivet.analyze.policy.document import Block, clean_inline

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_BULLET = re.compile(
    r"^\s*(?:[-*+•·▪◦‣●■\u2013]|\(?\d{1,3}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}\))\s+(?=\S)"
)
_NUMBERED_HEADING = re.compile(
    r"^(?:(?:section|article|part|chapter)\s+)?(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+\S", re.I
)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+|[^>\s@]+@[^>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][^>]{0,200}>")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_ENDS_SENTENCE = re.compile(r"[.!?:;,]['\"”\u2019)]*$")
_MAX_HEADING_CHARS = 90


def _inline(text: str) -> str:
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    return clean_inline(text)


def _join(left: str, right: str) -> str:
    if not left:
        return right
    if left.endswith("-") and not left.endswith(" -") and right[:1].islower():
        return left[:-1] + right  # a word hyphenated across lines
    return left + " " + right


def _heading_level(line: str) -> int | None:
    """A level when a lone line looks like a heading, else None."""
    if len(line) > _MAX_HEADING_CHARS or _ENDS_SENTENCE.search(line):
        return None
    words = line.split()
    if not words or len(words) > 12 or not (line[0].isupper() or line[0].isdigit()):
        return None
    numbered = _NUMBERED_HEADING.match(line)
    if numbered:
        return 2 + numbered.group(1).count(".")
    letters = [c for c in line if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return 2
    capitalised = sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha())
    return 3 if capitalised >= max(1, len(words) // 2) else None


def text_blocks(text: str, *, wrapped: bool = False) -> list[Block]:
    """Blocks of a plain-text or Markdown document.

    `wrapped` is for text from PDFs, whose paragraphs are not separated by blank
    lines: a short line without closing punctuation between sentences is a heading.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = _FRONT_MATTER.sub("", text, count=1)
    text = _COMMENT.sub(" ", text)
    blocks: list[Block] = []
    for para in re.split(r"\n[ \t]*\n", text):
        lines = [line.rstrip() for line in para.split("\n") if line.strip()]
        current: Block | None = None
        for i, line in enumerate(lines):
            stripped = line.strip()
            md = _MD_HEADING.match(stripped)
            if md:
                current = None
                blocks.append(Block("heading", _inline(md.group(2)), len(md.group(1))))
                continue
            if (
                _SETEXT.match(stripped)
                and current is not None
                and current.kind == "paragraph"
                and len(current.text) <= _MAX_HEADING_CHARS
            ):
                current.kind = "heading"
                current.level = 1 if stripped.startswith("=") else 2
                current = None
                continue
            if stripped.startswith("|"):
                if _TABLE_RULE.match(stripped):
                    continue
                cells = [_inline(c) for c in stripped.strip("|").split("|")]
                current = None
                blocks.append(Block("paragraph", "; ".join(c for c in cells if c)))
                continue
            if _NUMBERED_HEADING.match(stripped) and _heading_level(stripped) is not None:
                current = None  # "2. What we collect": a numbered heading, not a list item
                blocks.append(Block("heading", _inline(stripped), _heading_level(stripped) or 2))
                continue
            bullet = _BULLET.match(line)
            if bullet:
                current = Block("item", _inline(line[bullet.end() :]))
                blocks.append(current)
                continue
            alone = len(lines) == 1
            if wrapped and not alone:
                prev_ends = i == 0 or bool(_ENDS_SENTENCE.search(lines[i - 1].strip()))
                next_upper = i + 1 >= len(lines) or lines[i + 1].strip()[:1].isupper()
                alone = prev_ends and next_upper and (current is None or prev_ends)
            level = _heading_level(stripped) if alone else None
            if level is not None and (alone or current is None):
                current = None
                blocks.append(Block("heading", _inline(stripped), level))
                continue
            if current is None or current.kind == "heading":
                current = Block("paragraph", _inline(stripped))
                blocks.append(current)
            elif (
                wrapped
                and current.kind == "paragraph"
                and _ENDS_SENTENCE.search(current.text)
                and stripped[:1].isupper()
                and len(current.text) > 400
            ):
                # Long PDF paragraphs are cut at sentence ends: blocks stay readable.
                current = Block("paragraph", _inline(stripped))
                blocks.append(current)
            else:
                current.text = _join(current.text, _inline(stripped))
    return [b for b in blocks if b.text]
