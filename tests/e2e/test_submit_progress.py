"""The submit page says it is fetching from arXiv while the browser waits, then
tells in words that arXiv could not be reached."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from slow_arxiv import SlowArxiv

from paperscope.config import Settings
from paperscope.store import Store


def test_submit_shows_progress_then_a_plain_error(
    tmp_path: Path,
    browser: Any,
    serve: Callable[[Settings, Store], AbstractContextManager[str]],
) -> None:
    with SlowArxiv().running() as arxiv:
        settings = Settings(
            data_dir=tmp_path / "data",
            dev_mode=True,
            harvest_delay_seconds=0.0,
            arxiv_api_url=arxiv.url,
            submission_fetch_timeout_seconds=2.0,
        )
        store = Store.open(settings)
        with serve(settings, store) as url:
            page = browser.new_page()
            page.goto(f"{url}/signup")
            page.fill("#username", "wanda")
            page.fill("#password", "correct horse battery")
            page.click("form[action='/signup'] button[type=submit]")
            page.wait_for_url(f"{url}/")
            page.goto(f"{url}/submit")
            page.fill("#arxiv_id", "2401.00001")
            # The submit handlers run synchronously inside requestSubmit(): the state
            # read right after is what the user sees until arXiv's answer arrives.
            busy = page.evaluate(
                """() => {
                    const form = document.querySelector("form[data-busy]");
                    form.requestSubmit();
                    const status = form.querySelector("[data-busy-status]");
                    return [status.hidden, status.textContent,
                            form.querySelector("button").disabled,
                            getComputedStyle(status).display];
                }"""
            )
            hidden, text, disabled, display = busy
            assert not hidden and display != "none" and disabled
            assert "Fetching from arXiv" in text
            page.wait_for_selector("p.notice.error", timeout=15000)
            error = page.locator("p.notice.error").inner_text()
            assert "arXiv could not be reached" in error and "Errno" not in error
            page.screenshot(path=str(tmp_path / "submit-unreachable.png"))
        store.close()
