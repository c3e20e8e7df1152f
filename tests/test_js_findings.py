"""Findings from script analyses, and the join of what scripts can do with what a session saw."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from aivet.analyze.js import ScriptAnalysis, analyze_script, script_findings
from aivet.intel.kb import Intel
from aivet.serde import to_jsonable
from aivet.web_session import Initiator, NetworkRequest, Vantage, WebSession

ROOT = Path(__file__).resolve().parent.parent
DEMO_SDK = (
    ROOT / "src" / "aivet" / "demo" / "site" / "static.demoseek-cdn.com" / "js" / "sdk.min.js"
)
DEMO_SDK_URL = "http://static.demoseek-cdn.com/js/sdk.min.js"
FIXTURES = Path(__file__).parent / "fixtures" / "js"


def make_session(target: str, requests: list[tuple[str, str, str | None]]) -> WebSession:
    """A session whose requests are (id, url, url of the script that made it)."""
    vantage = Vantage(
        browser_executable="chromium",
        browser_version="0",
        user_agent="test",
        locale="en-US",
        timezone="UTC",
        viewport="1280x800",
        no_sandbox=True,
        headless=True,
    )
    return WebSession(
        target_url=target,
        started_at="2026-01-01T00:00:00Z",
        ended_at="2026-01-01T00:00:10Z",
        status="complete",
        vantage=vantage,
        requests=[
            NetworkRequest(
                id=rid,
                url=url,
                method="POST",
                resource_type="xhr",
                started_ms=float(i),
                initiator=Initiator("script", script) if script else None,
            )
            for i, (rid, url, script) in enumerate(requests)
        ],
    )


@cache
def intel() -> Intel:
    return Intel.load()


@cache
def demo_sdk() -> ScriptAnalysis:
    data = DEMO_SDK.read_bytes()
    return analyze_script(
        data, url=DEMO_SDK_URL, sha256=hashlib.sha256(data).hexdigest(), intel=intel()
    )


def demo_session() -> WebSession:
    # What a browser session of the demo's login page sees: the SDK's reports to
    # log.cmpassport.com, never the one-key-login call to www.cmpassport.com.
    return make_session(
        "http://chat.demoseek.ai/login",
        [
            ("r1", "http://chat.demoseek.ai/login", None),
            ("r2", DEMO_SDK_URL, None),
            ("r3", "http://log.cmpassport.com/log/logReport", DEMO_SDK_URL),
            ("r4", "http://log.cmpassport.com/log/pv", DEMO_SDK_URL),
            ("r5", "http://hm.baidu.com/hm.gif?si=1", "http://hm.baidu.com/hm.js"),
        ],
    )


def test_demo_sdk_yields_log_cmpassport_as_a_decoded_endpoint() -> None:
    result = demo_sdk()
    assert result.obfuscated
    hosts = {e.host: e for e in result.endpoints if e.decoded}
    assert "log.cmpassport.com" in hosts
    endpoint = hosts["log.cmpassport.com"]
    assert endpoint.attribution.entity_id is not None
    assert endpoint.attribution.watchlists  # China Mobile: FCC Covered List, DoD 1260H
    sinks = {e.sink for e in result.endpoints if e.host == "log.cmpassport.com"}
    assert {"xhr", "sendBeacon"} <= sinks
    assert b"cmpassport" not in DEMO_SDK.read_bytes()


def test_decoded_and_contacted_links_the_requests_to_the_hidden_code() -> None:
    findings = script_findings([demo_sdk()], demo_session(), intel())
    [linked] = [
        f for f in findings
        if f.rule == "js.hidden-endpoint-contacted" and f.data["host"] == "log.cmpassport.com"
    ]  # fmt: skip
    assert linked.basis == "observed"
    assert linked.severity == "high"
    refs = {(e.kind, e.ref) for e in linked.evidence}
    assert ("script", demo_sdk().sha256) in refs
    assert {("request", "r3"), ("request", "r4")} <= refs
    assert linked.data["initiated_by_script"] == ["r3", "r4"]


def test_capable_but_never_contacted_is_a_latent_flow() -> None:
    findings = script_findings([demo_sdk()], demo_session(), intel())
    [latent] = [
        f for f in findings
        if f.rule == "js.latent-flow" and f.data["host"] == "www.cmpassport.com"
    ]  # fmt: skip
    assert latent.basis == "capable"
    assert latent.severity == "high"  # the owner is on government watchlists
    assert latent.confidence == "high"  # handed to XMLHttpRequest, not just a string
    urls = latent.data["urls"]
    assert isinstance(urls, list)
    assert "http://www.cmpassport.com/h5/onekeylogin/authGetToken" in urls
    assert latent.evidence[0].kind == "script" and latent.evidence[0].ref == demo_sdk().sha256
    assert "line" in latent.evidence[0].detail


def test_without_a_session_hidden_hosts_are_reported_as_such() -> None:
    findings = script_findings([demo_sdk()], None, intel())
    rules = {f.rule for f in findings}
    assert "js.obfuscated-script" in rules
    hidden = {f.data["host"] for f in findings if f.rule == "js.hidden-endpoint"}
    assert {"log.cmpassport.com", "www.cmpassport.com"} <= hidden
    assert not {f.rule for f in findings} & {"js.latent-flow", "js.hidden-endpoint-contacted"}


def test_capabilities_become_findings() -> None:
    findings = script_findings([demo_sdk()], demo_session(), intel())
    capabilities = {f.data["capability"]: f for f in findings if f.rule == "js.capability"}
    assert {"canvas-fingerprinting", "navigator-enumeration", "input-listener"} <= set(capabilities)
    assert capabilities["canvas-fingerprinting"].category == "fingerprinting"
    assert capabilities["input-listener"].category == "input-capture"


def test_finding_ids_are_stable_across_re_analysis() -> None:
    data = DEMO_SDK.read_bytes()
    again = analyze_script(
        data, url=DEMO_SDK_URL, sha256=hashlib.sha256(data).hexdigest(), intel=intel()
    )
    first = script_findings([demo_sdk()], demo_session(), intel())
    second = script_findings([again], demo_session(), intel())
    assert [f.id for f in first] == [f.id for f in second]
    assert len({f.id for f in first}) == len(first)
    assert to_jsonable(demo_sdk().endpoints) == to_jsonable(again.endpoints)


def test_analyses_and_findings_are_plain_json() -> None:
    result = demo_sdk()
    text = json.dumps(to_jsonable(result), ensure_ascii=False)
    assert "log.cmpassport.com" in text
    findings = script_findings([result], demo_session(), intel())
    json.dumps(to_jsonable(findings))


def test_the_same_script_twice_is_reported_once() -> None:
    findings = script_findings([demo_sdk(), demo_sdk()], demo_session(), intel())
    ids = [f.id for f in findings]
    assert len(ids) == len(set(ids))


def test_a_plain_sink_to_a_contacted_host_gives_no_finding() -> None:
    data = (FIXTURES / "inputs" / "login-sdk.js").read_bytes()
    result = analyze_script(
        data, url="https://x.example.com/sdk.js", sha256="1" * 64, intel=intel()
    )
    session = make_session(
        "https://x.example.com/",
        [("a", "https://log.cmpassport.com:9443/log/logReport", None)],
    )
    findings = script_findings([result], session, intel())
    hosts = {f.data.get("host") for f in findings if f.rule.startswith("js.") and "host" in f.data}
    # Contacted in plain sight: the web audit reports that flow; verify.cmpassport.com is latent.
    assert "log.cmpassport.com" not in hosts
    assert "verify.cmpassport.com" in hosts


def test_an_analysis_reads_back_from_its_json() -> None:
    from aivet.serde import from_jsonable

    result = demo_sdk()
    again = from_jsonable(ScriptAnalysis, json.loads(json.dumps(to_jsonable(result))))
    assert again == result
