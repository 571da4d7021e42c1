"""A per-worker memo of what pages are built from (paper cards without the reader's
own state, the ids of a feed page), keyed by the data version of the public pages.

Signed-in pages cannot be shared, but most of their work is: the same cards and the
same feed for everyone, differing only in the reader's upvotes and saves. The page
cache middleware reads the version once per request and hands it down in a context
variable (thread-pool endpoints inherit it); a memo entry is used only at that exact
version, so a write shows at once. Outside a web request (CLI, MCP, tests calling the
views directly) nothing is memoised."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from paperscope.store import Store

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")

_REQUEST_VERSION: ContextVar[int | None] = ContextVar("paperscope_page_version", default=None)


@contextmanager
def request_version(version: int) -> Iterator[None]:
    """Serve this request at ``version`` of the public data."""
    token = _REQUEST_VERSION.set(version)
    try:
        yield
    finally:
        _REQUEST_VERSION.reset(token)


def current_version() -> int | None:
    """The version this request is served at, or None (no memo) outside one."""
    return _REQUEST_VERSION.get()


class VersionedMemo(Generic[Key, Value]):
    """A bounded, thread-safe LRU whose keys carry the data version."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[int, Key], Value] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get_many(self, version: int, keys: list[Key]) -> dict[Key, Value]:
        found: dict[Key, Value] = {}
        with self._lock:
            for key in keys:
                value = self._entries.get((version, key))
                if value is not None:
                    self._entries.move_to_end((version, key))
                    found[key] = value
        return found

    def put_many(self, version: int, values: dict[Key, Value]) -> None:
        with self._lock:
            for key, value in values.items():
                self._entries[(version, key)] = value
                self._entries.move_to_end((version, key))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get_or_compute(self, key: Key, compute: Callable[[], Value]) -> Value:
        """``compute()``, or its value from earlier at this request's version."""
        version = current_version()
        if version is None:
            return compute()
        found = self.get_many(version, [key])
        if key in found:
            return found[key]
        value = compute()
        self.put_many(version, {key: value})
        return value


# One set of memos per store: versions of two databases (tests open many) never mix.
_MEMOS: weakref.WeakKeyDictionary[Store, dict[str, VersionedMemo[Any, Any]]]
_MEMOS = weakref.WeakKeyDictionary()
_MEMOS_LOCK = threading.Lock()


def memo_for(store: Store, name: str, max_entries: int) -> VersionedMemo[Any, Any]:
    """The memo called ``name`` of this store, made on first use."""
    with _MEMOS_LOCK:
        memos = _MEMOS.setdefault(store, {})
        if name not in memos:
            memos[name] = VersionedMemo(max_entries)
        return memos[name]
