"""The For-you page as a new reader sees it, on a phone without an emoji font: the
thumbs are drawn (icon and word), reasons name papers by title, the tab is marked as
the current one, tag filters keep whole words, and the nav shows every section."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import ensure_user
from paperscope.store.library import save_paper

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
TAGS = ["reinforcement-learning-for-robots", "extragalactic-surveys", "to-read", "sky"]
# Emoji and other pictographs that need a colour-emoji font to show as anything.
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


def _vectors(papers: list[Paper]) -> np.ndarray:
    """Papers of one primary category near each other: enough structure for the
    recommender to pick neighbours and give reasons (the page is under test here)."""
    rng = np.random.default_rng(7)
    centres: dict[str, np.ndarray] = {}
    rows = []
    for p in papers:
        centre = centres.setdefault(p.primary_category or "", rng.normal(size=96))
        rows.append(centre + 0.35 * rng.normal(size=96))
    vectors = np.asarray(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def for_you_server(
    tmp_path: Path,
    serve: Callable[[Settings, Store], AbstractContextManager[str]],
    snapshot_papers: list[Paper],
    load_for_you: Callable[..., None],
) -> Iterator[tuple[str, Store]]:
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True)
    store = Store.open(settings)
    load_for_you(settings, store, _vectors(snapshot_papers), 32)
    with serve(settings, store) as url:
        yield url, store
    store.close()


def _sign_up(page: Any, url: str, name: str) -> None:
    page.goto(url + "/signup")
    page.fill("#username", name)
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit].primary")
    page.wait_for_url(url + "/")


def _line_count(page: Any, selector: str) -> list[int]:
    """How many lines the text of each matching element takes."""
    return page.eval_on_selector_all(
        selector,
        """els => els.map(el => {
            const range = document.createRange();
            range.selectNodeContents(el);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return tops.size;
        })""",
    )


def test_for_you_on_a_phone(
    for_you_server: tuple[str, Store],
    snapshot_papers: list[Paper],
    browser: Any,
    tmp_path: Path,
) -> None:
    url, store = for_you_server
    context = browser.new_context(viewport=PHONE, color_scheme="light")
    page = context.new_page()
    _sign_up(page, url, "nora")
    user = ensure_user(store=store, username="nora", now=datetime.now(UTC))
    astro = [p for p in snapshot_papers if p.primary_category == "astro-ph"][:4]
    for i, paper in enumerate(astro):
        save_paper(store=store, user_id=user.user_id, paper_id=paper.paper_id,
                   now=datetime.now(UTC), tags=[TAGS[i % len(TAGS)], "sky"])  # fmt: skip
    saved_titles = {p.title for p in astro}

    page.goto(url + "/for-you?window=all&limit=5")
    page.screenshot(path=str(tmp_path / "for-you-phone.png"), full_page=True)

    # The tab is marked as the current section.
    current = page.locator(".nav a[aria-current=page]")
    assert current.count() == 1 and current.inner_text() == "For you"

    # Every section of the nav is in view, none cut off or hidden behind a scroll.
    boxes = page.eval_on_selector_all(
        ".nav a",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })",
    )
    assert len(boxes) >= 5 and all(left >= 0 and right <= PHONE["width"] for left, right in boxes)
    assert page.eval_on_selector(".nav", "n => n.scrollWidth - n.clientWidth") <= 1

    # Reasons name the reader's papers by title, not by id.
    reasons = page.locator("[data-testid=reason]").all_inner_texts()
    assert reasons
    assert not [r for r in reasons if re.search(r"close to \d{4}\.\d{4}", r)], reasons
    assert any(title[:40] in r for r in reasons for title in saved_titles), reasons

    # Thumbs: a drawn icon and a word in every button, no emoji.
    buttons = page.locator("[data-testid=feedback] button")
    assert buttons.count() >= 3
    for i in range(3):
        button = buttons.nth(i)
        assert not EMOJI.search(button.inner_text())
        assert button.inner_text().strip() in ("More", "Less", "Hide")
        icon = button.locator("svg").bounding_box()
        assert icon and icon["width"] >= 12 and icon["height"] >= 12

    # Tag filters keep whole words: one line each, nothing wider than the screen.
    assert _line_count(page, "[aria-label=Tag] a") == [1] * (len(TAGS) + 1)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    context.close()
