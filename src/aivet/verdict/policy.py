"""An organisation's policy as data: YAML in, a validated `Policy` out, errors as `file:line: msg`.

The format is documented in docs/verdict.md; the shipped examples are in
`aivet/verdict/policies/`. Every rule is one of three kinds:

- `receivers`: who may receive data (watchlists, countries, entities, hosts,
  state ownership, unknown owners), checked against every destination of an audit;
- `findings`: findings that must not occur, selected by rule id (glob patterns such
  as `behaviour.*`) or category, with severity, confidence, basis and receiver filters;
- `severity_limits`: per category, the severity from which a finding fails the rule.

Exceptions waive (part of) a rule with a justification, an owner and an expiry date.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from aivet.model import SEVERITY_ORDER
from aivet.verdict.marked_yaml import MarkedDict, MarkedList, YamlError, load_marked

FORMAT_VERSION = 1

Action = Literal["deny", "review"]
IfUnknown = Literal["review", "ignore"]
Party = Literal["first", "third", "unknown"]

EVIDENCE_KINDS: dict[str, str] = {
    "web": "a web audit (network, cookies, storage)",
    "canaries": "values typed into the page's fields",
    "behaviour": "browser behaviour instrumentation (fingerprinting, session recording)",
    "js": "hidden-code analysis of the page's scripts",
    "privacy-policy": "a privacy-policy audit",
    "app": "an app audit",
    "model": "a model audit",
    "exposure": "an exposure check",
}
"""Kinds of evidence a rule can need; an audit that lacks one leaves the rule not evaluated."""

KNOWN_WEB_RULES = (
    "web.keystroke-capture",
    "web.canary-leak",
    "web.watchlisted-receiver",
    "web.third-party-receiver",
    "web.unknown-receiver",
    "web.cleartext-transport",
    "web.token-in-storage",
    "web.canary-stored",
    "web.third-party-cookie",
    "web.fingerprinting.canvas",
    "web.fingerprinting.canvas-font",
    "web.fingerprinting.webrtc-ip",
    "web.fingerprinting.audio",
    "web.fingerprinting.webgl",
    "web.fingerprinting.font-probing",
    "web.fingerprinting.enumeration",
    "web.session-recording",
    "web.key-logging",
)
"""The web analyzer's rule ids (analyze/web_findings.py): a typo among them is caught.
Rule ids of other analyzers (`behaviour.*`, `js.*`, `policy.*`, …) are accepted as written."""

SEVERITIES = tuple(SEVERITY_ORDER)
CONFIDENCES = ("high", "medium", "low")
BASES = ("observed", "capable")
PARTIES: tuple[Party, ...] = ("first", "third", "unknown")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_RULE_PATTERN = re.compile(r"^[a-z0-9*?\[\]][a-z0-9*?\[\]._-]*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


class PolicyError(ValueError):
    """A mistake in a policy file, at one line: printed as `file:line: message`."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


@dataclass(frozen=True)
class ReceiverMatch:
    """Which receivers a rule is about: any of the properties, among the parties given."""

    watchlists: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    """Domain suffixes: `cmpassport.com` covers `log.cmpassport.com`."""
    state_owned: bool = False
    owner_unknown: bool = False
    parties: tuple[Party, ...] = PARTIES
    typed_data: bool = False
    """Only receivers that received a typed canary."""
    if_unknown: IfUnknown = "review"
    """A receiver whose owner (or country) the intel does not know cannot be cleared."""

    @property
    def has_properties(self) -> bool:
        """False when only filters are given: then every receiver they let through matches."""
        return bool(
            self.watchlists
            or self.countries
            or self.entities
            or self.hosts
            or self.state_owned
            or self.owner_unknown
        )


@dataclass(frozen=True)
class FindingMatch:
    """Findings a rule forbids: selected by rule pattern or category, then filtered."""

    rules: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    min_severity: str = "info"
    min_confidence: str = "low"
    basis: tuple[str, ...] = BASES
    receivers: ReceiverMatch | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    action: Action
    if_not_evaluated: IfUnknown
    line: int
    receivers: ReceiverMatch | None = None
    findings: FindingMatch | None = None
    severity_limits: tuple[tuple[str, str], ...] = ()
    """(category, severity) pairs: a finding of that category at or above it fails."""
    needs: tuple[str, ...] = ()
    """Evidence the rule needs, explicit and derived from what it selects."""

    @property
    def kind(self) -> str:
        if self.receivers is not None:
            return "receivers"
        if self.findings is not None:
            return "findings"
        return "severity_limits"


