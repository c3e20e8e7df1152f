"""Building blocks of the terminal reports: cleaned text, headings, hanging lines, the status.

Every value shown comes from an audit and may be hostile (page text, app strings): it only
reaches the console inside `Text`, after `clean_text`.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from aivet.model import Audit
from aivet.report import clean_text


def styled(value: object, style: str = "", limit: int | None = 200) -> Text:
    return Text(clean_text(value, limit), style=style)


def hanging(console: Console, marker: str, text: Text, indent: int = 2) -> None:
    """Print `marker text` with wrapped lines aligned under the text, not the margin."""
    grid = Table.grid()
    grid.add_column(width=indent + len(marker), no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(" " * indent + marker), text)
    console.print(grid)


def heading(console: Console, title: str) -> None:
    console.print()
    console.print(Text(title, style="bold underline"))


def print_status(console: Console, audit: Audit) -> None:
    """`aivet KIND audit TARGET complete|PARTIAL`, then why it is partial."""
    line = Text(f"aivet {audit.kind} audit  ", style="bold")
    line.append_text(styled(audit.target, limit=120))
    line.append("  ")
    if audit.status == "partial":
        line.append("PARTIAL", style="bold black on yellow")
    else:
        line.append("complete", style="green")
    console.print(line)
    if audit.status == "partial":
        reasons = audit.status_reasons or ["no reason recorded"]
        for reason in reasons:
            hanging(console, "! ", styled(reason, limit=300))
        hanging(console, "", Text("What the audit did not see is not in this report."))
