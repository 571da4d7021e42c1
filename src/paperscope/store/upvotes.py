"""Upvotes: one per user per paper, with a maintained per-paper counter.

The counter row is changed in the same transaction as the upvote row and only when
that row really appeared or disappeared, so N users clicking at once give exactly N
on SQLite (one writer) and on PostgreSQL (the counter row lock serialises them)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, Select, Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperscope.models import PaperStats
from paperscope.store.chunks import chunks, found_ids
from paperscope.store.database import Store
from paperscope.store.page_versions import bump_page_version
from paperscope.store.schema import papers
from paperscope.store.schema_accounts import paper_stats, upvotes


def insert_ignoring_duplicates(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """INSERT that does nothing when the row's key exists; True when a row was added."""
    stmt: Insert
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT.
    key = next(iter(table.primary_key.columns))
    return conn.execute(stmt.returning(key)).first() is not None


def bump_stat(conn: Connection, paper_id: str, column: str, delta: int) -> None:
    """Add ``delta`` to one counter of a paper, creating its stats row if needed. The
    counters show on public pages, so their data version moves in the same transaction."""
    insert_ignoring_duplicates(conn, paper_stats, {"paper_id": paper_id})
    col = paper_stats.c[column]
    conn.execute(
        update(paper_stats).where(paper_stats.c.paper_id == paper_id).values({col: col + delta})
    )
    bump_page_version(conn)


def _local_count(conn: Connection, paper_id: str) -> int:
    return int(
        conn.scalar(select(paper_stats.c.upvotes).where(paper_stats.c.paper_id == paper_id)) or 0
    )


def set_upvote(*, store: Store, user_id: int, paper_id: str, upvoted: bool, now: datetime) -> int:
    """Make the user's upvote exist (or not); returns the paper's local upvote count.
    Idempotent: upvoting twice counts once."""
    with store.write() as conn:
        if upvoted:
            added = insert_ignoring_duplicates(
                conn, upvotes, {"user_id": user_id, "paper_id": paper_id, "created_at": now}
            )
            if added:
                bump_stat(conn, paper_id, "upvotes", 1)
        else:
            removed = conn.execute(
                delete(upvotes).where(upvotes.c.user_id == user_id, upvotes.c.paper_id == paper_id)
            ).rowcount
            if removed:
                bump_stat(conn, paper_id, "upvotes", -1)
        return _local_count(conn, paper_id)


def toggle_upvote(*, store: Store, user_id: int, paper_id: str, now: datetime) -> tuple[bool, int]:
    """Flip the user's upvote; returns (upvoted now, local count)."""
    with store.write() as conn:
        removed = conn.execute(
            delete(upvotes).where(upvotes.c.user_id == user_id, upvotes.c.paper_id == paper_id)
        ).rowcount
        if removed:
            bump_stat(conn, paper_id, "upvotes", -1)
        else:
            # A concurrent click of the same user may have inserted it first.
            if insert_ignoring_duplicates(
                conn, upvotes, {"user_id": user_id, "paper_id": paper_id, "created_at": now}
            ):
                bump_stat(conn, paper_id, "upvotes", 1)
        return not removed, _local_count(conn, paper_id)


def get_stats(*, store: Store, paper_ids: Sequence[str]) -> dict[str, PaperStats]:
    """Activity counts for each known paper in ``paper_ids`` (zeros when none)."""
    out: dict[str, PaperStats] = {}
    ids = list(dict.fromkeys(paper_ids))
    with store.read() as conn:
        for chunk in chunks(ids):
            for row in conn.execute(_stats_statement(), {"ids": chunk}):
                out[row.paper_id] = PaperStats(
                    paper_id=row.paper_id,
                    upvotes=row.upvotes or 0,
                    saves=row.saves or 0,
                    external_upvotes=row.external_upvotes or 0,
                )
    return out


@functools.cache
def _stats_statement() -> Select[Any]:
    """Built once: every list of cards asks for its papers' counts."""
    return (
        select(
            papers.c.paper_id,
            papers.c.external_upvotes,
            paper_stats.c.upvotes,
            paper_stats.c.saves,
        )
        .select_from(papers.outerjoin(paper_stats, paper_stats.c.paper_id == papers.c.paper_id))
        .where(papers.c.paper_id.in_(bindparam("ids", expanding=True)))
    )


def upvoted_by(*, store: Store, user_id: int, paper_ids: Sequence[str]) -> set[str]:
    """Which of ``paper_ids`` the user has upvoted."""
    return found_ids(
        store=store, column=upvotes.c.paper_id, ids=paper_ids, where=upvotes.c.user_id == user_id
    )
