"""The search page in Chromium, desktop and phone, light and dark: results with their
facets and month chart, the no-results page, and an id typed in the top search box
landing on the paper. Screenshots go to tests/artifacts/search-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_typing_an_arxiv_url_opens_the_paper(search_server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(search_server + "/")
    page.fill("#top-search", "https://arxiv.org/abs/2410.17243v1")
    page.press("#top-search", "Enter")
    page.wait_for_url("**/papers/2410.17243")
    assert "2410.17243" in page.url


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_screenshots(search_server: str, browser: Any, scheme: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for device, width in (("desktop", 1280), ("phone", 390)):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        page.goto(search_server + "/search?q=language+model")
        page.wait_for_load_state("networkidle")
        chart = page.locator(".month-chart svg")
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] <= width and box["height"] > 40
        bar = page.locator(".month-chart rect").first
        fill = bar.evaluate("e => getComputedStyle(e).fill")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert fill != background
        assert page.locator(".facet-list a").count() > 3
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"search overflows by {overflow}px at {width}px"
        page.screenshot(path=str(ARTIFACTS / f"search-{device}-{scheme}.png"), full_page=True)
        page.locator(".facets").screenshot(
            path=str(ARTIFACTS / f"search-facets-{device}-{scheme}.png")
        )
        page.goto(search_server + "/search?q=memroy&category=math.AG")
        assert page.get_by_text("No paper matches").first.is_visible()
        assert page.get_by_role("link", name="did you mean “memory”?").is_visible()
        page.screenshot(path=str(ARTIFACTS / f"search-empty-{device}-{scheme}.png"))
        context.close()
