"""Searches take turns on a few threads of their own, one set per process.

FastAPI runs a plain ``def`` endpoint on anyio's shared pool of 40 threads. A search
is CPU from start to end (the embedding, both indexes, the page), so under a crowd
(32 connections on two workers) each worker had 16 searches running at once, taking
turns on the interpreter lock and the cores: each search then cost 33-34 ms of CPU
against 26-29 ms when they ran one at a time, and two cores did 56-58 searches per
second instead of 69-77 (docs/performance.md, "Searches take turns"). A search endpoint
wrapped here waits in the event loop, holding no thread, for one of
``search_concurrency`` slots; every other page and write keeps the shared pool, so a
request that waits on the database or on arXiv never holds up searches, nor they it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread
from fastapi import Request, Response

from paperscope.config import Settings
from paperscope.index.embedder import available_cores


def search_slots(settings: Settings) -> anyio.CapacityLimiter:
    """The limiter for one process's searches: ``search_concurrency``, or when unset
    the cores this process may use (`serve --workers N` shares them out)."""
    return anyio.CapacityLimiter(settings.search_concurrency or available_cores())


def takes_search_slot(endpoint: Callable[..., Response]) -> Callable[..., Awaitable[Response]]:
    """``endpoint`` (a plain ``def`` taking ``request``) run on a thread once one of the
    app's search slots is free. FastAPI reads the parameters from the wrapped
    function's signature, so it is declared exactly as before."""

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        call = functools.partial(endpoint, *args, **kwargs)
        limiter: anyio.CapacityLimiter = request.app.state.search_slots
        return await anyio.to_thread.run_sync(call, limiter=limiter)

    return run
