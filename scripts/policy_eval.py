#!/usr/bin/env python3
"""Precision and recall per category of aivet's privacy-policy matcher on labelled sentences.

    python scripts/policy_eval.py                     # rules, semantic, both; every split
    python scripts/policy_eval.py --mode both --json out.json
    python scripts/policy_eval.py --errors            # also list each miss and false alarm

The labelled sentences are tests/data/policy/labelled.yaml (real sentences from CC0
policies, and sentences written for aivet; see the file for sources). A category counts as
found in a sentence whatever its polarity; polarity ("we do not …") is scored apart, over
the sentences where the category was both labelled and found.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "policy" / "labelled.yaml"
MODES = ("rules", "semantic", "both")


@dataclass
class Labelled:
    text: str
    labels: set[str]
    negated: set[str]
    source: str
    heading: str = ""
    held_out: bool = False

    @property
    def split(self) -> str:
        if self.held_out:
            return "heldout"
        return "written" if self.source == "aivet" else "real"


@dataclass
class Scores:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    polarity_right: int = 0
    polarity_total: int = 0
    errors: list[str] = field(default_factory=list)


def load_labelled(path: Path = LABELLED) -> list[Labelled]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = []
    for entry in raw["sentences"]:
        labels = [str(label) for label in entry.get("labels") or []]
        items.append(
            Labelled(
                text=str(entry["text"]),
                labels={label.lstrip("!") for label in labels},
                negated={label[1:] for label in labels if label.startswith("!")},
                source=str(entry["source"]),
                heading=str(entry.get("heading", "")),
                held_out=entry.get("split") == "heldout",
            )
        )
    return items


def predict(items: list[Labelled], mode: str) -> list[dict[str, bool]]:
    """For each sentence: category → negated, as the analyzer finds them in this mode."""
    from aivet.analyze.policy.document import PolicyText, Sentence
    from aivet.analyze.policy.extract import extract_statements
    from aivet.analyze.policy.semantic import matcher
    from aivet.analyze.policy.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    sentences = [
        Sentence(
            index=i,
            text=item.text,
            start=0,
            end=len(item.text),
            section=item.heading,
            heading=item.heading.lower(),
            block=i,
            kind="paragraph",
        )
        for i, item in enumerate(items)
    ]
    text = PolicyText(text="", blocks=[], sentences=sentences)
    semantic = matcher(taxonomy).match if mode in ("semantic", "both") else None
    statements, _, _ = extract_statements(text, taxonomy, semantic, max_semantic=len(items))
    found: list[dict[str, bool]] = [{} for _ in items]
    index_of = {item.text: i for i, item in enumerate(items)}
    for statement in statements:
        found[index_of[statement.quote.text]][statement.category] = statement.negated
    if mode == "semantic":
        # Semantic-only: what the matcher finds by itself, rules switched off.
        found = [{} for _ in items]
        for i, hits in enumerate(semantic([item.text for item in items]) if semantic else []):
            for hit in hits:
                found[i][hit.category] = False
    return found


def score(items: list[Labelled], found: list[dict[str, bool]]) -> Scores:
    scores = Scores()
    for item, predicted in zip(items, found, strict=True):
        for category in item.labels | set(predicted):
            if category in item.labels and category in predicted:
                scores.tp[category] += 1
                if category in item.negated or predicted[category]:
                    scores.polarity_total += 1
                    if (category in item.negated) == predicted[category]:
                        scores.polarity_right += 1
            elif category in predicted:
                scores.fp[category] += 1
                scores.errors.append(f"false alarm {category}: {item.text[:140]}")
            else:
                scores.fn[category] += 1
                scores.errors.append(f"missed {category}: {item.text[:140]}")
    return scores


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def table(scores: Scores, categories: list[str]) -> list[dict[str, Any]]:
    rows = []
    for category in categories:
        tp, fp, fn = scores.tp[category], scores.fp[category], scores.fn[category]
        if tp + fp + fn == 0:
            continue
        rows.append(
            {
                "category": category,
                "support": tp + fn,
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "precision": _ratio(tp, tp + fp),
                "recall": _ratio(tp, tp + fn),
            }
        )
    tp, fp, fn = (sum(c.values()) for c in (scores.tp, scores.fp, scores.fn))
    rows.append(
        {
            "category": "ALL (micro)",
            "support": tp + fn,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
        }
    )
    return rows


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.2f}"


def print_table(title: str, rows: list[dict[str, Any]], polarity: tuple[int, int]) -> None:
    print(f"\n{title}")
    print(f"  {'category':26} {'n':>4} {'P':>5} {'R':>5}   tp  fp  fn")
    for row in rows:
        print(
            f"  {row['category']:26} {row['support']:>4} {_fmt(row['precision']):>5} "
            f"{_fmt(row['recall']):>5}  {row['tp']:>3} {row['fp']:>3} {row['fn']:>3}"
        )
    right, total = polarity
    if total:
        print(f"  polarity (negated or not) right in {right}/{total} found statements")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=[*MODES, "all"], default="all")
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)
    from aivet.analyze.policy.taxonomy import load_taxonomy

    categories = [c.id for c in load_taxonomy().categories]
    items = load_labelled(args.labelled)
    modes = MODES if args.mode == "all" else (args.mode,)
    print(
        f"{len(items)} labelled sentences ({args.labelled})"
    )
    results: dict[str, Any] = {}
    for mode in modes:
        started = time.perf_counter()
        found = predict(items, mode)
        elapsed = time.perf_counter() - started
        results[mode] = {"seconds": round(elapsed, 1)}
        for split in ("real", "written", "heldout", "all"):
            chosen = [i for i, item in enumerate(items) if split == "all" or item.split == split]
            scores = score([items[i] for i in chosen], [found[i] for i in chosen])
            rows = table(scores, categories)
            results[mode][split] = {
                "rows": rows,
                "polarity": [scores.polarity_right, scores.polarity_total],
            }
            print_table(
                f"== {mode}: {split} sentences ({len(chosen)}), {elapsed:.1f} s",
                rows,
                (scores.polarity_right, scores.polarity_total),
            )
            if args.errors and split == "all":
                for error in scores.errors:
                    print("   ", error)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
