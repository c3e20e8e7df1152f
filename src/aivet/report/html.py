"""The HTML report: one self-contained file a non-engineer can read, print or mail.

No script, no external asset: CSS is inline, the screenshot is a data: URI,
and a Content-Security-Policy forbids anything else. Every value that came
from the audited page is hostile input: Jinja2 escapes it, and `clean_text`
removes control and invisible characters before that.
"""

from __future__ import annotations

import base64
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from aivet.evidence import EvidenceDir
from aivet.model import Audit
from aivet.report import (
    canary_leaks,
    clean_text,
    format_bytes,
    group_destinations,
    headline,
    list_names,
    plural,
    sorted_findings,
)
from aivet.report.flowmap import render_flow_map
from aivet.report.scripts import hidden_code

if TYPE_CHECKING:
    from aivet.store import AuditRecord

MAX_SCREENSHOT_BYTES = 3_000_000
"""Larger screenshots are left out of the HTML (still in the evidence) to keep it mailable."""

_MAX_DATA_CHARS = 4000
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass
class Screenshot:
    data_uri: str | None
    note: str


def _image_type(data: bytes) -> str | None:
    for magic, media_type in _IMAGE_MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def screenshot_for(audit: Audit, evidence: EvidenceDir | None) -> Screenshot:
    """The screenshot as a data: URI when it can be embedded, else a note saying why not."""
    digest = audit.screenshot_sha256
    if not digest:
        return Screenshot(None, "No screenshot was taken.")
    if evidence is None:
        return Screenshot(None, "The screenshot is in the evidence store, not in this file.")
    try:
        data = evidence.read(digest)
    except (OSError, ValueError):
        return Screenshot(None, "The screenshot blob is missing from the evidence directory.")
    media_type = _image_type(data)
    if media_type is None:
        # Only raster images are embedded: an SVG could carry script.
        return Screenshot(None, "The screenshot blob is not a PNG, JPEG or WebP image.")
    if len(data) > MAX_SCREENSHOT_BYTES:
        return Screenshot(
            None,
            f"The screenshot ({format_bytes(len(data))}) is too large to embed; "
            "it is in the evidence store.",
        )
    encoded = base64.b64encode(data).decode("ascii")
    return Screenshot(f"data:{media_type};base64,{encoded}", "")


def _finalize(value: Any) -> Any:
    # Applied to every {{ expression }}: page text loses control and invisible characters.
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean_text(value)
    return value


def _data_json(data: dict[str, object]) -> str:
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    return clean_text(text, _MAX_DATA_CHARS)


def _short_hash(value: str | None) -> str:
    if value and len(value) == 64:
        return value[:12] + "…"
    return value or "—"


def _safe_link(url: str) -> str | None:
    """Only plain web links from the intel are made clickable; anything else stays text."""
    return url if url.startswith(("https://", "http://")) else None


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("aivet.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["bytes"] = format_bytes
    env.filters["clean"] = clean_text
    env.filters["short_hash"] = _short_hash
    env.filters["data_json"] = _data_json
    env.globals["plural"] = plural
    env.globals["list_names"] = list_names
    env.globals["safe_link"] = _safe_link
    return env


@dataclass(frozen=True)
class Custody:
    """The audit's place in an evidence store, shown in the report's custody section."""

    manifest_sha256: str
    chain_seq: int | None
    key_id: str | None

    @classmethod
    def of(cls, record: AuditRecord) -> Custody | None:
        if record.manifest_sha256 is None:
            return None
        return cls(record.manifest_sha256, record.chain_seq, record.key_id)


def render_html(
    audit: Audit, evidence: EvidenceDir | None = None, *, custody: Custody | None = None
) -> str:
    """The whole report as one HTML document."""
    if audit.kind == "exposure":
        from aivet.report.exposure import render_exposure_html

        return render_exposure_html(audit)
    if audit.kind == "app" and audit.app is not None:
        from aivet.report.app import render_app_html

        return render_app_html(audit, custody=custody)
    if audit.kind == "model":
        from aivet.report.model_audit import render_model_html

        return render_model_html(audit, evidence, custody=custody)
    if audit.kind == "policy" and audit.policy is not None:
        from aivet.report.policy import render_policy_html

        return render_policy_html(audit)
    template = _environment().get_template("report.html.j2")
    vantage_rules = audit.vantage.resolve if audit.vantage else []
    resolve = {(r.pattern, r.address, r.port): r for r in [*audit.resolve, *vantage_rules]}
    groups = group_destinations(audit)
    return template.render(
        audit=audit,
        headline=headline(audit),
        leaks=canary_leaks(audit),
        groups=groups,
        watchlisted=[g for g in groups if g.watchlists],
        findings=sorted_findings(audit),
        screenshot=screenshot_for(audit, evidence),
        resolve=list(resolve.values()),
        severities=["critical", "high", "medium", "low", "info"],
        flow_map=render_flow_map(audit) if audit.destinations else None,
        custody=custody,
        hidden=hidden_code(audit),
    )


def write_html(
    audit: Audit, evidence: EvidenceDir | None, path: Path, *, custody: Custody | None = None
) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(audit, evidence, custody=custody), encoding="utf-8")
    os.replace(tmp, path)
