"""Reading policies: HTML main text, PDFs (good and broken), text in any encoding, limits."""

from __future__ import annotations

import codecs

import pytest

from aivet.analyze.policy.decode import decode_bytes
from aivet.analyze.policy.document import split_sentences
from aivet.analyze.policy.pdf_reader import extract_pdf_text, strip_page_furniture
from aivet.analyze.policy.reading import read_document, sniff_media_type
from tests.support.policy_pdf import malformed_pdfs, reference_pdf

POLICY_HTML = b"""<!DOCTYPE html><html><head><title>Acme Privacy</title>
<style>p { color: red }</style><script>var secret = "We sell your data";</script></head>
<body><header><a href="/">Acme</a></header>
<nav><a href="/a">Menu item about cookies</a></nav>
<div hidden>We store data in North Korea.</div>
<div style="display:none">Hidden banner text.</div>
<main><h1>Privacy Policy</h1>
<ul><li><a href="#one">Who we are</a></li><li><a href="#two">Data</a></li></ul>
<h2 id="one">1. Who we are</h2><p>Acme Ltd.<br>1 Road<br>London<br>United Kingdom</p>
<h2 id="two">2. Data we collect</h2>
<p>We collect your e-mail
   address. We also collect your IP address, e.g. when you log in.</p>
<ul><li>Device identifiers</li><li>Prompts you type</li></ul>
<table><tr><th>Data</th><th>Retention</th></tr><tr><td>Logs</td><td>30 days</td></tr></table>
</main>
<footer>Copyright Acme. <a href="/terms">Terms</a></footer></body></html>"""


def test_html_keeps_the_main_text_and_its_headings() -> None:
    read = read_document(POLICY_HTML, name="privacy.html")
    text = read.text
    assert read.media_type == "text/html" and read.problems == []
    assert text.title == "Acme Privacy"
    for gone in ("We sell your data", "North Korea", "Hidden banner", "Menu item", "Copyright"):
        assert gone not in text.text
    headings = [b.text for b in text.blocks if b.kind == "heading"]
    assert headings == ["Privacy Policy", "1. Who we are", "2. Data we collect"]
    assert "Who we are\n" not in text.text.split("1. Who we are", 1)[0]  # the TOC links are gone
    assert "Acme Ltd. 1 Road, London, United Kingdom" in text.text
    sentences = {s.text: s for s in text.sentences}
    assert "We collect your e-mail address." in sentences
    assert "We also collect your IP address, e.g. when you log in." in sentences
    item = sentences["Device identifiers"]
    assert (
        item.kind == "item"
        and item.lead == "We also collect your IP address, e.g. when you log in."
    )
    assert item.section == "Privacy Policy \u203a 2. Data we collect"
    assert "Logs; 30 days" in text.text
    for sentence in text.sentences:  # offsets point into the stored text
        assert text.text[sentence.start : sentence.end] == sentence.text


def test_sentence_splitting_respects_abbreviations_and_numbering() -> None:
    text = (
        "We use Acme Co. Ltd. as a processor. See Art. 6 GDPR. 1. Who we are. Yes. It is U.S. law."
    )
    parts = [text[s:e] for s, e in split_sentences(text)]
    assert parts == [
        "We use Acme Co. Ltd. as a processor.",
        "See Art. 6 GDPR.",
        "1. Who we are.",
        "Yes.",
        "It is U.S. law.",
    ]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
     ("utf-16-be", codecs.BOM_UTF16_BE), ("cp1252", b""), ("gb18030", b"")],
)  # fmt: skip
def test_text_in_any_encoding(encoding: str, bom: bytes) -> None:
    # Detection needs a realistic amount of text: a policy, not a phrase.
    if encoding == "gb18030":
        words = (
            "我们收集您的电子邮件地址、电话号码和设备标识符。我们将您的个人信息存储在中华人民共和国境内的服务器上。"
            * 4
        )
    else:
        words = (
            "Données personnelles — “quoted” naïve café, l\u2019adresse électronique et le numéro. "
            * 4
        )
    data = bom + f"Privacy notice\n\n{words} We collect your IP address.\n".encode(encoding)
    read = read_document(data, name="policy.txt")
    assert read.media_type == "text/plain"
    assert words.strip() in read.text.text


