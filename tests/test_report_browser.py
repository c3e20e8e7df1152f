"""The demo audit's HTML report, opened in real Chromium: no console errors, the map drawn.

The screenshot is kept as a test artifact: `report-demo.png` in this test's
pytest tmp directory (its path is printed with -s).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aivet.collect.browser import BrowserHost, LaunchConfig
from aivet.collect.web import WebCollectOptions
from aivet.demo.server import DEMO_START_URL, DemoServer, demo_intel_path
from aivet.intel.kb import Intel
from aivet.pipeline import AuditOutput, run_web_audit
from aivet.store import Store
from aivet.web_session import ResolveRule


@pytest.fixture(scope="module")
def stored_demo(
    browser_host: BrowserHost, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AuditOutput]:
    store = Store.open(tmp_path_factory.mktemp("demo-store"))
    try:
        with DemoServer() as server:
            options = WebCollectOptions(
                url=DEMO_START_URL,
                interact="login",
                submit=True,
                consent="accept",
                resolve=(ResolveRule("*", "127.0.0.1", server.port),),
            )
            intel = Intel.load([demo_intel_path()])
            yield run_web_audit(
                options,
                tmp_path_factory.mktemp("demo-report"),
                intel=intel,
                host=browser_host,
                store=store,
            )
    finally:
        store.close()


def test_demo_report_renders_in_chromium(
    stored_demo: AuditOutput,
    browser_host: BrowserHost,
    resolve_rules: tuple[ResolveRule, ...],
    tmp_path: Path,
) -> None:
    shot = tmp_path / "report-demo.png"

    async def look() -> dict[str, Any]:
        launched = await browser_host.browser(LaunchConfig(resolve=resolve_rules))
        context = await launched.browser.new_context(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        requests: list[str] = []
        try:
            page = await context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            await page.goto(stored_demo.html_path.as_uri(), wait_until="load")
            node = page.locator('#flow-map [data-watchlisted="true"]').first
            box = await node.bounding_box()
            labels = await page.locator(
                "#flow-map .map-node.entity.watchlisted"
            ).all_text_contents()
            edges = await page.locator("#flow-map path.map-edge").count()
            danger = await page.locator("#flow-map path.map-edge.danger").count()
            map_box = await page.locator("#flow-map").bounding_box()
            await page.locator("#flow-map").scroll_into_view_if_needed()
            await page.screenshot(path=str(shot), full_page=True)
            return {
                "errors": errors,
                "requests": requests,
                "box": box,
                "labels": labels,
                "edges": edges,
                "danger": danger,
                "map_box": map_box,
            }
        finally:
            await context.close()

    seen = browser_host.run(look)
    print(f"\nreport screenshot: {shot}")
    assert seen["errors"] == []
    assert seen["requests"] == [stored_demo.html_path.as_uri()], "the report loads nothing else"
    assert seen["box"] is not None and seen["box"]["width"] > 50 and seen["box"]["height"] > 10
    assert any("China Mobile" in label for label in seen["labels"]), seen["labels"]
    assert seen["edges"] >= 3 * len(stored_demo.audit.destinations) // 2
    assert seen["danger"] >= 2
    assert seen["map_box"] is not None and seen["map_box"]["width"] > 600
    assert shot.stat().st_size > 20_000
