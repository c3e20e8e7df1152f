"""`aivet reanalyze AUDIT`: today's analyzers and intel on stored evidence, without a browser."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from aivet.commands._store import add_store_argument, open_store, store_errors
from aivet.commands.common import EXIT_OK, load_intel


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "reanalyze",
        help="analyse a stored audit's evidence again with the current analyzers and intel",
        description="Run the current analyzers and intel on the evidence of a stored audit, "
        "without a browser. The result is a new audit in the store, linked to the old one.",
    )
    parser.add_argument("audit", metavar="AUDIT", help="audit id, id prefix, latest or latest~N")
    parser.add_argument(
        "--intel", type=Path, action="append", default=[], help="extra intel YAML (repeatable)"
    )
    parser.add_argument("--out", type=Path, help="also write audit.json and report.html here")
    add_store_argument(parser)
    parser.set_defaults(handler=run)


@store_errors
def run(args: argparse.Namespace) -> int:
    from aivet.evidence import EvidenceDir
    from aivet.report.html import write_html
    from aivet.report.json_report import write_audit_json
    from aivet.store.reanalyze import reanalyze

    intel = load_intel(list(args.intel))
    with open_store(args, sign=True) as store:
        source = store.resolve(args.audit)
        audit, record = reanalyze(store, source, intel)
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            write_audit_json(audit, args.out / "audit.json")
            write_html(audit, EvidenceDir(store.root), args.out / "report.html")
    console = Console(highlight=False)
    console.print(
        Text(
            f"{record.audit_id}: re-analysis of {source.audit_id} "
            f"({record.findings} findings, was {source.findings}; chain link #{record.chain_seq})"
        )
    )
    console.print(Text(f"compare them: aivet diff {source.audit_id} {record.audit_id}", "dim"))
    return EXIT_OK
