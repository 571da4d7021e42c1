"""Sentence-level dense scores and a learned reranker on the SciFact TRAIN split, side by
side with the shipped hybrid fusion; everything chosen on the tune half (even
positions), the held-out half (odd positions) scored once with the chosen settings.

Variants:

- ``shipped``: convex fusion, 0.3 * bm25 / max_bm25 + 0.7 * cosine (search/fusion.py).
- ``maxsim``: each paper's title and sentences embedded on their own with the same
  MiniLM; a candidate's dense score is ``a * cosine + (1 - a) * max sentence cosine``,
  then fused with BM25 as shipped (``a`` and the BM25 weight chosen on the tune half).
- ``maxsim static``: the same with the static model distilled from MiniLM
  (index/static_embedder.py) for the sentences and the query, only over the top
  candidates of the shipped fusion (cheap enough to run at query time).
- ``reranker``: a small scikit-learn model over the top-100 fused candidates, features
  listed in ``FEATURES`` (no paper identity among them), trained on the tune half,
  model and hyper-parameters chosen by grouped 5-fold cross-validation inside the tune
  half where the folds share no paper (queries linked by a judged paper stay together).

Trained or tuned variants are also reported on the held-out claims judged against a
paper that some tune claim is judged against too ("seen papers") and the others
("unseen papers"), as in bench/query_tuning.py.

Candidates (both retrievers, depth 200, the shipped dense floor) come from the engine
once per query; sentence vectors are cached in WORK_DIR/rerank/ (about 45,000 units:
4 min to embed on two quiet cores).

    python bench/rerank_variants.py --work-dir /tmp/scifact_work
    python bench/rerank_variants.py --work-dir /tmp/scifact_work --query-model /tmp/qenc
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperscope.config import Settings
from paperscope.index.analysis import word_tokens
from paperscope.index.embedder import Embedder, load_embedder
from paperscope.index.lexical_compile import Filters
from paperscope.models import SearchQuery
from paperscope.search.engine import SearchEngine
from paperscope.search.eval_beir import (
    ID_PREFIX,
    BeirDataset,
    indexed_engine,
    load_beir,
    select_half,
)
from paperscope.search.fusion import FusionSettings, fuse
from paperscope.search.metrics import mean, ndcg_at_k, recall_at_k
from paperscope.search.query import parse_query

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "beir" / "scifact"
FloatArray = npt.NDArray[np.float32]
RERANK_DEPTH = 100
# A sentence ends at . ! or ? followed by space and what starts a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(" ".join(text.split())) if part.strip()]


@dataclass
class Units:
    """Title and sentence vectors of every paper: rows ``spans[pid]`` of ``vectors``;
    the first row of a span is the title when the paper has one."""

    vectors: FloatArray
    spans: dict[str, tuple[int, int]]
    has_title: dict[str, bool]

    def sims(self, pid: str, query: FloatArray) -> FloatArray:
        start, end = self.spans.get(pid, (0, 0))
        return self.vectors[start:end] @ query


def paper_units(
    dataset: BeirDataset,
) -> tuple[list[str], dict[str, tuple[int, int]], dict[str, bool]]:
    texts: list[str] = []
    spans: dict[str, tuple[int, int]] = {}
    has_title: dict[str, bool] = {}
    for paper in dataset.corpus:
        pid = paper.paper_id.removeprefix(ID_PREFIX)
        parts = ([paper.title] if paper.title.strip() else []) + sentences(paper.abstract or "")
        spans[pid] = (len(texts), len(texts) + len(parts))
        has_title[pid] = bool(paper.title.strip())
        texts.extend(parts)
    return texts, spans, has_title


def embed_units(dataset: BeirDataset, embedder: Embedder, cache: Path) -> Units:
    texts, spans, has_title = paper_units(dataset)
    cache.parent.mkdir(parents=True, exist_ok=True)
    if cache.is_file():
        vectors = np.load(cache)
        if vectors.shape[0] == len(texts):
            return Units(vectors, spans, has_title)
    started = time.perf_counter()
    vectors = embedder.encode(texts, batch_size=128).astype(np.float32)
    np.save(cache, vectors)
    print(f"  ({len(texts)} units embedded in {time.perf_counter() - started:.0f} s)", flush=True)
    return Units(vectors, spans, has_title)


@dataclass
class Query:
    text: str
    vector: FloatArray
    bm25: dict[str, float]
    cosine: dict[str, float]
    shipped: list[str] = field(default_factory=list)  # the shipped fused ranking
    static_vector: FloatArray | None = None


def collect(engine: SearchEngine, queries: dict[str, str]) -> dict[str, Query]:
    out: dict[str, Query] = {}
    for query_id, text in queries.items():
        parsed = parse_query(text)
        found = engine._relevance(
            SearchQuery(text=text, limit=100), "hybrid", parsed, Filters(), {}
        )
        bm25 = {k.removeprefix(ID_PREFIX): v for k, v in found.bm25.items()}
        cosine = {k.removeprefix(ID_PREFIX): v for k, v in found.semantic.items()}
        query = Query(text, engine.embed_query(parsed.semantic_text), bm25, cosine)
        query.shipped = [pid for pid, _ in fuse(bm25, cosine, engine.fusion)]
        out[query_id] = query
    return out


# -- scoring ---------------------------------------------------------------------------

Ranker = Callable[[str, Query], list[str]]


def evaluate(
    queries: dict[str, Query], qrels: dict[str, dict[str, int]], ranker: Ranker
) -> tuple[float, float]:
    ndcg, recall = [], []
    for query_id, query in queries.items():
        ranking = ranker(query_id, query)
        ndcg.append(ndcg_at_k(ranking, qrels[query_id], 10))
        recall.append(recall_at_k(ranking, qrels[query_id], 100))
    return mean(ndcg), mean(recall)


def shipped_ranker(_: str, query: Query) -> list[str]:
    return query.shipped


def maxsim_ranker(
    units: Units, mix: float, weight: float, *, depth: int | None = None, static: bool = False
) -> Ranker:
    """Dense score ``mix * cosine + (1 - mix) * max unit cosine``, fused as shipped, for
    every candidate or (``depth``) only the shipped top ``depth``, which are then
    reordered among themselves. ``static``: the static model's query and unit vectors."""

    def rank(_: str, query: Query) -> list[str]:
        vector = query.static_vector if static else query.vector
        assert vector is not None
        pool = query.shipped[:depth] if depth else list(query.cosine)
        dense = dict(query.cosine)
        for pid in pool:
            sims = units.sims(pid, vector)
            best = float(sims.max()) if sims.size else 0.0
            dense[pid] = mix * query.cosine.get(pid, 0.0) + (1 - mix) * best
        ranked = [pid for pid, _ in fuse(query.bm25, dense, FusionSettings("convex", weight))]
        if depth:  # only the top is reranked; the rest keeps the shipped order
            head = set(pool)
            return [pid for pid in ranked if pid in head] + query.shipped[depth:]
        return ranked

    return rank


