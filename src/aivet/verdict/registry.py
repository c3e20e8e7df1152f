"""The vendor registry: each vendor's domains, apps and models, its verdicts over time, and expiry.

A small JSON file, by default `$XDG_DATA_HOME/aivet/vendors.json`
(`~/.local/share/aivet/vendors.json`). The interface — `Registry.load`,
`add_vendor`, `record`, `status` — is all the rest of aivet uses, so that the
file can later move into the evidence store without changing its callers.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aivet.serde import from_jsonable, to_jsonable

if TYPE_CHECKING:
    from aivet.verdict.evaluate import Verdict

REGISTRY_FORMAT = 1
VendorStatus = Literal["allow", "review", "deny", "expired", "unaudited"]

_VENDOR_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_PROVIDER = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@+-]*$")


class RegistryError(ValueError):
    """A registry that cannot be read or a change that cannot be made; one line."""


def default_registry_path() -> Path:
    """`$AIVET_REGISTRY`, else `$XDG_DATA_HOME/aivet/vendors.json`, else under ~/.local/share."""
    explicit = os.environ.get("AIVET_REGISTRY")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aivet" / "vendors.json"


@dataclass
class VendorModel:
    """A model the vendor serves: the id clients send, and the gateway provider that serves it."""

    id: str
    provider: str
    api_base: str | None = None
    api_key_env: str | None = None

    @property
    def key_env(self) -> str:
        return self.api_key_env or re.sub(r"[^A-Z0-9]", "_", self.provider.upper()) + "_API_KEY"


def parse_model(text: str) -> VendorModel:
    """`PROVIDER/MODEL[@API_BASE]`, e.g. `deepseek/deepseek-chat@https://api.deepseek.com`."""
    spec, _, api_base = text.partition("@http")
    provider, sep, model = spec.partition("/")
    if not sep or not _PROVIDER.match(provider) or not _MODEL_ID.match(model):
        raise RegistryError(
            f"model {text!r}: expected PROVIDER/MODEL[@API_BASE], e.g. deepseek/deepseek-chat"
        )
    return VendorModel(
        id=model, provider=provider, api_base=("http" + api_base) if api_base else None
    )


@dataclass
class AuditRecord:
    audit_id: str
    kind: str
    target: str
    ended_at: str
    path: str


@dataclass
class VerdictRecord:
    """What the registry keeps of a verdict: enough to export and to explain it."""

    decision: str
    evaluated_at: str
    valid_until: str | None
    policy_name: str
    policy_sha256: str
    audits: list[AuditRecord] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    blocked_hosts: list[str] = field(default_factory=list)
    """Receivers that a denying receiver rule named (e.g. log.cmpassport.com)."""
    seen_hosts: list[str] = field(default_factory=list)
    """The vendor's own (first-party) hosts seen in the audits."""
    verdict_path: str | None = None


@dataclass
class Vendor:
    id: str
    name: str
    domains: list[str] = field(default_factory=list)
    apps: list[str] = field(default_factory=list)
    models: list[VendorModel] = field(default_factory=list)
    verdicts: list[VerdictRecord] = field(default_factory=list)
    notes: str = ""

    def current(self) -> VerdictRecord | None:
        """The newest verdict (by the time it was made)."""
        return max(self.verdicts, key=lambda v: v.evaluated_at) if self.verdicts else None

    def status(self, today: date) -> VendorStatus:
        """allow only while the newest verdict is an allow that has not expired; a deny stays
        a deny until a newer audit passes; anything else keeps the vendor off the allowlist."""
        current = self.current()
        if current is None:
            return "unaudited"
        if current.decision == "deny":
            return "deny"
        if current.decision == "allow":
            if current.valid_until is None or date.fromisoformat(current.valid_until) >= today:
                return "allow"
            return "expired"
        return "review"

    def latest_audit(self) -> AuditRecord | None:
        audits = [a for v in self.verdicts for a in v.audits]
        return max(audits, key=lambda a: a.ended_at) if audits else None


