"""Personal recommendations: the one "For you" ranking, used by the web page, the JSON
API, the digests and the CLI.

For a reader (all their interest groups) or one of their tags, rank the papers of a
recent window by the reader's cached linear models (recommend/groups.py) over the
candidate matrix (recommend/candidates.py): one exact top-k scan (recommend/scan.py) over
a contiguous, date-sorted range of papers. Models retrain only when the
reader's signals change. Every recommendation says why: the group it came from and the
reader's papers (or stated interests) it is closest to.

Typical use::

    recommender = Recommender.open(settings=settings, store=store, embed_query=embed)
    result = recommender.recommend(user_id=7, window="week", limit=50)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from paperscope.config import Settings
from paperscope.rank.recommend.candidates import (
    Candidates,
    CandidatesError,
    Projection,
    build_candidates,
    load_candidates,
)
from paperscope.rank.recommend.groups import (
    INTERESTS,
    EmbedderUnavailable,
    QueryEmbedder,
    TrainedGroup,
    interest_groups,
    negative_ids,
    train_groups,
)
from paperscope.rank.recommend.scan import top_columns
from paperscope.store import Store
from paperscope.store.feedback import UNDATED, UserSignals, load_user_signals, ranking_dates
from paperscope.store.papers import max_seq

Window = Literal["day", "week", "month", "all"]
WINDOWS: tuple[Window, ...] = ("day", "week", "month", "all")
_WINDOW_DAYS: dict[str, int | None] = {"day": 1, "week": 7, "month": 30, "all": None}
_EXPLAIN_TOP = 2


# Where the candidate matrix lives now; None while there is none to read.
FolderLocator = Callable[[], Path | None]


class UnknownTag(Exception):
    """The reader has no library paper with this tag."""


class PaperVectors(Protocol):
    """Where paper embeddings come from (the dense index)."""

    def vectors(self, ids: Sequence[str]) -> NDArray[np.float32]: ...

    def __contains__(self, paper_id: object) -> bool: ...


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a paper is recommended."""

    group: str  # "tag:<name>", "likes" or "interests"
    tag: str | None  # the library tag it came from, if any
    similar_to: tuple[str, ...]  # the reader's papers it is closest to, closest first
    interests: tuple[str, ...]  # typed interests / categories it matches, closest first

    @property
    def text(self) -> str:
        """One line for a card: 'From your tag "rl": close to 2401.00001'."""
        return self.text_with({})

    def text_with(self, titles: Mapping[str, str]) -> str:
        """The line for a reader: the papers it is close to named by their titles
        (ids only where a title is unknown): 'From your tag "rl": close to “Title”'."""
        if self.group == INTERESTS:
            return "Matches your interest " + ", ".join(f'"{i}"' for i in self.interests)
        head = f'From your tag "{self.tag}"' if self.tag else "Like papers you liked"
        named = [f"“{_short(titles[p])}”" if titles.get(p) else p for p in self.similar_to]
        return head + (f": close to {', '.join(named)}" if named else "")


def _short(title: str, limit: int = 90) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Recommendation:
    paper_id: str
    score: float
    day: date | None  # None for a paper without a date of its own (store.feedback.UNDATED)
    reason: Reason


@dataclass(frozen=True, slots=True)
class Recommendations:
    items: list[Recommendation]
    window: Window
    tag: str | None
    since: date | None  # first day of the window
    needs_onboarding: bool  # no signals yet: show the cold-start picker
    candidates: int  # papers in the window
    retrained: int  # models trained by this call (0 when all came from the cache)


