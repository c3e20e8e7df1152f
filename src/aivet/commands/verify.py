"""`aivet verify`: is every artifact, manifest, signature and chain link intact? Exit 0 or 1."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from aivet.commands._store import add_store_argument, open_store, store_errors
from aivet.commands.common import EXIT_FAILED, EXIT_OK
from aivet.store.keys import VerifyKey
from aivet.store.verify import verify


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "verify",
        help="check that stored audits are intact (exit 0) or say what was changed (exit 1)",
        description="Re-hash every artifact of the named audits (or of the whole store) and "
        "check it against the audit's manifest, the manifest against the index, its signature, "
        "and the hash-chain links around it. Exit 0 when everything holds, 1 otherwise.",
    )
    parser.add_argument(
        "audits",
        nargs="*",
        metavar="AUDIT",
        help="audit id, id prefix, latest or latest~N (default: every audit and the whole chain)",
    )
    parser.add_argument(
        "--public-key",
        type=Path,
        metavar="FILE",
        help="trust only this Ed25519 public key (PEM, from `aivet keys show`): every manifest "
        "must carry a signature that verifies with it",
    )
    parser.add_argument("--json", action="store_true", help="the result as one JSON object")
    add_store_argument(parser)
    parser.set_defaults(handler=run)


@store_errors
def run(args: argparse.Namespace) -> int:
    trusted = VerifyKey.load(args.public_key) if args.public_key else None
    with open_store(args, create=False) as store:
        records = [store.resolve(name) for name in args.audits] if args.audits else None
        result = verify(store, records, trusted_key=trusted)
        root = store.root
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "audits": result.audits,
                    "artifacts": result.artifacts,
                    "links": result.links,
                    "signatures": result.signatures,
                    "unsigned": result.unsigned,
                    "running": result.running,
                    "problems": [
                        {
                            "code": p.code,
                            "audit_id": p.audit_id,
                            "subject": p.subject,
                            "message": p.message,
                        }
                        for p in result.problems
                    ],
                },
                indent=2,
            )
        )
        return EXIT_OK if result.ok else EXIT_FAILED
    console = Console(highlight=False)
    counts = (
        f"{result.audits} audits, {result.artifacts} artifacts, {result.links} chain links, "
        f"{result.signatures} signatures"
    )
    if result.unsigned:
        counts += f" ({result.unsigned} manifests unsigned)"
    if trusted is not None:
        counts += f", trusting key {trusted.key_id}"
    if result.running:
        counts += f"; {result.running} audits still running were skipped"
    for problem in result.problems:
        console.print(Text(f"FAIL {problem}", "bold red"), soft_wrap=True)
    if result.ok:
        console.print(Text(f"intact: {counts} checked in {root}", "green"), soft_wrap=True)
        return EXIT_OK
    console.print(
        Text(f"{len(result.problems)} problems in {counts} checked in {root}", "red"),
        soft_wrap=True,
    )
    return EXIT_FAILED
