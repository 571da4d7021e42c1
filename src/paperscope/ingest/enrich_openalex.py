"""`enrich openalex`: citation counts and references for the stored papers.

A run walks the papers without fresh counts in paper-id order, 50 at a time:

1. one request asks for all of them by DOI (arXiv's DataCite DOI and the journal DOI
   a paper carries); papers still unmatched are asked for by their arXiv landing page,
   which finds preprints OpenAlex merged into a published version;
2. the works they reference are resolved to stored papers: first from what the store
   already knows (fetched papers' work ids, earlier look-ups), then by asking OpenAlex
   for the rest by work id, 100 at a time, and matching their DOIs and arXiv ids;
3. the batch is saved in one transaction, with the time it was fetched.

Resumable: a paper is done once its row is saved, so a killed run continues with the
papers it had not reached. A batch whose response holds an unreadable work marks only
the papers it matched; the others are asked for again on the next run. A batch whose
responses stay unreadable through every retry fails alone; several in a row stop the
run, since the address then most likely is not OpenAlex's."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from paperscope.config import Settings
from paperscope.models import Rejected
from paperscope.sources.openalex import (
    IDENTITY_FIELDS,
    WORK_FIELDS,
    MalformedResponse,
    OpenAlexClient,
    OpenAlexStopped,
    RetryCallback,
    Work,
    arxiv_abs_urls,
    arxiv_doi,
    normalise_doi,
    or_filters,
)
from paperscope.store import Store
from paperscope.store.citations import (
    CitationTarget,
    FoundWork,
    count_papers_needing_citations,
    known_openalex_works,
    papers_by_identifiers,
    papers_needing_citations,
    save_citations,
)

# Papers per batch: each brings up to two filter values, and OpenAlex takes 100.
BATCH_SIZE = 50
# Failed batches in a row that stop the run: one is a damaged response, several in a
# row an endpoint that does not answer with works (a wrong OPENALEX_URL).
MAX_FAILED_BATCHES_IN_A_ROW = 3


@dataclass
class EnrichReport:
    """What a run did, for the CLI and for tests."""

    to_do: int = 0  # papers without fresh counts when the run started
    looked_up: int = 0
    found: int = 0
    not_found: int = 0
    references: int = 0  # references of the works found, in the store or not
    references_in_store: int = 0
    requests: int = 0
    retries: int = 0
    failed_batches: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    stopped: str | None = None  # why the run ended before its work was done

    @property
    def complete(self) -> bool:
        return self.stopped is None


ProgressCallback = Callable[[EnrichReport], None]


def enrich_openalex(
    *,
    settings: Settings,
    store: Store,
    since: date | None = None,
    limit: int | None = None,
    on_progress: ProgressCallback | None = None,
    on_retry: RetryCallback | None = None,
    batch_size: int = BATCH_SIZE,
) -> EnrichReport:
    """Fetch counts and references for up to ``limit`` papers (all by default) whose
    counts are missing or older than OPENALEX_REFRESH_DAYS; ``since`` keeps papers
    submitted on or after that day; ``batch_size`` papers (at most 50) are looked up
    together and saved together. Stops early (``report.stopped``) when OpenAlex
    stays unavailable; everything saved until then stays saved."""
    if not 1 <= batch_size <= BATCH_SIZE:
        raise ValueError(f"batch_size must be 1 to {BATCH_SIZE}, not {batch_size}")
    started = datetime.now(UTC)
    stale_before = started - timedelta(days=settings.openalex_refresh_days)
    report = EnrichReport(
        to_do=count_papers_needing_citations(store=store, stale_before=stale_before, since=since)
    )
    after: str | None = None
    failed_in_a_row = 0
    with OpenAlexClient(settings=settings, on_retry=on_retry) as client:
        while limit is None or report.looked_up < limit:
            size = batch_size if limit is None else min(batch_size, limit - report.looked_up)
            batch = papers_needing_citations(
                store=store, stale_before=stale_before, since=since, after=after, limit=size
            )
            if not batch:
                break
            after = batch[-1].paper_id
            try:
                _enrich_batch(client, store, batch, report, stale_before)
                failed_in_a_row = 0
            except MalformedResponse as exc:
                report.failed_batches += 1
                failed_in_a_row += 1
                where = f"papers {batch[0].paper_id} to {batch[-1].paper_id}"
                report.rejected.append(Rejected(where, f"{exc}; asked for again next run"))
            except OpenAlexStopped as exc:
                report.stopped = f"{exc}; running the same command again resumes"
                break
            finally:
                report.requests, report.retries = client.requests, client.retries
            report.looked_up += len(batch)
            if on_progress:
                on_progress(report)
            if failed_in_a_row >= MAX_FAILED_BATCHES_IN_A_ROW:
                report.stopped = (
                    f"OpenAlex answered {failed_in_a_row} batches in a row with responses "
                    "that are not lists of works; check PAPERSCOPE_OPENALEX_URL, then run "
                    "the same command again to resume"
                )
                break
    return report


def _enrich_batch(
    client: OpenAlexClient,
    store: Store,
    batch: list[CitationTarget],
    report: EnrichReport,
    stale_before: datetime,
) -> None:
    matched, rejected = _find_works(client, batch)
    resolved, remember = _resolve_references(client, store, matched, stale_before)
    found = [
        FoundWork(
            paper_id=paper_id,
            openalex_id=work.openalex_id,
            cited_by_count=work.cited_by_count,
            reference_count=len(work.referenced_works),
            references=tuple(p for w in work.referenced_works if (p := resolved.get(w))),
        )
        for paper_id, work in matched.items()
    ]
    # An unreadable work may have been one of the unmatched papers': ask again next run.
    not_found = [] if rejected else [t.paper_id for t in batch if t.paper_id not in matched]
    save_citations(
        store=store,
        found=found,
        not_found=not_found,
        resolved=remember,
        fetched_at=datetime.now(UTC),
    )
    report.found += len(found)
    report.not_found += len(not_found)
    report.references += sum(f.reference_count for f in found)
    report.references_in_store += sum(len(set(f.references) - {f.paper_id}) for f in found)
    report.rejected.extend(rejected)


def _find_works(
    client: OpenAlexClient, batch: list[CitationTarget]
) -> tuple[dict[str, Work], list[Rejected]]:
    """Each paper's work, by DOI first, then by arXiv landing page for the rest."""
    by_arxiv = {t.arxiv_id: t.paper_id for t in batch if t.arxiv_id}
    by_doi = {d: t.paper_id for t in batch if (d := normalise_doi(t.doi))}
    by_doi.update({arxiv_doi(a): p for a, p in by_arxiv.items()})
    matched: dict[str, Work] = {}
    rejected: list[Rejected] = []
    for filter_expr in or_filters("doi", sorted(by_doi)):
        _collect(client, filter_expr, WORK_FIELDS, by_arxiv, by_doi, matched, rejected)
    missing = [a for a, p in by_arxiv.items() if p not in matched]
    urls = [url for a in missing for url in arxiv_abs_urls(a)]
    for filter_expr in or_filters("locations.landing_page_url", urls):
        _collect(client, filter_expr, WORK_FIELDS, by_arxiv, by_doi, matched, rejected)
    return matched, rejected


