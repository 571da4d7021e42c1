"""Fine-tune a query encoder on a BEIR-format set of judged queries (index/query_encoder.py
does the training): the corpus is indexed as ``eval beir`` indexes it, its dense vectors
are the frozen targets, and each judged query's search text is a training query.

    folder = finetune_on_beir(directory=Path("scifact"), split="train", half="even",
                              out_dir=Path("models/scifact-queries"), work_dir=...)

``half`` keeps the judged queries at even or odd positions only, so that the other half
can be scored as held out (``paperscope eval beir --half``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from paperscope.index.embedder import resolve_model
from paperscope.index.query_encoder import (
    EpochCallback,
    QueryModelError,
    TrainingSettings,
    finetune_query_encoder,
)
from paperscope.search.eval_beir import ID_PREFIX, indexed_engine, load_beir, select_half
from paperscope.search.query import parse_query

if TYPE_CHECKING:
    from paperscope.index.catch_up import ProgressCallback


def finetune_on_beir(
    *,
    directory: Path,
    split: str,
    half: str,
    out_dir: Path,
    work_dir: Path | None = None,
    training: TrainingSettings = TrainingSettings(),
    progress: ProgressCallback | None = None,
    on_epoch: EpochCallback | None = None,
) -> Path:
    """Train a query encoder for the dataset's corpus vectors; returns its folder."""
    dataset = load_beir(directory, split=split)
    queries = select_half(dataset.queries, half)
    with indexed_engine(dataset, work_dir=work_dir, progress=progress) as engine:
        index = engine.semantic.index
        if index is None or not len(index):
            raise QueryModelError(f"{directory}: the corpus has no dense vectors")
        ids = index.ids()
        documents = engine.paper_vectors(ids)
        document_model = index.model_name
    rows = {paper_id.removeprefix(ID_PREFIX): row for row, paper_id in enumerate(ids)}
    pairs: list[tuple[str, int]] = []
    related: dict[str, set[int]] = {}
    for query_id, text in queries.items():
        search_text = parse_query(text).semantic_text
        judged = {
            rows[doc] for doc, grade in dataset.qrels[query_id].items() if grade > 0 and doc in rows
        }
        if not search_text or not judged:
            continue
        related.setdefault(search_text, set()).update(judged)
        pairs.extend((search_text, row) for row in sorted(judged))
    base = resolve_model(document_model)
    return finetune_query_encoder(
        base=base.path,
        base_name=base.name,
        document_model=document_model,
        documents=documents,
        pairs=pairs,
        out_dir=out_dir,
        training=training,
        related=related,
        on_epoch=on_epoch,
    )
