"""In a real browser: collections made from paper cards, seen signed out when public
and 404 when private, hostile text left inert; a claim approved by an admin showing on
the author page and the claimant's profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from paperscope.store import Store
from paperscope.store.schema_accounts import users

pytestmark = pytest.mark.browser
HOSTILE = '<script>window.pwned=1;alert("t")</script><img src=x onerror="window.pwned=2">'


def test_collections_from_cards_public_and_private(
    site: tuple[str, Store],
    browser: Any,
    sign_up: Callable[[str, str], tuple[Any, list[str]]],
    watch: Callable[[Any], list[str]],
    tmp_path: Path,
) -> None:
    url, _ = site
    page, problems = sign_up(url, "carol")
    first = page.locator("li.card").first
    first.locator("details.add-to-collection summary").click()
    first.locator("input[name=new_title]").fill("Best of October")
    first.locator("form[data-testid=add-to-collection] button").click()
    first.get_by_text("Added to").wait_for()
    # The other cards' menus offer the new collection at once, without a reload.
    last = page.locator("li.card").last
    last.locator("details.add-to-collection summary").click()
    assert last.locator("select[name=collection_id] option").all_inner_texts() == [
        "Best of October"
    ]
    second = page.locator("li.card").nth(1)
    second.locator("details.add-to-collection summary").click()
    second.locator("select[name=collection_id]").select_option(label="Best of October")
    page.screenshot(path=str(tmp_path / "collection-menus.png"))
    second.locator("form[data-testid=add-to-collection] button").click()
    second.get_by_text("Added to").wait_for()
    page.goto(url + "/collections")
    page.click("text=Best of October")
    assert page.locator("ol.cards > li.card").count() == 2
    public_url = page.url
    page.check("input[name=public]")
    page.click("[data-testid=collection-save]")
    page.wait_for_url(public_url)
    page.screenshot(path=str(tmp_path / "collection-owner.png"), full_page=True)

    # A hostile private collection, made with the plain form.
    page.goto(url + "/collections")
    page.fill("#collection-title", HOSTILE)
    page.fill("#collection-description", '<a href="javascript:window.pwned=3">click</a>' + HOSTILE)
    page.click("text=Create collection")
    page.wait_for_selector("[data-testid=collection-title]")
    private_url = page.url
    page.fill("#add-paper-id", "2410.17243")
    page.fill("#add-note", HOSTILE)
    page.click("form:has(#add-note) button")
    page.wait_for_selector("li.collection-note")
    assert page.locator("[data-testid=collection-title]").inner_text() == HOSTILE
    # The description's markup is text, not a link to follow.
    assert page.get_by_role("link", name="click").count() == 0
    assert page.evaluate("window.pwned") is None
    page.screenshot(path=str(tmp_path / "collection-hostile.png"), full_page=True)
    assert problems == []

    # Signed out: the public one is readable, the private one is not there.
    stranger = browser.new_context().new_page()
    strange = watch(stranger)
    assert stranger.goto(public_url).status == 200
    assert stranger.locator("[data-testid=collection-title]").inner_text() == "Best of October"
    assert stranger.locator("ol.cards > li.card").count() == 2
    stranger.screenshot(path=str(tmp_path / "collection-public.png"), full_page=True)
    response = stranger.goto(private_url)
    assert response.status == 404 and "pwned" not in stranger.content()
    assert strange == []


def test_claim_approved_by_an_admin_shows_on_author_page_and_profile(
    site: tuple[str, Store], sign_up: Callable[[str, str], tuple[Any, list[str]]], tmp_path: Path
) -> None:
    url, store = site
    page, problems = sign_up(url, "dana")
    page.goto(url + "/papers/2410.17243")
    page.select_option("#claim-author", label="Zesen Cheng")
    page.click("text=Claim authorship")
    page.wait_for_selector("[data-testid=my-claim]")
    assert "pending" in page.locator("[data-testid=my-claim]").inner_text()

    admin, admin_problems = sign_up(url, "root")
    with store.write() as conn:
        conn.execute(users.update().where(users.c.username == "root").values(is_admin=True))
    admin.goto(url + "/admin/claims")
    admin.screenshot(path=str(tmp_path / "admin-claims.png"), full_page=True)
    admin.click("[data-testid=approve]")
    admin.wait_for_selector("text=No claims to show.")

    page.goto(url + "/authors/Zesen%20Cheng")
    accounts = page.locator("[data-testid=author-accounts]")
    assert "dana" in accounts.inner_text()
    page.screenshot(path=str(tmp_path / "author-page.png"), full_page=True)
    accounts.get_by_role("link", name="dana").click()
    page.wait_for_url(url + "/users/dana")
    assert "Breaking the Memory Barrier" in page.locator("#claimed").inner_text()
    page.screenshot(path=str(tmp_path / "profile.png"), full_page=True)
    assert problems == [] and admin_problems == []


def test_a_card_saves_its_paper_in_place(
    site: tuple[str, Store],
    sign_up: Callable[[str, str], tuple[Any, list[str]]],
    tmp_path: Path,
) -> None:
    url, _ = site
    page, problems = sign_up(url, "saver")
    first = page.locator("li.card").first
    paper_id = first.get_attribute("data-paper-id")
    first.locator("[data-testid=save-paper]").click()
    first.locator(".chip.tag", has_text="in library").wait_for()
    assert page.url.rstrip("/") == url  # saved where the reader is, no page change
    assert first.locator("[data-testid=save-paper]").count() == 0
    page.screenshot(path=str(tmp_path / "card-saved.png"))
    page.goto(url + "/library")
    assert page.locator(f"li.card[data-paper-id='{paper_id}']").count() == 1
    assert not problems, problems
