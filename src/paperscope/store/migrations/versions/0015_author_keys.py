"""author keys: author names that differ only in spelling conventions get one key
("Søren" == "Soren", "Łukasz" == "Lukasz", "C.-P. Yuan" == "C.P. Yuan" == "C. P. Yuan",
"Jean-Pierre" == "Jean Pierre", "O’Brien" == "O'Brien"), so an author page, a follow or
a claim finds every paper of the author

The stored keys (paper_authors.name_key, authorship_claims.author_key and the targets
of author follows) are computed again from the names they were made from, a batch at a
time so that memory stays bounded on millions of rows. Two author follows of one
reader that now have the same key become one: the older follow is kept. Downgrading
computes the previous keys again.

Revision ID: 0015_author_keys
Revises: 0014_stable_row_ids
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015_author_keys"
down_revision = "0014_stable_row_ids"
branch_labels = None
depends_on = None

BATCH = 5000
FOLLOW_TARGET_CHARS = 300  # follows.target is String(300)

# Frozen copies of the two key functions, as they were when this revision was written:
# a migration must give the same result whenever it runs, so it never imports
# paperscope.models.author_key, which may change later (a later change of the rules
# comes with its own migration).

_SPELLINGS = str.maketrans(
    {
        ".": " ",
        "-": " ",
        "\u2010": " ",
        "\u2011": " ",
        "\u2012": " ",
        "\u2013": " ",
        "\u2014": " ",
        "\u2212": " ",
        "'": None,
        "`": None,
        "\u2018": None,
        "\u2019": None,
        "\u02bc": None,
        "\u00ad": None,
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ı": "i",
    }
)
_ASCII_SPACES = bytes.maketrans(b".-", b"  ")


def new_key(name: str) -> str:
    """author_key as of this revision."""
    if name.isascii():
        return _ascii_key(name)
    folded = unicodedata.normalize("NFKD", name.replace("\u00b4", "").casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    if plain.isascii():
        return _ascii_key(plain)
    return " ".join(plain.translate(_SPELLINGS).split())


def _ascii_key(name: str) -> str:
    spelled = name.encode("ascii").lower().translate(_ASCII_SPACES, b"'`")
    return b" ".join(spelled.split()).decode("ascii")


def old_key(name: str) -> str:
    """author_key before this revision: case and combining accents aside."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


_paper_authors = sa.table(
    "paper_authors",
    sa.column("paper_id", sa.String),
    sa.column("position", sa.Integer),
    sa.column("name", sa.Text),
    sa.column("name_key", sa.Text),
)
_claims = sa.table(
    "authorship_claims",
    sa.column("claim_id", sa.Integer),
    sa.column("author_name", sa.Text),
    sa.column("author_key", sa.Text),
)
_follows = sa.table(
    "follows",
    sa.column("user_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("target", sa.String),
    sa.column("label", sa.Text),
    sa.column("created_at"),  # compared as stored: the same format in every row
)


def _batches(
    conn: sa.Connection, query: sa.Select[Any], order: list[Any]
) -> Iterator[Sequence[sa.Row[Any]]]:
    """The rows of ``query`` in pages of BATCH, by keyset on ``order`` (a unique key):
    each page is read whole before the caller updates anything."""
    after: tuple[Any, ...] | None = None
    while True:
        page = query.order_by(*order).limit(BATCH)
        if after is not None:
            page = page.where(sa.tuple_(*order) > sa.tuple_(*after))
        rows = conn.execute(page).all()
        if not rows:
            return
        yield rows
        after = tuple(rows[-1][: len(order)])


def _rekey_paper_authors(conn: sa.Connection, key: Callable[[str], str]) -> None:
    t = _paper_authors
    query = sa.select(t.c.paper_id, t.c.position, t.c.name, t.c.name_key)
    update = (
        t.update()
        .where(t.c.paper_id == sa.bindparam("p"), t.c.position == sa.bindparam("pos"))
        .values(name_key=sa.bindparam("k"))
    )
    for rows in _batches(conn, query, [t.c.paper_id, t.c.position]):
        changed = [
            {"p": r.paper_id, "pos": r.position, "k": k}
            for r in rows
            if (k := key(r.name)) != r.name_key
        ]
        if changed:
            conn.execute(update, changed)


def _rekey_claims(conn: sa.Connection, key: Callable[[str], str]) -> None:
    t = _claims
    query = sa.select(t.c.claim_id, t.c.author_name, t.c.author_key)
    update = (
        t.update().where(t.c.claim_id == sa.bindparam("id")).values(author_key=sa.bindparam("k"))
    )
    for rows in _batches(conn, query, [t.c.claim_id]):
        changed = [
            {"id": r.claim_id, "k": k} for r in rows if (k := key(r.author_name)) != r.author_key
        ]
        if changed:
            conn.execute(update, changed)


def _follow_target(row: Any, key: Callable[[str], str], previous: Callable[[str], str]) -> str:
    """The new target: the key of the name the reader followed (the label), when the
    target was made from it; else the key of the stored target itself."""
    made_from_label = previous(row.label) == row.target
    target = key(row.label) if made_from_label else key(row.target)
    # A key longer than the column holds (a name of 300 "æ") keeps its old target.
    return target if len(target) <= FOLLOW_TARGET_CHARS else row.target


def _rekey_follows(
    conn: sa.Connection, key: Callable[[str], str], previous: Callable[[str], str]
) -> None:
    t = _follows
    author = t.c.kind == "author"
    query = sa.select(t.c.user_id, t.c.target, t.c.label, t.c.created_at).where(author)
    for rows in _batches(conn, query, [t.c.user_id, t.c.target]):
        changed = [(r, k) for r in rows if (k := _follow_target(r, key, previous)) != r.target]
        if not changed:
            continue
        # The follows already under the new targets (made so, or moved there just now).
        present = {
            (r.user_id, r.target): r.created_at
            for r in conn.execute(
                sa.select(t.c.user_id, t.c.target, t.c.created_at).where(
                    author,
                    t.c.user_id.in_({r.user_id for r, _ in changed}),
                    t.c.target.in_({k for _, k in changed}),
                )
            )
        }
        for row, target in changed:
            _move_follow(conn, row, target, present)


def _move_follow(
    conn: sa.Connection, row: Any, target: str, present: dict[tuple[int, str], Any]
) -> None:
    """Give the follow ``row`` the target; when the reader follows that target already,
    keep the older of the two follows."""
    t = _follows
    mine = sa.and_(t.c.user_id == row.user_id, t.c.kind == "author")
    other = present.get((row.user_id, target))
    if other is not None:
        if other <= row.created_at:
            conn.execute(t.delete().where(mine, t.c.target == row.target))
            return
        conn.execute(t.delete().where(mine, t.c.target == target))
    conn.execute(t.update().where(mine, t.c.target == row.target).values(target=target))
    present[(row.user_id, target)] = row.created_at


def _rekey(key: Callable[[str], str], previous: Callable[[str], str]) -> None:
    conn = op.get_bind()
    _rekey_paper_authors(conn, key)
    _rekey_claims(conn, key)
    _rekey_follows(conn, key, previous)


def upgrade() -> None:
    _rekey(new_key, old_key)


def downgrade() -> None:
    _rekey(old_key, new_key)