def _collect(
    client: OpenAlexClient,
    filter_expr: str,
    select: tuple[str, ...],
    by_arxiv: dict[str, str],
    by_doi: dict[str, str],
    matched: dict[str, Work],
    rejected: list[Rejected],
) -> None:
    for page in client.works(filter_expr, select=select):
        rejected.extend(page.rejected)
        for work in page.works:
            for paper_id in _papers_of(work, by_arxiv, by_doi):
                # Duplicate works for one paper happen; the most cited one is kept.
                current = matched.get(paper_id)
                if current is None or work.cited_by_count > current.cited_by_count:
                    matched[paper_id] = work


def _papers_of(work: Work, by_arxiv: dict[str, str], by_doi: dict[str, str]) -> set[str]:
    ids = {by_arxiv[a] for a in work.arxiv_ids if a in by_arxiv}
    if work.doi and work.doi in by_doi:
        ids.add(by_doi[work.doi])
    return ids


def _resolve_references(
    client: OpenAlexClient,
    store: Store,
    matched: dict[str, Work],
    stale_before: datetime,
) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Each referenced work id: the stored paper it is, or None when it is none; and
    the resolutions worth remembering for later batches and runs."""
    wanted = {w for work in matched.values() for w in work.referenced_works}
    resolved: dict[str, str | None] = {work.openalex_id: p for p, work in matched.items()}
    resolved.update(
        known_openalex_works(
            store=store, openalex_ids=wanted - resolved.keys(), checked_after=stale_before
        )
    )
    unknown = sorted(wanted - resolved.keys())
    looked_up: list[Work] = []
    unreadable = False
    for filter_expr in or_filters("ids.openalex", unknown):
        for page in client.works(filter_expr, select=IDENTITY_FIELDS):
            looked_up.extend(page.works)
            unreadable = unreadable or bool(page.rejected)
    learned = _match_stored(store, looked_up)
    # A work OpenAlex did not return is unknown to it, so not a stored paper either;
    # unless a returned work was unreadable: it may have been that one.
    absent = {w: None for w in unknown if w not in learned}
    remember: dict[str, str | None] = {w.openalex_id: p for p, w in matched.items()}
    remember.update(learned)
    if not unreadable:
        remember.update(absent)
    return {**resolved, **learned, **absent}, remember


def _match_stored(store: Store, works: Iterable[Work]) -> dict[str, str | None]:
    works = list(works)
    by_arxiv, by_doi = papers_by_identifiers(
        store=store,
        arxiv_ids={a for w in works for a in w.arxiv_ids},
        dois={w.doi for w in works if w.doi},
    )
    out: dict[str, str | None] = {}
    for work in works:
        paper_ids = sorted(_papers_of(work, by_arxiv, by_doi))
        out[work.openalex_id] = paper_ids[0] if paper_ids else None
    return out
