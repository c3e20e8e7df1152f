"""What an exposure check probed and what it found: the collector's record and the audit section.

`ExposureSession` is the contract between the exposure collector and its
analyzer, like `web_session.WebSession` for the browser: plain data that
round-trips through JSON, every byte sent and received stored as a blob named
by SHA-256. `ExposureReport` is the `exposure` section of an `Audit`.

This module imports nothing from `aivet.model` (which imports it), so the owner of
a probed host is carried as `HostOwner`, the few `Attribution` facts a reader needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Reachability = Literal["open", "closed", "filtered", "error", "not-probed"]
"""TCP: connected; refused (RST); no answer before the connect timeout; another error;
or not probed because the audit's time limit ran out first."""

Access = Literal["open", "auth-required", "restricted", "unknown"]
"""What the service let an anonymous client do: read without credentials; asked for
credentials; refused for another reason (protected mode, no pg_hba entry); undecided."""

ServiceCategory = Literal["data-store", "control-api", "dashboard", "web", "unknown"]
ExposedPathKind = Literal["git", "env", "backup", "listing"]


@dataclass
class ProbeLimits:
    """The bounds every probe ran under; recorded so a reader knows what 'no answer' means."""

    connect_timeout_s: float = 3.0
    read_timeout_s: float = 3.0
    """Longest silence tolerated while a reply is expected."""
    probe_timeout_s: float = 10.0
    """Whole-check limit (all its connections and requests) on one port."""
    read_cap_bytes: int = 65536
    """Most bytes read for one request; the rest is never read."""
    per_host_concurrency: int = 4
    per_host_rate: float = 100.0
    """Most new connections per second to one address."""
    concurrency: int = 128
    """Most connections open at once across all hosts."""
    time_limit_s: float = 600.0
    """The whole audit; what is left unprobed then is reported as not probed."""


@dataclass
class ScopeTarget:
    """One host to probe, as given and as resolved, or why it was refused."""

    given: str
    """What the user gave (host name, IP, CIDR) or `audit:<id>` for --from-audit."""
    host: str
    """Host name or IP address: the name is sent as HTTP Host and TLS SNI."""
    address: str | None
    """The address connected to (resolved once, so that the scope check holds)."""
    refused: str | None = None
    """Why it was not probed (private address without --allow-private, does not resolve...)."""


@dataclass
class PortPlan:
    """A port and the checks to run on it when it is open."""

    port: int
    checks: list[str] = field(default_factory=list)
    """Check names; empty: only the banner is read."""


@dataclass
class TlsInfo:
    version: str
    cipher: str
    certificate_sha256: str | None
    """Blob of the DER certificate (also its fingerprint)."""
    subject: str = ""
    issuer: str = ""
    names: list[str] = field(default_factory=list)
    """Subject alternative DNS names and IP addresses."""
    not_after: str | None = None
    self_signed: bool | None = None


@dataclass
class Exchange:
    """One request of a check and the reply it got, both stored as blobs."""

    step: str
    """What was asked, for people: `PING`, `GET /?query=SELECT version()`, `startup ...`."""
    sent_sha256: str | None
    sent_size: int
    received_sha256: str | None
    received_size: int
    elapsed_ms: float
    error: str | None = None
    """`timeout` (silence past read_timeout_s), `deadline` (probe_timeout_s), `reset`,
    `closed` (the peer closed before any reply), or an OS error."""
    truncated: bool = False
    """The read cap was reached: the reply continues unread."""
    connection: int = 0
    """Which connection of this probe carried it (0, 1, ...)."""


@dataclass
class ProbeRecord:
    """One check (or the bare TCP connect) on one host and port."""

    id: str
    host: str
    address: str
    port: int
    check: str
    """`tcp` for the connect that decides open/closed, else a check name."""
    started_at: str
    elapsed_ms: float
    reachability: Reachability
    transport: Literal["tcp", "tls"] = "tcp"
    error: str | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    tls: TlsInfo | None = None


@dataclass
class ExposureSession:
    started_at: str
    ended_at: str
    status: Literal["complete", "partial"]
    authorized: bool
    allow_private: bool
    limits: ProbeLimits
    targets: list[ScopeTarget]
    ports: list[PortPlan]
    probes: list[ProbeRecord] = field(default_factory=list)
    status_reasons: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)


# --- what a check learned (pure function of the recorded exchanges) --------------------------


@dataclass
class NamedCount:
    """A database, index, keyspace or topic, with its size where the service tells it."""

    name: str
    count: int | None = None
    unit: str = ""
    """`rows`, `documents`, `keys`, `items`, `partitions`, `bytes`..."""


@dataclass
class ExposedPath:
    """A file or listing a web server hands out that it should not."""

    kind: ExposedPathKind
    path: str
    status: int
    detail: str
    names: list[str] = field(default_factory=list)
    """Variable names of a .env (never values), entries of a listing, git refs."""


@dataclass
class ServiceFacts:
    """What one check decided from the bytes it recorded."""

    identified: bool
    service: str | None = None
    """Stable service id: `clickhouse`, `redis`, `postgresql`, `web`..."""
    product: str | None = None
    """As the service names itself: `ClickHouse`, `OpenSearch`, `MariaDB`..."""
    version: str | None = None
    access: Access = "unknown"
    category: ServiceCategory = "unknown"
    how: str = ""
    """How it was decided, in one sentence, quoting the reply."""
    databases: list[NamedCount] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    paths: list[ExposedPath] = field(default_factory=list)


# --- the audit section -------------------------------------------------------------------------


@dataclass
class HostOwner:
    """Who the intel says runs a probed host (see `Attribution`); never guessed."""

    entity_id: str | None = None
    entity_name: str | None = None
    country: str | None = None
    state_owned: bool | None = None
    ownership_chain: list[str] = field(default_factory=list)
    watchlists: list[str] = field(default_factory=list)
    """`list name (authority)` of every watchlist naming the owner or a parent."""
    sources: list[str] = field(default_factory=list)


@dataclass
class ExposureTarget:
    given: str
    host: str
    address: str | None
    refused: str | None = None
    owner: HostOwner | None = None


@dataclass
class ServiceResult:
    """One open port, or one check's verdict on it: the facts and the probes that show them."""

    host: str
    address: str
    port: int
    check: str
    transport: Literal["tcp", "tls"]
    facts: ServiceFacts
    probe_ids: list[str] = field(default_factory=list)
    banner: str | None = None
    """The first bytes the service sent (printable preview), where it spoke first."""
    tls: TlsInfo | None = None
    error: str | None = None
    """Why the check could not decide (timeout, reset, garbage...)."""


@dataclass
class ExposureReport:
    """The `exposure` section of an audit of kind `exposure`."""

    authorized: bool
    allow_private: bool
    limits: ProbeLimits
    targets: list[ExposureTarget]
    ports: list[PortPlan]
    probed: int
    """host x port pairs that were connected to."""
    open: int
    closed: int
    filtered: int
    not_probed: int
    services: list[ServiceResult] = field(default_factory=list)
