"""`aivet policy`: files and URLs end to end, reports that validate, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from aivet.cli import main
from aivet.collect.browser import BrowserHost
from aivet.intel.kb import Intel
from aivet.policy_pipeline import PolicyAuditOptions, run_policy_audit
from aivet.report.json_report import load_audit
from aivet.report.terminal import render_terminal
from aivet.web_session import ResolveRule

DATA = Path(__file__).parent / "data" / "policy"


def test_policy_file_writes_a_valid_audit_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(["policy", str(DATA / "reference-case.html"), "--out", str(out), "--no-semantic"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "keystroke patterns or rhythms" in printed and "policy.storage-country.cn" in printed
    audit = load_audit(out / "audit.json")  # checks the JSON Schema too
    assert audit.kind == "policy" and audit.status == "complete" and audit.policy is not None
    source = audit.policy.source
    assert source.fetched_with == "file" and source.media_type == "text/html"
    blobs = out / "evidence" / "blobs"
    assert source.text_sha256 and (blobs / source.text_sha256).is_file()
    assert source.document_sha256 and (blobs / source.document_sha256).is_file()
    text = (blobs / source.text_sha256).read_text(encoding="utf-8")
    for statement in audit.policy.statements:
        assert text[statement.quote.start : statement.quote.end] == statement.quote.text
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "keystroke patterns or rhythms" in html and "policy.no-gdpr-legal-basis" in html
    raw = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert raw["policy"]["storage_countries"] == ["CN"]


def test_stored_policy_audit_renders_in_the_terminal(tmp_path: Path) -> None:
    main(
        ["policy", str(DATA / "opposite.html"), "--out", str(tmp_path), "--no-semantic", "--quiet"]
    )
    console = Console(record=True, width=100)
    render_terminal(load_audit(tmp_path / "audit.json"), console)
    shown = console.export_text()
    assert "aivet policy audit" in shown and "Germany (DE)" in shown and "30 days" in shown


def test_bad_targets_are_one_line_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", str(tmp_path / "missing.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
    assert main(["policy", str(tmp_path)]) == 2
    assert "not a file" in capsys.readouterr().err
    assert main(["policy", str(DATA / "opposite.html"), "--resolve", "*=127.0.0.1:1"]) == 2


def test_broken_pdf_file_is_a_partial_audit(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    assert (
        main(["policy", str(broken), "--out", str(tmp_path / "o"), "--no-semantic", "--quiet"]) == 0
    )
    audit = load_audit(tmp_path / "o" / "audit.json")
    assert audit.status == "partial" and audit.findings == []
    assert any("not a readable PDF" in r for r in audit.status_reasons)


@pytest.mark.browser
def test_policy_url_is_rendered_in_the_browser(
    browser_host: BrowserHost,
    resolve_rules: tuple[ResolveRule, ...],
    intel: Intel,
    tmp_path: Path,
) -> None:
    options = PolicyAuditOptions(
        target="http://policy.aivet-test.com/privacy.html",
        is_url=True,
        resolve=resolve_rules,
        semantic=False,
        timeout_s=15,
    )
    result = run_policy_audit(options, tmp_path, intel=intel, host=browser_host)
    audit = result.audit
    assert audit.policy is not None
    source = audit.policy.source
    assert source.fetched_with == "browser" and source.http_status == 200
    assert source.rendered_sha256 and source.rendered_sha256 != source.document_sha256
    rules = {f.rule for f in audit.findings}
    # Only the script writes the policy: these come from the rendered DOM.
    assert {"policy.storage-country.sg", "policy.biometric-collection"} <= rules
    assert "policy.no-gdpr-legal-basis" not in rules and "policy.no-retention-limit" not in rules
    assert (
        audit.policy.parties[0].name == "Rendered Labs Ltd."
        and audit.policy.parties[0].country == "GB"
    )


@pytest.mark.browser
def test_policy_pdf_url_and_unreachable_host(
    browser_host: BrowserHost,
    resolve_rules: tuple[ResolveRule, ...],
    intel: Intel,
    tmp_path: Path,
) -> None:
    pdf = run_policy_audit(
        PolicyAuditOptions(
            "http://policy.aivet-test.com/policy.pdf", True, resolve_rules, 15, False
        ),
        tmp_path / "pdf",
        intel=intel,
        host=browser_host,
    ).audit
    assert pdf.policy is not None and pdf.policy.source.media_type == "application/pdf"
    assert "policy.storage-country.cn" in {f.rule for f in pdf.findings}
    gone = run_policy_audit(
        PolicyAuditOptions(
            "http://nxdomain.aivet-test.com/privacy", True, resolve_rules, 10, False
        ),
        tmp_path / "gone",
        intel=intel,
        host=browser_host,
    ).audit
    assert gone.status == "partial" and gone.findings == []
    assert any("host name not found" in r for r in gone.status_reasons)
