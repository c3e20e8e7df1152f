"""The diff on hand-made audits: what counts as new, vanished or changed, and how severe."""

from __future__ import annotations

import copy

from aivet.analyze.diff import (
    DiffSide,
    ScriptInfo,
    diff_audits,
    endpoint_key,
    script_infos,
    source_endpoints,
)
from aivet.model import Audit
from aivet.web_session import ScriptRecord
from tests.test_reports import reference_audit


def _pair() -> tuple[Audit, Audit]:
    before = reference_audit()
    return before, copy.deepcopy(before)


def test_identical_audits_have_no_changes() -> None:
    before, after = _pair()
    result = diff_audits(DiffSide(before), DiffSide(after))
    assert result.changes == [] and result.worst_appeared() is None
    assert any("scripts not compared" in n for n in result.notes)


def test_vanished_receiver_is_info_and_new_one_is_not() -> None:
    before, after = _pair()
    watchlisted = after.destinations.pop(2)
    assert watchlisted.attribution.host == "passport.cmpassport.com"
    result = diff_audits(DiffSide(before), DiffSide(after))
    vanished = {(c.category, c.subject) for c in result.changes if c.change == "vanished"}
    assert ("destination", watchlisted.attribution.host) in vanished
    assert all(c.severity == "info" for c in result.changes if not c.appeared)
    back = diff_audits(DiffSide(after), DiffSide(before))
    assert back.worst_appeared() == "critical"
    assert {c.category for c in back.appeared_at_or_above("critical")} == {"watchlist"}
    assert {c.category for c in back.appeared_at_or_above("high")} >= {"watchlist", "destination"}


def test_finding_severity_rise_and_resolution() -> None:
    before, after = _pair()
    after.findings[-1].severity = "critical"
    resolved = after.findings.pop(0)
    result = diff_audits(DiffSide(before), DiffSide(after))
    changed = [c for c in result.changes if c.category == "finding" and c.change == "changed"]
    assert changed and changed[0].severity == "critical"
    assert any(c.change == "resolved" and resolved.id in c.detail for c in result.changes)


def test_scripts_by_url_without_query_and_their_endpoints() -> None:
    before, after = _pair()
    old = ScriptInfo("https://cdn.test/app.js", "https://cdn.test/app.js?v=1", "a" * 64,
                     "external", 10, frozenset({"https://t.test/collect"}))  # fmt: skip
    new = ScriptInfo("https://cdn.test/app.js", "https://cdn.test/app.js?v=2", "b" * 64,
                     "external", 12, frozenset({"https://t.test/collect",
                                                "https://passport.cmpassport.com/x"}))  # fmt: skip
    inline = ScriptInfo("inline:" + "c" * 64, None, "c" * 64, "inline", 5)
    result = diff_audits(DiffSide(before, [old, inline]), DiffSide(after, [new, inline]))
    by_category = {c.category: c for c in result.changes}
    assert (
        by_category["script"].change == "changed" and "aaaaaaaaaaaa" in by_category["script"].detail
    )
    endpoint = by_category["endpoint"]
    assert endpoint.subject == "https://passport.cmpassport.com/x"
    assert endpoint.severity == "high"  # a host the page contacted that is watchlisted
    assert len(result.changes) == 2


def test_script_infos_read_sources_and_findings() -> None:
    audit = reference_audit()
    source = b'var u = "https://api.example.test/v1/send?x=1"; fetch("wss://ws.example.test/s")'
    blobs = {"d" * 64: source}
    scripts = [
        ScriptRecord("d" * 64, "https://www.example.test/a.js?cache=9", "external", len(source)),
        ScriptRecord("e" * 64, None, "eval", 3),
    ]
    infos = script_infos(audit, scripts, blobs.__getitem__)
    assert infos[0].key == "https://www.example.test/a.js"
    assert infos[0].endpoints == {"https://api.example.test/v1/send", "wss://ws.example.test/s"}
    assert infos[1].key == "eval:" + "e" * 64 and infos[1].endpoints == frozenset()


def test_endpoint_helpers() -> None:
    assert endpoint_key("HTTPS://Log.Example.test/a?b=c#d") == "https://log.example.test/a"
    assert endpoint_key("log.example.test") == "log.example.test"
    assert source_endpoints(b"nothing here") == frozenset()