STATIC_DEPTH = 30


def choose(
    name: str,
    grid: dict[str, Ranker],
    tune: dict[str, Query],
    qrels: dict[str, dict[str, int]],
) -> tuple[str, Ranker]:
    scored = {label: evaluate(tune, qrels, ranker) for label, ranker in grid.items()}
    best = max(scored, key=lambda label: scored[label][0])
    top = sorted(scored, key=lambda label: -scored[label][0])[:5]
    print(f"{name}: best on the tune half of {len(grid)}:")
    for label in top:
        print(f"    {label:40s} {scored[label][0]:.4f} / {scored[label][1]:.4f}")
    return best, grid[best]


# -- learned reranker ------------------------------------------------------------------

FEATURES = (
    "bm25 / max bm25",
    "log bm25 rank",
    "cosine",
    "cosine - best cosine",
    "log cosine rank",
    "max sentence cosine",
    "max sentence - best in pool",
    "mean of top-2 sentence cosines",
    "title cosine",
    "shipped fused score",
    "log shipped rank",
    "query words in title",
    "query words in abstract",
    "log abstract words",
)


def _words(text: str) -> set[str]:
    return {token for word in text.split() for token in word_tokens(word)}


@dataclass
class PaperText:
    title: set[str]
    abstract: set[str]
    length: int


