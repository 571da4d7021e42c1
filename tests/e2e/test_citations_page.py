"""The paper page's citations section in a real browser, after a real enrichment run
against the OpenAlex replay: the count, the references here, and their links."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from enrich.enrich_samples import enrich_sample
from paperscope.config import Settings
from paperscope.store import Store

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_citations_on_the_paper_page(
    settings: Settings,
    store: Store,
    serve: Callable[[Settings, Store], AbstractContextManager[str]],
    browser: Any,
    scheme: str,
) -> None:
    enrich_sample(store=store, settings=settings)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(settings, store) as url:
        for device, width in (("desktop", 1280), ("phone", 390)):
            context = browser.new_context(
                viewport={"width": width, "height": 900}, color_scheme=scheme
            )
            page = context.new_page()
            page.goto(url + "/papers/1706.03762")
            section = page.locator("#citations")
            section.scroll_into_view_if_needed()
            assert page.get_by_test_id("cited-by-count").inner_text() == "118,412"
            links = page.get_by_test_id("references").locator("a")
            assert links.all_inner_texts() == [
                "Deep Residual Learning for Image Recognition",
                "Neural Machine Translation by Jointly Learning to Align and Translate",
            ]
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"the paper page overflows by {overflow}px at {width}px"
            section.screenshot(path=str(ARTIFACTS / f"citations-{device}-{scheme}.png"))
            links.first.click()
            page.wait_for_url(url + "/papers/1512.03385")
            assert page.get_by_test_id("cited-by-count").inner_text() == "201,544"
            page.goto(url + "/categories/cs.LG?sort=citations")
            first = page.locator("li.card").first
            assert first.get_attribute("data-paper-id") == "1512.03385"
            assert "201,544 citations" in first.inner_text()
            page.screenshot(path=str(ARTIFACTS / f"most-cited-{device}-{scheme}.png"))
            context.close()
