"""Search quality on a BEIR dataset (SciFact, NFCorpus ...): nDCG@10 and recall@100 of
each search mode, through the real pipeline (store -> indexes -> SearchEngine).

BEIR documents become papers with ``paper_id = "beir-<_id>"``, title and abstract,
indexed into a throwaway data dir (or a kept ``work_dir``, so a second run skips the
embedding, which takes minutes on a laptop CPU)."""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.config import Settings
from paperscope.index.catch_up import catch_up_indexes
from paperscope.models import Paper, SearchQuery
from paperscope.search.metrics import mean, ndcg_at_k, recall_at_k
from paperscope.store import Store
from paperscope.store.papers import count_papers, upsert_papers

if TYPE_CHECKING:
    from paperscope.index.catch_up import ProgressCallback
    from paperscope.index.embedder import Embedder
    from paperscope.search.engine import SearchEngine

ID_PREFIX = "beir-"
SPLITS = ("train", "dev", "test")
MODES = ("bm25", "dense", "hybrid")
HALVES = ("all", "even", "odd")


class BeirError(Exception):
    """The dataset folder is incomplete or unreadable; the message names the file."""


@dataclass(frozen=True)
class BeirDataset:
    corpus: list[Paper]
    queries: dict[str, str]  # only queries that have judgements in the split
    qrels: dict[str, dict[str, int]]  # query id -> document id -> grade


@dataclass(frozen=True)
class ModeScore:
    mode: str
    ndcg_at_10: float
    recall_at_100: float
    queries: int

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "ndcg@10": round(self.ndcg_at_10, 4),
            "recall@100": round(self.recall_at_100, 4),
            "queries": self.queries,
        }


def load_beir(directory: Path, *, split: str = "test") -> BeirDataset:
    """Read corpus.jsonl, queries(.<split>).jsonl and qrels/<split>.tsv."""
    qrels = _read_qrels(directory / "qrels" / f"{split}.tsv")
    queries_file = directory / f"queries.{split}.jsonl"
    if not queries_file.is_file():
        queries_file = directory / "queries.jsonl"
    queries = {
        str(row["_id"]): str(row.get("text", ""))
        for row, _ in _jsonl(queries_file)
        if str(row.get("_id")) in qrels
    }
    corpus = [
        Paper(
            paper_id=f"{ID_PREFIX}{row['_id']}",
            title=str(row.get("title") or ""),
            abstract=str(row.get("text") or ""),
            source="text",
        )
        for row, _ in _jsonl(directory / "corpus.jsonl")
    ]
    return BeirDataset(corpus=corpus, queries=queries, qrels={q: qrels[q] for q in queries})


def select_half(queries: dict[str, str], half: str) -> dict[str, str]:
    """The queries at even or odd positions (in file order), or all of them: one half
    tunes (fusion weights, a query encoder), the other is scored as held out."""
    if half not in HALVES:
        raise BeirError(f"half {half!r}: use all, even or odd")
    items = list(queries.items())
    return dict(items if half == "all" else items[half == "odd" :: 2])


def _jsonl(path: Path) -> Iterator[tuple[dict[str, Any], int]]:
    if not path.is_file():
        raise BeirError(f"{path}: file not found (is this a BEIR dataset folder?)")
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise BeirError(f"{path}:{line_number}: not valid JSON ({exc})") from exc
            if not isinstance(row, dict) or "_id" not in row:
                raise BeirError(f"{path}:{line_number}: a record without an _id")
            yield row, line_number


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    if not path.is_file():
        raise BeirError(f"{path}: judgements not found; is the split name right?")
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line_number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if line_number == 1 and row and not row[-1].lstrip("-").isdigit():
                continue  # the header line
            if len(row) < 3:
                raise BeirError(f"{path}:{line_number}: expected query-id, corpus-id, score")
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return qrels


@contextmanager
def indexed_engine(
    dataset: BeirDataset,
    *,
    work_dir: Path | None = None,
    embedder: Embedder | None = None,
    dense: bool = True,
    progress: ProgressCallback | None = None,
    query_model: str = "",
) -> Iterator[SearchEngine]:
    """A SearchEngine over the dataset's corpus, in ``work_dir`` or a temp folder.
    A ``work_dir`` that already holds this corpus is reused as it is. ``query_model``:
    a tuned query encoder's folder (index/query_encoder.py) for the queries."""
    from paperscope.search.engine import SearchEngine

    with tempfile.TemporaryDirectory(prefix="paperscope-beir-") as scratch:
        settings = Settings(
            data_dir=work_dir or Path(scratch), dev_mode=True, query_embedding_model=query_model
        )
        store = Store.open(settings)
        try:
            if count_papers(store=store) != len(dataset.corpus):
                for start in range(0, len(dataset.corpus), 2_000):
                    upsert_papers(store=store, papers_in=dataset.corpus[start : start + 2_000])
            catch_up_indexes(
                settings=settings, store=store, progress=progress, embedder=embedder, dense=dense
            )
            engine = SearchEngine.open(settings=settings, store=store)
            if embedder is not None:
                engine.semantic.use_embedder(embedder)
            yield engine
        finally:
            store.close()


def rankings(
    engine: SearchEngine, queries: dict[str, str], *, mode: str, depth: int = 100
) -> dict[str, list[str]]:
    """Each query's ranked document ids (the BEIR ``_id``s)."""
    out: dict[str, list[str]] = {}
    for query_id, text in queries.items():
        ranked = engine.ranking(SearchQuery(text=text, mode=mode, limit=depth))
        out[query_id] = [paper_id.removeprefix(ID_PREFIX) for paper_id, _ in ranked]
    return out


def score_rankings(
    found: dict[str, list[str]], qrels: dict[str, dict[str, int]], mode: str
) -> ModeScore:
    ndcg = [ndcg_at_k(found.get(q, []), qrels[q], 10) for q in qrels]
    recall = [recall_at_k(found.get(q, []), qrels[q], 100) for q in qrels]
    return ModeScore(mode, mean(ndcg), mean(recall), len(qrels))


def evaluate_beir(
    directory: Path,
    *,
    split: str = "test",
    modes: Sequence[str] = MODES,
    limit_queries: int | None = None,
    work_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    on_mode: Callable[[ModeScore], None] | None = None,
    half: str = "all",
    query_model: str = "",
) -> list[ModeScore]:
    """nDCG@10 and recall@100 of each mode on ``split`` (the ``half`` of its queries,
    then the first ``limit_queries``); ``query_model``: a tuned query encoder."""
    dataset = load_beir(directory, split=split)
    chosen = select_half(dataset.queries, half)
    queries = dict(list(chosen.items())[:limit_queries] if limit_queries else chosen.items())
    if not queries:
        raise BeirError(f"{directory}: no {split} query has judgements")
    qrels = {q: dataset.qrels[q] for q in queries}
    needs_dense = any(mode != "bm25" for mode in modes)
    scores: list[ModeScore] = []
    with indexed_engine(
        dataset, work_dir=work_dir, dense=needs_dense, progress=progress, query_model=query_model
    ) as engine:
        for mode in modes:
            score = score_rankings(rankings(engine, queries, mode=mode), qrels, mode)
            scores.append(score)
            if on_mode is not None:
                on_mode(score)
    return scores
