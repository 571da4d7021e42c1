"""Per-request cost of "For you": paperscope's recommender against arxiv-sanity-lite's.

    .venv/bin/python bench/recommend_bench.py                       # 1M ours, baseline 10k/30k
    .venv/bin/python bench/recommend_bench.py --ours 1000000 --baseline 1000000  # ~10 min
    .venv/bin/python bench/recommend_bench.py --ours 200000 --baseline 5000

Ours: the real Recommender on a real SQLite store, with a reader holding three tags and
some likes (four interest groups, models cached), over a candidate matrix of N synthetic
clustered 384-d unit vectors (projected to 128-d by the same build code as production).
Reported: the full request (signals read, cache check, the top-k scan over the window,
explanations), the ranking step alone, and a retrain after a thumbs-down.

Baseline: arxiv-sanity-lite's method, reimplemented faithfully: TfidfVectorizer(
lowercase, strip_accents='unicode', encoding='utf-8', ngram_range=(1,2), max_features=
20000, norm='l2', use_idf, smooth_idf, sublinear_tf, max_df=0.1, min_df=5) over title +
abstract + authors, then per request LinearSVC(class_weight='balanced', max_iter=10000,
tol=1e-6, C=0.01) on tagged = positive vs every other paper, and decision_function over
all papers. Measure it at the same size as ours for the honest ratio (at 1M it needs
~10 GB and several minutes); at sizes it was not measured at, it is extrapolated
linearly from the largest measured size, labelled as such in the output. Its cost grows
faster than linearly (LinearSVC needs more passes on more data), so the extrapolation
understates it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recommend_eval import synthetic_corpus

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.rank.recommend import Recommender, candidates_folder, rank_rows
from paperscope.rank.recommend.candidates import build_candidates
from paperscope.rank.recommend.groups import interest_groups, negative_ids, train_groups
from paperscope.store import Store
from paperscope.store.accounts import ensure_user
from paperscope.store.feedback import load_user_signals, set_feedback
from paperscope.store.library import save_paper
from paperscope.store.papers import upsert_papers

NOW = datetime(2026, 11, 2, tzinfo=UTC)


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds, after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def clustered_vectors(n: int, dim: int = 384, clusters: int = 2000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        size = min(100_000, n - start)
        picks = rng.integers(0, clusters, size)
        block = centres[picks] + 0.8 * rng.standard_normal((size, dim), dtype=np.float32)
        out[start : start + size] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def bench_ours(n: int, repeats: int, workdir: Path) -> dict[str, float]:
    settings = Settings(data_dir=workdir / f"ours-{n}", dev_mode=True)
    store = Store.open(settings)
    ids = [f"2611.{i:07d}" for i in range(n)]
    first = date(2020, 1, 1)
    dates = [first + timedelta(days=i * 2500 // n) for i in range(n)]  # ~7 years
    vectors = clustered_vectors(n)
    start = time.perf_counter()
    build_candidates(
        folder=candidates_folder(settings),
        paper_ids=ids,
        dates=dates,
        vectors=vectors,
        model_name=settings.embedding_model,
        store_seq=1,
    )
    build_s = time.perf_counter() - start
    del vectors
    user_id, spare = _reader(store, ids, n)
    rec = Recommender.open(settings=settings, store=store)
    rec.recommend(user_id=user_id, window="all")  # trains and caches the models
    out = {"build_s": build_s}
    for window in ("all", "month"):
        p50, p95 = timed(lambda w=window: rec.recommend(user_id=user_id, window=w), repeats)
        out[f"request_{window}_p50"], out[f"request_{window}_p95"] = p50, p95
    cands = rec.candidates()
    signals = load_user_signals(store=store, user_id=user_id)
    trained, _ = train_groups(
        store=store,
        user_id=user_id,
        groups=interest_groups(signals),
        negatives=negative_ids(signals),
        candidates=cands,
        embed_query=None,
    )
    none = np.empty(0, np.int64)
    for label, groups in (("rank1", trained[:1]), ("rank4", trained)):
        p50, p95 = timed(
            lambda g=groups: rank_rows(cands, g, start=0, limit=50, exclude=none), repeats
        )
        out[f"{label}_p50"], out[f"{label}_p95"] = p50, p95
    retrain = []
    for pid in spare:
        set_feedback(store=store, user_id=user_id, paper_id=pid, kind="down", now=NOW)
        t0 = time.perf_counter()
        rec.recommend(user_id=user_id, window="all")
        retrain.append((time.perf_counter() - t0) * 1e3)
    out["retrain_request_p50"] = float(np.median(retrain))
    store.close()
    return out


def _reader(store: Store, ids: list[str], n: int) -> tuple[int, list[str]]:
    """A reader with three tags of 10 papers each and 10 untagged likes, and five more
    papers in the store for thumbs-downs."""
    rng = np.random.default_rng(1)
    picks = [ids[i] for i in rng.choice(n, 45, replace=False)]
    upsert_papers(store=store, papers_in=[Paper(paper_id=p, title=f"Paper {p}") for p in picks])
    user_id = ensure_user(store=store, username="reader", now=NOW).user_id
    for i, pid in enumerate(picks[5:]):
        tags = [f"tag{i // 10}"] if i < 30 else []
        save_paper(store=store, user_id=user_id, paper_id=pid, now=NOW, tags=tags)
    return user_id, picks[:5]


def bench_baseline(n: int, repeats: int) -> dict[str, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    corpus = synthetic_corpus(n, seed=3)
    texts = [f"{d.title} {d.abstract} {' '.join(d.authors)}" for d in corpus]
    start = time.perf_counter()
    vectorizer = TfidfVectorizer(
        input="content",
        encoding="utf-8",
        decode_error="replace",
        strip_accents="unicode",
        lowercase=True,
        analyzer="word",
        stop_words="english",
        token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
        ngram_range=(1, 2),
        max_features=20000,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        sublinear_tf=True,
        max_df=0.1,
        min_df=5,
    )
    x = vectorizer.fit_transform(texts).astype(np.float32)
    fit_s = time.perf_counter() - start
    rng = np.random.default_rng(2)
    positives = rng.choice(n, 40, replace=False)

    def request() -> None:
        y = np.zeros(n, dtype=np.int8)
        y[positives] = 1
        clf = LinearSVC(class_weight="balanced", verbose=0, max_iter=10000, tol=1e-6, C=0.01)
        clf.fit(x, y)
        scores = clf.decision_function(x)
        np.argsort(-scores)[:50]

    p50, p95 = timed(request, repeats)
    return {"tfidf_fit_s": fit_s, "request_p50": p50, "request_p95": p95}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ours", type=int, nargs="+", default=[10_000, 30_000, 1_000_000])
    parser.add_argument("--baseline", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--baseline-repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recommend-bench-") as tmp:
        ours = {n: bench_ours(n, args.repeats, Path(tmp)) for n in args.ours}
    base = {n: bench_baseline(n, args.baseline_repeats) for n in args.baseline}
    report(ours, base)


def report(ours: dict[int, dict[str, float]], base: dict[int, dict[str, float]]) -> None:
    print("\npaperscope (reader with 4 interest groups, models cached), ms")
    print(
        f"{'papers':>10} {'build s':>8} {'req all p50/p95':>16} {'req month p50/p95':>18}"
        f" {'rank 1 grp p50/p95':>19} {'rank 4 grp p50/p95':>19} {'retrain req':>11}"
    )
    for n, r in ours.items():
        cells = [
            f"{n:>10,}",
            f"{r['build_s']:>8.1f}",
            f"{r['request_all_p50']:>7.1f}/{r['request_all_p95']:<8.1f}",
            f"{r['request_month_p50']:>8.1f}/{r['request_month_p95']:<9.1f}",
            f"{r['rank1_p50']:>8.1f}/{r['rank1_p95']:<10.1f}",
            f"{r['rank4_p50']:>8.1f}/{r['rank4_p95']:<10.1f}",
            f"{r['retrain_request_p50']:>11.1f}",
        ]
        print(" ".join(cells))
    print("\narxiv-sanity-lite per request (tf-idf + LinearSVC retrained), ms")
    for n, r in base.items():
        print(
            f"{n:>10,} tf-idf fit {r['tfidf_fit_s']:.1f} s, request p50 {r['request_p50']:,.0f}"
            f" p95 {r['request_p95']:,.0f}"
        )
    print("\nspeed-up (baseline p50 / ours full-request p95, window all)")
    largest = max(base) if base else None
    for n, r in ours.items():
        if n in base:
            ratio = base[n]["request_p50"] / r["request_all_p95"]
            print(f"{n:>10,} measured both: {ratio:,.0f}x")
        elif largest:
            per_paper = base[largest]["request_p50"] / largest
            estimate = per_paper * n
            print(
                f"{n:>10,} baseline EXTRAPOLATED linearly from {largest:,}: "
                f"~{estimate / 1e3:,.1f} s"
                f" per request -> ~{estimate / r['request_all_p95']:,.0f}x"
            )


if __name__ == "__main__":
    main()
