"""Ordinary minified libraries from npm: not obfuscated, nothing hidden, no false latent flows."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import pytest

from aivet.analyze.js import ScriptAnalysis, analyze_script, script_findings
from aivet.intel.kb import Intel
from tests.test_js_findings import make_session

FIXTURES = Path(__file__).parent / "fixtures" / "js"
NEGATIVES = [
    item["file"] for item in json.loads((FIXTURES / "manifest.json").read_text())["negatives"]
]
FINGERPRINTING = {
    "canvas-fingerprinting",
    "webgl-fingerprinting",
    "audio-fingerprinting",
    "font-probing",
    "webrtc",
    "device-identity",
}


@cache
def intel() -> Intel:
    return Intel.load()


@cache
def analysis(relative: str) -> ScriptAnalysis:
    data = (FIXTURES / relative).read_bytes()
    return analyze_script(
        data, url=relative, sha256=hashlib.sha256(data).hexdigest(), intel=intel()
    )


def test_the_negatives_are_real_published_bundles() -> None:
    packages = {
        item["package"]
        for item in json.loads((FIXTURES / "manifest.json").read_text())["negatives"]
    }
    assert packages == {"lodash", "jquery", "react-dom", "chart.js"}


@pytest.mark.parametrize("relative", NEGATIVES)
def test_libraries_are_not_obfuscated(relative: str) -> None:
    result = analysis(relative)
    assert result.status == "complete"
    assert result.obfuscation_score < 0.3, result.obfuscation_signals
    assert not result.decoders


@pytest.mark.parametrize("relative", NEGATIVES)
def test_libraries_hide_no_endpoint(relative: str) -> None:
    result = analysis(relative)
    assert not [e for e in result.endpoints if e.decoded]
    # What they name are documentation URLs and XML namespaces, and they say so.
    for endpoint in result.endpoints:
        assert endpoint.sink == "string-only"
        assert endpoint.reference_like, endpoint.url


@pytest.mark.parametrize("relative", NEGATIVES)
def test_libraries_do_not_fingerprint(relative: str) -> None:
    # Chart.js draws text and exports canvases, but never in one function: not fingerprinting.
    assert not {c.name for c in analysis(relative).capabilities} & FINGERPRINTING


def test_no_false_latent_flows_beyond_low_confidence() -> None:
    analyses = [analysis(r) for r in NEGATIVES]
    findings = script_findings(analyses, make_session("https://chat.example-ai.com/", []), intel())
    flows = [f for f in findings if f.rule == "js.latent-flow"]
    assert all(f.confidence == "low" and f.severity == "info" for f in flows)
    assert not [f for f in findings if f.rule in ("js.obfuscated-script", "js.hidden-endpoint")]
    assert not [f for f in findings if f.category == "fingerprinting"]
