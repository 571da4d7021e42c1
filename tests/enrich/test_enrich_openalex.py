"""`enrich openalex` as a library call, on SQLite and PostgreSQL, against recorded
OpenAlex works replayed on 127.0.0.1: what is stored, how few requests it takes, and
what happens when OpenAlex fails part-way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from enrich.openalex_replay import OpenAlexFault, OpenAlexReplay
from paperscope.config import Settings
from paperscope.ingest.enrich_openalex import enrich_openalex
from paperscope.store import Store
from paperscope.store.citations import (
    citation_totals,
    get_paper_citations,
    order_by_citations,
)

# What the recorded works say of the stored papers (tests/fixtures/openalex/works.json).
EXPECTED = {
    "1706.03762": ("W2963403868", 118412, 6, ("1512.03385", "1409.0473")),
    "1409.0473": ("W2964308564", 24388, 1, ()),
    "1512.03385": ("W2194775991", 201544, 2, ()),
    "1810.04805": ("W2963341956", 61520, 4, ("1706.03762",)),
    "ps-deeplearning": ("W1836465849", 70911, 3, ("1512.03385",)),
}


def _stored(store: Store) -> dict[str, tuple[str | None, int | None, int | None, tuple[str, ...]]]:
    out = {}
    for paper_id in [*EXPECTED, "2401.00001", "ps-noidentifier"]:
        c = get_paper_citations(store=store, paper_id=paper_id)
        if c is not None:
            out[paper_id] = (c.openalex_id, c.cited_by_count, c.reference_count, c.references)
    return out


def test_counts_and_references_in_the_store(
    stored_papers: Store, openalex_settings: Settings, openalex: OpenAlexReplay
) -> None:
    report = enrich_openalex(settings=openalex_settings, store=stored_papers)
    assert (report.to_do, report.looked_up, report.found, report.not_found) == (6, 6, 5, 1)
    assert (report.references, report.references_in_store) == (16, 4)
    assert report.rejected == [] and report.complete
    assert _stored(stored_papers) == {**EXPECTED, "2401.00001": (None, None, None, ())}
    # One DOI request for the batch, one by arXiv landing page for the two it missed,
    # one by work id for the references not in the batch itself.
    filters = openalex.filters()
    assert len(filters) == 3 and report.requests == 3
    assert filters[0].startswith("doi:") and "10.18653/v1/n19-1423" in filters[0]
    assert sorted(filters[1].removeprefix("locations.landing_page_url:").split("|")) == [
        "http://arxiv.org/abs/1512.03385",
        "http://arxiv.org/abs/2401.00001",
        "https://arxiv.org/abs/1512.03385",
        "https://arxiv.org/abs/2401.00001",
    ]
    assert sorted(filters[2].removeprefix("ids.openalex:").split("|")) == [
        "W1522301498",
        "W2064675550",
        "W2095705004",
        "W4399999999",
    ]
    assert all(p.get("mailto") == "ops@example.org" for _, p in openalex.requests)
    assert citation_totals(store=stored_papers) == {
        "with_counts": 5,
        "not_in_openalex": 1,
        "references_in_store": 4,
    }


def test_a_second_run_asks_for_nothing_until_the_counts_are_stale(
    stored_papers: Store, openalex_settings: Settings, openalex: OpenAlexReplay
) -> None:
    enrich_openalex(settings=openalex_settings, store=stored_papers)
    openalex.requests.clear()
    again = enrich_openalex(settings=openalex_settings, store=stored_papers)
    assert (again.to_do, again.looked_up, again.requests) == (0, 0, 0)
    assert openalex.requests == []
    # Later, OpenAlex counts more citations; stale counts are fetched and replaced.
    bert = next(w for w in openalex.works if w["id"].endswith("W2963341956"))
    bert["cited_by_count"] = 70000
    later = openalex_settings.model_copy(update={"openalex_refresh_days": 1})
    _age_all(stored_papers, days=2)
    refreshed = enrich_openalex(settings=later, store=stored_papers)
    assert refreshed.looked_up == 6
    after = get_paper_citations(store=stored_papers, paper_id="1810.04805")
    assert after is not None and after.cited_by_count == 70000
    assert after.references == ("1706.03762",)  # replaced, not doubled


def _age_all(store: Store, *, days: int) -> None:
    from sqlalchemy import update

    from paperscope.store.schema_citations import openalex_works, paper_citations

    old = datetime.now(UTC) - timedelta(days=days)
    with store.write() as conn:
        conn.execute(update(paper_citations).values(fetched_at=old))
        conn.execute(update(openalex_works).values(checked_at=old))


def test_since_and_limit_select_the_papers(
    stored_papers: Store, openalex_settings: Settings
) -> None:
    recent = enrich_openalex(
        settings=openalex_settings, store=stored_papers, since=date(2017, 1, 1)
    )
    assert (recent.to_do, recent.looked_up) == (3, 3)  # attention, bert, 2401.00001
    assert set(_stored(stored_papers)) == {"1706.03762", "1810.04805", "2401.00001"}
    limited = enrich_openalex(settings=openalex_settings, store=stored_papers, limit=2)
    assert (limited.to_do, limited.looked_up) == (3, 2)
    assert set(_stored(stored_papers)) == {
        "1706.03762", "1810.04805", "2401.00001", "1409.0473", "1512.03385",
    }  # fmt: skip
    # 1706.03762 was fetched before the papers it cites: they were stored all the same,
    # so OpenAlex's identifiers for them (arXiv DOI, arXiv landing page) found them.
    attention = get_paper_citations(store=stored_papers, paper_id="1706.03762")
    assert attention is not None and attention.references == ("1512.03385", "1409.0473")


def test_an_interrupted_run_resumes_where_it_stopped(
    stored_papers: Store, openalex_settings: Settings, openalex: OpenAlexReplay
) -> None:
    # Batches of two in paper-id order: the first (1409.0473, 1512.03385) takes three
    # requests; OpenAlex then fails for good.
    openalex.inject(None, None, None, *[OpenAlexFault.SERVER_ERROR] * 3)
    first = enrich_openalex(settings=openalex_settings, store=stored_papers, batch_size=2)
    assert first.stopped is not None and "running the same command again resumes" in first.stopped
    assert (first.looked_up, first.found) == (2, 2)
    assert set(_stored(stored_papers)) == {"1409.0473", "1512.03385"}
    openalex.requests.clear()
    second = enrich_openalex(settings=openalex_settings, store=stored_papers, batch_size=2)
    assert second.complete and (second.to_do, second.looked_up) == (4, 4)
    assert "1409.0473" not in " ".join(openalex.filters())
    # References to papers saved by the first run resolve from the store, not OpenAlex.
    assert not any("W2964308564" in f for f in openalex.filters() if f.startswith("ids."))
    assert _stored(stored_papers) == {**EXPECTED, "2401.00001": (None, None, None, ())}


def test_429_then_success_loses_nothing(
    stored_papers: Store, openalex_settings: Settings, openalex: OpenAlexReplay
) -> None:
    openalex.inject(OpenAlexFault.RATE_LIMITED, None, OpenAlexFault.RATE_LIMITED)
    retries: list[str] = []
    report = enrich_openalex(
        settings=openalex_settings, store=stored_papers, on_retry=lambda r, _: retries.append(r)
    )
    assert report.complete and report.retries == 2 and len(retries) == 2
    assert all(r.startswith("HTTP 429") for r in retries)
    assert _stored(stored_papers) == {**EXPECTED, "2401.00001": (None, None, None, ())}


def test_a_malformed_response_is_reported_and_the_other_batches_kept(
    stored_papers: Store, openalex_settings: Settings, openalex: OpenAlexReplay
) -> None:
    # The second batch's first request is answered with an HTML page every time.
    openalex.inject(None, None, None, *[OpenAlexFault.NOT_JSON] * 3)
    report = enrich_openalex(settings=openalex_settings, store=stored_papers, batch_size=2)
    assert report.complete and report.failed_batches == 1
    (failure,) = report.rejected
    assert failure.location == "papers 1706.03762 to 1810.04805"
    assert "not JSON" in failure.reason and "asked for again next run" in failure.reason
    assert set(_stored(stored_papers)) == {
        "1409.0473", "1512.03385", "2401.00001", "ps-deeplearning",
    }  # fmt: skip
    retry = enrich_openalex(settings=openalex_settings, store=stored_papers, batch_size=2)
    assert (retry.to_do, retry.found) == (2, 2)
    assert set(_stored(stored_papers)) == {*EXPECTED, "2401.00001"}


def test_an_endpoint_that_never_answers_with_works_stops_the_run(
    stored_papers: Store, openalex_settings: Settings, openalex: OpenAlexReplay
) -> None:
    # Every request is answered with an HTML page: three failed batches in a row stop
    # the run instead of walking every paper through every retry.
    openalex.inject(*[OpenAlexFault.NOT_JSON] * 50)
    report = enrich_openalex(settings=openalex_settings, store=stored_papers, batch_size=1)
    assert report.failed_batches == 3 and report.looked_up == 3
    assert report.stopped is not None and "PAPERSCOPE_OPENALEX_URL" in report.stopped
    assert not report.complete and _stored(stored_papers) == {}


def test_an_unreadable_work_is_rejected_and_the_rest_saved(
    stored_papers: Store, openalex_settings: Settings, openalex: OpenAlexReplay
) -> None:
    # The DOI response's first work (Attention, in recorded order) loses its id; the
    # landing-page request still finds it.
    openalex.inject(OpenAlexFault.WORK_WITHOUT_ID)
    report = enrich_openalex(settings=openalex_settings, store=stored_papers)
    (rejected,) = report.rejected
    assert "no OpenAlex work id" in rejected.reason
    assert rejected.location == "OpenAlex response result 1"
    assert set(_stored(stored_papers)) == set(EXPECTED)
    # The paper OpenAlex lacks is not marked: the unreadable work might have been its.
    assert get_paper_citations(store=stored_papers, paper_id="2401.00001") is None


def test_unknown_works_are_ignored_and_citations_order_papers(
    stored_papers: Store, openalex_settings: Settings
) -> None:
    enrich_openalex(settings=openalex_settings, store=stored_papers)
    bert = get_paper_citations(store=stored_papers, paper_id="1810.04805")
    # Four references: one stored paper, two works not in the store, one OpenAlex
    # does not know. Only the stored one is listed; all four are counted.
    assert bert is not None and bert.reference_count == 4 and bert.references == ("1706.03762",)
    ids = ["2401.00001", "ps-noidentifier", "1409.0473", "1512.03385", "1706.03762"]
    assert order_by_citations(store=stored_papers, paper_ids=ids) == [
        "1512.03385",
        "1706.03762",
        "1409.0473",
        "2401.00001",
        "ps-noidentifier",
    ]
