"""Policy files: the shipped examples load; each kind of mistake is one error naming its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from aivet.cli import main
from aivet.intel.kb import Intel
from aivet.verdict.policy import (
    PolicyError,
    bundled_policy_names,
    load_policy,
    parse_policy,
    resolve_policy_path,
)

WATCHLISTS = {"fcc-covered-list", "dod-1260h", "bis-entity-list"}

GOOD = """\
aivet_policy: 1
name: Test policy
rules:
  - id: watchlisted
    receivers:
      watchlists: [fcc-covered-list, dod-1260h]
  - id: key-logging
    findings:
      rules: [web.keystroke-capture, "behaviour.key*"]
  - id: limits
    action: review
    severity_limits:
      storage: medium
exceptions:
  - rule: watchlisted
    hosts: [cmpassport.com]
    justification: pilot with the carrier's login, no personal data
    owner: ciso@example.org
    expires: 2027-01-31
"""


def test_shipped_policies_load_against_the_bundled_intel() -> None:
    names = bundled_policy_names()
    assert {"strict-government", "moderate-company"} <= set(names)
    watchlists = Intel.load().watchlists.keys()
    for name in names:
        policy = load_policy(resolve_policy_path(name), watchlists)
        assert policy.rules and len(policy.sha256) == 64


def test_good_policy_keeps_lines_and_derives_needs() -> None:
    policy = parse_policy(GOOD, "p.yaml", WATCHLISTS)
    by_id = {r.id: r for r in policy.rules}
    assert by_id["watchlisted"].line == 4
    assert by_id["key-logging"].needs == ("canaries", "behaviour")
    assert by_id["watchlisted"].needs == ("web",)
    assert by_id["limits"].severity_limits == (("storage", "medium"),)
    (exception,) = policy.exceptions
    assert exception.line == 15 and exception.expires.isoformat() == "2027-01-31"


def _error(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.yaml", WATCHLISTS)
    return info.value


def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # unknown keys, with a suggestion where one is close
        (_replace("name: Test policy", "name: Test policy\nrulez: []"), 3, ["unknown key 'rulez'"]),
        (_replace("    receivers:", "    recievers:"), 5, ["unknown key 'recievers'", "receivers"]),
        (_replace("      watchlists:", "      watchlist:"), 6, ["did you mean 'watchlists'"]),
        (_replace("    owner: ciso", "    approver: x\n    owner: ciso"), 18, ["'approver'"]),
        # wrong types
        (_replace("name: Test policy", "name: Test policy\nvalid_days: soon"), 3, ["valid_days"]),
        (_replace("[fcc-covered-list, dod-1260h]", "fcc-covered-list"), 6, ["must be a list"]),
        (_replace("    action: review", "    action: block"), 11, ["deny, review", "'block'"]),
        (_replace("      storage: medium", "      storage: severe"), 13, ["storage", "'severe'"]),
        ("aivet_policy: 1\nname: x\nrules: none\n", 3, ["'rules' must be a non-empty list"]),
        (_replace("    expires: 2027-01-31", "    expires: next year"), 19, ["YYYY-MM-DD"]),
        # unknown watchlists and other unknown names
        (
            _replace("[fcc-covered-list, dod-1260h]", "[fcc-covered-list,\n dod-1260]"),
            7,
            ["dod-1260"],
        ),
        (_replace("web.keystroke-capture", "web.keystroke"), 9, ["unknown web rule", "capture"]),
        (
            _replace("    hosts: [cmpassport.com]", "    hosts: [cmpassport.com]\n    rule: x"),
            17,
            ["duplicate key 'rule'"],
        ),
        (_replace("  - rule: watchlisted", "  - rule: watchlist"), 15, ["no rule 'watchlist'"]),
        # missing and duplicated parts
        (_replace("    owner: ciso@example.org\n", ""), 15, ["missing 'owner'"]),
        (_replace("  - id: key-logging", "  - id: watchlisted"), 7, ["used twice", "line 4"]),
        (_replace("aivet_policy: 1\n", ""), 1, ["aivet_policy"]),
    ],
)
def test_each_mistake_is_one_error_with_its_line(text: str, line: int, words: list[str]) -> None:
    error = _error(text)
    assert error.line == line, str(error)
    message = str(error)
    assert message.startswith(f"p.yaml:{line}: ") and "\n" not in message
    for word in words:
        assert word in message, message


def test_country_codes_and_evidence_names_are_checked() -> None:
    error = _error(
        _replace("      watchlists: [fcc-covered-list, dod-1260h]", "      countries: [cn]")
    )
    assert error.line == 6 and "ISO 3166" in str(error)
    error = _error(_replace("    action: review", "    action: review\n    needs: [telepathy]"))
    assert error.line == 12 and "unknown evidence 'telepathy'" in str(error)


def test_a_rule_needs_exactly_one_kind() -> None:
    error = _error(
        _replace("    action: review\n", "    action: review\n    findings: {rules: [js.*]}\n")
    )
    assert error.line == 10 and "exactly one" in str(error)


def test_yaml_syntax_error_names_the_line() -> None:
    error = _error("aivet_policy: 1\nname: x\nrules:\n  - id: [unclosed\n")
    assert error.line >= 4 and "not valid YAML" in str(error)


def test_verdict_command_reports_bad_policy_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        _replace("      watchlists: [fcc-covered-list, dod-1260h]", "      watchlists: [fcc]")
    )
    audit = tmp_path / "audit.json"
    audit.write_text("{}")
    code = main(["verdict", str(audit), "--policy", str(policy)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"{policy}:6: ") and "unknown watchlist 'fcc'" in err


def test_missing_policy_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verdict", str(tmp_path), "--policy", str(tmp_path / "nope.yaml")])
    assert code == 2
    assert "cannot read" in capsys.readouterr().err
