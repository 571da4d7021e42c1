"""CPU milliseconds per HTML search request, in process, split by stage.

    .venv/bin/python bench/search_request_cpu.py --data-dir /tmp/ps-crowd/100k --requests 300

Load-independent companion of bench/crowd_bench.py: the same store and the same kind of
distinct queries, sent one after the other through the whole ASGI app (middleware,
routing, engine, cards, template) in ONE thread, so ``time.thread_time`` measures the
CPU each stage burns whatever else runs on the machine. Thread-pool hops (FastAPI's
and the search slots') are replaced by direct calls for that; uvicorn's HTTP parsing
and the socket are not counted (crowd_bench.py measures those with the rest). Stages
are timed by wrapping the functions the request goes through; nested stages are
subtracted from their parent, so the rows add up to the total."""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import fastapi.dependencies.utils
import fastapi.routing
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crowd_bench import search_paths, store_corpus

import paperscope.search.engine as engine_module
import paperscope.web.routes.search as route_module
from paperscope.config import Settings
from paperscope.index.lexical import LexicalIndex
from paperscope.search.semantic import SemanticSide
from paperscope.web.app import create_app

SPENT: dict[str, float] = defaultdict(float)
_STACK: list[list[float]] = []  # per open stage: CPU spent by its nested stages


def _timed(stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _STACK.append([0.0])
        start = time.thread_time()
        try:
            return func(*args, **kwargs)
        finally:
            spent = time.thread_time() - start
            nested = _STACK.pop()[0]
            SPENT[stage] += spent - nested
            if _STACK:
                _STACK[-1][0] += spent

    return wrapper


def _instrument() -> None:
    """Wrap each stage where the request calls it (module attributes, methods). The
    engine's two retrievers run one after the other here: thread_time would miss the
    CPU of a lexical search run on a second thread."""
    engine_module.SearchEngine.parallel_retrievers = False
    for owner, name, stage in [
        (LexicalIndex, "search", "lexical search (tantivy)"),
        (LexicalIndex, "scores_for", "BM25 of dense candidates"),
        (LexicalIndex, "facets", "facets and chart (aggregation)"),
        (SemanticSide, "embed_query", "query embedding (ONNX)"),
        (SemanticSide, "nearest", "ANN (usearch)"),
        (SemanticSide, "cosines", "cosines of lexical candidates"),
        (engine_module, "fuse", "fusion"),
        (engine_module.SearchEngine, "_exact_title_first", "exact-title lookup"),
        (engine_module, "get_papers", "papers of the page (store)"),
        (engine_module, "_highlight", "highlights and snippets"),
        (route_module, "cards_for", "cards (store: stats, citations)"),
        (route_module, "render", "template rendering"),
    ]:
        setattr(owner, name, _timed(stage, getattr(owner, name)))


async def _inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


async def _inline_sync(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    """anyio.to_thread.run_sync, run here: the search slots (web/search_slots.py) hand
    the endpoint to a thread through it."""
    return func(*args)


def _queries(n: int, data_dir: Path) -> list[str]:
    """crowd_bench.py's queries for the store's corpus, shuffled."""
    lines = search_paths(n, store_corpus(data_dir))
    random.Random(5).shuffle(lines)
    return lines


async def _run(data_dir: Path, paths: list[str]) -> tuple[float, float, int]:
    app = create_app(Settings(data_dir=data_dir, dev_mode=True))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        for path in ["/search?q=warm+up", *paths[-3:]]:  # model, indexes, templates
            (await client.get(path)).raise_for_status()
        SPENT.clear()
        wall, cpu = time.perf_counter(), time.thread_time()
        size = 0
        for path in paths[:-3]:
            response = await client.get(path)
            response.raise_for_status()
            size += len(response.content)
        return time.thread_time() - cpu, time.perf_counter() - wall, size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True, help="a crowd_bench.py store")
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    fastapi.routing.run_in_threadpool = _inline  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = _inline  # type: ignore[assignment]
    anyio.to_thread.run_sync = _inline_sync  # type: ignore[assignment]
    _instrument()
    paths = _queries(args.requests + 3, args.data_dir)
    cpu, wall, size = asyncio.run(_run(args.data_dir, paths))
    n = len(paths) - 3
    print(f"{n} distinct searches, one thread: {cpu / n * 1000:.1f} ms CPU per request")
    print(f"(wall {wall / n * 1000:.1f} ms per request, {size / n / 1024:.0f} KB per page)\n")
    print(f"{'stage':<34} {'CPU ms/request':>14}")
    for stage, spent in sorted(SPENT.items(), key=lambda item: -item[1]):
        print(f"{stage:<34} {spent / n * 1000:14.2f}")
    rest = cpu - sum(SPENT.values())
    print(f"{'everything else (app, parsing...)':<34} {rest / n * 1000:14.2f}")


if __name__ == "__main__":
    main()
