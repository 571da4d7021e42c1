"""Query-side tuning on the SciFact TRAIN split: the shipped MiniLM against a query
encoder fine-tuned on the tune half (`paperscope models finetune`) and a linear query
adapter, all through the real search engine, side by side.

The tune half is the even positions, the held-out half the odd ones (as in
bench/tune_fusion.py). SciFact writes several claims about one paper, so 242 of the
404 held-out claims are judged against a paper that a tune-half claim is judged
against too: the held-out half is also reported split into those ("seen papers") and
the 162 claims about papers no tuning claim is judged against ("unseen papers"),
which is what a new reader's query looks like.

    python bench/query_tuning.py --work-dir /tmp/scifact_work   # indexed by the first run
    python bench/query_tuning.py --work-dir /tmp/scifact_work --encoder /tmp/qenc   # reuse
    python bench/query_tuning.py --work-dir /tmp/scifact_work --corpus-sentences 1

``--corpus-sentences N`` adds two encoders adapted to the corpus without any judged
query: N sentences of each indexed abstract (6-60 words, seeded choice) are training
queries for their own paper (1 epoch), then that model is tuned on the tune half's
claims as ``models finetune`` does.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

import numpy as np

from paperscope.index.embedder import Embedder, resolve_model
from paperscope.index.query_encoder import TrainingSettings, finetune_query_encoder
from paperscope.search.engine import SearchEngine
from paperscope.search.eval_beir import (
    ID_PREFIX,
    BeirDataset,
    indexed_engine,
    load_beir,
    rankings,
    score_rankings,
    select_half,
)
from paperscope.search.query import parse_query
from paperscope.search.query_tuning import finetune_on_beir

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "beir" / "scifact"
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


class AdaptedQueries:
    """The base embedder's query vector times a learned matrix, renormalised."""

    def __init__(self, base: Embedder, matrix: np.ndarray) -> None:
        self.model_name, self.dim, self.backend = base.model_name, base.dim, base.backend
        self._base, self._matrix = base, matrix

    def encode(self, texts, *, batch_size=64, progress=None):  # type: ignore[no-untyped-def]
        return self._base.encode(texts, batch_size=batch_size, progress=progress)

    def encode_query(self, text: str) -> np.ndarray:
        vector = self._matrix @ self._base.encode_query(text)
        return (vector / np.linalg.norm(vector)).astype(np.float32)


def train_adapter(
    engine: SearchEngine, dataset: BeirDataset, tune: dict[str, str], steps: int = 150
) -> np.ndarray:
    """A 384 x 384 matrix (from the identity) trained with the full-corpus softmax on
    the tune half's base query vectors: Adam, lr 1e-3, 150 steps (chosen on an inner
    split of the tune half)."""
    import torch

    index = engine.semantic.index
    assert index is not None
    ids = index.ids()
    rows = {pid.removeprefix(ID_PREFIX): row for row, pid in enumerate(ids)}
    corpus = torch.from_numpy(np.asarray(engine.paper_vectors(ids), dtype=np.float32))
    pairs = [(q, rows[d]) for q in tune for d, g in dataset.qrels[q].items() if g > 0 and d in rows]
    embedder = engine.semantic.embedder()
    queries = np.stack(
        [embedder.encode_query(parse_query(tune[q]).semantic_text) for q, _ in pairs]
    )
    inputs, targets = torch.from_numpy(queries), torch.tensor([row for _, row in pairs])
    mask = torch.zeros(len(pairs), len(ids), dtype=torch.bool)
    for n, (q, row) in enumerate(pairs):
        for d in dataset.qrels[q]:
            if d in rows and rows[d] != row:
                mask[n, rows[d]] = True
    matrix = torch.nn.Parameter(torch.eye(corpus.shape[1]))
    optimiser = torch.optim.Adam([matrix], lr=1e-3)
    for _ in range(steps):
        adapted = torch.nn.functional.normalize(inputs @ matrix.T, dim=1)
        scores = (20.0 * adapted @ corpus.T).masked_fill(mask, float("-inf"))
        loss = torch.nn.functional.cross_entropy(scores, targets)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    result: np.ndarray = matrix.detach().numpy()
    return result


