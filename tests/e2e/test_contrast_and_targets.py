"""Readable and tappable for everyone: on the main pages, light and dark, every piece of
text has a contrast ratio of at least 4.5:1 (WCAG AA) against the background it is
drawn on, computed from getComputedStyle; on a phone every link and button is at least
24 px high (WCAG 2.5.8), measured from its bounding box."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text()
AA = 4.5
PUBLIC_PAGES = [
    "/daily/2024-10-25",
    "/papers/2410.17243",
    "/papers/2410.99999",
    "/trending?window=month",
    "/categories/cs.CV",
    "/signin?next=%2Flibrary",
    "/subscribe",
    "/daily/2030-01-01",
]
SIGNED_IN_PAGES = ["/library", "/account", "/settings/subscriptions", "/for-you"]
# Everything a finger taps: links, buttons, disclosure summaries, form controls.
TARGETS = "a[href], button, summary, select, input:not([type=hidden])"
MEASURE_JS = """sel => [...document.querySelectorAll(sel)].filter(el => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && r.right > 0
        && !el.closest('.visually-hidden, .skip-link')
        && el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true});
}).map(el => {
    const r = el.getBoundingClientRect();
    const label = el.innerText || el.value || el.getAttribute('aria-label') || el.name || '';
    const classes = el.className ? '.' + String(el.className).split(' ').join('.') : '';
    return {text: label.trim().slice(0, 30), tag: el.tagName.toLowerCase() + classes,
            height: Math.round(r.height * 10) / 10, width: Math.round(r.width * 10) / 10};
})"""


def _sign_up_and_upvote(page: Any, url: str) -> None:
    page.goto(url + "/signup")
    page.fill("#username", "contrast")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit].primary")
    page.wait_for_url(url + "/")
    page.goto(url + "/papers/2410.17243")
    page.locator("[data-testid=upvote]").click()
    page.wait_for_selector("[data-testid=upvote][aria-pressed=true]")
    page.fill("#tags", "to-read")
    page.click("[data-testid=save]")
    page.wait_for_selector("#library-panel .chip.tag")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_is_aa(server: str, browser: Any, scheme: str, tmp_path: Path) -> None:
    failures: list[str] = []
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        for path in PUBLIC_PAGES:
            page.goto(server + path)  # to "load": deferred scripts (KaTeX) have run
            failures += [f"{path} {t}" for t in page.evaluate(CONTRAST_JS) if t["ratio"] < AA]
        _sign_up_and_upvote(page, server) if width == 1280 else None
        for path in [*SIGNED_IN_PAGES, "/daily/2024-10-25"] if width == 1280 else []:
            page.goto(server + path)  # to "load": deferred scripts (KaTeX) have run
            failures += [f"{path} {t}" for t in page.evaluate(CONTRAST_JS) if t["ratio"] < AA]
        page.screenshot(path=str(tmp_path / f"daily-{width}-{scheme}.png"))
        context.close()
    assert not failures, "\n".join(dict.fromkeys(failures))


def test_upvoted_count_is_measured(server: str, browser: Any) -> None:
    """The orange count of an upvoted paper is among the texts checked above."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="light")
    _sign_up_and_upvote(page, server)
    found = [t for t in page.evaluate(CONTRAST_JS) if t["tag"] == "span.count"]
    assert found and all(t["ratio"] >= AA for t in found), found
    page.close()


def test_tap_targets_on_a_phone(server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    failures: list[str] = []
    for path in PUBLIC_PAGES:
        page.goto(server + path)
        for t in page.evaluate(MEASURE_JS, TARGETS):
            if t["height"] < 24:
                failures.append(f"{path} {t}")
    context.close()
    assert not failures, "\n".join(dict.fromkeys(failures))
