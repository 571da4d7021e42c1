"""Combining the lexical and the semantic retriever into one ranking.

Both retrievers return their top candidates; the engine then looks up the other
score of every candidate (BM25 of dense-only hits, cosine of lexical-only hits), so
fusion sees both scores for the whole union and can use them directly instead of
only ranks. Two methods:

- ``convex`` (default): ``w * bm25 / max_bm25 + (1 - w) * cosine``, a score in [0, 1]
  that saved-search thresholds can use. A paper that does not match lexically has
  BM25 0.
- ``rrf``: weighted reciprocal rank fusion, ``w / (k + lexical_rank) + (1 - w) / (k +
  semantic_rank)``, kept for comparison.

The defaults were tuned on the SciFact train split only (docs/search.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_METHOD = "convex"
DEFAULT_LEXICAL_WEIGHT = 0.3
RRF_K = 60
# A dense candidate with no lexical match is kept only from this cosine up (see
# search/engine.py); learned on the SciFact train split by bench/dense_cut.py.
DEFAULT_DENSE_FLOOR = 0.35
# The static model distilled from MiniLM (`paperscope models distill`, named
# "<teacher>-static<dims>") ranks far worse alone (dense nDCG@10 0.41 against MiniLM's
# ~0.6 on SciFact), so hybrid search leans more on BM25 with it: 0.5 was the best weight
# on the tune half of SciFact train for it (bench/backfill_embedders.py).
STATIC_MODEL_LEXICAL_WEIGHT = 0.5
_STATIC_MODEL = re.compile(r"-static\d+$")


@dataclass(frozen=True, slots=True)
class FusionSettings:
    method: str = DEFAULT_METHOD
    lexical_weight: float = DEFAULT_LEXICAL_WEIGHT
    rrf_k: int = RRF_K
    dense_floor: float = DEFAULT_DENSE_FLOOR


def fusion_for_model(model_name: str | None) -> FusionSettings:
    """The fusion defaults for the dense index's model (tuned per kind of model)."""
    if model_name and _STATIC_MODEL.search(model_name):
        return FusionSettings(lexical_weight=STATIC_MODEL_LEXICAL_WEIGHT)
    return FusionSettings()


def fuse(
    lexical: Mapping[str, float],
    semantic: Mapping[str, float],
    settings: FusionSettings = FusionSettings(),
) -> list[tuple[str, float]]:
    """Every candidate of either retriever with its fused score, best first (ties by
    paper id, so rankings are deterministic)."""
    candidates = set(lexical) | set(semantic)
    if settings.method == "rrf":
        scores = _rrf(lexical, semantic, candidates, settings)
    else:
        scores = _convex(lexical, semantic, candidates, settings.lexical_weight)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _convex(
    lexical: Mapping[str, float],
    semantic: Mapping[str, float],
    candidates: set[str],
    weight: float,
) -> dict[str, float]:
    top = max(lexical.values(), default=0.0)
    scale = 1.0 / top if top > 0 else 0.0
    return {
        pid: weight * lexical.get(pid, 0.0) * scale
        + (1.0 - weight) * max(semantic.get(pid, 0.0), 0.0)
        for pid in candidates
    }


def _rrf(
    lexical: Mapping[str, float],
    semantic: Mapping[str, float],
    candidates: set[str],
    settings: FusionSettings,
) -> dict[str, float]:
    lexical_rank = _ranks(lexical)
    semantic_rank = _ranks(semantic)
    weight, k = settings.lexical_weight, settings.rrf_k
    out: dict[str, float] = {}
    for pid in candidates:
        score = 0.0
        if pid in lexical_rank:
            score += weight / (k + lexical_rank[pid])
        if pid in semantic_rank:
            score += (1.0 - weight) / (k + semantic_rank[pid])
        out[pid] = score
    return out


def _ranks(scores: Mapping[str, float]) -> dict[str, int]:
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return {pid: rank for rank, (pid, _) in enumerate(ordered, start=1)}
