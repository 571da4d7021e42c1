"""Two `paperscope serve` instances behind nginx (the repository's config), one
PostgreSQL, one indexer publishing to INDEX_URL, all real processes:

- an upvote, a library change and a sign-in made through one instance are seen
  through the other at once;
- a paper imported and indexed appears in search on both within the poll interval;
- one instance killed with SIGKILL under 16 keep-alive clients: nginx keeps answering,
  and no client sees an error.
"""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from processes import (
    ROOT,
    SECRET,
    environment,
    free_port,
    postgres_database,
    run_cli,
    running_nginx,
    start_serve,
    stop,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

POLL_SECONDS = 2
SAMPLE = ROOT / "sample" / "arxiv-snapshot-head200.jsonl"
NEW_PAPER = {
    "id": "2512.00042",
    "submitter": "Ada Example",
    "authors": "Ada Example",
    "title": "Quokkaformer: marsupial attention for deployment tests",
    "comments": None,
    "journal-ref": None,
    "doi": None,
    "report-no": None,
    "categories": "cs.LG",
    "license": None,
    "abstract": "We introduce quokkaformer, a model evaluated across several instances.",
    "versions": [{"version": "v1", "created": "Mon, 1 Dec 2025 10:00:00 GMT"}],
    "update_date": "2025-12-01",
    "authors_parsed": [["Example", "Ada", ""]],
}


@dataclass
class Cluster:
    env: dict[str, str]
    indexer_dir: Path
    ports: list[int]
    servers: list[object] = field(default_factory=list)
    proxy: int = 0
    access_log: Path | None = None

    def url(self, instance: int) -> str:
        return f"http://127.0.0.1:{self.ports[instance]}"

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy}"


def search_ids(base: str, text: str) -> list[str]:
    answer = httpx.get(f"{base}/api/v1/search", params={"q": text}, timeout=10)
    answer.raise_for_status()
    body = answer.json()
    return [item["paper_id"] for item in body["items"]]


def uses_index(base: str) -> bool:
    """True once the instance answers from a published generation, not the title match."""
    answer = httpx.get(f"{base}/api/v1/search", params={"q": "quark"}, timeout=10).json()
    return bool(answer["items"]) and "plain title match" not in str(answer.get("notice"))


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with postgres_database() as database_url:
        env = environment(
            PAPERSCOPE_DATABASE_URL=database_url,
            PAPERSCOPE_SECRET_KEY=SECRET,
            PAPERSCOPE_INDEX_URL=f"file://{tmp_path / 'shared-index'}",
            PAPERSCOPE_INDEX_POLL_SECONDS=str(POLL_SECONDS),
            PAPERSCOPE_COOKIE_SECURE="false",
        )
        indexer_dir = tmp_path / "indexer"
        run_cli(env, "db", "upgrade", data_dir=indexer_dir)
        run_cli(env, "import", str(SAMPLE), data_dir=indexer_dir)
        out = run_cli(env, "index", "--lexical-only", data_dir=indexer_dir)
        assert "published generation" in out
        ports = [free_port(), free_port()]
        found = Cluster(env, indexer_dir, ports)
        try:
            for number, port in enumerate(ports):
                found.servers.append(
                    start_serve(
                        env,
                        port=port,
                        data_dir=tmp_path / f"server{number}",
                        log=tmp_path / f"server{number}.log",
                    )
                )
            for number in range(2):
                wait_until(
                    lambda n=number: uses_index(found.url(n)),
                    seconds=90,
                    what=f"instance {number} serving the published index",
                )
            found.proxy = free_port()
            with running_nginx(listen=found.proxy, upstreams=ports) as access_log:
                found.access_log = access_log
                yield found
        finally:
            for server in found.servers:
                stop(server)  # type: ignore[arg-type]


