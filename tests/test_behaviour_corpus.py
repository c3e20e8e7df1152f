"""The behaviour heuristics on the corpus, in real Chromium: one test per heuristic, real
fingerprinting libraries from npm detected with the techniques each really uses, ordinary
libraries (a chart, an emoji check, a rich-text editor) not reported, and the table in
docs/behaviour.md matching what the corpus gives now."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aivet.analyze.behaviour import HEURISTICS
from aivet.collect.browser import BrowserHost
from aivet.model import Finding
from aivet.pipeline import AuditOutput
from aivet.web_session import ResolveRule
from tests.support.behaviour import audit_page, fired_by_script
from tests.support.behaviour_corpus import CORPUS, VENDOR, CorpusPage, render_table, samples

DOCS = Path(__file__).resolve().parent.parent / "docs" / "behaviour.md"
TABLE = re.compile(r"<!-- corpus-table:start -->\n(.*?)<!-- corpus-table:end -->", re.S)


@pytest.fixture(scope="module")
def corpus(
    browser_host: BrowserHost,
    resolve_rules: tuple[ResolveRule, ...],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, AuditOutput]:
    return {
        page.path: audit_page(
            page.path,
            host=browser_host,
            resolve=resolve_rules,
            tmp=tmp_path_factory.getbasetemp(),
            interact=page.interact,
        )
        for page in CORPUS
    }


@pytest.fixture(scope="module")
def fired(corpus: dict[str, AuditOutput]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for result in corpus.values():
        for script, ids in fired_by_script(result).items():
            out.setdefault(script, set()).update(ids)
    return out


def _page_of(script: str) -> CorpusPage:
    return next(page for page, sample in samples() if sample.script == script)


def test_corpus_pages_complete(corpus: dict[str, AuditOutput]) -> None:
    for path, result in corpus.items():
        assert result.audit.status == "complete", (path, result.audit.status_reasons)
        assert result.audit.behaviour.instrumented, path


@pytest.mark.parametrize("heuristic", [h.id for h in HEURISTICS])
def test_heuristic_on_corpus(heuristic: str, fired: dict[str, set[str]]) -> None:
    """Fires for every sample that uses the technique, for no other."""
    positives = [s for _, s in samples() if heuristic in s.expected]
    assert positives, f"the corpus has no positive for {heuristic}"
    for _, sample in samples():
        got = heuristic in fired.get(sample.script, set())
        wanted = heuristic in sample.expected and not sample.missed
        assert got == wanted, (
            f"{heuristic} on {sample.name}: fired={got}; fired there: "
            f"{sorted(fired.get(sample.script, set()))}"
        )


def test_real_libraries_detected_with_their_techniques(fired: dict[str, set[str]]) -> None:
    fingerprintjs = fired[f"{VENDOR}/fingerprintjs/5.2.0/fp.umd.min.js"]
    assert {"canvas", "audio", "webgl-unmask", "font-probe", "enumeration"} <= fingerprintjs
    thumbmark = fired[f"{VENDOR}/thumbmarkjs/1.11.0/thumbmark.umd.js"]
    assert {"canvas", "canvas-font", "audio", "enumeration"} <= thumbmark
    # ThumbmarkJS reads codecs from a WebRTC offer but never listens for ICE candidates:
    # not local-IP discovery.
    assert "webrtc-ip" not in thumbmark
    assert {"canvas", "font-probe"} <= fired[f"{VENDOR}/clientjs/0.2.1/client.base.min.js"]


def _behaviour_findings(result: AuditOutput) -> list[Finding]:
    return [
        f
        for f in result.audit.findings
        if f.category in ("fingerprinting", "key-logging", "session-recording")
    ]


def test_ordinary_libraries_not_reported(corpus: dict[str, AuditOutput]) -> None:
    negatives = corpus["/negatives.html"]
    assert _behaviour_findings(negatives) == []
    # The editor was typed into, and its key listeners were seen.
    assert any(c.field_kind == "prompt" for c in negatives.audit.canaries)
    quill = next(s for s in negatives.audit.behaviour.scripts if s.script_url.endswith("quill.js"))
    assert quill.apis.get("EventTarget.addEventListener", 0) > 0
    assert quill.heuristics == []


def test_emoji_check_meets_the_published_canvas_conditions(fired: dict[str, set[str]]) -> None:
    """is-emoji-supported meets the paper's four conditions; aivet's emoji exclusion spares it."""
    emoji = fired.get("http://www.fp-test.com/vendor/is-emoji-supported.min.js", set())
    assert emoji == {"canvas (published conditions only)"}


def test_findings_name_script_entity_calls_and_heuristic(corpus: dict[str, AuditOutput]) -> None:
    result = corpus["/fingerprintjs.html"]
    canvas = next(f for f in result.audit.findings if f.rule == "web.fingerprinting.canvas")
    assert canvas.data["script_url"] == f"{VENDOR}/fingerprintjs/5.2.0/fp.umd.min.js"
    assert canvas.data["entity"] == "Fingerprint Test Vendor (fictional)"
    assert canvas.data["country"] == "US" and canvas.data["party"] == "third"
    assert canvas.data["heuristic"] == "canvas"
    assert "Englehardt" in str(canvas.data["source"])
    calls = canvas.data["calls"]
    assert isinstance(calls, list)
    apis = {c["api"] for c in calls}
    assert "CanvasRenderingContext2D.fillText" in apis and "HTMLCanvasElement.toDataURL" in apis
    assert canvas.evidence[0].kind == "script"
    assert canvas.severity == "medium" and canvas.confidence == "high"
    assert "Fingerprint Test Vendor" in canvas.title
    script = next(
        s for s in result.audit.behaviour.scripts if s.script_url.endswith("fp.umd.min.js")
    )
    assert script.entity == "Fingerprint Test Vendor (fictional)"
    assert {"canvas", "audio"} <= set(script.heuristics)


def test_docs_table_matches_the_corpus(fired: dict[str, set[str]]) -> None:
    match = TABLE.search(DOCS.read_text(encoding="utf-8"))
    assert match, "docs/behaviour.md has no corpus table markers"
    assert match.group(1) == render_table(fired), (
        "the corpus results changed: run `python scripts/behaviour_table.py`"
    )
