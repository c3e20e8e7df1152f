"""Measure the classifier on labelled answers: precision and recall per label.

Labelled sets are JSON lines with at least `answer` and `label` (and optionally
`outcome`, `finish_reason`); tests/data/model/ holds the project's own, and
scripts/model_classifier_eval.py prints the table.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aivet.analyze.model_behaviour.classify import ANSWER_LABELS, Rules, classify_answer


@dataclass
class LabelScore:
    label: str
    support: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.support if self.support else None


@dataclass
class Evaluation:
    total: int
    correct: int
    scores: list[LabelScore]
    confusion: Counter[tuple[str, str]]
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def score(self, label: str) -> LabelScore:
        return next(s for s in self.scores if s.label == label)


def load_labelled(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "answer" not in row or row.get("label") not in ANSWER_LABELS:
            raise ValueError(f"{path}:{number}: needs an answer and one of {ANSWER_LABELS}")
        rows.append(row)
    return rows


def evaluate(rows: Iterable[dict[str, Any]], rules: Rules | None = None) -> Evaluation:
    confusion: Counter[tuple[str, str]] = Counter()
    errors = []
    for row in rows:
        got = classify_answer(
            row["answer"],
            outcome=row.get("outcome", "answer"),
            finish_reason=row.get("finish_reason"),
            rules=rules,
        )
        confusion[(row["label"], got.label)] += 1
        if got.label != row["label"]:
            errors.append({**row, "predicted": got.label, "reasons": got.reasons})
    scores = [
        LabelScore(
            label,
            support=sum(n for (truth, _), n in confusion.items() if truth == label),
            predicted=sum(n for (_, guess), n in confusion.items() if guess == label),
            correct=confusion[(label, label)],
        )
        for label in ANSWER_LABELS
    ]
    total = sum(confusion.values())
    correct = sum(n for (truth, guess), n in confusion.items() if truth == guess)
    return Evaluation(total, correct, scores, confusion, errors)
