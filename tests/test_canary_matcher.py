"""Canary matching without a browser: every encoding, case, offset, nesting and compression."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from urllib.parse import quote

import pytest

from aivet.analyze.canary_leaks import CanaryMatcher
from aivet.collect.canaries import canary_token, canary_value
from aivet.web_session import Canary

EMAIL = Canary("email", "aivet.k2x9q7m4pz@example.com", "#e", "http://x/", 0.0)
PHONE = Canary("phone", "13812345678", "#p", "http://x/", 0.0)


def encodings(text: str, canary: Canary = EMAIL) -> set[tuple[str, str]]:
    return {(h.encoding, h.letter_case) for h in CanaryMatcher([canary]).search(text)}


def test_plain_and_upper_cased() -> None:
    assert ("plain", "as-typed") in encodings(f"u={EMAIL.value}")
    assert ("plain", "upper") in encodings(f"u={EMAIL.value.upper()}")


def test_url_encoded_once_and_twice() -> None:
    once = quote(EMAIL.value, safe="")
    assert ("url-encoded", "as-typed") in encodings(f"/x?e={once}")
    assert ("url-encoded", "as-typed") in encodings(f"/x?e={quote(once, safe='')}")


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc"])
def test_base64_inside_a_larger_blob_at_any_offset(prefix: str) -> None:
    blob = base64.b64encode(f'{prefix}{{"v":"{EMAIL.value}"}}'.encode()).decode()
    assert ("base64", "as-typed") in encodings(f"data={blob}&t=1")


def test_base64_urlsafe_without_padding() -> None:
    blob = base64.urlsafe_b64encode(b"\xff\xfe" + EMAIL.value.encode()).decode().rstrip("=")
    assert any(enc == "base64" for enc, _ in encodings(blob))


def test_hex_lower_and_upper() -> None:
    raw = PHONE.value.encode().hex()
    assert ("hex", "lower") in encodings(raw, PHONE)
    assert ("hex", "upper") in encodings(raw.upper(), PHONE)


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512"])
def test_hashes_lower_and_upper(algorithm: str) -> None:
    digest = hashlib.new(algorithm, EMAIL.value.encode()).hexdigest()
    assert (algorithm, "lower") in encodings(json.dumps({"em": digest}))
    assert (algorithm, "upper") in encodings(json.dumps({"em": digest.upper()}))


def test_hash_of_normalised_values() -> None:
    lowered = hashlib.sha256(EMAIL.value.lower().encode()).hexdigest()
    assert ("sha256", "lower") in encodings(lowered)
    with_country = hashlib.sha256(f"+86{PHONE.value}".encode()).hexdigest()
    assert ("sha256", "lower") in encodings(with_country, PHONE)


def test_gzip_body() -> None:
    body = gzip.compress(json.dumps({"events": [{"t": "input", "v": EMAIL.value}]}).encode())
    hits = CanaryMatcher([EMAIL]).search_bytes(body)
    assert [h.encoding for h in hits] == ["plain"]


def test_gzip_bomb_is_bounded() -> None:
    bomb = gzip.compress(b"0" * 50_000_000)
    assert CanaryMatcher([EMAIL]).search_bytes(bomb) == []


def test_no_false_positive_on_other_values() -> None:
    other = Canary("email", "aivet.zzzzzzzzzz@example.com", "#e", "http://x/", 0.0)
    text = f"{other.value} {hashlib.md5(other.value.encode()).hexdigest()}"
    assert encodings(text) == set()


def test_canary_values_are_unique_and_shaped() -> None:
    first, second = canary_token(), canary_token()
    assert first != second
    phone = canary_value("phone", first)
    assert phone.isdigit() and len(phone) == 11 and phone.startswith("13")
    assert canary_value("email", first).endswith("@example.com")
    assert first in canary_value("prompt", first)
