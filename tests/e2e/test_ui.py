"""The Prefect UI shows a Plugboard run: task runs per component and the diagram as an SVG."""

from __future__ import annotations

from pathlib import Path
import shutil

import pytest

from tests.conftest import require_services
from tests.e2e.helpers import ROOT, unique
from tests.prefect.helpers import artifacts_of, flow_run_named
from tests.services import PrefectServer


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "docs" / "assets" / "screenshots"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        reason = "Chromium is not installed: apt-get install -y chromium"
        if require_services():
            pytest.fail(reason)
        pytest.skip(reason)


async def test_flow_run_page_lists_components_and_draws_the_diagram(
    prefect_api: PrefectServer,
) -> None:
    _require_chromium()
    from playwright.async_api import async_playwright

    from plugboard_prefect import PrefectProcess
    from tests.components import Collect, Scale, Source
    from tests.conftest import links

    name = unique("ui")
    process = PrefectProcess(
        name=name,
        components=[Source(name="source", count=5), Scale(name="scale"), Collect(name="sink")],
        connectors=links("source.out->scale.inp", "scale.out->sink.inp"),
    )
    async with process:
        await process.run()
    flow_run = await flow_run_named(name)
    markdown = (await artifacts_of(flow_run))["markdown"]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            await page.goto(f"{prefect_api.ui_url}/runs/flow-run/{flow_run.id}")
            await page.get_by_text(name).first.wait_for(timeout=60_000)
            for component in ("source", "scale", "sink"):  # the run's timeline
                await page.get_by_text(component, exact=True).first.wait_for(timeout=30_000)
            await page.screenshot(path=str(SCREENSHOTS / "flow-run.png"), full_page=True)
            await page.get_by_text("Task Runs", exact=True).first.click()
            for component in ("source", "scale", "sink"):  # the task runs list
                await page.get_by_role("link", name=component, exact=True).wait_for(timeout=30_000)

            # The default (v2) artifact page renders mermaid blocks as SVG diagrams.
            await page.goto(f"{prefect_api.ui_url}/v2/artifacts/artifact/{markdown.id}")
            diagram = page.locator("svg").filter(has_text="sink")
            await diagram.first.wait_for(timeout=60_000)
            labels = await diagram.first.text_content() or ""
            assert "source" in labels and "scale" in labels
            await page.screenshot(path=str(SCREENSHOTS / "diagram-artifact.png"), full_page=True)
        finally:
            await browser.close()
