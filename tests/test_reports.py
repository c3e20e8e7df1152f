"""The reports of a web audit: JSON contract and schema, HTML, terminal."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import struct
import typing
import zlib
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from aivet import model
from aivet.evidence import Artifact, EvidenceDir, sha256_hex
from aivet.model import (
    Attribution,
    Audit,
    Destination,
    EvidenceRef,
    Finding,
    FirstParty,
    IntelInfo,
    Summary,
    ToolInfo,
    WatchlistHit,
)
from aivet.report import canary_leaks, group_destinations, headline
from aivet.report.html import render_html, write_html
from aivet.report.json_report import (
    audit_schema,
    audit_to_dict,
    load_audit,
    validate_audit_dict,
    write_audit_json,
)
from aivet.report.terminal import render_terminal
from aivet.web_session import ResolveRule, Vantage

HOSTILE_URL = "https://x.test/?q=<script>alert(1)</script>"
CHINA_MOBILE = "China Mobile Communications Group Co., Ltd."


def tiny_png() -> bytes:
    """A valid 2x2 red PNG, made here so that the test needs no image library."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def china_mobile(host: str) -> Attribution:
    return Attribution(
        host=host,
        registrable_domain="cmpassport.com",
        entity_id="china-mobile",
        entity_name=CHINA_MOBILE,
        country="CN",
        state_owned=True,
        ownership_chain=[CHINA_MOBILE],
        watchlists=[
            WatchlistHit(
                list_id="fcc-covered",
                list_name="FCC Covered List",
                authority="Federal Communications Commission",
                listed_entity="China Mobile International USA Inc.",
                via=CHINA_MOBILE,
                since="2022-03-25",
                source_url="https://www.fcc.gov/supplychain/coveredlist",
            ),
            WatchlistHit(
                list_id="dod-1260h",
                list_name="DoD 1260H list",
                authority="U.S. Department of Defense",
                listed_entity=CHINA_MOBILE,
                via=CHINA_MOBILE,
                since=None,
                source_url="https://www.defense.gov/News/Releases/",
            ),
        ],
        sources=["https://www.chinamobileltd.com/"],
    )


def first_party(host: str, domain: str) -> Attribution:
    return Attribution(
        host=host,
        registrable_domain=domain,
        entity_id="example-ai",
        entity_name="Example AI Ltd.",
        country="CN",
        ownership_chain=["Example AI Ltd."],
        sources=["https://chat.example-ai.test/about"],
    )