def features(
    query: Query, units: Units, papers: dict[str, PaperText]
) -> tuple[list[str], FloatArray]:
    top = query.shipped[:RERANK_DEPTH]
    settings = FusionSettings()
    fused = dict(fuse(query.bm25, query.cosine, settings))
    max_bm25 = max(query.bm25.values(), default=0.0) or 1.0
    bm25_rank = _ranks(query.bm25)
    cos_rank = _ranks(query.cosine)
    best_cos = max(query.cosine.values(), default=0.0)
    query_words = _words(query.text) or {""}
    rows, maxes = [], []
    for pid in top:
        sims = units.sims(pid, query.vector)
        title = float(sims[0]) if units.has_title.get(pid) and sims.size else 0.0
        body = np.sort(sims[1:] if units.has_title.get(pid) else sims)[::-1]
        best = float(max(sims.max(), 0.0)) if sims.size else 0.0
        maxes.append(best)
        paper = papers.get(pid, PaperText(set(), set(), 1))
        rows.append(
            [
                query.bm25.get(pid, 0.0) / max_bm25,
                math.log1p(bm25_rank.get(pid, 1000)),
                query.cosine.get(pid, 0.0),
                query.cosine.get(pid, 0.0) - best_cos,
                math.log1p(cos_rank.get(pid, 1000)),
                best,
                0.0,  # filled below
                float(body[:2].mean()) if body.size else 0.0,
                title,
                fused.get(pid, 0.0),
                math.log1p(top.index(pid)),
                len(query_words & paper.title) / len(query_words),
                len(query_words & paper.abstract) / len(query_words),
                math.log1p(paper.length),
            ]
        )
    matrix = np.asarray(rows, dtype=np.float32).reshape(len(rows), len(FEATURES))
    if len(rows):
        matrix[:, 6] = matrix[:, 5] - max(maxes)
    return top, matrix


def _ranks(scores: dict[str, float]) -> dict[str, int]:
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return {pid: rank for rank, (pid, _) in enumerate(ordered)}


@dataclass
class Table:
    """Per query: candidate ids, feature rows and labels (judged relevant or not)."""

    ids: dict[str, list[str]]
    x: dict[str, FloatArray]
    y: dict[str, npt.NDArray[np.int64]]


def build_table(
    queries: dict[str, Query],
    qrels: dict[str, dict[str, int]],
    units: Units,
    papers: dict[str, PaperText],
) -> Table:
    table = Table({}, {}, {})
    for query_id, query in queries.items():
        ids, matrix = features(query, units, papers)
        table.ids[query_id], table.x[query_id] = ids, matrix
        table.y[query_id] = np.asarray([int(qrels[query_id].get(p, 0) > 0) for p in ids])
    return table


Model = Callable[[FloatArray], npt.NDArray[np.float64]]


def fit(kind: str, param: float, table: Table, query_ids: Sequence[str]) -> Model:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.concatenate([table.x[q] for q in query_ids])
    y = np.concatenate([table.y[q] for q in query_ids])
    if kind == "pointwise LR":
        model = make_pipeline(StandardScaler(), LogisticRegression(C=param, max_iter=2000))
        model.fit(x, y)
        return lambda rows: model.decision_function(rows)
    if kind == "pairwise LR":
        scaler = StandardScaler().fit(x)
        diffs = []
        for q in query_ids:
            rows, labels = scaler.transform(table.x[q]), table.y[q]
            for good in rows[labels == 1]:
                for bad in rows[labels == 0]:
                    diffs.append(good - bad)
        pairs = np.asarray(diffs)
        both = np.concatenate([pairs, -pairs])
        signs = np.concatenate([np.ones(len(pairs)), np.zeros(len(pairs))])
        linear = LogisticRegression(C=param, fit_intercept=False, max_iter=2000).fit(both, signs)
        return lambda rows: linear.decision_function(scaler.transform(rows))
    boosted = HistGradientBoostingClassifier(
        max_depth=3, learning_rate=0.05, max_iter=int(param), min_samples_leaf=40, random_state=0
    ).fit(x, y)
    return lambda rows: boosted.decision_function(rows)


