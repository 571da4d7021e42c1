"""A new reader who imports a bibliography gets recommendations at once: imported
papers are library items, which the recommender learns from like saved ones."""

from __future__ import annotations

from datetime import date

from paperscope.config import Settings
from paperscope.rank.recommend import Recommender, candidates_folder
from paperscope.rank.recommend.candidates import build_candidates
from paperscope.references import import_references
from paperscope.store import Store
from paperscope.store.accounts import ensure_user
from paperscope.store.papers import upsert_papers
from rank.test_recommend import embed_query, embed_texts
from references.conftest import NOW, sample_papers


def test_imported_bibliography_drives_recommendations(settings: Settings, store: Store) -> None:
    papers = sample_papers()
    upsert_papers(store=store, papers_in=papers)
    build_candidates(
        folder=candidates_folder(settings),
        paper_ids=[p.paper_id for p in papers],
        dates=[p.feed_date or date(2007, 4, 1) for p in papers],
        vectors=embed_texts([f"{p.title}. {p.abstract}" for p in papers]),
        model_name=settings.embedding_model,
        store_seq=1,
        dim=64,
    )
    astro = [p for p in papers if p.primary_category == "astro-ph"][:5]
    bib = "\n".join(
        f"@misc{{ref{i},\n  title = {{{p.title}}},\n  eprint = {{{p.arxiv_id}}},\n"
        f"  archivePrefix = {{arXiv}},\n  keywords = {{galaxies, Astrophysics}}\n}}\n"
        for i, p in enumerate(astro)
    )
    reader = ensure_user(store=store, username="newcomer", now=NOW).user_id
    report = import_references(
        store=store, settings=settings, user_id=reader, data=bib.encode(), now=NOW
    )
    assert report.added == 5

    result = Recommender.open(settings=settings, store=store, embed_query=embed_query).recommend(
        user_id=reader, window="all", limit=10
    )
    assert not result.needs_onboarding and len(result.items) == 10
    category = {p.paper_id: p.primary_category for p in papers}
    top = [category[r.paper_id] for r in result.items]
    # 19 of 200 papers are astro-ph: a random ranking would put ~1 of them in the top 10.
    assert sum(c == "astro-ph" for c in top) >= 6, top
    assert not {r.paper_id for r in result.items} & {p.paper_id for p in astro}
    assert {r.reason.tag for r in result.items} <= {"galaxies", "astrophysics"}
