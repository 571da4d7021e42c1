"""Paper rows: batch upsert, loading, listing. The only place papers meet SQL."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    update,
)

from paperscope.arxiv_ids import parse_arxiv_id, text_paper_id
from paperscope.models import AuthorDetail, Paper, Profile, Version, initials_key
from paperscope.models import author_key as author_key  # re-exported for store callers
from paperscope.store.chunks import chunks as _chunks
from paperscope.store.database import Store
from paperscope.store.merge import merge_papers, record_hash, same_content
from paperscope.store.page_versions import bump_page_version
from paperscope.store.paper_categories import archive_of
from paperscope.store.schema import (
    PAPER_HAS_CODE,
    counters,
    paper_authors,
    paper_categories,
    paper_sources,
    paper_versions,
    papers,
)


@dataclass
class UpsertResult:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def upsert_papers(*, store: Store, papers_in: Sequence[Paper]) -> UpsertResult:
    """Insert or merge a batch of papers in one transaction. Idempotent: the same
    records twice leave the store as it was and report them unchanged."""
    result = UpsertResult()
    pending: list[Paper] = []
    seen: set[str] = set()
    for paper in papers_in:
        # A paper twice in one batch: settle the first before merging the second.
        if paper.paper_id in seen:
            _upsert_unique(store, pending, result)
            pending, seen = [], set()
        pending.append(paper)
        seen.add(paper.paper_id)
    if pending:
        _upsert_unique(store, pending, result)
    return result


def _upsert_unique(store: Store, batch: list[Paper], result: UpsertResult) -> None:
    now = datetime.now(UTC)
    with store.write() as conn:
        batch = _rekey_text_papers(conn, batch)
        ids = [p.paper_id for p in batch]
        hashes = {p.paper_id: record_hash(p) for p in batch}
        known_hashes = _source_hashes(conn, ids)
        existing = _existing_ids(conn, ids)
        new = [p for p in batch if p.paper_id not in existing]
        changed = [
            p
            for p in batch
            if p.paper_id in existing
            and known_hashes.get((p.paper_id, p.source)) != hashes[p.paper_id]
        ]
        changed_ids = {p.paper_id for p in changed}
        result.unchanged.extend(
            p.paper_id for p in batch if p.paper_id in existing and p.paper_id not in changed_ids
        )
        stored = {p.paper_id: p for p in _load(conn, [p.paper_id for p in changed])}
        merged: list[Paper] = []
        for p in changed:
            m = merge_papers(stored[p.paper_id], p)
            if same_content(m, stored[p.paper_id]):
                result.unchanged.append(p.paper_id)
            else:
                merged.append(m)
                result.updated.append(p.paper_id)
        if new or merged:
            seq = _next_seq(conn)
            _insert_rows(conn, new, seq, now)
            _rewrite_rows(conn, merged, seq, now)
            bump_page_version(conn, now=now)
        result.new.extend(p.paper_id for p in new)
        _record_sources(conn, batch, hashes, known_hashes, now)


def _rekey_text_papers(conn: Connection, batch: list[Paper]) -> list[Paper]:
    """A title-only record (text dump) of a paper we already hold under its arXiv id
    merges into that paper instead of becoming a duplicate. Only ``ps-`` records are
    re-keyed, and only onto arXiv papers: records with ids of their own (a benchmark
    corpus, say) stay distinct even when two share a title."""
    keys = {text_paper_id(p.title) for p in batch if p.paper_id.startswith("ps-")}
    if not keys:
        return batch
    found: dict[str, str] = {}
    for chunk in _chunks(list(keys)):
        rows = conn.execute(
            select(papers.c.title_key, papers.c.paper_id)
            .where(papers.c.title_key.in_(chunk))
            .where(papers.c.arxiv_id.is_not(None))
        )
        found.update({k: pid for k, pid in rows})
    taken = {p.paper_id for p in batch}
    out = []
    for p in batch:
        target = found.get(text_paper_id(p.title)) if p.paper_id.startswith("ps-") else None
        if target and target not in taken:
            taken.add(target)
            out.append(p.replace(paper_id=target))
        else:
            out.append(p)
    return out


def _source_hashes(conn: Connection, ids: list[str]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for chunk in _chunks(ids):
        q = select(paper_sources.c.paper_id, paper_sources.c.source, paper_sources.c.record_hash)
        for pid, src, h in conn.execute(q.where(paper_sources.c.paper_id.in_(chunk))):
            out[(pid, src)] = h
    return out


def _existing_ids(conn: Connection, ids: list[str]) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(ids):
        out.update(conn.scalars(select(papers.c.paper_id).where(papers.c.paper_id.in_(chunk))))
    return out


def _next_seq(conn: Connection) -> int:
    """Allocate the next change number. The row update serialises writers on
    PostgreSQL too, so sequence order is commit order and no indexer skips a change."""
    updated = conn.execute(
        update(counters).where(counters.c.name == "seq").values(value=counters.c.value + 1)
    )
    if updated.rowcount == 0:
        conn.execute(insert(counters).values(name="seq", value=1))
    return int(conn.scalar(select(counters.c.value).where(counters.c.name == "seq")) or 0)


def _paper_row(p: Paper, seq: int, now: datetime) -> dict[str, Any]:
    return {
        "paper_id": p.paper_id,
        "arxiv_id": p.arxiv_id,
        "title": p.title,
        "title_key": text_paper_id(p.title),
        "abstract": p.abstract,
        "primary_category": p.primary_category,
        "latest_version": p.latest_version,
        "submitted_at": p.submitted_at,
        "updated_at": p.updated_at,
        "feed_date": p.feed_date,
        "comments": p.comments,
        "journal_ref": p.journal_ref,
        "doi": p.doi,
        "report_no": p.report_no,
        "license": p.license,
        "submitter": p.submitter,
        "project_url": p.project_url,
        "code_url": p.code_url,
        "external_upvotes": p.external_upvotes,
        "ai_summary": p.ai_summary,
        "ai_keywords": _json_list(p.ai_keywords),
        "submitted_by": profile_json(p.submitted_by),
        "submitted_by_name": p.submitted_by.name[:200] if p.submitted_by else None,
        "organization": profile_json(p.organization),
        "author_details": author_details_json(p.author_details),
        "listed_at": p.listed_at,
        "thumbnail_url": p.thumbnail_url,
        "media_urls": _json_list(p.media_urls),
        "github_stars": p.github_stars,
        "source_comments": p.source_comments,
        "links_edited_by": p.links_edited_by,
        "source": p.source,
        "seq": seq,
        "modified_at": now,
    }


def _json_list(values: tuple[str, ...]) -> str | None:
    return orjson.dumps(list(values)).decode() if values else None


def profile_json(profile: Profile | None) -> str | None:
    """A profile as the JSON text stored in its column (details as [key, value] pairs,
    keeping their order)."""
    return orjson.dumps(profile).decode() if profile else None


def profile_from_json(text: str | None) -> Profile | None:
    return _profile_from_data(orjson.loads(text)) if text else None


def _profile_from_data(data: dict[str, Any]) -> Profile:
    return Profile(
        name=data["name"],
        fullname=data.get("fullname", ""),
        avatar_url=data.get("avatar_url", ""),
        details=tuple((str(k), v) for k, v in data.get("details", ())),
    )


def author_details_json(details: tuple[AuthorDetail, ...]) -> str | None:
    """Authors' details as the JSON array stored in their column (users as profiles)."""
    return orjson.dumps(details).decode() if details else None


