"""Fetching a submitted paper from arXiv without holding the workers that serve
pages: a small pool of its own threads (submission_fetch_concurrency), a short
timeout, and an immediate "busy" answer when every slot is taken, so sixty slow
fetches never queue in front of the daily feed."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from paperscope.config import Settings
from paperscope.ingest.harvest import HarvestError, fetch_paper
from paperscope.models import Paper

log = logging.getLogger("paperscope.web")


class FetchBusy(Exception):
    """Every fetch slot is taken; the user should retry in a minute."""


class FetchFailed(Exception):
    """arXiv could not be reached or did not answer in time (the cause is logged)."""


class ArxivFetches:
    """The process's bounded arXiv fetches for submissions (one per app)."""

    def __init__(self, settings: Settings) -> None:
        self.timeout = settings.submission_fetch_timeout_seconds
        # One try with a short timeout: a person is waiting, not a harvest.
        self._settings = settings.model_copy(
            update={"harvest_max_retries": 0, "harvest_timeout_seconds": self.timeout}
        )
        size = settings.submission_fetch_concurrency
        self._slots = threading.BoundedSemaphore(size)
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="arxiv-fetch")

    async def fetch(self, arxiv_id: str) -> Paper | None:
        """The paper, or None when arXiv has no such id."""
        if not self._slots.acquire(blocking=False):
            raise FetchBusy(arxiv_id)
        try:
            future = self._pool.submit(self._run, arxiv_id)
        except RuntimeError:  # the pool is shut down: the app is stopping
            self._slots.release()
            raise FetchFailed(arxiv_id) from None
        try:
            # DNS lookups ignore the socket timeout: bound the whole wait as well.
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout * 2 + 1)
        except TimeoutError:
            log.warning("fetching %s from arXiv: no answer in time", arxiv_id)
            raise FetchFailed(arxiv_id) from None

    def _run(self, arxiv_id: str) -> Paper | None:
        try:
            return fetch_paper(settings=self._settings, arxiv_id=arxiv_id)
        except HarvestError as exc:
            log.warning("fetching %s from arXiv failed: %s", arxiv_id, exc)
            raise FetchFailed(arxiv_id) from None
        finally:
            self._slots.release()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
