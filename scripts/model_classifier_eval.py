#!/usr/bin/env python3
"""Print the model-answer classifier's precision and recall per label on labelled answers.

    python scripts/model_classifier_eval.py                 # every set in tests/data/model/
    python scripts/model_classifier_eval.py FILE.jsonl ...  # these sets
    python scripts/model_classifier_eval.py --errors        # also list each wrong label

A labelled set is JSON lines with `answer` and `label` (canned_refusal,
soft_refusal, state_narrative, substantive); see tests/data/model/README.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aivet.analyze.model_behaviour.classify import ANSWER_LABELS, REFUSAL_LABELS
from aivet.analyze.model_behaviour.evaluate import Evaluation, evaluate, load_labelled

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "model"


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def print_table(name: str, result: Evaluation) -> None:
    print(f"\n{name}: {result.total} answers, accuracy {result.accuracy:.2f}")
    print(f"  {'label':<16} {'support':>7} {'precision':>9} {'recall':>7}")
    for s in result.scores:
        if s.support or s.predicted:
            print(f"  {s.label:<16} {s.support:>7} {_fmt(s.precision):>9} {_fmt(s.recall):>7}")
    refusal_truth = sum(n for (t, _), n in result.confusion.items() if t in REFUSAL_LABELS)
    refusal_guess = sum(n for (_, g), n in result.confusion.items() if g in REFUSAL_LABELS)
    refusal_hit = sum(
        n for (t, g), n in result.confusion.items() if t in REFUSAL_LABELS and g in REFUSAL_LABELS
    )
    if refusal_truth:
        precision = refusal_hit / refusal_guess if refusal_guess else None
        print(
            f"  {'any refusal':<16} {refusal_truth:>7} {_fmt(precision):>9}"
            f" {_fmt(refusal_hit / refusal_truth):>7}"
        )
    labels = [label for label in ANSWER_LABELS if any(label in k for k in result.confusion)]
    print("  confusion (rows: truth, columns: predicted)")
    print("  " + " " * 16 + "".join(f"{label:>16}" for label in labels))
    for truth in labels:
        row = "".join(f"{result.confusion[(truth, guess)]:>16}" for guess in labels)
        print(f"  {truth:<16}{row}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--errors", action="store_true", help="list every wrong label")
    args = parser.parse_args(argv)
    files = args.files or sorted(DATA.glob("labelled-*.jsonl"))
    if not files:
        print("no labelled sets found", file=sys.stderr)
        return 1
    every = []
    for path in files:
        rows = load_labelled(path)
        every += rows
        result = evaluate(rows)
        print_table(path.name, result)
        if args.errors:
            for e in result.errors:
                text = " ".join(e["answer"].split())[:120]
                print(f"    {e.get('id', '?')}: {e['label']} -> {e['predicted']}: {text}")
                print(f"      {e['reasons'][:3]}")
    if len(files) > 1:
        print_table("all sets", evaluate(every))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