def author_details_from_json(text: str | None) -> tuple[AuthorDetail, ...]:
    if not text:
        return ()
    return tuple(
        AuthorDetail(
            name=data["name"],
            user=_profile_from_data(data["user"]) if data.get("user") else None,
            status=data.get("status"),
            status_last_changed_at=(
                datetime.fromisoformat(data["status_last_changed_at"])
                if data.get("status_last_changed_at")
                else None
            ),
            hidden=bool(data.get("hidden", False)),
        )
        for data in orjson.loads(text)
    )


def _child_rows(conn: Connection, batch: list[Paper]) -> None:
    authors = []
    for p in batch:
        for i, name in enumerate(p.authors):
            key = author_key(name)
            authors.append(
                {
                    "paper_id": p.paper_id,
                    "position": i,
                    "name": name,
                    "name_key": key,
                    "initials_key": initials_key(key),
                }
            )
    cats = [
        {
            "paper_id": p.paper_id,
            "category": c,
            "position": i,
            "is_primary": c == p.primary_category,
            "archive": archive_of(c),
        }
        for p in batch
        for i, c in enumerate(dict.fromkeys(p.categories))
    ]
    versions = [
        {
            "paper_id": p.paper_id,
            "version": v.number,
            "submitted_at": v.submitted_at,
            "size": v.size,
        }
        for p in batch
        for v in p.versions
    ]
    for table, rows in (
        (paper_authors, authors),
        (paper_categories, cats),
        (paper_versions, versions),
    ):
        _bulk_insert(conn, table, rows)


