"""What every verb shares: exit codes, usage errors, loading intel, URL and --resolve parsing."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aivet.web_session import ResolveRule

if TYPE_CHECKING:
    from aivet.intel.kb import Intel

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_PATTERN = re.compile(
    r"^(\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*)$"
)
_HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


class UsageError(Exception):
    """Bad command-line input: reported in one line with exit code 2."""


def parse_resolve(text: str) -> ResolveRule:
    """`PATTERN=ADDRESS[:PORT]`, e.g. `*=127.0.0.1:8080`, `*.example.com=[::1]:8443`."""
    pattern, sep, target = text.partition("=")
    pattern = pattern.strip().lower()
    if not sep or not pattern or not target:
        raise UsageError(f"--resolve {text!r}: expected PATTERN=ADDRESS[:PORT]")
    if not _PATTERN.match(pattern):
        raise UsageError(
            f"--resolve {text!r}: pattern must be '*', '*.example.com' or a host name"
        )
    port: int | None = None
    if target.startswith("["):
        address, _, rest = target[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"--resolve {text!r}: expected [IPv6]:PORT")
            port = _port(rest[1:], text)
    elif target.count(":") == 1:
        address, port_text = target.split(":")
        port = _port(port_text, text)
    else:
        address = target
    address = address.strip().lower()
    try:
        ipaddress.ip_address(address)
    except ValueError:
        if not _HOSTNAME.match(address):
            raise UsageError(
                f"--resolve {text!r}: {address!r} is not an IP address or host name"
            ) from None
    return ResolveRule(pattern=pattern, address=address, port=port)


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UsageError(f"--resolve {whole!r}: port must be 1-65535")
    return int(text)


def normalise_url(text: str) -> str:
    """An http(s) URL with a host; a bare host name gets https://."""
    text = text.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError as exc:
        raise UsageError(f"not a valid URL: {text!r} ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"only http and https URLs can be audited, not {parts.scheme!r}")
    if not parts.hostname:
        raise UsageError(f"URL has no host: {text!r}")
    return text


def load_intel(extra: Sequence[Path]) -> Intel:
    """The bundled intel plus the user's extra files; a bad file is a usage error."""
    from aivet.intel.kb import Intel, IntelError

    for path in extra:
        if not path.is_file():
            raise UsageError(f"--intel {path}: no such file")
    try:
        return Intel.load(extra)
    except IntelError as exc:
        raise UsageError(f"intel: {exc}") from None
