"""A policy as read: blocks (headings, paragraphs, list items), then sentences with offsets.

Every reader (HTML, PDF, text) produces blocks; `build_text` lays them out as
one plain text, which is stored as evidence, and splits each block into
sentences whose offsets point into that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "item"]

MAX_SENTENCE_CHARS = 1200
"""A "sentence" longer than this (a table flattened, no punctuation) is cut at spaces."""

_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "no",
        "nos",
        "art",
        "arts",
        "sec",
        "secs",
        "para",
        "paras",
        "vs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "u.s",
        "u.k",
        "e.u",
        "approx",
        "incl",
        "cf",
        "fig",
        "pp",
        "pte",
        "llc",
        "s.a",
        "b.v",
        "n.v",
        "a.g",
        "p.o",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "dept",
        "est",
        "gov",
        "ave",
        "rd",
        "ch",
        "chap",
        "vol",
        "viz",
        "al",
        "resp",
        "ca",
    ]
)
_BOUNDARY = re.compile(r"[.!?]+[\"'”\u2019)\]]*\s+(?=[\"'“\u2018(\[]?[A-Z0-9•*\u2013-])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_ENUMERATOR = re.compile(
    r"^(?:\(?\d{1,3}(?:\.\d{1,3})*|\(?[a-z]|\(?[ivxlc]{1,5})\)?$", re.IGNORECASE
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


@dataclass
class Block:
    kind: BlockKind
    text: str
    level: int = 0
    """Heading level (1-6) for headings."""


@dataclass
class Sentence:
    index: int
    text: str
    start: int
    end: int
    section: str
    """Heading path, outermost first, joined with ` \u203a `."""
    heading: str
    """The nearest heading (lower case), for section-aware rules."""
    block: int
    kind: BlockKind
    lead: str = ""
    """For a list item: the sentence that introduced the list (`We share data with:`)."""


@dataclass
class PolicyText:
    text: str
    blocks: list[Block]
    sentences: list[Sentence]
    title: str | None = None
    sections: int = 0
    notes: list[str] = field(default_factory=list)
    """What limited the reading, for people (also why the audit is partial)."""


def clean_inline(text: str) -> str:
    """One line of text: whitespace runs collapsed, no control characters."""
    text = "".join(c if c.isprintable() or c in "\t\n" else " " for c in text)
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of one block of running text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = _WORD_BEFORE.search(text, max(start, match.start() - 40), match.start())
        if before is not None:
            word = before.group(1).lower().rstrip(".")
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        if _ENUMERATOR.match(text[start : match.start()].strip()):
            continue  # "1. Who we are", "a. Account data": a number, not a sentence
        end = match.end()
        spans.append((start, end))
        start = end
    if start < len(text):
        spans.append((start, len(text)))
    result: list[tuple[int, int]] = []
    for s, e in spans:
        while e - s > MAX_SENTENCE_CHARS:
            cut = text.rfind(" ", s + MAX_SENTENCE_CHARS // 2, s + MAX_SENTENCE_CHARS)
            cut = cut if cut > s else s + MAX_SENTENCE_CHARS
            result.append((s, cut))
            s = cut
        result.append((s, e))
    # Trim whitespace at the edges of each span.
    trimmed = []
    for s, e in result:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def build_text(
    blocks: list[Block], *, title: str | None = None, max_chars: int, notes: list[str] | None = None
) -> PolicyText:
    """Lay the blocks out as one text and split them into sentences with offsets."""
    notes = list(notes or [])
    parts: list[str] = []
    sentences: list[Sentence] = []
    path: list[tuple[int, str]] = []
    offset = 0
    lead = ""
    sections = 0
    kept: list[Block] = []
    for block in blocks:
        text = block.text.strip()
        if not text:
            continue
        prefix = "- " if block.kind == "item" else ""
        if offset + len(prefix) + len(text) > max_chars:
            notes.append(f"the text was cut at {max_chars:,} characters; the rest was not analysed")
            break
        index = len(kept)
        kept.append(block)
        if block.kind == "heading":
            sections += 1
            while path and path[-1][0] >= block.level:
                path.pop()
            path.append((block.level, text))
        parents = path[:-1] if block.kind == "heading" else path
        section = " \u203a ".join(t for _, t in parents)
        heading = (path[-1][1] if path else "").lower()
        base = offset + len(prefix)
        spans = [(0, len(text))] if block.kind == "heading" else split_sentences(text)
        for s, e in spans:
            sentences.append(
                Sentence(
                    index=len(sentences),
                    text=text[s:e],
                    start=base + s,
                    end=base + e,
                    section=section,
                    heading=heading,
                    block=index,
                    kind=block.kind,
                    lead=lead if block.kind == "item" else "",
                )
            )
        if block.kind == "paragraph":
            spans = split_sentences(text)
            lead = text[spans[-1][0] : spans[-1][1]] if spans else ""
        elif block.kind == "heading":
            lead = ""
        parts.append(prefix + text)
        offset += len(prefix) + len(text) + 2
    full = "\n\n".join(parts) + ("\n" if parts else "")
    return PolicyText(
        text=full, blocks=kept, sentences=sentences, title=title, sections=sections, notes=notes
    )
