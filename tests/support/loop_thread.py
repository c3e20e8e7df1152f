"""An asyncio loop in a daemon thread: how the test suite's servers run beside the tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any


class LoopThread:
    """Starts a loop in a thread, runs a set-up coroutine on it, and later a shut-down one."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, setup: Callable[[], Awaitable[None]], timeout: float = 15) -> None:
        ready = threading.Event()
        loop = self.loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(setup())
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True, name=self.name)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError(f"{self.name} did not start")

    def stop(self, shutdown: Callable[[], Coroutine[Any, Any, None]], timeout: float = 10) -> None:
        """Run `shutdown` on the loop, then stop the loop and its thread; idempotent."""
        loop, self.loop = self.loop, None
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)
        if not loop.is_running():
            loop.close()
