"""The data-flow map of the HTML report: the service → hosts → owners → countries, as inline SVG.

Columns left to right: the audited service, every host it sent requests to,
the entity that owns each host (or "unknown owner"), and that entity's
country. Line width grows with the number of requests (log scale); lines
into a watchlisted owner and hosts that received typed data are red. The
layout is computed here, deterministically, and drawn without script or
external references, so the map works under the report's strict
Content-Security-Policy and prints as it looks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from aivet.model import Audit
from aivet.report import EntityGroup, clean_text, group_destinations, list_names, plural

MAX_HOSTS = 60
"""Hosts beyond this (the least concerning ones, given the ordering) are summed into one node."""

_ROW = 30
_NODE_H = 22
_TOP = 34
_WIDTH = 980
_COLUMNS = {"service": (8, 170), "host": (226, 224), "entity": (508, 270), "country": (838, 134)}
_HEADINGS = {
    "service": "Audited service",
    "host": "Hosts contacted",
    "entity": "Owner",
    "country": "Country",
}


@dataclass
class MapNode:
    id: str
    column: str
    label: str
    title: str
    y: float
    classes: list[str] = field(default_factory=list)
    sublabel: str = ""
    watchlisted: bool = False

    @property
    def x(self) -> int:
        return _COLUMNS[self.column][0]

    @property
    def width(self) -> int:
        return _COLUMNS[self.column][1]

    @property
    def height(self) -> int:
        return _NODE_H + (14 if self.sublabel else 0)


@dataclass
class MapEdge:
    source: str
    target: str
    requests: int
    danger: bool = False


@dataclass
class FlowMap:
    nodes: list[MapNode]
    edges: list[MapEdge]
    height: int
    hidden_hosts: int = 0

    def node(self, node_id: str) -> MapNode:
        return next(n for n in self.nodes if n.id == node_id)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "x"


def build_flow_map(audit: Audit) -> FlowMap:
    """Nodes and edges with their places; pure, so tests can check the drawing's content."""
    groups = group_destinations(audit)
    nodes: list[MapNode] = []
    edges: list[MapEdge] = []
    rows: list[tuple[EntityGroup, str, int, list[str], str]] = []
    hidden = 0
    for group in groups:
        for dest in group.destinations:
            if len(rows) >= MAX_HOSTS:
                hidden += 1
                continue
            rows.append(
                (group, dest.attribution.host, dest.requests, list(dest.canaries), dest.party)
            )

    # Each owner's hosts form one block, tall enough for the owner's box (a watchlisted
    # owner's box has a second line), so that no two boxes overlap.
    per_group: dict[str, int] = {}
    for row in rows:
        per_group[row[0].key] = per_group.get(row[0].key, 0) + 1
    positions: list[float] = []
    cursor = float(_TOP)
    current: str | None = None
    start = cursor
    in_group = 0
    for group, *_ in rows:
        if group.key != current:
            current, in_group = group.key, 0
            count = per_group[group.key]
            box = _NODE_H + (14 if group.watchlists else 0)
            block = max(count * _ROW, box + 10)
            start = cursor + (block - count * _ROW) / 2
            cursor += block
        positions.append(start + in_group * _ROW)
        in_group += 1
    bottom = cursor + (_ROW if hidden else 0)

    first = audit.first_party
    service_host = first.host if first else (urlsplit(audit.target).hostname or audit.target)
    service_label = (first.entity_name or first.registrable_domain) if first else service_host
    height = int(max(bottom, _TOP + _ROW)) + 20
    service = MapNode(
        id="map-service",
        column="service",
        label=clean_text(service_label, 26),
        sublabel=clean_text(service_host, 26),
        title=clean_text(f"{audit.target} ({service_label})", 300),
        y=(_TOP + max(bottom, _TOP + _ROW)) / 2 - (_NODE_H + 14) / 2,
        classes=["service"],
    )
    nodes.append(service)

    entity_rows: dict[str, list[float]] = {}
    entity_groups: dict[str, EntityGroup] = {}
    for index, (group, host, requests, canaries, party) in enumerate(rows):
        y = positions[index]
        node_id = f"map-host-{index}"
        classes = ["host"]
        title = f"{host}: {plural(requests, 'request')}"
        leak = bool(canaries) and party != "first"
        if canaries:
            title += f"; received typed data: {', '.join(canaries)}"
        if leak:
            classes.append("leak")
        if group.watchlists:
            classes.append("watchlisted")
        nodes.append(
            MapNode(node_id, "host", clean_text(host, 34), clean_text(title, 400), y, classes)
        )
        edges.append(MapEdge("map-service", node_id, requests, leak))
        entity_rows.setdefault(group.key, []).append(y)
        entity_groups[group.key] = group
        edges.append(
            MapEdge(node_id, f"map-entity-{_slug(group.key)}", requests, bool(group.watchlists))
        )
    if hidden:
        nodes.append(
            MapNode(
                "map-host-more",
                "host",
                f"+ {plural(hidden, 'more host')}",
                "Listed in the destinations table below.",
                bottom - _ROW,
                ["host", "more"],
            )
        )
        edges.append(MapEdge("map-service", "map-host-more", hidden))

    country_rows: dict[str, list[float]] = {}
    country_requests: dict[str, int] = {}
    country_danger: dict[str, bool] = {}
    entity_nodes: list[MapNode] = []
    for key, ys in entity_rows.items():
        group = entity_groups[key]
        lists = list_names(group.watchlists)
        sublabel = ""
        classes = ["entity"]
        if lists:
            classes.append("watchlisted")
            sublabel = clean_text("⚠ " + ", ".join(lists), 38)
        elif not group.known:
            classes.append("unknown")
        elif group.is_first_party:
            classes.append("first")
        middle = (min(ys) + max(ys)) / 2 + _NODE_H / 2
        node = MapNode(
            id=f"map-entity-{_slug(key)}",
            column="entity",
            label=clean_text(group.name, 36),
            sublabel=sublabel,
            title=clean_text(
                group.label()
                + (f" — on the {', '.join(lists)}" if lists else "")
                + (
                    f"; owned via {' → '.join(group.ownership_chain)}"
                    if group.ownership_chain
                    else ""
                ),
                500,
            ),
            y=middle - (_NODE_H + (14 if sublabel else 0)) / 2,
            classes=classes,
            watchlisted=bool(lists),
        )
        entity_nodes.append(node)
        country = group.country or "?"
        country_rows.setdefault(country, []).append(middle)
        requests = sum(row[2] for row in rows if row[0].key == key)
        country_requests[country] = country_requests.get(country, 0) + requests
        country_danger[country] = country_danger.get(country, False) or bool(lists)
        edges.append(MapEdge(node.id, f"map-country-{_slug(country)}", requests, bool(lists)))
    nodes.extend(entity_nodes)

    placed: float = -math.inf
    for country, ys in sorted(country_rows.items(), key=lambda item: sum(item[1]) / len(item[1])):
        country_y = max(sum(ys) / len(ys) - _NODE_H / 2, placed + _ROW)
        placed = country_y
        nodes.append(
            MapNode(
                id=f"map-country-{_slug(country)}",
                column="country",
                label="country unknown" if country == "?" else country,
                title=clean_text(f"{country}: {plural(country_requests[country], 'request')}", 200),
                y=country_y,
                classes=["country"] + (["watchlisted"] if country_danger[country] else []),
            )
        )
        height = max(height, int(country_y) + _ROW + 20)
    return FlowMap(nodes, edges, height, hidden)