def _insert_rows(conn: Connection, batch: list[Paper], seq: int, now: datetime) -> None:
    if not batch:
        return
    _bulk_insert(conn, papers, [_paper_row(p, seq, now) | {"created_at": now} for p in batch])
    _child_rows(conn, batch)


def _bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows. On SQLite the rows go straight to the driver's executemany,
    converted by the columns' own bind processors: SQLAlchemy's per-row parameter
    handling was a third of the time of a bulk import. Stored values are the same."""
    if not rows:
        return
    dialect = conn.dialect
    if dialect.paramstyle != "qmark":
        conn.execute(insert(table), rows)
        return
    compiled = insert(table).compile(dialect=dialect, column_keys=list(rows[0]))
    keys = list(compiled.positiontup or ())
    converters = [
        (k, _memoised(table.c[k].type.dialect_impl(dialect).bind_processor(dialect))) for k in keys
    ]
    params = [tuple(r[k] if f is None else f(r[k]) for k, f in converters) for r in rows]
    conn.exec_driver_sql(str(compiled), params)


def _memoised(convert: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """A bind processor that converts each distinct value once per batch: most
    timestamps of a batch are the same instant (modified, created, last seen), and
    formatting datetimes was a sixth of a bulk import's time."""
    if convert is None:
        return None
    cache: dict[Any, Any] = {}

    def converted(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            out = cache[value] = convert(value)
            return out
        except TypeError:  # unhashable
            return convert(value)

    return converted


def _rewrite_rows(conn: Connection, batch: list[Paper], seq: int, now: datetime) -> None:
    if not batch:
        return
    ids = [p.paper_id for p in batch]
    for p in batch:
        conn.execute(
            update(papers).where(papers.c.paper_id == p.paper_id).values(_paper_row(p, seq, now))
        )
    for table in (paper_authors, paper_categories, paper_versions):
        for chunk in _chunks(ids):
            conn.execute(delete(table).where(table.c.paper_id.in_(chunk)))
    _child_rows(conn, batch)


def _record_sources(
    conn: Connection,
    batch: list[Paper],
    hashes: dict[str, str],
    known: dict[tuple[str, str], str],
    now: datetime,
) -> None:
    # A record that lists earlier sources (a paperscope export) restores them all, in
    # their order, so export then import is loss-free.
    fresh = [
        {
            "paper_id": p.paper_id,
            "source": source,
            "record_hash": hashes[p.paper_id],
            "first_seen": now + timedelta(microseconds=i),
            "last_seen": now,
        }
        for p in batch
        for i, source in enumerate(dict.fromkeys((*p.sources, p.source)))
        if (p.paper_id, source) not in known
    ]
    _bulk_insert(conn, paper_sources, fresh)
    for p in batch:
        key = (p.paper_id, p.source)
        if key in known and known[key] != hashes[p.paper_id]:
            conn.execute(
                update(paper_sources)
                .where(
                    and_(paper_sources.c.paper_id == p.paper_id, paper_sources.c.source == p.source)
                )
                .values(record_hash=hashes[p.paper_id], last_seen=now)
            )


# ---------------------------------------------------------------- reading


@functools.cache
def _load_statements() -> tuple[Select[Any], ...]:
    """The statements that load papers and their children, built once: building a
    SELECT and binding each id to it again cost more than running it (a search page
    loads 20 papers on every request)."""
    ids: BindParameter[Any] = bindparam("ids", expanding=True)
    return (
        select(papers).where(papers.c.paper_id.in_(ids)),
        select(paper_authors.c.paper_id, paper_authors.c.name)
        .where(paper_authors.c.paper_id.in_(ids))
        .order_by(paper_authors.c.paper_id, paper_authors.c.position),
        select(paper_categories.c.paper_id, paper_categories.c.category)
        .where(paper_categories.c.paper_id.in_(ids))
        .order_by(paper_categories.c.paper_id, paper_categories.c.position),
        select(paper_versions)
        .where(paper_versions.c.paper_id.in_(ids))
        .order_by(paper_versions.c.paper_id, paper_versions.c.version),
        select(paper_sources.c.paper_id, paper_sources.c.source)
        .where(paper_sources.c.paper_id.in_(ids))
        .order_by(paper_sources.c.first_seen, paper_sources.c.source),
    )


def _load(conn: Connection, ids: list[str]) -> list[Paper]:
    """Papers for ``ids`` in the given order (missing ones are left out)."""
    if not ids:
        return []
    rows: dict[str, Any] = {}
    children: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    rows_of, authors_of, categories_of, versions_of, sources_of = _load_statements()
    for chunk in _chunks(ids):
        bound = {"ids": chunk}
        for row in conn.execute(rows_of, bound).mappings():
            rows[row["paper_id"]] = row
        for pid, name in conn.execute(authors_of, bound):
            children[pid]["authors"].append(name)
        for pid, cat in conn.execute(categories_of, bound):
            children[pid]["categories"].append(cat)
        for v in conn.execute(versions_of, bound).mappings():
            children[v["paper_id"]]["versions"].append(
                Version(v["version"], v["submitted_at"], v["size"])
            )
        for pid, src in conn.execute(sources_of, bound):
            children[pid]["sources"].append(src)
    return [_paper_from_row(rows[i], children[i]) for i in ids if i in rows]


def _paper_from_row(row: Any, kids: dict[str, list[Any]]) -> Paper:
    return Paper(
        paper_id=row["paper_id"],
        arxiv_id=row["arxiv_id"],
        title=row["title"],
        abstract=row["abstract"] or "",
        authors=tuple(kids.get("authors", ())),
        categories=tuple(kids.get("categories", ())),
        primary_category=row["primary_category"],
        versions=tuple(kids.get("versions", ())),
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
        feed_date=row["feed_date"],
        comments=row["comments"],
        journal_ref=row["journal_ref"],
        doi=row["doi"],
        report_no=row["report_no"],
        license=row["license"],
        submitter=row["submitter"],
        project_url=row["project_url"],
        code_url=row["code_url"],
        external_upvotes=row["external_upvotes"],
        ai_summary=row["ai_summary"],
        ai_keywords=tuple(orjson.loads(row["ai_keywords"])) if row["ai_keywords"] else (),
        submitted_by=profile_from_json(row["submitted_by"]),
        organization=profile_from_json(row["organization"]),
        author_details=author_details_from_json(row["author_details"]),
        listed_at=row["listed_at"],
        thumbnail_url=row["thumbnail_url"],
        media_urls=tuple(orjson.loads(row["media_urls"])) if row["media_urls"] else (),
        github_stars=row["github_stars"],
        source_comments=row["source_comments"],
        links_edited_by=row["links_edited_by"],
        source=row["source"],
        sources=tuple(kids.get("sources", ())),
    )


def get_papers(*, store: Store, paper_ids: Sequence[str]) -> list[Paper]:
    with store.read() as conn:
        return _load(conn, list(paper_ids))


def get_paper(*, store: Store, paper_id: str) -> Paper | None:
    """A paper by its id in any spelling: ``2401.12345v2``, an arXiv URL, ``ps-...``."""
    resolved = resolve_paper_id(paper_id)
    found = get_papers(store=store, paper_ids=[resolved])
    return found[0] if found else None


def find_by_title(*, store: Store, title: str, limit: int = 5) -> list[str]:
    """Ids of the papers titled ``title``, up to case and punctuation (one lookup in
    the title_key index)."""
    with store.read() as conn:
        found = conn.execute(_title_statement(), {"key": text_paper_id(title), "limit": limit})
        return [str(row.paper_id) for row in found]


@functools.cache
def _title_statement() -> Select[Any]:
    """Built once: every search looks up its text as a title."""
    return (
        select(papers.c.paper_id)
        .where(papers.c.title_key == bindparam("key"))
        .order_by(papers.c.paper_id)
        .limit(bindparam("limit"))
    )


def resolve_paper_id(text: str) -> str:
    parsed = parse_arxiv_id(text)
    return parsed.base if parsed else text.strip()


def max_seq(*, store: Store) -> int:
    with store.read() as conn:
        return int(conn.scalar(select(func.max(papers.c.seq))) or 0)


def iter_changed_papers(
    *, store: Store, after_seq: int, batch_size: int = 1000
) -> Iterator[tuple[int, list[Paper]]]:
    """Papers changed since ``after_seq``, oldest change first, in batches; yields the
    highest seq in each batch so a consumer can checkpoint after it."""
    cursor_seq, cursor_id = after_seq, ""
    while True:
        with store.read() as conn:
            q = (
                select(papers.c.seq, papers.c.paper_id)
                .where(
                    (papers.c.seq > cursor_seq)
                    | and_(papers.c.seq == cursor_seq, papers.c.paper_id > cursor_id)
                )
                .where(papers.c.seq > after_seq)
                .order_by(papers.c.seq, papers.c.paper_id)
                .limit(batch_size)
            )
            keys = conn.execute(q).all()
            if not keys:
                return
            loaded = _load(conn, [k[1] for k in keys])
        cursor_seq, cursor_id = keys[-1][0], keys[-1][1]
        yield int(cursor_seq), loaded


def iter_papers(*, store: Store, batch_size: int = 1000) -> Iterator[Paper]:
    """Every paper in paper_id order, loaded a batch at a time (constant memory).
    Byte order on every backend, so two stores with the same papers list them alike."""
    key = papers.c.paper_id if store.is_sqlite else papers.c.paper_id.collate("C")
    after: str | None = None
    while True:
        with store.read() as conn:
            q = select(papers.c.paper_id).order_by(key).limit(batch_size)
            if after is not None:
                q = q.where(key > after)
            ids = list(conn.scalars(q))
            if not ids:
                return
            loaded = _load(conn, ids)
        yield from loaded
        after = ids[-1]


def count_papers(*, store: Store) -> int:
    with store.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(papers)) or 0)


