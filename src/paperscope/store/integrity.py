"""`paperscope db check`, the database half: SQLite's own integrity and foreign-key
checks; on PostgreSQL, rows whose foreign key points nowhere (constraints can be
dropped or disabled by hand) and indexes the catalog marks invalid (an interrupted
CREATE INDEX CONCURRENTLY). Also the (paper id, seq) listing the index check reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, exists, func, or_, select, text

from paperscope.store.database import Store
from paperscope.store.schema import papers
from paperscope.store.tables import metadata

# Enough to show what is wrong without flooding the terminal.
MAX_LISTED = 20


@dataclass
class CheckSection:
    """One part of the check: what was looked at, and the problems found."""

    name: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(*, store: Store) -> CheckSection:
    with store.read() as conn:
        if store.is_sqlite:
            return _check_sqlite(conn)
        return _check_postgres(conn)


def _check_sqlite(conn: Connection) -> CheckSection:
    section = CheckSection("database (SQLite)")
    results = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA integrity_check")]
    if results != ["ok"]:
        section.problems += [f"integrity_check: {r}" for r in results[:MAX_LISTED]]
    else:
        section.notes.append("integrity_check: ok")
    orphans: dict[tuple[str, str], int] = {}
    for row in conn.exec_driver_sql("PRAGMA foreign_key_check"):
        key = (str(row[0]), str(row[2]))  # child table, parent table
        orphans[key] = orphans.get(key, 0) + 1
    for (child, parent), count in sorted(orphans.items()):
        section.problems.append(f"{child}: {count} row(s) point to missing rows of {parent}")
    if not orphans:
        section.notes.append("foreign_key_check: ok")
    return section


def _check_postgres(conn: Connection) -> CheckSection:
    section = CheckSection("database (PostgreSQL)")
    checked = 0
    for table in metadata.sorted_tables:
        for constraint in table.foreign_key_constraints:
            checked += 1
            pairs = [(el.parent, el.column) for el in constraint.elements]
            parent = pairs[0][1].table
            # An alias, so a table that points to itself (comment replies) still reads
            # as child and parent.
            target = parent.alias()
            matched = exists().where(and_(*(col == target.c[ref.name] for col, ref in pairs)))
            query = (
                select(func.count())
                .select_from(table)
                .where(and_(*(col.is_not(None) for col, _ in pairs)))
                .where(~matched.correlate(table))
            )
            count = int(conn.scalar(query) or 0)
            if count:
                names = ", ".join(col.name for col, _ in pairs)
                section.problems.append(
                    f"{table.name}: {count} row(s) whose {names} point to missing rows "
                    f"of {parent.name}"
                )
    section.notes.append(f"{checked} foreign keys checked for orphan rows")
    invalid = conn.execute(
        text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND (NOT i.indisvalid OR NOT i.indisready)"
        )
    ).scalars()
    for name in invalid:
        section.problems.append(f"index {name} is invalid: drop it and create it again")
    return section


def iter_paper_seqs(*, store: Store, batch_size: int = 50_000) -> Iterator[tuple[str, int, bool]]:
    """Every paper as (paper id, seq, has text to embed), in id order, in batches."""
    has_text = or_(
        func.coalesce(papers.c.title, "") != "", func.coalesce(papers.c.abstract, "") != ""
    )
    after = ""
    while True:
        with store.read() as conn:
            rows = conn.execute(
                select(papers.c.paper_id, papers.c.seq, has_text)
                .where(papers.c.paper_id > after)
                .order_by(papers.c.paper_id)
                .limit(batch_size)
            ).all()
        if not rows:
            return
        for paper_id, seq, text_present in rows:
            yield str(paper_id), int(seq), bool(text_present)
        after = rows[-1][0]
