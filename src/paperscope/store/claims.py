"""Authorship claims: a signed-in user says "I am this printed author of this paper".
A claim is pending until an admin approves or rejects it, or approved at once when the
claimant's verified e-mail domain matches the paper (paperscope.people.claims decides
that; this module only records it).

Other features read approved claims through ``approved_claimant_ids`` (one paper),
``approved_claimants`` (many papers at once) and ``is_approved_author`` (one account)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperscope.store.chunks import chunks
from paperscope.store.database import Store
from paperscope.store.page_versions import bump_page_version
from paperscope.store.papers import author_key
from paperscope.store.schema_accounts import users
from paperscope.store.schema_people import authorship_claims

STATUSES = ("pending", "approved", "rejected")


class DuplicateClaim(Exception):
    """The user already claimed this paper (whatever became of that claim)."""


@dataclass(frozen=True, slots=True)
class Claim:
    claim_id: int
    user_id: int
    username: str
    paper_id: str
    author_name: str
    status: str  # pending | approved | rejected
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


def _claim(row: Any) -> Claim:
    return Claim(
        claim_id=row.claim_id,
        user_id=row.user_id,
        username=row.username,
        paper_id=row.paper_id,
        author_name=row.author_name,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        created_at=row.created_at,
    )


def _select() -> Any:
    return select(authorship_claims, users.c.username).select_from(
        authorship_claims.join(users, users.c.user_id == authorship_claims.c.user_id)
    )


def _get(conn: Connection, claim_id: int) -> Claim | None:
    row = conn.execute(_select().where(authorship_claims.c.claim_id == claim_id)).first()
    return _claim(row) if row else None


def add_claim(
    *,
    store: Store,
    user_id: int,
    paper_id: str,
    author_name: str,
    now: datetime,
    approved_by: str | None = None,
) -> Claim:
    """Record a claim: pending, or approved at once when ``approved_by`` says why
    ("email-domain:example.org"). Raises DuplicateClaim for a second claim of the
    same paper by the same user."""
    values = {
        "user_id": user_id,
        "paper_id": paper_id,
        "author_name": author_name,
        "author_key": author_key(author_name),
        "status": "approved" if approved_by else "pending",
        "decided_by": approved_by,
        "decided_at": now if approved_by else None,
        "created_at": now,
    }
    try:
        with store.write() as conn:
            exists = conn.scalar(
                select(authorship_claims.c.claim_id).where(
                    authorship_claims.c.user_id == user_id,
                    authorship_claims.c.paper_id == paper_id,
                )
            )
            if exists is not None:
                raise DuplicateClaim(paper_id)
            claim_id = conn.execute(insert(authorship_claims).values(values)).inserted_primary_key
            assert claim_id is not None
            if approved_by:  # approved at once: the paper page shows it, cached copies go
                bump_page_version(conn)
            claim = _get(conn, int(claim_id[0]))
    except IntegrityError as exc:  # a concurrent request of the same user won
        raise DuplicateClaim(paper_id) from exc
    assert claim is not None
    return claim


def decide_claim(
    *, store: Store, claim_id: int, approve: bool, decided_by: str, now: datetime
) -> Claim | None:
    """Approve or reject a claim (an admin's decision; deciding again overrides)."""
    with store.write() as conn:
        # The paper page shows this: cached copies must go.
        bump_page_version(conn)
        conn.execute(
            update(authorship_claims)
            .where(authorship_claims.c.claim_id == claim_id)
            .values(
                status="approved" if approve else "rejected", decided_by=decided_by, decided_at=now
            )
        )
        return _get(conn, claim_id)


def withdraw_claim(*, store: Store, user_id: int, paper_id: str) -> bool:
    """The claimant takes their claim back (any status)."""
    with store.write() as conn:
        # An approved claim shows on the paper page: cached copies must go.
        bump_page_version(conn)
        removed = conn.execute(
            delete(authorship_claims).where(
                authorship_claims.c.user_id == user_id, authorship_claims.c.paper_id == paper_id
            )
        ).rowcount
    return bool(removed)


def get_claim(*, store: Store, claim_id: int) -> Claim | None:
    with store.read() as conn:
        return _get(conn, claim_id)


# Read by every signed-in paper page: built once (building costs more than running).
_CLAIM_OF = _select().where(
    authorship_claims.c.user_id == bindparam("user_id"),
    authorship_claims.c.paper_id == bindparam("paper_id"),
)


def claim_of(*, store: Store, user_id: int, paper_id: str) -> Claim | None:
    """The user's own claim on a paper, whatever its status."""
    with store.read() as conn:
        row = conn.execute(_CLAIM_OF, {"user_id": user_id, "paper_id": paper_id}).first()
    return _claim(row) if row else None


def list_claims(
    *,
    store: Store,
    status: str | None = "pending",
    user_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Claim], int]:
    """Claims (oldest first, the admin queue's order), of one account when ``user_id``
    is given, and how many there are in all."""
    q = _select()
    count = select(func.count()).select_from(authorship_claims)
    if status:
        q = q.where(authorship_claims.c.status == status)
        count = count.where(authorship_claims.c.status == status)
    if user_id is not None:
        q = q.where(authorship_claims.c.user_id == user_id)
        count = count.where(authorship_claims.c.user_id == user_id)
    with store.read() as conn:
        total = int(conn.scalar(count) or 0)
        rows = conn.execute(
            q.order_by(authorship_claims.c.created_at, authorship_claims.c.claim_id)
            .limit(limit)
            .offset(offset)
        )
        return [_claim(r) for r in rows], total