@dataclass(frozen=True)
class PolicyException:
    """A rule waived, in whole or for some targets, hosts, entities or findings, until a date."""

    rule: str
    justification: str
    owner: str
    expires: date
    line: int
    approved: date | None = None
    targets: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()

    def is_active(self, today: date) -> bool:
        return today <= self.expires

    def describe(self) -> str:
        scope = [
            *(f"target {t}" for t in self.targets),
            *(f"host {h}" for h in self.hosts),
            *(f"entity {e}" for e in self.entities),
            *(f"finding {f}" for f in self.findings),
        ]
        return (
            f"exception for rule '{self.rule}'"
            + (f" ({', '.join(scope)})" if scope else "")
            + f", owner {self.owner}, expires {self.expires.isoformat()}: {self.justification}"
        )


@dataclass(frozen=True)
class Policy:
    name: str
    path: str
    sha256: str
    rules: tuple[Rule, ...]
    exceptions: tuple[PolicyException, ...] = ()
    description: str = ""
    valid_days: int = 90
    """An allow (or review) verdict expires this many days after the newest audit."""
    require_complete_audits: bool = True
    """A partial audit (cut short) leads to review at best."""
    extra: dict[str, Any] = field(default_factory=dict)


def bundled_policy_names() -> list[str]:
    """Names of the example policies shipped with aivet (`strict-government`, …)."""
    folder = resources.files("aivet.verdict").joinpath("policies")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def resolve_policy_path(name_or_path: str) -> Path:
    """A file path as given, or the path of a bundled policy named without `.yaml`."""
    path = Path(name_or_path)
    if path.exists() or "/" in name_or_path or name_or_path.endswith((".yaml", ".yml")):
        return path
    if name_or_path in bundled_policy_names():
        ref = resources.files("aivet.verdict").joinpath("policies", f"{name_or_path}.yaml")
        return Path(str(ref))
    return path


