"""A real uvicorn server on loopback over a temp store with the HF sample, and
Debian's chromium driven by Playwright."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import uvicorn

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.papers import upsert_papers
from paperscope.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from web_samples import hf_papers, hostile_paper, old_style_paper

CHROMIUM = Path("/usr/bin/chromium")
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(settings: Settings, store: Store) -> Iterator[str]:
    """The app on ``store`` served by uvicorn on a free loopback port; yields its URL."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, store=store), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def serve() -> Callable[[Settings, Store], AbstractContextManager[str]]:
    """``live_server`` for tests that serve a store of their own."""
    return live_server


@pytest.fixture
def server(tmp_path: Path, shared_data: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True)
    store = Store.open(settings)
    upsert_papers(
        store=store, papers_in=[*hf_papers(shared_data), hostile_paper(), old_style_paper()]
    )
    with live_server(settings, store) as url:
        yield url
    store.close()


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