def reference_audit(screenshot_sha256: str | None = None) -> Audit:
    """The reference case by hand: China Mobile receives a phone canary, base64, before submit."""
    resolve = [
        ResolveRule("*.cmpassport.com", "127.0.0.1", 8443),
        ResolveRule("*.test", "127.0.0.1"),
    ]
    vantage = Vantage(
        browser_executable="/usr/lib/chromium/chromium",
        browser_version="Chromium 131.0.6778.85",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
        locale="en-US",
        timezone="Europe/Berlin",
        viewport="1280x800",
        no_sandbox=True,
        headless=True,
        flags=["--no-sandbox", "--host-resolver-rules=MAP *.cmpassport.com 127.0.0.1:8443"],
        resolve=resolve,
    )
    destinations = [
        Destination(
            attribution=first_party("chat.example-ai.test", "example-ai.test"),
            party="first",
            requests=31,
            bytes_sent=18_400,
            methods=["GET", "POST"],
            resource_types=["document", "fetch", "script"],
            remote_addresses=["127.0.0.1:443"],
            canaries=["phone", "prompt"],
            sets_cookies=True,
        ),
        Destination(
            attribution=first_party("static.exampleai-cdn.test", "exampleai-cdn.test"),
            party="first",
            requests=12,
            bytes_sent=0,
            methods=["GET"],
            resource_types=["script", "stylesheet"],
        ),
        Destination(
            attribution=china_mobile("passport.cmpassport.com"),
            party="third",
            requests=3,
            bytes_sent=2_150,
            methods=["POST"],
            resource_types=["xhr"],
            remote_addresses=["127.0.0.1:8443"],
            canaries=["phone"],
        ),
        Destination(
            attribution=Attribution(
                host="t.unknown-metrics.test", registrable_domain="unknown-metrics.test"
            ),
            party="third",
            requests=5,
            bytes_sent=900,
            methods=["POST"],
            resource_types=["ping"],
            sets_cookies=True,
        ),
    ]
    findings = [
        Finding(
            id="F-003",
            rule="fingerprinting.canvas",
            category="fingerprinting",
            severity="medium",
            confidence="medium",
            basis="observed",
            title="The page fingerprints the device (canvas, WebGL, audio)",
            explanation="Scripts read canvas pixels and WebGL parameters, which identify a device.",
            evidence=[EvidenceRef("script", "a" * 64, "fp.js")],
            data={"apis": ["HTMLCanvasElement.toDataURL", "WebGLRenderingContext.getParameter"]},
        ),
        Finding(
            id="F-001",
            rule="web.keystroke-capture",
            category="data-flow",
            severity="critical",
            confidence="high",
            basis="observed",
            title="Phone number typed into the login form reached passport.cmpassport.com",
            explanation="The phone canary was found base64-encoded in a request body, "
            "sent while the number was being typed, before the form was submitted.",
            evidence=[
                EvidenceRef("request", "req-17", "POST https://passport.cmpassport.com/log"),
            ],
            data={
                "field_kind": "phone",
                "host": "passport.cmpassport.com",
                "encoding": "base64",
                "before_submit": True,
                "channel": "request",
            },
        ),
        Finding(
            id="F-002",
            rule="watchlist.receiver",
            category="watchlist",
            severity="high",
            confidence="high",
            basis="observed",
            title=f"Data sent to {CHINA_MOBILE}, on the FCC Covered List and DoD 1260H list",
            explanation="The receiver is listed by the U.S. government.",
            evidence=[EvidenceRef("request", "req-17")],
            data={"entity_id": "china-mobile", "lists": ["fcc-covered", "dod-1260h"]},
        ),
        Finding(
            id="F-004",
            rule="js.hidden-endpoint",
            category="capability",
            severity="high",
            confidence="medium",
            basis="capable",
            title="Login script can send credentials to cmpassport.com",
            explanation="A decoded string in the login script builds a URL on cmpassport.com.",
            evidence=[EvidenceRef("request", "req-22", HOSTILE_URL)],
            data={"url": HOSTILE_URL},
        ),
        Finding(
            id="F-005",
            rule="cookies.third-party",
            category="tracking",
            severity="low",
            confidence="high",
            basis="observed",
            title="An unknown third party sets cookies",
            explanation="t.unknown-metrics.test set a cookie; the intel does not know who runs it.",
            evidence=[EvidenceRef("cookie", "uid@t.unknown-metrics.test")],
        ),
    ]
    artifacts = [Artifact("b" * 64, 48_211, "application/json", "session")]
    if screenshot_sha256:
        artifacts.append(Artifact(screenshot_sha256, len(tiny_png()), "image/png", "screenshot"))
    return Audit(
        schema_version=model.SCHEMA_VERSION,
        audit_id="2025-01-28T10-00-00Z-chat.example-ai.test",
        kind="web",
        target="https://chat.example-ai.test/sign_in",
        started_at="2025-01-28T10:00:00+00:00",
        ended_at="2025-01-28T10:00:41+00:00",
        status="partial",
        status_reasons=["The page did not settle within 30 s; 2 requests were still pending."],
        tool=ToolInfo("aivet", "0.1.0"),
        intel=IntelInfo(snapshot_sha256="c" * 64, entities=42, watchlists=5),
        vantage=vantage,
        first_party=FirstParty(
            host="chat.example-ai.test",
            registrable_domain="example-ai.test",
            entity_id="example-ai",
            entity_name="Example AI Ltd.",
        ),
        summary=Summary(
            requests=51,
            destinations=4,
            third_party_destinations=2,
            entities=2,
            countries=["CN"],
            watchlisted_receivers=[CHINA_MOBILE],
            canary_leaks=1,
            findings_by_severity={"critical": 1, "high": 2, "medium": 1, "low": 1},
        ),
        resolve=resolve,
        destinations=destinations,
        findings=findings,
        session_sha256="b" * 64,
        screenshot_sha256=screenshot_sha256,
        artifacts=artifacts,
        timings_ms={"load": 4210.5, "interact": 20000.0, "analyze": 35.25},
    )


# --- JSON and schema -----------------------------------------------------------------


def test_json_round_trip_equals_original(tmp_path: Path) -> None:
    audit = reference_audit(screenshot_sha256="d" * 64)
    path = tmp_path / "audit.json"
    write_audit_json(audit, path)
    assert load_audit(path) == audit
    text = path.read_text(encoding="utf-8")
    assert list(json.loads(text))[:4] == ["schema_version", "audit_id", "kind", "target"]
    assert text.startswith('{\n  "schema_version": "1.0"')


def test_reference_audit_validates_against_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(audit_schema())
    validate_audit_dict(audit_to_dict(reference_audit()))
    validate_audit_dict(audit_to_dict(reference_audit(screenshot_sha256="d" * 64)))


def _broken(mutate: typing.Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(audit_to_dict(reference_audit()))
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["findings"][1].update(severity="severe"), r"\$\.findings\[1\]\.severity"),
        (lambda d: d["destinations"][0].update(party="fourth"), r"\$\.destinations\[0\]\.party"),
        (lambda d: d.pop("tool"), r"'tool' is a required property"),
        (lambda d: d["vantage"].pop("no_sandbox"), r"\$\.vantage: 'no_sandbox'"),
        (lambda d: d["findings"][0].update(basis="guessed"), r"\$\.findings\[0\]\.basis"),
        (lambda d: d["findings"][0]["evidence"][0].update(kind="x"), r"evidence\[0\]\.kind"),
        (lambda d: d.update(status="done"), r"\$\.status"),
        (lambda d: d.update(surprise=1), r"'surprise' was unexpected"),
        (lambda d: d["summary"].update(requests="many"), r"\$\.summary\.requests"),
        (lambda d: d.update(screenshot_sha256="not-a-hash"), r"\$\.screenshot_sha256"),
    ],
)
def test_broken_audit_fails_validation_with_json_path(
    mutate: typing.Callable[[dict[str, Any]], None], where: str
) -> None:
    with pytest.raises(ValueError, match=where) as info:
        validate_audit_dict(_broken(mutate))
    assert "\n" not in str(info.value)


def _schema_of(ref: str) -> dict[str, Any]:
    schema = audit_schema()
    node: dict[str, Any] = schema
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _check_schema_matches(cls: type, node: dict[str, Any], seen: set[type]) -> None:
    """The schema names exactly the dataclass's fields and requires those without defaults."""
    if cls in seen:
        return
    seen.add(cls)
    fields = dataclasses.fields(cls)
    assert list(node["properties"]) == [f.name for f in fields], cls.__name__
    required = [
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    assert node.get("required", []) == required, cls.__name__
    assert node["additionalProperties"] is False, cls.__name__
    hints = typing.get_type_hints(cls)
    for f in fields:
        prop = node["properties"][f.name]
        assert prop.get("description"), f"{cls.__name__}.{f.name} has no description"
        for arg in [hints[f.name], *typing.get_args(hints[f.name])]:
            if dataclasses.is_dataclass(arg) and isinstance(arg, type):
                sub = (
                    prop.get("$ref")
                    or prop.get("items", {}).get("$ref")
                    or next(o["$ref"] for o in prop["oneOf"] if "$ref" in o)
                )
                _check_schema_matches(arg, _schema_of(sub), seen)


def test_schema_mirrors_the_model() -> None:
    seen: set[type] = set()
    _check_schema_matches(Audit, audit_schema(), seen)
    assert {c.__name__ for c in seen} >= {
        "Audit", "Vantage", "ResolveRule", "Artifact", "Finding", "EvidenceRef", "Destination",
        "Attribution", "WatchlistHit", "FirstParty", "ToolInfo", "IntelInfo", "Summary",
    }  # fmt: skip


def test_schema_enums_match_the_model() -> None:
    assert _schema_of("#/$defs/severity")["enum"] == list(typing.get_args(model.Severity))
    finding = _schema_of("#/$defs/Finding")["properties"]
    assert finding["confidence"]["enum"] == list(typing.get_args(model.Confidence))
    assert finding["basis"]["enum"] == list(typing.get_args(model.Basis))
    party = _schema_of("#/$defs/Destination")["properties"]["party"]
    assert party["enum"] == list(typing.get_args(model.Party))
    assert audit_schema()["properties"]["kind"]["enum"] == list(typing.get_args(model.AuditKind))
    kind = typing.get_type_hints(EvidenceRef)["kind"]
    assert _schema_of("#/$defs/EvidenceRef")["properties"]["kind"]["enum"] == list(
        typing.get_args(kind)
    )


def test_load_audit_rejects_other_files_with_one_line(tmp_path: Path) -> None:
    cases = {
        "garbage.json": "this is not json",
        "other.json": json.dumps({"name": "package.json"}),
        "list.json": "[1, 2]",
        "future.json": json.dumps({**audit_to_dict(reference_audit()), "schema_version": "2.0"}),
        "broken.json": json.dumps({**audit_to_dict(reference_audit()), "status": "done"}),
    }
    messages = {}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError) as info:
            load_audit(path)
        messages[name] = str(info.value)
        assert "\n" not in messages[name]
        assert messages[name].startswith(str(path))
    assert "not JSON" in messages["garbage.json"]
    assert "not an aivet audit" in messages["other.json"]
    assert "not an aivet audit" in messages["list.json"]
    assert "2.0" in messages["future.json"] and "1.x" in messages["future.json"]
    assert "$.status" in messages["broken.json"]
    with pytest.raises(ValueError, match="cannot read"):
        load_audit(tmp_path / "missing.json")


