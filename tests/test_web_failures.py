"""Every way a page can fail ends in a clear status, with what was collected kept."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from playwright.async_api import Page

from aivet.pipeline import AuditOutput
from tests.conftest import SITE
from tests.test_web_collect import load_session


def test_connection_refused(run_audit: Callable[..., AuditOutput]) -> None:
    result = run_audit("http://refused.aivet-test.com/", interact="none")
    assert result.audit.status == "partial"
    assert any(
        "ERR_CONNECTION_REFUSED" in r and "unreachable" in r for r in result.audit.status_reasons
    )
    assert result.json_path.is_file() and result.html_path.is_file()


def test_host_not_found(run_audit: Callable[..., AuditOutput]) -> None:
    result = run_audit("http://nxdomain.aivet-test.com/", interact="none")
    assert result.audit.status == "partial"
    assert any("ERR_NAME_NOT_RESOLVED" in r for r in result.audit.status_reasons)


def test_tls_error(run_audit: Callable[..., AuditOutput]) -> None:
    result = run_audit("https://tls.aivet-test.com/", interact="none")
    assert result.audit.status == "partial"
    assert any(r.startswith("TLS error: net::ERR_CERT") for r in result.audit.status_reasons), (
        result.audit.status_reasons
    )


def test_page_that_never_finishes_loading_keeps_what_it_sent(
    run_audit: Callable[..., AuditOutput],
) -> None:
    result = run_audit(f"{SITE}/never-loads.html", interact="none", load_timeout_s=2.0)
    assert result.audit.status == "partial"
    assert any("did not finish loading within 2 s" in r for r in result.audit.status_reasons)
    session = load_session(result)
    assert any(r.url.endswith("/collect/before-hang") for r in session.requests)
    hung = next(r for r in session.requests if r.url.endswith("/hang"))
    assert hung.status is None


def test_renderer_crash(run_audit: Callable[..., AuditOutput]) -> None:
    async def crash(page: Page) -> None:
        session = await page.context.new_cdp_session(page)
        with contextlib.suppress(Exception):  # the session dies with the renderer
            await asyncio.wait_for(session.send("Page.crash"), 2)

    result = run_audit(f"{SITE}/network.html", interact="auto", after_load=crash)
    assert result.audit.status == "partial"
    assert "renderer crashed" in result.audit.status_reasons
    session = load_session(result)
    # What the page sent before the crash is still in the audit.
    assert any("/collect/fetch-post" in r.url for r in session.requests)


def test_endless_popups(run_audit: Callable[..., AuditOutput]) -> None:
    result = run_audit(f"{SITE}/popups.html", interact="auto", max_popups=3, settle_max_s=2.0)
    assert result.audit.status == "partial"
    assert result.audit.status_reasons[0].startswith("page kept opening popups")
    session = load_session(result)
    assert session.popups_blocked > 0
    assert any(r.url.endswith("/collect/popup-page") for r in session.requests)


def test_total_time_limit_keeps_evidence(run_audit: Callable[..., AuditOutput]) -> None:
    result = run_audit(
        f"{SITE}/never-loads.html", interact="none", load_timeout_s=30.0, total_timeout_s=2.0
    )
    assert result.audit.status == "partial"
    assert any("audit time limit reached" in r for r in result.audit.status_reasons)
    assert any(r.url.endswith("/collect/before-hang") for r in load_session(result).requests)


def test_http_error_status_is_partial(run_audit: Callable[..., AuditOutput]) -> None:
    result = run_audit(f"{SITE}/does-not-exist.html", interact="none")
    assert result.audit.status == "partial"
    assert "target answered HTTP 404" in result.audit.status_reasons
