"""What a privacy-policy audit records: the `policy` section of an `Audit`.

Every statement carries the sentence it rests on, with its character offsets in
the extracted text (stored as an evidence blob, `PolicySource.text_sha256`), so
anyone can check a quote against the document. The flags that a verdict reads
are ordinary findings (`policy.*` rules, docs/policy.md); this section holds
what they were derived from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FetchedWith = Literal["file", "browser"]
MatchMethod = Literal["rule", "semantic"]
PartyRole = Literal["controller", "eu-representative", "dpo"]


@dataclass
class PolicyQuote:
    """One sentence of the policy, where it stands and what it says."""

    text: str
    section: str
    """The heading path above the sentence (`2. Information we collect`), empty when none."""
    start: int
    """Character offset of the sentence in the extracted text blob."""
    end: int


@dataclass
class PolicyStatement:
    """One thing the policy says, of one category, with the sentence that says it."""

    category: str
    """Category id from the taxonomy, e.g. `collect.biometric`, `location.storage`."""
    quote: PolicyQuote
    method: MatchMethod
    matched: str
    """The rule that matched (`category/pattern-index`), or the nearest example sentence."""
    score: float
    """1.0 for a rule; the cosine similarity to the nearest example for a semantic match."""
    negated: bool = False
    """The sentence says the opposite (`we do not …`): reported, never counted as a practice."""
    countries: list[str] = field(default_factory=list)
    """ISO 3166-1 alpha-2 codes (or `EU`, `EEA`) the statement names as places data goes."""
    attributes: dict[str, object] = field(default_factory=dict)
    """Category-specific details: retention period, legal-process wording, opt-out, ages."""


@dataclass
class PolicySource:
    """Where the policy came from and the evidence blobs that hold it."""

    location: str
    """The URL or file path as given."""
    fetched_with: FetchedWith
    media_type: str
    """`text/html`, `application/pdf` or `text/plain`, as read."""
    charset: str | None = None
    title: str | None = None
    pages: int | None = None
    http_status: int | None = None
    final_url: str | None = None
    document_sha256: str | None = None
    """The bytes as served or read."""
    rendered_sha256: str | None = None
    """For a page fetched with the browser: the DOM after scripts ran (what was analysed)."""
    text_sha256: str | None = None
    """The extracted text; every quote's offsets point into it."""


@dataclass
class PolicyParty:
    """The controller, the EU representative or the data protection officer, as named."""

    role: PartyRole
    quote: PolicyQuote
    name: str | None = None
    country: str | None = None
    contacts: list[str] = field(default_factory=list)
    """E-mail addresses and URLs given for it."""
    entity_id: str | None = None
    """The intel entity of that name, when the intel knows it."""


@dataclass
class SemanticInfo:
    """The sentence-embedding matcher that complemented the rules."""

    model: str
    sentences_embedded: int
    sentences_not_embedded: int = 0
    """Sentences beyond the matcher's limit: only the rules read them."""


@dataclass
class PolicyReport:
    """What the privacy policy says it collects, where it keeps it and who receives it."""

    source: PolicySource
    characters: int
    sections: int
    sentences: int
    taxonomy_sha256: str
    """The categories, rules and example sentences used (re-analysis is comparable when equal)."""
    semantic: SemanticInfo | None = None
    """None when semantic matching was off or unavailable: rules only."""
    data_collected: list[str] = field(default_factory=list)
    """`collect.*` categories the policy says are collected."""
    storage_countries: list[str] = field(default_factory=list)
    transfer_countries: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    """`share.*` categories the policy says receive data."""
    legal_bases: list[str] = field(default_factory=list)
    """`legal-basis.*` categories stated (GDPR Art. 6, CCPA/CPRA, PIPL)."""
    retention_periods: list[str] = field(default_factory=list)
    """Concrete retention limits stated (`30 days`); empty when only open-ended ones are."""
    parties: list[PolicyParty] = field(default_factory=list)
    statements: list[PolicyStatement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What limited the reading (truncation, unreadable pages, semantic limit)."""
