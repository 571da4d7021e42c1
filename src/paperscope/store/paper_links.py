"""A paper's code and project links chosen by hand, who may choose them, the "has code"
filter, and the comment counts shown beside a paper."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update

from paperscope.links import safe_url
from paperscope.models import Paper, User
from paperscope.store.claims import is_approved_author
from paperscope.store.database import Store
from paperscope.store.discussions import visible_comment_counts
from paperscope.store.page_versions import bump_page_version
from paperscope.store.papers import get_paper, has_code_condition, resolve_paper_id
from paperscope.store.schema import papers
from paperscope.store.schema_accounts import submissions


class UnknownPaper(LookupError):
    """No paper has that id."""


class NotAnHttpUrl(ValueError):
    """A link that is not an absolute http(s) URL; the message names the field."""


def paper_ids_with_code(store: Store) -> frozenset[str]:
    """Ids of every paper with a code link (the search engine's "has code" filter)."""
    with store.read() as conn:
        return frozenset(conn.scalars(select(papers.c.paper_id).where(has_code_condition())))


def can_edit_links(store: Store, user: User | None, paper_id: str) -> bool:
    """Whether ``user`` may set the paper's code and project links: an administrator,
    someone who submitted the paper to the feed, or an approved author of it. The one
    place this is decided."""
    if user is None:
        return False
    if user.is_admin:
        return True
    key = resolve_paper_id(paper_id)
    with store.read() as conn:
        found = conn.scalar(_SUBMITTED_BY, {"paper_id": key, "user_id": user.user_id})
    return found is not None or is_approved_author(store=store, user_id=user.user_id, paper_id=key)


# Read by every signed-in paper page: built once (building costs more than running).
_SUBMITTED_BY = (
    select(submissions.c.submission_id)
    .where(
        submissions.c.paper_id == bindparam("paper_id"),
        submissions.c.user_id == bindparam("user_id"),
    )
    .limit(1)
)


def set_paper_links(
    *,
    store: Store,
    paper_id: str,
    code_url: str | None,
    project_url: str | None,
    edited_by: str,
) -> Paper:
    """Set (or clear, with None or "") both links; later imports keep them. Raises
    NotAnHttpUrl for a link that is not http(s), UnknownPaper for an unknown id."""
    checked: dict[str, str | None] = {}
    for field, value in (("code_url", code_url), ("project_url", project_url)):
        if value is None or not value.strip():
            checked[field] = None
            continue
        url = safe_url(value)
        if url is None:
            raise NotAnHttpUrl(f"{field} must be an absolute http:// or https:// URL")
        checked[field] = url
    key = resolve_paper_id(paper_id)
    with store.write() as conn:
        changed = conn.execute(
            update(papers)
            .where(papers.c.paper_id == key)
            .values(**checked, links_edited_by=edited_by[:200], modified_at=datetime.now(UTC))
        ).rowcount
        if changed:
            bump_page_version(conn)
    paper = get_paper(store=store, paper_id=key) if changed else None
    if paper is None:
        raise UnknownPaper(paper_id)
    return paper


def comment_counts(store: Store, papers_in: Sequence[Paper]) -> dict[str, int]:
    """Comments per paper, as shown on cards and in the Hugging Face compatible API:
    the count the source site gave (Hugging Face's numComments, loaded with the paper),
    plus the visible comments posted here (deleted and hidden ones do not count)."""
    counts = {p.paper_id: p.source_comments or 0 for p in papers_in}
    for paper_id, local in visible_comment_counts(store=store, paper_ids=list(counts)).items():
        counts[paper_id] += local
    return counts
