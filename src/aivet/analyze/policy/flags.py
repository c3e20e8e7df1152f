"""Statements to flags: the `policy.*` findings a verdict can require or forbid.

Each flag quotes the sentences it rests on (evidence: the extracted-text blob,
with character offsets). Flags of absence (no legal basis, no retention limit)
are raised only when the whole policy was read; docs/policy.md lists the rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from aivet.analyze.findings import finding_id, sort_findings
from aivet.analyze.policy.countries import country_name
from aivet.model import Confidence, EvidenceRef, Finding, Severity
from aivet.policy_model import PolicyStatement

STORAGE_COUNTRY = "policy.storage-country"
TRANSFER_COUNTRY = "policy.transfer-country"
BIOMETRIC = "policy.biometric-collection"
AUTHORITY_DISCLOSURE = "policy.authority-disclosure-without-legal-process"
NO_GDPR_BASIS = "policy.no-gdpr-legal-basis"
NO_RETENTION_LIMIT = "policy.no-retention-limit"
TRAINING_NO_OPT_OUT = "policy.training-without-opt-out"

FLAG_RULES = (
    STORAGE_COUNTRY,
    TRANSFER_COUNTRY,
    BIOMETRIC,
    AUTHORITY_DISCLOSURE,
    NO_GDPR_BASIS,
    NO_RETENTION_LIMIT,
    TRAINING_NO_OPT_OUT,
)
"""Rule ids; storage and transfer flags carry a country suffix: `policy.storage-country.cn`."""

_MAX_QUOTES = 8
_MAX_DETAIL = 240


def _affirmed(statements: Iterable[PolicyStatement], category: str) -> list[PolicyStatement]:
    return [s for s in statements if s.category == category and not s.negated]


def _confidence(statements: list[PolicyStatement]) -> Confidence:
    return "high" if any(s.method == "rule" for s in statements) else "medium"


def _quotes(statements: list[PolicyStatement]) -> list[dict[str, object]]:
    return [
        {
            "text": s.quote.text,
            "section": s.quote.section,
            "start": s.quote.start,
            "end": s.quote.end,
            "method": s.method,
            "score": s.score,
        }
        for s in statements[:_MAX_QUOTES]
    ]


def _evidence(text_sha256: str, statements: list[PolicyStatement]) -> list[EvidenceRef]:
    refs = []
    for s in statements[:_MAX_QUOTES]:
        quote = (
            s.quote.text if len(s.quote.text) <= _MAX_DETAIL else s.quote.text[:_MAX_DETAIL] + "…"
        )
        refs.append(
            EvidenceRef(
                kind="document",
                ref=text_sha256,
                detail=f"characters {s.quote.start}-{s.quote.end}: “{quote}”",
            )
        )
    return refs


def _finding(
    rule: str,
    key: str,
    *,
    category: str,
    severity: Severity,
    confidence: Confidence,
    title: str,
    explanation: str,
    evidence: list[EvidenceRef],
    data: dict[str, object],
) -> Finding:
    return Finding(
        id=finding_id(rule, key),
        rule=rule,
        category=category,
        severity=severity,
        confidence=confidence,
        basis="observed",
        title=title,
        explanation=explanation,
        evidence=evidence,
        data=data,
    )


def _place_flags(
    statements: list[PolicyStatement], category: str, rule: str, text_sha256: str
) -> list[Finding]:
    by_country: dict[str, list[PolicyStatement]] = {}
    for statement in _affirmed(statements, category):
        for code in statement.countries:
            by_country.setdefault(code, []).append(statement)
    verb = "stores or processes" if rule == STORAGE_COUNTRY else "transfers"
    findings = []
    for code, backing in sorted(by_country.items()):
        name = country_name(code)
        findings.append(
            _finding(
                f"{rule}.{code.lower()}",
                code,
                category="policy-jurisdiction",
                severity="info",
                confidence=_confidence(backing),
                title=f"The policy says it {verb} data in {name} ({code})",
                explanation=(
                    f"The privacy policy states that personal data is "
                    f"{'kept or processed' if rule == STORAGE_COUNTRY else 'transferred'} in "
                    f"{name}. The law of that country governs access to it there; whether that "
                    "is acceptable is for your verdict policy to say (forbid the rule "
                    f"{rule}.{code.lower()})."
                ),
                evidence=_evidence(text_sha256, backing),
                data={"country": code, "country_name": name, "quotes": _quotes(backing)},
            )
        )
    return findings


def policy_findings(
    statements: list[PolicyStatement], text_sha256: str, *, read_whole: bool, sentences: int
) -> list[Finding]:
    """The `policy.*` flags for these statements; absence flags only when `read_whole`."""
    findings = _place_flags(statements, "location.storage", STORAGE_COUNTRY, text_sha256)
    findings += _place_flags(statements, "location.transfer", TRANSFER_COUNTRY, text_sha256)

    biometric = _affirmed(statements, "collect.biometric")
    if biometric:
        kinds = sorted({str(k) for s in biometric for k in _list(s.attributes.get("kinds"))})
        findings.append(
            _finding(
                BIOMETRIC,
                "",
                category="policy-collection",
                severity="high",
                confidence=_confidence(biometric),
                title="The policy says it collects biometric-like data: " + ", ".join(kinds),
                explanation=(
                    "Keystroke patterns or rhythms, voiceprints or face geometry identify a "
                    "person across accounts and devices and cannot be changed like a password. "
                    "The policy states that such data is collected."
                ),
                evidence=_evidence(text_sha256, biometric),
                data={"kinds": kinds, "quotes": _quotes(biometric)},
            )
        )

    authorities = _affirmed(statements, "share.public-authorities")
    unconditioned = [s for s in authorities if not s.attributes.get("legal_process_required")]
    if unconditioned:
        findings.append(
            _finding(
                AUTHORITY_DISCLOSURE,
                "",
                category="policy-sharing",
                severity="high",
                confidence=_confidence(unconditioned),
                title="The policy allows disclosure to public authorities without requiring "
                "legal process",
                explanation=(
                    "The policy says personal data may be given to law enforcement or other "
                    "public authorities, and does not limit this to a subpoena, court order or "
                    "other binding legal process (a 'good-faith belief', a 'government request' "
                    "or no condition at all is enough)."
                ),
                evidence=_evidence(text_sha256, unconditioned),
                data={
                    "quotes": _quotes(unconditioned),
                    "conditions": [
                        s.attributes.get("discretion") or s.attributes.get("loose_condition")
                        for s in unconditioned[:_MAX_QUOTES]
                    ],
                    "conditioned_statements": len(authorities) - len(unconditioned),
                },
            )
        )

    training = _affirmed(statements, "training")
    opt_outs = _affirmed(statements, "training.opt-out")
    if training and not opt_outs:
        findings.append(
            _finding(
                TRAINING_NO_OPT_OUT,
                "",
                category="policy-training",
                severity="medium",
                confidence=_confidence(training),
                title="The policy uses data to train models and offers no opt-out",
                explanation=(
                    "The policy says user data or content is used to train or improve models, "
                    "and no sentence offers a way to opt out of that use."
                ),
                evidence=_evidence(text_sha256, training),
                data={"quotes": _quotes(training)},
            )
        )

    if read_whole:
        whole = [EvidenceRef(kind="document", ref=text_sha256, detail=f"all {sentences} sentences")]
        bases = _affirmed(statements, "legal-basis.gdpr")
        if not bases:
            findings.append(
                _finding(
                    NO_GDPR_BASIS,
                    "",
                    category="policy-legal-basis",
                    severity="medium",
                    confidence="medium",
                    title="The policy names no GDPR legal basis for processing",
                    explanation=(
                        "No sentence names a legal basis under GDPR Art. 6 (consent, contract, "
                        "legal obligation, vital interests, public task, legitimate interests). "
                        "For people in the EU or EEA, processing needs one, and the policy must "
                        "say which (Art. 13(1)(c))."
                    ),
                    evidence=whole,
                    data={"sentences_read": sentences},
                )
            )
        retention = _affirmed(statements, "retention")
        limited = [s for s in retention if _list(s.attributes.get("periods"))]
        if not limited:
            open_ended = [s for s in retention if s.attributes.get("open_ended")]
            findings.append(
                _finding(
                    NO_RETENTION_LIMIT,
                    "",
                    category="policy-retention",
                    severity="medium",
                    confidence="medium",
                    title="The policy sets no retention limit"
                    + (" (only 'as long as necessary')" if open_ended else ""),
                    explanation=(
                        "No sentence gives a period after which personal data is deleted; "
                        + (
                            "retention is open-ended ('as long as necessary' or similar)."
                            if open_ended
                            else "the policy does not say how long data is kept."
                        )
                    ),
                    evidence=_evidence(text_sha256, open_ended) or whole,
                    data={
                        "retention_statements": len(retention),
                        "quotes": _quotes(open_ended),
                        "sentences_read": sentences,
                    },
                )
            )
    return sort_findings(findings)


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []
