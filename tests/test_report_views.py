"""Markdown, the data-flow map and the progress display, from the reference audit."""

from __future__ import annotations

import itertools
import re
from io import StringIO

from rich.console import Console

from aivet.evidence import Artifact
from aivet.report.flowmap import MAX_HOSTS, build_flow_map, render_flow_map
from aivet.report.markdown import audit_to_markdown, md
from aivet.report.progress import AuditProgress
from tests.test_reports import CHINA_MOBILE, reference_audit


def test_markdown_tells_the_story() -> None:
    text = audit_to_markdown(reference_audit())
    assert text.startswith("## aivet web audit of `https://chat.example-ai.test/sign_in`")
    assert "**Partial audit**" in text
    assert "### Receivers on government watchlists" in text
    assert text.index("watchlists") < text.index("### Findings")
    assert "FCC Covered List" in text and "passport\\.cmpassport\\.com" not in text.split("|")[0]


def test_markdown_neutralises_hostile_text() -> None:
    audit = reference_audit()
    audit.destinations[3].attribution.host = "<img src=x onerror=alert(1)>|`x`"
    audit.findings[0].title = "**bold** [link](javascript:alert(1))\nnext line"
    text = audit_to_markdown(audit)
    assert "<img" not in text and "[link](" not in text and "\\[link\\]" in text
    assert "\\*\\*bold\\*\\*" in text
    assert md("a|b\nc") == "a\\|b c"


def test_flow_map_marks_watchlisted_owner() -> None:
    audit = reference_audit()
    flow = build_flow_map(audit)
    owners = [n for n in flow.nodes if n.column == "entity"]
    flagged = [n for n in owners if n.watchlisted]
    assert [n.title.split(" (")[0] for n in flagged] == [CHINA_MOBILE]
    assert len([n for n in flow.nodes if n.column == "host"]) == len(audit.destinations)
    # No two boxes in a column overlap.
    for column in ("host", "entity", "country"):
        boxes = sorted((n.y, n.y + n.height) for n in flow.nodes if n.column == column)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(boxes)), column
    svg = str(render_flow_map(audit))
    assert svg.startswith("<svg") and 'data-watchlisted="true"' in svg
    assert "<script" not in svg and "url(" not in svg and "href" not in svg
    widths = [float(w) for w in re.findall(r'stroke-width="([\d.]+)"', svg)]
    assert min(widths) >= 1.5 and max(widths) <= 10.0


def test_flow_map_escapes_and_caps_hosts() -> None:
    audit = reference_audit()
    audit.destinations[3].attribution.host = '"><script>alert(1)</script>.test'
    template = audit.destinations[1]
    for n in range(MAX_HOSTS + 5):
        extra = type(template)(**{**template.__dict__})
        extra.attribution = type(template.attribution)(
            **{**template.attribution.__dict__, "host": f"h{n}.exampleai-cdn.test"}
        )
        audit.destinations.append(extra)
    svg = str(render_flow_map(audit))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    flow = build_flow_map(audit)
    assert flow.hidden_hosts == len(audit.destinations) - MAX_HOSTS
    assert any(n.id == "map-host-more" for n in flow.nodes)


def test_progress_without_a_terminal_prints_plain_phases() -> None:
    buffer = StringIO()
    console = Console(file=buffer, force_terminal=False, width=80)
    with AuditProgress(console) as progress:
        progress.phase("collecting https://x.test/")
        progress.artifact(Artifact("a" * 64, 1200, "text/plain", "script"))
        progress.phase("analyzing")
    out = buffer.getvalue()
    assert out.splitlines() == ["aivet: collecting https://x.test/", "aivet: analyzing"]
    assert "\x1b" not in out and progress.blobs == 1 and progress.bytes == 1200


def test_progress_on_a_terminal_draws_and_finishes() -> None:
    buffer = StringIO()
    console = Console(file=buffer, force_terminal=True, width=80)
    with AuditProgress(console) as progress:
        progress.phase("collecting")
        for n in range(50):
            progress.artifact(Artifact(f"{n:064x}", 1000, "text/plain", "script"))
    out = buffer.getvalue()
    assert "done: 50 blobs (50.0 kB)" in out
