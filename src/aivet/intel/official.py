"""Official watchlists and IP range files: where to fetch them, and parsers for their formats.

`aivet intel update` is the only code here that touches the network (`fetch`); every parser
takes the downloaded text, so the tests run them offline on real excerpts of each format
(tests/data/intel/). Parties are matched to intel entities by name (`names.py`): exact
legal-name matches are applied, alias-only matches are reported for a person to review.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser

from aivet.intel.ipranges import IpRange, parse_aws_ip_ranges, parse_cidr_lines
from aivet.intel.store import ListedParty


class UpdateError(RuntimeError):
    """A source could not be fetched or parsed (one line)."""


class OfflineError(UpdateError):
    """No network: `aivet intel update` needs the internet."""


# --- parsers ---------------------------------------------------------------------------------


def parse_dod_1260h_csv(text: str) -> list[ListedParty]:
    """OpenSanctions' reviewed extraction of the DoD 1260H PDFs (`sanctions.csv`).

    One row per entity per edition; a party is current when a row has no end date. `since`
    is the earliest start date of any row of the entity.
    """
    reader = csv.DictReader(io.StringIO(text))
    need = {"Name", "Clean Name", "Alias", "Start date", "End date"}
    if reader.fieldnames is None or not need <= set(reader.fieldnames):
        raise UpdateError(f"DoD 1260H CSV: expected columns {sorted(need)}")
    by_name: dict[str, dict[str, object]] = {}
    for row in reader:
        clean = (row.get("Clean Name") or row.get("Name") or "").strip()
        if not clean:
            continue
        entry = by_name.setdefault(
            clean, {"aliases": [], "since": None, "current": False, "parent": None}
        )
        aliases: list[str] = entry["aliases"]  # type: ignore[assignment]
        for field_name in ("Alias", "Previous Name"):
            for alias in re.split(r"[;,]", row.get(field_name) or ""):
                alias = alias.strip()
                if alias and alias not in aliases and alias != clean:
                    aliases.append(alias)
        start = (row.get("Start date") or "").strip() or None
        if start and (entry["since"] is None or start < str(entry["since"])):
            entry["since"] = start
        if not (row.get("End date") or "").strip():
            entry["current"] = True
            entry["parent"] = (row.get("Parent Name") or "").strip() or entry["parent"]
    return [
        ListedParty(
            name=name,
            aliases=tuple(entry["aliases"]),  # type: ignore[arg-type]
            since=entry["since"],  # type: ignore[arg-type]
            program="1260H",
            remarks=f"parent on the list: {entry['parent']}" if entry["parent"] else None,
        )
        for name, entry in by_name.items()
        if entry["current"]
    ]


# The Consolidated Screening List names each sub-list "Full Name (CODE) - Agency".
CSL_LIST_IDS = {
    "EL": "bis-entity-list",
    "CMIC": "ofac-ns-cmic",
    "MEU": "bis-meu-list",
    "SDN": "ofac-sdn",
}


def csl_list_id(source: str) -> str:
    match = re.search(r"\(([^)]+)\)", source)
    code = match.group(1).split()[0].upper() if match else re.sub(r"\W+", "-", source).lower()
    return CSL_LIST_IDS.get(code, f"csl-{code.lower()}")


def parse_csl_csv(text: str) -> dict[str, list[ListedParty]]:
    """The Consolidated Screening List CSV (trade.gov), split by sub-list id."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or not {"source", "name"} <= set(reader.fieldnames):
        raise UpdateError("Consolidated Screening List CSV: expected 'source' and 'name' columns")
    out: dict[str, list[ListedParty]] = {}
    for row in reader:
        name = (row.get("name") or "").strip()
        if not name:
            continue
        alt = row.get("alt_names") or ""
        aliases = tuple(a.strip() for a in alt.split(";") if a.strip())
        out.setdefault(csl_list_id(row.get("source") or ""), []).append(
            ListedParty(
                name=name,
                aliases=aliases,
                since=(row.get("start_date") or "").strip() or None,
                program=(row.get("programs") or "").strip() or None,
                remarks=(row.get("federal_register_notice") or "").strip() or None,
            )
        )
    return out


_AKA = re.compile(r"a\.k\.a\. '([^']+)'")
_CMIC_LISTED = re.compile(r"Listing Date \(CMIC\) (\d{1,2} \w{3} \d{4})")


def parse_ofac_cons_prim(text: str, program_marker: str = "CMIC") -> list[ListedParty]:
    """OFAC's consolidated non-SDN list, `cons_prim.csv` (no header; ent_num, name, type,
    program, ..., remarks), keeping the entries whose program names `program_marker`."""
    out = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 12:
            continue
        program = row[3].strip()
        if program_marker not in program:
            continue
        remarks = row[11].strip()
        since = None
        listed = _CMIC_LISTED.search(remarks)
        if listed:
            since = datetime.strptime(listed.group(1), "%d %b %Y").date().isoformat()
        out.append(
            ListedParty(
                name=row[1].strip(),
                aliases=tuple(_AKA.findall(remarks)),
                since=since,
                program=program,
                remarks=f"OFAC entity number {row[0].strip()}",
            )
        )
    return out


