"""Requests/s and latency of the main pages at scale, against uvicorn on loopback.

    .venv/bin/python bench/web_bench.py --papers 100000 --clients 16 --seconds 10

Builds a store of synthetic papers (spread over 365 feed days, realistic title and
abstract lengths, 5 authors, 2 categories, some upvotes) and its search indexes (the
lexical index for real; paper vectors synthetic, since embedding 100k abstracts on two
cores takes the better part of an hour, while queries are embedded by the real model
in the server, so search latency includes it), starts `uvicorn` in a subprocess, and
drives it with an httpx-based load generator (N concurrent clients, keep-alive). Prints
one line per page: requests/s, p50, p95, p99 and errors. Uses wrk
instead when --wrk is given and wrk is installed."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
from generate_corpus import generate_papers

from paperscope.config import Settings
from paperscope.index.catch_up import catch_up_indexes
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.papers import upsert_papers
from paperscope.store.upvotes import set_upvote

WORDS = [
    "transformer",
    "attention",
    "diffusion",
    "contrastive",
    "memory",
    "retrieval",
    "graph",
    "sparse",
    "quantum",
    "latent",
    "policy",
    "reward",
    "language",
    "vision",
    "scaling",
    "efficient",
    "robust",
    "causal",
    "federated",
    "kernel",
    "bayesian",
    "optimal",
    "spectral",
    "neural",
    "inference",
    "benchmark",
]
CATS = ("cs.LG", "cs.CL", "cs.CV", "stat.ML", "cs.AI", "hep-th", "math.OC", "quant-ph")
LAST_DAY = date(2024, 10, 25)


def _paper_id(i: int) -> str:
    return f"{(LAST_DAY - timedelta(days=i % 365)):%y%m}.{i:05d}"


def _paper(i: int, rng: random.Random) -> Paper:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
    abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(120, 220))) + "."
    day = LAST_DAY - timedelta(days=i % 365)
    pid = _paper_id(i)
    return Paper(
        paper_id=pid,
        arxiv_id=pid,
        title=title,
        abstract=abstract,
        authors=tuple(f"Author {rng.randint(1, 20000)}" for _ in range(5)),
        categories=tuple(rng.sample(CATS, 2)),
        primary_category=None,
        submitted_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
        feed_date=day,
        external_upvotes=rng.randint(0, 50),
        source="oai-pmh",
    )


def build_store(data_dir: Path, n: int, *, corpus: str = "words") -> None:
    """``corpus``: "words", titles and abstracts drawn from WORDS alone, so every 2-4 word
    query matches nearly every paper (the worst case for whatever visits the matches);
    "prose", generate_corpus.py's abstracts (real sentences and Zipf-distributed
    jargon), whose queries match a few percent of the papers, as real ones do. Ids,
    dates, authors and categories are the same either way. The choice is written to
    ``corpus.txt`` beside the store, for whoever sends it queries."""
    settings = Settings(data_dir=data_dir, dev_mode=True)
    store = Store.open(settings)
    rng = random.Random(7)
    prose = generate_papers(n) if corpus == "prose" else None
    started = time.perf_counter()
    for start in range(0, n, 5000):
        batch = [_paper(i, rng) for i in range(start, min(n, start + 5000))]
        if prose is not None:
            batch = [
                dataclasses.replace(p, title=text.title, abstract=text.abstract)
                for p, text in zip(batch, prose, strict=False)
            ]
        upsert_papers(store=store, papers_in=batch)
    (data_dir / "corpus.txt").write_text(corpus + "\n")
    now = datetime.now(UTC)
    users = [
        create_user(store=store, username=f"bench{u}", email=None, password_hash=None, now=now)
        for u in range(20)
    ]
    for u in users:
        for i in rng.sample(range(min(n, 2000)), 50):
            set_upvote(store=store, user_id=u.user_id, paper_id=_paper_id(i), upvoted=True, now=now)
    store.close()
    print(f"built {n} papers in {time.perf_counter() - started:.0f} s", flush=True)


class SyntheticPassages:
    """Stands in for the embedding model when indexing: deterministic clustered unit
    vectors of the configured model's name and size, so the server opens the index
    and embeds its queries with the real model."""

    backend = "synthetic"

    def __init__(self, model_name: str, dim: int = 384) -> None:
        self.model_name, self.dim = model_name, dim
        self._centres = np.random.default_rng(0).standard_normal((500, dim)).astype(np.float32)

    def encode(self, texts: Sequence[str], **_: object) -> np.ndarray:
        seeds = [zlib.crc32(t.encode()) for t in texts]
        rows = np.stack(
            [
                self._centres[seed % 500]
                + 0.6 * np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
                for seed in seeds
            ]
        )
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def build_indexes(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, dev_mode=True)
    store = Store.open(settings)
    tick = time.perf_counter()
    catch_up_indexes(
        settings=settings, store=store, embedder=SyntheticPassages(settings.embedding_model)
    )
    print(f"search indexes built in {time.perf_counter() - tick:.0f} s", flush=True)
    store.close()


async def _client(
    http: httpx.AsyncClient, url: str, until: float, out: list[float], errors: list[int]
) -> None:
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        r = await http.get(url)
        out.append(time.perf_counter() - t0)
        if r.status_code != 200:
            errors.append(r.status_code)


async def load(url: str, clients: int, seconds: float) -> tuple[float, list[float], list[int]]:
    out: list[float] = []
    errors: list[int] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        await http.get(url)  # warm-up
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_client(http, url, until, out, errors) for _ in range(clients)))
    return len(out) / seconds, out, errors


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--data-dir", type=Path, default=None, help="reuse a built store")
    ap.add_argument("--wrk", action="store_true")
    args = ap.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="ps-bench-"))
    if not (data_dir / "paperscope.db").exists():
        build_store(data_dir, args.papers)
        build_indexes(data_dir)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {"PAPERSCOPE_DATA_DIR": str(data_dir), "PAPERSCOPE_DEV_MODE": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "paperscope.web.app:app_from_environment",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/api/v1/me", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        pages = [
            ("daily feed", f"/daily/{LAST_DAY}"),
            ("paper page", f"/papers/{LAST_DAY:%y%m}.00000"),
            ("search page", "/search?q=contrastive+memory+retrieval"),
            ("trending", "/trending?window=week"),
            ("daily JSON", f"/api/v1/daily/{LAST_DAY}"),
        ]
        print(
            f"{args.papers} papers, {args.clients} clients, {args.seconds:.0f} s each, "
            f"{args.workers} worker(s)"
        )
        print(f"{'page':<12} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name, path in pages:
            if args.wrk and shutil.which("wrk"):
                subprocess.run(
                    [
                        "wrk",
                        "-t2",
                        f"-c{args.clients}",
                        f"-d{int(args.seconds)}s",
                        "--latency",
                        base + path,
                    ]
                )
                continue
            rps, lat, errs = asyncio.run(load(base + path, args.clients, args.seconds))
            print(
                f"{name:<12} {rps:8.1f} {_pct(lat, 0.5):8.1f} {_pct(lat, 0.95):8.1f} "
                f"{_pct(lat, 0.99):8.1f} {len(errs):7d}",
                flush=True,
            )
        print(f"mean latency {statistics.mean(lat) * 1000:.1f} ms (last page)")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
