"""The per-interest linear model behind "For you": a weight vector over paper vectors.

A model is trained for each of a reader's interest groups (one tag, their likes, their
typed interests) from the group's positive vectors, the reader's explicit negatives and a
sample of background papers. Scoring a paper is one dot product, so ranking a million
candidates is one matrix-vector product (see recommend/candidates.py).

Three learners are kept because the choice was made by measurement
(bench/recommend_eval.py, docs/recommendations.md); production uses ``DEFAULT_LEARNER``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Learner = Literal["centroid", "logistic", "svm"]
DEFAULT_LEARNER: Learner = "logistic"

# Explicit negatives say more than a random background paper: the reader looked at the
# paper and rejected it. Each counts as much as one positive, while the whole background
# sample together counts as much as all positives (so its size does not matter).
EXPLICIT_NEGATIVE_WEIGHT = 1.0
# Bumped whenever training changes, so cached models from an older recipe retrain.
MODEL_VERSION = "1"

FloatMatrix = NDArray[np.float32]
FloatVector = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class LinearModel:
    """score(x) = weights · x + bias; higher means "more like what this reader keeps"."""

    weights: FloatVector
    bias: float

    def score(self, vectors: FloatMatrix) -> FloatVector:
        return np.asarray(vectors @ self.weights + np.float32(self.bias), dtype=np.float32)

    def to_bytes(self) -> bytes:
        return np.ascontiguousarray(self.weights, dtype="<f4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, bias: float) -> LinearModel:
        return cls(weights=np.frombuffer(data, dtype="<f4").astype(np.float32), bias=bias)


def train_model(
    *,
    positives: FloatMatrix,
    negatives: FloatMatrix,
    background: FloatMatrix,
    learner: Learner = DEFAULT_LEARNER,
) -> LinearModel:
    """Fit one linear model. ``positives`` must have at least one row; ``negatives``
    (explicit) and ``background`` (sampled, presumed uninteresting) may be empty."""
    if len(positives) == 0:
        raise ValueError("a model needs at least one positive paper")
    if learner == "centroid":
        return _centroid(positives, negatives)
    features, labels, weights = _training_set(positives, negatives, background)
    if labels.min() == labels.max():  # no negatives at all: nothing to separate from
        return _centroid(positives, negatives)
    if learner == "logistic":
        from sklearn.linear_model import LogisticRegression

        clf: object = LogisticRegression(C=1.0, max_iter=200)
    else:
        from sklearn.svm import LinearSVC

        clf = LinearSVC(C=0.1, max_iter=5000, tol=1e-5)
    clf.fit(features, labels, sample_weight=weights)  # type: ignore[attr-defined]
    coef = np.asarray(clf.coef_, dtype=np.float32).ravel()  # type: ignore[attr-defined]
    bias = float(np.asarray(clf.intercept_).ravel()[0])  # type: ignore[attr-defined]
    return LinearModel(weights=coef, bias=bias)


def _centroid(positives: FloatMatrix, negatives: FloatMatrix) -> LinearModel:
    """Rocchio: towards the mean positive, away from the mean explicit negative."""
    direction = positives.mean(axis=0)
    if len(negatives):
        direction = direction - 0.5 * negatives.mean(axis=0)
    norm = float(np.linalg.norm(direction)) or 1.0
    return LinearModel(weights=(direction / norm).astype(np.float32), bias=0.0)


def _training_set(
    positives: FloatMatrix, negatives: FloatMatrix, background: FloatMatrix
) -> tuple[FloatMatrix, NDArray[np.int8], FloatVector]:
    features = np.vstack([m for m in (positives, negatives, background) if len(m)])
    labels = np.concatenate(
        [
            np.ones(len(positives), dtype=np.int8),
            np.zeros(len(negatives) + len(background), dtype=np.int8),
        ]
    )
    weights = np.concatenate(
        [
            np.ones(len(positives), dtype=np.float32),
            np.full(len(negatives), EXPLICIT_NEGATIVE_WEIGHT, dtype=np.float32),
            np.full(len(background), len(positives) / max(len(background), 1), np.float32),
        ]
    )
    return features.astype(np.float32), labels, weights


def signals_hash(*parts: object) -> str:
    """A stable fingerprint of everything a model was trained from. The cached model is
    reused while the fingerprint matches, so nothing retrains on a plain page view."""
    digest = hashlib.sha256(MODEL_VERSION.encode())
    for part in parts:
        digest.update(b"\x1f")
        digest.update(repr(part).encode())
    return digest.hexdigest()[:32]