def _width(requests: int, most: int) -> float:
    if most <= 0:
        return 1.5
    return round(1.5 + 8.5 * math.log1p(requests) / math.log1p(most), 2)


def render_flow_map(audit: Audit) -> Markup:
    """The map as an inline <svg> element (escaped text, no script, no external reference)."""
    flow = build_flow_map(audit)
    by_id = {n.id: n for n in flow.nodes}
    most = max((e.requests for e in flow.edges), default=1)
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-map" id="flow-map" '
        f'viewBox="0 0 {_WIDTH} {flow.height}" width="100%" role="img" '
        f'aria-labelledby="flow-map-title flow-map-desc" preserveAspectRatio="xMidYMin meet">',
        '<title id="flow-map-title">Where the data went</title>',
        f'<desc id="flow-map-desc">{escape(_description(audit, flow))}</desc>',
    ]
    for column, (x, width) in _COLUMNS.items():
        parts.append(
            f'<text class="map-heading" x="{x + width / 2:.0f}" y="16" text-anchor="middle">'
            f"{escape(_HEADINGS[column])}</text>"
        )
    for edge in flow.edges:
        source, target = by_id.get(edge.source), by_id.get(edge.target)
        if source is None or target is None:
            continue
        x1, y1 = source.x + source.width, source.y + source.height / 2
        x2, y2 = target.x, target.y + target.height / 2
        middle = (x1 + x2) / 2
        css = "map-edge danger" if edge.danger else "map-edge"
        stroke = _width(edge.requests, most)
        parts.append(
            f'<path class="{css}" d="M{x1:.1f},{y1:.1f} C{middle:.1f},{y1:.1f} '
            f'{middle:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" stroke-width="{stroke}">'
            f"<title>{escape(plural(edge.requests, 'request'))}</title></path>"
        )
    for node in flow.nodes:
        attrs = f'id="{escape(node.id)}" class="map-node {" ".join(node.classes)}"'
        if node.watchlisted:
            attrs += ' data-watchlisted="true"'
        parts.append(f"<g {attrs}><title>{escape(node.title)}</title>")
        parts.append(
            f'<rect x="{node.x}" y="{node.y:.1f}" width="{node.width}" height="{node.height}" '
            f'rx="4"></rect>'
        )
        parts.append(
            f'<text x="{node.x + 8}" y="{node.y + 15:.1f}" class="map-label">'
            f"{escape(node.label)}</text>"
        )
        if node.sublabel:
            parts.append(
                f'<text x="{node.x + 8}" y="{node.y + 30:.1f}" class="map-sublabel">'
                f"{escape(node.sublabel)}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _description(audit: Audit, flow: FlowMap) -> str:
    hosts = sum(1 for n in flow.nodes if n.column == "host")
    owners = [n for n in flow.nodes if n.column == "entity"]
    flagged = [n.label for n in owners if n.watchlisted]
    text = (
        f"{audit.target} sent requests to {plural(hosts + flow.hidden_hosts, 'host')} "
        f"run by {plural(len(owners), 'owner')}."
    )
    if flagged:
        text += f" Watchlisted: {', '.join(flagged)}."
    return text