def test_newer_minor_version_loads_ignoring_new_fields(tmp_path: Path) -> None:
    data = audit_to_dict(reference_audit())
    data["schema_version"] = "1.9"
    data["added_later"] = {"x": 1}
    data["destinations"][0]["added_later_too"] = True
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_audit(path)
    assert loaded.destinations == reference_audit().destinations
    with pytest.raises(ValueError, match="unexpected"):
        validate_audit_dict(data)


# --- the shared view -------------------------------------------------------------------


def test_view_groups_leaks_and_headline() -> None:
    audit = reference_audit()
    groups = group_destinations(audit)
    assert [g.name for g in groups] == [
        CHINA_MOBILE,
        "Unknown owner (unknown-metrics.test)",
        "Example AI Ltd.",
    ]
    assert groups[2].hosts == ["chat.example-ai.test", "static.exampleai-cdn.test"]
    assert groups[2].requests == 43
    leaks = canary_leaks(audit)
    assert (leaks[0].field_kind, leaks[0].host, leaks[0].encoding) == (
        "phone",
        "passport.cmpassport.com",
        "base64",
    )
    assert leaks[0].before_submit is True and leaks[0].watchlisted
    # First-party canaries come from the destination record, after the third-party leak.
    assert {(leak.field_kind, leak.party) for leak in leaks[1:]} == {
        ("phone", "first"),
        ("prompt", "first"),
    }
    head = headline(audit)
    assert head.tone == "danger"
    assert head.text == (
        f"Data typed on this page reached {CHINA_MOBILE} (CN) — on the FCC Covered List, "
        "DoD 1260H list"
    )


def test_headline_without_leaks_or_watchlists() -> None:
    audit = reference_audit()
    audit.destinations = [audit.destinations[1]]
    audit.findings = []
    head = headline(audit)
    assert head.tone == "ok"
    assert "No typed data" in head.text


# --- HTML ------------------------------------------------------------------------------


def test_html_tells_the_story_first() -> None:
    html = render_html(reference_audit())
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Data typed on this page reached" in text
    for needle in [CHINA_MOBILE, "FCC Covered List", "DoD 1260H list", "passport.cmpassport.com"]:
        assert needle in html.replace("&amp;", "&")
    assert "base64" in text
    assert "before submit (keystroke capture)" in text
    assert "Partial audit." in text
    assert "did not settle within 30 s" in text
    assert "disabled (--no-sandbox)" in text
    assert "Unknown owner (unknown-metrics.test)" in text
    # Headline and partial banner come before the details.
    order = [
        html.index('id="status"'),
        html.index('id="headline"'),
        html.index('id="leaks"'),
        html.index('id="watchlists"'),
        html.index('id="destinations"'),
        html.index('id="findings"'),
        html.index('id="custody"'),
    ]
    assert order == sorted(order)
    # Findings are ordered by severity.
    assert html.index("F-001") < html.index("F-004") < html.index("F-003") < html.index("F-005")
    assert "b" * 64 in html  # the artifact list carries full digests


