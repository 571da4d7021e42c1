"""Citation counts and references: which papers still need them, the identifiers
OpenAlex works resolve to, saving one batch atomically, and reading them back for pages,
lists and search."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import (
    ColumnElement,
    Connection,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from paperscope.models import PaperCitations
from paperscope.store.chunks import chunks
from paperscope.store.database import Store
from paperscope.store.page_versions import bump_page_version
from paperscope.store.papers import listing_day
from paperscope.store.schema import papers
from paperscope.store.schema_citations import openalex_works, paper_citations, paper_references


@dataclass(frozen=True, slots=True)
class CitationTarget:
    """A paper to look up, with the identifiers OpenAlex knows works by."""

    paper_id: str
    arxiv_id: str | None
    doi: str | None


@dataclass(frozen=True, slots=True)
class FoundWork:
    """A paper's OpenAlex work, as saved."""

    paper_id: str
    openalex_id: str
    cited_by_count: int
    reference_count: int
    references: tuple[str, ...]  # cited paper ids in this store


def _paper_date() -> ColumnElement[datetime]:
    return listing_day()


def _wanted(since: date | None, stale_before: datetime) -> list[ColumnElement[bool]]:
    """Papers that can be looked up (an arXiv id or DOI) and have no fresh counts."""
    conditions: list[ColumnElement[bool]] = [
        or_(papers.c.arxiv_id.is_not(None), papers.c.doi.is_not(None)),
        or_(
            paper_citations.c.paper_id.is_(None),
            paper_citations.c.fetched_at < stale_before,
        ),
    ]
    if since is not None:
        conditions.append(_paper_date() >= datetime.combine(since, time(), tzinfo=UTC))
    return conditions


def papers_needing_citations(
    *,
    store: Store,
    stale_before: datetime,
    since: date | None = None,
    after: str | None = None,
    limit: int = 50,
) -> list[CitationTarget]:
    """The next papers without counts fetched since ``stale_before``, in paper-id
    order after ``after`` (a run walks the store once, never revisiting a paper). The
    database's own order, so the primary key's index serves it on every backend."""
    key = papers.c.paper_id
    q = (
        select(papers.c.paper_id, papers.c.arxiv_id, papers.c.doi)
        .select_from(papers.outerjoin(paper_citations))
        .where(*_wanted(since, stale_before))
        .order_by(key)
        .limit(limit)
    )
    if after is not None:
        q = q.where(key > after)
    with store.read() as conn:
        return [CitationTarget(*row) for row in conn.execute(q)]


def count_papers_needing_citations(
    *, store: Store, stale_before: datetime, since: date | None = None
) -> int:
    q = (
        select(func.count())
        .select_from(papers.outerjoin(paper_citations))
        .where(*_wanted(since, stale_before))
    )
    with store.read() as conn:
        return int(conn.scalar(q) or 0)


