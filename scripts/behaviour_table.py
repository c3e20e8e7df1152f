"""Run the behaviour corpus in Chromium and write its results table into docs/behaviour.md.

The corpus (pages, scripts, expected heuristics) is tests/support/behaviour_corpus.py;
tests/test_behaviour_corpus.py fails when this table no longer matches.

    python scripts/behaviour_table.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aivet.collect.browser import BrowserHost  # noqa: E402
from aivet.web_session import ResolveRule  # noqa: E402
from tests.support.behaviour import audit_page, fired_by_script  # noqa: E402
from tests.support.behaviour_corpus import CORPUS, render_table  # noqa: E402
from tests.support.webserver import LocalWebServer  # noqa: E402

DOCS = ROOT / "docs" / "behaviour.md"
MARKERS = re.compile(r"(<!-- corpus-table:start -->\n).*?(<!-- corpus-table:end -->)", re.S)


def main() -> None:
    server = LocalWebServer().start()
    fired: dict[str, set[str]] = {}
    try:
        rules = (ResolveRule("*", "127.0.0.1", server.port),)
        with BrowserHost() as host, tempfile.TemporaryDirectory() as tmp:
            for page in CORPUS:
                result = audit_page(
                    page.path, host=host, resolve=rules, tmp=Path(tmp), interact=page.interact
                )
                for script, ids in fired_by_script(result).items():
                    fired.setdefault(script, set()).update(ids)
    finally:
        server.stop()
    table = render_table(fired)
    text = DOCS.read_text(encoding="utf-8")
    if not MARKERS.search(text):
        sys.exit(f"{DOCS}: no <!-- corpus-table:start/end --> markers")
    DOCS.write_text(MARKERS.sub(lambda m: m.group(1) + table + m.group(2), text), encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
