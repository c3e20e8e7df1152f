"""Small shared helpers for building findings with stable ids."""

from __future__ import annotations

import hashlib

from aivet.model import SEVERITY_ORDER, Finding


def finding_id(rule: str, *key_parts: str) -> str:
    """Deterministic id: the same evidence analysed again yields the same id."""
    digest = hashlib.sha256("\x1f".join((rule, *key_parts)).encode()).hexdigest()[:12]
    return f"{rule}:{digest}"


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.title))
