"""Saved-search alerts through the real hybrid engine and embedding model: only strong
matches among the new papers are sent, weak ones are held back by the threshold, and
papers the index has not seen yet make the alert wait instead of missing them."""

from __future__ import annotations

from pathlib import Path

import pytest
from feeds_helpers import SmtpSink, snapshot_papers

from paperscope.config import Settings
from paperscope.feeds.runner import run_pass
from paperscope.feeds.subscriptions import InvalidSubscription, make_spec, subscribe
from paperscope.index.catch_up import catch_up_indexes
from paperscope.store import Store
from paperscope.store.papers import upsert_papers


@pytest.mark.slow
def test_alerts_send_strong_matches_only_once_indexed(
    store: Store, mail_settings: Settings, smtp_sink: SmtpSink, shared_data: Path
) -> None:
    # torch loads the model directly; the ONNX backend would first export it (slower)
    settings = mail_settings.model_copy(update={"embedding_backend": "torch"})
    papers = snapshot_papers(shared_data / "arxiv" / "kaggle_snapshot_head200.jsonl")[:41]
    upsert_papers(store=store, papers_in=papers[:40])
    for email, query in (
        ("physicist@example.org", "diphoton production at hadron colliders"),
        ("poet@example.org", "medieval Icelandic sagas and skaldic poetry"),
    ):
        subscribe(
            store=store,
            settings=settings,
            email=email,
            spec=make_spec(search=query),
            confirmed=True,
        )

    waiting = run_pass(store=store, settings=settings, force=True)
    assert waiting.build.built == 0 and len(waiting.build.problems) == 2
    assert "paperscope index" in waiting.build.problems[0]  # no index at all yet

    catch_up_indexes(settings=settings, store=store)
    upsert_papers(store=store, papers_in=papers[40:])  # arrives after indexing
    lagging = run_pass(store=store, settings=settings, force=True)
    assert lagging.build.built == 0
    assert "1 new papers are not in the search index yet" in lagging.build.problems[0]
    assert smtp_sink.received == []

    catch_up_indexes(settings=settings, store=store)
    done = run_pass(store=store, settings=settings, force=True)
    assert (done.build.built, done.build.empty, done.build.problems) == (1, 1, [])
    [mail] = smtp_sink.to("physicist@example.org")
    text = mail.message.get_body(("plain",)).get_content()
    assert "New for “diphoton production at hadron colliders”" in text
    first = text.split("* ", 1)[1]
    assert first.startswith("Calculation of prompt diphoton production cross sections")
    assert "Sparsity-certifying Graph Decompositions" not in text
    assert smtp_sink.to("poet@example.org") == []


@pytest.mark.parametrize("query", ["au:", '""', "NOT", "()"])
def test_a_saved_search_with_nothing_to_look_for_is_refused(query: str) -> None:
    with pytest.raises(InvalidSubscription, match="has nothing to look for"):
        make_spec(search=query)
    assert make_spec(search="au:hinton").search_query == "au:hinton"


def test_a_category_that_can_never_match_is_refused(
    sample_store: Store, settings: Settings
) -> None:
    spec = make_spec(categories=["zz.ZZ"])
    with pytest.raises(InvalidSubscription, match=r"'zz\.ZZ'.*not an arXiv category"):
        subscribe(
            store=sample_store, settings=settings, email="a@example.org", spec=spec, confirmed=True
        )
    # arXiv's spelling is stored whatever the case typed, so it matches papers.
    assert make_spec(categories=["CS.lg", "cs.LG", "HEP-TH"]).categories == ("cs.LG", "hep-th")
