"""Following the index generations published at INDEX_URL (index/publish.py).

A serving instance runs one follower thread: every ``index_poll_seconds`` it reads the
pointer; when it names a new generation, the follower fetches it into the local cache,
opens a search engine on it (off the request path) and swaps it into the search service
in one reference assignment. Requests that already hold the previous engine finish on
it; its files are deleted after the grace period (``prune_cache``). A failed poll (the
shared place unreachable, a damaged generation) is logged and the instance keeps
serving the generation it has.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from paperscope.config import Settings
from paperscope.index.publish import fetch_generation, prune_cache, read_pointer
from paperscope.models import SearchQuery
from paperscope.store import Store
from paperscope.store.page_versions import bump_pages

if TYPE_CHECKING:
    from paperscope.search.service import SearchService

log = logging.getLogger("paperscope.search")


class IndexFollower:
    def __init__(self, *, settings: Settings, store: Store, service: SearchService) -> None:
        if not settings.index_url:
            raise ValueError("following needs INDEX_URL")
        self._settings = settings
        self._url = settings.index_url
        self._store = store
        self._service = service
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.current: str | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="index-follower", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except Exception as exc:  # keep serving what we have; try again next round
                log.warning("index generation not loaded from %s: %s", self._url, exc)
            self._stop.wait(self._settings.index_poll_seconds)

    def check(self) -> bool:
        """Load the published generation if it is new; True when one was swapped in."""
        pointer = read_pointer(self._url)
        if pointer is None or pointer.generation == self.current:
            prune_cache(settings=self._settings, in_use=self.current)
            return False
        from paperscope.search.engine import SearchEngine

        root = fetch_generation(settings=self._settings, name=pointer.generation)
        engine = SearchEngine.open(settings=self._settings, store=self._store, root=root)
        # The first query on an index pays for opening its files: pay it here, not in a
        # user's request.
        engine.search(SearchQuery(text="paper", mode="bm25", limit=1))
        self._service.install(engine, generation=pointer.generation, root=root)
        self.current = pointer.generation
        # Search results and similar papers kept for the current data version came from
        # the old index: a new version makes every worker of every instance drop them.
        bump_pages(store=self._store)
        log.info("search now uses index generation %s", pointer.generation)
        prune_cache(settings=self._settings, in_use=self.current)
        return True
