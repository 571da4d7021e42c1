"""Bring the lexical and dense indexes up to date with the store.

Every paper insert or update in the store gets a higher ``seq``; each index records
the highest ``seq`` it has absorbed (its high-water mark). Catching up reads only the
papers changed since then, in batches, and checkpoints after each batch (lexical) or
every ``CHECKPOINT_SECONDS`` (dense, whose save rewrites its vector file), so an
interrupted ``paperscope index`` resumes where it stopped and a daily run only touches
the day's papers. Papers that disappeared from the store are removed from both.

    report = catch_up_indexes(settings=settings, store=store, progress=callback)
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from paperscope.index.artifacts import IndexMismatchError
from paperscope.index.lexical import LexicalIndex
from paperscope.index.lexical_compile import Filters
from paperscope.store import Store
from paperscope.store.page_versions import bump_pages
from paperscope.store.papers import count_papers, iter_changed_papers, list_paper_ids

if TYPE_CHECKING:
    from paperscope.config import Settings
    from paperscope.index.dense import DenseIndex
    from paperscope.index.embedder import Embedder

log = logging.getLogger("paperscope.index")

LEXICAL_BATCH = 2_000
DENSE_BATCH = 512
CHECKPOINT_SECONDS = 30.0

# (stage, done, total): stage is "lexical" or "dense"; total is the number of papers to
# index, 0 when unknown (incremental runs).
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class CatchUpReport:
    lexical_indexed: int
    embedded: int
    removed: int
    lexical_count: int
    dense_count: int
    high_water_mark: int
    seconds: float
    dense_skipped: str | None = None  # why the dense index was not updated


def index_root(settings: Settings) -> Path:
    return settings.data_dir / "index"


def lexical_index_dir(settings: Settings) -> Path:
    return index_root(settings) / "lexical"


def dense_index_dir(settings: Settings) -> Path:
    return index_root(settings) / "dense"


def catch_up_indexes(
    *,
    settings: Settings,
    store: Store,
    progress: ProgressCallback | None = None,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    dense: bool = True,
    dense_batch: int = DENSE_BATCH,
    checkpoint_seconds: float = CHECKPOINT_SECONDS,
) -> CatchUpReport:
    """Index every paper changed since the last run (all of them with ``rebuild``).
    ``embedder`` overrides the configured one (tests, benchmarks, a Ray cluster, whose
    rounds of ``dense_batch`` papers are larger and checkpointed each, with
    ``checkpoint_seconds=0``); ``dense=False`` updates only the lexical index."""
    started = time.perf_counter()
    if rebuild:
        # Without the dense stage only the lexical index is rebuilt: the vectors stay
        # (re-embedding them is the slow part).
        dropped = index_root(settings) if dense else lexical_index_dir(settings)
        shutil.rmtree(dropped, ignore_errors=True)
    report_progress = progress or (lambda stage, done, total: None)
    lexical = _open_lexical(settings)
    try:
        lexical_done = _catch_up_lexical(store, lexical, report_progress)
        dense_index, embedded, skipped = None, 0, None
        if dense:
            dense_index, embedded, skipped = _catch_up_dense(
                settings, store, embedder, report_progress, dense_batch, checkpoint_seconds
            )
        else:
            skipped = "not requested"
        removed = _remove_deleted(store, lexical, dense_index)
    finally:
        lexical.close()
    if lexical_done or embedded or removed:
        # Paper pages list similar papers from these indexes.
        bump_pages(store=store)
    return CatchUpReport(
        lexical_indexed=lexical_done,
        embedded=embedded,
        removed=removed,
        lexical_count=len(lexical),
        dense_count=len(dense_index) if dense_index is not None else 0,
        high_water_mark=lexical.high_water_mark,
        seconds=time.perf_counter() - started,
        dense_skipped=skipped,
    )


def _open_lexical(settings: Settings) -> LexicalIndex:
    """The lexical index; one written by an older format is rebuilt from the store
    (minutes even for millions of papers), while the dense index, whose rebuild means
    embedding everything again, is kept."""
    directory = lexical_index_dir(settings)
    try:
        return LexicalIndex.open(directory)
    except IndexMismatchError:
        log.warning("%s: lexical index format changed, rebuilding it", directory)
        shutil.rmtree(directory, ignore_errors=True)
        return LexicalIndex.open(directory)


def _pending(store: Store, after_seq: int) -> int:
    """Papers to index for the progress bar: all on a first run, else unknown (0),
    as one ``seq`` covers a whole import batch."""
    return count_papers(store=store) if after_seq == 0 else 0


def _catch_up_lexical(store: Store, lexical: LexicalIndex, progress: ProgressCallback) -> int:
    total = _pending(store, lexical.high_water_mark)
    done, last_seq = 0, None
    for seq, papers in iter_changed_papers(
        store=store, after_seq=lexical.high_water_mark, batch_size=LEXICAL_BATCH
    ):
        lexical.upsert(papers)
        lexical.commit(high_water_mark=_settled(seq, lexical.high_water_mark))
        done, last_seq = done + len(papers), seq
        progress("lexical", done, max(total, done) if total else 0)
    if last_seq is not None:
        lexical.commit(high_water_mark=last_seq)
    return done


def _settled(batch_seq: int, current: int) -> int:
    """The checkpoint after a batch that ended at ``batch_seq``: one import shares one
    seq, so the next batch may hold more papers of that seq, and only the seqs below
    it are known to be complete."""
    return max(current, batch_seq - 1)


def _catch_up_dense(
    settings: Settings,
    store: Store,
    embedder: Embedder | None,
    progress: ProgressCallback,
    batch_size: int,
    checkpoint_seconds: float,
) -> tuple[DenseIndex | None, int, str | None]:
    from paperscope.index.dense import DenseIndex
    from paperscope.index.embedder import load_embedder, paper_text

    directory = dense_index_dir(settings)
    model = embedder or load_embedder(settings)
    index = DenseIndex.open(
        directory,
        model_name=model.model_name,
        dim=model.dim,
        storage=settings.dense_index_storage,
    )
    # A changed storage setting applies now, from the vectors the graph holds.
    dirty = index.convert_storage()
    if dirty:
        log.info("%s: dense graph rebuilt as %s", directory, index.storage)
    total = _pending(store, index.high_water_mark)
    done = 0
    last_save = time.monotonic()
    last_seq = None
    for seq, papers in iter_changed_papers(
        store=store, after_seq=index.high_water_mark, batch_size=batch_size
    ):
        texts = [paper_text(p.title, p.abstract) for p in papers]
        # Nothing to embed for a paper without title and abstract.
        keep = [i for i, text in enumerate(texts) if text]
        if keep:
            vectors = model.encode([texts[i] for i in keep])
            index.add([papers[i].paper_id for i in keep], vectors)
        index.high_water_mark = _settled(seq, index.high_water_mark)
        last_seq, dirty = seq, True
        done += len(papers)
        progress("dense", done, max(total, done) if total else 0)
        if time.monotonic() - last_save >= checkpoint_seconds:
            index.save(key_lookup=False)  # servers read the generation of the last save
            last_save, dirty = time.monotonic(), False
    if last_seq is not None and index.high_water_mark != last_seq:
        index.high_water_mark = last_seq  # the last batch is complete: all of its seq
        dirty = True
    if dirty or not (directory / "manifest.json").exists():
        index.save()
    return index, done, None


def _remove_deleted(store: Store, lexical: LexicalIndex, dense: DenseIndex | None) -> int:
    """Drop papers the store no longer has. Only runs when the counts disagree, since
    listing every id is the expensive part."""
    stored = count_papers(store=store)
    dense_extra = dense is not None and len(dense) > stored
    if len(lexical) <= stored and not dense_extra:
        return 0
    known = set(list_paper_ids(store=store, limit=stored + 1))
    removed: set[str] = set()
    if len(lexical) > stored:
        gone = [
            pid for pid in lexical.filtered_ids(Filters(), limit=len(lexical)) if pid not in known
        ]
        lexical.remove(gone)
        lexical.commit()
        removed.update(gone)
    if dense is not None and dense_extra:
        gone = [pid for pid in dense.ids() if pid not in known]
        dense.remove(gone)
        dense.save()
        removed.update(gone)
    return len(removed)
