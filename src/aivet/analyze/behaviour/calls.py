"""The recorded API calls of a session, grouped by the script responsible for them.

A call is attributed to the innermost script URL on its stack. Code that has no
URL of its own is attributed to the script that made it: `eval`/`Function` code
already carries its creator's URL; a blob or data: worker is attributed to the
script that created the worker (or the blob) in the page.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aivet.serde import from_jsonable
from aivet.web_session import ApiCall, WebSession


def load_calls(session: WebSession, read_blob: Callable[[str], bytes]) -> list[ApiCall]:
    log = session.behaviour
    if log is None or log.calls_sha256 is None:
        return []
    raw = json.loads(read_blob(log.calls_sha256))
    return [from_jsonable(ApiCall, item) for item in raw]


def creators(calls: Iterable[ApiCall]) -> dict[str, str]:
    """blob: and data: URLs (of workers and blobs) → the script that made them."""
    made: dict[str, str] = {}
    for call in calls:
        if call.script_url is None:
            continue
        if call.api == "URL.createObjectURL" and isinstance(call.result, str):
            made.setdefault(call.result, call.script_url)
        elif call.api == "Worker":
            for value in (call.result, *(call.args[:1])):
                if isinstance(value, str) and value.startswith(("blob:", "data:")):
                    made.setdefault(value, call.script_url)
    return made


def responsible_script(url: str | None, made: dict[str, str]) -> str | None:
    """Follow blob:/data: URLs back to the script that created them (a few steps at most)."""
    seen = 0
    while url is not None and url.startswith(("blob:", "data:")) and url in made and seen < 5:
        url = made[url]
        seen += 1
    return url


@dataclass
class ScriptCalls:
    """Every recorded call one script is responsible for."""

    url: str
    calls: list[ApiCall] = field(default_factory=list)

    def of(self, *apis: str) -> list[ApiCall]:
        """Calls of these APIs; a name without an interface (`.fillText`) matches any."""
        wanted = set(apis)
        suffixes = tuple(a for a in apis if a.startswith("."))
        return [c for c in self.calls if c.api in wanted or (suffixes and c.api.endswith(suffixes))]

    def count(self, *apis: str) -> int:
        return sum(c.count for c in self.of(*apis))

    @property
    def total(self) -> int:
        return sum(c.count for c in self.calls)


def by_script(calls: Iterable[ApiCall]) -> dict[str, ScriptCalls]:
    """Calls grouped by responsible script URL; calls with no script at all are left out."""
    calls = list(calls)
    made = creators(calls)
    grouped: dict[str, ScriptCalls] = defaultdict(lambda: ScriptCalls(url=""))
    for call in calls:
        url = responsible_script(call.script_url, made)
        if url is None:
            continue
        group = grouped[url]
        group.url = url
        group.calls.append(call)
    return dict(grouped)
