"""The whole story on the bundled demo service, as `aivet demo` runs it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aivet.cli import main
from aivet.collect.browser import BrowserHost
from aivet.collect.web import WebCollectOptions
from aivet.demo.server import DEMO_START_URL, DemoServer, demo_intel_path
from aivet.intel.kb import Intel
from aivet.pipeline import AuditOutput, run_web_audit
from aivet.report.json_report import load_audit
from aivet.web_session import ResolveRule


@pytest.fixture(scope="module")
def demo_audit(
    browser_host: BrowserHost, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AuditOutput]:
    with DemoServer() as server:
        options = WebCollectOptions(
            url=DEMO_START_URL,
            interact="login",
            submit=True,
            consent="accept",
            resolve=(ResolveRule("*", "127.0.0.1", server.port),),
        )
        intel = Intel.load([demo_intel_path()])
        yield run_web_audit(
            options, tmp_path_factory.mktemp("demo"), intel=intel, host=browser_host
        )


def test_china_mobile_receiver_with_watchlists(demo_audit: AuditOutput) -> None:
    finding = next(
        f
        for f in demo_audit.audit.findings
        if f.rule == "web.watchlisted-receiver" and f.data["entity_id"] == "china-mobile"
    )
    assert finding.severity == "critical"
    lists = finding.data["watchlists"]
    assert isinstance(lists, list) and {"FCC Covered List", "DoD 1260H list"} <= set(lists)
    assert "log.cmpassport.com" in finding.data["hosts"]  # type: ignore[operator]


def test_phone_captured_before_submit_as_base64(demo_audit: AuditOutput) -> None:
    leak = next(
        f
        for f in demo_audit.audit.findings
        if f.rule == "web.keystroke-capture" and f.data["host"] == "log.cmpassport.com"
    )
    assert leak.data["field_kind"] == "phone"
    assert leak.data["encodings"] == ["base64"]
    assert leak.severity == "critical"


def test_first_and_third_party_split(demo_audit: AuditOutput) -> None:
    party = {d.attribution.host: d.party for d in demo_audit.audit.destinations}
    assert party["chat.demoseek.ai"] == "first"
    assert party["static.demoseek-cdn.com"] == "first"  # same fictional vendor, other domain
    assert party["log.cmpassport.com"] == "third"
    assert party["hm.baidu.com"] == "third"


def test_chat_page_reached_and_token_stored(demo_audit: AuditOutput) -> None:
    assert demo_audit.audit.status == "complete", demo_audit.audit.status_reasons
    assert any(
        f.rule == "web.token-in-storage" and f.data["key"] == "userToken"
        for f in demo_audit.audit.findings
    )


def test_html_report_tells_the_story(demo_audit: AuditOutput) -> None:
    html = demo_audit.html_path.read_text()
    assert "China Mobile" in html and "FCC Covered List" in html and "base64" in html


def test_demo_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "China Mobile" in out and "log.cmpassport.com" in out
    assert (tmp_path / "demo" / "audit.json").is_file()
    assert (tmp_path / "demo" / "report.html").is_file()
    # The vendor's apps are audited too, and one verdict judges all three audits.
    for platform in ("apk", "ipa"):
        app_audit = load_audit(tmp_path / "demo" / f"app-{platform}" / "audit.json")
        assert app_audit.app is not None and app_audit.app.identifier == "ai.demoseek.chat"
    assert "aivet app DemoSeek.apk" in out and "China Mobile" in out
    assert "DENY" in out and "app-code-of-concern" in out and "evidence: app" in out
