"""Evaluation: each rule passes, fails or is not evaluated; exceptions waive until they expire."""

from __future__ import annotations

from datetime import date

import pytest

from aivet.intel.kb import Intel
from aivet.verdict.evaluate import Verdict, evaluate
from aivet.verdict.policy import Policy, load_policy, parse_policy, resolve_policy_path
from tests.support.verdict_audits import FCC, dest, finding, loaded, make_audit

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def bundled_intel() -> Intel:
    return Intel.load()


@pytest.fixture(scope="module")
def strict(bundled_intel: Intel) -> Policy:
    return load_policy(resolve_policy_path("strict-government"), bundled_intel.watchlists.keys())


@pytest.fixture(scope="module")
def moderate(bundled_intel: Intel) -> Policy:
    return load_policy(resolve_policy_path("moderate-company"), bundled_intel.watchlists.keys())


def _result(verdict: Verdict, rule_id: str) -> tuple[str, str]:
    result = next(r for r in verdict.results if r.rule.id == rule_id)
    return result.outcome, result.effect


def _china_mobile_audit() -> list:  # type: ignore[type-arg]
    leak = finding(
        "web.keystroke-capture",
        severity="critical",
        data={"host": "log.cmpassport.com", "field_kind": "phone"},
        fid="web.keystroke-capture:aaa",
    )
    listed = finding(
        "web.watchlisted-receiver",
        category="jurisdiction",
        severity="critical",
        data={"hosts": ["log.cmpassport.com"], "entity_id": "china-mobile"},
        fid="web.watchlisted-receiver:bbb",
    )
    audit = make_audit(
        destinations=[
            dest("chat.example.com", entity_id="example", country="NL", party="first"),
            dest(
                "log.cmpassport.com",
                entity_id="china-mobile",
                entity_name="China Mobile",
                country="CN",
                watchlists=(FCC,),
                state_owned=True,
                canaries=("phone",),
            ),
        ],
        findings=[leak, listed],
    )
    return [loaded(audit)]


def test_watchlisted_receiver_and_key_logging_deny(strict: Policy, bundled_intel: Intel) -> None:
    verdict = evaluate(strict, _china_mobile_audit(), bundled_intel, today=TODAY)
    assert verdict.decision == "deny" and verdict.exit_code == 20
    assert _result(verdict, "watchlisted-receivers") == ("fail", "deny")
    assert _result(verdict, "key-logging") == ("fail", "deny")
    watch = next(r for r in verdict.results if r.rule.id == "watchlisted-receivers")
    (hit,) = watch.hits
    assert hit.hosts == ["log.cmpassport.com"] and hit.entity_id == "china-mobile"
    assert set(hit.findings) == {"web.keystroke-capture:aaa", "web.watchlisted-receiver:bbb"}
    assert "FCC Covered List" in hit.summary and "typed phone" in hit.summary
    reasons = verdict.reasons()
    assert reasons[0].startswith("watchlisted-receivers: China Mobile")
    assert reasons[1].startswith("key-logging: ")
    assert verdict.blocked_hosts() == ["log.cmpassport.com"]


def test_clean_audit_allowed_by_moderate_reviewed_by_strict_until_evidence_exists(
    strict: Policy, moderate: Policy, bundled_intel: Intel
) -> None:
    clean = make_audit()
    verdict = evaluate(moderate, [loaded(clean)], bundled_intel, today=TODAY)
    assert verdict.decision == "allow", verdict.reasons()
    assert verdict.valid_until == date(2027, 5, 19)  # audit of 2026-11-20 + 180 days

    verdict = evaluate(strict, [loaded(clean)], bundled_intel, today=TODAY)
    assert verdict.decision == "review"
    not_evaluated = {r.rule.id: r.missing for r in verdict.results if r.outcome == "not-evaluated"}
    assert not_evaluated == {
        "browser-behaviour": ["behaviour"],
        "latent-flows": ["js"],
        "privacy-policy": ["privacy-policy"],
        "policy-storage-countries": ["privacy-policy"],
        "app-code-of-concern": ["app"],
        "app-transport": ["app"],
        "app-crypto-and-secrets": ["app"],
        "app-build": ["app"],
        "app-weaknesses": ["app"],
    }
    assert all("not evaluated" in r for r in verdict.reasons())

    declared = loaded(
        clean, analyses=["web", "canaries", "behaviour", "js", "privacy-policy", "app"]
    )
    verdict = evaluate(strict, [declared], bundled_intel, today=TODAY)
    assert verdict.decision == "allow", verdict.reasons()


def test_nothing_typed_leaves_key_logging_not_evaluated(
    moderate: Policy, bundled_intel: Intel
) -> None:
    verdict = evaluate(moderate, [loaded(make_audit(typed=False))], bundled_intel, today=TODAY)
    assert _result(verdict, "key-logging") == ("not-evaluated", "review")
    assert verdict.decision == "review"
    assert any("values typed into the page's fields" in r for r in verdict.reasons())


def test_audits_of_one_vendor_are_judged_together(moderate: Policy, bundled_intel: Intel) -> None:
    untyped = loaded(make_audit(typed=False, audit_id="web-a"))
    typed = loaded(make_audit(audit_id="web-b", ended_at="2026-11-22T00:00:00+00:00"))
    verdict = evaluate(moderate, [untyped, typed], bundled_intel, today=TODAY)
    assert verdict.decision == "allow"
    assert verdict.valid_until == date(2027, 5, 21)  # from the newest audit


EXCEPTION_POLICY = """\
aivet_policy: 1
name: Exceptions
valid_days: 90
rules:
  - id: countries
    receivers:
      countries: [CN]
exceptions:
  - rule: countries
    hosts: [baidu.com]
    targets: [chat.example.com]
    justification: Analytics on the Chinese-market page; no personal data
    owner: dpo@example.com
    approved: 2026-10-01
    expires: 2026-12-31
"""


def _baidu_audit(target: str = "https://chat.example.com/") -> list:  # type: ignore[type-arg]
    audit = make_audit(
        target=target,
        destinations=[
            dest(target.split("/")[2], entity_id="example", country="NL", party="first"),
            dest(
                "hm.baidu.com", entity_id="baidu-netcom", entity_name="Baidu Netcom", country="CN"
            ),
        ],
    )
    return [loaded(audit)]


def test_an_expired_exception_flips_the_verdict(bundled_intel: Intel) -> None:
    policy = parse_policy(EXCEPTION_POLICY, "exceptions.yaml", bundled_intel.watchlists.keys())
    before = evaluate(policy, _baidu_audit(), bundled_intel, today=date(2026, 12, 1))
    assert before.decision == "allow"
    result = before.results[0]
    assert result.outcome == "pass" and [h.hosts for h in result.waived] == [["hm.baidu.com"]]
    assert any("waived" in n and "2026-12-31" in n and "in 30 day(s)" in n for n in result.notes)
    assert before.valid_until == date(2026, 12, 31)  # an allow resting on an exception ends with it

    after = evaluate(policy, _baidu_audit(), bundled_intel, today=date(2027, 1, 1))
    assert after.decision == "deny"
    result = after.results[0]
    assert result.outcome == "fail" and not result.waived
    assert any("expired on 2026-12-31" in n and "line 9" in n for n in result.notes)


def test_an_exception_for_another_target_does_not_apply(bundled_intel: Intel) -> None:
    policy = parse_policy(EXCEPTION_POLICY, "exceptions.yaml", bundled_intel.watchlists.keys())
    verdict = evaluate(
        policy, _baidu_audit("https://other.example.net/"), bundled_intel, today=date(2026, 12, 1)
    )
    assert verdict.decision == "deny"


def test_latent_flow_to_a_listed_entity_is_attributed_by_the_intel(
    strict: Policy, bundled_intel: Intel
) -> None:
    latent = finding(
        "js.latent-flow",
        category="latent-flow",
        basis="capable",
        data={"url": "https://log.cmpassport.com/api/login", "script": "sdk.js"},
    )
    harmless = finding(
        "js.latent-flow",
        category="latent-flow",
        basis="capable",
        data={"url": "https://cdn.jsdelivr.net/x.js"},
    )
    audit = make_audit(findings=[latent])
    verdict = evaluate(strict, [loaded(audit)], bundled_intel, today=TODAY)
    outcome = next(r for r in verdict.results if r.rule.id == "latent-flows")
    assert outcome.outcome == "fail" and outcome.effect == "deny"
    assert "log.cmpassport.com" in outcome.hits[0].summary
    assert "FCC Covered List" in outcome.hits[0].summary

    audit = make_audit(findings=[harmless])
    verdict = evaluate(strict, [loaded(audit)], bundled_intel, today=TODAY)
    assert _result(verdict, "latent-flows") == ("pass", "none")


def test_unknown_owner_cannot_be_cleared(strict: Policy, bundled_intel: Intel) -> None:
    audit = make_audit(
        destinations=[
            dest("chat.example.com", entity_id="example", country="NL", party="first"),
            dest("t.mystery-analytics.io", party="unknown"),
        ]
    )
    verdict = evaluate(strict, [loaded(audit)], bundled_intel, today=TODAY)
    assert _result(verdict, "unknown-receivers") == ("fail", "review")
    assert _result(verdict, "watchlisted-receivers") == ("not-evaluated", "review")
    watch = next(r for r in verdict.results if r.rule.id == "watchlisted-receivers")
    assert watch.undetermined == ["t.mystery-analytics.io (owner unknown)"]
    assert verdict.decision == "review"


def test_partial_audit_needs_review(moderate: Policy, bundled_intel: Intel) -> None:
    verdict = evaluate(moderate, [loaded(make_audit(status="partial"))], bundled_intel, today=TODAY)
    assert verdict.decision == "review"
    assert verdict.general and "partial" in verdict.general[0]


def test_severity_limits_and_owner_chain_countries(bundled_intel: Intel) -> None:
    policy = parse_policy(
        "aivet_policy: 1\nname: t\nrules:\n"
        "  - id: limits\n    action: review\n    severity_limits: {storage: medium}\n"
        "  - id: owned-from\n    receivers: {countries: [CN]}\n",
        "t.yaml",
        bundled_intel.watchlists.keys(),
    )
    audit = make_audit(
        destinations=[
            dest("chat.example.com", entity_id="example", country="NL", party="first"),
            # China Mobile International is incorporated in Hong Kong, owned from the PRC.
            dest(
                "cmi.chinamobile.com",
                entity_id="china-mobile-international",
                entity_name="China Mobile International",
                country="HK",
            ),
        ],
        findings=[
            finding("web.token-in-storage", category="storage", severity="low"),
            finding("web.canary-stored", category="storage", severity="medium"),
        ],
    )
    verdict = evaluate(policy, [loaded(audit)], bundled_intel, today=TODAY)
    limits = verdict.results[0]
    assert limits.outcome == "fail" and len(limits.hits) == 1
    assert "web.canary-stored" in limits.hits[0].finding_rules
    assert _result(verdict, "owned-from") == ("fail", "deny")
    assert "owned from CN" in verdict.results[1].hits[0].summary
