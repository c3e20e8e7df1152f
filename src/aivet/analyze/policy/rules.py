"""The precise half of the matcher: taxonomy rules on one sentence, negation, and the
category-specific details of a statement (countries, retention period, legal process…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aivet.analyze.policy.countries import find_countries
from aivet.analyze.policy.document import Sentence
from aivet.analyze.policy.taxonomy import Category, Taxonomy

# Where a clause starts again: a negation before it does not reach past it.
_CLAUSE_BREAK = re.compile(
    r"[;:.!?]|\b(?:but|however|whereas|although|though|except|unless|while)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class RuleHit:
    category: str
    rule: int
    anchor: tuple[int, int]


def rule_hits(sentence: Sentence, taxonomy: Taxonomy) -> list[RuleHit]:
    """Every category whose rules match the sentence (the first matching rule of each)."""
    text = sentence.text
    context = f"{sentence.heading}\n{sentence.lead}"
    has_country: bool | None = None
    hits: list[RuleHit] = []
    for category in taxonomy.categories:
        if category.veto is not None and category.veto.search(text):
            continue
        for index, rule in enumerate(category.rules):
            anchor = rule.patterns[0].search(text)
            if anchor is None:
                continue
            if any(p.search(text) is None for p in rule.patterns[1:]):
                continue
            if rule.veto is not None and rule.veto.search(text):
                continue
            if rule.context is not None and not rule.context.search(context):
                continue
            if rule.countries:
                if has_country is None:
                    has_country = bool(find_countries(text))
                if not has_country:
                    continue
            hits.append(RuleHit(category.id, index, anchor.span()))
            break
    return hits


def clause_start(text: str, position: int) -> int:
    start = 0
    for match in _CLAUSE_BREAK.finditer(text, 0, position):
        start = match.end()
    return start


def is_negated(text: str, position: int, negation: re.Pattern[str]) -> bool:
    """Whether a negation ("not", "never", "no") stands before `position` in its clause."""
    return negation.search(text, clause_start(text, position), position) is not None


# --- places ------------------------------------------------------------------------------

_EXCLUDED_BEFORE = re.compile(
    r"\b(?:outside(?:\s+of)?|other\s+than|beyond|instead\s+of|excluding|except(?:\s+for)?|"
    r"never\s+(?:to|in)|not\s+(?:to|in))\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_ORIGIN_BEFORE = re.compile(r"\bfrom\s+(?:the\s+)?$", re.IGNORECASE)
_LIST_JOIN = re.compile(r"^\s*(?:,|,?\s*(?:and|or|&))\s*(?:the\s+)?$", re.IGNORECASE)


def destination_countries(text: str, negation: re.Pattern[str], *, transfer: bool) -> list[str]:
    """Countries the sentence names as places data is kept or goes to.

    Not those it excludes (`outside China`, `never in the US`), negates (`we do not store
    data in …`) or names as the origin of a transfer (`from the EU, the UK and Switzerland`).
    """
    kept: list[str] = []
    previous_status: str | None = None
    previous_end = -1
    for mention in find_countries(text):
        before = text[max(0, mention.start - 40) : mention.start]
        between = text[previous_end : mention.start] if previous_end >= 0 else None
        if between is not None and previous_status is not None and _LIST_JOIN.match(between):
            status = previous_status  # a list shares the status of its first member
        elif _EXCLUDED_BEFORE.search(before) or is_negated(text, mention.start, negation):
            status = "excluded"
        elif transfer and _ORIGIN_BEFORE.search(before):
            status = "origin"
        else:
            status = "destination"
        if status == "destination" and mention.code not in kept:
            kept.append(mention.code)
        previous_status, previous_end = status, mention.end
    return kept


# --- retention ---------------------------------------------------------------------------

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|"
    "eighteen|twenty|twenty-four|thirty|forty-five|sixty|ninety|hundred"
)
_PERIOD = re.compile(
    rf"\b(\d{{1,4}}|{_NUMBER_WORDS})(?:\s*\(\d{{1,4}}\))?[\s-]*(hours?|days?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)
_LOWER_BOUND = re.compile(
    r"\b(?:longer|more|greater)\s+than\s*$|\bat\s+least\s*$|\bminimum\s+of\s*$|\bover\s*$|"
    r"\bbeyond\s*$|\bpast\s*$|\blast\s*$|\bprevious\s*$|\bprior\s*$",
    re.IGNORECASE,
)
_OPEN_ENDED = re.compile(
    r"\bas\s+long\s+as\b|\bfor\s+(?:the\s+)?(?:duration|period|time)\s+(?:necessary|needed|required|"
    r"reasonably)|\bindefinite(?:ly)?\b|\buntil\s+you\s+(?:delete|close|ask)|\bappropriate\s+to\s+"
    r"our\s+needs\b|\bas\s+(?:needed|necessary|required)\b|\bno\s+longer\s+(?:necessary|needed|"
    r"required)\b|\blength\s+of\s+time\s+appropriate\b|\bpermanently\b",
    re.IGNORECASE,
)


def retention_periods(text: str) -> list[str]:
    """Concrete retention limits (`30 days`), not lower bounds (`longer than seven days`)."""
    periods = []
    for match in _PERIOD.finditer(text):
        if _LOWER_BOUND.search(text[max(0, match.start() - 25) : match.start()]):
            continue
        unit = match.group(2).lower()
        periods.append(f"{match.group(1).lower()} {unit}")
    return periods


def retention_open_ended(text: str) -> bool:
    return _OPEN_ENDED.search(text) is not None


# --- authorities: is a legal process required? -------------------------------------------

_PROCESS = re.compile(
    r"\b(?:subpoenas?|court\s+orders?|warrants?|(?:valid|binding|formal|lawful|compulsory|"
    r"legally\s+binding|legally\s+valid)\s+(?:legal\s+)?(?:process|requests?|orders?|demands?)|"
    r"legal\s+process|judicial\s+(?:or\s+administrative\s+)?(?:orders?|process|authori[sz]ation)|"
    r"administrative\s+orders?|mutual\s+legal\s+assistance|mlat)\b",
    re.IGNORECASE,
)
_REQUIRED_BY_LAW = re.compile(
    r"\b(?:(?:legally\s+)?(?:required|compelled|obliged|obligated)\s+(?:to\s+do\s+so\s+)?(?:by|under)"
    r"\s+(?:applicable\s+)?(?:law|a\s+court)|(?:only|solely)\s+(?:when|where|if)\s+(?:we\s+are\s+)?"
    r"(?:legally\s+)?(?:required|compelled|obliged))",
    re.IGNORECASE,
)
_DISCRETION = re.compile(
    r"\bgood[\s-]faith\b|\bwe\s+(?:reasonably\s+)?believe\b|\bin\s+our\s+(?:sole\s+)?discretion\b|"
    r"\bdeem(?:s|ed)?\s+(?:it\s+)?(?:necessary|appropriate)\b|\bwe\s+consider\b",
    re.IGNORECASE,
)
_LOOSE_REQUEST = re.compile(
    r"(?<!lawful )(?<!valid )(?<!binding )(?<!formal )\b(?:government(?:al)?|authorit(?:y|ies)|"
    r"officials?|state|public\s+authorit(?:y|ies))\s+requests?\b|\bwhen\s+(?:requested|asked)\b|"
    r"\bupon\s+request\b|\bif\s+(?:they|authorities)\s+ask\b",
    re.IGNORECASE,
)


def legal_process_terms(text: str) -> dict[str, object]:
    """How a disclosure to authorities is conditioned, from the words that condition it."""
    process = [m.group(0) for m in _PROCESS.finditer(text)]
    required = _REQUIRED_BY_LAW.search(text)
    discretion = _DISCRETION.search(text)
    loose = _LOOSE_REQUEST.search(text)
    requires = not loose and (bool(process) or (required is not None and discretion is None))
    return {
        "legal_process_required": requires,
        "process_terms": process,
        "discretion": discretion.group(0) if discretion else None,
        "loose_condition": loose.group(0) if loose else None,
    }


# --- other details -----------------------------------------------------------------------

_AGE = re.compile(
    r"\b(?:under|younger\s+than|below|at\s+least|over|aged?|age\s+of)\s+(?:the\s+age\s+of\s+)?"
    r"(\d{1,2}|thirteen|fourteen|sixteen|eighteen)\b",
    re.IGNORECASE,
)
_AGE_WORDS = {"thirteen": 13, "fourteen": 14, "sixteen": 16, "eighteen": 18}
_BIOMETRIC_KINDS = (
    ("keystroke-dynamics", re.compile(r"keystroke|typing|key ?press|patterns? or rhythms?", re.I)),
    ("voiceprint", re.compile(r"voice ?print", re.I)),
    ("face", re.compile(r"\bface|facial", re.I)),
    ("fingerprint", re.compile(r"finger ?print", re.I)),
    ("iris-or-retina", re.compile(r"\biris|retina", re.I)),
    ("biometric", re.compile(r"biometric", re.I)),
)
_GDPR_BASES = (
    ("consent", re.compile(r"\bconsent\b", re.I)),
    ("contract", re.compile(r"\bcontract(?:ual)?\b", re.I)),
    (
        "legal-obligation",
        re.compile(r"\blegal\s+obligations?\b|\bcomply\s+with\s+(?:applicable\s+)?law", re.I),
    ),
    ("legitimate-interests", re.compile(r"\blegitimate\s+interests?\b", re.I)),
    ("vital-interests", re.compile(r"\bvital\s+interests?\b", re.I)),
    ("public-task", re.compile(r"\bpublic\s+(?:task|interest)\b", re.I)),
)


def ages(text: str) -> list[int]:
    found = []
    for match in _AGE.finditer(text):
        value = match.group(1).lower()
        age = _AGE_WORDS.get(value) or (int(value) if value.isdigit() else 0)
        if 0 < age < 30 and age not in found:
            found.append(age)
    return found


def biometric_kinds(text: str) -> list[str]:
    return [kind for kind, pattern in _BIOMETRIC_KINDS if pattern.search(text)] or ["biometric"]


def gdpr_bases(text: str) -> list[str]:
    return [name for name, pattern in _GDPR_BASES if pattern.search(text)]


def attributes_for(
    category: Category, text: str, negation: re.Pattern[str]
) -> tuple[list[str], dict[str, object]]:
    """(countries, attributes) of a statement of this category made by `text`."""
    cid = category.id
    if cid in ("location.storage", "location.transfer"):
        return destination_countries(text, negation, transfer=cid == "location.transfer"), {}
    if cid == "retention":
        periods = retention_periods(text)
        return [], {"periods": periods, "open_ended": retention_open_ended(text)}
    if cid == "share.public-authorities":
        return [], legal_process_terms(text)
    if cid == "children":
        return [], {"ages": ages(text)}
    if cid == "collect.biometric":
        return [], {"kinds": biometric_kinds(text)}
    if cid == "legal-basis.gdpr":
        return [], {"bases": gdpr_bases(text)}
    return [], {}
