"""Match bibliography entries to papers in the store.

In order of trust: the arXiv id (eprint fields, arXiv URLs and DOIs, ``arXiv:`` notes),
then the DOI, then the title: first the exact normalised title (an indexed look-up),
then a fuzzy comparison against a bounded set of candidates that share the title's
longest words. A fuzzy match needs a similarity of at least ``TITLE_THRESHOLD``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from paperscope.arxiv_ids import text_paper_id
from paperscope.models import author_key, initials_key
from paperscope.references.records import Reference, title_words
from paperscope.store import Store
from paperscope.store.paper_lookup import (
    paper_ids_by_arxiv,
    paper_ids_by_doi,
    papers_by_title_key,
    title_candidates,
)

# Case, accents, LaTeX braces and punctuation are normalised away first. Then a plural
# ("Continuum Limits" for "Limit") scores 0.99 and a British spelling 0.98, while a
# dropped subtitle scores 0.5-0.8. A different word in a short title can still score
# above 0.9 ("Attention is not all you need" 0.93, "Zero-Shot" for "Few-Shot" 0.93),
# so every word must also have a counterpart (see words_agree).
TITLE_THRESHOLD = 0.9
WORD_THRESHOLD = 0.8  # "limits"/"limit" 0.91, "characterisations"/"…izations" 0.94
MIN_TITLE_LENGTH = 20  # characters of the normalised title
CANDIDATES_PER_QUERY = 25
# A candidate must contain two of the title's three longest words: distinctive enough
# to keep the candidates few, while one word spelt differently still matches.
_CANDIDATE_WORDS = 3


@dataclass(frozen=True, slots=True)
class Match:
    """How one entry matched; ``paper_id`` None when it did not, with ``score`` then the
    closest fuzzy title score seen (for the report), if any candidate was found."""

    paper_id: str | None
    method: str | None  # "arxiv-id" | "doi" | "title"
    score: float | None = None  # title similarity, 1.0 for an exact normalised title
    why: str = ""  # for a miss the threshold alone does not explain


def match_references(*, store: Store, references: Sequence[Reference]) -> list[Match]:
    """One Match per reference, in order."""
    by_arxiv = paper_ids_by_arxiv(
        store=store, arxiv_ids=[r.arxiv_id for r in references if r.arxiv_id]
    )
    by_doi = paper_ids_by_doi(store=store, dois=[r.doi for r in references if r.doi])
    results: list[Match] = []
    for ref in references:
        if ref.arxiv_id and ref.arxiv_id in by_arxiv:
            results.append(Match(by_arxiv[ref.arxiv_id], "arxiv-id"))
        elif ref.doi and ref.doi in by_doi:
            results.append(Match(by_doi[ref.doi], "doi"))
        else:
            results.append(Match(None, None))
    _match_titles(store, references, results)
    return results


def _match_titles(store: Store, references: Sequence[Reference], results: list[Match]) -> None:
    # An entry whose arXiv id the store lacks is not in the store under any title
    # (arXiv papers are keyed by their id): only harvesting can bring it in.
    # Short titles ("Introduction", "Erratum") name too many papers to match on.
    todo = [
        i
        for i, m in enumerate(results)
        if m.paper_id is None
        and not references[i].arxiv_id
        and len(title_words(references[i].title)) >= MIN_TITLE_LENGTH
    ]
    exact = papers_by_title_key(
        store=store, title_keys=[text_paper_id(references[i].title) for i in todo]
    )
    for i in todo:
        title = references[i].title
        found = exact.get(text_paper_id(title))
        if found:
            results[i] = Match(found[0][0], "title", 1.0)
        else:
            results[i] = _fuzzy(store, title, references[i].authors)


def _fuzzy(store: Store, title: str, authors: Sequence[str]) -> Match:
    """The best of a bounded set of candidates: papers whose title has two of the
    entry title's three longest words (the most distinctive ones) and, when the entry
    names its authors, that share an author with it: an indexed look-up by the
    authors' initials and surname, as bibliographies and arXiv write given names in
    full or as initials ("A. Vaswani" finds Ashish Vaswani's paper, and the other way
    round); without authors every title is scanned."""
    keys = [key for key in (initials_key(author_key(name)) for name in authors) if key]
    wanted = title_words(title)
    words = sorted(set(wanted.split()), key=lambda w: (-len(w), w))[:_CANDIDATE_WORDS]
    best: tuple[float, bool, str] | None = None  # (score, words agree, paper_id)
    for paper_id, candidate in title_candidates(
        store=store, words=words, limit=CANDIDATES_PER_QUERY, initials_keys=keys
    ):
        other = title_words(candidate)
        score = title_similarity(wanted, other, floor=best[0] if best else 0.0)
        agree = score >= TITLE_THRESHOLD and words_agree(wanted, other)
        if best is None or (agree, score) > (best[1], best[0]):
            best = (score, agree, paper_id)
    if best is None:
        return Match(None, None)
    score, agree, paper_id = round(best[0], 3), best[1], best[2]
    if agree:
        return Match(paper_id, "title", score)
    if score >= TITLE_THRESHOLD:
        return Match(None, None, score, f"closest title ({paper_id}) has a different word")
    return Match(None, None, score)


def words_agree(a: str, b: str) -> bool:
    """Every word of each title is in the other, or close to one of its words (a
    plural, another spelling): a word added, dropped or replaced makes another paper."""
    words_a, words_b = set(a.split()), set(b.split())
    return all(
        _has_counterpart(word, others)
        for mine, others in ((words_a - words_b, words_b), (words_b - words_a, words_a))
        for word in mine
    )


def _has_counterpart(word: str, others: set[str]) -> bool:
    return any(
        SequenceMatcher(None, word, other, autojunk=False).ratio() >= WORD_THRESHOLD
        for other in others
    )


def title_similarity(a: str, b: str, *, floor: float = 0.0) -> float:
    """Similarity of two normalised titles in [0, 1] (difflib's ratio). Pairs whose
    cheap upper bound is already below ``floor`` and the threshold get that bound
    instead of the exact (slow) ratio: they cannot win either way."""
    if a == b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    bound = min(floor, TITLE_THRESHOLD)
    quick = matcher.real_quick_ratio()
    if quick < bound:
        return quick
    quick = matcher.quick_ratio()
    if quick < bound:
        return quick
    return matcher.ratio()