def test_html_escapes_hostile_page_data() -> None:
    audit = reference_audit()
    audit.destinations[3].attribution.host = '"><img src=x onerror=alert(1)>.test'
    audit.status_reasons.append("<b>bold</b> \u202egnp.exe")
    html = render_html(audit)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html
    assert "\u202e" not in html and "\\u202e" in html


def test_html_is_self_contained() -> None:
    html = render_html(reference_audit())
    for tag in re.findall(r"<(?:link|script|img|iframe|object|embed|source)\b[^>]*>", html, re.I):
        assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", tag, re.I), tag
    assert "@import" not in html and "url(" not in html
    assert "Content-Security-Policy" in html


def test_html_embeds_screenshot_from_evidence(tmp_path: Path) -> None:
    evidence = EvidenceDir(tmp_path / "evidence")
    shot = evidence.put(tiny_png(), "image/png", "screenshot")
    audit = reference_audit(screenshot_sha256=shot.sha256)
    html = render_html(audit, evidence)
    assert '<img src="data:image/png;base64,' in html
    without = render_html(audit)
    assert "data:image" not in without and "evidence store" in without
    out = tmp_path / "report.html"
    write_html(audit, evidence, out)
    assert out.read_text(encoding="utf-8") == html


def test_html_leaves_out_oversized_or_non_image_screenshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aivet.report import html as html_module

    evidence = EvidenceDir(tmp_path / "evidence")
    svg = evidence.put(b"<svg onload='alert(1)'/>", "image/svg+xml", "screenshot")
    html = render_html(reference_audit(screenshot_sha256=svg.sha256), evidence)
    assert "<img" not in html and "not a PNG" in html
    png = evidence.put(tiny_png(), "image/png", "screenshot")
    monkeypatch.setattr(html_module, "MAX_SCREENSHOT_BYTES", 10)
    html = render_html(reference_audit(screenshot_sha256=png.sha256), evidence)
    assert "data:image" not in html and "too large to embed" in html
    missing = reference_audit(screenshot_sha256=sha256_hex(b"never stored"))
    assert "missing from the evidence" in render_html(missing, evidence)


# --- terminal --------------------------------------------------------------------------


def _terminal(audit: Audit, width: int = 80) -> str:
    buffer = StringIO()
    render_terminal(audit, Console(file=buffer, width=width, no_color=True))
    return buffer.getvalue()


def test_terminal_puts_what_matters_first_in_80_columns() -> None:
    out = _terminal(reference_audit())
    assert "\x1b[" not in out
    assert all(len(line) <= 80 for line in out.splitlines()), out
    first_line = out.splitlines()[0]
    assert "PARTIAL" in first_line
    assert "did not settle" in out
    watch = out.index("Watchlisted receivers")
    table = out.index("Destinations")
    assert watch < out.index("Typed data that left the page") < table
    assert out.index("FCC Covered List") < table
    assert "base64" in out and "before submit (keystroke capture)" in out
    assert "static.exampleai-cdn.test" in out[table:]
    assert "unknown-metrics.test" in out[table:]
    findings = out[out.index("Findings (5)") :]
    severities = re.findall(r"^(CRITICAL|HIGH|MEDIUM|LOW|INFO)\b", findings, re.M)
    assert severities == ["CRITICAL", "HIGH", "HIGH", "MEDIUM", "LOW"]


def test_terminal_prints_hostile_text_literally() -> None:
    audit = reference_audit()
    audit.destinations[3].attribution.host = "[bold]evil[/bold]\x1b[31m.test"
    audit.findings[0].title = "[red]not markup[/red]"
    out = _terminal(audit, width=120)
    assert "[bold]evil[/bold]" in out
    assert "[red]not markup[/red]" in out
    assert "\x1b" not in out


def test_terminal_complete_audit_without_findings() -> None:
    audit = reference_audit()
    audit.status = "complete"
    audit.status_reasons = []
    audit.findings = []
    out = _terminal(audit)
    assert "complete" in out.splitlines()[0] and "PARTIAL" not in out
    assert "No findings." in out
