"""The evidence store: every audit with its evidence, manifest, signature and place in the chain.

See docs/store.md for the layout and what `verify` checks.
"""

from __future__ import annotations

import json

from aivet.model import Audit
from aivet.serde import from_jsonable, to_jsonable
from aivet.store.store import (
    AuditRecord,
    AuditRun,
    SealInfo,
    Store,
    StoreError,
    default_store_path,
)
from aivet.web_session import WebSession

__all__ = [
    "AuditRecord",
    "AuditRun",
    "SealInfo",
    "Store",
    "StoreError",
    "default_store_path",
    "load_audit",
    "load_session",
    "seal_info",
]


def seal_info(audit: Audit, audit_sha256: str) -> SealInfo:
    """What the store records at the end of an audit: its outcome and the summary it lists."""
    severities = {
        s: sum(1 for f in audit.findings if f.severity == s) for s in ("critical", "high")
    }
    watchlisted = audit.summary.watchlisted_receivers if audit.summary else []
    return SealInfo(
        status=audit.status,
        status_reasons=list(audit.status_reasons),
        ended_at=audit.ended_at,
        audit_sha256=audit_sha256,
        session_sha256=audit.session_sha256 or None,
        intel=to_jsonable(audit.intel),
        vantage=to_jsonable(audit.vantage) if audit.vantage else None,
        findings=len(audit.findings),
        critical=severities.get("critical", 0),
        high=severities.get("high", 0),
        watchlisted=tuple(watchlisted),
        destinations=len(audit.destinations),
    )


def load_audit(store: Store, record: AuditRecord) -> Audit:
    """The stored audit, checked against the audit JSON Schema; StoreError when it cannot be."""
    from aivet.report.json_report import audit_from_dict

    try:
        return audit_from_dict(store.audit_json(record))
    except ValueError as exc:
        raise StoreError(f"audit {record.audit_id}: {exc}") from None


def load_session(store: Store, record: AuditRecord) -> WebSession | None:
    """The stored web session the audit was derived from; None when none was recorded."""
    if record.kind != "web" or not record.session_sha256:
        return None
    if not store.has_blob(record.session_sha256):
        raise StoreError(
            f"audit {record.audit_id}: its session blob {record.session_sha256[:12]} is missing"
        )
    try:
        data = json.loads(store.read_blob(record.session_sha256))
        return from_jsonable(WebSession, data)
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise StoreError(
            f"audit {record.audit_id}: its session record is unreadable ({exc})"
        ) from None