def papers_by_identifiers(
    *, store: Store, arxiv_ids: Iterable[str], dois: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Stored papers by arXiv id and by DOI (compared lower-case): two maps to paper ids."""
    by_arxiv: dict[str, str] = {}
    by_doi: dict[str, str] = {}
    doi_key = func.lower(papers.c.doi)
    with store.read() as conn:
        for chunk in chunks(sorted(set(arxiv_ids))):
            q = select(papers.c.arxiv_id, papers.c.paper_id).where(papers.c.arxiv_id.in_(chunk))
            by_arxiv.update({a: p for a, p in conn.execute(q)})
        for chunk in chunks(sorted({d.lower() for d in dois})):
            q2 = select(doi_key, papers.c.paper_id).where(doi_key.in_(chunk))
            for doi, paper_id in conn.execute(q2.order_by(papers.c.paper_id)):
                by_doi.setdefault(doi, paper_id)
    return by_arxiv, by_doi


def known_openalex_works(
    *, store: Store, openalex_ids: Iterable[str], checked_after: datetime
) -> dict[str, str | None]:
    """What each work id is known to be: a stored paper's id, or None for a work
    looked up since ``checked_after`` that matched no paper. Unknown ids are absent."""
    known: dict[str, str | None] = {}
    ids = sorted(set(openalex_ids))
    with store.read() as conn:
        for chunk in chunks(ids):
            q = select(openalex_works.c.openalex_id, openalex_works.c.paper_id).where(
                openalex_works.c.openalex_id.in_(chunk),
                or_(
                    openalex_works.c.paper_id.is_not(None),
                    openalex_works.c.checked_at >= checked_after,
                ),
            )
            known.update({w: p for w, p in conn.execute(q)})
        # A paper's own fetched work id beats an older "no such paper" verdict.
        for chunk in chunks(ids):
            q2 = select(paper_citations.c.openalex_id, paper_citations.c.paper_id).where(
                paper_citations.c.openalex_id.in_(chunk)
            )
            known.update({w: p for w, p in conn.execute(q2.order_by(paper_citations.c.paper_id))})
    return known


def save_citations(
    *,
    store: Store,
    found: Sequence[FoundWork],
    not_found: Sequence[str],
    resolved: Mapping[str, str | None],
    fetched_at: datetime,
) -> None:
    """One batch in one transaction: counts of the papers OpenAlex knows, a "not in
    OpenAlex" mark for ``not_found``, each citing paper's references replaced, and
    the resolution of each looked-up work id remembered."""
    with store.write() as conn:
        rows = [
            {
                "paper_id": f.paper_id,
                "openalex_id": f.openalex_id,
                "cited_by_count": f.cited_by_count,
                "reference_count": f.reference_count,
                "fetched_at": fetched_at,
            }
            for f in found
        ]
        rows += [
            {
                "paper_id": p,
                "openalex_id": None,
                "cited_by_count": None,
                "reference_count": None,
                "fetched_at": fetched_at,
            }
            for p in not_found
        ]
        _replace_rows(conn, rows)
        citing = [f.paper_id for f in found] + list(not_found)
        for chunk in chunks(citing):
            conn.execute(
                delete(paper_references).where(paper_references.c.citing_paper_id.in_(chunk))
            )
        edges = [
            {"citing_paper_id": f.paper_id, "cited_paper_id": cited}
            for f in found
            for cited in dict.fromkeys(f.references)
            if cited != f.paper_id
        ]
        if edges:
            conn.execute(insert(paper_references), edges)
        _remember_works(conn, resolved, fetched_at)
        bump_page_version(conn, now=fetched_at)


def _replace_rows(conn: Connection, rows: list[dict[str, object]]) -> None:
    ids = [str(r["paper_id"]) for r in rows]
    for chunk in chunks(ids):
        conn.execute(delete(paper_citations).where(paper_citations.c.paper_id.in_(chunk)))
    if rows:
        conn.execute(insert(paper_citations), rows)


def _remember_works(
    conn: Connection, resolved: Mapping[str, str | None], checked_at: datetime
) -> None:
    ids = sorted(resolved)
    existing: set[str] = set()
    for chunk in chunks(ids):
        existing.update(
            conn.scalars(
                select(openalex_works.c.openalex_id).where(openalex_works.c.openalex_id.in_(chunk))
            )
        )
    new = [
        {"openalex_id": w, "paper_id": resolved[w], "checked_at": checked_at}
        for w in ids
        if w not in existing
    ]
    if new:
        conn.execute(insert(openalex_works), new)
    for w in sorted(existing):
        conn.execute(
            update(openalex_works)
            .where(openalex_works.c.openalex_id == w)
            .values(paper_id=resolved[w], checked_at=checked_at)
        )


# ------------------------------------------------------------------ reading


def get_paper_citations(*, store: Store, paper_id: str) -> PaperCitations | None:
    """A paper's counts and its references in the store (most cited first), or None
    when citations were never fetched for it."""
    with store.read() as conn:
        row = conn.execute(
            select(paper_citations).where(paper_citations.c.paper_id == paper_id)
        ).first()
        if row is None:
            return None
        cited_count = func.coalesce(paper_citations.c.cited_by_count, -1)
        references = conn.scalars(
            select(paper_references.c.cited_paper_id)
            .select_from(
                paper_references.outerjoin(
                    paper_citations,
                    paper_citations.c.paper_id == paper_references.c.cited_paper_id,
                )
            )
            .where(paper_references.c.citing_paper_id == paper_id)
            .order_by(cited_count.desc(), paper_references.c.cited_paper_id)
        ).all()
    return PaperCitations(
        paper_id=row.paper_id,
        openalex_id=row.openalex_id,
        cited_by_count=row.cited_by_count,
        reference_count=row.reference_count,
        references=tuple(references),
        fetched_at=row.fetched_at,
    )


def cited_by_counts(*, store: Store, paper_ids: Sequence[str]) -> dict[str, int]:
    """Citation counts of those papers that have one."""
    counts: dict[str, int] = {}
    with store.read() as conn:
        for chunk in chunks(list(dict.fromkeys(paper_ids))):
            q = select(paper_citations.c.paper_id, paper_citations.c.cited_by_count).where(
                paper_citations.c.paper_id.in_(chunk),
                paper_citations.c.cited_by_count.is_not(None),
            )
            counts.update({p: int(c) for p, c in conn.execute(q)})
    return counts


def order_by_citations(*, store: Store, paper_ids: Sequence[str]) -> list[str]:
    """``paper_ids`` most cited first; papers without a count keep their given order
    after the counted ones, and ties keep it too (a stable sort)."""
    counts = cited_by_counts(store=store, paper_ids=paper_ids)
    return sorted(dict.fromkeys(paper_ids), key=lambda p: -counts.get(p, -1))


def citations_sort_key() -> ColumnElement[int]:
    """An ORDER BY term (descending) for queries over ``papers`` that join
    ``paper_citations``: counted papers first, most cited first."""
    return func.coalesce(paper_citations.c.cited_by_count, literal(-1))


def citation_totals(*, store: Store) -> dict[str, int]:
    """How far enrichment got: papers with counts, papers OpenAlex lacks, references."""
    with store.read() as conn:
        with_counts = conn.scalar(
            select(func.count()).where(paper_citations.c.openalex_id.is_not(None))
        )
        missing = conn.scalar(select(func.count()).where(paper_citations.c.openalex_id.is_(None)))
        edges = conn.scalar(select(func.count()).select_from(paper_references))
    return {
        "with_counts": int(with_counts or 0),
        "not_in_openalex": int(missing or 0),
        "references_in_store": int(edges or 0),
    }
