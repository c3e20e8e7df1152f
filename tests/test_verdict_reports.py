"""`aivet verdict` on the command line: exit codes; JSON, Markdown and SARIF outputs, validated."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from aivet.cli import main
from tests.support.verdict_audits import FCC, dest, finding, make_audit, write

SARIF_SCHEMA = Path(__file__).parent / "data" / "verdict" / "sarif-schema-2.1.0.json"


def _deny_audit(tmp_path: Path) -> Path:
    audit = make_audit(
        destinations=[
            dest("chat.example.com", entity_id="example", country="NL", party="first"),
            dest(
                "log.cmpassport.com",
                entity_id="china-mobile",
                entity_name="China Mobile",
                country="CN",
                watchlists=(FCC,),
                canaries=("phone",),
            ),
        ],
        findings=[
            finding(
                "web.keystroke-capture",
                severity="critical",
                data={"host": "log.cmpassport.com"},
                fid="web.keystroke-capture:aaa",
            )
        ],
    )
    return write(audit, tmp_path / "deny")


@pytest.mark.parametrize(
    ("policy", "audit_kind", "code"),
    [
        ("moderate-company", "clean", 0),
        ("strict-government", "clean", 10),
        ("strict-government", "deny", 20),
    ],
)
def test_exit_codes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    policy: str,
    audit_kind: str,
    code: int,
) -> None:
    audit = (
        write(make_audit(), tmp_path / "clean") if audit_kind == "clean" else _deny_audit(tmp_path)
    )
    assert main(["verdict", str(audit), "--policy", policy, "--date", "2026-11-23"]) == code
    out = capsys.readouterr().out
    assert out.startswith({0: "ALLOW", 10: "REVIEW", 20: "DENY"}[code])


def test_outputs_validate_against_their_schemas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = _deny_audit(tmp_path)
    policy = tmp_path / "policy.yaml"
    text = resources.files("aivet.verdict").joinpath("policies", "strict-government.yaml")
    policy.write_text(text.read_text("utf-8"))
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "verdict",
            str(audit / "audit.json"),
            "--policy",
            "policy.yaml",
            "--format",
            "json",
            "--sarif",
            "out/verdict.sarif",
            "--markdown",
            "out/verdict.md",
            "--json",
            "out/verdict.json",
            "--date",
            "2026-11-23",
        ]
    )
    assert code == 20
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((tmp_path / "out" / "verdict.json").read_text())
    assert printed == saved and printed["decision"] == "deny"
    schema = json.loads(
        resources.files("aivet.verdict").joinpath("schemas", "verdict.schema.json").read_text()
    )
    jsonschema.Draft202012Validator(schema).validate(printed)
    assert printed["reasons"][0].startswith("watchlisted-receivers: China Mobile")

    sarif = json.loads((tmp_path / "out" / "verdict.sarif").read_text())
    sarif_schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(sarif_schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    errors = [r for r in results if r["level"] == "error"]
    assert {r["ruleId"] for r in errors} >= {"watchlisted-receivers", "key-logging"}
    location = errors[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "policy.yaml"  # relative: code scanning finds it
    assert location["region"]["startLine"] > 1

    markdown = (tmp_path / "out" / "verdict.md").read_text()
    assert markdown.startswith("## ⛔ aivet verdict: DENY")
    assert "| `watchlisted-receivers` | ✗ fail | deny |" in markdown


def test_bad_audit_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "audit.json").write_text("{not json")
    assert main(["verdict", str(tmp_path), "--policy", "moderate-company"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not an aivet audit" in err


def test_github_actions_example_runs_the_verdict_and_uploads_sarif() -> None:
    example = Path(__file__).parent.parent / "docs" / "examples" / "github-actions-verdict.yml"
    workflow = yaml.safe_load(example.read_text())
    steps = workflow["jobs"]["verdict"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "aivet verdict" in runs and "--sarif verdict.sarif" in runs
    assert "$GITHUB_STEP_SUMMARY" in runs
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert workflow["permissions"]["security-events"] == "write"
