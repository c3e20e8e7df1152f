"""Shared fixtures: one local web server and one Chromium for the whole test run."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aivet.collect.browser import BrowserHost
from aivet.collect.web import WebCollectOptions
from aivet.intel.kb import Intel
from aivet.pipeline import AuditOutput, run_web_audit
from aivet.web_session import ResolveRule
from tests.support.webserver import LocalWebServer

TEST_INTEL = Path(__file__).parent / "data" / "test-intel.yaml"
SITE = "http://www.aivet-test.com"


def _closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="session", autouse=True)
def private_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Everything aivet keeps per user (store, keys, vendor registry, imported intel) lives in
    the test run's tmp dir: tests neither read the developer's data nor write to it."""
    home = tmp_path_factory.mktemp("user-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(home))
        patch.setenv("AIVET_STORE", str(tmp_path_factory.mktemp("default-store")))
        patch.setenv("AIVET_KEY_DIR", str(tmp_path_factory.mktemp("default-keys")))
        patch.setenv("AIVET_REGISTRY", str(home / "vendors.json"))
        patch.setenv("AIVET_INTEL_DB", str(home / "intel.sqlite"))
        yield


@pytest.fixture(scope="session")
def web_server() -> Iterator[LocalWebServer]:
    server = LocalWebServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def resolve_rules(web_server: LocalWebServer) -> tuple[ResolveRule, ...]:
    # First match wins: the failure hosts before the catch-all that maps every name here.
    return (
        ResolveRule("refused.aivet-test.com", "127.0.0.1", _closed_port()),
        ResolveRule("nxdomain.aivet-test.com", "~NOTFOUND"),
        ResolveRule("tls.aivet-test.com", "127.0.0.1", web_server.tls_port),
        ResolveRule("*", "127.0.0.1", web_server.port),
    )


@pytest.fixture(scope="session")
def browser_host() -> Iterator[BrowserHost]:
    host = BrowserHost()
    yield host
    host.close()


@pytest.fixture(scope="session")
def intel() -> Intel:
    return Intel.load([TEST_INTEL])


@pytest.fixture(scope="session")
def run_audit(
    browser_host: BrowserHost,
    resolve_rules: tuple[ResolveRule, ...],
    intel: Intel,
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., AuditOutput]:
    def run(url: str, **options: Any) -> AuditOutput:
        options.setdefault("resolve", resolve_rules)
        options.setdefault("settle_max_s", 4.0)
        out = tmp_path_factory.mktemp("audit")
        return run_web_audit(
            WebCollectOptions(url=url, **options), out, intel=intel, host=browser_host
        )

    return run
