"""Long id lists cut into pieces for ``IN (...)`` clauses: one bound parameter per id,
and old SQLite builds allow at most 999 of them in a statement."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select

from paperscope.store.database import Store

T = TypeVar("T")

ID_CHUNK = 900  # ids per IN (...): stays under every SQLite build's bound-parameter limit


def chunks(items: Sequence[T], size: int = ID_CHUNK) -> Iterator[list[T]]:
    """``items`` in order, ``size`` at a time (the last piece may be shorter). A query
    that binds each id twice takes ``ID_CHUNK // 2``."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def found_ids(*, store: Store, column: Any, ids: Sequence[T], where: ColumnElement[bool]) -> set[T]:
    """Which of ``ids`` ``column`` holds in the rows matching ``where`` (a reader's
    upvotes, say), looked up a chunk at a time."""
    found: set[T] = set()
    unique = list(dict.fromkeys(ids))
    if not unique:
        return found
    with store.read() as conn:
        for chunk in chunks(unique):
            found.update(conn.scalars(select(column).where(where, column.in_(chunk))))
    return found