def corpus_adapted(
    work_dir: Path, dataset: BeirDataset, tune: dict[str, str], per_paper: int
) -> tuple[Path, Path]:
    """Two query encoders: trained on abstract sentences -> their own paper, and that one
    then tuned on the tune half's claims. Written beside ``work_dir``, reused if there."""
    with indexed_engine(dataset, work_dir=work_dir) as engine:
        index = engine.semantic.index
        assert index is not None
        ids = index.ids()
        documents = engine.paper_vectors(ids)
        model_name = index.model_name
    rows = {paper_id: row for row, paper_id in enumerate(ids)}
    choose = random.Random(7)
    sentences: list[tuple[str, int]] = []
    for paper in dataset.corpus:
        if paper.paper_id in rows and paper.abstract:
            usable = [s for s in SENTENCE.split(paper.abstract) if 6 <= len(s.split()) <= 60]
            picked = choose.sample(usable, min(per_paper, len(usable)))
            sentences += [(s, rows[paper.paper_id]) for s in picked]
    claims: list[tuple[str, int]] = []
    related: dict[str, set[int]] = {}
    for query_id, text in tune.items():
        search_text = parse_query(text).semantic_text
        judged = {
            rows[ID_PREFIX + doc]
            for doc, grade in dataset.qrels[query_id].items()
            if grade > 0 and ID_PREFIX + doc in rows
        }
        if search_text and judged:
            related.setdefault(search_text, set()).update(judged)
            claims += [(search_text, row) for row in sorted(judged)]
    base = resolve_model(model_name)
    adapted = work_dir.parent / f"{work_dir.name}-corpus{per_paper}"
    tuned = work_dir.parent / f"{work_dir.name}-corpus{per_paper}-claims"
    for out_dir, start, pairs, epochs in (
        (adapted, base.path, sentences, 1),
        (tuned, adapted, claims, TrainingSettings().epochs),
    ):
        if not out_dir.exists():
            started = time.perf_counter()
            finetune_query_encoder(
                base=start,
                base_name=base.name,
                document_model=model_name,
                documents=documents,
                pairs=pairs,
                out_dir=out_dir,
                training=TrainingSettings(epochs=epochs),
                related=related if pairs is claims else None,
            )
            print(f"({out_dir.name}: {len(pairs)} pairs in {time.perf_counter() - started:.0f} s)")
    return adapted, tuned


def report(name: str, engine: SearchEngine, parts: dict[str, dict[str, str]], qrels) -> None:  # type: ignore[no-untyped-def]
    print(name)
    for part, queries in parts.items():
        line = [f"  {part:<24}"]
        for mode in ("dense", "hybrid"):
            found = rankings(engine, queries, mode=mode)
            score = score_rankings(found, {q: qrels[q] for q in queries}, mode)
            line.append(f"{mode} {score.ndcg_at_10:.4f} / {score.recall_at_100:.4f}")
        print("  ".join(line), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--encoder", type=Path, help="a query encoder trained on the tune half")
    parser.add_argument("--corpus-sentences", type=int, default=0, metavar="N")
    args = parser.parse_args()
    dataset = load_beir(SCIFACT, split="train")
    tune, held_out = select_half(dataset.queries, "even"), select_half(dataset.queries, "odd")
    tuned_papers = {d for q in tune for d in dataset.qrels[q]}
    seen = {q: t for q, t in held_out.items() if set(dataset.qrels[q]) & tuned_papers}
    unseen = {q: t for q, t in held_out.items() if q not in seen}
    parts = {
        f"tune ({len(tune)})": tune,
        f"held-out ({len(held_out)})": held_out,
        f"  unseen papers ({len(unseen)})": unseen,
        f"  seen papers ({len(seen)})": seen,
    }
    print("nDCG@10 / recall@100")
    with indexed_engine(dataset, work_dir=args.work_dir) as engine:
        report("all-MiniLM-L6-v2 (shipped)", engine, parts, dataset.qrels)
        started = time.perf_counter()
        matrix = train_adapter(engine, dataset, tune)
        base = engine.semantic.embedder()
        seconds = time.perf_counter() - started
    # A fresh engine: the first one keeps the base query vectors in its query cache.
    with indexed_engine(dataset, work_dir=args.work_dir) as engine:
        engine.semantic.use_embedder(AdaptedQueries(base, matrix))  # type: ignore[arg-type]
        report(f"linear query adapter ({seconds:.0f} s)", engine, parts, dataset.qrels)
    encoder = args.encoder
    if encoder is None:
        encoder = args.work_dir.parent / f"{args.work_dir.name}-query-encoder"
        started = time.perf_counter()
        finetune_on_beir(
            directory=SCIFACT,
            split="train",
            half="even",
            out_dir=encoder,
            work_dir=args.work_dir,
            training=TrainingSettings(),
        )
        print(f"(query encoder trained in {time.perf_counter() - started:.0f} s)")
    with indexed_engine(dataset, work_dir=args.work_dir, query_model=str(encoder)) as engine:
        report(f"query encoder {encoder.name} (models finetune)", engine, parts, dataset.qrels)
        texts = [parse_query(t).semantic_text for t in list(held_out.values())[:200]]
        embedder = engine.semantic.embedder()
        started = time.perf_counter()
        for text in texts:
            embedder.encode_query(text)
        per_query = (time.perf_counter() - started) / len(texts) * 1000
        print(f"query embedding with the tuned encoder: {per_query:.1f} ms per query")
    if args.corpus_sentences:
        adapted, tuned = corpus_adapted(args.work_dir, dataset, tune, args.corpus_sentences)
        for label, folder in (("corpus sentences", adapted), ("then tune claims", tuned)):
            with indexed_engine(dataset, work_dir=args.work_dir, query_model=str(folder)) as engine:
                report(f"query encoder: {label} ({folder.name})", engine, parts, dataset.qrels)


if __name__ == "__main__":
    main()