class Recommender:
    """Holds the mapped candidate matrix; cheap to call per request."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        embed_query: QueryEmbedder | None = None,
        folder: FolderLocator | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._locate = folder
        self._embed_query = embed_query
        self._text_vectors: dict[str, NDArray[np.float32]] = {}
        self._candidates: Candidates | None = None
        self._pointer_stamp: tuple[int, int] | None = None

    @classmethod
    def open(
        cls,
        *,
        settings: Settings,
        store: Store,
        embed_query: QueryEmbedder | None = None,
        folder: FolderLocator | None = None,
    ) -> Recommender:
        """``folder`` says where the candidates live now (a published index generation,
        docs/deployment.md); by default ``DATA_DIR/recommend``."""
        return cls(settings=settings, store=store, embed_query=embed_query, folder=folder)

    @property
    def folder(self) -> Path:
        if self._locate is None:
            return candidates_folder(self.settings)
        located = self._locate()
        if located is None:
            raise CandidatesError("no index generation loaded from INDEX_URL yet")
        return located

    def candidates(self) -> Candidates:
        """The live candidate matrix, remapped when a refresh switched builds."""
        pointer = self.folder / "CURRENT"
        try:
            info = pointer.stat()
            stamp = (info.st_mtime_ns, info.st_ino)
        except FileNotFoundError:
            stamp = None
        if self._candidates is None or stamp != self._pointer_stamp:
            self._candidates = load_candidates(
                self.folder, model_name=self.settings.embedding_model
            )
            self._pointer_stamp = stamp
        return self._candidates

    def embed(self, text: str) -> NDArray[np.float32]:
        if text not in self._text_vectors:
            if self._embed_query is None:
                raise EmbedderUnavailable("typed interests need the embedding model")
            if len(self._text_vectors) > 10_000:
                self._text_vectors.clear()
            self._text_vectors[text] = np.asarray(self._embed_query(text), dtype=np.float32)
        return self._text_vectors[text]

    def recommend(
        self,
        *,
        user_id: int,
        tag: str | None = None,
        window: Window = "week",
        limit: int = 50,
        today: date | None = None,
    ) -> Recommendations:
        """The reader's feed for ``window``, best first, each with its reason."""
        signals = load_user_signals(store=self.store, user_id=user_id)
        if tag is not None and not any(tag in tags for tags in signals.library.values()):
            raise UnknownTag(f'you have no papers tagged "{tag}"')
        candidates = self.candidates()
        trained, retrained = train_groups(
            store=self.store,
            user_id=user_id,
            groups=interest_groups(signals, tag=tag),
            negatives=negative_ids(signals),
            candidates=candidates,
            embed_query=self.embed if self._embed_query is not None else None,
            prune=tag is None,
        )
        since = window_start(candidates, window, today)
        start = candidates.window_start(since)
        empty = Recommendations([], window, tag, since, not trained, len(candidates) - start, 0)
        if not trained:
            return empty
        rows, scores, best = rank_rows(
            candidates, trained, start=start, limit=limit, exclude=_seen(candidates, signals)
        )
        items = [
            Recommendation(
                paper_id=candidates.paper_id(int(row)),
                score=float(score),
                day=_dated(candidates.date_of(int(row))),
                reason=explain(candidates, trained[int(g)], int(row)),
            )
            for row, score, g in zip(rows, scores, best, strict=True)
        ]
        return Recommendations(items, window, tag, since, False, empty.candidates, retrained)


def _dated(day: date) -> date | None:
    return None if day == UNDATED else day


def window_start(candidates: Candidates, window: Window, today: date | None) -> date | None:
    """First day of the window, counted back from the newest paper (never after today):
    arXiv publishes nothing at weekends, and "today" on a weekend should still show the
    last announcement."""
    days = _WINDOW_DAYS[window]
    if days is None or len(candidates) == 0:
        return None
    newest = candidates.date_of(len(candidates) - 1)
    anchor = min(newest, today or date.today())
    return anchor - timedelta(days=days - 1)


def _seen(candidates: Candidates, signals: UserSignals) -> NDArray[np.int64]:
    """Rows never to recommend: papers the reader saved, upvoted or judged already."""
    seen = set(signals.library) | set(signals.upvoted) | set(signals.feedback)
    return candidates.rows_of(sorted(seen))


def rank_rows(
    candidates: Candidates,
    trained: Sequence[TrainedGroup],
    *,
    start: int,
    limit: int,
    exclude: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.float32], NDArray[np.int64]]:
    """Top ``limit`` rows from ``start`` on by the best group's score, with the index of
    that group for each."""
    weights = np.stack([t.model.weights for t in trained]).astype(np.float32)  # (g, dim)
    biases = np.array([t.model.bias for t in trained], dtype=np.float32)
    return top_columns(
        candidates.columns, weights, biases, start=start, limit=limit, exclude=exclude
    )


