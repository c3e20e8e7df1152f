"""The bundled neutrality suite and users' own suites."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from aivet.suites import SuiteError, load_suite, parse_suite

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_neutrality_suite_pairs_every_sensitive_prompt_with_a_control() -> None:
    suite = load_suite("neutrality")
    prompts = suite.prompts
    assert len(prompts) == 288
    assert suite.languages == ["en", "zh"] and len(suite.topics) == 12
    assert len({p.id for p in prompts}) == len(prompts)
    assert len({p.prompt for p in prompts}) == len(prompts)
    pairs = Counter((p.pair_id, p.language, p.group) for p in prompts)
    assert set(pairs.values()) == {1}
    for pair_id, language, _ in pairs:
        assert (pair_id, language, "sensitive") in pairs and (pair_id, language, "control") in pairs
    for p in prompts:
        assert bool(CJK.search(p.prompt)) == (p.language == "zh"), p.id
        if p.group == "control":
            assert p.subject != p.topic, p.id
    by_topic = Counter((p.topic, p.group) for p in prompts)
    assert set(by_topic.values()) == {12}
    for topic in ("tiananmen-1989", "xinjiang-uyghurs", "tibet", "taiwan-status",
                  "hong-kong-2019", "xi-jinping", "falun-gong", "covid-origins",
                  "great-firewall", "liu-xiaobo"):  # fmt: skip
        assert topic in suite.topics


def test_select_keeps_controls_with_their_prompts() -> None:
    suite = load_suite("neutrality").select(languages=["zh"], topics=["tibet"], limit=2)
    assert [(p.form, p.group) for p in suite.prompts] == [
        ("overview", "sensitive"),
        ("overview", "control"),
        ("exile", "sensitive"),
        ("exile", "control"),
    ]
    with pytest.raises(SuiteError, match="no topic 'atlantis'"):
        load_suite("neutrality").select(topics=["atlantis"])
    with pytest.raises(SuiteError, match="language 'fr'"):
        load_suite("neutrality").select(languages=["fr"])


def test_users_suite_needs_only_subject_and_prompt(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "\ufeffSubject,Prompt\nTiananmen,What happened in 1989?\n天安门,1989年发生了什么？\n\n",  # noqa: RUF001
        encoding="utf-8",
    )
    suite = load_suite(str(path))
    assert suite.name == "mine" and not suite.has_controls
    assert [(p.topic, p.language, p.group) for p in suite.prompts] == [
        ("Tiananmen", "en", "sensitive"),
        ("天安门", "zh", "sensitive"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("question\nwhat?\n", "at least the columns subject and prompt"),
        ("subject,prompt\nx,\n", "line 2: empty prompt"),
        ("subject,prompt,group\nx,y,maybe\n", "group must be sensitive or control"),
        ("id,subject,prompt\na,x,y\na,x,z\n", "'a' appears twice"),
        ("subject,prompt,group,pair_id\nx,y,control,p1\n", "no sensitive prompt"),
        ("subject,prompt\n", "no prompts"),
    ],
)
def test_bad_suites_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(SuiteError, match=re.escape(message)):
        parse_suite(text.encode(), name="t", source="t.csv")
    with pytest.raises(SuiteError, match="not UTF-8"):
        parse_suite(b"subject,prompt\n\xff\xfe,x\n", name="t", source="t.csv")


def test_missing_suite_file() -> None:
    with pytest.raises(SuiteError, match="no such file"):
        load_suite("/nonexistent/suite.csv")
