"""Find papers by the identifiers a bibliography carries: arXiv ids, DOIs and titles.

Every look-up is bounded: ids go in chunks through indexed columns where there is one
(paper_id, arxiv_id, title_key), and fuzzy title candidates come from a LIMITed query,
so a large store is never read whole."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, func, or_, select

from paperscope.store.chunks import ID_CHUNK, chunks
from paperscope.store.database import Store
from paperscope.store.schema import paper_authors, papers


def paper_ids_by_arxiv(*, store: Store, arxiv_ids: Sequence[str]) -> dict[str, str]:
    """{arXiv id (no version): paper_id} for the ids the store holds."""
    wanted = list(dict.fromkeys(arxiv_ids))
    found: dict[str, str] = {}
    with store.read() as conn:
        for chunk in chunks(wanted, ID_CHUNK // 2):
            rows = conn.execute(
                select(papers.c.paper_id, papers.c.arxiv_id).where(
                    or_(papers.c.paper_id.in_(chunk), papers.c.arxiv_id.in_(chunk))
                )
            )
            for paper_id, arxiv_id in rows:
                found[arxiv_id or paper_id] = paper_id
    return {a: found[a] for a in wanted if a in found}


def paper_ids_by_doi(*, store: Store, dois: Sequence[str]) -> dict[str, str]:
    """{lower-case DOI: paper_id}; DOIs compare case-insensitively (through the
    ix_papers_doi_lower expression index)."""
    wanted = list(dict.fromkeys(d.casefold() for d in dois))
    found: dict[str, str] = {}
    with store.read() as conn:
        for chunk in chunks(wanted):
            rows = conn.execute(
                select(func.lower(papers.c.doi), papers.c.paper_id)
                .where(papers.c.doi.is_not(None), func.lower(papers.c.doi).in_(chunk))
                .order_by(papers.c.paper_id)
            )
            for doi, paper_id in rows:
                found.setdefault(doi, paper_id)
    return found


def papers_by_title_key(
    *, store: Store, title_keys: Sequence[str]
) -> dict[str, list[tuple[str, str]]]:
    """{title_key: [(paper_id, title), ...]} for exact normalised-title matches."""
    wanted = list(dict.fromkeys(title_keys))
    found: dict[str, list[tuple[str, str]]] = {}
    with store.read() as conn:
        for chunk in chunks(wanted):
            rows = conn.execute(
                select(papers.c.title_key, papers.c.paper_id, papers.c.title)
                .where(papers.c.title_key.in_(chunk))
                .order_by(papers.c.paper_id)
            )
            for key, paper_id, title in rows:
                found.setdefault(key, []).append((paper_id, title))
    return found


def title_candidates(
    *, store: Store, words: Sequence[str], limit: int, initials_keys: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(paper_id, title) of at most ``limit`` papers whose title contains (ignoring
    case) every word, or with three words any two of them, so that one word spelt
    differently ("characterisations") does not hide the paper: the candidates a fuzzy
    title match then scores. With ``initials_keys`` (models.initials_key values) only
    papers by one of those authors qualify, found through the author index instead of
    a scan of every title."""
    if not words:
        return []
    with store.read() as conn:
        # SQLite's LIKE already ignores ASCII case, and lower() on every row costs more
        # than the match; PostgreSQL needs ILIKE.
        if conn.dialect.name == "sqlite":
            has = [papers.c.title.contains(w, autoescape=True) for w in words]
        else:
            has = [papers.c.title.icontains(w, autoescape=True) for w in words]
        if len(has) == 3:
            a, b, c = has
            where = or_(and_(a, or_(b, c)), and_(b, c))
        else:
            where = and_(*has)
        if initials_keys:
            by_authors = select(paper_authors.c.paper_id).where(
                paper_authors.c.initials_key.in_(list(dict.fromkeys(initials_keys))[:ID_CHUNK])
            )
            where = and_(papers.c.paper_id.in_(by_authors), where)
        rows = conn.execute(select(papers.c.paper_id, papers.c.title).where(where).limit(limit))
        return [(r.paper_id, r.title) for r in rows]
