"""Helpers for the behaviour tests: run a corpus page once per test run, read what fired.

Audits are cached by page and options for the whole run, so that the corpus test and the
collector tests share one browser session per page (the suite must stay quick).
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from pathlib import Path

from aivet.analyze.behaviour import detect_all
from aivet.analyze.behaviour.calls import load_calls
from aivet.analyze.behaviour.heuristics import detect_canvas_published
from aivet.analyze.leaks import find_leaks
from aivet.collect.browser import BrowserHost
from aivet.collect.web import WebCollectOptions
from aivet.intel.kb import Intel
from aivet.pipeline import AuditOutput, run_web_audit
from aivet.serde import from_jsonable
from aivet.web_session import ApiCall, ResolveRule, WebSession
from tests.support.behaviour_corpus import CANVAS_PUBLISHED, SITE

DATA = Path(__file__).resolve().parent.parent / "data"
_AUDITS: dict[tuple[str, str, bool], AuditOutput] = {}
_INTEL: list[Intel] = []


def behaviour_intel() -> Intel:
    if not _INTEL:
        _INTEL.append(Intel.load([DATA / "test-intel.yaml", DATA / "behaviour-intel.yaml"]))
    return _INTEL[0]


def audit_page(
    path: str,
    *,
    host: BrowserHost,
    resolve: tuple[ResolveRule, ...],
    tmp: Path,
    interact: str = "none",
    instrument: bool = True,
) -> AuditOutput:
    """One audit of a page of www.fp-test.com, run once per test run."""
    key = (path, interact, instrument)
    if key not in _AUDITS:
        options = WebCollectOptions(
            url=f"{SITE}{path}",
            resolve=resolve,
            interact=interact,  # type: ignore[arg-type]
            settle_max_s=3.0,
            instrument=instrument,
            seed=7,
        )
        out = Path(tempfile.mkdtemp(prefix="behaviour-", dir=tmp))
        _AUDITS[key] = run_web_audit(options, out, intel=behaviour_intel(), host=host)
    return _AUDITS[key]


def session_of(result: AuditOutput) -> WebSession:
    return from_jsonable(WebSession, json.loads((result.directory / "session.json").read_text()))


def blob(result: AuditOutput, sha: str) -> bytes:
    return (result.directory / "evidence" / "blobs" / sha).read_bytes()


def calls_of(result: AuditOutput) -> list[ApiCall]:
    return load_calls(session_of(result), lambda sha: blob(result, sha))


def fired_by_script(result: AuditOutput) -> dict[str, set[str]]:
    """Heuristic ids that fired per script, plus the published-canvas diagnostic."""
    session = session_of(result)
    read = lambda sha: blob(result, sha)  # noqa: E731
    calls = load_calls(session, read)
    detections, scripts = detect_all(session, calls, find_leaks(session, read))
    fired: dict[str, set[str]] = defaultdict(set)
    for detection in detections:
        fired[detection.script_url].add(detection.heuristic.id)
    for url, script in scripts.items():
        if detect_canvas_published(script) is not None:
            fired[url].add(CANVAS_PUBLISHED)
    return dict(fired)
