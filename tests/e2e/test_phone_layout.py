"""Phone layout (390x844): search filters fold away so the first result is in view (and
stay open on a desktop, or when a filter is set), and on a paper page the library
form comes before the abstract and the BibTeX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def test_search_results_above_the_fold_on_a_phone(
    search_server: str, browser: Any, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(search_server + "/search?q=memory")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(tmp_path / "search-phone.png"))
    first = page.locator(".card").first.bounding_box()
    assert first is not None and first["y"] < PHONE["height"] - 100, first
    assert not page.locator("#category").is_visible()
    page.locator(".search-filters > summary").click()
    assert page.locator("#category").is_visible()
    # A filter in use stays in sight.
    page.goto(search_server + "/search?q=memory&category=cs.LG")
    page.wait_for_load_state("networkidle")
    assert page.locator("#category").is_visible()
    context.close()


def test_search_filters_stay_open_on_a_desktop(search_server: str, browser: Any) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(search_server + "/search?q=memory")
    page.wait_for_load_state("networkidle")
    assert page.locator("#category").is_visible()
    assert not page.locator(".search-filters > summary").is_visible()
    page.close()


def test_paper_on_a_phone_library_first_discussion_last(
    search_server: str, browser: Any, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(search_server + "/signup")
    page.fill("#username", "phone-reader")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit].primary")
    page.wait_for_url(search_server + "/")
    page.goto(search_server + "/papers/2410.17243")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(tmp_path / "paper-phone.png"), full_page=True)

    def top(selector: str) -> float:
        box = page.locator(selector).first.bounding_box()
        assert box is not None, selector
        return float(box["y"])

    save = top("[data-testid=save]")
    assert save < top(".abstract") and save < top("#bibtex")
    assert top(".paper-title") < save
    assert top("#library-panel") < top(".paper-body")
    # The discussion follows the paper and its side panels, as on a desktop.
    assert top(".abstract") < top("#discussion") and top(".similar") < top("#discussion")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    # On a desktop the form stays in the sidebar, beside the title.
    page.set_viewport_size(DESKTOP)
    assert abs(top("#library-panel") - top(".paper-head")) < 80
    context.close()
