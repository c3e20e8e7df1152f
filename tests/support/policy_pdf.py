"""Text PDFs for the policy tests, written with pypdf (no other tool needed).

`text_pdf(pages)` lays each page's lines out in Helvetica; `malformed_pdfs()` gives
the broken files the reader must survive. Run as a script to regenerate the PDF
served by the browser test: `python -m tests.support.policy_pdf`.
"""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)

PAGES = Path(__file__).resolve().parent.parent / "pages"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(pages: list[list[str]], *, password: str | None = None) -> bytes:
    """A PDF whose page i shows the lines `pages[i]`, top to bottom (Latin-1 text)."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    for lines in pages:
        page = writer.add_blank_page(width=612, height=792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
        )
        ops = ["BT", "/F1 10 Tf", "12 TL", "56 740 Td"]
        for line in lines:
            ops.append(f"({_escape(line)}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("cp1252", "replace"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password:
        writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def reference_pdf() -> bytes:
    """The reference-case statements as a three-page PDF with a running header and footer."""
    header = "ExampleSeek Privacy Policy"
    return text_pdf(
        [
            [
                header,
                "1. Who we are",
                "The ExampleSeek chat service is provided by Example Seek Artificial",
                "Intelligence Co., Ltd., registered in Hangzhou, People's Republic of China.",
                "2. What we collect",
                "We collect the text or audio input, prompts, uploaded files, feedback and",
                "chat history you provide. We automatically collect your device model, IP",
                "address, device identifiers and keystroke patterns or rhythms.",
                "Page 1 of 3",
            ],
            [
                header,
                "3. How we use it",
                "We use the information to operate the service and to train and improve our",
                "technology, including our machine learning models.",
                "4. Who receives it",
                "We share information with our corporate group. We may share information",
                "with law enforcement agencies and public authorities if we have a good",
                "faith belief that this is necessary to comply with government requests.",
                "Page 2 of 3",
            ],
            [
                header,
                "5. Where we store it",
                "We store the information we collect on secure servers located in the",
                "People's Republic of China.",
                "6. How long we keep it",
                "We retain information for as long as necessary to provide the service.",
                "Page 3 of 3",
            ],
        ]
    )


def malformed_pdfs() -> dict[str, bytes]:
    """Broken PDFs, by what is wrong with them."""
    good = reference_pdf()
    return {
        "empty": b"",
        "header-only": b"%PDF-1.7\n",
        "truncated": good[: len(good) // 2],
        "garbage": b"%PDF-1.4\n" + bytes(range(256)) * 64,
        "no-xref": good.replace(b"xref", b"xxxx").replace(b"startxref", b"startxxxx"),
        "encrypted": text_pdf([["Secret policy text."]], password="secret"),
        "image-only": text_pdf([[]]),
        "bad-stream-length": good.replace(b"/Length ", b"/Length 99999999", 1),
    }


if __name__ == "__main__":
    target = PAGES / "policy.aivet-test.com" / "policy.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(reference_pdf())
    print(f"wrote {target}")
