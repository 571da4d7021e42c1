"""Searches run at most ``search_concurrency`` at a time per process, the rest wait
their turn, and other requests never wait behind them (web/search_slots.py)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from paperscope.config import Settings
from paperscope.search.service import SearchService
from paperscope.web.app import create_app


class _Watch:
    """Counts searches running inside the real service; each holds on until released."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.started = 0
        self.release = threading.Event()

    def enter(self) -> None:
        with self.lock:
            self.running += 1
            self.started += 1
            self.most = max(self.most, self.running)

    def leave(self) -> None:
        with self.lock:
            self.running -= 1


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Watch]:
    seen = _Watch()
    real = SearchService.search

    def watched(self: SearchService, query: Any) -> Any:
        seen.enter()
        try:
            seen.release.wait(10)
            return real(self, query)
        finally:
            seen.leave()

    monkeypatch.setattr(SearchService, "search", watched)
    yield seen
    seen.release.set()


async def _searches(data_dir: Path, slots: int, watch: _Watch, paths: list[str]) -> list[int]:
    app = create_app(Settings(data_dir=data_dir, dev_mode=True, search_concurrency=slots))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        pending = [asyncio.create_task(client.get(path)) for path in paths]
        deadline = time.monotonic() + 10
        while watch.started < min(slots, len(paths)) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # time for any search beyond the slots to start
        # Another page is answered while every slot is taken.
        other = await client.get("/api/v1/papers")
        assert other.status_code == 200
        assert watch.running == min(slots, len(paths))
        watch.release.set()
        return [response.status_code for response in await asyncio.gather(*pending)]


@pytest.mark.parametrize("slots", [1, 3])
def test_searches_take_turns_on_their_slots(tmp_path: Path, watch: _Watch, slots: int) -> None:
    paths = [f"/api/v1/search?q=topic{i}" for i in range(3)] + [
        "/search?q=another+topic",
        "/search.atom?q=feed+topic",
        "/api/papers/search?q=client+topic",  # Hugging Face's client
    ]
    statuses = asyncio.run(_searches(tmp_path, slots, watch, paths))
    assert statuses == [200] * len(paths)
    assert watch.most == slots
    assert watch.started == len(paths)
