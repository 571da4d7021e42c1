"""A reader's own marks on a list of papers (which they upvoted, which are in their
library), read together: every card page of a signed-in reader needs both, and one
statement on one connection costs half of two (docs/performance.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, literal, select, union_all

from paperscope.store.chunks import ID_CHUNK, chunks
from paperscope.store.database import Store
from paperscope.store.schema_accounts import library_items, upvotes

_UPVOTED, _SAVED = 1, 2
# Built once: building a statement costs more than running it (docs/performance.md).
_MARKS = union_all(
    select(literal(_UPVOTED), upvotes.c.paper_id).where(
        upvotes.c.user_id == bindparam("user_id"),
        upvotes.c.paper_id.in_(bindparam("ids", expanding=True)),
    ),
    select(literal(_SAVED), library_items.c.paper_id).where(
        library_items.c.user_id == bindparam("user_id"),
        library_items.c.paper_id.in_(bindparam("ids", expanding=True)),
    ),
)


@dataclass(frozen=True, slots=True)
class ReaderMarks:
    upvoted: frozenset[str]
    saved: frozenset[str]


def reader_marks(*, store: Store, user_id: int, paper_ids: Sequence[str]) -> ReaderMarks:
    """Which of ``paper_ids`` the user upvoted and which they saved (primary-key
    lookups on both tables)."""
    ids = list(dict.fromkeys(paper_ids))
    upvoted: set[str] = set()
    saved: set[str] = set()
    if not ids:
        return ReaderMarks(frozenset(), frozenset())
    with store.read() as conn:
        # Each id appears in both halves of the statement: half as many per statement.
        for chunk in chunks(ids, ID_CHUNK // 2):
            for kind, paper_id in conn.execute(_MARKS, {"user_id": user_id, "ids": chunk}):
                (upvoted if kind == _UPVOTED else saved).add(paper_id)
    return ReaderMarks(frozenset(upvoted), frozenset(saved))
