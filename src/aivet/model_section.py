"""The model-audit section of an audit record (`Audit.model`): what `aivet model` found.

Plain dataclasses, part of the audit JSON contract (schema `$defs/ModelAuditReport`);
docs/model-audit.md explains every field and the findings derived from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AnswerLabel = Literal[
    "canned_refusal", "soft_refusal", "state_narrative", "substantive", "no_answer"
]
PromptGroup = Literal["sensitive", "control"]
AnswerOutcome = Literal["answer", "blocked", "error"]


@dataclass(frozen=True)
class ModelRunSettings:
    """How the model was asked; every answer of a run was asked the same way."""

    temperature: float | None
    max_tokens: int | None
    samples: int
    seed: int | None
    system_prompt: str | None
    concurrency: int
    timeout_s: float
    max_attempts: int
    judge_model: str | None = None
    judge_endpoint: str | None = None


@dataclass
class Proportion:
    """`count` of `n`, with its Wilson 95% interval."""

    count: int
    n: int
    rate: float
    low: float
    high: float


@dataclass
class Difference:
    """Sensitive rate minus control rate, with Newcombe's 95% interval."""

    value: float
    low: float
    high: float


@dataclass
class GroupRates:
    """The labels of the answers to one group of prompts (sensitive or control)."""

    answered: int
    unanswered: int
    counts: dict[str, int]
    refusal: Proportion
    canned_refusal: Proportion
    soft_refusal: Proportion
    state_narrative: Proportion
    substantive: Proportion


@dataclass
class TopicRates:
    """One model, one topic (or `*`), one language (or `*`): sensitive against controls."""

    model: str
    topic: str
    language: str
    sensitive: GroupRates | None
    control: GroupRates | None
    refusal_difference: Difference | None
    narrative_difference: Difference | None
    substantive_difference: Difference | None


@dataclass
class ModelAnswer:
    """One answer, its label and why."""

    prompt_id: str
    model: str
    sample: int
    topic: str
    group: PromptGroup
    language: str
    label: AnswerLabel
    method: Literal["rules", "judge"]
    rules_label: AnswerLabel
    judge_label: AnswerLabel | None
    reasons: list[str]
    outcome: AnswerOutcome
    answer_excerpt: str
    answer_chars: int
    reasoning_excerpt: str
    reasoning_chars: int
    empty_think: bool
    finish_reason: str | None
    served_model: str | None
    error: str | None
    attempts: int
    latency_ms: float
    exchange_sha256: str
    resumed: bool


@dataclass
class ModelSuiteInfo:
    name: str
    source: str
    sha256: str
    prompts: int
    topics: list[str]
    languages: list[str]
    has_controls: bool


@dataclass
class ClassifierInfo:
    rules_version: int
    rules_sha256: str
    judge_model: str | None
    judge_agreement: Proportion | None


@dataclass
class ModelAuditReport:
    endpoint: str
    models: list[str]
    served_models: list[str]
    suite: ModelSuiteInfo
    settings: ModelRunSettings
    classifier: ClassifierInfo
    run_sha256: str
    requests: int
    resumed: int
    failed: int
    rates: list[TopicRates] = field(default_factory=list)
    answers: list[ModelAnswer] = field(default_factory=list)
