"""A plain title match, used by the web while the search index is not built: every
term must occur in the title (case-insensitive), optionally filtered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from paperscope.store.citations import citations_sort_key
from paperscope.store.database import Store
from paperscope.store.papers import (
    LISTING_WALK_MIN,
    author_key,
    count_in_categories,
    date_order,
    has_code_condition,
    in_categories,
    listing_day,
    walks_listing,
)
from paperscope.store.schema import paper_authors, papers
from paperscope.store.schema_citations import paper_citations


def search_titles(
    *,
    store: Store,
    terms: Sequence[str],
    categories: Sequence[str] = (),
    authors: Sequence[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    newest_first: bool = True,
    by_citations: bool = False,
    limit: int = 20,
    offset: int = 0,
    has_code: bool = False,
    within: str | None = None,
) -> tuple[list[tuple[str, str, str]], int]:
    """(paper_id, title, abstract) of a page of matches, and the number of matches;
    ``by_citations`` puts the most cited first (OpenAlex counts), then by date;
    ``has_code`` keeps papers with a code link; ``within``: only papers in this
    category (or archive) as well as in one of ``categories``."""
    conds = [func.lower(papers.c.title).contains(t.lower(), autoescape=True) for t in terms]
    if within is not None:
        conds.append(in_categories([within]))
    if has_code:
        conds.append(has_code_condition())
    if authors:
        keys = [author_key(a) for a in authors]
        conds.append(
            papers.c.paper_id.in_(
                select(paper_authors.c.paper_id).where(
                    or_(*(paper_authors.c.name_key == k for k in keys))
                )
            )
        )
    day = listing_day()
    if date_from:
        conds.append(day >= datetime.combine(date_from, time(), tzinfo=UTC))
    if date_to:
        conds.append(day < datetime.combine(date_to + timedelta(days=1), time(), tzinfo=UTC))
    by_date = date_order(newest_first=newest_first)
    with store.read() as conn:
        # A name without a dot may be a whole archive ("cs" for cs.LG, cs.CL...), as
        # cat:cs is in the search index; a dotless category (hep-th) matches itself.
        in_category = []
        if categories:
            per_paper = has_code and _from_code(conn, categories)
            in_category = [in_categories(categories, per_paper=per_paper)]
        where = and_(True, *conds, *in_category)
        if categories and not conds:
            total = count_in_categories(conn, categories)
        else:
            total = int(conn.scalar(select(func.count()).select_from(papers).where(where)) or 0)
        walking = bool(categories) and walks_listing(
            conn, matches=total, offset=offset, limit=limit
        )
        # The same list tested paper by paper, for reads that walk another index.
        each = (
            and_(True, *conds, in_categories(categories, per_paper=True)) if categories else where
        )
        q = select(papers.c.paper_id, papers.c.title, papers.c.abstract)
        counts = _counts(conn, each, offset + limit) if by_citations and walking else None
        # The count of the page's last paper, when that many papers of the list have one.
        floor = counts[-1] if counts and len(counts) == offset + limit else None
        if not by_citations or counts == []:
            # By date; also "most cited first" when no paper of the list has a count.
            q = q.where(each if walking else where).order_by(*by_date, papers.c.paper_id)
        else:
            q = q.select_from(papers.outerjoin(paper_citations))
            if floor is not None:
                # The page lies among the papers cited at least as often as the last
                # paper of the page: only those are sorted, not the whole list.
                q = q.where(each, paper_citations.c.cited_by_count >= floor)
            else:
                q = q.where(where)
            q = q.order_by(citations_sort_key().desc(), *by_date, papers.c.paper_id)
        rows = conn.execute(q.limit(limit).offset(offset)).all()
    return [(r.paper_id, r.title, r.abstract or "") for r in rows], total


def _from_code(conn: Connection, categories: Sequence[str]) -> bool:
    """Whether a "has code" list of ``categories`` is read from the papers with code
    (ix_papers_with_code), testing each for the categories, rather than from the
    categories' papers, testing each for a code link: whichever set is smaller. The
    second count is only taken for large categories, where the choice matters."""
    in_category = count_in_categories(conn, categories)
    if in_category < LISTING_WALK_MIN:
        return False
    with_code = conn.scalar(select(func.count()).select_from(papers).where(has_code_condition()))
    return int(with_code or 0) < in_category


def _counts(conn: Connection, where: ColumnElement[bool], most: int) -> list[int]:
    """The citation counts of the ``most`` most cited papers ``where`` selects, highest
    first, read from ix_paper_citations_cited_by_count; papers without one are left out."""
    q = (
        select(paper_citations.c.cited_by_count)
        .select_from(paper_citations.join(papers))
        .where(where, paper_citations.c.cited_by_count.is_not(None))
        .order_by(paper_citations.c.cited_by_count.desc())
        .limit(most)
    )
    return [int(count) for count in conn.scalars(q)]
