"""SARIF 2.1.0: valid against the official schema, and shaped the way GitHub code scanning needs."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from aivet.report.sarif import audit_to_sarif
from tests.test_reports import reference_audit

SCHEMA = Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json"


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def assert_valid_sarif(log: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors[:5]]
    # What GitHub code scanning requires beyond the schema.
    assert log["version"] == "2.1.0"
    for run in log["runs"]:
        rules = run["tool"]["driver"]["rules"]
        ids = [rule["id"] for rule in rules]
        assert len(ids) == len(set(ids))
        for rule in rules:
            assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
            assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
        assert run["automationDetails"]["id"].endswith("/")
        for result in run["results"]:
            assert result["ruleId"] == ids[result["ruleIndex"]]
            assert result["message"]["text"]
            assert result["locations"], "GitHub shows no result without a location"
            assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert result["partialFingerprints"]
        assert len(run["results"]) <= 25_000


def test_reference_audit_is_valid_sarif() -> None:
    audit = reference_audit(screenshot_sha256="d" * 64)
    log = audit_to_sarif(audit)
    assert_valid_sarif(log)
    run = log["runs"][0]
    assert len(run["results"]) == len(audit.findings)
    first = run["results"][0]
    assert first["level"] == "error"
    assert (
        run["tool"]["driver"]["rules"][first["ruleIndex"]]["properties"]["security-severity"]
        == "9.5"
    )
    assert run["invocations"][0]["executionSuccessful"] is False  # the reference is partial
    assert run["invocations"][0]["startTimeUtc"].endswith("Z")
    assert run["invocations"][0]["toolExecutionNotifications"]
    hosts = {loc["name"] for r in run["results"] for loc in r["locations"][0]["logicalLocations"]}
    assert "passport.cmpassport.com" in hosts


def test_location_can_point_into_a_repository() -> None:
    log = audit_to_sarif(reference_audit(), location_uri="config/approved-services.yaml")
    assert_valid_sarif(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]}  # fmt: skip
    assert uris == {"config/approved-services.yaml"}


def test_audit_without_findings_is_valid_sarif() -> None:
    audit = reference_audit()
    audit.findings = []
    log = audit_to_sarif(audit)
    assert_valid_sarif(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_schema_rejects_a_broken_log() -> None:
    log = audit_to_sarif(reference_audit())
    log["runs"][0]["results"][0]["level"] = "severe"
    with pytest.raises(AssertionError, match="level"):
        assert_valid_sarif(log)
