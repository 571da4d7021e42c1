"""A real uvicorn server on loopback over a temp store with the HF sample, and
Debian's chromium driven by Playwright."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from loopback_server import serve_app
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.papers import upsert_papers
from paperscope.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from web_samples import hf_papers, hostile_paper, old_style_paper

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Never the network: thumbnails and avatars of imported papers point at outside
    # hosts; every name but the loopback server fails to resolve at once.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# sign_up(url, name) -> (page, problems): see the fixture.
SignUp = Callable[[str, str], tuple[Any, list[str]]]


@contextmanager
def live_server(settings: Settings, store: Store) -> Iterator[str]:
    """The app on ``store`` served by uvicorn on a free loopback port; yields its URL."""
    with serve_app(create_app(settings, store=store)) as url:
        yield url


@pytest.fixture
def serve() -> Callable[[Settings, Store], AbstractContextManager[str]]:
    """``live_server`` for tests that serve a store of their own."""
    return live_server


@pytest.fixture
def site(tmp_path: Path, shared_data: Path) -> Iterator[tuple[str, Store]]:
    """The HF sample with a hostile and an old-style paper, served: the URL and the
    store behind it, for tests that also change data the pages show."""
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True)
    store = Store.open(settings)
    upsert_papers(
        store=store, papers_in=[*hf_papers(shared_data), hostile_paper(), old_style_paper()]
    )
    with live_server(settings, store) as url:
        yield url, store
    store.close()


@pytest.fixture
def server(site: tuple[str, Store]) -> str:
    """The URL of ``site``, for tests that only read the pages."""
    return site[0]


@pytest.fixture(scope="module")
def search_server(
    tmp_path_factory: pytest.TempPathFactory, indexed_search_sample: Callable[[Path], Settings]
) -> Iterator[str]:
    """A server whose store is indexed (both retrievers) over the search sample."""
    settings = indexed_search_sample(tmp_path_factory.mktemp("search-e2e") / "data")
    store = Store.open(settings)
    with live_server(settings, store) as url:
        yield url
    store.close()


@pytest.fixture
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def sign_up(browser: Any) -> SignUp:
    """Opens a fresh browser context on ``url``, signs up ``name`` and returns the page
    (on the home page) with the list of script errors and dialogs seen on it, which a
    test expects to stay empty: hostile text must never run."""

    def open_signed_up(url: str, name: str) -> tuple[Any, list[str]]:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        problems = watch_page(page)
        page.goto(url + "/signup")
        page.fill("#username", name)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(url + "/")
        return page, problems

    return open_signed_up


@pytest.fixture
def watch() -> Callable[[Any], list[str]]:
    """``watch_page``, for a test that opens a page of its own."""
    return watch_page


def watch_page(page: Any) -> list[str]:
    """Script errors and dialogs on ``page`` from now on, collected as lines."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    return problems
