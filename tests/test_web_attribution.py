"""Attribution in a real session: owner, country, watchlists, party by entity, unknown owners;
and the audit JSON that carries it validates against the published schema."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from aivet.model import Destination
from aivet.pipeline import AuditOutput
from aivet.report.json_report import load_audit, validate_audit_dict
from tests.conftest import SITE


@pytest.fixture(scope="module")
def attribution_audit(run_audit: Callable[..., AuditOutput]) -> AuditOutput:
    return run_audit(f"{SITE}/attribution.html", interact="auto")


def destination(result: AuditOutput, host: str) -> Destination:
    return next(d for d in result.audit.destinations if d.attribution.host == host)


def test_china_mobile_with_watchlists(attribution_audit: AuditOutput) -> None:
    cm = destination(attribution_audit, "log.cmpassport.com")
    assert cm.attribution.entity_id == "china-mobile"
    assert cm.attribution.country == "CN"
    assert cm.attribution.state_owned is True
    lists = {hit.list_id for hit in cm.attribution.watchlists}
    assert {"fcc-covered-list", "dod-1260h"} <= lists
    assert all(hit.source_url.startswith("https://") for hit in cm.attribution.watchlists)
    assert cm.party == "third"
    assert cm.canaries == ["phone"]


def test_first_party_by_entity_not_by_domain(attribution_audit: AuditOutput) -> None:
    first = attribution_audit.audit.first_party
    assert first is not None and first.entity_id == "aivet-test-vendor"
    cdn = destination(attribution_audit, "static.aivet-test-cdn.net")
    assert cdn.attribution.registrable_domain == "aivet-test-cdn.net"
    assert cdn.party == "first"
    assert destination(attribution_audit, "www.aivet-test.com").party == "first"


def test_third_party_and_unknown(attribution_audit: AuditOutput) -> None:
    baidu = destination(attribution_audit, "hm.baidu.com")
    assert baidu.party == "third" and baidu.attribution.country == "CN"
    assert "Baidu" in " ".join(baidu.attribution.ownership_chain)
    unknown = destination(attribution_audit, "unknown.aivet-third.net")
    assert unknown.party == "unknown"
    assert unknown.attribution.entity_id is None and unknown.attribution.country is None
    finding = next(f for f in attribution_audit.audit.findings if f.rule == "web.unknown-receiver")
    assert "unknown.aivet-third.net" in finding.data["hosts"]  # type: ignore[operator]


def test_watchlisted_receivers_come_first(attribution_audit: AuditOutput) -> None:
    assert attribution_audit.audit.destinations[0].attribution.watchlists
    top = attribution_audit.audit.findings[0]
    assert top.severity == "critical"
    summary = attribution_audit.audit.summary
    assert summary is not None
    assert any(n.startswith("China Mobile") for n in summary.watchlisted_receivers)


def test_leak_finding_rests_on_requests(attribution_audit: AuditOutput) -> None:
    leak = next(f for f in attribution_audit.audit.findings if f.rule == "web.keystroke-capture")
    assert leak.data["host"] == "log.cmpassport.com"
    assert leak.data["encodings"] == ["base64"]
    session = json.loads((attribution_audit.directory / "session.json").read_text())
    ids = {r["id"] for r in session["requests"]}
    assert leak.evidence and all(ref.ref in ids for ref in leak.evidence)


def test_audit_json_validates_and_round_trips(attribution_audit: AuditOutput) -> None:
    data = json.loads(attribution_audit.json_path.read_text())
    validate_audit_dict(data)
    assert data["canaries"] and data["resolve"][-1]["pattern"] == "*"
    assert load_audit(attribution_audit.json_path) == attribution_audit.audit


def test_artifacts_listed_with_hashes(attribution_audit: AuditOutput) -> None:
    blobs = attribution_audit.directory / "evidence" / "blobs"
    listed = {a.sha256 for a in attribution_audit.audit.artifacts}
    assert attribution_audit.audit.screenshot_sha256 in listed
    assert all((blobs / sha).is_file() for sha in listed)
    assert attribution_audit.audit.session_sha256
    assert (blobs / attribution_audit.audit.session_sha256).is_file()
