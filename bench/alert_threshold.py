"""Calibrate the saved-search alert threshold on BEIR SciFact (train split).

An alert keeps a new paper when its cosine similarity to the query (all-MiniLM-L6-v2,
the search engine's dense model) reaches a threshold. This prints, for thresholds
0.20-0.60, the share of truly relevant abstracts that would be sent (recall) and how
many non-relevant abstracts per 1,000 new papers would be sent too (noise), so the
default (feeds/content.py DEFAULT_MIN_SEMANTIC_SCORE) can be chosen and documented.

    .venv/bin/python bench/alert_threshold.py [--queries 300] [--others 1500]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from paperscope.config import Settings
from paperscope.index.embedder import load_embedder, paper_text

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "beir" / "scifact"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--others", type=int, default=1500)
    args = parser.parse_args()
    corpus = {d["_id"]: d for d in map(json.loads, (DATA / "corpus.jsonl").open())}
    queries = {q["_id"]: q["text"] for q in map(json.loads, (DATA / "queries.train.jsonl").open())}
    qrels: dict[str, set[str]] = {}
    for line in (DATA / "qrels" / "train.tsv").read_text().splitlines()[1:]:
        qid, did, score = line.split("\t")
        if int(score) > 0:
            qrels.setdefault(qid, set()).add(did)
    rng = random.Random(7)
    qids = sorted(q for q in qrels if q in queries)
    qids = rng.sample(qids, min(args.queries, len(qids)))
    relevant = sorted({d for q in qids for d in qrels[q]})
    pool = sorted(set(corpus) - set(relevant))
    docs = relevant + rng.sample(pool, min(args.others, len(pool)))
    embedder = load_embedder(Settings())
    started = time.perf_counter()
    doc_vecs = embedder.encode([paper_text(corpus[d]["title"], corpus[d]["text"]) for d in docs])
    q_vecs = np.stack([embedder.encode_query(queries[q]).ravel() for q in qids])
    print(
        f"embedded {len(docs)} abstracts and {len(qids)} queries in "
        f"{time.perf_counter() - started:.0f} s ({embedder.backend})"
    )
    sims = q_vecs @ doc_vecs.T
    index = {d: i for i, d in enumerate(docs)}
    positive = np.zeros_like(sims, dtype=bool)
    for row, q in enumerate(qids):
        for d in qrels[q]:
            positive[row, index[d]] = True
    pos, neg = sims[positive], sims[~positive]
    print(
        f"relevant pairs: {pos.size}, median cosine {np.median(pos):.3f}, "
        f"p10 {np.percentile(pos, 10):.3f}; non-relevant: median {np.median(neg):.3f}, "
        f"p99 {np.percentile(neg, 99):.3f}"
    )
    print("threshold  recall(relevant sent)  noise(non-relevant sent per 1000 new papers)")
    for t in np.arange(0.20, 0.61, 0.05):
        recall = float((pos >= t).mean())
        noise = float((neg >= t).mean()) * 1000
        print(f"   {t:.2f}          {recall:6.1%}               {noise:7.2f}")


if __name__ == "__main__":
    main()
