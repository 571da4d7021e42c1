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


def test_api_tokens_table_reads_on_a_phone(server: str, browser: Any, tmp_path: Path) -> None:
    """A long token name wraps inside its row; headers and the Revoke button never
    break between letters, and nothing scrolls sideways."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(server + "/signup")
    page.fill("#username", "token-reader")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit].primary")
    page.wait_for_url(server + "/")
    for name in ("laptop script", "n" * 100):
        page.goto(server + "/account")
        page.fill("#token-name", name)
        page.click("text=Create token")
        page.wait_for_load_state("networkidle")
    page.goto(server + "/account")
    page.wait_for_load_state("networkidle")
    page.locator(".token-table").screenshot(path=str(tmp_path / "tokens-phone.png"))

    def heights(selector: str) -> list[float]:
        found: list[float] = page.locator(selector).evaluate_all(
            "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)"
        )
        return found

    line = float(page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)"))
    revoke = heights(".token-table button")
    assert len(revoke) == 2 and max(revoke) < 1.5 * line, revoke  # "Revoke" on one line
    dates = heights(".token-table td[data-label]")
    assert dates and max(dates) < 1.5 * line, dates
    assert max(heights(".token-table th") or [0]) < 1.5 * line
    # The long name wraps across the row's width, not a few letters a line.
    name_box = page.locator(".token-table .token-name").nth(1).bounding_box()
    table_box = page.locator(".token-table").bounding_box()
    assert name_box is not None and table_box is not None
    assert name_box["width"] > 0.8 * table_box["width"], (name_box, table_box)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    context.close()
