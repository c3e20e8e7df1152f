"""`aivet keys`: the Ed25519 key that signs audit manifests."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from aivet.commands._store import store_errors
from aivet.commands.common import EXIT_FAILED, EXIT_OK
from aivet.store.keys import PUBLIC_KEY_FILE, default_key_dir, init_key, load_signing_key


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "keys",
        help="create or show the key that signs audit manifests",
        description="Audits written to a store are signed with this Ed25519 key when it exists, "
        "so that anyone holding only the public key can check them (aivet verify --public-key).",
    )
    keys_sub = parser.add_subparsers(dest="keys_command", required=True)
    for name, handler, text in (
        ("init", run_init, "create a new key pair"),
        ("show", run_show, "print the key id and the public key"),
    ):
        command = keys_sub.add_parser(name, help=text)
        command.add_argument(
            "--key-dir",
            type=Path,
            default=None,
            help="where the key lives (default $AIVET_KEY_DIR, else $XDG_CONFIG_HOME/aivet/keys)",
        )
        if name == "init":
            command.add_argument("--force", action="store_true", help="replace an existing key")
        command.set_defaults(handler=handler)


@store_errors
def run_init(args: argparse.Namespace) -> int:
    directory = args.key_dir or default_key_dir()
    key = init_key(directory, force=args.force)
    console = Console(highlight=False)
    console.print(Text(f"key {key.key_id} created"))
    console.print(Text(f"  private: {key.path} (owner-only; never share it)"))
    console.print(Text(f"  public:  {directory / PUBLIC_KEY_FILE} (give this to verifiers)"))
    return EXIT_OK


@store_errors
def run_show(args: argparse.Namespace) -> int:
    directory = args.key_dir or default_key_dir()
    key = load_signing_key(directory)
    console = Console(highlight=False)
    if key is None:
        console.print(Text(f"no signing key in {directory} (create one: aivet keys init)"))
        return EXIT_FAILED
    console.print(Text(f"key {key.key_id}  {directory / PUBLIC_KEY_FILE}"))
    console.print(Text(key.verify_key().pem().decode("ascii").rstrip()))
    return EXIT_OK
