"""Sentences to statements: rules first, semantic matches for what the rules missed,
then the details of each statement and the parties the policy names.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aivet.analyze.policy.countries import find_countries
from aivet.analyze.policy.document import PolicyText, Sentence
from aivet.analyze.policy.rules import attributes_for, is_negated, legal_process_terms, rule_hits
from aivet.analyze.policy.semantic import MIN_WORDS, SemanticHit
from aivet.analyze.policy.taxonomy import Category, Taxonomy
from aivet.policy_model import PartyRole, PolicyParty, PolicyQuote, PolicyStatement

_ORG_SUFFIX = (
    r"(?:Co\.,?\s*Ltd\.?|Pte\.?\s*Ltd\.?|Pty\.?\s*Ltd\.?|Sdn\.?\s*Bhd\.?|Inc\.?|Incorporated|"
    r"Ltd\.?|Limited|LLC|L\.L\.C\.|LLP|GmbH|AG|B\.V\.|N\.V\.|S\.A\.S\.|S\.A\.|SAS|S\.r\.l\.|"
    r"S\.p\.A\.|plc|PLC|Corporation|Corp\.?|Oy|AB|K\.K\.)"
)
_ORG = re.compile(
    r"(?<![\w-])([A-Z][\w&'\u2019-]*(?: (?:[A-Z][\w&'\u2019.-]*|&|of|and|for))*),?\s+"
    + _ORG_SUFFIX
    + r"(?![\w])"
)
_EMAIL = re.compile(
    r"[\w.+-]+\s*(?:@|\[at\]|\(at\))\s*[\w-]+(?:\s*(?:\.|\[dot\]|\(dot\))\s*[\w-]+)+", re.IGNORECASE
)
_URL = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:]")
_PARTY_ROLES: dict[str, PartyRole] = {
    "controller": "controller",
    "eu-representative": "eu-representative",
    "dpo-contact": "dpo",
}
_FOLLOW_UP_CATEGORIES = ("share.public-authorities",)
"""Categories whose condition may stand in the next sentence (`We only do so when …`)."""


def quote_of(sentence: Sentence) -> PolicyQuote:
    return PolicyQuote(
        text=sentence.text, section=sentence.section, start=sentence.start, end=sentence.end
    )


def _statement(
    category: Category,
    sentence: Sentence,
    taxonomy: Taxonomy,
    *,
    method: str,
    matched: str,
    score: float,
    anchor: int,
) -> PolicyStatement:
    text = sentence.text
    negated = category.negatable and is_negated(text, anchor, taxonomy.negation)
    countries, attributes = attributes_for(category, text, taxonomy.negation)
    return PolicyStatement(
        category=category.id,
        quote=quote_of(sentence),
        method="rule" if method == "rule" else "semantic",
        matched=matched,
        score=score,
        negated=negated,
        countries=countries,
        attributes=attributes,
    )


def extract_statements(
    text: PolicyText,
    taxonomy: Taxonomy,
    semantic: Callable[[list[str]], list[list[SemanticHit]]] | None,
    *,
    max_semantic: int,
) -> tuple[list[PolicyStatement], int, int]:
    """Statements in document order, and how many sentences were and were not embedded."""
    per_sentence: dict[int, list[PolicyStatement]] = {}
    for sentence in text.sentences:
        if sentence.kind == "heading":
            continue
        for hit in rule_hits(sentence, taxonomy):
            category = taxonomy.category(hit.category)
            per_sentence.setdefault(sentence.index, []).append(
                _statement(
                    category,
                    sentence,
                    taxonomy,
                    method="rule",
                    matched=f"{hit.category}/{hit.rule}",
                    score=1.0,
                    anchor=hit.anchor[0],
                )
            )
    embedded = skipped = 0
    if semantic is not None:
        candidates = [
            s for s in text.sentences if s.kind != "heading" and len(s.text.split()) >= MIN_WORDS
        ]
        chosen, rest = candidates[:max_semantic], candidates[max_semantic:]
        embedded, skipped = len(chosen), len(rest)
        for sentence, found in zip(chosen, semantic([s.text for s in chosen]), strict=True):
            known = {st.category for st in per_sentence.get(sentence.index, [])}
            for match in found:
                if match.category in known:
                    continue
                category = taxonomy.category(match.category)
                gate = category.gate.search(sentence.text) if category.gate else None
                per_sentence.setdefault(sentence.index, []).append(
                    _statement(
                        category,
                        sentence,
                        taxonomy,
                        method="semantic",
                        matched=match.example,
                        score=match.score,
                        anchor=gate.start() if gate else len(sentence.text),
                    )
                )
    _follow_up_conditions(text, per_sentence)
    statements = [st for index in sorted(per_sentence) for st in per_sentence[index]]
    return statements, embedded, skipped


def _follow_up_conditions(text: PolicyText, per_sentence: dict[int, list[PolicyStatement]]) -> None:
    """A disclosure to authorities whose condition is in the next sentence of its paragraph
    (or, for a list item, in the sentence that introduced the list) is conditioned by it."""
    for index, statements in per_sentence.items():
        sentence = text.sentences[index]
        for statement in statements:
            if statement.category not in _FOLLOW_UP_CATEGORIES:
                continue
            if statement.attributes.get("legal_process_required"):
                continue
            around = [sentence.lead] if sentence.kind == "item" else []
            following = text.sentences[index + 1] if index + 1 < len(text.sentences) else None
            if following is not None and following.block == sentence.block:
                around.append(following.text)
            combined = " ".join([sentence.text, *around])
            terms = legal_process_terms(combined)
            if terms["legal_process_required"]:
                statement.attributes.update(terms)
                statement.attributes["condition_in"] = "following sentence"


def _emails(text: str) -> list[str]:
    found = []
    for match in _EMAIL.finditer(text):
        value = re.sub(r"\s*(?:\[at\]|\(at\))\s*", "@", match.group(0), flags=re.IGNORECASE)
        value = re.sub(r"\s*(?:\[dot\]|\(dot\))\s*", ".", value, flags=re.IGNORECASE)
        value = value.replace(" ", "")
        if value not in found:
            found.append(value)
    return found


def organisations(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0).strip() for m in _ORG.finditer(text)))


def _country_near(name: str, text: PolicyText, negation: re.Pattern[str]) -> str | None:
    """The first country named within a short distance after the organisation's name."""
    for sentence in text.sentences:
        at = sentence.text.find(name)
        if at < 0:
            continue
        window = sentence.text[at : at + len(name) + 160]
        for mention in find_countries(window):
            if not is_negated(window, mention.start, negation):
                return mention.code
    return None


