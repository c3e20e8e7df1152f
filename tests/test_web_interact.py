"""Interaction in real Chromium: consent, canaries typed with key events, submit only on request,
and every canary encoding found in what left the page."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aivet.model import CANARY_LEAK_RULES, Finding
from aivet.pipeline import AuditOutput
from tests.conftest import SITE
from tests.support.webserver import LocalWebServer
from tests.test_web_collect import load_session


@pytest.fixture(scope="module")
def login_audit(run_audit: Callable[..., AuditOutput]) -> AuditOutput:
    return run_audit(f"{SITE}/login.html", interact="login", consent="accept")


def leak_findings(result: AuditOutput) -> list[Finding]:
    return [f for f in result.audit.findings if f.rule in CANARY_LEAK_RULES]


def test_fields_found_and_typed(login_audit: AuditOutput) -> None:
    session = load_session(login_audit)
    kinds = sorted(c.field_kind for c in session.canaries)
    # The SMS-code field and the hidden field are left alone.
    assert kinds == ["email", "password", "phone"]
    phone = next(c for c in session.canaries if c.field_kind == "phone")
    assert phone.value.isdigit() and len(phone.value) == 11
    assert session.submitted_at_ms is None


def test_typing_is_not_submitting(login_audit: AuditOutput, web_server: LocalWebServer) -> None:
    session = load_session(login_audit)
    assert not any(r.url.endswith("/collect/login") for r in session.requests)


def test_consent_accept_clicks_accept(login_audit: AuditOutput) -> None:
    session = load_session(login_audit)
    urls = [r.url for r in session.requests]
    assert f"{SITE}/collect/consent-accepted" in urls
    assert f"{SITE}/collect/consent-rejected" not in urls
    assert any(e.action == "consent" and "Accept all" in e.detail for e in session.interactions)


@pytest.mark.parametrize(
    ("path", "encoding"),
    [
        ("/plain", "plain"),
        ("/urlenc", "url-encoded"),
        ("/base64", "base64"),
        ("/base64-nested", "base64"),
        ("/hex", "hex"),
        ("/md5?", "md5"),
        ("/md5u", "md5"),
        ("/sha1", "sha1"),
        ("/sha256", "sha256"),
        ("/sha512", "sha512"),
    ],
)
def test_each_encoding_is_found(login_audit: AuditOutput, path: str, encoding: str) -> None:
    session = load_session(login_audit)
    # Digits URL-encode to themselves: only the email shows a URL-encoded form.
    fields = ("email",) if encoding == "url-encoded" else ("mobile", "email")
    for field_name in fields:
        prefix = f"http://tracker.aivet-third.net/collect/{field_name}{path}"
        request_ids = {r.id for r in session.requests if r.url.startswith(prefix)}
        assert request_ids, f"page sent nothing to {prefix}"
        carried = [
            ref.detail
            for f in leak_findings(login_audit)
            for ref in f.evidence
            if ref.ref in request_ids
        ]
        assert any(encoding in detail for detail in carried), (prefix, carried)


def test_hash_case_is_reported(login_audit: AuditOutput) -> None:
    details = {ref.detail for f in leak_findings(login_audit) for ref in f.evidence}
    assert "url, md5 (upper-case)" in details
    assert "url, md5 (lower-case)" in details
    assert "url, sha512 (upper-case)" in details


def test_websocket_leak_found(login_audit: AuditOutput) -> None:
    assert any(
        ref.kind == "websocket-frame" for f in leak_findings(login_audit) for ref in f.evidence
    )


def test_leaks_before_submit_are_keystroke_capture(login_audit: AuditOutput) -> None:
    leaks = leak_findings(login_audit)
    assert leaks and all(f.rule == "web.keystroke-capture" for f in leaks)
    phone = next(f for f in leaks if f.data["field_kind"] == "phone")
    assert phone.data["host"] == "tracker.aivet-third.net"
    assert phone.data["before_submit"] is True
    assert phone.severity == "high"
    # The password field is never sent by this tracker, so no password leak is claimed.
    assert not any(f.data["field_kind"] == "password" for f in leaks)


def test_submit_and_reject(run_audit: Callable[..., AuditOutput]) -> None:
    result = run_audit(f"{SITE}/login.html", interact="login", consent="reject", submit=True)
    session = load_session(result)
    urls = [r.url for r in session.requests]
    assert f"{SITE}/collect/consent-rejected" in urls
    assert f"{SITE}/collect/consent-accepted" not in urls
    assert session.submitted_at_ms is not None
    login = next(r for r in session.requests if r.url == f"{SITE}/collect/login")
    assert login.method == "POST"
    on_submit = [f for f in result.audit.findings if f.rule == "web.canary-leak"]
    assert any(
        f.data["host"] == "www.aivet-test.com" and f.data["field_kind"] == "password"
        for f in on_submit
    )


def test_chat_prompt_and_token_storage(run_audit: Callable[..., AuditOutput]) -> None:
    result = run_audit(f"{SITE}/chat.html", interact="chat", submit=True)
    session = load_session(result)
    assert [c.field_kind for c in session.canaries] == ["prompt"]
    assert any(
        f.rule == "web.token-in-storage" and f.data["key"] == "userToken"
        for f in result.audit.findings
    )
    sent = next(f for f in result.audit.findings if f.rule == "web.canary-leak")
    assert sent.data["field_kind"] == "prompt" and sent.data["party"] == "first"
    assert sent.severity == "info"
