"""Real javascript-obfuscator output (4.x and 5.x): the hidden endpoints and capabilities come back.

The fixtures are made by tests/fixtures/js/generate/generate.mjs from the readable
inputs in tests/fixtures/js/inputs/; manifest.json says which version and options
made each one, expected.json what each input sends where and can do.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import pytest

from aivet.analyze.js import ScriptAnalysis, analyze_script
from aivet.intel.kb import Intel

FIXTURES = Path(__file__).parent / "fixtures" / "js"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text())
EXPECTED = json.loads((FIXTURES / "inputs" / "expected.json").read_text())
OBFUSCATED = [item for item in MANIFEST["obfuscated"]]


@cache
def intel() -> Intel:
    return Intel.load()


@cache
def analysis(relative: str) -> ScriptAnalysis:
    data = (FIXTURES / relative).read_bytes()
    return analyze_script(
        data, url=relative, sha256=hashlib.sha256(data).hexdigest(), intel=intel()
    )


def _ids(item: dict[str, object]) -> str:
    return str(item["file"]).removeprefix("obfuscated/").removesuffix(".js")


def test_fixtures_cover_both_lines_and_every_trick() -> None:
    versions = {item["version"].split(".")[0] for item in OBFUSCATED}
    assert versions == {"4", "5"}
    options = [item["options"] for item in OBFUSCATED]
    assert {e for o in options for e in o.get("stringArrayEncoding", [])} >= {"base64", "rc4"}
    for flag in (
        "rotateStringArray",
        "shuffleStringArray",
        "stringArrayIndexShift",
        "splitStrings",
        "controlFlowFlattening",
        "deadCodeInjection",
        "selfDefending",
        "debugProtection",
        "stringArrayCallsTransform",
        "transformObjectKeys",
        "unicodeEscapeSequence",
    ):
        assert any(o.get(flag) for o in options), flag
    assert {o.get("stringArrayWrappersType") for o in options} >= {"function", "variable"}
    assert any(o.get("identifierNamesGenerator") == "mangled" for o in options)


@pytest.mark.parametrize("item", OBFUSCATED, ids=_ids)
def test_hidden_endpoints_are_recovered(item: dict[str, object]) -> None:
    result = analysis(str(item["file"]))
    expected = EXPECTED[Path(str(item["input"])).name]
    assert result.status == "complete"
    assert result.mode == "deep"
    found = {(e.host, e.sink): e for e in result.endpoints}
    for host, sinks in expected["endpoints"].items():
        for sink in sinks:
            endpoint = found.get((host, sink))
            assert endpoint is not None, f"{host} via {sink} not recovered: {sorted(found)}"
            # The host is nowhere in the script's text: it had to be decoded.
            assert endpoint.decoded
            assert host.encode() not in (FIXTURES / str(item["file"])).read_bytes()
    # Split strings are glued before endpoint matching: no fragment of a host is reported.
    expected_hosts = set(expected["endpoints"])
    assert {e.host for e in result.endpoints} <= expected_hosts


@pytest.mark.parametrize("item", OBFUSCATED, ids=_ids)
def test_capabilities_survive_obfuscation(item: dict[str, object]) -> None:
    result = analysis(str(item["file"]))
    expected = EXPECTED[Path(str(item["input"])).name]
    names = {c.name for c in result.capabilities}
    assert set(expected["capabilities"]) <= names
    options = item["options"]
    assert isinstance(options, dict)
    if options.get("debugProtection") or options.get("selfDefending"):
        assert "anti-debugging" in names


@pytest.mark.parametrize("item", OBFUSCATED, ids=_ids)
def test_obfuscation_is_scored_with_its_evidence(item: dict[str, object]) -> None:
    result = analysis(str(item["file"]))
    options = item["options"]
    assert isinstance(options, dict)
    assert result.obfuscated
    signals = {s.name for s in result.obfuscation_signals}
    if options.get("stringArray", True):
        # The string array is recognised by its structure and its decoder ran in the sandbox.
        assert "string-array-decoder" in signals
        assert result.decoders
        encodings = set(options["stringArrayEncoding"])
        methods = {d.method for d in result.decoders}
        assert methods == {f"string-array-{e}" for e in encodings}
        assert all(d.array_size > 0 and d.decoded > 0 for d in result.decoders)
    else:
        assert "string-array-decoder" not in signals
    data = (FIXTURES / str(item["file"])).read_bytes()
    if options.get("controlFlowFlattening") and b"switch(" in data:
        # (The obfuscator flattens only blocks big enough: not every input gets a dispatcher.)
        assert "switch-dispatch-loops" in signals or "control-flow-flattening" in signals


@pytest.mark.parametrize("item", OBFUSCATED[::5], ids=_ids)
def test_excerpt_shows_the_decoded_endpoint(item: dict[str, object]) -> None:
    result = analysis(str(item["file"]))
    assert result.excerpts
    hosts = set(EXPECTED[Path(str(item["input"])).name]["endpoints"])
    for excerpt in result.excerpts:
        assert excerpt.highlights
        marked = [excerpt.deobfuscated[h.start : h.end] for h in excerpt.highlights]
        assert any(host in text for text in marked for host in hosts), marked
        # The obfuscated original does not show the host; the excerpt does.
        assert not any(host in excerpt.original for host in hosts)


def test_decoded_strings_say_how_and_where() -> None:
    result = analysis("obfuscated/v5-rc4-variable-login-sdk.js")
    endpoint_strings = [d for d in result.decoded_strings if "endpoint" in d.role]
    assert endpoint_strings
    for decoded in endpoint_strings:
        assert "string-array-rc4" in decoded.method
        assert decoded.location.line >= 1 and decoded.location.column >= 1
        assert decoded.expression
    assert result.decoded_total >= len(result.decoded_strings)


def test_readable_inputs_give_the_same_answers_in_plain_form() -> None:
    for name, expected in EXPECTED.items():
        result = analysis(f"inputs/{name}")
        assert not result.obfuscated
        found = {(e.host, e.sink) for e in result.endpoints}
        for host, sinks in expected["endpoints"].items():
            assert {(host, s) for s in sinks} <= found
        assert not any(e.decoded for e in result.endpoints)
        assert set(expected["capabilities"]) <= {c.name for c in result.capabilities}
