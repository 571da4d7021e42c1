"""The HTML digest in a real browser (Chromium): screenshots at desktop and phone
widths into tests/artifacts/, and no sideways scrolling on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from feeds_helpers import SmtpSink

from paperscope.config import Settings
from paperscope.feeds.runner import run_pass
from paperscope.feeds.subscriptions import make_spec, subscribe
from paperscope.store import Store

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.browser
def test_digest_renders_as_a_newsletter_on_desktop_and_phone(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    subscribe(
        store=sample_store,
        settings=mail_settings,
        email="shot@example.org",
        spec=make_spec(trending="day", trending_limit=4, categories=["math.CO"]),
        confirmed=True,
    )
    run_pass(store=sample_store, settings=mail_settings, force=True)
    [mail] = smtp_sink.to("shot@example.org")
    html = mail.message.get_body(("html",)).get_content()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            for name, width in (("desktop", 1024), ("phone", 390)):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route("**/*", lambda route: route.abort())  # a mail loads nothing
                page.set_content(html, wait_until="load")
                page.screenshot(path=str(ARTIFACTS / f"digest-{name}.png"), full_page=True)
                page.screenshot(path=str(ARTIFACTS / f"digest-{name}-first-screen.png"))
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                assert scroll_width <= width, f"{name}: content is {scroll_width}px wide"
                assert page.get_by_text("Trending today").is_visible()
                assert page.get_by_role("link", name="Unsubscribe").is_visible()
                page.close()
        finally:
            browser.close()
