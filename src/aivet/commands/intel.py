"""`aivet intel ...`: look up hosts and IPs, show entities, import layers, update lists."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from aivet.commands.common import EXIT_FAILED, EXIT_OK, UsageError, load_intel


def register(sub: Any) -> None:
    parser = sub.add_parser("intel", help="query and maintain the knowledge base")
    intel_sub = parser.add_subparsers(dest="intel_command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--intel", type=Path, action="append", default=[], help="extra intel YAML (repeatable)"
        )
        p.add_argument(
            "--db",
            type=Path,
            default=None,
            help="local intel database (default: $AIVET_INTEL_DB or ~/.local/share/aivet/)",
        )

    lookup = intel_sub.add_parser(
        "lookup", help="owner, country, state ownership and watchlists of hosts or IP addresses"
    )
    lookup.add_argument("hosts", nargs="+", metavar="HOST_OR_IP")
    lookup.add_argument("--json", action="store_true", help="print attributions as JSON")
    common(lookup)
    lookup.set_defaults(handler=run_lookup)

    show = intel_sub.add_parser("show", help="an entity by id, name or alias, with its sources")
    show.add_argument("entity")
    common(show)
    show.set_defaults(handler=run_show)

    stats = intel_sub.add_parser("stats", help="what the knowledge base holds")
    stats.add_argument("--json", action="store_true")
    common(stats)
    stats.set_defaults(handler=run_stats)

    imp = intel_sub.add_parser(
        "import", help="import third-party tracker data into the local intel (a separate layer)"
    )
    imp.add_argument("kind", choices=["trackerradar", "disconnect", "exodus"])
    imp.add_argument(
        "path",
        type=Path,
        help="tracker-radar checkout, Disconnect JSON file, or Exodus /api/trackers JSON",
    )
    common(imp)
    imp.set_defaults(handler=run_import)

    update = intel_sub.add_parser(
        "update", help="fetch the official watchlists and IP ranges (needs the internet)"
    )
    update.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SOURCE",
        help="dod-1260h, csl, fcc-covered-list, aws-ip-ranges, cloudflare-ips (repeatable)",
    )
    update.add_argument("--report", type=Path, help="write the match report as JSON here")
    common(update)
    update.set_defaults(handler=run_update)


def _store_arg(args: argparse.Namespace) -> Path | None:
    return Path(args.db) if args.db is not None else None


def _intel(args: argparse.Namespace) -> Any:
    from aivet.intel.kb import Intel, IntelError

    db = _store_arg(args)
    if db is None:
        return load_intel(list(args.intel))
    for path in args.intel:
        if not path.is_file():
            raise UsageError(f"--intel {path}: no such file")
    try:
        return Intel.load(list(args.intel), store=db)
    except IntelError as exc:
        raise UsageError(f"intel: {exc}") from None


def run_lookup(args: argparse.Namespace) -> int:
    from aivet.intel.domains import is_ip_address

    intel = _intel(args)
    console = Console(highlight=False, soft_wrap=True)
    results = []
    for raw in args.hosts:
        host = raw.strip().lower()
        if "://" in host:
            from aivet.intel.domains import host_of

            host = host_of(host)
        if not host:
            raise UsageError(f"not a host name or IP address: {raw!r}")
        att = intel.attribute(host)
        results.append(att)
        if args.json:
            continue
        if att.entity_id is None:
            what = (
                "IP address in no published range"
                if is_ip_address(att.host)
                else (f"registrable domain {att.registrable_domain}")
            )
            console.print(f"[bold]{escape(att.host)}[/]: unknown owner ({escape(what)})")
            continue
        _print_attribution(console, intel, att)
    if args.json:
        from aivet.serde import to_jsonable

        print(json.dumps([to_jsonable(a) for a in results], indent=2, ensure_ascii=False))
    return EXIT_OK


def _print_attribution(console: Console, intel: Any, att: Any) -> None:
    entity = intel.entities[att.entity_id]
    chain = intel.chain(entity)
    layer = "" if att.layer == "curated" else f"  [yellow](imported layer: {att.layer})[/]"
    console.print(f"[bold]{escape(att.host)}[/]{layer}")
    if att.host != att.registrable_domain or intel.ip_range(att.host) is None:
        claimed = _claiming_domain(entity, att.host)
        console.print(
            f"  operated by {escape(entity.name)} [{entity.country or '?'}]"
            + (f"  (claims {escape(claimed)})" if claimed else "")
        )
    rng = intel.ip_range(att.host)
    if rng is not None:
        where = f", region {rng.region}" if rng.region else ""
        hosting = f", hosted in {rng.country}" if rng.country else ""
        console.print(
            f"  IP range {rng.network} published by {escape(entity.name)}{where}{hosting}"
            f"  {rng.source}"
        )
    for i, e in enumerate(chain):
        facts = [f"country {e.country}" if e.country else "country unknown"]
        if e.state_owned:
            facts.append("[red]state-owned[/]")
        prefix = "  owner: " if i else "  entity: "
        console.print(f"{prefix}{escape(e.name)} ({', '.join(facts)})")
        for src in e.sources:
            console.print(f"      source {src.url} (seen {src.retrieved})", style="dim")
    owned = next((e for e in chain if e.state_owned), None)
    if owned is not None and owned is not entity:
        console.print(f"  state ownership via {escape(owned.name)}")
    for hit in att.watchlists:
        since = f" since {hit.since}" if hit.since else ""
        via = "" if hit.via == entity.name else f" (via owner {escape(hit.via)})"
        console.print(
            f"  [red]on {escape(hit.list_name)}[/] as {escape(hit.listed_entity)!r}{since}{via}"
        )
        console.print(f"      source {hit.source_url}", style="dim")
    if not att.watchlists:
        console.print("  on no watchlist the intel knows")


def _claiming_domain(entity: Any, host: str) -> str | None:
    best = None
    for domain in entity.domains:
        if (host == domain or host.endswith("." + domain)) and (
            best is None or len(domain) > len(best)
        ):
            best = domain
    return best


def run_show(args: argparse.Namespace) -> int:
    intel = _intel(args)
    found = intel.find(args.entity)
    if not found:
        raise UsageError(
            f"no entity with id, name or alias {args.entity!r} (try: aivet intel stats)"
        )
    console = Console(highlight=False, soft_wrap=True)
    for entity in found:
        console.print(f"[bold]{escape(entity.name)}[/]  id {entity.id}  ({entity.layer})")
        if entity.aliases:
            console.print(f"  aliases: {escape(', '.join(entity.aliases))}")
        console.print(f"  country: {entity.country or 'unknown'}   category: {entity.category}")
        if entity.state_owned is not None:
            console.print(f"  state-owned: {'yes' if entity.state_owned else 'no'}")
        chain = intel.chain(entity)
        if len(chain) > 1:
            console.print(f"  owned by: {escape(' → '.join(e.name for e in chain[1:]))}")
        children = intel.children(entity)
        if children:
            console.print(f"  owns: {escape(', '.join(c.name for c in children))}")
        if entity.domains:
            console.print(f"  domains: {', '.join(entity.domains)}")
        for wl, member in intel.memberships(entity):
            since = f" since {member.since}" if member.since else ""
            console.print(f"  [red]on {escape(wl.name)}[/] as {escape(member.listed_as)!r}{since}")
            console.print(f"      source {member.source}", style="dim")
        hits = [h for h in intel.watchlist_hits(entity) if h.via != entity.name]
        for hit in hits:
            console.print(f"  listed owner: {escape(hit.via)} on {escape(hit.list_name)}")
        for src in entity.sources:
            console.print(f"  source {src.url} (seen {src.retrieved})")
            if src.note:
                console.print(f"      {escape(' '.join(src.note.split()))}", style="dim")
    return EXIT_OK


def run_stats(args: argparse.Namespace) -> int:
    intel = _intel(args)
    stats = intel.stats()
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return EXIT_OK
    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"intel snapshot {stats['snapshot_sha256'][:16]}…  as of {stats['snapshot_date']}"
    )
    console.print(
        f"curated: {stats['curated_entities']} entities ({stats['fictional_entities']} fictional),"
        f" {stats['curated_domains']} domains, {stats['state_owned_entities']} state-owned,"
        f" {stats['ip_ranges']} IP ranges"
    )
    console.print("categories: " + ", ".join(f"{k} {v}" for k, v in stats["by_category"].items()))
    console.print(
        "countries: " + ", ".join(f"{k} {v}" for k, v in list(stats["by_country"].items())[:12])
    )
    for wl_id, n in stats["watchlists"].items():
        console.print(f"watchlist {wl_id}: {n} memberships")
    console.print(f"local store: {stats['store'] or 'none'}")
    for layer in stats["layers"]:
        console.print(
            f"  layer {layer['name']}: {layer['entities']} entities, {layer['domains']} domains,"
            f" imported {layer['imported_at']} from {layer['input_path']};"
            f" licence {layer['licence']}"
        )
    for version in stats["list_updates"]:
        console.print(
            f"  update {version['list_id']}: {version['parties']} entries, fetched"
            f" {version['fetched_at']} (sha256 {version['sha256'][:12]})"
        )
    return EXIT_OK


def _store(args: argparse.Namespace) -> Any:
    from aivet.intel.store import LocalStore, default_store_path

    return LocalStore(_store_arg(args) or default_store_path())


def run_import(args: argparse.Namespace) -> int:
    import hashlib

    from aivet.intel.importers import (
        DISCONNECT,
        EXODUS,
        TRACKER_RADAR,
        ImportError_,
        exodus_entities,
        parse_disconnect,
        parse_exodus,
        parse_tracker_radar,
    )
    from aivet.intel.sdks import signature_to_json
    from aivet.intel.store import Layer, StoreError

    info = {"trackerradar": TRACKER_RADAR, "disconnect": DISCONNECT, "exodus": EXODUS}[args.kind]
    signatures: list[tuple[str, str]] = []
    try:
        if args.kind == "trackerradar":
            entities, digest = parse_tracker_radar(args.path)
        elif args.kind == "disconnect":
            entities, digest = parse_disconnect(args.path)
        else:
            parsed = parse_exodus(args.path)
            entities = exodus_entities(parsed)
            digest = hashlib.sha256(Path(args.path).read_bytes()).hexdigest()
            signatures = [(sig.id, signature_to_json(sig)) for sig in parsed]
    except ImportError_ as exc:
        raise UsageError(str(exc)) from None
    store = _store(args)
    try:
        layer = store.replace_layer(
            Layer(
                name=info.layer,
                kind=info.kind,
                title=info.title,
                source_url=info.source_url,
                licence=info.licence,
                imported_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                input_path=str(Path(args.path).resolve()),
                input_sha256=digest,
            ),
            entities,
            signatures,
        )
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()
    sdk_part = f", {len(signatures)} SDK signatures" if signatures else ""
    print(
        f"imported {info.title} as layer '{layer.name}': {layer.entities} entities,"
        f" {layer.domains} domains{sdk_part} into {store.path}"
    )
    print(f"licence: {layer.licence}. Curated facts always take precedence over this layer.")
    return EXIT_OK


def run_update(args: argparse.Namespace) -> int:
    import sys

    from aivet.intel.official import OfflineError, UpdateError
    from aivet.intel.store import StoreError
    from aivet.intel.update import run_update as update

    intel = _intel(args)
    store = _store(args)
    try:
        reports = update(intel, store, only=args.only)
    except OfflineError as exc:
        sys.stderr.write(
            f"aivet: error: intel update needs the internet and {exc}; the shipped snapshot"
            f" (as of {intel.snapshot_date}) stays in use\n"
        )
        return EXIT_FAILED
    except UpdateError as exc:
        raise UsageError(str(exc)) from None
    except StoreError as exc:
        sys.stderr.write(f"aivet: error: {exc}\n")
        return EXIT_FAILED
    finally:
        store.close()
    console = Console(highlight=False, soft_wrap=True)
    for rep in reports:
        if not rep.ok:
            console.print(f"[red]{rep.source}[/]: not updated: {escape(rep.detail)}")
            continue
        console.print(f"[bold]{rep.source}[/]: fetched {rep.fetched_at}, sha256 {rep.sha256[:12]}")
        if rep.ip_ranges:
            console.print(f"  {rep.ip_ranges} IP ranges stored")
        for lr in rep.lists:
            console.print(
                f"  {lr.list_id}: {lr.parties} entries; {len(lr.exact)} exact name matches"
                f" (applied), {len(lr.alias)} alias-only matches (review)"
            )
            for m in lr.exact:
                console.print(f"    = {m.entity_id}: listed as {escape(m.listed_as)!r}")
            for m in lr.alias:
                console.print(f"    ? {m.entity_id}: listed as {escape(m.listed_as)!r}")
            for entity_id in lr.curated_missing:
                console.print(
                    f"    ! {entity_id}: curated member not found by name in this version"
                    " (removed, renamed or listed under another name: review)"
                )
    if args.report:
        from dataclasses import asdict

        args.report.write_text(
            json.dumps([asdict(r) for r in reports], indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED
