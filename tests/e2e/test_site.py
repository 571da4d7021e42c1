"""End to end in a real browser: sign up, search, open a paper, upvote, save with
tags, submit and see the feed change; screenshots of the main pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_researcher_morning(server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(server + "/signup")
    page.fill("#username", "ada")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit].primary")
    page.wait_for_url(server + "/")
    assert page.locator(".account a[href='/account']").inner_text() == "ada"

    page.fill("#top-search", "memory barrier")
    page.press("#top-search", "Enter")
    page.wait_for_url("**/search?q=memory+barrier")
    assert page.locator("#q").input_value() == "memory barrier"
    assert page.locator(".card mark").count() >= 1
    page.locator(".card-title a").first.click()
    page.wait_for_url("**/papers/2410.17243")

    button = page.locator("[data-testid=upvote]")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()  # htmx swaps the button in place
    page.wait_for_selector("[data-testid=upvote][aria-pressed=true]")
    assert page.locator("[data-testid=upvote] .count").inner_text() == "65"
    assert page.url.endswith("/papers/2410.17243")

    page.fill("#tags", "to-read, memory")
    page.fill("#note", "tile-based contrastive loss")
    page.click("[data-testid=save]")
    page.wait_for_selector("#library-panel .chip.tag")
    page.goto(server + "/library?tag=memory")
    assert "Breaking the Memory Barrier" in page.locator(".cards").inner_text()

    page.goto(server + "/submit")
    page.fill("#arxiv_id", "hep-th/9901001")
    page.click("button[type=submit].primary")
    page.wait_for_selector(".notice.ok")
    page.goto(server + "/")
    assert "Strings on the brane" in page.locator(".cards").inner_text()
    assert "No papers for today yet" not in page.content()

    page.goto(server + "/papers/2410.99999")
    assert page.locator(".paper-title .katex").count() >= 1, "KaTeX rendered the title's math"
    assert page.evaluate("window.__pwned === undefined")
    assert not [e for e in errors if "Content Security Policy" in e], errors


PAGES = [
    ("daily", "/daily/2024-10-25"),
    ("paper", "/papers/2410.99999"),
    ("paper-plain", "/papers/2410.17243"),
    ("search", "/search?q=memory"),
    ("trending", "/trending?window=month"),
    ("signin", "/signin"),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(server: str, browser: Any, scheme: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for device, width in (("desktop", 1280), ("phone", 390)):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        for name, path in PAGES:
            page.goto(server + path)
            # Loaded (deferred scripts have run) and with the fonts it asked for: the
            # pages fetch nothing later, so waiting for an idle network only adds 0.5 s.
            page.evaluate("document.fonts.ready.then(() => true)")
            # nothing wider than the viewport: long titles and 50 authors must wrap
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} overflows by {overflow}px at {width}px"
            page.screenshot(path=str(ARTIFACTS / f"{name}-{device}-{scheme}.png"), full_page=False)
        context.close()


def test_pictures_that_cannot_be_fetched_are_taken_out(server: str, browser: Any) -> None:
    """Avatars and thumbnails come from Hugging Face; offline, none shows as broken."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    fetched: list[str] = []

    def refuse(route: Any) -> None:
        fetched.append(route.request.url)
        route.abort()

    page.route("https://**/*", refuse)
    page.goto(server + "/daily/2024-10-25")
    page.wait_for_function("() => !document.querySelector('.thumb, .has-thumb, img')")
    page.goto(server + "/papers/2410.17243")
    page.wait_for_function("() => document.querySelectorAll('img').length === 0")
    assert any("huggingface.co" in url for url in fetched)
    assert page.locator(".person", has_text="Zesen Cheng").is_visible()
    page.close()
