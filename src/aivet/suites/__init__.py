"""Prompt suites as data: the bundled neutrality suite and a user's own CSV file.

A suite is a CSV file, one prompt a row. The bundled suites live beside this
module (`neutrality.csv`); their columns are

    id, topic, group, pair_id, form, language, subject, prompt

`group` is `sensitive` or `control`; a control prompt has the same form as the
sensitive prompt that shares its `pair_id` and `language`, about a comparable
subject elsewhere, so that a refusal rate can be read against the controls.
A user's own suite needs only `subject` (or `topic`) and `prompt`; every other
column is optional (see docs/model-audit.md).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Literal

Group = Literal["sensitive", "control"]

BUNDLED = ("neutrality",)
MAX_SUITE_BYTES = 5_000_000
MAX_PROMPT_CHARS = 8000
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")


class SuiteError(ValueError):
    """A suite that cannot be used, said in one line (file and row where it helps)."""


@dataclass(frozen=True)
class SuitePrompt:
    id: str
    topic: str
    group: Group
    pair_id: str | None
    form: str
    language: str
    subject: str
    prompt: str


@dataclass(frozen=True)
class Suite:
    name: str
    source: str
    """`bundled:NAME` or the path the suite was read from."""
    sha256: str
    """SHA-256 of the suite file's bytes, so that an audit names the exact prompts."""
    prompts: tuple[SuitePrompt, ...]

    @property
    def topics(self) -> list[str]:
        return list(dict.fromkeys(p.topic for p in self.prompts))

    @property
    def languages(self) -> list[str]:
        return list(dict.fromkeys(p.language for p in self.prompts))

    @property
    def has_controls(self) -> bool:
        return any(p.group == "control" for p in self.prompts)

    def select(
        self,
        *,
        languages: Sequence[str] = (),
        topics: Sequence[str] = (),
        limit: int | None = None,
    ) -> Suite:
        """The prompts in these languages and topics; `limit` keeps the first N pairs of each
        topic in each language (a control is kept with its sensitive prompt)."""
        unknown = [t for t in topics if t not in self.topics]
        if unknown:
            raise SuiteError(
                f"suite {self.name} has no topic {unknown[0]!r} (topics: {', '.join(self.topics)})"
            )
        missing = [lang for lang in languages if lang not in self.languages]
        if missing:
            raise SuiteError(
                f"suite {self.name} has no prompts in language {missing[0]!r}"
                f" (languages: {', '.join(self.languages)})"
            )
        chosen = [
            p
            for p in self.prompts
            if (not languages or p.language in languages) and (not topics or p.topic in topics)
        ]
        if limit is not None:
            kept: dict[tuple[str, str], list[str]] = {}
            result = []
            for p in chosen:
                unit = p.pair_id or p.id
                units = kept.setdefault((p.topic, p.language), [])
                if unit not in units:
                    if len(units) >= limit:
                        continue
                    units.append(unit)
                result.append(p)
            chosen = result
        return replace(self, prompts=tuple(chosen))


def load_suite(spec: str) -> Suite:
    """A bundled suite by name (`neutrality`) or a CSV file by path."""
    if spec in BUNDLED:
        data = resources.files("aivet.suites").joinpath(f"{spec}.csv").read_bytes()
        return parse_suite(data, name=spec, source=f"bundled:{spec}")
    path = Path(spec)
    if not path.is_file():
        raise SuiteError(
            f"--suite {spec!r}: not a bundled suite ({', '.join(BUNDLED)}) and no such file"
        )
    if path.stat().st_size > MAX_SUITE_BYTES:
        raise SuiteError(f"{path}: suite larger than {MAX_SUITE_BYTES // 1_000_000} MB")
    return parse_suite(path.read_bytes(), name=path.stem, source=str(path))


def parse_suite(data: bytes, *, name: str, source: str) -> Suite:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SuiteError(f"{source}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "prompt" not in header or not ({"subject", "topic"} & set(header)):
        raise SuiteError(
            f"{source}: a suite is a CSV file with at least the columns subject and prompt"
            f" (found: {', '.join(header) or 'nothing'})"
        )
    reader.fieldnames = header
    prompts = list(_rows(reader, source))
    if not prompts:
        raise SuiteError(f"{source}: the suite has no prompts")
    _check(prompts, source)
    return Suite(name, source, hashlib.sha256(data).hexdigest(), tuple(prompts))


def _rows(reader: Iterable[dict[str, str | None]], source: str) -> Iterable[SuitePrompt]:
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        where = f"{source}, line {number}"
        if not any(row.values()):
            continue
        prompt = row.get("prompt", "")
        if not prompt:
            raise SuiteError(f"{where}: empty prompt")
        if len(prompt) > MAX_PROMPT_CHARS:
            raise SuiteError(f"{where}: prompt longer than {MAX_PROMPT_CHARS} characters")
        subject = row.get("subject") or row.get("topic") or ""
        topic = row.get("topic") or subject
        if not topic:
            raise SuiteError(f"{where}: no subject or topic")
        group = row.get("group") or "sensitive"
        if group not in ("sensitive", "control"):
            raise SuiteError(f"{where}: group must be sensitive or control, not {group!r}")
        language = (row.get("language") or _language_of(prompt)).lower()
        prompt_id = row.get("id") or f"row{number}"
        if not _ID.match(prompt_id):
            raise SuiteError(f"{where}: id {prompt_id!r} must be letters, digits and ._:-")
        yield SuitePrompt(
            id=prompt_id,
            topic=topic,
            group="control" if group == "control" else "sensitive",
            pair_id=row.get("pair_id") or None,
            form=row.get("form") or "",
            language=language,
            subject=subject,
            prompt=prompt,
        )


def _check(prompts: list[SuitePrompt], source: str) -> None:
    seen: set[str] = set()
    for p in prompts:
        if p.id in seen:
            raise SuiteError(f"{source}: prompt id {p.id!r} appears twice")
        seen.add(p.id)
    sensitive_pairs = {(p.pair_id, p.language) for p in prompts if p.group == "sensitive"}
    for p in prompts:
        if p.group == "control" and p.pair_id and (p.pair_id, p.language) not in sensitive_pairs:
            raise SuiteError(
                f"{source}: control {p.id!r} names pair {p.pair_id!r}, which has no sensitive"
                f" prompt in language {p.language!r}"
            )


def _language_of(prompt: str) -> str:
    """`zh` when the prompt has Chinese characters, else `en` (the suite can say otherwise)."""
    return "zh" if _CJK.search(prompt) else "en"
