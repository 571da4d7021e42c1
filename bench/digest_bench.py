"""How long building and sending digests takes, to a local SMTP sink (aiosmtpd on
loopback, in this process), and what a saved-search alert costs per subscriber.

    .venv/bin/python bench/digest_bench.py [--subscribers 10000] [--alerts 200]

Papers: the 200 records of the shared arXiv snapshot, arrived "now", 20 of them in
today's feed with upvotes (so trending has something). Subscribers follow trending
(top 5 of the day) plus one of five categories, all due now (--force). Everything runs
on one SQLite file in a temp folder; figures include the sink's own CPU time, which
shares the machine's cores with the sender.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "feeds"))

from aiosmtpd.controller import Controller  # noqa: E402
from feeds_helpers import snapshot_papers  # noqa: E402

from paperscope.config import Settings  # noqa: E402
from paperscope.feeds.content import ContentSource  # noqa: E402
from paperscope.feeds.digest import build_due_digests  # noqa: E402
from paperscope.feeds.outbox import deliver_pending  # noqa: E402
from paperscope.feeds.subscriptions import make_spec, subscribe  # noqa: E402
from paperscope.store import Store  # noqa: E402
from paperscope.store.papers import upsert_papers  # noqa: E402

SNAPSHOT = ROOT.parent / "shared" / "data" / "arxiv" / "kaggle_snapshot_head200.jsonl"
CATEGORIES = ("hep-ph", "math.CO", "astro-ph", "quant-ph", "cond-mat.mes-hall")


class CountingHandler:
    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
            self.bytes += len(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup(settings: Settings, subscribers: int) -> Store:
    store = Store.open(settings)
    today = datetime.now(UTC).date()
    papers = snapshot_papers(SNAPSHOT)
    papers = [
        p.replace(feed_date=today, external_upvotes=20 - i) if i < 20 else p
        for i, p in enumerate(papers)
    ]
    upsert_papers(store=store, papers_in=papers)
    started = time.perf_counter()
    for n in range(subscribers):
        spec = make_spec(trending="day", trending_limit=5, categories=[CATEGORIES[n % 5]])
        subscribe(
            store=store,
            settings=settings,
            email=f"reader{n}@example.org",
            spec=spec,
            confirmed=True,
        )
    print(f"set-up: {subscribers} subscribers in {time.perf_counter() - started:.1f} s")
    return store


def bench_digests(settings: Settings, store: Store, handler: CountingHandler) -> None:
    started = time.perf_counter()
    built = build_due_digests(store=store, settings=settings, force=True)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    sent = deliver_pending(store=store, settings=settings)
    send_s = time.perf_counter() - started
    n = built.built
    print(
        f"build: {n} digests ({built.papers / max(n, 1):.1f} papers each) in {build_s:.1f} s "
        f"= {1000 * build_s / max(n, 1):.2f} ms per digest"
    )
    print(
        f"send:  {sent.sent} messages ({handler.bytes / max(handler.count, 1) / 1024:.1f} KiB "
        f"each) in {send_s:.1f} s = {1000 * send_s / max(sent.sent, 1):.2f} ms per message, "
        f"{sent.sent / send_s:.0f} messages/s"
    )
    print(f"total: {build_s + send_s:.1f} s for {n} digests built and sent")


def bench_alerts(settings: Settings, store: Store, alerts: int) -> None:
    """Saved-search cost per subscriber: the real hybrid engine when it is installed
    and indexed, else its dense part (embed the query, score the new papers)."""
    source = ContentSource(store=store, settings=settings, now=datetime.now(UTC))
    new = source.arrived(datetime(1970, 1, 1, tzinfo=UTC))
    queries = [p.title for p in source.papers(new[:alerts])]
    try:
        source._search_engine()
        mode = "hybrid engine"
    except Exception as exc:
        mode = f"dense part only (search engine unavailable: {exc})"
    started = time.perf_counter()
    if mode == "hybrid engine":
        from paperscope.store.subscriptions import Subscription, SubscriptionSpec

        for q in queries:
            spec = SubscriptionSpec(search_query=q)
            sub = Subscription(
                0,
                0,
                "x@example.org",
                spec,
                True,
                None,
                None,
                (),
                source.now,
                source.now,
                "active",
                None,
            )
            source.search(sub, new)
    else:
        import numpy as np

        from paperscope.index.embedder import load_embedder, paper_text

        embedder = load_embedder(settings)
        vectors = embedder.encode([paper_text(p.title, p.abstract) for p in source.papers(new)])
        started = time.perf_counter()
        for q in queries:
            scores = vectors @ embedder.encode_query(q).ravel()
            _ = np.flatnonzero(scores >= 0.40)
    per = (time.perf_counter() - started) / max(len(queries), 1)
    print(
        f"saved-search alert ({mode}): {1000 * per:.2f} ms per subscriber over "
        f"{len(new)} new papers ({len(queries)} queries)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--alerts", type=int, default=200)
    args = parser.parse_args()
    handler = CountingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            dev_mode=True,
            smtp_host="127.0.0.1",
            smtp_port=port,
            public_base_url="https://papers.example.org",
        )
        store = _setup(settings, args.subscribers)
        try:
            bench_digests(settings, store, handler)
            if args.alerts:
                bench_alerts(settings, store, args.alerts)
        finally:
            store.close()
            controller.stop()


if __name__ == "__main__":
    main()
