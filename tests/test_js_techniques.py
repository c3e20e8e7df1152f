"""Each string-hiding technique on its own, and the pieces that recover strings."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import pytest

from aivet.analyze.js import ScriptAnalysis, analyze_script
from aivet.analyze.js.endpoints import find_urls
from aivet.analyze.js.literals import (
    atob,
    decode_string_body,
    number_to_string,
    parse_int,
    parse_number,
    unescape,
)
from aivet.intel.kb import Intel

HANDMADE = Path(__file__).parent / "fixtures" / "js" / "handmade"
EXPECTED = json.loads((HANDMADE / "expected.json").read_text())["techniques.js"]


@cache
def intel() -> Intel:
    return Intel.load()


def run(source: str | bytes) -> ScriptAnalysis:
    data = source.encode() if isinstance(source, str) else source
    return analyze_script(data, url=None, sha256=hashlib.sha256(data).hexdigest(), intel=intel())


@cache
def techniques() -> ScriptAnalysis:
    return run((HANDMADE / "techniques.js").read_bytes())


@pytest.mark.parametrize("url", sorted(EXPECTED))
def test_each_technique_yields_its_endpoint(url: str) -> None:
    want = EXPECTED[url]
    matches = [e for e in techniques().endpoints if e.url == url and e.sink == want["sink"]]
    assert matches, [(e.url, e.sink) for e in techniques().endpoints]
    endpoint = matches[0]
    assert want["method"] in endpoint.method
    assert endpoint.decoded is want.get("decoded", True)


def test_xor_loop_and_packer_ran_in_the_sandbox() -> None:
    result = techniques()
    methods = {d.method for d in result.decoders}
    assert "xor" in methods and "sandbox" in methods
    assert {s.name for s in result.obfuscation_signals} >= {"packer", "decoded-strings"}


def test_constant_folding_across_variables_and_calls() -> None:
    result = run(
        """
        var parts = ["log", "cmpassport", "com"];
        function host(a, b) { return a + "." + b; }
        var o = {}; o.base = "https://" + host(parts[0], parts.slice(1).join("."));
        navigator.sendBeacon(o.base + "/log/logReport", "x");
        """
    )
    [endpoint] = [e for e in result.endpoints if e.sink == "sendBeacon"]
    assert endpoint.url == "https://log.cmpassport.com/log/logReport"
    assert endpoint.attribution.entity_name is not None  # China Mobile, from the bundled intel


def test_a_url_built_at_run_time_keeps_its_known_part() -> None:
    result = run("fetch('https://api.example-shop.com/v1/items/' + id + '?q=' + q)")
    [endpoint] = result.endpoints
    assert endpoint.url == "https://api.example-shop.com/v1/items/\u2026?q=\u2026"
    assert endpoint.host == "api.example-shop.com"


def test_a_computed_subdomain_still_names_the_owner() -> None:
    result = run(
        "var region = location.hostname.split('.')[0];"
        "new Image().src = 'https://' + region + '.cmpassport.com/px';"
    )
    [endpoint] = [e for e in result.endpoints if e.sink == "img.src"]
    assert endpoint.host == "*.cmpassport.com"
    assert endpoint.registrable_domain == "cmpassport.com"
    assert endpoint.attribution.entity_id is not None


def test_a_parameter_passed_to_a_network_api_makes_its_callers_sinks() -> None:
    result = run(
        """
        function post(url, body) {
          var x = new XMLHttpRequest(); x.open('POST', url); x.send(body);
        }
        function report(path) { post('https://collect.example-metrics.net' + path, '{}'); }
        report('/e');
        """
    )
    assert [(e.url, e.sink) for e in result.endpoints if e.sink == "xhr"] == [
        ("https://collect.example-metrics.net/e", "xhr")
    ]


def test_dead_branches_do_not_hide_a_constant() -> None:
    # Obfuscators inject dead code that assigns to live variables behind an always-false test.
    result = run(
        """
        var s = {'k': 'https://dead.example-cdn.net/x'};
        if ('abc' === 'abd') { s = null; }
        fetch(s['k']);
        """
    )
    assert [e.url for e in result.endpoints if e.sink == "fetch"] == [
        "https://dead.example-cdn.net/x"
    ]


def test_documentation_and_namespaces_are_marked_reference_like() -> None:
    result = run(
        """
        var ns = 'http://www.w3.org/2000/svg';
        throw new Error('see https://reactjs.org/docs/error-decoder.html?invariant=' + c);
        """
    )
    assert result.endpoints and all(e.reference_like for e in result.endpoints)
    assert not any(e.decoded for e in result.endpoints)


def test_bare_hosts_only_from_decoded_strings_or_sinks() -> None:
    plain = run("var a = 'user.name', b = 'event.data', c = 'cdn.example-assets.com';")
    assert plain.endpoints == ()
    hidden = run("var h = atob('bG9nLmNtcGFzc3BvcnQuY29t'); fetch('//' + h + '/x');")
    assert {e.host for e in hidden.endpoints} == {"log.cmpassport.com"}


@pytest.mark.parametrize(
    ("body", "value"),
    [
        (r"\x68\x74\x74\x70", "http"),
        (r"\u0068\u{74}tp", "http"),
        (r"a\'b\\c", "a'b\\c"),
        (r"\uD83D\uDE00", "\U0001f600"),
        ("line\\\ncontinued", "linecontinued"),
    ],
)
def test_string_literals_decode_like_javascript(body: str, value: str) -> None:
    assert decode_string_body(body) == value


def test_numbers_parse_and_print_like_javascript() -> None:
    assert (
        parse_number("0x1f") == 31 and parse_number("017") == 15 and parse_number("1_000") == 1000
    )
    assert parse_number("10n") is None
    assert [number_to_string(v) for v in (1.0, 0.5, 1e21, 1.5e-7, -0.0, 123456789012.0)] == [
        "1", "0.5", "1e+21", "1.5e-7", "0", "123456789012"
    ]  # fmt: skip
    assert parse_int("0x1A") == 26 and parse_int("12px") == 12


def test_decoding_builtins() -> None:
    assert atob("aHR0cHM6Ly94LmNvbQ==") == "https://x.com"
    assert atob("not base64!") is None
    assert unescape("%u0068%74") == "ht"


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("https://log.cmpassport.com:9443/log/logReport", "log.cmpassport.com"),
        ("wss://stream.volces.com/ws", "stream.volces.com"),
        ("//cdn.example-assets.com/x.js", "cdn.example-assets.com"),
        ("http://10.1.2.3/x", "10.1.2.3"),
        ("http://[2001:db8::1]/x", "2001:db8::1"),
    ],
)
def test_urls_are_found_with_their_host(text: str, host: str) -> None:
    assert [u.host for u in find_urls(text, allow_bare=False)] == [host]


@pytest.mark.parametrize("text", ["user.name", "a.b.c", "https://", "index.min.js", "1.2.3.4"])
def test_things_that_are_not_hosts(text: str) -> None:
    assert find_urls(text, allow_bare=True) == []