def reranked(table: Table, model: Model) -> Ranker:
    def rank(query_id: str, query: Query) -> list[str]:
        ids = table.ids[query_id]
        if not ids:
            return query.shipped
        scores = model(table.x[query_id])
        order = sorted(range(len(ids)), key=lambda i: (-scores[i], i))
        return [ids[i] for i in order] + query.shipped[RERANK_DEPTH:]

    return rank


def paper_groups(query_ids: Sequence[str], qrels: dict[str, dict[str, int]]) -> dict[str, int]:
    """Connected components of queries linked by a shared judged paper (union-find)."""
    parent = {q: q for q in query_ids}

    def root(q: str) -> str:
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    first: dict[str, str] = {}
    for q in query_ids:
        for doc in qrels[q]:
            if doc in first:
                parent[root(q)] = root(first[doc])
            else:
                first[doc] = q
    roots = {root(q) for q in query_ids}
    number = {r: n for n, r in enumerate(sorted(roots))}
    return {q: number[root(q)] for q in query_ids}


def cross_validate(
    table: Table, tune: dict[str, Query], qrels: dict[str, dict[str, int]], folds: int = 5
) -> tuple[str, float]:
    from sklearn.model_selection import GroupKFold

    ids = list(tune)
    groups = paper_groups(ids, qrels)
    splitter = GroupKFold(n_splits=folds)
    grid = [("pointwise LR", c) for c in (0.01, 0.1, 1.0)]
    grid += [("pairwise LR", c) for c in (0.01, 0.1, 1.0)]
    grid += [("boosted trees", n) for n in (50, 100, 200)]
    results: dict[tuple[str, float], float] = {}
    print(
        f"reranker: grouped {folds}-fold CV inside the tune half "
        f"({len(set(groups.values()))} groups of queries sharing papers):"
    )
    for kind, param in grid:
        scores = []
        for train, test in splitter.split(ids, groups=[groups[q] for q in ids]):
            model = fit(kind, param, table, [ids[i] for i in train])
            part = {ids[i]: tune[ids[i]] for i in test}
            scores.append(evaluate(part, qrels, reranked(table, model))[0] * len(test))
        results[(kind, param)] = sum(scores) / len(ids)
        print(f"    {kind:14s} {param:<6g} CV nDCG@10 {results[(kind, param)]:.4f}", flush=True)
    return max(results, key=lambda key: results[key])


# -- main ------------------------------------------------------------------------------


