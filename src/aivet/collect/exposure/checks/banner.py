"""Any port without a check: read what the service says first.

Request: none. The probe connects and waits up to `min(2, read_timeout_s)` seconds
for the service to speak (SSH, SMTP, FTP, MySQL and others greet first), reading at
most 4 KiB. Decides nothing about access: it records the banner so a reader can see
what listens there.
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, preview
from aivet.collect.exposure.net import ConnectFailed, Probe
from aivet.exposure_session import ServiceFacts

_KNOWN = ((b"SSH-", "ssh", "SSH"), (b"220", "ftp-or-smtp", "FTP/SMTP"),
          (b"* OK", "imap", "IMAP"), (b"+OK", "pop3", "POP3"))  # fmt: skip


async def probe(p: Probe, tls: bool) -> None:
    try:
        conn = await p.connect(tls=tls)
    except ConnectFailed:
        return
    saved = p.limits.read_timeout_s
    p.limits = type(p.limits)(**{**vars(p.limits), "read_timeout_s": min(2.0, saved)})
    await conn.exchange("banner (nothing sent)", b"", lambda d: b"\n" in d, cap=4096)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    data = next((s.received for s in steps if s.received), b"")
    if not data:
        return ServiceFacts(identified=False, how="open; sent nothing before the client spoke")
    for prefix, service, product in _KNOWN:
        if data.startswith(prefix):
            line = data.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
            return ServiceFacts(
                identified=True, service=service, product=product,
                how=f"greeted with {preview(line, 80)}",
            )  # fmt: skip
    return ServiceFacts(identified=False, how=f"greeted with {preview(data, 80)}")


CHECK = Check(
    name="banner",
    service="unknown",
    category="unknown",
    ports=(),
    probe=probe,
    interpret=interpret,
    summary="connect and read what the service says first",
)
