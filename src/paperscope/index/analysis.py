"""Text analysis shared by the lexical index, its queries and highlighting.

Every text field goes through one analyzer (``analyze_word``): simple word split,
lower case, ASCII folding, English stop words, English (Snowball) stemming. LaTeX
commands are stripped before indexing.

A word of several parts ("GPT-4", "T-cell", "3.5", "patient's") is also indexed whole,
as the one token ``gpt 4`` of a ``compounds`` field (see ``compound_token``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from paperscope.models import Paper

TEXT_ANALYZER = "paper_text"
NAME_ANALYZER = "person_name"
LABEL_ANALYZER = "label"
UNDATED = -1_000_000  # day number of papers without any date: sorts after every real date
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?")
# Word characters as tantivy's simple tokenizer sees them (alphanumeric runs).
WORD = re.compile(r"[^\W_]+")
# An apostrophe inside a name ("O'Brien", "D’Angelo"): bylines and readers write the
# name with and without it, as models.author_key treats them alike.
_NAME_APOSTROPHE = re.compile(r"(?<=[^\W_])['`\u2018\u2019\u02bc](?=[^\W_])")
# Alphanumeric runs joined by punctuation without spaces: "GPT-4", "250,000", "kb/min".
# Anchored at word starts and possessive, so a plain word fails in one step instead of
# being retried from each of its letters (5x faster over whole abstracts).
_COMPOUND = re.compile(r"(?<![^\W_])[^\W_]++(?:(?:[^\w\s]|_)++[^\W_]++)+")


def import_tantivy() -> Any:
    import tantivy

    return tantivy


@functools.cache
def analyzers() -> dict[str, Any]:
    """The tantivy analyzers by name, registered on every opened index."""
    tantivy = import_tantivy()
    text = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )
    names = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )
    label = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
        .filter(tantivy.Filter.lowercase())
        .build()
    )
    return {TEXT_ANALYZER: text, NAME_ANALYZER: names, LABEL_ANALYZER: label}


@functools.lru_cache(maxsize=200_000)
def analyze_word(word: str) -> tuple[str, ...]:
    """Index tokens of one word of title or abstract text (``()`` for stop words)."""
    return tuple(analyzers()[TEXT_ANALYZER].analyze(word))


@functools.lru_cache(maxsize=50_000)
def analyze_name(word: str) -> tuple[str, ...]:
    return tuple(analyzers()[NAME_ANALYZER].analyze(word))


def name_spellings(name: str) -> list[str]:
    """What the authors field indexes for one byline name: the name, and when an
    apostrophe joins two parts of it also the joined spelling, so ``au:obrien`` finds
    O'Brien as ``au:O'Brien`` does (the query splits a typed apostrophe like the index)."""
    joined = _NAME_APOSTROPHE.sub("", name)
    return [name] if joined == name else [name, joined]


def word_tokens(word: str) -> list[str]:
    """Index tokens of one word as typed, split into its parts ("GPT-4" -> gpt, 4)."""
    return [token for part in WORD.findall(word) for token in analyze_word(part)]


def compound_token(tokens: Sequence[str]) -> str | None:
    """The ``compounds`` token of a word from its tokens ("GPT-4" -> "gpt 4"); None
    when fewer than two remain (stop words drop out: "state-of-the-art" -> "state art")."""
    return " ".join(tokens) if len(tokens) >= 2 else None


def compound_tokens(text: str) -> list[str]:
    """Every compound token of ``text``, repeats included (they count as term
    frequency)."""
    found = (compound_token(word_tokens(match.group())) for match in _COMPOUND.finditer(text))
    return [token for token in found if token is not None]


def clean_text(text: str) -> str:
    """What is indexed of a title or abstract: LaTeX commands (``\\mathcal``) removed,
    so they neither match queries nor inflate document lengths."""
    return _LATEX_COMMAND.sub(" ", text)


def positions(
    words: Sequence[str], analyze: Callable[[str], tuple[str, ...]]
) -> list[tuple[int, str]]:
    """Tokens of ``words`` with their positions; stop words leave gaps, as they do in
    the index, so "state of the art" finds exactly that phrase."""
    out: list[tuple[int, str]] = []
    position = 0
    for word in words:
        for part in WORD.findall(word):
            tokens = analyze(part)
            if not tokens:
                position += 1
            for token in tokens:
                out.append((position, token))
                position += 1
    return out


def paper_key(paper_id: str) -> int:
    """A stable 63-bit number per paper id, kept as a fast field so filters can be
    checked for many candidates without loading stored documents."""
    digest = hashlib.blake2b(paper_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def day_number(value: date | datetime | None) -> int:
    if value is None:
        return UNDATED
    if isinstance(value, datetime):
        value = value.date()
    return value.toordinal()


def paper_day(paper: Paper) -> int:
    """The date a paper is filtered and sorted by: first submission, else feed date."""
    return day_number(paper.submitted_at or paper.feed_date or paper.updated_at)


def paper_month(paper: Paper) -> int | None:
    """Months since year 0 of the paper's date (``year * 12 + month - 1``), for the
    matches-per-month facet; None when the paper has no date."""
    day = paper_day(paper)
    if day == UNDATED:
        return None
    value = date.fromordinal(day)
    return value.year * 12 + value.month - 1


def normalise_doi(doi: str) -> str:
    """DOIs are case-insensitive; trailing punctuation is never part of one."""
    return doi.strip().rstrip(".,;)").lower()


def category_labels(categories: Sequence[str]) -> list[str]:
    """Each category and its archive ("cs.LG" and "cs"), so cat:cs finds all of cs."""
    labels: dict[str, None] = {}
    for category in categories:
        labels[category] = None
        archive = category.split(".", 1)[0]
        if archive != category:
            labels[archive] = None
    return list(labels)
