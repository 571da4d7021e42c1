"""Each user's library: saved papers with tags, a note and a read flag. Every query
is scoped by user_id, so one user's items are never visible to another."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from paperscope.models import LibraryItem
from paperscope.store.chunks import chunks, found_ids
from paperscope.store.database import Store
from paperscope.store.schema_accounts import library_items, library_tags
from paperscope.store.upvotes import bump_stat, insert_ignoring_duplicates

MAX_TAG_LENGTH = 64
MAX_TAGS_PER_ITEM = 20


class InvalidTags(ValueError):
    """Tags a reader typed that cannot be kept as they are (too long, too many)."""


_NOT_IN_TAGS = re.compile(r"[^\w\-./+#]")
_TAG_CHARACTERS = "letters, digits and - _ . / + # (spaces become hyphens)"


def normalise_tags(raw: Iterable[str], *, strict: bool = False) -> tuple[str, ...]:
    """Lower-case, hyphenated, de-duplicated tags ("Reading List" -> "reading-list")
    made of letters, digits, '-', '_', '.', '/', '+' and '#' (so that "C++" and "C#"
    stay themselves). Tags a reader typed are ``strict``: a tag with any other
    character ("<b>x</b>"), one too long, or too many, is refused rather than changed
    behind their back. An imported file's keywords are not: other characters are
    dropped and long ones cut, so one odd keyword never stops an import."""
    out: dict[str, None] = {}
    for text in raw:
        for part in text.split(","):
            tag = re.sub(r"\s+", "-", unicodedata.normalize("NFC", part.strip()).casefold())
            if strict and _NOT_IN_TAGS.search(tag):
                raise InvalidTags(_refusal(part.strip(), tag))
            tag = _NOT_IN_TAGS.sub("", tag).strip("-")
            if strict and len(tag) > MAX_TAG_LENGTH:
                raise InvalidTags(
                    f"The tag {tag[:20]}… is {len(tag)} characters long; "
                    f"tags are at most {MAX_TAG_LENGTH} characters."
                )
            tag = tag[:MAX_TAG_LENGTH].strip("-")
            if tag:
                out[tag] = None
    if strict and len(out) > MAX_TAGS_PER_ITEM:
        raise InvalidTags(
            f"{len(out)} tags given; a paper can have at most {MAX_TAGS_PER_ITEM} tags."
        )
    return tuple(out)[:MAX_TAGS_PER_ITEM]


def _refusal(typed: str, tag: str) -> str:
    found = dict.fromkeys(_NOT_IN_TAGS.findall(tag))
    shown = " ".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in found)
    name = typed if len(typed) <= 40 else typed[:40] + "…"
    return f"The tag “{name}” has characters tags cannot hold ({shown}): use {_TAG_CHARACTERS}."


def _tags(conn: Connection, user_id: int, paper_ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    if not paper_ids:
        return found
    rows = conn.execute(
        select(library_tags.c.paper_id, library_tags.c.tag)
        .where(library_tags.c.user_id == user_id, library_tags.c.paper_id.in_(list(paper_ids)))
        .order_by(library_tags.c.tag)
    )
    for pid, tag in rows:
        found[pid].append(tag)
    return found


def _item(row: Any, tags: list[str]) -> LibraryItem:
    return LibraryItem(
        paper_id=row.paper_id,
        saved_at=row.saved_at,
        tags=tuple(tags),
        note=row.note or "",
        is_read=bool(row.is_read),
    )


def _replace_tags(conn: Connection, user_id: int, paper_id: str, tags: Sequence[str]) -> None:
    conn.execute(
        delete(library_tags).where(
            library_tags.c.user_id == user_id, library_tags.c.paper_id == paper_id
        )
    )
    if tags:
        conn.execute(
            insert(library_tags),
            [{"user_id": user_id, "paper_id": paper_id, "tag": t} for t in tags],
        )


def save_paper(
    *,
    store: Store,
    user_id: int,
    paper_id: str,
    now: datetime,
    tags: Sequence[str] | None = None,
    note: str | None = None,
) -> LibraryItem:
    """Save a paper (idempotent); given tags replace the item's tags, a given note its
    note. Raises InvalidTags, before anything is written, for a tag too long."""
    if tags is not None:
        normalise_tags(tags, strict=True)
    with store.write() as conn:
        added = insert_ignoring_duplicates(
            conn, library_items, {"user_id": user_id, "paper_id": paper_id, "saved_at": now}
        )
        if added:
            bump_stat(conn, paper_id, "saves", 1)
        _apply_changes(conn, user_id, paper_id, tags=tags, note=note, is_read=None)
        item = _get(conn, user_id, paper_id)
    assert item is not None
    return item


def update_item(
    *,
    store: Store,
    user_id: int,
    paper_id: str,
    tags: Sequence[str] | None = None,
    note: str | None = None,
    is_read: bool | None = None,
) -> LibraryItem | None:
    """Change a saved item; None when the user has not saved that paper."""
    with store.write() as conn:
        if _get(conn, user_id, paper_id) is None:
            return None
        _apply_changes(conn, user_id, paper_id, tags=tags, note=note, is_read=is_read)
        return _get(conn, user_id, paper_id)


def _apply_changes(
    conn: Connection,
    user_id: int,
    paper_id: str,
    *,
    tags: Sequence[str] | None,
    note: str | None,
    is_read: bool | None,
) -> None:
    values: dict[str, Any] = {}
    if note is not None:
        values["note"] = note
    if is_read is not None:
        values["is_read"] = is_read
    if values:
        conn.execute(
            update(library_items)
            .where(library_items.c.user_id == user_id, library_items.c.paper_id == paper_id)
            .values(**values)
        )
    if tags is not None:
        _replace_tags(conn, user_id, paper_id, normalise_tags(tags, strict=True))


def remove_paper(*, store: Store, user_id: int, paper_id: str) -> bool:
    with store.write() as conn:
        conn.execute(
            delete(library_tags).where(
                library_tags.c.user_id == user_id, library_tags.c.paper_id == paper_id
            )
        )
        removed = conn.execute(
            delete(library_items).where(
                library_items.c.user_id == user_id, library_items.c.paper_id == paper_id
            )
        ).rowcount
        if removed:
            bump_stat(conn, paper_id, "saves", -1)
    return bool(removed)


def _get(conn: Connection, user_id: int, paper_id: str) -> LibraryItem | None:
    row = conn.execute(
        select(library_items).where(
            library_items.c.user_id == user_id, library_items.c.paper_id == paper_id
        )
    ).first()
    if row is None:
        return None
    return _item(row, _tags(conn, user_id, [paper_id]).get(paper_id, []))


def get_item(*, store: Store, user_id: int, paper_id: str) -> LibraryItem | None:
    with store.read() as conn:
        return _get(conn, user_id, paper_id)


def list_items(
    *,
    store: Store,
    user_id: int,
    tag: str | None = None,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[LibraryItem], int]:
    """A page of the user's items, newest save first, and how many match in all."""
    q = select(library_items).where(library_items.c.user_id == user_id)
    if tag:
        q = q.where(
            library_items.c.paper_id.in_(
                select(library_tags.c.paper_id).where(
                    library_tags.c.user_id == user_id, library_tags.c.tag == tag
                )
            )
        )
    if unread_only:
        q = q.where(library_items.c.is_read.is_(False))
    with store.read() as conn:
        total = int(conn.scalar(select(func.count()).select_from(q.subquery())) or 0)
        rows = conn.execute(
            q.order_by(library_items.c.saved_at.desc(), library_items.c.paper_id)
            .limit(limit)
            .offset(offset)
        ).all()
        tags = _tags(conn, user_id, [r.paper_id for r in rows])
    return [_item(r, tags.get(r.paper_id, [])) for r in rows], total


