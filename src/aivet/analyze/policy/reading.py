"""Any policy document to `PolicyText`: the type sniffed, the encoding found, limits kept.

Limits keep a hostile or absurd document to bounded time and memory: HTML and
text beyond `MAX_MARKUP_BYTES` are cut, PDFs beyond `MAX_PDF_BYTES` are not
read, the extracted text stops at `MAX_TEXT_CHARS`. Each cut is a note, and a
note makes the audit partial.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aivet.analyze.policy.decode import decode_bytes
from aivet.analyze.policy.document import PolicyText, build_text
from aivet.analyze.policy.html_reader import html_blocks
from aivet.analyze.policy.pdf_reader import extract_pdf_text, strip_page_furniture
from aivet.analyze.policy.text_reader import text_blocks

HTML = "text/html"
PDF = "application/pdf"
TEXT = "text/plain"

MAX_MARKUP_BYTES = 32 * 1024 * 1024
MAX_PDF_BYTES = 100 * 1024 * 1024
MAX_TEXT_CHARS = 3_000_000
_HTML_MARKERS = ("<!doctype html", "<html", "<head", "<body", "<p>", "<div", "<h1", "<article")
_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx")


@dataclass
class ReadDocument:
    text: PolicyText
    media_type: str
    charset: str | None = None
    pages: int | None = None
    problems: list[str] = field(default_factory=list)
    """Why the text is incomplete or missing (each makes the audit partial)."""


def sniff_media_type(data: bytes, declared: str | None = None, name: str = "") -> str:
    """`application/pdf`, `text/html` or `text/plain`: content first, then the name."""
    head = data[:2048]
    if b"%PDF-" in data[:1024]:
        return PDF
    declared = (declared or "").split(";")[0].strip().lower()
    if declared == PDF:
        return PDF  # what the server called a PDF stays one, to say why it could not be read
    if declared in ("text/html", "application/xhtml+xml"):
        return HTML
    lowered = name.lower().split("?")[0]
    if lowered.endswith(".pdf"):
        return PDF
    if lowered.endswith(_HTML_SUFFIXES):
        return HTML
    sample = head.replace(b"\x00", b"").decode("latin-1").lower()
    if any(marker in sample for marker in _HTML_MARKERS):
        return HTML
    return TEXT


def read_document(
    data: bytes, *, media_type: str | None = None, charset: str | None = None, name: str = ""
) -> ReadDocument:
    """Read a policy's bytes; never raises on bad input (problems say what went wrong)."""
    kind = sniff_media_type(data, media_type, name)
    problems: list[str] = []
    if kind == PDF:
        if len(data) > MAX_PDF_BYTES:
            problems.append(
                f"the PDF ({len(data):,} bytes) is larger than {MAX_PDF_BYTES:,} bytes "
                "and was not read"
            )
            return ReadDocument(build_text([], max_chars=MAX_TEXT_CHARS), PDF, None, None, problems)
        pdf = extract_pdf_text(data)
        problems += pdf.problems
        raw = strip_page_furniture(pdf.pages)
        blocks = text_blocks(raw, wrapped=True)
        text = build_text(blocks, max_chars=MAX_TEXT_CHARS)
        problems += text.notes
        return ReadDocument(text, PDF, None, pdf.page_count or None, problems)
    if len(data) > MAX_MARKUP_BYTES:
        problems.append(f"the document ({len(data):,} bytes) was cut at {MAX_MARKUP_BYTES:,} bytes")
        data = data[:MAX_MARKUP_BYTES]
    decoded, codec = decode_bytes(data, charset, html=kind == HTML)
    if kind == HTML:
        blocks, title = html_blocks(decoded)
    else:
        blocks, title = text_blocks(decoded), None
    text = build_text(blocks, title=title, max_chars=MAX_TEXT_CHARS)
    problems += text.notes
    return ReadDocument(text, kind, codec, None, problems)