def extract_parties(
    text: PolicyText,
    statements: list[PolicyStatement],
    taxonomy: Taxonomy,
    find_entity: Callable[[str], str | None] | None = None,
) -> list[PolicyParty]:
    """The controller(s), EU representative and DPO, with names, countries and contacts."""
    by_start = {s.start: s for s in text.sentences}
    parties: list[PolicyParty] = []
    seen: set[tuple[str, str | None]] = set()
    for statement in statements:
        role = _PARTY_ROLES.get(statement.category)
        if role is None or statement.negated:
            continue
        sentence = by_start[statement.quote.start]
        following = text.sentences[sentence.index + 1 : sentence.index + 3]
        contacts = _emails(sentence.text) + _URL.findall(sentence.text)
        if role == "dpo" and not contacts:
            for nxt in following:
                contacts = _emails(nxt.text) + _URL.findall(nxt.text)
                if contacts:
                    break
        names: list[str | None] = list(organisations(sentence.text)) if role != "dpo" else []
        for name in names or [None]:
            if (role, name) in seen:
                continue
            seen.add((role, name))
            country = None
            if name is not None:
                country = _country_near(name, text, taxonomy.negation)
            if country is None and (name is not None or role != "controller"):
                mentions = [
                    m
                    for m in find_countries(sentence.text)
                    if not is_negated(sentence.text, m.start, taxonomy.negation)
                ]
                country = mentions[0].code if mentions else None
            parties.append(
                PolicyParty(
                    role=role,
                    quote=statement.quote,
                    name=name,
                    country=country,
                    contacts=list(dict.fromkeys(contacts)),
                    entity_id=find_entity(name) if (find_entity and name) else None,
                )
            )
    # A controller sentence that names nobody adds nothing once a named one is known.
    named = {p.role for p in parties if p.name}
    return [p for p in parties if p.name or p.role not in named or p.role == "dpo"]
