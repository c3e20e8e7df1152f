"""The hidden-code part of the HTML and terminal reports, from a real analysis of the demo SDK."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from rich.console import Console

from aivet.analyze.js import Excerpt, Highlight, Location, ScriptAnalysis, analyze_script
from aivet.evidence import sha256_hex
from aivet.intel.kb import Intel
from aivet.model import Audit
from aivet.report.html import render_html
from aivet.report.terminal import render_terminal
from tests.test_reports import reference_audit

SDK = Path(__file__).parents[1] / "src/aivet/demo/site/static.demoseek-cdn.com/js/sdk.min.js"
HOSTILE = '<script>alert("x")</script>'


def _sdk_analysis() -> ScriptAnalysis:
    source = SDK.read_bytes()
    return analyze_script(
        source,
        url="https://static.demoseek-cdn.com/js/sdk.min.js",
        sha256=sha256_hex(source),
        intel=Intel.load(),
    )


def _audit(analysis: ScriptAnalysis) -> Audit:
    audit = reference_audit()
    hosts = {e.host for e in analysis.endpoints}
    audit.destinations = [d for d in audit.destinations if d.attribution.host not in hosts]
    audit.scripts = [analysis]
    return audit


def _terminal(audit: Audit) -> str:
    buffer = io.StringIO()
    render_terminal(audit, Console(file=buffer, width=120, no_color=True))
    return buffer.getvalue()


def test_html_marks_the_decoded_endpoint_in_the_excerpt() -> None:
    analysis = _sdk_analysis()
    assert analysis.obfuscated
    html = render_html(_audit(analysis))
    assert 'id="hidden-code"' in html
    marks = html.split("<mark>")[1:]
    assert any("log.cmpassport.com" in m.split("</mark>")[0] for m in marks)
    assert "Latent flows" in html
    assert f"{analysis.obfuscation_score:.2f}" in html
    assert analysis.sha256[:12] in html


def test_html_escapes_hostile_script_strings() -> None:
    analysis = _sdk_analysis()
    hostile_excerpt = Excerpt(
        Location(1, 1, 0), HOSTILE, f"x={HOSTILE};", (Highlight(2, 2 + len(HOSTILE)),)
    )
    analysis = dataclasses.replace(
        analysis,
        url=f"https://evil.test/{HOSTILE}",
        excerpts=(hostile_excerpt, *analysis.excerpts),
    )
    html = render_html(_audit(analysis))
    assert HOSTILE not in html
    assert "<mark>&lt;script&gt;alert(" in html


def test_terminal_lists_obfuscated_script_and_latent_flow() -> None:
    analysis = _sdk_analysis()
    out = _terminal(_audit(analysis))
    assert "Hidden code" in out
    assert "sdk.min.js" in out and "obfuscated" in out
    assert "Latent flows" in out
    assert "log.cmpassport.com" in out.split("Latent flows")[1]


def test_contacted_hidden_host_is_not_latent() -> None:
    analysis = _sdk_analysis()
    audit = reference_audit()
    audit.scripts = [analysis]
    contacted = {d.attribution.host for d in audit.destinations}
    out = _terminal(audit)
    html = render_html(audit)
    if "log.cmpassport.com" in contacted:
        assert "did contact" in out
        assert 'id="contacted-hidden"' in html
        latent_part = out.split("Latent flows")[1] if "Latent flows" in out else ""
        assert "log.cmpassport.com" not in latent_part.split("did contact")[0]
