"""A reader's interest groups and their cached models.

A group is one thing a reader keeps papers for: each library tag, "papers you liked"
(untagged saves, upvotes, thumbs up) and "your interests" (typed interests and picked
categories). Each group gets its own model and the feed takes, per paper, the best
group's score: a reader with two unrelated interests gets papers for both instead of
papers halfway between them, and every recommendation can say which group it came from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from paperscope.rank.recommend.candidates import Candidates
from paperscope.rank.recommend.model import (
    DEFAULT_LEARNER,
    Learner,
    LinearModel,
    signals_hash,
    train_model,
)
from paperscope.store import Store
from paperscope.store.feedback import (
    CachedModel,
    UserSignals,
    load_models,
    papers_in_categories,
    save_models,
)

log = logging.getLogger(__name__)

LIKES = "likes"
INTERESTS = "interests"
MAX_GROUPS = 8  # more tags than this share the "likes" model: keeps a request one GEMM
BACKGROUND_SIZE = 1000
NEGATIVE_KINDS = ("down", "not_interested")

QueryEmbedder = Callable[[str], NDArray[np.float32]]


class EmbedderUnavailable(Exception):
    """The embedding model cannot be loaded: typed interests wait until it can."""


@dataclass(frozen=True, slots=True)
class Group:
    """The positives of one interest group, before they become vectors."""

    key: str  # "tag:<name>", "likes" or "interests"
    paper_ids: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()  # typed research interests
    categories: tuple[str, ...] = ()

    @property
    def tag(self) -> str | None:
        return self.key[4:] if self.key.startswith("tag:") else None


@dataclass(frozen=True, slots=True)
class TrainedGroup:
    group: Group
    model: LinearModel
    # Vectors of the group's positives with their labels, for explanations.
    anchors: NDArray[np.float32] = field(repr=False)
    anchor_labels: tuple[str, ...] = ()


def interest_groups(signals: UserSignals, *, tag: str | None = None) -> list[Group]:
    """The reader's groups, largest tags first; only the tag's group when ``tag`` is set."""
    by_tag: dict[str, list[str]] = {}
    for pid, tags in sorted(signals.library.items()):
        for t in tags:
            by_tag.setdefault(t, []).append(pid)
    if tag is not None:
        return [Group(f"tag:{tag}", tuple(by_tag[tag]))] if tag in by_tag else []
    ranked = sorted(by_tag.items(), key=lambda item: (-len(item[1]), item[0]))
    kept, spilled = ranked[: MAX_GROUPS - 2], ranked[MAX_GROUPS - 2 :]
    groups = [Group(f"tag:{t}", tuple(ids)) for t, ids in kept]
    liked = {pid for pid, tags in signals.library.items() if not tags}
    liked |= signals.upvoted
    liked |= {pid for pid, kind in signals.feedback.items() if kind == "up"}
    liked |= {pid for _, ids in spilled for pid in ids}
    if liked:
        groups.append(Group(LIKES, tuple(sorted(liked))))
    texts = tuple(v for k, v in signals.interests if k == "text")
    categories = tuple(v for k, v in signals.interests if k == "category")
    if texts or categories:
        groups.append(Group(INTERESTS, texts=texts, categories=categories))
    return groups


def negative_ids(signals: UserSignals) -> tuple[str, ...]:
    return tuple(sorted(p for p, kind in signals.feedback.items() if kind in NEGATIVE_KINDS))


def train_groups(
    *,
    store: Store,
    user_id: int,
    groups: Sequence[Group],
    negatives: Sequence[str],
    candidates: Candidates,
    embed_query: QueryEmbedder | None,
    learner: Learner = DEFAULT_LEARNER,
    prune: bool = True,
) -> tuple[list[TrainedGroup], int]:
    """Each group's model, from the cache when its signals are unchanged, else trained
    now and cached. Returns the groups that have any usable positive and how many were
    (re)trained. ``prune`` drops cached groups the reader no longer has."""
    cached = load_models(store=store, user_id=user_id)
    negative_vectors = _vectors(candidates, negatives)
    trained: list[TrainedGroup] = []
    fresh: list[CachedModel] = []
    for group in groups:
        anchors, labels = _anchors(store, candidates, group, embed_query)
        if len(anchors) == 0:
            continue
        fingerprint = signals_hash(
            group, tuple(negatives), candidates.projection.basis_id, learner, len(anchors)
        )
        hit = cached.get(group.key)
        if hit is not None and hit.signals_hash == fingerprint:
            model = LinearModel.from_bytes(hit.weights, hit.bias)
        else:
            background = _background(candidates, user_id, group.paper_ids)
            model = train_model(
                positives=anchors,
                negatives=negative_vectors,
                background=background,
                learner=learner,
            )
            fresh.append(CachedModel(group.key, fingerprint, model.to_bytes(), model.bias))
        trained.append(TrainedGroup(group, model, anchors, labels))
    keep = [g.key for g in groups] if prune else list(cached)
    dropped = set(cached) - set(keep)
    if fresh or dropped:  # a plain page view with unchanged signals writes nothing
        save_models(store=store, user_id=user_id, models=fresh, keep=keep, now=datetime.now(UTC))
    return trained, len(fresh)


def _vectors(candidates: Candidates, paper_ids: Sequence[str]) -> NDArray[np.float32]:
    rows = np.sort(candidates.rows_of(list(paper_ids)))
    return candidates.rows(rows)


def _anchors(
    store: Store, candidates: Candidates, group: Group, embed_query: QueryEmbedder | None
) -> tuple[NDArray[np.float32], tuple[str, ...]]:
    """The group's positive vectors and what each one is ("paper:<id>", "text:...",
    "category:..."). Papers not embedded yet are skipped until they are."""
    rows = candidates.rows_of(list(group.paper_ids))
    parts = [candidates.rows(np.sort(rows))]
    labels = [f"paper:{candidates.paper_id(int(r))}" for r in np.sort(rows)]
    if group.texts and embed_query is not None:
        for text in group.texts:
            try:
                vector = np.asarray(embed_query(text), dtype=np.float32).reshape(1, -1)
            except EmbedderUnavailable as exc:
                # The rest of the feed still works; the fingerprint counts anchors, so the
                # model retrains once the text can be embedded.
                log.warning("typed interest skipped: %s", exc)
                continue
            parts.append(candidates.projection.project(vector))
            labels.append(f"text:{text}")
    if group.categories:
        members = papers_in_categories(store=store, categories=group.categories)
        for category in group.categories:
            member_rows = np.sort(candidates.rows_of(members.get(category, [])))
            if len(member_rows):
                centroid = candidates.rows(member_rows)
                parts.append(centroid.mean(axis=0, keepdims=True))
                labels.append(f"category:{category}")
    dim = candidates.dim
    stacked = np.vstack([p.reshape(-1, dim) for p in parts]) if labels else np.empty((0, dim))
    return stacked.astype(np.float32), tuple(labels)


def _background(
    candidates: Candidates, user_id: int, positives: Sequence[str]
) -> NDArray[np.float32]:
    """Random papers as presumed negatives. Seeded by reader so a retrain on unchanged
    data gives the same model; positives are taken out of the sample."""
    n = len(candidates)
    size = min(BACKGROUND_SIZE, n)
    rng = np.random.default_rng(user_id)
    rows = np.sort(rng.choice(n, size=size, replace=False)) if size else np.empty(0, np.int64)
    rows = np.setdiff1d(rows, candidates.rows_of(list(positives)), assume_unique=True)
    return candidates.rows(rows)
