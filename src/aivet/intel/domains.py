"""Registrable domains from the public suffix list bundled with tldextract (never fetched)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

# No suffix-list URLs and no cache dir: the snapshot shipped inside tldextract is used,
# so attribution is offline and gives the same answer on every run.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def host_of(url: str) -> str:
    """Lower-case host of a URL, without port or brackets; '' when it has none."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=8192)
def has_public_suffix(host: str) -> bool:
    """A name under a public suffix (`api.example.com`), not a Java package (`javax.xml.x`)."""
    parts = _EXTRACT(host)
    return bool(parts.suffix and parts.domain)


@lru_cache(maxsize=8192)
def registrable_domain(host: str) -> str:
    """eTLD+1 of a host (`log.cmpassport.com` → `cmpassport.com`); IPs and bare names as is."""
    host = host.rstrip(".").lower()
    if not host or is_ip_address(host):
        return host
    parts = _EXTRACT(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host
