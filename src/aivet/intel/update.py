"""`aivet intel update`: fetch official lists, store their versions, match parties to entities.

The fetcher is a parameter, so tests drive the whole update offline with fixture files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aivet.intel.kb import Intel
from aivet.intel.names import NameIndex, split_listed_name
from aivet.intel.official import (
    SOURCES,
    Fetched,
    OfficialSource,
    OfflineError,
    UpdateError,
    fetch,
)
from aivet.intel.store import ListedParty, ListVersion, LocalStore, Match


@dataclass
class ListReport:
    list_id: str
    title: str
    parties: int
    exact: list[Match] = field(default_factory=list)
    alias: list[Match] = field(default_factory=list)
    curated_missing: list[str] = field(default_factory=list)
    """Curated members of this list that the fetched version no longer names (review!)."""


@dataclass
class SourceReport:
    source: str
    url: str
    ok: bool
    detail: str
    sha256: str = ""
    fetched_at: str = ""
    lists: list[ListReport] = field(default_factory=list)
    ip_ranges: int = 0


def match_parties(intel: Intel, list_id: str, parties: Sequence[ListedParty]) -> list[Match]:
    """Exact legal-name and alias matches of listed parties against curated entities."""
    index = NameIndex()
    for entity in intel.entities.curated.values():
        if not entity.fictional:
            index.add(entity.id, entity.name, entity.aliases)
    out: dict[tuple[str, str], Match] = {}
    for party in parties:
        main, bracketed = split_listed_name(party.name)
        for m in index.match(main, [*party.aliases, *bracketed]):
            key = (m.entity_id, m.kind)
            if key not in out:
                out[key] = Match(list_id, m.entity_id, m.kind, party.name, party.since)
    # An entity matched exactly is not also reported as an alias match.
    exact = {eid for eid, kind in out if kind == "exact"}
    return [m for (eid, kind), m in sorted(out.items()) if kind == "exact" or eid not in exact]


def run_update(
    intel: Intel,
    store: LocalStore,
    only: Sequence[str] = (),
    fetcher: Callable[[str], Fetched] = fetch,
) -> list[SourceReport]:
    """Fetch each selected source, store it, and report what matched. OfflineError escapes
    when the very first source cannot be reached, so the caller can say so in one line."""
    selected = [s for s in SOURCES if not only or s.id in only]
    unknown = set(only) - {s.id for s in SOURCES}
    if unknown:
        raise UpdateError(f"unknown source(s): {', '.join(sorted(unknown))}")
    reports = []
    for i, source in enumerate(selected):
        try:
            fetched = fetcher(source.url)
            reports.append(_apply(intel, store, source, fetched))
        except UpdateError as exc:
            if i == 0 and isinstance(exc, OfflineError):
                raise
            reports.append(SourceReport(source.id, source.url, False, str(exc)))
    return reports


def _apply(
    intel: Intel, store: LocalStore, source: OfficialSource, fetched: Fetched
) -> SourceReport:
    report = SourceReport(source.id, source.url, True, "stored", fetched.sha256, fetched.fetched_at)
    if source.parse_ranges is not None:
        ranges = source.parse_ranges(fetched.text)
        store.replace_ip_ranges(f"update:{source.id}", ranges)
        store.replace_list(
            ListVersion(
                source.id,
                source.title,
                source.url,
                source.licence,
                fetched.fetched_at,
                fetched.sha256,
                len(ranges),
            ),
            [],
        )
        report.ip_ranges = len(ranges)
        return report
    assert source.parse_lists is not None
    for list_id, parties in source.parse_lists(fetched.text).items():
        title = source.list_titles.get(list_id) or (
            intel.watchlists[list_id].name if list_id in intel.watchlists else list_id
        )
        store.replace_list(
            ListVersion(
                list_id,
                title,
                source.url,
                source.licence,
                fetched.fetched_at,
                fetched.sha256,
                len(parties),
            ),
            parties,
        )
        matches = match_parties(intel, list_id, parties)
        store.replace_matches(list_id, matches)
        lr = ListReport(list_id, title, len(parties))
        lr.exact = [m for m in matches if m.kind == "exact"]
        lr.alias = [m for m in matches if m.kind == "alias"]
        if list_id in intel.watchlists:
            found = {m.entity_id for m in matches}
            lr.curated_missing = sorted(
                m.entity
                for m in intel.watchlists[list_id].members
                if m.entity not in found and not m.note.startswith("from the list fetched")
            )
        report.lists.append(lr)
    return report
