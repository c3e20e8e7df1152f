"""The packaged taxonomy (`taxonomy.yaml`): categories, their rules and example sentences.

Loaded once and checked: every regex must compile, every category needs rules
and examples. Its SHA-256 goes into each report, so two analyses are known to
have used the same knowledge.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

_FLAGS = re.IGNORECASE


class TaxonomyError(ValueError):
    """The taxonomy file is malformed (a packaging bug, not user input)."""


@dataclass(frozen=True)
class Rule:
    patterns: tuple[re.Pattern[str], ...]
    """All must match; the first is the anchor."""
    veto: re.Pattern[str] | None = None
    context: re.Pattern[str] | None = None
    countries: bool = False


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    rules: tuple[Rule, ...]
    examples: tuple[str, ...]
    gate: re.Pattern[str] | None
    veto: re.Pattern[str] | None = None
    """A sentence matching this is never of the category, by rule or by meaning."""
    negatable: bool = False
    countries: bool = False
    threshold: float = 0.6

    @property
    def group(self) -> str:
        return self.id.split(".")[0]


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    none_examples: tuple[str, ...]
    negation: re.Pattern[str]
    margin: float
    sha256: str

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)


def _compile(value: Any, where: str) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise TaxonomyError(f"{where}: a regex must be a non-empty string")
    try:
        return re.compile(value, _FLAGS)
    except re.error as exc:
        raise TaxonomyError(f"{where}: bad regex: {exc}") from None


def _rule(raw: Any, where: str) -> Rule:
    if isinstance(raw, str):
        return Rule(patterns=(_compile(raw, where),))
    if not isinstance(raw, dict) or not isinstance(raw.get("all"), list) or not raw["all"]:
        raise TaxonomyError(f"{where}: a rule is a regex or a mapping with a list 'all'")
    unknown = set(raw) - {"all", "not", "context", "countries"}
    if unknown:
        raise TaxonomyError(f"{where}: unknown keys {sorted(unknown)}")
    return Rule(
        patterns=tuple(_compile(p, f"{where}.all") for p in raw["all"]),
        veto=_compile(raw["not"], f"{where}.not") if "not" in raw else None,
        context=_compile(raw["context"], f"{where}.context") if "context" in raw else None,
        countries=bool(raw.get("countries", False)),
    )


def parse_taxonomy(text: str) -> Taxonomy:
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise TaxonomyError("taxonomy: expected a mapping with 'version: 1'")
    default_threshold = float(raw.get("threshold", 0.6))
    categories: list[Category] = []
    seen: set[str] = set()
    for i, item in enumerate(raw.get("categories") or []):
        where = f"categories[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise TaxonomyError(f"{where}: needs an 'id'")
        cid = item["id"]
        if cid in seen:
            raise TaxonomyError(f"{where}: duplicate id {cid}")
        seen.add(cid)
        rules = item.get("rules") or []
        examples = item.get("examples") or []
        if not rules or not examples or not all(isinstance(e, str) for e in examples):
            raise TaxonomyError(f"{cid}: needs rules and example sentences")
        categories.append(
            Category(
                id=cid,
                label=str(item.get("label", cid)),
                rules=tuple(_rule(r, f"{cid}.rules[{j}]") for j, r in enumerate(rules)),
                examples=tuple(examples),
                gate=_compile(item["gate"], f"{cid}.gate") if item.get("gate") else None,
                veto=_compile(item["not"], f"{cid}.not") if item.get("not") else None,
                negatable=bool(item.get("negatable", False)),
                countries=bool(item.get("countries", False)),
                threshold=float(item.get("threshold", default_threshold)),
            )
        )
    none_examples = raw.get("none") or []
    if not categories or not none_examples:
        raise TaxonomyError("taxonomy: needs categories and 'none' examples")
    return Taxonomy(
        categories=tuple(categories),
        none_examples=tuple(str(e) for e in none_examples),
        negation=_compile(raw.get("negation", r"\bnot\b"), "negation"),
        margin=float(raw.get("margin", 0.0)),
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


@functools.cache
def load_taxonomy() -> Taxonomy:
    """The taxonomy shipped with aivet."""
    text = resources.files("aivet.analyze.policy").joinpath("taxonomy.yaml").read_text("utf-8")
    return parse_taxonomy(text)
