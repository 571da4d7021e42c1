"""Two worker processes of `paperscope serve` each cache the public pages; an upvote
through one of them shows on the next read from either, because both key their caches
by the data version in the shared database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from web_samples import hf_papers

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.papers import upsert_papers
from paperscope.web.auth import create_api_token

PAPER = "2410.17243"
READS = 48  # on fresh connections from 8 threads at once, so both workers answer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(data_dir: Path, shared_data: Path) -> str:
    store = Store.open(Settings(data_dir=data_dir, dev_mode=True))
    try:
        upsert_papers(store=store, papers_in=hf_papers(shared_data))
        user = create_user(
            store=store, username="carol", email=None, password_hash=None, now=datetime.now(UTC)
        )
        return create_api_token(store=store, user=user, name="test")[1]
    finally:
        store.close()


def _wait_until_up(base: str) -> None:
    for _ in range(150):
        try:
            httpx.get(base + "/api/v1/me", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the server never answered")


def _read_many(url: str) -> list[tuple[int, str]]:
    def one(_: int) -> tuple[int, str]:
        r = httpx.get(url, timeout=10)  # a new connection each time
        assert r.headers["cache-control"].startswith("public")
        return int(r.json()["upvotes"]), r.headers["etag"]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(READS)))


@pytest.mark.slow
def test_an_upvote_shows_on_every_worker_at_once(tmp_path: Path, shared_data: Path) -> None:
    data_dir = tmp_path / "data"
    secret = _prepare(data_dir, shared_data)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env["PAPERSCOPE_DEV_MODE"] = "1"
    command = [sys.executable, "-c", "from paperscope.cli import main; main()", "serve"]
    server = subprocess.Popen(
        [*command, "--workers", "2", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/api/v1/papers/{PAPER}"
    try:
        _wait_until_up(base)
        before = _read_many(url)  # both workers now hold the page at this version
        assert len(set(before)) == 1
        count, etag = before[0]
        auth = {"Authorization": f"Bearer {secret}"}
        for expected in (count + 1, count):  # upvote, then take it back
            r = httpx.request(
                "POST" if expected > count else "DELETE", f"{url}/upvote", headers=auth
            )
            assert r.status_code == 200 and r.json()["upvotes"] == expected
            after = _read_many(url)
            assert {c for c, _ in after} == {expected}
            assert len({e for _, e in after}) == 1
            assert (after[0][1] == etag) == (expected == count)
        assert httpx.get(url, headers={"If-None-Match": etag}).status_code == 304
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
