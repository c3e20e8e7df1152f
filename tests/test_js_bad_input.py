"""Hostile and broken input: always a result with a clear status, never an exception.

No timed asserts: the limits themselves (bytes, sandbox time and memory) are what is
checked, by making inputs that need them.
"""

from __future__ import annotations

import hashlib
import os
import random
from functools import cache
from pathlib import Path

import pytest

from aivet.analyze.js import JsLimits, ScriptAnalysis, analyze_script
from aivet.analyze.js.sandbox import Program, SandboxError, SandboxStats
from aivet.intel.kb import Intel

FIXTURES = Path(__file__).parent / "fixtures" / "js"


@cache
def intel() -> Intel:
    return Intel.load()


def run(data: bytes, limits: JsLimits | None = None) -> ScriptAnalysis:
    return analyze_script(
        data,
        url=None,
        sha256=hashlib.sha256(data).hexdigest(),
        intel=intel(),
        limits=limits or JsLimits(),
    )


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(4096) + b"\x00",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        b"PK\x03\x04" + b"x" * 100,
    ],
    ids=["random", "png", "zip"],
)
def test_binary_is_skipped_with_a_reason(data: bytes) -> None:
    result = run(data)
    assert result.status.startswith("skipped: binary data")
    assert result.mode == "none" and result.endpoints == ()


def test_malformed_javascript_is_analysed_as_far_as_it_parses() -> None:
    result = run(b"function (( { var u = 'https://a.example-api.com/x'; fetch(u) if (a { ]]")
    assert result.parse_errors > 0
    assert not result.status.startswith("skipped")
    assert "a.example-api.com" in {e.host for e in result.endpoints}


def test_text_that_is_not_javascript_says_so() -> None:
    result = run(b"lorem ipsum @@@ ### dolor %%% sit amet ~~~ " * 4000)
    assert "mostly not JavaScript" in result.status


def test_huge_input_is_cut_to_the_byte_limit() -> None:
    chunk = (FIXTURES / "negatives" / "lodash-4.17.21.min.js").read_bytes()
    data = (chunk * (50_000_000 // len(chunk) + 1))[:50_000_000]
    result = run(data, JsLimits(max_bytes=1_000_000))
    assert result.size == 50_000_000
    assert result.status.startswith("partial: input is 50000000 bytes; only the first 1000000")


@pytest.mark.parametrize(
    "data",
    [
        b"var x = " + b"(" * 30000 + b"1" + b")" * 30000 + b";",
        b"var x = " + b"[" * 20000 + b"'a'" + b"]" * 20000 + b";",
        b"var u = "
        + b"+".join(b"'a'" for _ in range(100_000))
        + b"; fetch('https://x.example.com/' + u);",
        b"\xef\xbb\xbfvar s = '\xe9\xff\xfe'; fetch('https://l.example.org/\xe9');",
        b"",
    ],
    ids=["deep-parens", "deep-arrays", "long-concat", "bom-latin1", "empty"],
)
def test_pathological_shapes_complete(data: bytes) -> None:
    result = run(data)
    assert result.status == "complete"


def test_a_decoder_that_never_returns_hits_the_sandbox_time_limit() -> None:
    source = b"""
    function d(s) { var o = ''; while (true) { o += String.fromCharCode(s.charCodeAt(0) ^ 1); } }
    fetch(d('x'));
    """
    result = run(source, JsLimits(sandbox_call_seconds=0.2))
    assert "sandbox" in result.status and "interrupted" in result.status


def test_a_decoder_that_eats_memory_hits_the_sandbox_memory_limit() -> None:
    source = b"""
    function d(s) {
      var a = [];
      for (;;) { a.push(new Array(1e6).join(s)); }
      return String.fromCharCode(1);
    }
    fetch(d('x'));
    """
    result = run(source, JsLimits(sandbox_memory_bytes=16 * 1024 * 1024, sandbox_call_seconds=5))
    assert "sandbox" in result.status and "out of memory" in result.status


def test_a_catastrophic_regex_in_a_decoder_is_interrupted() -> None:
    source = b"""
    function d(s) {
      var hit = false;
      var text = s + 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\n';
      for (var i = 0; i < 1; i++) { hit = /(((.+)+)+)+$/.test(text); }
      return hit ? 'x' : String.fromCharCode(104);
    }
    fetch(d('a'));
    """
    result = run(source, JsLimits(sandbox_call_seconds=0.2))
    assert "interrupted" in result.status


def test_functions_that_touch_the_browser_are_never_run() -> None:
    # `document` is not a pure decoder's business: such a function is not put in the sandbox.
    source = b"""
    function leak(s) { document.cookie = s; return String.fromCharCode(104, 116); }
    fetch(leak('x') + 'tps://a.example-api.com');
    """
    result = run(source)
    assert not result.decoders


def test_the_sandbox_sees_no_host() -> None:
    stats = SandboxStats()
    program = Program(
        "function probe(x) { return [typeof require, typeof process, typeof fetch,"
        " typeof XMLHttpRequest, typeof document, typeof setTimeout, typeof std, typeof os,"
        " typeof print].join(','); }",
        1.0,
        0.5,
        16 * 1024 * 1024,
        stats,
    )
    assert program.call("probe", ["x"]) == ",".join(["undefined"] * 9)


def test_a_program_that_does_not_load_says_why() -> None:
    with pytest.raises(SandboxError) as info:
        Program("while (true) {}", 0.1, 0.1, 16 * 1024 * 1024, SandboxStats())
    assert info.value.limit


def test_mangled_obfuscated_code_never_raises() -> None:
    data = (FIXTURES / "obfuscated" / "v5-cff-deadcode-login-sdk.js").read_bytes()
    rng = random.Random(20250130)
    for _ in range(12):
        cut = rng.randrange(len(data))
        mutated = bytearray(data[:cut])
        for _ in range(20):
            if mutated:
                mutated[rng.randrange(len(mutated))] = rng.choice(b"(){}[];,'\"+`\\x0")
        result = run(bytes(mutated), JsLimits(max_seconds=10))
        assert result.status  # a result, whatever the bytes


def test_utf16_with_a_byte_order_mark_is_read_as_text() -> None:
    data = "fetch('https://u16.example-api.com/x');".encode("utf-16")
    result = run(data)
    assert result.status == "complete"
    assert {e.host for e in result.endpoints} == {"u16.example-api.com"}


def test_a_very_long_chain_of_wrappers_stays_bounded() -> None:
    chain = "".join(f"function w{i}(a){{return w{i + 1}(a)}}\n" for i in range(400))
    source = chain + "function w400(a){return 'https://deep.example-api.com/' + a}\nfetch(w0('x'));"
    result = run(source.encode())
    assert result.status == "complete"  # past the inlining depth the value is unknown, no error
