"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning accepts it).

One run per audit; one rule per finding rule; one result per finding. What
GitHub needs beyond the schema is given: every result has a rule id, a
message and a location, rules carry `security-severity` so that alerts get a
severity, `partialFingerprints` carry the deterministic finding id (so an
alert stays one alert across audits), and `automationDetails.id` makes each
audited host its own analysis category.

A web audit has no source file: results point at the audited URL unless a
repository file is named (`location_uri`, e.g. the file listing approved
services), and name the receiving host as a logical location. An app audit's
results point at the archive entries they were read from (`classes2.dex`,
`res/xml/nsc.xml`), with the place inside each entry as the location's message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from aivet.model import Audit, Finding
from aivet.report import clean_text, sorted_findings

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

# GitHub maps security-severity to critical (>= 9.0), high (7.0-8.9), medium (4.0-6.9), low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_MAX_MESSAGE = 2000


def _utc(timestamp: str) -> str:
    """SARIF wants UTC date-times: `...+00:00` becomes `...Z`."""
    return timestamp.replace("+00:00", "Z") if timestamp.endswith("+00:00") else timestamp


def _rule_name(rule: str) -> str:
    words = [w for part in rule.split(".") for w in part.replace("_", "-").split("-") if w]
    return "".join(w[:1].upper() + w[1:] for w in words) or "Finding"


def _hosts(finding: Finding) -> list[str]:
    hosts: list[str] = []
    for key in ("hosts", "host", "destination", "receiver"):
        value = finding.data.get(key)
        if isinstance(value, str) and value:
            hosts.append(value)
        elif isinstance(value, list | tuple):
            hosts.extend(str(v) for v in value if isinstance(v, str) and v)
    return list(dict.fromkeys(hosts))


def _app_entry_locations(finding: Finding, logical: list[dict[str, str]]) -> list[dict[str, Any]]:
    """One location per archive entry the finding was read from; empty when it names none."""
    locations: list[dict[str, Any]] = []
    for ref in finding.evidence:
        if ref.kind != "app-entry" or not ref.ref:
            continue
        # Entry names come from the archive (hostile, any characters): percent-encoded they
        # make a relative URI reference, as SARIF requires, and cannot read as a scheme.
        location: dict[str, Any] = {
            "physicalLocation": {"artifactLocation": {"uri": quote(clean_text(ref.ref, 1000))}},
            "logicalLocations": logical,
        }
        if ref.detail:
            location["message"] = {"text": clean_text(ref.detail, 500)}
        locations.append(location)
    return locations


def _rule(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.rule,
        "name": _rule_name(finding.rule),
        "shortDescription": {"text": clean_text(f"{finding.category}: {finding.rule}", 200)},
        "fullDescription": {"text": clean_text(finding.title, 1000)},
        "help": {
            "text": "aivet reports what an AI service's page did with the data typed into it "
            "and who received it. 'Observed' findings were seen in the browser session; "
            "'capable' findings describe what the code can do. See the audit's HTML report "
            "for the evidence."
        },
        "defaultConfiguration": {"level": LEVEL.get(finding.severity, "note")},
        "properties": {
            "tags": ["security", "privacy", finding.category],
            "security-severity": SECURITY_SEVERITY.get(finding.severity, "0.0"),
            "precision": {"high": "high", "medium": "medium", "low": "low"}.get(
                finding.confidence, "medium"
            ),
        },
    }


def audit_to_sarif(audit: Audit, *, location_uri: str | None = None) -> dict[str, Any]:
    """The audit as one SARIF log (a dict ready for `json.dumps`)."""
    findings = sorted_findings(audit)
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for finding in findings:
        if finding.rule not in index:
            index[finding.rule] = len(rules)
            rules.append(_rule(finding))
        elif float(SECURITY_SEVERITY.get(finding.severity, "0")) > float(
            rules[index[finding.rule]]["properties"]["security-severity"]
        ):
            rules[index[finding.rule]] = _rule(finding)
    uri = location_uri or audit.target
    host = urlsplit(audit.target).hostname or audit.target
    results = []
    for finding in findings:
        message = clean_text(f"{finding.title}. {finding.explanation}", _MAX_MESSAGE)
        logical = [{"name": clean_text(h, 253), "kind": "resource"} for h in _hosts(finding)] or [
            {"name": clean_text(host, 253), "kind": "resource"}
        ]
        # A repository file named by the caller wins: that is where its dashboard looks.
        locations = _app_entry_locations(finding, logical) if location_uri is None else []
        if not locations:
            locations = [
                {
                    "physicalLocation": {"artifactLocation": {"uri": clean_text(uri, 2000)}},
                    "logicalLocations": logical,
                }
            ]
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
                "level": LEVEL.get(finding.severity, "note"),
                "message": {"text": message},
                "locations": locations,
                "partialFingerprints": {"aivetFindingId/v1": finding.id},
                "properties": {
                    "aivet-severity": finding.severity,
                    "basis": finding.basis,
                    "confidence": finding.confidence,
                    "finding-id": finding.id,
                    "evidence": [
                        {
                            "kind": ref.kind,
                            "ref": clean_text(ref.ref, 500),
                            "detail": clean_text(ref.detail, 500),
                        }
                        for ref in finding.evidence
                    ],
                },
            }
        )
    notifications = [
        {"level": "warning", "message": {"text": clean_text(reason, 500)}}
        for reason in audit.status_reasons
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": audit.status == "complete",
        "startTimeUtc": _utc(audit.started_at),
        "endTimeUtc": _utc(audit.ended_at),
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": audit.tool.name,
                        "version": audit.tool.version,
                        "semanticVersion": audit.tool.version,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"aivet/{audit.kind}/{host}/"},
                "invocations": [invocation],
                "properties": {
                    "audit_id": audit.audit_id,
                    "target": audit.target,
                    "status": audit.status,
                    "intel_snapshot_sha256": audit.intel.snapshot_sha256,
                    "session_sha256": audit.session_sha256,
                },
                "results": results,
            }
        ],
    }
