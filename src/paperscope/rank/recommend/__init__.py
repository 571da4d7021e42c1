"""Personal recommendations (the "For you" ranking): ranking.py ranks, candidates.py
holds the candidate matrix, groups.py and model.py learn a reader's interests, scan.py
finds the top papers. Callers import from here: this list of names is the one public
surface of the package."""

from paperscope.rank.recommend.candidates import CandidatesError
from paperscope.rank.recommend.ranking import (
    WINDOWS,
    Reason,
    Recommendation,
    Recommendations,
    Recommender,
    UnknownTag,
    Window,
    candidates_folder,
    lazy_query_embedder,
    rank_rows,
    refresh_candidates,
    refresh_candidates_from_index,
)

__all__ = [
    "WINDOWS",
    "CandidatesError",
    "Reason",
    "Recommendation",
    "Recommendations",
    "Recommender",
    "UnknownTag",
    "Window",
    "candidates_folder",
    "lazy_query_embedder",
    "rank_rows",
    "refresh_candidates",
    "refresh_candidates_from_index",
]