@dataclass
class Registry:
    path: Path
    vendors: dict[str, Vendor] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> Registry:
        """The registry at `path` (default location if None); empty if the file does not exist."""
        path = Path(path) if path is not None else default_registry_path()
        if not path.exists():
            return cls(path=path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise RegistryError(f"{path}: cannot read the vendor registry: {exc}") from None
        except json.JSONDecodeError as exc:
            raise RegistryError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(data, dict) or data.get("aivet_vendors") != REGISTRY_FORMAT:
            raise RegistryError(f"{path}: not an aivet vendor registry (format {REGISTRY_FORMAT})")
        vendors: dict[str, Vendor] = {}
        raw_vendors = data.get("vendors")
        if not isinstance(raw_vendors, list):
            raise RegistryError(f"{path}: 'vendors' must be a list")
        for raw in raw_vendors:
            try:
                vendor = from_jsonable(Vendor, raw)
            except (TypeError, KeyError, ValueError, AttributeError) as exc:
                raise RegistryError(f"{path}: bad vendor record: {exc}") from None
            vendors[vendor.id] = vendor
        return cls(path=path, vendors=vendors)

    def save(self) -> None:
        """Write atomically (temporary file, then rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data: dict[str, Any] = {
            "aivet_vendors": REGISTRY_FORMAT,
            "vendors": [to_jsonable(v) for v in sorted(self.vendors.values(), key=lambda v: v.id)],
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)

    def get(self, vendor_id: str) -> Vendor:
        try:
            return self.vendors[vendor_id]
        except KeyError:
            raise RegistryError(f"no vendor '{vendor_id}' in {self.path}") from None

    def add_vendor(
        self,
        vendor_id: str,
        name: str | None = None,
        domains: Iterable[str] = (),
        apps: Iterable[str] = (),
        models: Iterable[VendorModel] = (),
    ) -> Vendor:
        """Add a vendor, or add domains, apps and models to an existing one."""
        if not _VENDOR_ID.match(vendor_id):
            raise RegistryError(
                f"vendor id {vendor_id!r}: use lower-case letters, digits, '.', '-' or '_'"
            )
        vendor = self.vendors.get(vendor_id) or Vendor(id=vendor_id, name=name or vendor_id)
        if name:
            vendor.name = name
        for domain in domains:
            domain = domain.strip().lower().strip(".")
            if not _DOMAIN.match(domain):
                raise RegistryError(f"domain {domain!r} is not a domain name")
            if domain not in vendor.domains:
                vendor.domains.append(domain)
        for app in apps:
            if app not in vendor.apps:
                vendor.apps.append(app)
        for model in models:
            for other in self.vendors.values():
                if other.id != vendor_id and any(m.id == model.id for m in other.models):
                    raise RegistryError(
                        f"model '{model.id}' already belongs to vendor '{other.id}'"
                    )
            vendor.models = [m for m in vendor.models if m.id != model.id] + [model]
        self.vendors[vendor_id] = vendor
        return vendor

    def record(
        self,
        vendor_id: str,
        verdict: Verdict,
        *,
        seen_hosts: Iterable[str] = (),
        verdict_path: str | None = None,
    ) -> VerdictRecord:
        """Add a verdict to a vendor's history (the vendor must exist)."""
        vendor = self.get(vendor_id)
        record = VerdictRecord(
            decision=verdict.decision,
            evaluated_at=verdict.evaluated_at.isoformat(timespec="seconds"),
            valid_until=verdict.valid_until.isoformat() if verdict.valid_until else None,
            policy_name=verdict.policy.name,
            policy_sha256=verdict.policy.sha256,
            audits=[
                AuditRecord(a.audit_id, a.kind, a.target, a.ended_at, a.path)
                for a in verdict.audits
            ],
            reasons=verdict.reasons(),
            blocked_hosts=verdict.blocked_hosts(),
            seen_hosts=sorted(set(seen_hosts)),
            verdict_path=verdict_path,
        )
        vendor.verdicts.append(record)
        return record

    def remove(self, vendor_id: str) -> None:
        self.get(vendor_id)
        del self.vendors[vendor_id]

    def find_by_domain(self, host: str) -> Vendor | None:
        host = host.lower().rstrip(".")
        for vendor in self.vendors.values():
            if any(host == d or host.endswith("." + d) for d in vendor.domains):
                return vendor
        return None