def load_static(work_dir: Path) -> Embedder | None:
    from paperscope.index.embedder import distill_bundled_model
    from paperscope.index.static_embedder import STATIC_ALIAS, StaticEmbedder

    folder = work_dir / "rerank" / STATIC_ALIAS
    try:
        if not (folder / "config.json").is_file():
            settings = Settings(data_dir=work_dir, dev_mode=True)
            distill_bundled_model(settings=settings, out_dir=folder, dims=256)
        return StaticEmbedder.load(folder)  # type: ignore[return-value]
    except Exception as exc:  # an optional variant: say why, go on
        print(f"(static model unavailable: {exc})")
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--skip-static", action="store_true")
    parser.add_argument(
        "--query-model",
        default="",
        help="a query encoder tuned on the tune half (`paperscope models finetune`) for the "
        "query side; papers and sentences keep the shipped MiniLM vectors",
    )
    args = parser.parse_args()
    dataset = load_beir(SCIFACT, split="train")
    qrels = dataset.qrels
    tune_q, held_q = select_half(dataset.queries, "even"), select_half(dataset.queries, "odd")
    tuned_papers = {d for q in tune_q for d in qrels[q]}
    with indexed_engine(dataset, work_dir=args.work_dir, query_model=args.query_model) as engine:
        started = time.perf_counter()
        tune, held = collect(engine, tune_q), collect(engine, held_q)
        print(
            f"(candidates of {len(tune) + len(held)} queries: "
            f"{time.perf_counter() - started:.0f} s)"
        )
        embedder = load_embedder(Settings(data_dir=args.work_dir, dev_mode=True))
        units = embed_units(dataset, embedder, args.work_dir / "rerank" / "units-minilm.npy")
    seen = {q: held[q] for q in held if set(qrels[q]) & tuned_papers}
    unseen = {q: held[q] for q in held if q not in seen}
    parts = {"tune": tune, "held-out": held, "unseen": unseen, "seen": seen}
    rows: dict[str, Ranker] = {"shipped convex w=0.3": shipped_ranker}

    grid = {
        f"maxsim a={a} w={w}": maxsim_ranker(units, a, w)
        for a, w in itertools.product((0.0, 0.25, 0.5, 0.75), (0.2, 0.3, 0.4))
    }
    label, ranker = choose("maxsim (MiniLM sentences)", grid, tune, qrels)
    rows[label] = ranker
    mix, weight = (float(part.split("=")[1]) for part in label.split()[1:])
    for depth in (30, 50):
        rows[f"  the same over the top {depth} only"] = maxsim_ranker(
            units, mix, weight, depth=depth
        )

    if not args.skip_static:
        static = load_static(args.work_dir)
        if static is not None:
            static_units = embed_units(
                dataset, static, args.work_dir / "rerank" / "units-static.npy"
            )
            for query in itertools.chain(tune.values(), held.values()):
                query.static_vector = static.encode_query(parse_query(query.text).semantic_text)
            grid = {
                f"static maxsim top{STATIC_DEPTH} a={a} w={w}": maxsim_ranker(
                    static_units, a, w, depth=STATIC_DEPTH, static=True
                )
                for a, w in itertools.product((0.5, 0.75, 0.9), (0.2, 0.3, 0.4))
            }
            label, ranker = choose("maxsim (static sentences)", grid, tune, qrels)
            rows[label] = ranker

    papers = {
        p.paper_id.removeprefix(ID_PREFIX): PaperText(
            _words(p.title), _words(p.abstract or ""), len((p.abstract or "").split())
        )
        for p in dataset.corpus
    }
    table = build_table(tune | held, qrels, units, papers)
    kind, param = cross_validate(table, tune, qrels)
    model = fit(kind, param, table, list(tune))
    rows[f"reranker {kind} {param:g}"] = reranked(table, model)

    print(
        f"\nnDCG@10 / recall@100 (tune {len(tune)}, held-out {len(held)} = "
        f"unseen papers {len(unseen)} + seen papers {len(seen)})"
    )
    print(
        f"{'variant':42s} "
        + " ".join(f"{name:>15s}" for name in parts)
        + "  ms/query (rerank + fuse + metrics, offline)"
    )
    for name, ranker in rows.items():
        started = time.perf_counter()
        cells = [evaluate(part, qrels, ranker) for part in parts.values()]
        per_query = (time.perf_counter() - started) * 1000 / (2 * len(held) + len(tune))
        print(
            f"{name:42s} "
            + " ".join(f"{n:.4f} / {r:.4f}" for n, r in cells)
            + f"  {per_query:.1f} ms"
        )
    if kind.endswith("LR"):
        print("\nreranker weights (standardised features):")
        print(
            json.dumps(
                {f: round(float(w), 3) for f, w in zip(FEATURES, _weights(model), strict=False)},
                indent=1,
            )
        )


def _weights(model: Model) -> list[float]:
    """The linear model's coefficients, read from the closure (for the report)."""
    for cell in getattr(model, "__closure__", None) or ():
        inner = cell.cell_contents
        coef = getattr(inner, "coef_", None)
        if coef is None and hasattr(inner, "steps"):
            coef = getattr(inner.steps[-1][1], "coef_", None)
        if coef is not None:
            return [float(v) for v in np.ravel(coef)]
    return []


if __name__ == "__main__":
    main()