# A list of a category by date either walks ix_papers_listing (newest first) or
# ix_papers_listing_oldest, testing each paper for the category, and stops after its
# page, or reads the category's papers and sorts them all. Walking reads about
# (offset + limit) * papers / matches index rows, sorting handles every match several
# times over: so a large category walks, a small one (where a walk would cross most of
# the index to fill a page) sorts, and so does a page deep into a mid-sized one. On
# 100,000 papers, a 25,000-paper category: 5 ms walked against 65-75 ms sorted for its
# first page, 22 against 99 ms for page 300.
LISTING_WALK_MIN = 1000  # matches below which sorting them is always cheap
WALK_FACTOR = 4  # sorting's cost per match against walking's per index row


def walks_listing(conn: Connection, *, matches: int, offset: int, limit: int) -> bool:
    """Whether a page of a category of ``matches`` papers, by date, is read by
    walking a listing index (see WALK_FACTOR). The highest change number stands in
    for the number of papers: never fewer, and read from its index at once."""
    if matches < LISTING_WALK_MIN:
        return False
    papers_bound = int(conn.scalar(select(func.max(papers.c.seq))) or 0)
    return (offset + limit) * papers_bound <= WALK_FACTOR * matches * matches


def in_categories(categories: Sequence[str], *, per_paper: bool = False) -> ColumnElement[bool]:
    """Papers in any of ``categories``: a category, or a whole archive named without a
    dot ("cs" holds cs.LG; hep-th is itself). ``per_paper``: as a test of each paper
    (EXISTS), for lists that walk other rows in order (the listing index, a feed's
    days); else as the set of the categories' papers, read through the category
    index."""
    named = [c for c in categories if "." in c]
    archives = [c for c in categories if "." not in c]
    held = or_(
        false(),  # no category at all: no paper
        *([paper_categories.c.category.in_(named)] if named else []),
        *([paper_categories.c.archive.in_(archives)] if archives else []),
    )
    if per_paper:
        return exists().where(paper_categories.c.paper_id == papers.c.paper_id, held)
    return papers.c.paper_id.in_(select(paper_categories.c.paper_id).where(held))