def approved_claims(*, store: Store, paper_ids: Sequence[str]) -> dict[str, list[Claim]]:
    """Approved claims of each paper in ``paper_ids`` (papers without any are absent)."""
    out: dict[str, list[Claim]] = defaultdict(list)
    ids = list(dict.fromkeys(paper_ids))
    with store.read() as conn:
        for chunk in chunks(ids):
            rows = conn.execute(
                _select()
                .where(
                    authorship_claims.c.status == "approved",
                    authorship_claims.c.paper_id.in_(chunk),
                )
                .order_by(authorship_claims.c.claim_id)
            )
            for row in rows:
                out[row.paper_id].append(_claim(row))
    return dict(out)


def approved_claimants(*, store: Store, paper_ids: Sequence[str]) -> dict[str, set[int]]:
    """User ids with an approved claim, per paper: the batch form for lists of papers
    (comment threads, cards). Papers nobody claimed map to an empty set."""
    found = approved_claims(store=store, paper_ids=paper_ids)
    return {pid: {c.user_id for c in found.get(pid, [])} for pid in dict.fromkeys(paper_ids)}


def approved_claimant_ids(*, store: Store, paper_id: str) -> set[int]:
    """User ids of the accounts whose claim to be an author of ``paper_id`` is approved."""
    return approved_claimants(store=store, paper_ids=[paper_id])[paper_id]


_APPROVED_AUTHOR = (
    select(authorship_claims.c.claim_id)
    .where(
        authorship_claims.c.user_id == bindparam("user_id"),
        authorship_claims.c.paper_id == bindparam("paper_id"),
        authorship_claims.c.status == "approved",
    )
    .limit(1)
)


def is_approved_author(*, store: Store, user_id: int, paper_id: str) -> bool:
    """Whether the user's claim to be an author of ``paper_id`` is approved: one
    primary-key-sized read, asked on every signed-in paper page (so built once)."""
    with store.read() as conn:
        found = conn.scalar(_APPROVED_AUTHOR, {"user_id": user_id, "paper_id": paper_id})
    return found is not None


def claimed_paper_ids(
    *, store: Store, user_id: int, limit: int = 50, offset: int = 0
) -> tuple[list[str], int]:
    """Papers the user is an approved author of, newest claim first, and the total."""
    where = (authorship_claims.c.user_id == user_id, authorship_claims.c.status == "approved")
    with store.read() as conn:
        total = int(
            conn.scalar(select(func.count()).select_from(authorship_claims).where(*where)) or 0
        )
        ids = conn.scalars(
            select(authorship_claims.c.paper_id)
            .where(*where)
            .order_by(authorship_claims.c.decided_at.desc(), authorship_claims.c.claim_id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(ids), total


def accounts_for_author(*, store: Store, name: str) -> list[tuple[int, str]]:
    """(user id, username) of accounts approved as the author printed as ``name`` on at
    least one paper, most papers first."""
    with store.read() as conn:
        rows = conn.execute(
            select(users.c.user_id, users.c.username, func.count().label("n"))
            .select_from(
                authorship_claims.join(users, users.c.user_id == authorship_claims.c.user_id)
            )
            .where(
                authorship_claims.c.status == "approved",
                authorship_claims.c.author_key == author_key(name),
            )
            .group_by(users.c.user_id, users.c.username)
            .order_by(func.count().desc(), users.c.username)
        )
        return [(r.user_id, r.username) for r in rows]
