"""The in-page instrumentation in real Chromium: hidden from the page and from the recorded
scripts, harmless to the page, bounded against hostile pages, present in frames and workers,
and not fooled by pages that look for it or go around it."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from aivet.analyze.web_audit import analyze_web_session
from aivet.collect.browser import BrowserHost
from aivet.pipeline import AuditOutput
from aivet.report.json_report import audit_to_dict, validate_audit_dict
from aivet.web_session import ResolveRule
from tests.support.behaviour import audit_page, behaviour_intel, blob, calls_of, session_of
from tests.support.behaviour_corpus import EVASIVE, SITE
from tests.support.webserver import LocalWebServer

Audit = Callable[..., AuditOutput]
OUR_CODE = b"function instrument(CONFIG)"


@pytest.fixture(scope="module")
def audit(
    browser_host: BrowserHost,
    resolve_rules: tuple[ResolveRule, ...],
    tmp_path_factory: pytest.TempPathFactory,
) -> Audit:
    def run(path: str, **options: object) -> AuditOutput:
        return audit_page(
            path,
            host=browser_host,
            resolve=resolve_rules,
            tmp=tmp_path_factory.getbasetemp(),
            **options,  # type: ignore[arg-type]
        )

    return run


# --- invisible ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/evasion.html", "/techniques.html"])
def test_instrumentation_is_not_the_pages_code(audit: Audit, path: str) -> None:
    result = audit(path)
    session = session_of(result)
    assert session.scripts, "no scripts were recorded at all"
    for script in session.scripts:
        assert OUR_CODE not in blob(result, script.sha256), script.url
    # Nor in any other evidence: worker scripts the hooks were prepended to are stored as the
    # page served them.
    for artifact in result.audit.artifacts:
        if artifact.kind not in ("behaviour-calls", "web-session"):
            assert OUR_CODE not in blob(result, artifact.sha256), artifact
    if path == "/evasion.html":
        worker = next(s for s in session.scripts if s.url == f"{SITE}/workers/fp-worker.js")
        assert blob(result, worker.sha256).startswith(b"// Fingerprinting in a dedicated worker")


def _preserve_results(audit: Audit, server: LocalWebServer, instrument: bool) -> dict[str, object]:
    before = len(server.received_on("www.fp-test.com", "/collect/preserve"))
    audit("/preserve.html", instrument=instrument)
    sent = server.received_on("www.fp-test.com", "/collect/preserve")[before:]
    assert len(sent) == 1, "the preserve page did not finish its checks"
    results: dict[str, object] = json.loads(sent[0].body)
    return results


def test_page_sees_the_same_apis_with_and_without_hooks(
    audit: Audit, web_server: LocalWebServer
) -> None:
    plain = _preserve_results(audit, web_server, instrument=False)
    hooked = _preserve_results(audit, web_server, instrument=True)
    assert len(plain) >= 44
    different = {k: (plain[k], hooked.get(k)) for k in plain if plain[k] != hooked.get(k)}
    assert different == {}
    # Spot checks that the comparison compares something.
    assert plain["toString"] == "function toDataURL() { [native code] }"
    assert plain["null this"] == "throws TypeError: Illegal invocation"
    assert plain["site worker"] == "42,/workers/echo.js,true,string"
    assert plain["blob worker"] == 42


# --- bounded ------------------------------------------------------------------------------


def test_hostile_page_log_stays_bounded(audit: Audit, web_server: LocalWebServer) -> None:
    result = audit("/hostile.html")
    assert result.audit.status == "complete", result.audit.status_reasons
    log = session_of(result).behaviour
    assert log is not None and log.calls_sha256 is not None
    assert log.calls_total >= 1_035_000
    assert log.calls_recorded <= 5000
    assert log.calls_cut > 20_000 and log.calls_unattributed > 900_000
    assert len(blob(result, log.calls_sha256)) < 3_000_000
    # Counted in full (those past the stack budget without a script), recorded up to the cap.
    fill = sum(c.calls for c in log.counts if c.api == "CanvasRenderingContext2D.fillText")
    assert fill == 30_000
    calls = calls_of(result)
    measured = [c for c in calls if c.api == "CanvasRenderingContext2D.measureText"]
    assert measured and all(len(str(c.args[0])) < 300 for c in measured)
    elapsed = web_server.received_on("www.fp-test.com", "/collect/hostile")
    assert elapsed, "the hostile page did not finish"


# --- frames, workers, evasions -------------------------------------------------------------


def test_cross_origin_and_dynamic_frames_are_instrumented(audit: Audit) -> None:
    calls = calls_of(audit("/techniques.html"))
    realms = {c.realm_url for c in calls if c.api == "HTMLCanvasElement.toDataURL"}
    assert {
        "http://frame.fp-iframe.net/frame.html",
        "http://dyn.fp-iframe.net/frame.html",
    } <= realms


def test_blob_workers_are_instrumented_and_attributed(audit: Audit) -> None:
    result = audit("/evasion.html")
    calls = calls_of(result)
    in_blob = [c for c in calls if c.realm == "worker" and c.realm_url.startswith("blob:")]
    assert {"OffscreenCanvasRenderingContext2D.fillText", "OffscreenCanvas.convertToBlob"} <= {
        c.api for c in in_blob
    }
    blob_canvas = next(
        f
        for f in result.audit.findings
        if f.rule == "web.fingerprinting.canvas"
        and f.data["script_url"] == f"{EVASIVE}/evade-worker.js"
    )
    assert blob_canvas.data["entity"] == "Fingerprint Test Vendor (fictional)"
    # A worker loaded from a URL gets the reporting channel but no hooks (docs/behaviour.md).
    assert not [c for c in calls if c.script_url == f"{SITE}/workers/fp-worker.js"]
    assert f"{SITE}/workers/fp-worker.js" in result.audit.behaviour.workers


def _beliefs(result: AuditOutput) -> dict[str, str]:
    out = {}
    for request in session_of(result).requests:
        if "/collect/belief" in request.url:
            query = parse_qs(urlsplit(request.url).query)
            out[query["name"][0]] = query["watched"][0]
    return out


@pytest.mark.parametrize("evasion", ["tostring", "iframe", "overwrite", "traps"])
def test_evasion_fails(audit: Audit, evasion: str) -> None:
    result = audit("/evasion.html")
    assert _beliefs(result)[evasion] == "false", "the page noticed the instrumentation"
    assert any(
        f.rule == "web.fingerprinting.canvas"
        and f.data["script_url"] == f"{EVASIVE}/evade-{evasion}.js"
        for f in result.audit.findings
    )


# --- key logging and session recording ----------------------------------------------------


def test_key_logging_joins_listeners_and_canary_leaks(audit: Audit) -> None:
    result = audit("/keylogger.html", interact="login")
    findings = {f.id: f for f in result.audit.findings}
    logging = {
        str(f.data["script_url"]): f for f in findings.values() if f.rule == "web.key-logging"
    }
    assert set(logging) == {
        "http://cdn.keys-collector.net/kl.js",
        "http://www.field-poller.net/poll.js",
    }
    listener = logging["http://cdn.keys-collector.net/kl.js"]
    listeners = listener.data["listeners"]
    assert isinstance(listeners, list) and {"keydown", "input"} <= set(listeners)
    poller = logging["http://www.field-poller.net/poll.js"]
    assert poller.data["listeners"] == [] and poller.data["fields_read"] == ["input[email]"]
    for finding in logging.values():
        assert finding.severity == "high" and finding.confidence == "high"
        assert (
            finding.data["entity"] == "Keys Collector (fictional)"
            and finding.data["country"] == "CN"
        )
        leaks = finding.data["leak_findings"]
        assert isinstance(leaks, list) and leaks
        for leak_id in leaks:
            leak = findings[leak_id]
            assert leak.rule == "web.keystroke-capture"
            assert leak.data["host"] in finding.data["receivers"]  # type: ignore[operator]
        assert any(e.kind == "request" for e in finding.evidence)


def test_session_recorders_by_behaviour_and_by_signature(audit: Audit) -> None:
    rrweb = next(
        f for f in audit("/recorder.html", interact="auto").audit.findings
        if f.rule == "web.session-recording"
    )  # fmt: skip
    assert rrweb.confidence == "high" and rrweb.basis == "observed"
    assert rrweb.data["observes_document"] is True
    assert int(rrweb.data["uploads"]) >= 2  # type: ignore[call-overload]
    assert rrweb.data["entity"] == "Replay Test Service (fictional)"
    hotjar = next(
        f for f in audit("/hotjar.html").audit.findings if f.rule == "web.session-recording"
    )
    assert hotjar.data["service"] == "Hotjar"
    assert hotjar.basis == "capable" and hotjar.confidence == "medium"
    assert hotjar.data["entity"] == "Contentsquare SAS"


# --- the record ----------------------------------------------------------------------------


def test_audit_json_valid_and_reanalysis_identical(audit: Audit) -> None:
    result = audit("/fingerprintjs.html", interact="login")
    validate_audit_dict(audit_to_dict(result.audit))
    assert result.audit.behaviour.instrumented and result.audit.behaviour.calls_total > 100
    again = analyze_web_session(
        session_of(result),
        lambda sha: blob(result, sha),
        behaviour_intel(),
        audit_id="again",
        session_sha256=result.audit.session_sha256,
        artifacts=[],
    )
    assert [f.id for f in again.findings] == [f.id for f in result.audit.findings]
    assert again.behaviour == result.audit.behaviour
