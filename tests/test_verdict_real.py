"""Verdicts on real audits in Chromium: the demo service is denied, a clean page is allowed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from aivet.cli import main
from aivet.collect.browser import BrowserHost
from aivet.collect.web import WebCollectOptions
from aivet.demo.server import DEMO_START_URL, DemoServer, demo_intel_path
from aivet.intel.kb import Intel
from aivet.pipeline import AuditOutput, run_web_audit
from aivet.verdict.evaluate import Verdict, evaluate, load_audit_input
from aivet.verdict.policy import load_policy, resolve_policy_path
from aivet.web_session import ResolveRule

TODAY = date.today()


@pytest.fixture(scope="module")
def demo(browser_host: BrowserHost, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo service audited as `aivet demo` does (login typed and submitted)."""
    with DemoServer() as server:
        options = WebCollectOptions(
            url=DEMO_START_URL,
            interact="login",
            submit=True,
            consent="accept",
            resolve=(ResolveRule("*", "127.0.0.1", server.port),),
        )
        intel = Intel.load([demo_intel_path()])
        out = run_web_audit(
            options, tmp_path_factory.mktemp("demo"), intel=intel, host=browser_host
        )
        yield out.json_path


def _verdict(policy_name: str, audit_json: Path, intel: Intel) -> Verdict:
    policy = load_policy(resolve_policy_path(policy_name), intel.watchlists.keys())
    return evaluate(policy, [load_audit_input(audit_json)], intel, today=TODAY)


def test_demo_denied_for_china_mobile_and_key_logging(demo: Path) -> None:
    intel = Intel.load([demo_intel_path()])
    verdict = _verdict("strict-government", demo, intel)
    assert verdict.decision == "deny"
    reasons = verdict.reasons()
    # First the watchlisted China Mobile receiver (which got the typed phone number) ...
    assert reasons[0].startswith("watchlisted-receivers: China Mobile")
    assert "log.cmpassport.com" in reasons[0] and "FCC Covered List" in reasons[0]
    assert "DoD 1260H list" in reasons[0] and "typed phone" in reasons[0]
    # ... then, after the other listed receivers (Baidu is on the 1260H list too), key logging.
    rules_in_order = list(dict.fromkeys(r.split(":")[0] for r in reasons))
    assert rules_in_order[:2] == ["watchlisted-receivers", "key-logging"]
    key_logging = next(r for r in verdict.results if r.rule.id == "key-logging")
    (hit,) = key_logging.hits
    assert hit.finding_rules == ["web.keystroke-capture"] and hit.hosts == ["log.cmpassport.com"]
    china_mobile = next(
        h for r in verdict.results if r.rule.id == "watchlisted-receivers" for h in r.hits
    )
    assert hit.findings[0] in china_mobile.findings  # the same finding behind both reasons
    assert "log.cmpassport.com" in verdict.blocked_hosts()


def test_demo_verdict_command_exit_code(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "verdict",
            str(demo.parent),
            "--policy",
            "strict-government",
            "--intel",
            str(demo_intel_path()),
        ]
    )
    assert code == 20
    out = capsys.readouterr().out
    assert out.startswith("DENY") and "China Mobile" in out


def test_clean_page_allowed(
    run_audit: Callable[..., AuditOutput], intel: Intel, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_audit("http://clean.aivet-test.com/index.html", interact="auto")
    assert result.audit.status == "complete", result.audit.status_reasons
    assert {c.field_kind for c in result.audit.canaries} >= {"email", "prompt"}
    verdict = _verdict("moderate-company", result.json_path, intel)
    assert verdict.decision == "allow", verdict.reasons()
    # The web audit watched the page's behaviour and analysed its scripts, and says so; the
    # strict policy also wants privacy-policy and app audits, and without them a person reviews.
    assert {"web", "canaries", "behaviour", "js"} <= set(result.audit.analyses)
    strict = _verdict("strict-government", result.json_path, intel)
    assert strict.decision == "review"
    assert {r.rule.id for r in strict.results if r.effect != "none"} == {
        "privacy-policy",
        "policy-storage-countries",
        "app-code-of-concern",
        "app-transport",
        "app-crypto-and-secrets",
        "app-build",
        "app-weaknesses",
    }
    assert all(r.outcome in ("pass", "not-evaluated") for r in strict.results)
