"""Company-name normalisation and matching of watchlist parties to intel entities.

Matching is deliberately strict: a listed party matches an entity only when its whole
normalised name equals the entity's normalised legal name ("exact") or one of its aliases
("alias", which a person must review). "China Mobile Games" never matches "China Mobile",
and a research institute of a group never matches the group itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Legal-form words that carry no identity; dropped only at the end of a name.
_LEGAL_SUFFIXES = (
    "co ltd",
    "company limited",
    "co limited",
    "corporation limited",
    "corp limited",
    "limited",
    "ltd",
    "inc",
    "incorporated",
    "corporation",
    "corp",
    "company",
    "co",
    "llc",
    "l l c",
    "plc",
    "sa",
    "sas",
    "ag",
    "gmbh",
    "pbc",
    "pte ltd",
    "pte",
    "jsc",
    "ao",
)
_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_TRAILING_PAREN = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*\**$")


def normalise(name: str) -> str:
    """Lower case, NFKC, punctuation to spaces, trailing legal forms dropped."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = text.replace("&", " and ").replace("\u2019", "").replace("'", "")
    text = _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()
    changed = True
    while changed and text:
        changed = False
        for suffix in _LEGAL_SUFFIXES:
            if text.endswith(" " + suffix):
                text = text[: -len(suffix) - 1].rstrip()
                changed = True
                break
    return text


def split_listed_name(listed: str) -> tuple[str, list[str]]:
    """`Baidu, Inc. (Baidu)` → (`Baidu, Inc.`, [`Baidu`]): lists put short names in trailing
    brackets. Brackets inside a name (`China Unicom (Hong Kong) Limited`) stay in it."""
    text = listed.strip().rstrip("*").strip()
    match = _TRAILING_PAREN.match(text)
    if match is None or not match.group(1).strip():
        return text, []
    alias = match.group(2).strip()
    return match.group(1).strip(), [alias] if alias else []


@dataclass(frozen=True)
class NameMatch:
    entity_id: str
    kind: str
    """`exact`: the listed legal name is the entity's name; `alias`: only an alias matched."""
    matched_on: str


class NameIndex:
    """Normalised names and aliases of entities, for matching listed parties."""

    def __init__(self) -> None:
        self._names: dict[str, set[str]] = {}
        self._aliases: dict[str, set[str]] = {}

    def add(self, entity_id: str, name: str, aliases: Iterable[str]) -> None:
        self._names.setdefault(normalise(name), set()).add(entity_id)
        for alias in aliases:
            key = normalise(alias)
            if key:
                self._aliases.setdefault(key, set()).add(entity_id)

    def by_name(self, text: str) -> list[str]:
        """Entities whose legal name or an alias equals `text` once normalised."""
        key = normalise(text)
        return sorted(self._names.get(key, set()) | self._aliases.get(key, set()))

    def match(self, name: str, aliases: Iterable[str] = ()) -> list[NameMatch]:
        """Matches of a listed party: its main name first, then its listed aliases."""
        out: dict[str, NameMatch] = {}
        main = normalise(name)
        for entity_id in sorted(self._names.get(main, ())):
            out[entity_id] = NameMatch(entity_id, "exact", name)
        for entity_id in sorted(self._aliases.get(main, ())):
            out.setdefault(entity_id, NameMatch(entity_id, "alias", name))
        for alias in aliases:
            key = normalise(alias)
            for entity_id in sorted(self._names.get(key, set()) | self._aliases.get(key, set())):
                out.setdefault(entity_id, NameMatch(entity_id, "alias", alias))
        return list(out.values())
