"""Turn one stored model run into an audit: labels, rates against controls, findings.

Pure: it reads the run record (every answer in full) and, for the endpoint's
owner, the intel; nothing else. The same run analysed again, with the same
rules, gives the same labels, rates and finding ids.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

from aivet import __version__
from aivet.analyze.findings import sort_findings
from aivet.analyze.model_behaviour.classify import (
    ANSWER_LABELS,
    REFUSAL_LABELS,
    Classification,
    Rules,
    classify_answer,
    default_rules,
)
from aivet.analyze.model_behaviour.findings import model_findings
from aivet.analyze.model_behaviour.stats import newcombe, wilson
from aivet.collect.model_run import JudgeItem, ModelRun
from aivet.evidence import Artifact
from aivet.model import SCHEMA_VERSION, Attribution, Audit, IntelInfo, ToolInfo
from aivet.model_section import (
    AnswerLabel,
    ClassifierInfo,
    Difference,
    GroupRates,
    ModelAnswer,
    ModelAuditReport,
    ModelSuiteInfo,
    Proportion,
    TopicRates,
)

EXCERPT_CHARS = 600
REASONING_EXCERPT_CHARS = 300
ALL = "*"
# The rules are certain of these; a judge model does not overrule them.
_CERTAIN_REASONS = ("service.blocked", "canned.", "answer.error", "answer.truncated")


def _excerpt(text: str, limit: int) -> str:
    cleaned = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf") else " " for ch in text
    ).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def proportion(count: int, n: int) -> Proportion:
    low, high = wilson(count, n)
    return Proportion(count, n, round(count / n, 4), round(low, 4), round(high, 4))


def group_rates(answers: list[ModelAnswer]) -> GroupRates | None:
    """Rates over the labelled answers; None when not one answer could be labelled."""
    labelled = [a for a in answers if a.label != "no_answer"]
    n = len(labelled)
    if n == 0:
        return None
    counts = Counter(a.label for a in labelled)
    refusals = counts["canned_refusal"] + counts["soft_refusal"]
    return GroupRates(
        answered=n,
        unanswered=len(answers) - n,
        counts={label: counts[label] for label in ANSWER_LABELS if counts[label]},
        refusal=proportion(refusals, n),
        canned_refusal=proportion(counts["canned_refusal"], n),
        soft_refusal=proportion(counts["soft_refusal"], n),
        state_narrative=proportion(counts["state_narrative"], n),
        substantive=proportion(counts["substantive"], n),
    )


def difference(a: Proportion, b: Proportion) -> Difference:
    value, low, high = newcombe(a.count, a.n, b.count, b.n)
    return Difference(round(value, 4), round(low, 4), round(high, 4))


def topic_rates(
    model: str, topic: str, language: str, answers: Iterable[ModelAnswer]
) -> TopicRates | None:
    chosen = [
        a
        for a in answers
        if a.model == model
        and (topic == ALL or a.topic == topic)
        and (language == ALL or a.language == language)
    ]
    sensitive = group_rates([a for a in chosen if a.group == "sensitive"])
    control = group_rates([a for a in chosen if a.group == "control"])
    if sensitive is None and control is None:
        return None
    cell = TopicRates(model, topic, language, sensitive, control, None, None, None)
    if sensitive is not None and control is not None:
        cell.refusal_difference = difference(sensitive.refusal, control.refusal)
        cell.narrative_difference = difference(sensitive.state_narrative, control.state_narrative)
        cell.substantive_difference = difference(sensitive.substantive, control.substantive)
    return cell


def _final_label(
    rules_result: Classification, judgement: JudgeItem | None
) -> tuple[AnswerLabel, str, AnswerLabel | None]:
    judge_label: AnswerLabel | None = None
    if judgement is not None and judgement.label in ANSWER_LABELS:
        judge_label = judgement.label
    certain = any(r.startswith(_CERTAIN_REASONS) for r in rules_result.reasons)
    if judge_label is not None and not certain:
        return judge_label, "judge", judge_label
    return rules_result.label, "rules", judge_label


def label_answers(run: ModelRun, rules: Rules | None = None) -> list[ModelAnswer]:
    rules = rules or default_rules()
    prompts = {p.id: p for p in run.prompts}
    judgements = {j.item_key: j for j in run.judgements}
    answers = []
    for item in run.items:
        prompt = prompts[item.prompt_id]
        result = classify_answer(
            item.answer, outcome=item.outcome, finish_reason=item.finish_reason, rules=rules
        )
        judgement = judgements.get(item.key)
        label, method, judge_label = _final_label(result, judgement)
        reasons = list(result.reasons)
        if judgement is not None:
            said = judge_label or f"no usable label in {judgement.reply[:60]!r}"
            reasons.insert(0, f"judge {judgement.judge_model}: {said}")
        if item.empty_think:
            reasons.append("reasoning.empty-think: the reasoning block was empty")
        answers.append(
            ModelAnswer(
                prompt_id=item.prompt_id,
                model=item.model,
                sample=item.sample,
                topic=prompt.topic,
                group=prompt.group,
                language=prompt.language,
                label=label,
                method=method,  # type: ignore[arg-type]
                rules_label=result.label,
                judge_label=judge_label,
                reasons=reasons,
                outcome=item.outcome,
                answer_excerpt=_excerpt(item.answer, EXCERPT_CHARS),
                answer_chars=len(item.answer),
                reasoning_excerpt=_excerpt(item.reasoning, REASONING_EXCERPT_CHARS),
                reasoning_chars=len(item.reasoning),
                empty_think=item.empty_think,
                finish_reason=item.finish_reason,
                served_model=item.served_model,
                error=item.error,
                attempts=item.attempts,
                latency_ms=item.latency_ms,
                exchange_sha256=item.exchange_sha256,
                resumed=item.resumed,
            )
        )
    return answers


def all_rates(run: ModelRun, answers: list[ModelAnswer]) -> list[TopicRates]:
    topics = list(dict.fromkeys(p.topic for p in run.prompts))
    languages = list(dict.fromkeys(p.language for p in run.prompts))
    rates = []
    for model in run.models:
        for language in [*languages, ALL] if len(languages) > 1 else languages:
            for topic in [*topics, ALL] if len(topics) > 1 else topics:
                cell = topic_rates(model, topic, language, answers)
                if cell is not None:
                    rates.append(cell)
    return rates


def _judge_agreement(answers: list[ModelAnswer]) -> Proportion | None:
    both = [a for a in answers if a.judge_label is not None]
    if not both:
        return None
    return proportion(sum(1 for a in both if a.judge_label == a.rules_label), len(both))


def analyze_model_run(
    run: ModelRun,
    *,
    audit_id: str,
    run_sha256: str,
    artifacts: list[Artifact],
    intel: IntelInfo,
    endpoint_owner: Attribution | None = None,
    rules: Rules | None = None,
) -> Audit:
    rules = rules or default_rules()
    answers = label_answers(run, rules)
    rates = all_rates(run, answers)
    failed = [i for i in run.items if i.outcome == "error"]
    reasons = list(run.stopped)
    if failed:
        reasons.append(
            f"{len(failed)} of {len(run.items)} requests got no answer after"
            f" {run.settings.max_attempts} attempts (first error: {failed[0].error})"
        )
    report = ModelAuditReport(
        endpoint=run.endpoint,
        models=list(run.models),
        served_models=sorted({i.served_model for i in run.items if i.served_model}),
        suite=ModelSuiteInfo(
            name=run.suite_name,
            source=run.suite_source,
            sha256=run.suite_sha256,
            prompts=len(run.prompts),
            topics=list(dict.fromkeys(p.topic for p in run.prompts)),
            languages=list(dict.fromkeys(p.language for p in run.prompts)),
            has_controls=any(p.group == "control" for p in run.prompts),
        ),
        settings=run.settings,
        classifier=ClassifierInfo(
            rules_version=rules.version,
            rules_sha256=rules.sha256,
            judge_model=run.settings.judge_model,
            judge_agreement=_judge_agreement(answers),
        ),
        run_sha256=run_sha256,
        requests=len(run.prompts) * len(run.models) * run.settings.samples,
        resumed=sum(1 for i in run.items if i.resumed),
        failed=len(failed),
        rates=rates,
        answers=answers,
    )
    findings = sort_findings(model_findings(report, endpoint_owner))
    return Audit(
        schema_version=SCHEMA_VERSION,
        audit_id=audit_id,
        kind="model",
        target=run.endpoint,
        started_at=run.started_at,
        ended_at=run.ended_at,
        status="partial" if reasons else "complete",
        tool=ToolInfo(name="aivet", version=__version__),
        intel=intel,
        status_reasons=reasons,
        findings=findings,
        artifacts=list(artifacts),
        model=report,
    )


__all__ = ["REFUSAL_LABELS", "analyze_model_run", "label_answers", "proportion"]
