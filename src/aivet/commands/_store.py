"""What the store verbs share: the --store option, opening the store, one-line store errors."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aivet.commands.common import EXIT_FAILED, UsageError
from aivet.evidence import EvidenceDir
from aivet.model import Audit
from aivet.store import (
    AuditRecord,
    Store,
    StoreError,
    default_store_path,
    load_audit,
    load_session,
)
from aivet.store.keys import KeyFileError, default_key_dir, load_signing_key
from aivet.web_session import WebSession

if TYPE_CHECKING:
    from rich.console import Console

    from aivet.pipeline import AuditOutput


def add_store_argument(parser: Any) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        metavar="DIR",
        help="audit store (default $AIVET_STORE, else $XDG_DATA_HOME/aivet, "
        "i.e. ~/.local/share/aivet)",
    )


def store_path(args: argparse.Namespace) -> Path:
    path: Path | None = getattr(args, "store", None)
    return path if path is not None else default_store_path()


def open_store(args: argparse.Namespace, *, create: bool = False, sign: bool = False) -> Store:
    """The store named by --store; with `sign`, manifests sealed here are signed when a key exists.

    The signing key is the one `aivet keys init` made ($AIVET_KEY_DIR, else
    $XDG_CONFIG_HOME/aivet/keys); without one, manifests are chained but unsigned.
    """
    signer = load_signing_key(default_key_dir()) if sign else None
    return Store.open(store_path(args), create=create, signer=signer)


def print_outputs(console: Console, result: AuditOutput, store_root: Path) -> None:
    """The report files, and the audit's place in the store when it was sealed there."""
    console.print(f"report: {result.html_path}  json: {result.json_path}")
    if result.record is not None:
        signed = f", signed by key {result.record.key_id}" if result.record.key_id else ""
        console.print(
            f"stored: {result.audit.audit_id} in {store_root} "
            f"(chain link #{result.record.chain_seq}{signed})",
            soft_wrap=True,
        )


def store_errors(
    handler: Callable[[argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    """A store or key problem ends the verb with one line and exit 1, never a traceback."""

    @functools.wraps(handler)
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (StoreError, KeyFileError) as exc:
            sys.stderr.write(f"aivet: error: {exc}\n")
            return EXIT_FAILED

    return wrapped


@dataclass
class LoadedAudit:
    """An audit named on the command line, from the store or from an audit.json file."""

    audit: Audit
    record: AuditRecord | None
    session: WebSession | None
    evidence: EvidenceDir | None
    """Where its blobs are (the store, or the evidence/ beside an audit.json), when known."""


def load_named_audit(args: argparse.Namespace, selector: str) -> LoadedAudit:
    """A store selector (id, id prefix, latest, latest~N) or a path to an audit.json or its folder.

    Raises StoreError when the store lacks it, UsageError when a named file is no audit.
    """
    path = Path(selector)
    if path.exists() or selector.endswith(".json") or "/" in selector:
        return _load_file(path)
    store = open_store(args)
    try:
        record = store.resolve(selector)
        audit = load_audit(store, record)
        session = load_session(store, record)
        return LoadedAudit(audit, record, session, EvidenceDir(store.root))
    finally:
        store.close()


def _load_file(path: Path) -> LoadedAudit:
    from aivet.report.json_report import load_audit as load_audit_file
    from aivet.serde import from_jsonable

    folder = path if path.is_dir() else path.parent
    json_path = path / "audit.json" if path.is_dir() else path
    try:
        audit = load_audit_file(json_path)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    session = None
    session_path = folder / "session.json"
    if session_path.is_file():
        try:
            session = from_jsonable(WebSession, json.loads(session_path.read_bytes()))
        except (ValueError, KeyError, TypeError):
            session = None
    evidence_root = folder / "evidence"
    evidence = EvidenceDir(evidence_root) if (evidence_root / "blobs").is_dir() else None
    return LoadedAudit(audit, None, session, evidence)