def explain(candidates: Candidates, trained: TrainedGroup, row: int) -> Reason:
    """Name the group and the reader's papers or interests closest to the paper."""
    vector = candidates.rows(row)[0]
    anchors = trained.anchors
    sims = (anchors @ vector) / (np.linalg.norm(anchors, axis=1) * np.linalg.norm(vector) + 1e-9)
    order = np.argsort(-sims, kind="stable")[:_EXPLAIN_TOP]
    labels = [trained.anchor_labels[i] for i in order]
    papers = tuple(label[6:] for label in labels if label.startswith("paper:"))
    stated = tuple(label.split(":", 1)[1] for label in labels if not label.startswith("paper:"))
    group = trained.group
    return Reason(group=group.key, tag=group.tag, similar_to=papers, interests=stated)


def lazy_query_embedder(settings: Settings) -> QueryEmbedder:
    """Embeds typed interests with the search embedder, loaded on first use only: most
    requests hit cached models and never need it."""
    loaded: list[Any] = []

    def embed(text: str) -> NDArray[np.float32]:
        if not loaded:
            try:
                # Imported here: loading the model stack is only worth it on first use.
                from paperscope.index.embedder import load_embedder, query_settings

                loaded.append(load_embedder(query_settings(settings)))
            except Exception as exc:  # missing module, model files, backend ...
                raise EmbedderUnavailable(f"embedding model unavailable: {exc}") from exc
        return np.asarray(loaded[0].encode_query(text), dtype=np.float32).ravel()

    return embed


def candidates_folder(settings: Settings) -> Path:
    return settings.data_dir / "recommend"


def refresh_candidates(*, settings: Settings, store: Store, source: PaperVectors) -> Candidates:
    """Rebuild the candidate matrix from the dense index and the store's dates. Keeps the
    current projection when it fits, so cached reader models stay valid."""
    folder = candidates_folder(settings)
    projection: Projection | None = None
    try:
        current = load_candidates(folder, model_name=settings.embedding_model)
        projection = current.projection
    except CandidatesError:
        projection = None
    ids, dates = ranking_dates(store=store)
    keep = [i for i, pid in enumerate(ids) if pid in source]
    ids, dates = [ids[i] for i in keep], [dates[i] for i in keep]
    vectors = _fetch_vectors(source, ids)
    if projection is not None and projection.basis.shape[1] != vectors.shape[1]:
        projection = None
    return build_candidates(
        folder=folder,
        paper_ids=ids,
        dates=dates,
        vectors=vectors,
        model_name=settings.embedding_model,
        store_seq=max_seq(store=store),
        projection=projection,
    )


def refresh_candidates_from_index(*, settings: Settings, store: Store) -> Candidates:
    """Rebuild the candidate matrix from the search engine's dense index (run after
    `paperscope index`). Raises CandidatesError when there is no dense index yet."""
    from paperscope.index.artifacts import ArtifactError, read_manifest
    from paperscope.index.catch_up import dense_index_dir
    from paperscope.index.dense import DenseIndex

    directory = dense_index_dir(settings)
    manifest = read_manifest(directory)
    if manifest is None or manifest.model_name is None or manifest.dim is None:
        raise CandidatesError(f"{directory}: no dense index yet: run `paperscope index`")
    try:
        index = DenseIndex.open(
            directory, model_name=manifest.model_name, dim=manifest.dim, create=False
        )
    except ArtifactError as exc:
        raise CandidatesError(f"cannot read the dense index: {exc}") from exc
    return refresh_candidates(settings=settings, store=store, source=index)


def _fetch_vectors(source: PaperVectors, ids: Sequence[str]) -> NDArray[np.float32]:
    chunks = [
        np.asarray(source.vectors(ids[i : i + 10_000]), dtype=np.float32)
        for i in range(0, len(ids), 10_000)
    ]
    if not chunks:
        return np.empty((0, 0), dtype=np.float32)
    return np.vstack(chunks)
