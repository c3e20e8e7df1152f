"""The policy.* flags: the reference case raises each, with the right quote; its opposite none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aivet.analyze.policy.analyze import PolicyAnalysis, analyze_policy_document
from aivet.analyze.policy.rules import destination_countries, legal_process_terms, retention_periods
from aivet.analyze.policy.taxonomy import load_taxonomy
from aivet.model import Finding
from aivet.policy_model import PolicySource
from tests.support.policy_pdf import reference_pdf

DATA = Path(__file__).parent / "data" / "policy"
DEMO = (
    Path(__file__).parent.parent
    / "src"
    / "aivet"
    / "demo"
    / "site"
    / "chat.demoseek.ai"
    / "privacy.html"
)
REFERENCE_FLAGS = {
    "policy.storage-country.cn",
    "policy.biometric-collection",
    "policy.authority-disclosure-without-legal-process",
    "policy.no-gdpr-legal-basis",
    "policy.no-retention-limit",
    "policy.training-without-opt-out",
}


def analyse(data: bytes, name: str, *, semantic: bool = False) -> PolicyAnalysis:
    source = PolicySource(location=name, fetched_with="file", media_type="")
    return analyze_policy_document(data, source, semantic=semantic)


def by_rule(findings: list[Finding]) -> dict[str, Finding]:
    return {f.rule: f for f in findings}


def quotes(finding: Finding) -> list[str]:
    value = finding.data.get("quotes")
    assert isinstance(value, list)
    return [str(q["text"]) for q in value if isinstance(q, dict)]


def check_reference_flags(analysis: PolicyAnalysis) -> None:
    flags = by_rule(analysis.findings)
    assert set(flags) >= REFERENCE_FLAGS, set(flags)
    assert analysis.status_reasons == []
    assert any(
        "People's Republic of China" in q for q in quotes(flags["policy.storage-country.cn"])
    )
    assert flags["policy.storage-country.cn"].data["country"] == "CN"
    assert any(
        "keystroke patterns or rhythms" in q for q in quotes(flags["policy.biometric-collection"])
    )
    assert flags["policy.biometric-collection"].data["kinds"] == ["keystroke-dynamics"]
    authority = quotes(flags["policy.authority-disclosure-without-legal-process"])
    assert any("law enforcement agencies" in q and "government requests" in q for q in authority)
    assert any("as long as necessary" in q for q in quotes(flags["policy.no-retention-limit"]))
    assert any("train" in q for q in quotes(flags["policy.training-without-opt-out"]))
    text = analysis.text.decode("utf-8")
    for finding in analysis.findings:
        assert finding.basis == "observed" and finding.id.startswith(finding.rule + ":")
        for ref in finding.evidence:
            assert ref.kind == "document" and ref.ref == analysis.report.source.text_sha256
        for quote in finding.data.get("quotes") or []:  # type: ignore[attr-defined]
            assert text[quote["start"] : quote["end"]] == quote["text"]


def test_reference_case_html_raises_every_flag_with_its_quote() -> None:
    analysis = analyse((DATA / "reference-case.html").read_bytes(), "reference-case.html")
    check_reference_flags(analysis)
    report = analysis.report
    assert report.storage_countries == ["CN"]
    assert {"collect.biometric", "collect.audio", "collect.files", "collect.chat-history",
            "collect.device-ids", "collect.ip-address", "collect.content"} <= set(
                report.data_collected)  # fmt: skip
    assert {"share.corporate-group", "share.public-authorities"} <= set(report.recipients)
    assert report.legal_bases == [] and report.retention_periods == []
    controller = next(p for p in report.parties if p.role == "controller")
    assert (
        controller.name == "Example Seek Artificial Intelligence Co., Ltd."
        and controller.country == "CN"
    )


def test_reference_case_as_pdf_raises_the_same_flags() -> None:
    check_reference_flags(analyse(reference_pdf(), "reference.pdf"))


def test_demo_vendor_policy_is_flagged() -> None:
    flags = by_rule(analyse(DEMO.read_bytes(), "privacy.html").findings)
    assert set(flags) >= REFERENCE_FLAGS


def test_the_opposite_policy_raises_none_of_them() -> None:
    analysis = analyse((DATA / "opposite.html").read_bytes(), "opposite.html")
    rules = {f.rule for f in analysis.findings}
    assert rules == {"policy.storage-country.de", "policy.storage-country.ie"}
    report = analysis.report
    assert report.storage_countries == ["DE", "IE"] and report.transfer_countries == []
    assert report.retention_periods == ["30 days", "7 days"]
    assert report.legal_bases == ["legal-basis.gdpr"]
    negated = {s.category for s in report.statements if s.negated}
    assert {"collect.biometric", "training", "share.advertisers", "location.transfer"} <= negated
    parties = {p.role: p for p in report.parties}
    assert (
        parties["controller"].name == "Opposite Labs GmbH" and parties["controller"].country == "DE"
    )
    assert parties["dpo"].contacts == ["dpo@opposite.invalid"]


def test_analysis_is_deterministic() -> None:
    data = (DATA / "reference-case.html").read_bytes()
    first, second = analyse(data, "a.html"), analyse(data, "a.html")
    assert [f.id for f in first.findings] == [f.id for f in second.findings]
    assert first.report == second.report


def test_empty_page_flags_nothing_and_says_why() -> None:
    analysis = analyse(b"<html><body><p>Loading...</p></body></html>", "empty.html")
    assert analysis.findings == []
    assert analysis.status_reasons == ["the document holds almost no text (11 characters)"]


def test_a_page_that_is_not_a_policy_raises_no_absence_flag() -> None:
    page = b"<html><body><main>" + b"<p>Our chat app answers questions about cooking.</p>" * 30
    analysis = analyse(page + b"</main></body></html>", "about.html")
    assert analysis.findings == []
    assert "does not read like a privacy policy" in analysis.status_reasons[0]


def test_ten_megabyte_policy_ends_in_a_bounded_partial_result() -> None:
    reference = (DATA / "reference-case.html").read_bytes()
    body = reference.split(b"<main>")[1].split(b"</main>")[0]
    data = b"<html><body><main>" + body * (10_200_000 // len(body)) + b"</main></body></html>"
    assert len(data) > 10_000_000
    analysis = analyse(data, "huge.html")
    assert any("cut at 3,000,000 characters" in r for r in analysis.status_reasons)
    rules = {f.rule for f in analysis.findings}
    assert "policy.biometric-collection" in rules
    assert "policy.no-gdpr-legal-basis" not in rules  # absence is not claimed from a cut text


@pytest.mark.parametrize(
    ("text", "required"),
    [
        ("We may share data with law enforcement if we have a good faith belief that it is "
         "necessary to comply with applicable law, legal process or government requests.", False),
        ("We share data with public authorities where we believe in good faith that this is "
         "required by applicable law.", False),
        ("We will give your data to the police if they ask for it.", False),
        ("We disclose data to authorities only when compelled by a valid court order.", True),
        ("We may disclose data to law enforcement in response to lawful requests.", True),
        ("We disclose data when we have a good faith belief it is required by law, such as "
         "pursuant to a subpoena or other judicial order.", True),
        ("We disclose data to authorities only where we are legally required to do so.", True),
    ],
)  # fmt: skip
def test_legal_process_requirement(text: str, required: bool) -> None:
    assert legal_process_terms(text)["legal_process_required"] is required


def test_destination_countries_skip_origins_exclusions_and_negations() -> None:
    negation = load_taxonomy().negation
    assert destination_countries(
        "We transfer data from the European Union, the United Kingdom and Switzerland to the "
        "United States.",
        negation,
        transfer=True,
    ) == ["US"]
    assert destination_countries(
        "Data is stored in Germany and Ireland and never in the People's Republic of China.",
        negation,
        transfer=False,
    ) == ["DE", "IE"]
    assert destination_countries("We do not store data in China.", negation, transfer=False) == []
    assert (
        destination_countries("Servers outside the EU hold backups.", negation, transfer=False)
        == []
    )


def test_retention_periods_are_limits_not_lower_bounds() -> None:
    periods = retention_periods("Logs are deleted after 30 days and backups within a year.")
    assert periods == ["30 days"]
    assert retention_periods("Backups are erased within twelve months.") == [
        "twelve months"
    ]  # fmt: skip
    assert retention_periods("We may keep logs for longer than seven days.") == []
    assert retention_periods("Requests over the past 12 months.") == []


def test_semantic_matching_finds_paraphrases_the_rules_miss() -> None:
    semantic = pytest.importorskip("sentence_transformers")
    del semantic
    policy = (
        b"<html><body><main><h1>Privacy</h1>"
        b"<p>We keep the text of your previous conversations so that you can return to them.</p>"
        b"<p>Our security system measures how fast you type and the rhythm of your typing.</p>"
        b"</main></body></html>"
    )
    rules_only = analyse(policy, "p.html")
    both = analyse(policy, "p.html", semantic=True)
    assert both.report.semantic is not None and both.report.semantic.sentences_embedded == 2
    found = {s.category: s for s in both.report.statements}
    assert "collect.chat-history" in found and found["collect.chat-history"].method == "semantic"
    assert "collect.chat-history" not in {s.category for s in rules_only.report.statements}
    assert re.match(r"^0\.\d+$", str(found["collect.chat-history"].score))


def test_reference_and_opposite_with_semantic_matching() -> None:
    pytest.importorskip("sentence_transformers")
    check_reference_flags(
        analyse((DATA / "reference-case.html").read_bytes(), "r.html", semantic=True)
    )
    opposite = analyse((DATA / "opposite.html").read_bytes(), "o.html", semantic=True)
    assert {f.rule for f in opposite.findings} == {
        "policy.storage-country.de",
        "policy.storage-country.ie",
    }
