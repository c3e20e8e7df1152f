"""`aivet report AUDIT --format html|json|sarif|md`: render a stored audit (or an audit.json)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from aivet.commands._store import add_store_argument, load_named_audit, store_errors
from aivet.commands.common import EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "report",
        help="render an audit as HTML, JSON, SARIF 2.1.0 or Markdown",
        description="Render a stored audit (or an audit.json file) for people (html), programs "
        "(json), code-scanning dashboards (sarif) or pull requests (md).",
    )
    parser.add_argument(
        "audit", metavar="AUDIT", help="audit id, id prefix, latest, latest~N, or audit.json"
    )
    parser.add_argument(
        "--format", choices=["html", "json", "sarif", "md"], default="html", help="default html"
    )
    parser.add_argument("--out", type=Path, help="write here instead of standard output")
    parser.add_argument(
        "--sarif-location",
        metavar="URI",
        help="SARIF only: the file (relative to the repository) to attach results to, e.g. the "
        "file that lists approved services; default: the audited URL",
    )
    add_store_argument(parser)
    parser.set_defaults(handler=run)


@store_errors
def run(args: argparse.Namespace) -> int:
    from aivet.report.html import Custody, render_html
    from aivet.report.json_report import audit_to_json
    from aivet.report.markdown import audit_to_markdown
    from aivet.report.sarif import audit_to_sarif

    loaded = load_named_audit(args, args.audit)
    audit = loaded.audit
    if args.format == "html":
        custody = Custody.of(loaded.record) if loaded.record is not None else None
        text = render_html(audit, loaded.evidence, custody=custody)
    elif args.format == "json":
        text = audit_to_json(audit)
    elif args.format == "sarif":
        sarif = audit_to_sarif(audit, location_uri=args.sarif_location)
        text = json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
    else:
        text = audit_to_markdown(audit)
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, args.out)
    print(f"{args.format}: {args.out}")
    return EXIT_OK
