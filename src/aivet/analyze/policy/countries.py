"""Country and region names in policy text, to ISO 3166-1 alpha-2 codes (pycountry's data).

Besides the ISO names, the usual short and official forms (`the PRC`, `mainland
China`, `the U.S.`, `the UK`) and the regions policies name instead of countries
(`EU`, `EEA`) are recognised. Upper-case abbreviations (`US`, `UK`, `EU`, `PRC`)
must be written in upper case, so the pronoun "us" is not a country.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pycountry

REGIONS = {"EU": "the European Union", "EEA": "the European Economic Area"}

_ALIASES = {
    "people's republic of china": "CN",
    "people\u2019s republic of china": "CN",
    "mainland china": "CN",
    "p.r. china": "CN",
    "p.r.c.": "CN",
    "united states of america": "US",
    "united states": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "south korea": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "russian federation": "RU",
    "iran": "IR",
    "vietnam": "VN",
    "viet nam": "VN",
    "taiwan": "TW",
    "hong kong": "HK",
    "hong kong sar": "HK",
    "macau": "MO",
    "macao": "MO",
    "czech republic": "CZ",
    "czechia": "CZ",
    "the netherlands": "NL",
    "holland": "NL",
    "turkey": "TR",
    "türkiye": "TR",
    "syria": "SY",
    "venezuela": "VE",
    "bolivia": "BO",
    "tanzania": "TZ",
    "moldova": "MD",
    "laos": "LA",
    "brunei": "BN",
    "ivory coast": "CI",
    "european union": "EU",
    "european economic area": "EEA",
}
_UPPER_ALIASES = {
    "PRC": "CN",
    "US": "US",
    "USA": "US",
    "UK": "GB",
    "U.K.": "GB",
    "EU": "EU",
    "EEA": "EEA",
    "UAE": "AE",
}
# ISO names that are mostly something else in a privacy policy.
_SKIP_NAMES = frozenset({"jersey", "chad", "georgia", "jordan", "guinea", "niger", "mali"})
# "China Mobile", "Singapore Telecommunications": a company named after a country.
_COMPANY_WORD = re.compile(
    r"\s+(?:Mobile|Telecom|Telecommunications|Unicom|Airlines|Post|Bank|Inc|Ltd|LLC|Co)\b"
)


@dataclass(frozen=True)
class CountryMention:
    code: str
    start: int
    end: int
    text: str


def country_name(code: str) -> str:
    if code in REGIONS:
        return REGIONS[code]
    record = pycountry.countries.get(alpha_2=code)
    if record is None:
        return code
    return str(getattr(record, "common_name", None) or record.name)


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    names: dict[str, str] = {}
    for record in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(record, attr, None)
            if value and "," not in value:
                names[value.lower()] = record.alpha_2
    names.update(_ALIASES)
    for skip in _SKIP_NAMES:
        names.pop(skip, None)
    ordered = sorted(names, key=len, reverse=True)
    lower = re.compile(
        r"(?<![\w.])(?:the\s+)?(" + "|".join(re.escape(n) for n in ordered) + r")(?![\w])",
        re.IGNORECASE,
    )
    upper = re.compile(
        r"(?<![\w.])("
        + "|".join(re.escape(n) for n in sorted(_UPPER_ALIASES, key=len, reverse=True))
        + r")(?![\w])"
    )
    return lower, upper, names


def find_countries(text: str) -> list[CountryMention]:
    """Every country or region named in `text`, in order of appearance."""
    lower, upper, names = _patterns()
    found: dict[int, CountryMention] = {}
    for match in lower.finditer(text):
        if _COMPANY_WORD.match(text, match.end(1)):
            continue
        code = names[match.group(1).lower()]
        found[match.start(1)] = CountryMention(code, match.start(1), match.end(1), match.group(1))
    for match in upper.finditer(text):
        if any(m.start <= match.start() < m.end for m in found.values()):
            continue
        code = _UPPER_ALIASES[match.group(1)]
        found[match.start()] = CountryMention(code, match.start(), match.end(), match.group(1))
    return [found[k] for k in sorted(found)]
