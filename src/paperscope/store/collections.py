"""Collections: a user's named, ordered lists of papers, each with a short note,
public (anyone with the link, the owner's profile) or private (the owner only: the web
layer answers 404 to everyone else). Upvotes keep a maintained counter, changed in the
same transaction as the upvote row, like paper upvotes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from paperscope.store.database import Store
from paperscope.store.schema_accounts import users
from paperscope.store.schema_people import collection_items, collection_upvotes, collections
from paperscope.store.upvotes import insert_ignoring_duplicates

MAX_ITEMS = 1000  # papers per collection: a page and an export stay bounded
MAX_COLLECTIONS = 500  # per user


class CollectionFull(Exception):
    """The collection (or the user's set of collections) reached its limit."""


@dataclass(frozen=True, slots=True)
class Collection:
    collection_id: int
    user_id: int
    owner: str  # username
    title: str
    description: str
    is_public: bool
    upvotes: int
    item_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CollectionItem:
    paper_id: str
    position: int
    note: str
    added_at: datetime


def _count() -> Any:
    return (
        select(func.count())
        .where(collection_items.c.collection_id == collections.c.collection_id)
        .scalar_subquery()
        .label("item_count")
    )


def _select() -> Any:
    return select(collections, users.c.username, _count()).select_from(
        collections.join(users, users.c.user_id == collections.c.user_id)
    )


def _collection(row: Any) -> Collection:
    return Collection(
        collection_id=row.collection_id,
        user_id=row.user_id,
        owner=row.username,
        title=row.title,
        description=row.description or "",
        is_public=bool(row.is_public),
        upvotes=int(row.upvotes or 0),
        item_count=int(row.item_count or 0),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _get(conn: Connection, collection_id: int) -> Collection | None:
    row = conn.execute(_select().where(collections.c.collection_id == collection_id)).first()
    return _collection(row) if row else None


def create_collection(
    *, store: Store, user_id: int, title: str, description: str, is_public: bool, now: datetime
) -> Collection:
    with store.write() as conn:
        owned = conn.scalar(
            select(func.count()).select_from(collections).where(collections.c.user_id == user_id)
        )
        if int(owned or 0) >= MAX_COLLECTIONS:
            raise CollectionFull(f"you already have {MAX_COLLECTIONS} collections")
        key = conn.execute(
            insert(collections).values(
                user_id=user_id,
                title=title,
                description=description,
                is_public=is_public,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key
        assert key is not None
        found = _get(conn, int(key[0]))
    assert found is not None
    return found


def get_collection(*, store: Store, collection_id: int) -> Collection | None:
    with store.read() as conn:
        return _get(conn, collection_id)


def update_collection(
    *,
    store: Store,
    collection_id: int,
    now: datetime,
    title: str | None = None,
    description: str | None = None,
    is_public: bool | None = None,
) -> Collection | None:
    values: dict[str, Any] = {"updated_at": now}
    if title is not None:
        values["title"] = title
    if description is not None:
        values["description"] = description
    if is_public is not None:
        values["is_public"] = is_public
    with store.write() as conn:
        conn.execute(
            update(collections).where(collections.c.collection_id == collection_id).values(values)
        )
        return _get(conn, collection_id)


def delete_collection(*, store: Store, collection_id: int) -> bool:
    with store.write() as conn:
        # Children first: SQLite enforces ON DELETE CASCADE only with foreign keys on,
        # which every Store connection has, but a plain sqlite3 shell would not.
        conn.execute(
            delete(collection_items).where(collection_items.c.collection_id == collection_id)
        )
        conn.execute(
            delete(collection_upvotes).where(collection_upvotes.c.collection_id == collection_id)
        )
        removed = conn.execute(
            delete(collections).where(collections.c.collection_id == collection_id)
        ).rowcount
    return bool(removed)


def list_collections(
    *, store: Store, user_id: int, public_only: bool, limit: int = 200
) -> list[Collection]:
    """A user's collections, most recently changed first."""
    q = _select().where(collections.c.user_id == user_id)
    if public_only:
        q = q.where(collections.c.is_public.is_(True))
    q = q.order_by(collections.c.updated_at.desc(), collections.c.collection_id.desc())
    with store.read() as conn:
        return [_collection(r) for r in conn.execute(q.limit(limit))]


_TITLES = (
    select(collections.c.collection_id, collections.c.title)
    .where(collections.c.user_id == bindparam("user_id"))
    .order_by(collections.c.updated_at.desc(), collections.c.collection_id.desc())
    .limit(bindparam("limit"))
)


def collection_titles(*, store: Store, user_id: int, limit: int = 200) -> list[tuple[int, str]]:
    """(id, title) of a user's collections in the order of ``list_collections``: all an
    "add to a collection" menu shows, without the counts and owner a listing needs.
    The statement is built once: the menu is on every signed-in page of cards."""
    with store.read() as conn:
        rows = conn.execute(_TITLES, {"user_id": user_id, "limit": limit})
        return [(int(i), str(t)) for i, t in rows]


def collections_holding(*, store: Store, user_id: int, paper_id: str) -> list[tuple[int, str]]:
    """(id, title) of a user's collections that hold ``paper_id``, by title."""
    query = (
        select(collections.c.collection_id, collections.c.title)
        .join(collection_items, collection_items.c.collection_id == collections.c.collection_id)
        .where(collections.c.user_id == user_id, collection_items.c.paper_id == paper_id)
        .order_by(collections.c.title, collections.c.collection_id)
    )
    with store.read() as conn:
        return [(int(i), str(t)) for i, t in conn.execute(query)]


# ---------------------------------------------------------------- items


def list_items(*, store: Store, collection_id: int) -> list[CollectionItem]:
    """Every item in the owner's order (at most MAX_ITEMS exist)."""
    with store.read() as conn:
        rows = conn.execute(
            select(collection_items)
            .where(collection_items.c.collection_id == collection_id)
            .order_by(collection_items.c.position, collection_items.c.added_at)
        )
        return [CollectionItem(r.paper_id, r.position, r.note or "", r.added_at) for r in rows]


def _touch(conn: Connection, collection_id: int, now: datetime) -> None:
    conn.execute(
        update(collections)
        .where(collections.c.collection_id == collection_id)
        .values(updated_at=now)
    )


def add_item(
    *, store: Store, collection_id: int, paper_id: str, note: str | None, now: datetime
) -> bool:
    """Append a paper (True), or, when it is there already, change its note if one is
    given (False). Raises CollectionFull at MAX_ITEMS."""
    with store.write() as conn:
        there = conn.scalar(
            select(collection_items.c.position).where(
                collection_items.c.collection_id == collection_id,
                collection_items.c.paper_id == paper_id,
            )
        )
        if there is not None:
            if note is not None:
                _set_note(conn, collection_id, paper_id, note)
                _touch(conn, collection_id, now)
            return False
        count, last = conn.execute(
            select(func.count(), func.max(collection_items.c.position)).where(
                collection_items.c.collection_id == collection_id
            )
        ).one()
        if int(count or 0) >= MAX_ITEMS:
            raise CollectionFull(f"a collection holds at most {MAX_ITEMS} papers")
        added = insert_ignoring_duplicates(
            conn,
            collection_items,
            {
                "collection_id": collection_id,
                "paper_id": paper_id,
                "position": (last if last is not None else -1) + 1,
                "note": note or "",
                "added_at": now,
            },
        )
        _touch(conn, collection_id, now)
    return added


def _set_note(conn: Connection, collection_id: int, paper_id: str, note: str) -> int:
    return int(
        conn.execute(
            update(collection_items)
            .where(
                collection_items.c.collection_id == collection_id,
                collection_items.c.paper_id == paper_id,
            )
            .values(note=note)
        ).rowcount
    )


def set_item_note(
    *, store: Store, collection_id: int, paper_id: str, note: str, now: datetime
) -> bool:
    with store.write() as conn:
        changed = _set_note(conn, collection_id, paper_id, note)
        if changed:
            _touch(conn, collection_id, now)
    return bool(changed)


def remove_item(*, store: Store, collection_id: int, paper_id: str, now: datetime) -> bool:
    with store.write() as conn:
        removed = conn.execute(
            delete(collection_items).where(
                collection_items.c.collection_id == collection_id,
                collection_items.c.paper_id == paper_id,
            )
        ).rowcount
        if removed:
            _touch(conn, collection_id, now)
    return bool(removed)


def reorder_items(
    *, store: Store, collection_id: int, paper_ids: Sequence[str], now: datetime
) -> bool:
    """Put the items in the order of ``paper_ids``, which must name each item once;
    False (nothing changed) otherwise."""
    with store.write() as conn:
        current = set(
            conn.scalars(
                select(collection_items.c.paper_id).where(
                    collection_items.c.collection_id == collection_id
                )
            )
        )
        if len(paper_ids) != len(current) or set(paper_ids) != current:
            return False
        for position, paper_id in enumerate(paper_ids):
            conn.execute(
                update(collection_items)
                .where(
                    collection_items.c.collection_id == collection_id,
                    collection_items.c.paper_id == paper_id,
                )
                .values(position=position)
            )
        _touch(conn, collection_id, now)
    return True


def move_item(
    *, store: Store, collection_id: int, paper_id: str, offset: int, now: datetime
) -> bool:
    """Move one item ``offset`` places (-1: up one), clamped to the ends."""
    order = [i.paper_id for i in list_items(store=store, collection_id=collection_id)]
    if paper_id not in order:
        return False
    at = order.index(paper_id)
    order.pop(at)
    order.insert(max(0, min(len(order), at + offset)), paper_id)
    return reorder_items(store=store, collection_id=collection_id, paper_ids=order, now=now)


# ---------------------------------------------------------------- upvotes


def toggle_collection_upvote(
    *, store: Store, collection_id: int, user_id: int, now: datetime
) -> tuple[bool, int]:
    """Flip the user's upvote of a collection; (upvoted now, count)."""
    with store.write() as conn:
        removed = conn.execute(
            delete(collection_upvotes).where(
                collection_upvotes.c.collection_id == collection_id,
                collection_upvotes.c.user_id == user_id,
            )
        ).rowcount
        delta = -1 if removed else 0
        if not removed and insert_ignoring_duplicates(
            conn,
            collection_upvotes,
            {"collection_id": collection_id, "user_id": user_id, "created_at": now},
        ):
            delta = 1
        if delta:
            conn.execute(
                update(collections)
                .where(collections.c.collection_id == collection_id)
                .values(upvotes=collections.c.upvotes + delta)
            )
        count = conn.scalar(
            select(collections.c.upvotes).where(collections.c.collection_id == collection_id)
        )
    return not removed, int(count or 0)


def has_upvoted(*, store: Store, collection_id: int, user_id: int) -> bool:
    with store.read() as conn:
        return (
            conn.scalar(
                select(collection_upvotes.c.user_id).where(
                    collection_upvotes.c.collection_id == collection_id,
                    collection_upvotes.c.user_id == user_id,
                )
            )
            is not None
        )
