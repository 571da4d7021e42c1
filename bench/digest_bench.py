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
    """Saved-search cost per subscriber through the real hybrid engine: index the
    papers, then run each alert over every paper that arrived (all 200 here)."""
    from paperscope.index.catch_up import catch_up_indexes

    started = time.perf_counter()
    report = catch_up_indexes(settings=settings, store=store)
    print(
        f"index: {report.lexical_count} papers, {report.embedded} embedded, "
        f"in {time.perf_counter() - started:.1f} s"
    )
    source = ContentSource(store=store, settings=settings, now=datetime.now(UTC))
    since = datetime(1970, 1, 1, tzinfo=UTC)
    new = source.arrived(since)
    # Alert-like queries: the first words of real titles.
    queries = [" ".join(p.title.split()[:5]) for p in source.papers(new[:alerts])]
    subscriptions = [
        subscribe(
            store=store,
            settings=settings,
            email=f"alert{n}@example.org",
            spec=make_spec(search=q),
            confirmed=True,
        ).subscription
        for n, q in enumerate(queries)
    ]
    source.search(subscriptions[0], since)  # loads the query model once
    started = time.perf_counter()
    kept = sum(len(source.search(sub, since)) for sub in subscriptions)
    per = (time.perf_counter() - started) / len(subscriptions)
    print(
        f"saved-search alert (hybrid engine, threshold 0.40): {1000 * per:.2f} ms per "
        f"subscriber over {len(new)} new papers; {kept / len(subscriptions):.1f} papers "
        f"kept per alert ({len(subscriptions)} alerts)"
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
