"""CPU time per request of pages, the app alone: anonymous and signed in, side by side.

    .venv/bin/python bench/page_cpu.py --data-dir /tmp/ps-crowd/100k --requests 300
    .venv/bin/python bench/page_cpu.py --data-dir DIR /daily/2024-10-25 /papers/2410.00000

Calls the ASGI app directly on one thread, with the thread-pool hops of plain
functions made inline, so the process's CPU time is the app's own (no HTTP server, no
client, no scheduling): unlike requests/s under wrk it hardly moves with the machine's
load. Writes a user and a session into the store (``bench-cpu``); use a copy of a
shared store. The store of bench/web_bench.py (or crowd_bench.py) fits."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import starlette.concurrency

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crowd_bench import bench_session

PAGES = ["/daily/2024-10-25", "/papers/2410.00000", "/trending?window=week"]


async def _inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _run_inline() -> None:
    # Plain-function endpoints and dependencies would go to the thread pool: run them
    # on this thread instead, so all the work is counted here and nothing else is.
    fastapi.routing.run_in_threadpool = _inline  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = _inline  # type: ignore[assignment]
    starlette.concurrency.run_in_threadpool = _inline  # type: ignore[assignment]


def _request(app: Any, path: str, cookie: bytes) -> Callable[[], Awaitable[None]]:
    route, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"cookie", cookie)],
        "client": ("127.0.0.1", 5555),
        "server": ("127.0.0.1", 8000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def one() -> None:
        status: list[int] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(dict(scope), receive, send)
        if status != [200]:
            raise SystemExit(f"{path} answered {status}")

    return one


async def _measure(app: Any, path: str, cookie: bytes, n: int) -> float:
    one = _request(app, path, cookie)
    for _ in range(5):  # templates loaded, memos and caches filled
        await one()
    began = time.process_time()
    for _ in range(n):
        await one()
    return (time.process_time() - began) / n * 1000


async def _main(args: argparse.Namespace) -> None:
    settings = Settings(data_dir=args.data_dir, dev_mode=True)
    store = Store.open(settings)
    secret = bench_session(store, "bench-cpu", timedelta(hours=1))
    app = create_app(settings, store=store)
    csrf = b"ps_csrf=" + secrets.token_urlsafe(18).encode()
    cookies = {"anonymous": csrf, "signed in": csrf + b"; ps_session=" + secret.encode()}
    print(f"CPU ms per request, {args.requests} requests each, app called in-process")
    print(f"{'page':<32} {'anonymous':>10} {'signed in':>10}")
    async with app.router.lifespan_context(app):
        for path in args.pages or PAGES:
            row = [await _measure(app, path, c, args.requests) for c in cookies.values()]
            print(f"{path:<32} {row[0]:10.2f} {row[1]:10.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pages", nargs="*", help=f"paths (default: {' '.join(PAGES)})")
    ap.add_argument("--data-dir", type=Path, required=True, help="a built store (a copy)")
    ap.add_argument("--requests", type=int, default=300)
    _run_inline()
    asyncio.run(_main(ap.parse_args()))


if __name__ == "__main__":
    main()