def load_policy(path: Path, known_watchlists: Collection[str]) -> Policy:
    """Read and validate a policy file; PolicyError names the file and the line."""
    where = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyError(where, 0, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(where, 0, "not UTF-8 text") from None
    return parse_policy(text, where, known_watchlists, sha256=hashlib.sha256(raw).hexdigest())


def parse_policy(
    text: str, where: str, known_watchlists: Collection[str], *, sha256: str = ""
) -> Policy:
    try:
        doc = load_marked(text)
    except YamlError as exc:
        raise PolicyError(where, exc.line, exc.message) from None
    return _Parser(where, set(known_watchlists)).policy(
        doc, sha256 or hashlib.sha256(text.encode()).hexdigest()
    )


class _Parser:
    def __init__(self, where: str, watchlists: set[str]) -> None:
        self.where = where
        self.watchlists = watchlists

    def fail(self, line: int, message: str) -> PolicyError:
        return PolicyError(self.where, line, message)

    # --- generic checks ----------------------------------------------------------

    def mapping(self, value: Any, line: int, what: str) -> MarkedDict:
        if not isinstance(value, MarkedDict):
            raise self.fail(line, f"{what} must be a mapping, not {_type_name(value)}")
        return value

    def keys(self, block: MarkedDict, allowed: Sequence[str], what: str) -> None:
        for key in block:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
                raise self.fail(
                    block.line_of(key),
                    f"unknown key '{key}' in {what}{suggestion} (allowed: {', '.join(allowed)})",
                )

    def string(self, block: MarkedDict, key: str, what: str, *, required: bool = False) -> str:
        if key not in block or block[key] is None:
            if required:
                raise self.fail(block.line, f"{what}: missing '{key}'")
            return ""
        value = block[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                block.line_of(key),
                f"{what}: '{key}' must be a non-empty string, not {_type_name(value)}",
            )
        return value.strip()

    def boolean(self, block: MarkedDict, key: str, default: bool, what: str) -> bool:
        if key not in block:
            return default
        value = block[key]
        if not isinstance(value, bool):
            raise self.fail(
                block.line_of(key), f"{what}: '{key}' must be true or false, not {value!r}"
            )
        return value

    def choice(self, block: MarkedDict, key: str, options: Sequence[str], default: str) -> str:
        if key not in block:
            return default
        value = block[key]
        if value not in options:
            raise self.fail(
                block.line_of(key), f"'{key}' must be one of {', '.join(options)}, not {value!r}"
            )
        return cast(str, value)

    def string_list(
        self, block: MarkedDict, key: str, what: str, *, single_ok: bool = False
    ) -> tuple[MarkedList | None, list[str]]:
        """A list of non-empty strings (or one string where `single_ok`)."""
        if key not in block:
            return None, []
        value = block[key]
        line = block.line_of(key)
        if single_ok and isinstance(value, str):
            items = MarkedList(line)
            items.append(value)
            items.item_lines.append(line)
            value = items
        if not isinstance(value, MarkedList):
            raise self.fail(line, f"{what}: '{key}' must be a list, not {_type_name(value)}")
        if not value:
            raise self.fail(line, f"{what}: '{key}' is empty")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(
                    value.line_of(i),
                    f"{what}: each item of '{key}' must be a non-empty string, "
                    f"not {_type_name(item)}",
                )
            out.append(item.strip())
        return value, out

    def date_value(self, block: MarkedDict, key: str, what: str, *, required: bool) -> date | None:
        if key not in block:
            if required:
                raise self.fail(block.line, f"{what}: missing '{key}' (a date, YYYY-MM-DD)")
            return None
        value = block[key]
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail(
            block.line_of(key), f"{what}: '{key}' must be a date (YYYY-MM-DD), not {value!r}"
        )

    # --- the document ------------------------------------------------------------

    def policy(self, doc: Any, sha256: str) -> Policy:
        if doc is None:
            raise self.fail(0, "empty policy file")
        top = self.mapping(doc, 1, "a policy")
        self.keys(
            top,
            (
                "aivet_policy",
                "name",
                "description",
                "valid_days",
                "require_complete_audits",
                "rules",
                "exceptions",
            ),
            "the policy",
        )
        if "aivet_policy" not in top:
            raise self.fail(top.line, f"missing 'aivet_policy: {FORMAT_VERSION}' (format version)")
        if top["aivet_policy"] != FORMAT_VERSION or isinstance(top["aivet_policy"], bool):
            raise self.fail(
                top.line_of("aivet_policy"),
                f"unsupported policy format {top['aivet_policy']!r} "
                f"(this aivet reads {FORMAT_VERSION})",
            )
        name = self.string(top, "name", "the policy", required=True)
        description = self.string(top, "description", "the policy")
        valid_days = top.get("valid_days", 90)
        if not isinstance(valid_days, int) or isinstance(valid_days, bool) or valid_days < 1:
            raise self.fail(
                top.line_of("valid_days"),
                f"'valid_days' must be a whole number of days ≥ 1, not {valid_days!r}",
            )
        require_complete = self.boolean(top, "require_complete_audits", True, "the policy")
        if "rules" not in top:
            raise self.fail(top.line, "missing 'rules' (a list of rules)")
        rules_raw = top["rules"]
        if not isinstance(rules_raw, MarkedList) or not rules_raw:
            raise self.fail(top.line_of("rules"), "'rules' must be a non-empty list of rules")
        rules: list[Rule] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(rules_raw):
            rule = self.rule(item, rules_raw.line_of(i))
            if rule.id in seen:
                raise self.fail(
                    rule.line, f"rule id '{rule.id}' used twice (first on line {seen[rule.id]})"
                )
            seen[rule.id] = rule.line
            rules.append(rule)
        exceptions: list[PolicyException] = []
        if "exceptions" in top and top["exceptions"] is not None:
            raw = top["exceptions"]
            if not isinstance(raw, MarkedList):
                raise self.fail(top.line_of("exceptions"), "'exceptions' must be a list")
            for i, item in enumerate(raw):
                exceptions.append(self.exception(item, raw.line_of(i), seen))
        return Policy(
            name=name,
            path=self.where,
            sha256=sha256,
            rules=tuple(rules),
            exceptions=tuple(exceptions),
            description=description,
            valid_days=valid_days,
            require_complete_audits=require_complete,
        )

    def rule(self, item: Any, line: int) -> Rule:
        block = self.mapping(item, line, "a rule")
        self.keys(
            block,
            (
                "id",
                "title",
                "action",
                "if_not_evaluated",
                "needs",
                "receivers",
                "findings",
                "severity_limits",
            ),
            "a rule",
        )
        rule_id = self.string(block, "id", "a rule", required=True)
        if not _SLUG.match(rule_id):
            raise self.fail(
                block.line_of("id"),
                f"rule id '{rule_id}' must be lower-case letters, digits, '.', '-' or '_'",
            )
        what = f"rule '{rule_id}'"
        kinds = [k for k in ("receivers", "findings", "severity_limits") if k in block]
        if len(kinds) != 1:
            raise self.fail(
                block.line,
                f"{what}: needs exactly one of 'receivers', 'findings' or 'severity_limits'"
                + (f" (has {', '.join(kinds)})" if kinds else ""),
            )
        action = self.choice(block, "action", ("deny", "review"), "deny")
        if_not = self.choice(block, "if_not_evaluated", ("review", "ignore"), "review")
        needs_list, needs = self.string_list(block, "needs", what)
        for i, need in enumerate(needs):
            if need not in EVIDENCE_KINDS:
                assert needs_list is not None
                raise self.fail(
                    needs_list.line_of(i),
                    f"{what}: unknown evidence '{need}' in 'needs' "
                    f"(known: {', '.join(EVIDENCE_KINDS)})",
                )
        receivers = findings = None
        limits: tuple[tuple[str, str], ...] = ()
        derived: list[str] = []
        if "receivers" in block:
            receivers = self.receivers(block["receivers"], block.line_of("receivers"), what)
            derived.append("web")
            if receivers.typed_data:
                derived.append("canaries")
        elif "findings" in block:
            findings = self.findings(block["findings"], block.line_of("findings"), what)
            derived += [n for p in findings.rules if (n := needs_for_rule_pattern(p))]
            derived += [n for c in findings.categories if (n := CATEGORY_NEEDS.get(c))]
        else:
            limits = self.severity_limits(
                block["severity_limits"], block.line_of("severity_limits"), what
            )
            derived += [n for c, _ in limits if (n := CATEGORY_NEEDS.get(c))]
        return Rule(
            id=rule_id,
            title=self.string(block, "title", what) or rule_id,
            action=cast(Action, action),
            if_not_evaluated=cast(IfUnknown, if_not),
            line=line,
            receivers=receivers,
            findings=findings,
            severity_limits=limits,
            needs=tuple(dict.fromkeys([*needs, *derived])),
        )

    def receivers(self, value: Any, line: int, what: str) -> ReceiverMatch:
        where = f"{what}: receivers"
        block = self.mapping(value, line, where)
        keys = [
            "watchlists",
            "countries",
            "entities",
            "hosts",
            "state_owned",
            "owner_unknown",
            "party",
            "typed_data",
            "if_unknown",
        ]
        self.keys(block, keys, where)
        wl_list, watchlists = self.string_list(block, "watchlists", where)
        for i, wl in enumerate(watchlists):
            if wl not in self.watchlists:
                assert wl_list is not None
                hint = difflib.get_close_matches(wl, sorted(self.watchlists), n=1)
                raise self.fail(
                    wl_list.line_of(i),
                    f"{where}: unknown watchlist '{wl}'"
                    + (f"; did you mean '{hint[0]}'?" if hint else "")
                    + f" (known: {', '.join(sorted(self.watchlists))})",
                )
        c_list, countries = self.string_list(block, "countries", where)
        for i, country in enumerate(countries):
            if not _COUNTRY.match(country):
                assert c_list is not None
                raise self.fail(
                    c_list.line_of(i),
                    f"{where}: country '{country}' must be an ISO 3166 two-letter code "
                    "in capitals, e.g. CN",
                )
        _, entities = self.string_list(block, "entities", where)
        h_list, hosts = self.string_list(block, "hosts", where)
        for i, host in enumerate(hosts):
            if not _DOMAIN.match(host.lower().strip(".")):
                assert h_list is not None
                raise self.fail(h_list.line_of(i), f"{where}: '{host}' is not a domain name")
        p_list, parties = self.string_list(block, "party", where, single_ok=True)
        if parties == ["any"]:
            parties = list(PARTIES)
        for i, party in enumerate(parties):
            if party not in PARTIES:
                assert p_list is not None
                raise self.fail(
                    p_list.line_of(i),
                    f"{where}: party '{party}' must be first, third, unknown or any",
                )
        match = ReceiverMatch(
            watchlists=tuple(watchlists),
            countries=tuple(countries),
            entities=tuple(entities),
            hosts=tuple(h.lower().strip(".") for h in hosts),
            state_owned=self.boolean(block, "state_owned", False, where),
            owner_unknown=self.boolean(block, "owner_unknown", False, where),
            parties=tuple(cast(Party, p) for p in parties) or PARTIES,
            typed_data=self.boolean(block, "typed_data", False, where),
            if_unknown=cast(
                IfUnknown, self.choice(block, "if_unknown", ("review", "ignore"), "review")
            ),
        )
        if not (match.has_properties or match.typed_data):
            raise self.fail(
                block.line,
                f"{where}: name what is forbidden: watchlists, countries, entities, hosts, "
                "state_owned, owner_unknown or typed_data",
            )
        return match

    def findings(self, value: Any, line: int, what: str) -> FindingMatch:
        where = f"{what}: findings"
        block = self.mapping(value, line, where)
        self.keys(
            block,
            ("rules", "categories", "min_severity", "min_confidence", "basis", "receivers"),
            where,
        )
        r_list, rules = self.string_list(block, "rules", where, single_ok=True)
        for i, pattern in enumerate(rules):
            assert r_list is not None
            self.check_rule_pattern(pattern, r_list.line_of(i), where)
        _, categories = self.string_list(block, "categories", where, single_ok=True)
        if not rules and not categories:
            raise self.fail(block.line, f"{where}: select findings with 'rules' or 'categories'")
        b_list, basis = self.string_list(block, "basis", where, single_ok=True)
        for i, b in enumerate(basis):
            if b not in BASES:
                assert b_list is not None
                raise self.fail(
                    b_list.line_of(i), f"{where}: basis '{b}' must be observed or capable"
                )
        receivers = None
        if "receivers" in block:
            receivers = self.receivers(block["receivers"], block.line_of("receivers"), what)
        return FindingMatch(
            rules=tuple(rules),
            categories=tuple(categories),
            min_severity=self.choice(block, "min_severity", SEVERITIES, "info"),
            min_confidence=self.choice(block, "min_confidence", CONFIDENCES, "low"),
            basis=tuple(basis) or BASES,
            receivers=receivers,
        )

    def check_rule_pattern(self, pattern: str, line: int, where: str) -> None:
        if not _RULE_PATTERN.match(pattern):
            raise self.fail(
                line,
                f"{where}: '{pattern}' is not a rule id or pattern "
                "(lower case, e.g. web.keystroke-capture or behaviour.*)",
            )
        if "." not in pattern and not any(ch in pattern for ch in "*?["):
            raise self.fail(
                line,
                f"{where}: '{pattern}' has no analyzer prefix; rule ids look like "
                "'web.keystroke-capture' or 'behaviour.*'",
            )
        literal = not any(ch in pattern for ch in "*?[")
        if pattern.startswith("web.") and literal and pattern not in KNOWN_WEB_RULES:
            hint = difflib.get_close_matches(pattern, KNOWN_WEB_RULES, n=1)
            raise self.fail(
                line,
                f"{where}: unknown web rule '{pattern}'"
                + (f"; did you mean '{hint[0]}'?" if hint else ""),
            )

    def severity_limits(self, value: Any, line: int, what: str) -> tuple[tuple[str, str], ...]:
        where = f"{what}: severity_limits"
        block = self.mapping(value, line, where)
        if not block:
            raise self.fail(line, f"{where}: is empty (category: severity)")
        out = []
        for category, severity in block.items():
            if severity not in SEVERITIES:
                raise self.fail(
                    block.line_of(category),
                    f"{where}: severity for '{category}' must be one of "
                    f"{', '.join(SEVERITIES)}, not {severity!r}",
                )
            out.append((category, cast(str, severity)))
        return tuple(out)

    def exception(self, item: Any, line: int, rules: Mapping[str, int]) -> PolicyException:
        what = "an exception"
        block = self.mapping(item, line, what)
        self.keys(
            block,
            (
                "rule",
                "justification",
                "owner",
                "expires",
                "approved",
                "targets",
                "hosts",
                "entities",
                "findings",
            ),
            what,
        )
        rule = self.string(block, "rule", what, required=True)
        if rule not in rules:
            hint = difflib.get_close_matches(rule, list(rules), n=1)
            raise self.fail(
                block.line_of("rule"),
                f"{what}: no rule '{rule}' in this policy"
                + (f"; did you mean '{hint[0]}'?" if hint else ""),
            )
        what = f"the exception for '{rule}'"
        justification = self.string(block, "justification", what, required=True)
        owner = self.string(block, "owner", what, required=True)
        expires = self.date_value(block, "expires", what, required=True)
        assert expires is not None
        _, targets = self.string_list(block, "targets", what)
        _, hosts = self.string_list(block, "hosts", what)
        _, entities = self.string_list(block, "entities", what)
        f_list, findings = self.string_list(block, "findings", what)
        for i, pattern in enumerate(findings):
            assert f_list is not None
            if not _RULE_PATTERN.match(pattern):
                raise self.fail(
                    f_list.line_of(i),
                    f"{what}: '{pattern}' is neither a finding id nor a rule pattern",
                )
        return PolicyException(
            rule=rule,
            justification=justification,
            owner=owner,
            expires=expires,
            line=line,
            approved=self.date_value(block, "approved", what, required=False),
            targets=tuple(t.lower() for t in targets),
            hosts=tuple(h.lower().strip(".") for h in hosts),
            entities=tuple(entities),
            findings=tuple(findings),
        )


RULE_PREFIX_NEEDS: dict[str, str] = {
    "web.keystroke-capture": "canaries",
    "web.canary-leak": "canaries",
    "web.canary-stored": "canaries",
    # The browser-behaviour analyzer's rules (analyze/behaviour) need its instrumentation.
    "web.fingerprinting.": "behaviour",
    "web.session-recording": "behaviour",
    "web.key-logging": "behaviour",
    "web.": "web",
    "behaviour.": "behaviour",
    "behavior.": "behaviour",
    "js.": "js",
    "policy.": "privacy-policy",
    "privacy.": "privacy-policy",
    "app.": "app",
    "model.": "model",
    "exposure.": "exposure",
}
"""Which evidence a rule id needs, by its longest matching prefix."""

CATEGORY_NEEDS: dict[str, str] = {
    "data-flow": "web",
    "jurisdiction": "web",
    "third-party": "web",
    "storage": "web",
    "transport": "web",
    "fingerprinting": "behaviour",
    "session-recording": "behaviour",
    "key-logging": "behaviour",
    "hidden-code": "js",
    "latent-flow": "js",
    "obfuscation": "js",
}
"""Which evidence a finding category needs; categories not named here need nothing specific."""


def needs_for_rule_pattern(pattern: str) -> str | None:
    """The evidence a rule id or pattern needs (`behaviour.*` → behaviour), if known."""
    literal = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    best = None
    for prefix, need in RULE_PREFIX_NEEDS.items():
        if (literal.startswith(prefix) or (prefix.endswith(".") and literal == prefix[:-1])) and (
            best is None or len(prefix) > len(best[0])
        ):
            best = (prefix, need)
    return best[1] if best else None


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, MarkedDict | dict):
        return "a mapping"
    if isinstance(value, MarkedList | list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    return type(value).__name__
