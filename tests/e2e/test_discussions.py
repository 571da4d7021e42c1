"""Discussions in a real browser: comment, reply, edit, delete, report and an
administrator hiding the reported comment; hostile comments stay inert text (no script
runs, no dialog opens) and math is typeset. Screenshots go to the test's tmp dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from paperscope.store import Store
from paperscope.store.moderation import set_admin

pytestmark = pytest.mark.browser
PAPER = "2410.99999"

HOSTILE = [
    "<script>window.__pwned = 1</script>",
    "[click me](javascript:window.__pwned=2) beside [a safe one](https://example.org/a)",
    '<img src=x onerror="window.__pwned=3">',
    '<a href="#" onclick="window.__pwned=4" onmouseover="window.__pwned=4">hover</a>',
    "<svg onload=window.__pwned=5></svg> <iframe src=javascript:window.__pwned=6></iframe>",
    "$\\href{javascript:window.__pwned=7}{x}$ and [data](data:text/html,<script>alert(1)</script>)",
    "NUL\x00byte <style>body{display:none}</style> <details open ontoggle=alert(8)>",
    # not hostile, but once shown as nothing, or as a script error on every view:
    "![a picture](https://example.org/p.png)",
    "$$\\begin{x}$$ does not parse",
]


def _comment(page: Any, text: str) -> Any:
    page.fill("#comment-body", text)
    page.click("[data-testid=comment-form] button[type=submit]")
    page.wait_for_load_state()
    return page.locator("[data-testid=comment]").filter(has_text=text.split("\n")[0][:20]).first


def test_discussion_flow(
    site: tuple[str, Store], sign_up: Callable[[str, str], tuple[Any, list[str]]], tmp_path: Path
) -> None:
    url, store = site
    ada, ada_problems = sign_up(url, "ada")
    ada.goto(f"{url}/papers/{PAPER}")
    first = _comment(ada, "Nice result: $E = mc^2$ holds **here**.")
    assert first.locator(".katex").count() >= 1, "KaTeX typeset the comment's math"
    assert first.locator("strong").inner_text() == "here"
    first_id = first.get_attribute("data-comment-id")

    bob, bob_problems = sign_up(url, "bob")
    bob.goto(f"{url}/papers/{PAPER}#discussion")
    own = bob.locator(f"#comment-{first_id}")
    own.locator("summary", has_text="Reply").click()
    own.locator("textarea[name=body]").fill("I disagree, see $\\int_0^1 x\\,dx$.")
    own.locator("button", has_text="Post reply").click()
    bob.wait_for_load_state()
    reply = bob.locator(f"#comment-{first_id} .comment-replies [data-testid=comment]").first
    assert "I disagree" in reply.inner_text()

    ada.goto(f"{url}/papers/{PAPER}")
    mine = ada.locator(f"#comment-{first_id}")
    mine.locator("> .comment-actions summary", has_text="Edit").click()
    ada.fill(f"#edit-{first_id}", "Nice result, corrected.")
    mine.locator("> .comment-actions button", has_text="Save").click()
    ada.wait_for_load_state()
    assert "edited" in ada.locator(f"#comment-{first_id} > .comment-head").inner_text()
    assert "corrected" in ada.locator(f"#comment-{first_id} > .comment-body").inner_text()
    ada.screenshot(path=str(tmp_path / "discussion.png"), full_page=True)

    # bob reports ada's comment; an administrator hides it from the queue
    bob.goto(f"{url}/papers/{PAPER}")
    target = bob.locator(f"#comment-{first_id}")
    target.locator("> .comment-actions summary", has_text="Report").click()
    target.locator("> .comment-actions input[name=reason]").fill("rude remark")
    target.locator("> .comment-actions button", has_text="Report").click()
    bob.wait_for_load_state()
    assert "Reported, thank you" in bob.locator(f"#comment-{first_id}").inner_text()

    bob.goto(f"{url}/admin/moderation")
    assert "administrators" in bob.content()  # 403 page, in words
    set_admin(store=store, username="bob", is_admin=True)
    bob.goto(f"{url}/admin/moderation")
    queued = bob.locator("[data-testid=reported-comment]")
    assert queued.count() == 1 and "rude remark" in queued.inner_text()
    bob.screenshot(path=str(tmp_path / "moderation.png"), full_page=True)
    queued.locator("[data-testid=hide]").click()
    bob.wait_for_load_state()
    assert "No open reports" in bob.content()

    ada.goto(f"{url}/papers/{PAPER}")
    assert "corrected" not in ada.locator("#discussion").inner_text()
    assert (
        "[hidden by a moderator]" in ada.locator("#discussion").inner_text()
    )  # kept for its reply

    # bob deletes his reply: the hidden comment now has no visible reply and leaves no trace
    bob.goto(f"{url}/papers/{PAPER}")
    bob.locator(".comment-replies [data-testid=comment-delete]").first.click()
    bob.wait_for_load_state()
    ada.goto(f"{url}/papers/{PAPER}")
    assert ada.locator("[data-testid=comment]").count() == 0
    assert ada_problems == [] and bob_problems == []


def test_hostile_comments_stay_inert(
    site: tuple[str, Store], sign_up: Callable[[str, str], tuple[Any, list[str]]], tmp_path: Path
) -> None:
    url, _store = site
    page, problems = sign_up(url, "mallory")
    page.goto(f"{url}/papers/{PAPER}")
    for text in HOSTILE:
        page.fill("#comment-body", text)
        page.click("[data-testid=comment-form] button[type=submit]")
        page.wait_for_load_state()
    # past the browser's own maxlength, as a script or an old browser would send it
    page.evaluate("document.querySelector('#comment-body').removeAttribute('maxlength')")
    page.fill("#comment-body", "x" * 20_001)
    page.click("[data-testid=comment-form] button[type=submit]")
    page.wait_for_load_state()
    assert "limit is 20,000" in page.locator("[data-testid=form-error]").inner_text()

    reader, reader_problems = sign_up(url, "reader")
    refused: list[str] = []  # the Content-Security-Policy's refusals, in the console
    reader.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    reader.goto(f"{url}/papers/{PAPER}")
    bodies = reader.locator("[data-testid=comment-body]")
    assert bodies.count() == len(HOSTILE)
    for link in reader.locator("#discussion .comment-body a").all():
        href = link.get_attribute("href")
        assert href is None or href.startswith(("http:", "https:", "mailto:"))
        assert link.get_attribute("rel") == "nofollow noopener ugc"
    links = reader.locator("#discussion .comment-body a")
    shown = {link.get_attribute("href"): link.inner_text() for link in links.all()}
    assert "https://example.org/a" in shown
    assert shown["https://example.org/p.png"] == "Image: a picture"
    assert "\\begin{x}" in reader.locator("#discussion").inner_text()  # its source, as text
    assert refused == []
    for body in bodies.all():
        body.hover()  # would fire any onmouseover that slipped through
    reader.wait_for_timeout(300)
    assert reader.evaluate("window.__pwned === undefined")
    discussion = reader.locator("#discussion")
    injected = discussion.locator(".comment-body").locator("script, img, iframe, style, details")
    assert injected.count() == 0
    assert "<script>window.__pwned = 1</script>" in discussion.inner_text()  # shown as text
    assert reader.locator("body").is_visible()
    reader.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)

    # the same comments listed on their author's profile stay just as inert
    reader.goto(f"{url}/users/mallory")
    listed = reader.locator("[data-testid=profile-comment]")
    assert listed.count() == len(HOSTILE)
    for item in listed.all():
        item.hover()
    reader.wait_for_timeout(300)
    assert reader.evaluate("window.__pwned === undefined")
    assert listed.locator("script, img, iframe, style, details").count() == 0
    reader.screenshot(path=str(tmp_path / "hostile-profile.png"), full_page=True)
    assert problems == [] and reader_problems == []


TABLE = """| model | params | accuracy | latency (ms) | memory (GB) | dataset | notes |
|---|---|---|---|---|---|---|
| baseline-large | 1.3B | 71.2 | 45 | 12.5 | ImageNet-21k | mixed precision |"""
ARABIC = "مرحبا! هذا تعليق باللغة العربية. هل جربتم الطريقة على بيانات أخرى؟"


def test_comments_read_well_on_a_phone(
    site: tuple[str, Store], sign_up: Callable[[str, str], tuple[Any, list[str]]], tmp_path: Path
) -> None:
    """A wide table scrolls instead of breaking its words letter by letter, a comment
    in Arabic reads right to left, and a reply eight levels deep keeps room for text."""
    url, _store = site
    ada, problems = sign_up(url, "ada")
    ada.goto(f"{url}/papers/{PAPER}")
    table = _comment(ada, TABLE)
    _comment(ada, ARABIC)
    parent = table.get_attribute("data-comment-id")
    for depth in range(1, 9):
        reply = ada.locator(f"#comment-{parent}")
        reply.locator("> .comment-actions summary", has_text="Reply").click()
        ada.fill(f"#reply-{parent}", f"Reply at depth {depth}")
        reply.locator("> .comment-actions button", has_text="Post reply").click()
        ada.wait_for_load_state()
        parent = ada.url.rsplit("#comment-", 1)[1]
    ada.set_viewport_size({"width": 390, "height": 844})
    ada.goto(f"{url}/papers/{PAPER}")
    assert ada.evaluate("document.documentElement.scrollWidth") <= 390
    # no header cell narrower than its longest word
    squeezed = ada.evaluate(
        """() => [...document.querySelectorAll('.comment-body th')].filter(th => {
            const r = document.createRange(); r.selectNodeContents(th);
            return r.getClientRects().length > 1 && !th.textContent.includes(' ');
        }).map(th => th.textContent)"""
    )
    assert squeezed == []
    paragraph = ada.locator(".comment-body p", has_text="مرحبا")
    assert paragraph.evaluate("p => getComputedStyle(p).unicodeBidi") == "plaintext"
    text_right = paragraph.evaluate(
        """p => { const r = document.createRange(); r.selectNodeContents(p);
            const rects = [...r.getClientRects()];
            return p.getBoundingClientRect().right - Math.max(...rects.map(x => x.right)); }"""
    )
    assert text_right < 2, "right-to-left text aligns right"
    deepest = ada.locator(".comment-body", has_text="Reply at depth 8")
    assert deepest.bounding_box()["width"] > 200
    ada.screenshot(path=str(tmp_path / "phone-discussion.png"), full_page=True)
    assert problems == []
