"""What an audit is doing while it runs: a live status line on a terminal, plain lines elsewhere.

The pipeline calls `phase` and `artifact` (the latter from the collector's
thread, once per stored blob). On a terminal a rich spinner shows the phase,
the blobs and bytes collected and the time spent; when stderr is a pipe or a
file (CI logs), each phase is one plain line and nothing is redrawn.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.console import Console
from rich.status import Status
from rich.text import Text

from aivet.evidence import Artifact
from aivet.report import clean_text, format_bytes, plural

_REFRESH_S = 0.1


class AuditProgress:
    """Use as a context manager around `run_web_audit(..., progress=this)`."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal and not console.is_dumb_terminal
        self.phase_name = "starting"
        self.blobs = 0
        self.bytes = 0
        self.phases: list[str] = []
        self._started = time.monotonic()
        self._shown = 0.0
        self._lock = threading.Lock()
        self._status: Status | None = None

    def __enter__(self) -> AuditProgress:
        self._started = time.monotonic()
        if self.live:
            self._status = self.console.status(self._text(), spinner="dots")
            self._status.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        if self.live:
            done = "stopped" if exc_type is not None else "done"
            self.console.print(Text(f"{done}: {self._summary()}", style="dim"))

    def _summary(self) -> str:
        elapsed = time.monotonic() - self._started
        return f"{plural(self.blobs, 'blob')} ({format_bytes(self.bytes)}) in {elapsed:.0f} s"

    def _text(self) -> Text:
        line = Text(clean_text(self.phase_name, 80), style="bold")
        line.append(f"  {self._summary()}", style="dim")
        return line

    def phase(self, name: str) -> None:
        with self._lock:
            self.phase_name = name
            self.phases.append(name)
            if self._status is not None:
                self._status.update(self._text())
            elif not self.live:
                self.console.print(Text(f"aivet: {clean_text(name, 200)}"))

    def artifact(self, artifact: Artifact) -> None:
        with self._lock:
            self.blobs += 1
            self.bytes += artifact.size
            now = time.monotonic()
            # Blobs can arrive by the hundred per second; redraw at most ten times a second.
            if self._status is not None and now - self._shown >= _REFRESH_S:
                self._shown = now
                self._status.update(self._text())