def list_tags(*, store: Store, user_id: int) -> list[tuple[str, int]]:
    """The user's tags with how many papers carry each, alphabetically."""
    with store.read() as conn:
        rows = conn.execute(
            select(library_tags.c.tag, func.count())
            .where(library_tags.c.user_id == user_id)
            .group_by(library_tags.c.tag)
            .order_by(library_tags.c.tag)
        )
        return [(tag, int(n)) for tag, n in rows]


def saved_by(*, store: Store, user_id: int, paper_ids: Sequence[str]) -> set[str]:
    """Which of ``paper_ids`` are in the user's library."""
    return found_ids(
        store=store,
        column=library_items.c.paper_id,
        ids=paper_ids,
        where=library_items.c.user_id == user_id,
    )


def save_many(
    *,
    store: Store,
    user_id: int,
    items: Sequence[tuple[str, Sequence[str], str]],
    now: datetime,
) -> tuple[int, int]:
    """Save (paper_id, tags, note) items in one transaction, for bibliography imports.

    Idempotent: tags are added to the item's tags (never removed), and a note is only
    written where the item has none, so importing the same file twice changes nothing
    and the reader's own edits survive a re-import. Returns (added, changed): items new
    to the library, and existing items that gained a tag or a note."""
    added = changed = 0
    with store.write() as conn:
        for chunk in chunks(items):
            a, c = _save_chunk(conn, user_id, chunk, now)
            added, changed = added + a, changed + c
    return added, changed


def _save_chunk(
    conn: Connection,
    user_id: int,
    items: Sequence[tuple[str, Sequence[str], str]],
    now: datetime,
) -> tuple[int, int]:
    ids = list(dict.fromkeys(pid for pid, _, _ in items))
    tags_now = _tags(conn, user_id, ids)
    notes: dict[str, str] = {
        pid: note or ""
        for pid, note in conn.execute(
            select(library_items.c.paper_id, library_items.c.note).where(
                library_items.c.user_id == user_id, library_items.c.paper_id.in_(ids)
            )
        )
    }
    added = changed = 0
    for paper_id, tags, note in items:
        is_new = insert_ignoring_duplicates(
            conn, library_items, {"user_id": user_id, "paper_id": paper_id, "saved_at": now}
        )
        if is_new:
            bump_stat(conn, paper_id, "saves", 1)
        old = tags_now.get(paper_id, [])
        merged = normalise_tags([*old, *tags])
        new_tags = merged if set(merged) != set(old) else None
        new_note = note if note and not notes.get(paper_id) else None
        _apply_changes(conn, user_id, paper_id, tags=new_tags, note=new_note, is_read=None)
        tags_now[paper_id] = list(merged)
        if new_note:
            notes[paper_id] = new_note
        if is_new:
            added += 1
        elif new_tags is not None or new_note is not None:
            changed += 1
    return added, changed
