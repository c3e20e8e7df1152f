"""One policy document to a `PolicyReport` and its flags. Pure: bytes in, results out.

The same bytes analysed again give the same statements, quotes, offsets and
finding ids, so a stored policy can be re-analysed and two versions compared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from aivet.analyze.policy.extract import extract_parties, extract_statements
from aivet.analyze.policy.flags import policy_findings
from aivet.analyze.policy.reading import ReadDocument, read_document
from aivet.analyze.policy.semantic import (
    MAX_SENTENCES,
    Embedder,
    SemanticHit,
    SemanticUnavailable,
    matcher,
)
from aivet.analyze.policy.taxonomy import Taxonomy, load_taxonomy
from aivet.model import Finding
from aivet.policy_model import PolicyReport, PolicySource, PolicyStatement, SemanticInfo

MIN_POLICY_CHARS = 300
MIN_POLICY_CATEGORIES = 3
"""Fewer distinct categories than this and the document is not read as a privacy policy."""


@dataclass
class PolicyAnalysis:
    report: PolicyReport
    findings: list[Finding]
    text: bytes
    """The extracted text (UTF-8); `report.source.text_sha256` names it."""
    status_reasons: list[str] = field(default_factory=list)
    """Non-empty when the audit is partial: what could not be read or done."""


def _affirmed_categories(statements: list[PolicyStatement], prefix: str) -> list[str]:
    return sorted(
        {s.category for s in statements if s.category.startswith(prefix) and not s.negated}
    )


def _countries(statements: list[PolicyStatement], category: str) -> list[str]:
    found: list[str] = []
    for statement in statements:
        if statement.category == category and not statement.negated:
            found += [c for c in statement.countries if c not in found]
    return found


def analyze_policy_document(
    data: bytes,
    source: PolicySource,
    *,
    charset: str | None = None,
    semantic: bool = True,
    embedder: Embedder | None = None,
    taxonomy: Taxonomy | None = None,
    find_entity: Callable[[str], str | None] | None = None,
    max_semantic: int = MAX_SENTENCES,
) -> PolicyAnalysis:
    """Read the document and analyse it; bad input gives a partial result, never an exception."""
    taxonomy = taxonomy or load_taxonomy()
    read: ReadDocument = read_document(
        data, media_type=source.media_type, charset=charset, name=source.location
    )
    text = read.text
    text_bytes = text.text.encode("utf-8")
    text_sha256 = hashlib.sha256(text_bytes).hexdigest()
    notes = list(read.problems)
    reasons = list(read.problems)

    match: Callable[[list[str]], list[list[SemanticHit]]] | None = None
    model_name: str | None = None
    if semantic:
        try:
            active = matcher(taxonomy, embedder)
            match, model_name = active.match, active.embedder.name
        except SemanticUnavailable as exc:
            reason = f"semantic matching was unavailable ({exc}); only the rules were applied"
            notes.append(reason)
            reasons.append(reason)
    statements, embedded, skipped = extract_statements(
        text, taxonomy, match, max_semantic=max_semantic
    )
    if skipped:
        reason = (
            f"semantic matching read the first {embedded:,} of {embedded + skipped:,} "
            "sentences; the rules read them all"
        )
        notes.append(reason)
        reasons.append(reason)

    found_categories = {s.category for s in statements}
    read_whole = not read.problems
    if len(text.text) < MIN_POLICY_CHARS:
        read_whole = False
        reason = f"the document holds almost no text ({len(text.text)} characters)"
        notes.append(reason)
        reasons.append(reason)
    elif len(found_categories) < MIN_POLICY_CATEGORIES:
        read_whole = False
        reason = (
            f"the document does not read like a privacy policy (it touches "
            f"{len(found_categories)} of the {len(taxonomy.categories)} topics aivet looks for)"
        )
        notes.append(reason)
        reasons.append(reason)
    if not read_whole:
        notes.append(
            "flags of absence (no legal basis, no retention limit) were not raised: "
            "the text that was read may be incomplete"
        )

    findings = policy_findings(
        statements, text_sha256, read_whole=read_whole, sentences=len(text.sentences)
    )
    limited = [
        str(p)
        for s in statements
        if s.category == "retention" and not s.negated
        for p in (s.attributes.get("periods") or [])  # type: ignore[attr-defined]
    ]
    report = PolicyReport(
        source=replace(
            source,
            media_type=read.media_type,
            charset=read.charset,
            title=source.title or text.title,
            pages=read.pages,
            text_sha256=text_sha256,
        ),
        characters=len(text.text),
        sections=text.sections,
        sentences=len(text.sentences),
        taxonomy_sha256=taxonomy.sha256,
        semantic=(
            SemanticInfo(
                model=model_name, sentences_embedded=embedded, sentences_not_embedded=skipped
            )
            if model_name
            else None
        ),
        data_collected=_affirmed_categories(statements, "collect."),
        storage_countries=_countries(statements, "location.storage"),
        transfer_countries=_countries(statements, "location.transfer"),
        recipients=_affirmed_categories(statements, "share."),
        legal_bases=_affirmed_categories(statements, "legal-basis."),
        retention_periods=list(dict.fromkeys(limited)),
        parties=extract_parties(text, statements, taxonomy, find_entity),
        statements=statements,
        notes=notes,
    )
    return PolicyAnalysis(report=report, findings=findings, text=text_bytes, status_reasons=reasons)
