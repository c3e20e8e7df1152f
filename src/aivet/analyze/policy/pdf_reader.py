"""PDF to text with pypdf, in a child process with a time and memory limit.

A malformed or hostile PDF (a decompression bomb, a cyclic page tree, a
stream that never ends) can make any parser loop or allocate without end;
the child is killed at the limit and the audit says so, keeping the pages
it could read. Page headers and footers that repeat on most pages, and bare
page numbers, are dropped before the text is split into blocks.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field

PDF_TIMEOUT_S = 60.0
PDF_MEMORY_BYTES = 1_500_000_000
MAX_PDF_PAGES = 2000
_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s+)?[-\u2013]?\s*\d{1,4}\s*(?:(?:of|/)\s*\d{1,4})?\s*[-\u2013]?\s*$", re.I
)


@dataclass
class PdfText:
    pages: list[str] = field(default_factory=list)
    page_count: int = 0
    problems: list[str] = field(default_factory=list)
    """Why some or all of the text is missing, in words for people."""


def _worker() -> None:
    """Runs in the child: read the PDF on stdin, write pages as JSON on stdout."""
    import logging
    import resource

    limit = int(sys.argv[1]) if len(sys.argv) > 1 else PDF_MEMORY_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    logging.disable(logging.CRITICAL)  # pypdf logs every repair it makes
    result: dict[str, object] = {"pages": [], "page_count": 0, "problems": []}
    problems: list[str] = []
    pages: list[str] = []
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(sys.stdin.buffer.read()), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            problems.append("the PDF is encrypted with a password; no text could be read")
        else:
            count = len(reader.pages)
            result["page_count"] = count
            for number, page in enumerate(reader.pages, start=1):
                if number > MAX_PDF_PAGES:
                    problems.append(f"only the first {MAX_PDF_PAGES} of {count} pages were read")
                    break
                try:
                    pages.append(page.extract_text() or "")
                except Exception as exc:  # one bad page must not lose the others
                    pages.append("")
                    problems.append(f"page {number} could not be read ({type(exc).__name__})")
    except MemoryError:
        problems.append("the PDF needs more memory than allowed to read")
    except Exception as exc:  # pypdf raises many kinds on malformed files
        detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        problems.append(f"not a readable PDF ({detail})")
    result["pages"] = pages
    result["problems"] = problems
    sys.stdout.write(json.dumps(result))


def extract_pdf_text(
    data: bytes, *, timeout_s: float = PDF_TIMEOUT_S, memory_bytes: int = PDF_MEMORY_BYTES
) -> PdfText:
    """The text of each page; never raises, `problems` says what went wrong."""
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from aivet.analyze.policy.pdf_reader import _worker; _worker()",
                str(memory_bytes),
            ],
            input=data,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return PdfText(
            problems=[f"reading the PDF took longer than {timeout_s:g} s and was stopped"]
        )
    except OSError as exc:
        return PdfText(problems=[f"the PDF reader could not start ({exc.strerror or exc})"])
    try:
        raw = json.loads(done.stdout.decode("utf-8"))
        return PdfText(
            pages=[str(p) for p in raw["pages"]],
            page_count=int(raw["page_count"]),
            problems=[str(p) for p in raw["problems"]],
        )
    except (ValueError, KeyError, TypeError):
        why = (
            "ran out of memory"
            if done.returncode in (-9, 137) or b"MemoryError" in done.stderr
            else (f"stopped with exit status {done.returncode}")
        )
        return PdfText(problems=[f"the PDF reader {why}; no text could be read"])


def strip_page_furniture(pages: list[str]) -> str:
    """The pages joined, without repeated headers and footers or bare page numbers."""
    split = [[line for line in page.splitlines()] for page in pages]
    edges: Counter[str] = Counter()
    for lines in split:
        nonblank = [line.strip() for line in lines if line.strip()]
        edges.update(set(nonblank[:2] + nonblank[-2:]))
    repeated = {line for line, n in edges.items() if len(split) >= 3 and n >= len(split) / 2}
    out: list[str] = []
    for lines in split:
        kept = [
            line for line in lines if line.strip() not in repeated and not _PAGE_NUMBER.match(line)
        ]
        out.append("\n".join(kept))
    return "\n".join(out)
