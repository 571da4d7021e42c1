"""In Chromium: a card with an AI summary switches to the abstract without script,
the paper page shows code with stars, the submitter and the links form, and a hostile
link set through the API never becomes a link; screenshots for a look."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from web_samples import HF_DAY, hf_papers

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.papers import upsert_papers
from paperscope.web.app import create_app

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SUMMARY = "Tiled contrastive loss lets batch sizes grow to millions on a few GPUs."


@pytest.fixture
def extras_server(tmp_path: Path, shared_data: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True)
    store = Store.open(settings)
    papers = hf_papers(shared_data)
    papers[0] = papers[0].replace(
        ai_summary=SUMMARY,
        ai_keywords=("contrastive loss", "tiling"),
        code_url="https://github.com/DAMO-NLP-SG/Inf-CLIP",
        github_stars=212,
        project_url="https://example.org/inf-clip",
    )
    upsert_papers(store=store, papers_in=papers)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app = create_app(settings, store=store)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    store.close()


def test_summary_switch_code_and_submitter(extras_server: str, browser: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{extras_server}/daily/{HF_DAY}")
    card = page.locator(".card[data-paper-id='2410.17243']")
    assert SUMMARY in card.locator(".ai-summary").inner_text()
    abstract = card.locator(".abstract-switch p")
    assert not abstract.is_visible()
    card.locator(".abstract-switch summary").click()
    assert abstract.is_visible() and "Contrastive loss" in abstract.inner_text()
    assert card.locator("[data-testid=code-link]").inner_text() == "Code ★ 212"
    assert "Zesen Cheng" in card.locator(".person").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "daily-with-sources.png"))

    page.goto(f"{extras_server}/papers/2410.17243")
    links = page.locator("#links")
    assert links.locator("[data-testid=paper-code]").get_attribute("href") == (
        "https://github.com/DAMO-NLP-SG/Inf-CLIP"
    )
    assert "★ 212" in links.inner_text() and "Zesen Cheng" in links.inner_text()
    assert page.locator(".links-form").count() == 0  # signed out: no form
    page.screenshot(path=str(ARTIFACTS / "paper-with-sources.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{extras_server}/daily/{HF_DAY}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.screenshot(path=str(ARTIFACTS / "daily-with-sources-phone.png"))
    assert dialogs == []