def count_in_categories(conn: Connection, categories: Sequence[str]) -> int:
    """How many papers are in ``categories`` (as in_categories reads them). One
    category or one archive is counted on its index alone, no paper row read: a paper
    is listed once per category, and once per archive for each of its categories
    there (cs.LG and cs.AI), hence the distinct count."""
    if len(categories) == 1:
        one = categories[0]
        if "." in one:
            count = select(func.count()).where(paper_categories.c.category == one)
        else:
            count = select(func.count(paper_categories.c.paper_id.distinct())).where(
                paper_categories.c.archive == one
            )
        return int(conn.scalar(count) or 0)
    count = select(func.count()).select_from(papers).where(in_categories(categories))
    return int(conn.scalar(count) or 0)


def list_paper_ids(
    *,
    store: Store,
    feed_from: date | None = None,
    feed_to: date | None = None,
    category: str | None = None,
    author: str | None = None,
    order: str = "newest",
    limit: int = 50,
    offset: int = 0,
) -> list[str]:
    """Ids of papers matching simple filters, for listings that need no search.
    ``category`` is a category or a whole archive ("cs")."""
    q = select(papers.c.paper_id)
    if feed_from is not None:
        q = q.where(papers.c.feed_date >= feed_from)
    if feed_to is not None:
        q = q.where(papers.c.feed_date <= feed_to)
    if author:
        q = q.where(
            papers.c.paper_id.in_(
                select(paper_authors.c.paper_id).where(
                    paper_authors.c.name_key == author_key(author)
                )
            )
        )
    q = q.order_by(*date_order(newest_first=order != "oldest"), papers.c.paper_id)
    with store.read() as conn:
        if category:
            # The listing indexes serve a category alone, in either order (walks_listing).
            alone = feed_from is None and feed_to is None and not author
            walking = alone and walks_listing(
                conn,
                matches=count_in_categories(conn, [category]),
                offset=offset,
                limit=limit,
            )
            q = q.where(in_categories([category], per_paper=walking))
        return list(conn.scalars(q.limit(limit).offset(offset)))


def listing_day() -> ColumnElement[Any]:
    """The date lists sort and filter papers by: the first version's, else the day the
    paper was stored."""
    return func.coalesce(papers.c.submitted_at, papers.c.created_at)


def date_order(*, newest_first: bool) -> tuple[ColumnElement[Any], ...]:
    """ORDER BY terms for newest or oldest first. Papers without a date of their own
    (plain-text imports) come after the dated ones either way: the day they were
    stored says nothing of when they were written."""
    day = listing_day()
    return papers.c.submitted_at.is_(None), day.desc() if newest_first else day.asc()


def has_code_condition() -> ColumnElement[bool]:
    """The "has code" filter of lists and search: the paper has a code link (written
    as the partial index ix_papers_with_code is, so the database can read it there)."""
    return PAPER_HAS_CODE