def sign_in(client: httpx.Client, base: str, username: str, password: str) -> str:
    """Signs in through ``base``; returns the CSRF token of the client's cookie."""
    page = client.get(f"{base}/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    answer = client.post(
        f"{base}/signin",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 303, answer.text[:500]
    return token.group(1)


def test_two_instances_share_state_and_index_and_survive_a_kill(cluster: Cluster) -> None:
    env, indexer_dir = cluster.env, cluster.indexer_dir
    run_cli(
        env, "users", "add", "alice", "--password", "correct horse battery", data_dir=indexer_dir
    )
    token = run_cli(env, "tokens", "create", "alice", data_dir=indexer_dir).strip()
    bearer = {"Authorization": f"Bearer {token}"}
    first, second = cluster.url(0), cluster.url(1)
    paper = "0704.0001"

    # an upvote through one instance, read back through the other
    voted = httpx.post(f"{first}/api/v1/papers/{paper}/upvote", headers=bearer, timeout=10)
    assert voted.status_code == 200 and voted.json()["upvotes"] == 1
    seen = httpx.get(f"{second}/api/v1/papers/{paper}", headers=bearer, timeout=10).json()
    assert seen["upvotes"] == 1 and seen["upvoted"] is True

    # a library change through the second, read back through the first
    saved = httpx.put(
        f"{second}/api/v1/library/{paper}", headers=bearer, json={"tags": ["deploy"]}, timeout=10
    )
    assert saved.status_code == 200, saved.text
    item = httpx.get(f"{first}/api/v1/library/{paper}", headers=bearer, timeout=10).json()
    assert item["tags"] == ["deploy"]

    # a session started on the first instance is valid on the second
    with httpx.Client(timeout=10) as browser:
        sign_in(browser, first, "alice", "correct horse battery")
        assert browser.get(f"{second}/api/v1/me").json()["username"] == "alice"

    # a paper imported and indexed appears in search on both within the interval
    new_file = indexer_dir / "new.jsonl"
    new_file.write_text(json.dumps(NEW_PAPER) + "\n")
    assert search_ids(first, "quokkaformer") == []
    run_cli(env, "import", str(new_file), data_dir=indexer_dir)
    out = run_cli(env, "index", "--lexical-only", data_dir=indexer_dir)
    assert "published generation" in out
    published = time.monotonic()
    for base in (first, second):
        wait_until(
            lambda b=base: search_ids(b, "quokkaformer") == [NEW_PAPER["id"]],
            seconds=POLL_SECONDS * 2 + 20,
            what=f"new paper searchable on {base}",
        )
    took = time.monotonic() - published
    print(f"new paper searchable on both instances {took:.1f} s after publishing")

    failures, counts = load_through_proxy_with_a_kill(cluster)
    assert failures == [], failures[:5]
    print(f"16 clients through nginx, one instance killed: {dict(counts)}")


def load_through_proxy_with_a_kill(cluster: Cluster) -> tuple[list[str], Counter[str]]:
    """16 keep-alive clients hit nginx; instance 1 is killed with SIGKILL once it has
    served some of them, and the load goes on 4 s more. Returns the failures clients
    saw and what nginx logged."""
    stopping = threading.Event()
    failures: list[str] = []
    served: list[int] = []
    lock = threading.Lock()
    paths = [
        "/api/v1/search?q=quark",
        "/api/v1/papers/0704.0001",
        "/search?q=photon",
        "/api/v1/search?q=quokkaformer",
    ]

    def client(number: int) -> None:
        done = 0
        with httpx.Client(base_url=cluster.proxy_url, timeout=30) as http:
            while not stopping.is_set():
                path = paths[(number + done) % len(paths)]
                try:
                    answer = http.get(path)
                    if answer.status_code != 200:
                        with lock:
                            failures.append(f"{path}: {answer.status_code}")
                except httpx.HTTPError as exc:
                    with lock:
                        failures.append(f"{path}: {exc!r}")
                done += 1
        with lock:
            served.append(done)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    assert cluster.access_log is not None
    access_log = cluster.access_log
    killed = f"127.0.0.1:{cluster.ports[1]}"
    try:
        wait_until(
            lambda: access_log.read_text().count(killed) >= 16,
            seconds=60,
            what="load reaching both instances",
        )
        victim = cluster.servers[1]
        victim.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
        victim.wait(timeout=10)  # type: ignore[attr-defined]
        time.sleep(4.0)
    finally:
        stopping.set()
        for thread in threads:
            thread.join(timeout=60)
    assert sum(served) > 16, "the load never ran"
    lines = access_log.read_text().splitlines()
    counts: Counter[str] = Counter()
    for line in lines:
        status, tried = line.split(" ", 1)
        counts["requests"] += 1
        counts["ok" if status == "200" else status] += 1
        if killed in tried:
            counts["reached the killed instance" if "," not in tried else "retried"] += 1
    assert counts["reached the killed instance"] > 0, (counts, failures[:5], lines[:5])
    return failures, counts
