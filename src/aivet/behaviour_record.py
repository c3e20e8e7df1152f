"""The behaviour part of an audit record: what the page's scripts were seen doing.

Findings carry the judgments (fingerprinting, key logging, session recording);
this summary says whether the instrumentation ran and how much it saw, so that
"no fingerprinting found" can be told apart from "nothing was watched".
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ScriptBehaviour:
    """One script that used instrumented APIs, who is behind it, and what fired."""

    script_url: str
    host: str
    entity: str | None = None
    country: str | None = None
    party: str = "unknown"
    heuristics: list[str] = field(default_factory=list)
    """Ids of the heuristics that fired for this script (see docs/behaviour.md)."""
    calls: int = 0
    apis: dict[str, int] = field(default_factory=dict)
    """Calls per API, the most used first (at most 40)."""


@dataclass
class BehaviourSummary:
    instrumented: bool = False
    """False when the session ran without the in-page instrumentation."""
    calls_recorded: int = 0
    calls_total: int = 0
    calls_cut: int = 0
    """Calls counted but not kept (over the bounds); the counts still include them."""
    call_log_sha256: str | None = None
    """Evidence blob with every recorded call (JSON list)."""
    realms: int = 0
    workers: list[str] = field(default_factory=list)
    scripts: list[ScriptBehaviour] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