class _TableText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if any(self._row):
                self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


_PRODUCED_BY = re.compile(
    r"(?:produced|provided|supplied|operated)(?:,\s*directly\s+or\s+indirectly,)?\s+by\s+"
    r"(.+?)(?=,\s|\s+including\b|\s+subject\s+to\b|\s+or\s+any\s+of\b|\s+or\s+by\b"
    r"|\s+to\s+the\s+extent\b|\.\s*$|$)",
    re.IGNORECASE,
)


def parse_fcc_covered_list_html(text: str) -> list[ListedParty]:
    """The FCC Covered List page: a table of covered equipment/services and inclusion dates.

    The companies are named inside the description ("... produced by Huawei Technologies
    Company, ..."); each name found becomes a party, the whole description its remark.
    """
    table = _TableText()
    table.feed(text)
    out: list[ListedParty] = []
    for row in table.rows:
        if len(row) < 2 or row[0].lower().startswith("covered equipment"):
            continue
        description, when = row[0], row[1]
        since = _parse_us_date(when)
        for match in _PRODUCED_BY.finditer(description):
            for part in re.split(r",\s*|\s+and\s+(?=[A-Z])", match.group(1)):
                name = part.strip()
                if name and name[0].isupper() and name.lower() not in ("such entity",):
                    out.append(ListedParty(name, (), since, "Covered List", description))
    if not out:
        raise UpdateError("FCC Covered List page: no table rows naming a company were found")
    return out


def _parse_us_date(text: str) -> str | None:
    text = text.strip().rstrip("*").strip()
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


# --- the sources `aivet intel update` fetches ----------------------------------------------------


@dataclass(frozen=True)
class OfficialSource:
    id: str
    title: str
    url: str
    licence: str
    kind: str
    """`watchlist` (parties) or `ipranges`."""
    parse_lists: Callable[[str], dict[str, list[ListedParty]]] | None = None
    parse_ranges: Callable[[str], list[IpRange]] | None = None
    list_titles: dict[str, str] = field(default_factory=dict)


SOURCES: tuple[OfficialSource, ...] = (
    OfficialSource(
        id="dod-1260h",
        title="DoD 1260H list (OpenSanctions' reviewed extraction of the DoD PDFs)",
        url="https://raw.githubusercontent.com/opensanctions/opensanctions/refs/heads/main/"
        "datasets/us/dod_chinese_milcorps/sanctions.csv",
        licence="DoD list: US government work; extraction by OpenSanctions (CC BY-NC 4.0)",
        kind="watchlist",
        parse_lists=lambda text: {"dod-1260h": parse_dod_1260h_csv(text)},
        list_titles={"dod-1260h": "DoD 1260H list"},
    ),
    OfficialSource(
        id="csl",
        title="US Consolidated Screening List (trade.gov)",
        url="https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv",
        licence="US government work (public domain)",
        kind="watchlist",
        parse_lists=parse_csl_csv,
        list_titles={
            "bis-entity-list": "Commerce Entity List",
            "ofac-ns-cmic": "OFAC NS-CMIC List",
            "bis-meu-list": "Commerce Military End-User List",
            "ofac-sdn": "OFAC SDN List",
        },
    ),
    OfficialSource(
        id="fcc-covered-list",
        title="FCC Covered List",
        url="https://www.fcc.gov/supplychain/coveredlist",
        licence="US government work (public domain)",
        kind="watchlist",
        parse_lists=lambda text: {"fcc-covered-list": parse_fcc_covered_list_html(text)},
        list_titles={"fcc-covered-list": "FCC Covered List"},
    ),
    OfficialSource(
        id="aws-ip-ranges",
        title="AWS ip-ranges.json",
        url="https://ip-ranges.amazonaws.com/ip-ranges.json",
        licence="published by AWS for customers' use",
        kind="ipranges",
        parse_ranges=lambda text: parse_aws_ip_ranges(
            text, entity_id="aws", source="https://ip-ranges.amazonaws.com/ip-ranges.json"
        ),
    ),
    OfficialSource(
        id="cloudflare-ips",
        title="Cloudflare IP ranges (ips-v4, ips-v6)",
        url="https://www.cloudflare.com/ips-v4",
        licence="published by Cloudflare for customers' use",
        kind="ipranges",
        parse_ranges=lambda text: parse_cidr_lines(
            text, entity_id="cloudflare", source="https://www.cloudflare.com/ips-v4"
        ),
    ),
)


@dataclass(frozen=True)
class Fetched:
    url: str
    text: str
    sha256: str
    fetched_at: str


def fetch(url: str, timeout: float = 60.0) -> Fetched:
    """GET a URL; OfflineError when the machine cannot reach it at all."""
    request = urllib.request.Request(url, headers={"User-Agent": "aivet-intel-update"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: bytes = response.read()
    except urllib.error.HTTPError as exc:
        raise UpdateError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OfflineError(f"cannot reach {url} ({reason})") from None
    return Fetched(
        url=url,
        text=body.decode("utf-8", errors="replace"),
        sha256=hashlib.sha256(body).hexdigest(),
        fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
