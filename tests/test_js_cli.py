"""`aivet js`: files and a fetched URL become a js audit with audit.json and report.html."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aivet.cli import main
from aivet.report.json_report import load_audit, validate_audit_dict
from tests.support.webserver import LocalWebServer

SDK = Path(__file__).parents[1] / "src/aivet/demo/site/static.demoseek-cdn.com/js/sdk.min.js"


def test_js_file_audit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["js", str(SDK), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "log.cmpassport.com" in printed and "Hidden code" in printed
    data = json.loads((out / "audit.json").read_text())
    validate_audit_dict(data)
    audit = load_audit(out / "audit.json")
    assert audit.kind == "js" and audit.target == str(SDK)
    assert any(e.host == "log.cmpassport.com" and e.decoded for e in audit.scripts[0].endpoints)
    assert any(f.rule == "js.hidden-endpoint" for f in audit.findings)
    assert (out / "evidence" / "blobs" / audit.scripts[0].sha256).is_file()
    assert "<mark>" in (out / "report.html").read_text()


def test_js_missing_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["js", str(tmp_path / "nope.js"), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "nope.js" in err and "no such file" in err and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_js_url_fetched_once_and_stored(
    tmp_path: Path, web_server: LocalWebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "http://static.aivet-test-cdn.net/sdk.js"
    out = tmp_path / "out"
    before = len(web_server.received_on("static.aivet-test-cdn.net", "/sdk.js"))
    code = main(
        [
            "js", url, str(SDK), "--quiet", "--out", str(out),
            "--resolve", f"static.aivet-test-cdn.net=127.0.0.1:{web_server.port}",
        ]
    )  # fmt: skip
    assert code == 0
    assert len(web_server.received_on("static.aivet-test-cdn.net", "/sdk.js")) == before + 1
    audit = load_audit(out / "audit.json")
    assert audit.target == "2 scripts"
    assert [s.url for s in audit.scripts] == [url, str(SDK)]
    served = (Path(__file__).parent / "pages/static.aivet-test-cdn.net/sdk.js").read_bytes()
    blob = out / "evidence" / "blobs" / audit.scripts[0].sha256
    assert blob.read_bytes() == served


def test_js_url_refused_scheme_and_failed_fetch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["js", "ftp://example.com/a.js", "--out", str(tmp_path / "a")]) == 2
    code = main(
        ["js", "http://gone.test/a.js", "--resolve", "gone.test=127.0.0.1:9", "--timeout", "5",
         "--out", str(tmp_path / "b")]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "gone.test" in err[1]
