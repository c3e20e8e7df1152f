"""Real audits into a store: sealed, verifiable, re-analysable, comparable; a killed one is kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aivet.cli import main
from aivet.collect.browser import BrowserHost
from aivet.collect.web import WebCollectOptions
from aivet.intel.kb import Intel
from aivet.pipeline import AuditOutput, run_web_audit
from aivet.store import Store, load_audit
from aivet.store.manifest import manifest_artifacts
from aivet.store.verify import verify
from aivet.web_session import ResolveRule
from tests.conftest import SITE
from tests.support.webserver import PAGES, LocalWebServer

DIFF_SITE = "http://www.aivet-diff.com/"


@dataclass
class TwoAudits:
    store_root: Path
    first: AuditOutput
    second: AuditOutput


@pytest.fixture(scope="module")
def two_audits(
    browser_host: BrowserHost, intel: Intel, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TwoAudits]:
    """The same URL audited twice, the service having changed one script and one receiver."""
    base = tmp_path_factory.mktemp("diff-site")
    live = base / "www.aivet-diff.com"
    server = LocalWebServer(root=base).start()
    store = Store.open(tmp_path_factory.mktemp("store"))
    try:
        rules = (ResolveRule("*", "127.0.0.1", server.port),)
        outputs = []
        for version in ("v1", "v2"):
            if live.is_symlink():
                live.unlink()
            live.symlink_to(PAGES / "www.aivet-diff.com" / version, target_is_directory=True)
            options = WebCollectOptions(url=DIFF_SITE, resolve=rules, settle_max_s=3.0)
            out = tmp_path_factory.mktemp(f"audit-{version}")
            outputs.append(run_web_audit(options, out, intel=intel, host=browser_host, store=store))
        yield TwoAudits(store.root, outputs[0], outputs[1])
    finally:
        store.close()
        server.stop()


def test_audits_are_sealed_in_the_store(two_audits: TwoAudits) -> None:
    with Store.open(two_audits.store_root) as store:
        first = store.get(two_audits.first.audit.audit_id)
        second = store.get(two_audits.second.audit.audit_id)
        assert (first.status, second.status) == ("complete", "complete")
        assert (first.chain_seq, second.chain_seq) == (1, 2)
        kinds = {a.kind for a in manifest_artifacts(store.manifest(second))}
        assert {"web-session", "script", "audit", "response-body"} <= kinds
        assert load_audit(store, second) == two_audits.second.audit
        assert any("China Mobile" in w for w in second.watchlisted)
        result = verify(store)
        assert result.ok, [str(p) for p in result.problems]
    html = two_audits.second.html_path.read_text(encoding="utf-8")
    assert second.manifest_sha256 is not None
    assert f"aivet verify {second.audit_id}" in html and second.manifest_sha256 in html


def _diff_json(
    store: Path, *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any]]:
    code = main(["diff", *args, "--store", str(store), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_diff_names_the_receiver_and_the_script(
    two_audits: TwoAudits, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = two_audits.first.audit.audit_id, two_audits.second.audit.audit_id
    code, diff = _diff_json(
        two_audits.store_root, first, second, "--fail-on", "critical", capsys=capsys
    )
    assert code == 3 and diff["failed"]
    changes = {(c["category"], c["change"], c["subject"]): c for c in diff["changes"]}
    assert ("destination", "new", "log.cmpassport.com") in changes
    assert ("destination", "vanished", "stats.aivet-third.net") in changes
    assert changes[("destination", "new", "log.cmpassport.com")]["severity"] == "high"
    assert any(k[0] == "watchlist" and k[1] == "new" for k in changes)
    assert any(k[:2] == ("entity", "new") and "China Mobile" in k[2] for k in changes)
    assert ("country", "new", "CN") in changes
    scripts = [k for k in changes if k[0] == "script"]
    assert scripts == [("script", "changed", "http://www.aivet-diff.com/static/app.js")]
    assert ("endpoint", "new", "http://log.cmpassport.com/collect") in changes
    assert ("endpoint", "vanished", "http://stats.aivet-third.net/collect") in changes
    assert any(k[:2] == ("finding", "new") for k in changes)
    # Nothing else moved: the first-party host and the inline script are the same.
    assert not any(k[2] == "www.aivet-diff.com" for k in changes)

    # One audit: compared with the audit of the same host before it.
    code, again = _diff_json(two_audits.store_root, second, capsys=capsys)
    assert code == 3 and again["before"] == first and again["changes"] == diff["changes"]

    # Backwards, no watchlisted receiver appears: the unknown-owner one that gets the typed
    # address is high, so only a critical threshold passes.
    code, back = _diff_json(
        two_audits.store_root, second, first, "--fail-on", "critical", capsys=capsys
    )
    assert code == 0 and not back["failed"]
    appeared = {
        (c["category"], c["subject"]): c["severity"]
        for c in back["changes"]
        if c["change"] in ("new", "changed")
    }
    assert appeared[("destination", "stats.aivet-third.net")] == "high"
    assert "critical" not in appeared.values()
    assert main(["diff", second, first, "--store", str(two_audits.store_root)]) == 3
    capsys.readouterr()
    assert main(["diff", first, second, "--store", str(two_audits.store_root), "--fail-on",
                 "none", "--format", "md"]) == 0  # fmt: skip
    markdown = capsys.readouterr().out
    assert "log.cmpassport.com" in markdown and "| + |" in markdown


def test_diff_of_audit_files(two_audits: TwoAudits, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "diff",
            str(two_audits.first.json_path),
            str(two_audits.second.json_path),
            "--format",
            "json",
        ]
    )
    diff = json.loads(capsys.readouterr().out)
    assert code == 3
    assert any(c["category"] == "script" for c in diff["changes"])


def test_reanalysis_links_to_the_original(
    two_audits: TwoAudits, capsys: pytest.CaptureFixture[str]
) -> None:
    source = two_audits.second.audit
    root = str(two_audits.store_root)
    assert main(["reanalyze", source.audit_id, "--store", root]) == 0
    assert f"re-analysis of {source.audit_id}" in capsys.readouterr().out
    with Store.open(two_audits.store_root) as store:
        record = store.resolve("latest")
        assert record.derived_from == source.audit_id
        audit = load_audit(store, record)
        manifest = store.manifest(record)
        assert manifest["derived_from"]["audit_id"] == source.audit_id
        evidence = [a.sha256 for a in manifest_artifacts(manifest) if a.kind != "audit"]
        original = [a.sha256 for a in manifest_artifacts(store.manifest(store.get(source.audit_id)))
                    if a.kind != "audit"]  # fmt: skip
        assert evidence == original
        assert verify(store).ok
    assert audit.derived_from == source.audit_id
    assert [f.id for f in audit.findings] == [f.id for f in source.findings]
    assert audit.destinations == source.destinations
    code, diff = _diff_json(two_audits.store_root, source.audit_id, record.audit_id, capsys=capsys)
    assert code == 0
    assert not [c for c in diff["changes"] if c["category"] != "status"]
    assert any("re-analysis" in note for note in diff["notes"])


def test_report_formats_from_the_store(
    two_audits: TwoAudits, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    audit_id = two_audits.second.audit.audit_id
    root = str(two_audits.store_root)
    for fmt in ("json", "sarif", "md", "html"):
        out = tmp_path / f"report.{fmt}"
        assert main(["report", audit_id, "--store", root, "--format", fmt, "--out", str(out)]) == 0
        assert out.stat().st_size > 500
    assert json.loads((tmp_path / "report.sarif").read_text())["version"] == "2.1.0"
    assert "China Mobile" in (tmp_path / "report.md").read_text()
    html = (tmp_path / "report.html").read_text()
    assert 'data-watchlisted="true"' in html and "data:image/png;base64," in html
    capsys.readouterr()
    assert main(["report", "latest~99", "--store", root]) == 1
    assert "holds" in capsys.readouterr().err


def test_audit_killed_midway_keeps_its_evidence(web_server: LocalWebServer, tmp_path: Path) -> None:
    """SIGKILL the whole `aivet web` process group while the page is still loading."""
    store_root = tmp_path / "store"
    env = {**os.environ, "AIVET_KEY_DIR": str(tmp_path / "no-keys")}
    command = [
        sys.executable, "-m", "aivet", "web", f"{SITE}/never-loads.html",
        "--resolve", f"*=127.0.0.1:{web_server.port}", "--store", str(store_root),
        "--out", str(tmp_path / "out"), "--interact", "none", "--timeout", "60", "--quiet",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 45
        journal_lines = 0
        while time.monotonic() < deadline and process.poll() is None:
            journals = list((store_root / "runs").glob("*.jsonl"))
            if journals:
                journal_lines = len(journals[0].read_text().splitlines())
                if journal_lines >= 2:
                    break
            time.sleep(0.1)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert journal_lines >= 2
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    with Store.open(store_root) as store:
        record = store.resolve("latest")
        assert record.status == "partial"
        assert record.status_reasons[0].startswith("interrupted: the aivet process")
        assert record.artifact_count >= 2 and record.audit_sha256 is None
        kinds = {a.kind for a in store.indexed_artifacts(record)}
        assert kinds & {"response-body", "script"}
        assert verify(store, [record]).ok
        assert record.target == f"{SITE}/never-loads.html"
        assert json.loads(json.dumps(record.configuration))["interact"] == "none"
    assert main(["reanalyze", "latest", "--store", str(store_root)]) == 1