def test_html_declared_charset_is_used() -> None:
    html = (
        '<html><head><meta charset="gbk"></head>'
        "<body><p>我们将您的数据存储在中国境内的服务器上。</p></body></html>"
    )
    read = read_document(html.encode("gbk"), name="p.html")
    assert read.charset == "gb18030"
    assert "存储在中国境内" in read.text.text
    text, codec = decode_bytes(b"caf\xe9 cr\xe8me", "iso-8859-1")
    assert (text, codec) == ("café crème", "cp1252")


def test_markdown_and_plain_text_structure() -> None:
    data = b"""---
title: Policy
---
# Privacy Policy

## Information We Collect

* Account data: your name and email address.
* Usage data: your IP address.

YOUR RIGHTS

You may ask us to delete your data. This line is
wrapped in the file and the word infor-
mation is hyphenated.
"""
    text = read_document(data, name="policy.md").text
    assert [(b.kind, b.text) for b in text.blocks[:3]] == [
        ("heading", "Privacy Policy"),
        ("heading", "Information We Collect"),
        ("item", "Account data: your name and email address."),
    ]
    assert "title: Policy" not in text.text
    assert any(b.kind == "heading" and b.text == "YOUR RIGHTS" for b in text.blocks)
    assert "This line is wrapped in the file and the word information is hyphenated." in text.text


def test_pdf_text_without_running_headers_and_page_numbers() -> None:
    read = read_document(reference_pdf(), name="policy.pdf")
    assert read.media_type == "application/pdf" and read.pages == 3 and read.problems == []
    assert "Page 1 of 3" not in read.text.text
    assert read.text.text.count("ExampleSeek Privacy Policy") == 0  # the running header
    headings = [b.text for b in read.text.blocks if b.kind == "heading"]
    assert headings[:2] == ["1. Who we are", "2. What we collect"]
    assert any(
        s.text == "We store the information we collect on secure servers located in the "
        "People's Republic of China."
        for s in read.text.sentences
    )


@pytest.mark.parametrize("name", sorted(malformed_pdfs()))
def test_malformed_pdfs_end_in_a_clear_result(name: str) -> None:
    read = read_document(malformed_pdfs()[name], name=f"{name}.pdf")
    assert read.media_type == "application/pdf"
    if name == "image-only":
        assert read.text.text == "" and read.problems == []
    else:
        assert read.problems, name
        assert all("\n" not in p and len(p) < 300 for p in read.problems)
    if name == "encrypted":
        assert "encrypted" in read.problems[0]


def test_pdf_reader_is_stopped_at_its_time_limit() -> None:
    result = extract_pdf_text(reference_pdf(), timeout_s=0.001)
    assert result.pages == []
    assert result.problems == ["reading the PDF took longer than 0.001 s and was stopped"]


def test_page_furniture_is_only_what_repeats() -> None:
    pages = ["Acme\nReal text one.\n1", "Acme\nReal text two.\n2", "Acme\nAcme is great.\n3"]
    assert strip_page_furniture(pages) == "Real text one.\nReal text two.\nAcme is great."


def test_media_type_is_sniffed_from_content_first() -> None:
    assert sniff_media_type(b"%PDF-1.7 ...", "text/html", "x.html") == "application/pdf"
    assert sniff_media_type(b"<!doctype html><p>x", None, "policy.txt") == "text/html"
    assert sniff_media_type(b"Plain words.", None, "policy") == "text/plain"
    assert sniff_media_type(b"Plain words.", "application/pdf", "") == "application/pdf"


def test_huge_documents_are_cut_with_a_note() -> None:
    paragraph = b"<p>We collect your e-mail address and store it on our servers.</p>\n"
    data = (
        b"<html><body><main>"
        + paragraph * (10_500_000 // len(paragraph))
        + b"</main></body></html>"
    )
    assert len(data) > 10_000_000
    read = read_document(data, name="huge.html")
    assert len(read.text.text) <= 3_000_000
    assert any("cut at 3,000,000 characters" in p for p in read.problems)


def test_empty_and_binary_input() -> None:
    assert read_document(b"", name="empty.html").text.sentences == []
    read = read_document(bytes(range(256)) * 100, name="blob.bin")
    assert read.media_type == "text/plain" and read.problems == []
